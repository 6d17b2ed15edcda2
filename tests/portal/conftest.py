"""The portal's tests run on the web tests' session demo (its generator plants the postings of
:mod:`anchorkit.demo.planted_postings`), with the same accounts: ``demo_template``, ``site`` and
``fresh_site`` come from tests/conftest.py."""

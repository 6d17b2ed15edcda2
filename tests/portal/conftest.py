"""The portal's tests run on the web tests' session demo (its generator plants the postings of
:mod:`anchorkit.demo.planted_postings`), with the same accounts."""

from tests.web.conftest import demo_template, fresh_site, site  # noqa: F401

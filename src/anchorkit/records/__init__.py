"""App records: who may log in, what they uploaded and published, and what everyone did (audit).

Beneath every face (dashboard, supplier portal, CLI, demo) and beside :mod:`anchorkit.views`: the
transactional records of people, in their own database (:mod:`anchorkit.records.appdb`), apart
from the analytical spend store.
"""

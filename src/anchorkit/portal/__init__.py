"""The supplier and community portal: where the ecosystem meets.

Suppliers claim the record that supplier resolution made of them (:mod:`.claims`), keep a
profile (:mod:`.profiles`) and certifications with evidence (:mod:`.certifications`); anchors post
the purchases they will make soon (:mod:`.postings`), which anyone can browse or follow as an Atom
feed (:mod:`.feeds`); each posting gets a ranked shortlist of local and impact suppliers with the
reasons (:mod:`.matching`), and the diverse-quote rule is checked over the invitations
(:mod:`.compliance`).

The portal's records are app records (SQLAlchemy, :mod:`anchorkit.records.appdb`): they change one at
a time from web requests, while the spend store stays the analytics' single-writer file. The
portal only reads the store (suppliers, their places, tags and classified lines).
"""

from __future__ import annotations

from anchorkit.portal.certifications import cert_state, counting_tags
from anchorkit.portal.claims import acting_as, decide_claim, make_claim
from anchorkit.portal.compliance import diverse_quote_gaps, invite
from anchorkit.portal.matching import Match, shortlist
from anchorkit.portal.postings import create_posting, import_contracts_finder, list_postings

__all__ = [
    "Match",
    "acting_as",
    "cert_state",
    "counting_tags",
    "create_posting",
    "decide_claim",
    "diverse_quote_gaps",
    "import_contracts_finder",
    "invite",
    "list_postings",
    "make_claim",
    "shortlist",
]

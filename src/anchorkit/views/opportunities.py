"""Opportunities: the network's (or one anchor's) non-local spend that local or impact suppliers
could win, computed once per data generation, with what to do next. Faces decide what of it an
actor sees (an anchor user: names and categories, not other anchors' amounts).

What to do next includes the supplier portal's upcoming purchases in the same category: a
posting open now is the moment to invite the local suppliers named. Postings live in the app
records and change without the spend changing, so they are matched on every call (a few dozen
rows), not cached with the opportunities.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.analytics.opportunities import find_opportunities
from anchorkit.classify.taxonomy import Taxonomy, taxonomy_for
from anchorkit.records.appdb import PortalPosting
from anchorkit.views import formatting as fmt
from anchorkit.views.store import Store

#: upcoming purchases named per opportunity
POSTINGS_SHOWN = 3


def opportunity_list(
    store: Store,
    anchor: str | None,
    db: sessionmaker[Session] | None = None,
    *,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Opportunities, the ones a coordinator can act on first (largest spend at stake first),
    then those whose category must be classified first; with ``db``, each names the portal's
    open postings in its category (``postings``) and says so in its next steps."""

    def build() -> list[dict[str, Any]]:
        found = find_opportunities(store.reader(), anchor=anchor, limit=1000)
        return [o.to_json() for o in found]

    rows = store.cached(("opportunities", anchor), build, keep=True)
    if db is None:
        return rows
    return with_postings(rows, db, taxonomy_for(store.settings, store.workspace.root), today)


def with_postings(
    rows: list[dict[str, Any]],
    db: sessionmaker[Session],
    taxonomy: Taxonomy,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """The opportunities (as JSON) with the portal's open postings of their category."""
    postings = open_postings(db, today or date.today())
    return [_with_postings(o, postings, taxonomy) for o in rows]


def open_postings(db: sessionmaker[Session], today: date) -> list[PortalPosting]:
    """Published postings not yet closed, soonest closing first."""
    with db() as s:
        rows = [p for p in s.scalars(select(PortalPosting)) if p.is_open(today)]
    return sorted(rows, key=lambda p: (p.closes_on or date.max, p.posting_id))


def _with_postings(
    o: dict[str, Any], postings: list[PortalPosting], taxonomy: Taxonomy
) -> dict[str, Any]:
    code = o.get("code")
    if not code or o.get("needs_classification"):
        return {**o, "postings": []}
    matched = [
        {
            "posting_id": p.posting_id,
            "title": p.title,
            "buyer": p.buyer,
            "anchor": p.anchor_name,
            "closes_on": p.closes_on.isoformat() if p.closes_on else None,
        }
        for p in postings
        # a posting for the category or one under it, or for the family it belongs to
        if taxonomy.is_within(p.category_code, code) or taxonomy.is_within(code, p.category_code)
    ]
    steps = list(o.get("next_steps", []))
    if matched:
        shown = "; ".join(
            f"'{p['title']}' ({p['buyer']}"
            + (f", closes {p['closes_on']})" if p["closes_on"] else ")")
            for p in matched[:POSTINGS_SHOWN]
        )
        more = len(matched) - POSTINGS_SHOWN
        steps.append(
            f"Upcoming in the portal: {shown}"
            + (f" and {fmt.count(more)} more" if more > 0 else "")
            + " — invite the suppliers above to answer."
        )
    return {**o, "postings": matched, "next_steps": steps}

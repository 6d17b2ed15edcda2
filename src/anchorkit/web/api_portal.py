"""The portal's JSON API under ``/api/v1/``: opportunities, shortlists and the diverse-quote
gaps, with the same authorisation as the pages (:mod:`anchorkit.web.pages_portal`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import HTTPException

from anchorkit.access.policy import Resource
from anchorkit.portal import compliance, matching, postings
from anchorkit.records.appdb import PortalPosting
from anchorkit.web.deps import actor_of, need, state
from anchorkit.web.pages_portal import _filters, _shortlist_resource, _taxonomy, _today

router = APIRouter(prefix="/api/v1", tags=["supplier portal"])


def _posting_json(p: PortalPosting) -> dict[str, Any]:
    return {
        "posting_id": p.posting_id,
        "title": p.title,
        "description": p.description,
        "buyer": p.buyer,
        "category": p.category_code,
        "value_low": p.value_low,
        "value_high": p.value_high,
        "closes_on": p.closes_on.isoformat() if p.closes_on else None,
        "postcode": p.postcode,
        "area": p.area,
        "asks": list(p.asks or []),
        "status": p.status,
        "source": p.source,
        "url": p.url,
    }


def _posting(request: Request, posting_id: int) -> PortalPosting:
    found = postings.get_posting(state(request).db, posting_id)
    if found is None:
        raise HTTPException(404, f"There is no opportunity number {posting_id}.")
    return found


@router.get("/opportunities", summary="Published opportunities (public): q, category, area, ask")
def opportunities(request: Request) -> Any:
    need(request, "view_postings")
    rows = postings.list_postings(
        state(request).db, _taxonomy(request), _filters(request), _today()
    )
    return [_posting_json(p) for p in rows]


@router.get("/opportunities/{posting_id}", summary="One opportunity (public)")
def opportunity(request: Request, posting_id: int) -> Any:
    need(request, "view_postings")
    return _posting_json(_posting(request, posting_id))


@router.get(
    "/opportunities/{posting_id}/shortlist",
    summary="Ranked local and impact suppliers for an opportunity, with the reasons",
)
def shortlist(request: Request, posting_id: int) -> Any:
    posting = _posting(request, posting_id) if actor_of(request).logged_in else None
    resource = _shortlist_resource(request, posting) if posting is not None else Resource(-1)
    need(request, "view_shortlist", resource)
    assert posting is not None
    st = state(request)
    found = matching.shortlist(st.store, st.db, _taxonomy(request), posting, today=_today())
    invited = {i.supplier_id for i in compliance.invitations(st.db, posting_id)}
    return [
        {
            "supplier_id": m.supplier_id,
            "name": m.name,
            "score": m.score,
            "parts": m.parts,
            "reasons": m.reasons,
            "tags": m.tags,
            "distance_km": m.distance_km,
            "diverse": m.diverse,
            "invited": m.supplier_id in invited,
        }
        for m in found
    ]


@router.get(
    "/diverse-quote-gaps",
    summary="Opportunities under the diverse-quote rule with no diverse supplier invited",
)
def diverse_quote_gaps(request: Request) -> Any:
    actor = need(request, "view_compliance")
    own = actor.anchor_name if actor.role == "anchor" else None
    gaps = compliance.diverse_quote_gaps(
        state(request).db, state(request).store.settings, anchor_name=own, today=_today()
    )
    return [{**_posting_json(g.posting), "invited": g.invited} for g in gaps]

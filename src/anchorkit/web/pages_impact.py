"""Dashboard pages of issue 6: local impact (LM3, jobs and output), opportunities and what-if.

Their figures come from :mod:`anchorkit.views` (computed once per data generation) and are
shown to the backbone in full; an anchor user sees the network's impact figures (aggregates) and
the opportunities for its own spend, without other anchors' amounts.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anchorkit.access.policy import sees_all_lines
from anchorkit.errors import AnchorkitError
from anchorkit.views import impact, indicators, opportunities, whatif
from anchorkit.web.deps import need, render, state

router = APIRouter(include_in_schema=False)


@router.get("/impact")
def impact_page(request: Request) -> Response:
    need(request, "view_impact")
    return render(request, "impact.html", figures=impact.impact_figures(state(request).store))


@router.get("/opportunities")
def opportunities_page(request: Request) -> Response:
    actor = need(request, "view_opportunities")
    st = state(request)
    full = sees_all_lines(actor)
    rows = opportunities.opportunity_list(st.store, None if full else actor.anchor_name, st.db)
    if not full:  # names and categories, not other anchors' amounts
        rows = [
            {
                **o,
                "spend_at_stake": None,
                "suppliers": [{**s, "spend": None} for s in o["suppliers"]],
            }
            for o in rows
        ]
    return render(
        request, "opportunities.html", rows=rows, full=full, anchors=indicators.anchors(st.store)
    )


@router.get("/what-if")
def what_if_page(request: Request) -> Response:
    """Shift a share of a category's spend to local (or tagged) suppliers and see what changes.

    A GET (it changes nothing): the shifts are in the address, so a result can be shared.
    """
    actor = need(request, "view_impact")
    store = state(request).store
    texts = [s for s in request.query_params.getlist("shift") if s.strip()]
    # an anchor user models its own spend; the backbone the network or one anchor
    anchor = (
        actor.anchor_name
        if not sees_all_lines(actor)
        else (request.query_params.get("anchor") or None)
    )
    result, error = None, None
    if texts:
        try:
            result = whatif.scenario(store, texts, anchor)
        except AnchorkitError as exc:
            error = str(exc)
    return render(
        request,
        "what_if.html",
        texts=texts or [""],
        anchor=anchor,
        result=result,
        error=error,
        choices=whatif.category_choices(store),
        anchors=indicators.anchors(store) if sees_all_lines(actor) else [],
    )

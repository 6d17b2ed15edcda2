"""Dashboard pages of issue 6: local impact (LM3, jobs and output) and opportunities.

Both are computed once per data generation (they read every line) and shown to the backbone in
full; an anchor user sees the network's impact figures (aggregates) and the opportunities for
its own spend, without other anchors' amounts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anchorkit.access.policy import sees_all_lines
from anchorkit.analytics.lm3 import compute_lm3
from anchorkit.analytics.multipliers import local_impact
from anchorkit.analytics.opportunities import find_opportunities
from anchorkit.errors import AnchorkitError
from anchorkit.web import queries
from anchorkit.web.app import need, render, state
from anchorkit.web.store import Store

router = APIRouter(include_in_schema=False)


def impact_figures(store: Store) -> dict[str, Any]:
    """LM3 and, when a multiplier table is loaded, output and jobs — for the whole network."""

    def build() -> dict[str, Any]:
        ws = store.reader()
        lm3 = compute_lm3(ws).to_json()
        try:
            jobs: dict[str, Any] | None = local_impact(ws).to_json()
            missing = None
        except AnchorkitError as exc:  # no multiplier table loaded yet: say so, show LM3
            jobs, missing = None, str(exc)
        return {"lm3": lm3, "jobs": jobs, "jobs_missing": missing}

    return store.cached(("impact_figures",), build, keep=True)


def opportunity_list(store: Store, anchor: str | None) -> list[dict[str, Any]]:
    def build() -> list[dict[str, Any]]:
        found = find_opportunities(store.reader(), anchor=anchor, limit=1000)
        return [o.to_json() for o in found]

    return store.cached(("opportunities", anchor), build, keep=True)


@router.get("/impact")
def impact_page(request: Request) -> Response:
    need(request, "view_impact")
    return render(request, "impact.html", figures=impact_figures(state(request).store))


@router.get("/opportunities")
def opportunities_page(request: Request) -> Response:
    actor = need(request, "view_opportunities")
    store = state(request).store
    full = sees_all_lines(actor)
    rows = opportunity_list(store, None if full else actor.anchor_name)
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
        request, "opportunities.html", rows=rows, full=full, anchors=queries.anchors(store)
    )


@router.get("/what-if")
def what_if_page(request: Request) -> Response:
    """Shift a share of a category's spend to local (or tagged) suppliers and see what changes.

    A GET (it changes nothing): the shifts are in the address, so a result can be shared.
    """
    from anchorkit.analytics.whatif import parse_shift, what_if

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
            shifts = [parse_shift(t) for t in texts]
            result = store.cached(
                ("what_if", tuple(texts), anchor),
                lambda: what_if(store.reader(), shifts, anchor=anchor),
            )
        except AnchorkitError as exc:
            error = str(exc)
    return render(
        request,
        "what_if.html",
        texts=texts or [""],
        anchor=anchor,
        result=result,
        error=error,
        choices=category_choices(store),
        anchors=queries.anchors(store) if sees_all_lines(actor) else [],
    )


def category_choices(store: Store) -> list[str]:
    """Category names a shift can name: the taxonomy levels and raw categories in the data."""

    def build() -> list[str]:
        rows = store.reader().engine.query(
            "what_if_categories",
            "SELECT DISTINCT name FROM (SELECT level1 AS name FROM line_category "
            "UNION SELECT level2 FROM line_category) WHERE name IS NOT NULL ORDER BY name",
        )
        return [n for (n,) in rows]

    return store.cached(("what_if_categories",), build, keep=True)

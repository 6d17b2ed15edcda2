"""Dashboard pages of issue 6: local impact (LM3, jobs and output), opportunities and what-if.

Their figures come from :mod:`anchorkit.views` (computed once per data generation) and are
shown to the backbone in full; an anchor user sees the network's impact figures (aggregates) and
the opportunities for its own spend, without other anchors' amounts.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anchorkit.access.policy import sees_all_lines
from anchorkit.errors import AnchorkitError
from anchorkit.records.accounts import Actor
from anchorkit.views import impact, indicators, opportunities, whatif
from anchorkit.views.charts import spec_json, table_rows
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


def what_if_request(request: Request, actor: Actor) -> dict[str, Any]:
    """A what-if as the page, its partial and the API read it from the address: the picker's
    rows (``cat`` and ``pct`` in turn), what they move spend to (``to``: local, else a tag),
    typed shifts (``shift=CATEGORY:PERCENT[:TAG]``), whose spend and which year.

    A GET (it changes nothing): the shifts are in the address, so a result can be shared.
    """
    params = request.query_params
    store = state(request).store
    # an anchor user models its own spend; the backbone the network or one anchor
    anchor = actor.anchor_name if not sees_all_lines(actor) else (params.get("anchor") or None)
    year_text = (params.get("year") or "").strip()
    year = int(year_text) if year_text.isdigit() else None
    to = (params.get("to") or "").strip() or None
    cats, pcts = params.getlist("cat"), params.getlist("pct")
    added = (params.get("add") or "").strip()
    if added and added not in cats:
        cats, pcts = [*cats, added], [*pcts, "20"]
    typed = [s for s in params.getlist("shift") if s.strip()]
    texts = whatif.shift_texts(cats, pcts, to) + typed
    result, error, spec = None, None, None
    if texts:
        try:
            result = whatif.scenario(store, texts, anchor, year)
            spec = whatif.chart(result)
        except AnchorkitError as exc:
            error = str(exc)
    return {
        "anchor": anchor,
        "year": year,
        "to": to,
        "rows": list(zip(cats, pcts, strict=False)),
        "texts": typed,
        "result": result,
        "error": error,
        "spec": spec,
        "charts": {
            "specs": {"what_if": spec_json(spec)} if spec else {},
            "tables": {"what_if": table_rows(spec)} if spec else {},
        },
    }


@router.get("/what-if")
def what_if_page(request: Request) -> Response:
    """Pick categories, move a slider per shift, see local share, LM3 and jobs before and after.

    Without JavaScript the form is a plain GET; with it (htmx) a slider's move fetches only
    the result (``/what-if/result``).
    """
    actor = need(request, "view_impact")
    store = state(request).store
    context = what_if_request(request, actor)
    choices = whatif.choices(store, context["anchor"])
    if not context["rows"] and not context["texts"]:
        # somewhere to start: the three categories with the most non-local spend, at 0 %
        context["rows"] = [(c["name"], "0") for c in choices if c["level"] == 1][:3]
    spend = {c["name"]: c["nonlocal_spend"] for c in choices}
    return render(
        request,
        "what_if.html",
        **context,
        choices=choices,
        spend=spend,
        tags=whatif.tags(store),
        anchors=indicators.anchors(store) if sees_all_lines(actor) else [],
    )


@router.get("/what-if/result")
def what_if_result(request: Request) -> Response:
    """The result of a what-if alone: what the page swaps in when a slider moves."""
    actor = need(request, "view_impact")
    return render(request, "_what_if_result.html", **what_if_request(request, actor))

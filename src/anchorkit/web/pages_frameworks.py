"""Dashboard and portal pages of issue 15: Frameworks (every measure of a chosen framework, with
value, target, source and whether computed, estimated or missing), Commitments (committed vs
delivered, late and missing returns; a supplier returns its quarterly actuals here) and Tier-2
(Tier-1 beside Tier-2 and the top-vendor tracker; a supplier reports its subcontractors here).

Figures and scope come from :mod:`anchorkit.views.frameworks` and
:mod:`anchorkit.views.commitments`: a supplier sees only its own contracts and returns, an anchor
user only its own anchor's.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from anchorkit.access.policy import allowed
from anchorkit.data import tag_vocabulary
from anchorkit.views import commitments, frameworks, indicators
from anchorkit.web.deps import need, render, state
from anchorkit.web.pages import checked_form

router = APIRouter(include_in_schema=False)


@router.get("/frameworks")
def frameworks_page(request: Request) -> Response:
    actor = need(request, "view_frameworks")
    name = request.query_params.get("name") or None
    year_text = request.query_params.get("year") or ""
    year = int(year_text) if year_text.isdigit() else None
    page = frameworks.framework_page(state(request).store, actor, name, year)
    return render(request, "frameworks.html", year=year, **page)


@router.get("/commitments")
def commitments_page(request: Request) -> Response:
    actor = need(request, "view_commitments")
    figures = commitments.commitments_for(state(request).store, actor)
    return render(
        request,
        "commitments.html",
        figures=figures,
        may_report=allowed(actor, "report_actuals") and actor.role == "supplier",
        message=request.query_params.get("message"),
    )


@router.post("/commitments/actuals")
async def commitments_return(request: Request) -> Response:
    actor = need(request, "report_actuals")
    form = await checked_form(request)
    done = commitments.submit_actual(
        state(request).store,
        actor,
        str(form.get("contract_id") or ""),
        str(form.get("measure") or ""),
        str(form.get("quarter") or ""),
        str(form.get("quantity") or ""),
        str(form.get("evidence") or ""),
    )
    message = f"Return recorded: {done['measure']} {done['quarter']}"
    return RedirectResponse(f"/commitments?message={message}", status_code=303)


@router.get("/tier2")
def tier2_page(request: Request) -> Response:
    actor = need(request, "view_commitments")
    st = state(request)
    return render(
        request,
        "tier2.html",
        figures=commitments.tier2_for(st.store, actor),
        may_report=allowed(actor, "report_tier2") and actor.role == "supplier",
        anchors=indicators.anchors(st.store),
        tags=tuple(tag_vocabulary()),
        message=request.query_params.get("message"),
    )


@router.post("/tier2")
async def tier2_submit(request: Request) -> Response:
    actor = need(request, "report_tier2")
    form = await checked_form(request)
    commitments.submit_tier2(
        state(request).store,
        actor,
        str(form.get("anchor") or ""),
        str(form.get("year") or ""),
        str(form.get("subcontractor") or ""),
        str(form.get("amount") or ""),
        str(form.get("tags") or ""),
    )
    return RedirectResponse("/tier2?message=Tier-2 row recorded", status_code=303)

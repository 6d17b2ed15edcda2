"""The JSON API under ``/api/v1/``: the same queries and the same authorisation as the pages.

It authenticates with the dashboard's session cookie; calls that change something also send the
session's CSRF token as ``X-CSRF-Token`` (a page can read it from ``<meta name="csrf-token">``).
OpenAPI documents every route at ``/api/docs``.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, File, Form, Query, Request, UploadFile
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import select

from anchorkit.access.policy import Resource, allowed, sees_all_lines
from anchorkit.records.appdb import Upload
from anchorkit.records.audit import record
from anchorkit.records.uploads import UploadRefused
from anchorkit.resolve.review import decide
from anchorkit.views import categories, lines, paging
from anchorkit.views import indicators as indicator_views  # a route is named `indicators`
from anchorkit.views import suppliers as supplier_views  # ...and one `suppliers`
from anchorkit.views.workflows import confirm_upload, latest_publication, start_upload
from anchorkit.web.deps import actor_of, anchor_name, need, state
from anchorkit.web.pages_impact import what_if_request
from anchorkit.web.security import CSRF_HEADER, client_address, csrf_ok

router = APIRouter(prefix="/api/v1", tags=["anchorkit"])


def _check_csrf(request: Request) -> None:
    if not csrf_ok(actor_of(request), request.headers.get(CSRF_HEADER)):
        raise HTTPException(
            403, "Missing or wrong X-CSRF-Token header (the session's token; see /api/v1/me)."
        )


@router.get("/me", summary="Who the session belongs to, and its CSRF token")
def me(request: Request) -> Any:
    actor = actor_of(request)
    return {
        "email": actor.email if actor.logged_in else None,
        "role": actor.role,
        "anchor": actor.anchor_name,
        "anchor_id": actor.anchor_id,
        "supplier_id": actor.supplier_id,
        "csrf_token": actor.csrf_token,
    }


@router.get("/published", summary="The latest published indicators (public, suppressed)")
def published(request: Request) -> Any:
    need(request, "view_public")
    found = latest_publication(state(request).db)
    if found is None:
        raise HTTPException(404, "Nothing has been published yet.")
    return paging.jsonable(found)


@router.get("/indicators", summary="Network indicators, by year, anchor, category, neighbourhood")
def indicators(request: Request) -> Any:
    actor = need(request, "view_overview")
    return paging.jsonable(indicator_views.overview(state(request).store, actor))


@router.get("/what-if", summary="What if a share of a category's spend went local (or tagged)")
def what_if(
    request: Request,
    shift: Annotated[list[str], Query(description="CATEGORY:PERCENT[:TAG], repeatable")] = [],  # noqa: B006
    cat: Annotated[list[str], Query(description="A category, paired in turn with pct")] = [],  # noqa: B006
    pct: Annotated[list[str], Query(description="The percent of the cat in turn to move")] = [],  # noqa: B006
    to: Annotated[
        str | None, Query(description="Move cat spend to this tag (default: local)")
    ] = None,
    anchor: Annotated[str | None, Query(description="One anchor's spend (the backbone)")] = None,
    year: Annotated[int | None, Query(description="One fiscal year")] = None,
) -> Any:
    """The figures of the dashboard's what-if: local share, impact share, LM3, output and jobs
    before and after, with ranges, and the chart's Vega-Lite spec. An anchor user's what-if is
    of its own spend."""
    actor = need(request, "view_impact")
    found = what_if_request(request, actor)
    if found["error"]:
        raise HTTPException(422, found["error"])
    if found["result"] is None:
        raise HTTPException(422, "Give at least one shift: shift=CATEGORY:PERCENT or cat=…&pct=….")
    return {**found["result"].to_json(), "chart": found["spec"]}


@router.get("/anchors", summary="The anchors of the network")
def anchors(request: Request) -> Any:
    need(request, "view_overview")
    return indicator_views.anchors(state(request).store)


@router.get("/anchors/{anchor_id}/summary", summary="One anchor's indicators and data quality")
def anchor_summary(request: Request, anchor_id: int) -> Any:
    need(request, "view_anchor", Resource(anchor_id))
    name = anchor_name(request, anchor_id)
    return paging.jsonable(indicator_views.anchor_summary(state(request).store, name))


@router.get("/spend-lines", summary="Spend lines the caller may read, filtered, sorted and paged")
def spend_lines(
    request: Request,
    anchor_id: int | None = None,
    supplier: str | None = None,
    supplier_id: str | None = None,
    year: int | None = None,
    category: str | None = None,
    sort: Literal["paid_on", "amount", "supplier", "anchor", "category"] = "paid_on",
    desc: bool = True,
    page: int = Query(1, ge=1),
    size: int = Query(50, ge=1, le=200),
) -> Any:
    actor = actor_of(request)
    if anchor_id is None:
        if not sees_all_lines(actor):
            # an anchor user without a filter gets their own lines, never more
            need(request, "view_lines", Resource(actor.anchor_id))
            anchor_id = actor.anchor_id
    else:
        need(request, "view_lines", Resource(anchor_id))
    result = lines.spend_lines(
        state(request).store,
        actor,
        anchor_id=anchor_id,
        supplier=supplier,
        supplier_id=supplier_id,
        year=year,
        category=category,
        sort=sort,
        desc=desc,
        page=page,
        size=size,
    )
    return result.to_json()


@router.get("/rejected-rows", summary="Rejected rows with their reasons, file and line")
def rejected_rows(
    request: Request, anchor_id: int | None = None, page: int = Query(1, ge=1)
) -> Any:
    actor = actor_of(request)
    if anchor_id is None and not sees_all_lines(actor):
        anchor_id = actor.anchor_id
    need(request, "view_rejects", Resource(anchor_id) if anchor_id is not None else Resource())
    return lines.rejected_rows(
        state(request).store, actor, anchor_id=anchor_id, page=page
    ).to_json()


@router.get("/suppliers", summary="The supplier directory")
def suppliers(
    request: Request, q: str | None = None, tag: str | None = None, page: int = Query(1, ge=1)
) -> Any:
    need(request, "view_suppliers")
    return supplier_views.supplier_directory(
        state(request).store, q=q, tag=tag, page=page
    ).to_json()


@router.get("/suppliers/{supplier_id}", summary="One supplier: place, tags, spellings, spend")
def supplier(request: Request, supplier_id: str) -> Any:
    actor = need(request, "view_supplier", Resource(supplier_id=supplier_id))
    found = supplier_views.supplier_detail(state(request).store, actor, supplier_id)
    if found is None:
        raise HTTPException(404, f"There is no supplier {supplier_id}.")
    return paging.jsonable(found)


def _upload_json(upload: Upload) -> Any:
    return paging.jsonable(
        {
            "upload_id": upload.upload_id,
            "at": upload.at,
            "by": upload.user_email,
            "anchor": upload.anchor_name,
            "file": upload.original_name,
            "bytes": upload.size_bytes,
            "status": upload.status,
            "report": upload.report,
        }
    )


@router.get("/uploads", summary="Uploads the caller may see")
def uploads(request: Request) -> Any:
    actor = actor_of(request)
    ids = state(request).anchor_ids()
    with state(request).db() as s:
        rows = list(s.scalars(select(Upload).order_by(Upload.upload_id.desc()).limit(500)))
    visible = [u for u in rows if allowed(actor, "view_uploads", Resource(ids.get(u.anchor_name)))]
    if not visible and not any(allowed(actor, "view_uploads", Resource(i)) for i in ids.values()):
        need(request, "view_uploads", Resource(actor.anchor_id))
    return [_upload_json(u) for u in visible]


@router.post("/uploads", summary="Upload a spend file: it is checked and previewed, not loaded")
def create_upload(
    request: Request, anchor_id: Annotated[int, Form()], file: Annotated[UploadFile, File()]
) -> Any:
    actor = need(request, "upload", Resource(anchor_id))
    _check_csrf(request)
    name = anchor_name(request, anchor_id)
    try:
        upload_id = start_upload(
            state(request),
            actor,
            name,
            file.file,
            file.filename,
            client_address(request),
        )
    except UploadRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    with state(request).db() as s:
        return _upload_json(s.get(Upload, upload_id))  # type: ignore[arg-type]


def _own_upload(request: Request, upload_id: int, action: str) -> Upload:
    with state(request).db() as s:
        upload = s.get(Upload, upload_id)
    if upload is None:
        raise HTTPException(404, f"There is no upload number {upload_id}.")
    need(request, action, Resource(state(request).anchor_ids().get(upload.anchor_name)))
    return upload


@router.get("/uploads/{upload_id}", summary="One upload and its validation report")
def upload(request: Request, upload_id: int) -> Any:
    return _upload_json(_own_upload(request, upload_id, "view_uploads"))


class Confirmation(BaseModel):
    """Anchorkit column → the file's header text (omit to keep the previewed mapping)."""

    mapping: dict[str, str] = {}


@router.post("/uploads/{upload_id}/confirm", summary="Load a previewed upload")
def confirm(request: Request, upload_id: int, body: Confirmation | None = None) -> Any:
    upload = _own_upload(request, upload_id, "upload")
    actor = actor_of(request)
    _check_csrf(request)
    form: dict[str, Any]
    if body and body.mapping:
        form = {f"map_{k}": v for k, v in body.mapping.items()}
    else:
        previewed = (upload.report.get("result") or {}).get("columns") or [{}]
        form = {f"map_{k}": v for k, v in (previewed[0].get("columns") or {}).items()}
    try:
        confirm_upload(state(request), actor, upload, form, client_address(request))
    except UploadRefused as exc:
        return JSONResponse({"detail": str(exc)}, status_code=exc.status)
    return _upload_json(_own_upload(request, upload_id, "view_uploads"))


@router.get("/review", summary="Supplier pairs waiting for a person's decision")
def review(request: Request, limit: int = Query(50, ge=1, le=500)) -> Any:
    need(request, "view_review")
    return supplier_views.review_queue(state(request).store, limit=limit)


class Decision(BaseModel):
    decision: str  # accept | reject
    note: str | None = None


@router.post("/review/{item_id}", summary="Accept or reject one review item")
def review_decide(request: Request, item_id: str, body: Decision) -> Any:
    actor = need(request, "decide_review")
    _check_csrf(request)
    decision = {"accept": "match", "reject": "non_match"}.get(body.decision)
    if decision is None:
        raise HTTPException(400, "decision must be 'accept' or 'reject'.")
    st = state(request)
    with st.store.writer() as ws:
        key = decide(ws, item_id, decision, by=f"person:{actor.email}", note=body.note)
    record(
        st.db,
        actor,
        "review_decision",
        key,
        {"decision": decision, "item": item_id},
        client_address(request),
    )
    return {"item_id": item_id, "pair_key": key, "decision": decision}


@router.get(
    "/anchors/{anchor_id}/categories",
    summary="An anchor's lines that classification is unsure of, grouped, most spend first",
)
def category_review(
    request: Request, anchor_id: int, limit: int = Query(100, ge=1, le=1000)
) -> Any:
    need(request, "view_categories", Resource(anchor_id))
    return paging.jsonable(categories.review(state(request).store, anchor_id, limit=limit))


class CategoryMapping(BaseModel):
    raw_category: str
    code: str


@router.post(
    "/anchors/{anchor_id}/categories",
    summary="Confirm what a raw category means (applies at the next classify)",
)
def category_map(request: Request, anchor_id: int, body: CategoryMapping) -> Any:
    actor = need(request, "map_category", Resource(anchor_id))
    _check_csrf(request)
    name = anchor_name(request, anchor_id)
    result = categories.confirm(
        state(request),
        actor,
        name,
        body.raw_category,
        body.code,
        client_address(request),
    )
    return result.__dict__

"""The other two levers on the dashboard: an anchor's workforce and investment pages (figures,
files, rejected rows, an upload form), the community page (neighbourhoods' statistics beside
the effort reaching them) and their JSON.

An upload here imports at once (these files are short registers, and the page shows every
rejected row with its reason right after): the same checks as the CLI, the same store writer,
an audit event. A workforce file that lists people is refused and deleted from the server at
once — anchorkit keeps no person's row, not even in its upload folder.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import JSONResponse, Response

from anchorkit.access.policy import Resource
from anchorkit.errors import PersonLevelError
from anchorkit.investment import import_investment
from anchorkit.lever_files import LeverResult, list_files, rejected_rows
from anchorkit.records.accounts import Actor
from anchorkit.records.audit import record
from anchorkit.records.uploads import SPREADSHEET_SUFFIXES, UPLOAD_DIR, UploadRefused, receive
from anchorkit.views import community, hiring, investment
from anchorkit.views.paging import jsonable
from anchorkit.web.deps import AppState, actor_of, anchor_name, need, render, state
from anchorkit.web.pages import _refuse_oversized
from anchorkit.web.security import CSRF_FIELD, client_address, csrf_ok
from anchorkit.workforce import import_workforce

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["levers"])


def _files(st: AppState, kind: str, anchor_id: int) -> tuple[list[Any], list[Any]]:
    ws = st.store.reader()
    return list_files(ws, kind, anchor_id), rejected_rows(ws, kind, anchor_id)[:200]


def _page(
    request: Request,
    kind: str,
    anchor_id: int,
    *,
    result: LeverResult | None = None,
    error: str | None = None,
    code: int = 200,
) -> Response:
    st = state(request)
    name = anchor_name(request, anchor_id)
    files, rejects = _files(st, kind, anchor_id)
    if kind == "workforce":
        figures = hiring.anchor_hiring(st.store, name)
        template = "workforce.html"
    else:
        figures = investment.anchor_investment(st.store, name)
        template = "investments.html"
    return render(
        request,
        template,
        code,
        anchor_id=anchor_id,
        anchor_name=name,
        figures=figures,
        files=files,
        rejects=rejects,
        result=result,
        error=error,
        max_mb=st.store.settings["web.max_upload_mb"],
    )


@router.get("/anchors/{anchor_id}/workforce")
def workforce_page(request: Request, anchor_id: int) -> Response:
    need(request, "view_anchor", Resource(anchor_id))
    return _page(request, "workforce", anchor_id)


@router.get("/anchors/{anchor_id}/investments")
def investments_page(request: Request, anchor_id: int) -> Response:
    need(request, "view_anchor", Resource(anchor_id))
    return _page(request, "investment", anchor_id)


@router.post("/anchors/{anchor_id}/workforce")
async def workforce_upload(request: Request, anchor_id: int) -> Response:
    return await _upload(request, "workforce", anchor_id)


@router.post("/anchors/{anchor_id}/investments")
async def investments_upload(request: Request, anchor_id: int) -> Response:
    return await _upload(request, "investment", anchor_id)


async def _upload(request: Request, kind: str, anchor_id: int) -> Response:
    actor = actor_of(request)
    if not actor.logged_in:
        need(request, "upload", Resource(anchor_id))
    st = state(request)
    _refuse_oversized(request, st)
    async with request.form() as posted:  # closes the spooled upload whatever happens
        form = dict(posted)
        if not csrf_ok(actor, str(form.get(CSRF_FIELD) or "")):
            raise HTTPException(403, "This form has expired (CSRF check failed). Reload the page.")
        need(request, "upload", Resource(anchor_id))
        name = anchor_name(request, anchor_id)
        upload = form.get("file")
        if upload is None or not hasattr(upload, "read"):
            raise HTTPException(400, "Choose a file to upload.")
        period = str(form.get("period") or "").strip()
        return _import(
            request,
            st,
            actor,
            kind,
            anchor_id,
            name,
            upload,
            int(period) if period.isdigit() else None,
        )


def _import(
    request: Request,
    st: AppState,
    actor: Actor,
    kind: str,
    anchor_id: int,
    name: str,
    upload: Any,
    period: int | None,
) -> Response:
    filename = str(upload.filename or "")
    if Path(filename).suffix.lower() not in SPREADSHEET_SUFFIXES:
        return _page(
            request,
            kind,
            anchor_id,
            error=f"{filename or 'The file'} is not a spreadsheet: upload CSV or Excel "
            f"({', '.join(SPREADSHEET_SUFFIXES)}).",
            code=415,
        )
    folder = st.store.workspace.root / UPLOAD_DIR / kind
    number = time.time_ns() // 1000
    try:
        path, size = receive(
            upload.file, filename, folder, number, int(st.store.settings["web.max_upload_mb"])
        )
    except UploadRefused as exc:
        return _page(request, kind, anchor_id, error=str(exc), code=exc.status)
    client = client_address(request)
    try:
        with st.store.writer() as ws:
            if kind == "workforce":
                result = import_workforce(ws, path, name, period=period, uploaded_by=actor.email)
            else:
                result = import_investment(ws, path, name, uploaded_by=actor.email)
    except PersonLevelError as exc:
        path.unlink(missing_ok=True)  # no person's row stays on the server
        record(
            st.db,
            actor,
            f"{kind}_refused",
            f"{name}: {filename}",
            {"reason": "person-level"},
            client,
        )
        return _page(request, kind, anchor_id, error=str(exc), code=422)
    record(
        st.db,
        actor,
        f"{kind}_upload",
        f"{name}: {filename}",
        {
            "bytes": size,
            "rows_loaded": result.rows_loaded,
            "rows_rejected": result.rows_rejected,
            "error": result.error,
        },
        client,
    )
    return _page(
        request,
        kind,
        anchor_id,
        result=result,
        error=result.error,
        code=400 if result.error else 200,
    )


@router.get("/community")
def community_page(request: Request) -> Response:
    actor = need(request, "view_overview")
    data = community.community(state(request).store, actor)
    return render(request, "community.html", data=data)


@api.get("/hiring", summary="Hiring figures (the network's, and the anchors' the caller may see)")
def hiring_api(request: Request) -> JSONResponse:
    actor = need(request, "view_overview")
    return JSONResponse(jsonable(hiring.hiring_for(state(request).store, actor)))


@api.get(
    "/investment", summary="Investment figures (the network's, and the anchors' the caller may see)"
)
def investment_api(request: Request) -> JSONResponse:
    actor = need(request, "view_overview")
    return JSONResponse(jsonable(investment.investment_for(state(request).store, actor)))


@api.get("/community", summary="Neighbourhood statistics beside spend, hires and investment")
def community_api(request: Request) -> JSONResponse:
    actor = need(request, "view_overview")
    return JSONResponse(jsonable(community.community(state(request).store, actor)))


__all__ = ["api", "router"]

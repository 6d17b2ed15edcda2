"""The dashboard's HTML pages. Each handler: ask :func:`need`, read through ``queries``, render.

Forms post back with the session's CSRF token; tables sort, filter and page on the server and
swap in place with htmx (the same URL renders the whole page or, for an htmx request, the table).
"""

from __future__ import annotations

import csv
import io
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response, StreamingResponse
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from anchorkit.access.policy import NETWORK, Resource, allowed, sees_all_lines
from anchorkit.csv_safe import safe_row
from anchorkit.errors import AnchorkitError, ReviewError, SourceError
from anchorkit.records.accounts import PUBLIC, Actor, LoginRefused, log_in, log_out
from anchorkit.records.appdb import AuditEvent, Publication, Upload
from anchorkit.records.audit import record
from anchorkit.records.uploads import UploadRefused, mapping_choices
from anchorkit.resolve.review import decide, merge, split
from anchorkit.views import categories, charts, indicators, levers, lines, suppliers
from anchorkit.views.workflows import (
    confirm_upload,
    latest_publication,
    loaded_files,
    publish,
    remove_file,
    reread_upload,
    start_upload,
)
from anchorkit.web.deps import (
    AppState,
    actor_of,
    anchor_name,
    need,
    render,
    state,
    whole_number,
)
from anchorkit.web.security import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    client_address,
    csrf_ok,
)

router = APIRouter(include_in_schema=False)


async def checked_form(request: Request) -> dict[str, Any]:
    """The posted form, if its CSRF token is this session's; otherwise 403 and nothing changes."""
    form = await request.form()
    if not csrf_ok(actor_of(request), str(form.get(CSRF_FIELD) or "")):
        raise HTTPException(
            403,
            "This form has expired or did not come from this site (CSRF check failed). "
            "Reload the page and try again.",
        )
    return dict(form)


def _int(value: Any, default: int | None = None, name: str = "a number") -> int | None:
    """A number from a query or form: ``default`` when missing or not a number, 4xx when too big
    for the database."""
    if value in (None, ""):
        return default
    whole_number(name, str(value))
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


# --- home, login, logout -----------------------------------------------------------------------


@router.get("/")
def home(request: Request) -> Response:
    actor = actor_of(request)
    if allowed(actor, "view_overview"):
        return RedirectResponse("/overview", status_code=303)
    if actor.role in ("supplier", "partner"):  # their work (and renewal reminders) is there
        return RedirectResponse("/portal", status_code=303)
    return RedirectResponse("/public", status_code=303)


@router.get("/login")
def login_page(request: Request, next: str = "/", expired: int = 0) -> Response:
    token, cookie = state(request).signer.login_token()
    message = "Your session has expired; log in again." if expired else None
    response = render(request, "login.html", login_csrf=token, next=_local(next), message=message)
    response.set_cookie(
        LOGIN_CSRF_COOKIE, cookie, httponly=True, samesite="strict", **_secure(request)
    )
    return response


@router.post("/login")
async def login_submit(request: Request) -> Response:
    form = dict(await request.form())
    # the password hash takes ~100 ms of CPU: in a worker thread, never on the event loop
    return await run_in_threadpool(_login_in_turn, request, form)


#: password hashes computed at once: each holds a core ~100 ms, and eight at once on two cores
#: left every other request waiting (a login flood would do the same); the rest wait their turn
HASHING = threading.BoundedSemaphore(max(1, (os.cpu_count() or 2) // 2))


def _login_in_turn(request: Request, form: dict[str, Any]) -> Response:
    with HASHING:
        return _login(request, form)


def _login(request: Request, form: dict[str, Any]) -> Response:
    st = state(request)
    email, password = str(form.get("email") or ""), str(form.get("password") or "")
    target = _local(str(form.get("next") or "/"))
    if not st.signer.login_token_ok(
        request.cookies.get(LOGIN_CSRF_COOKIE), str(form.get(CSRF_FIELD) or "")
    ):
        raise HTTPException(403, "The login form has expired. Reload the page and log in again.")
    try:
        session = log_in(
            st.db,
            email,
            password,
            client=client_address(request),
            max_attempts=int(st.store.settings["web.login_attempts"]),
            session_hours=int(st.store.settings["web.session_hours"]),
        )
    except LoginRefused as exc:
        token, cookie = st.signer.login_token()
        response = render(
            request,
            "login.html",
            code=429 if exc.paused else 401,
            login_csrf=token,
            next=target,
            message=str(exc),
            email=email,
        )
        response.set_cookie(
            LOGIN_CSRF_COOKIE, cookie, httponly=True, samesite="strict", **_secure(request)
        )
        return response
    done = RedirectResponse(target, status_code=303)
    done.set_cookie(
        SESSION_COOKIE,
        st.signer.session_cookie(session.session_id),
        httponly=True,
        samesite="lax",
        max_age=int(st.store.settings["web.session_hours"]) * 3600,
        **_secure(request),
    )
    done.delete_cookie(LOGIN_CSRF_COOKIE)
    return done


@router.post("/logout")
async def logout(request: Request) -> Response:
    actor = actor_of(request)
    if actor.session_id:
        await checked_form(request)
        await run_in_threadpool(log_out, state(request).db, actor.session_id)
        record(state(request).db, actor, "logout", client=client_address(request))
    response = RedirectResponse("/public", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


def _local(target: str) -> str:
    """Only same-site paths after login: never an open redirect."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _secure(request: Request) -> dict[str, Any]:
    return {"secure": bool(state(request).store.settings["web.secure_cookies"])}


# --- public and overview -----------------------------------------------------------------------


@router.get("/public")
def public_page(request: Request) -> Response:
    need(request, "view_public")
    publication = latest_publication(state(request).db)
    chart_specs = (
        state(request).store.cached(
            ("public_charts", publication["publication_id"]),
            lambda: _charts(request, publication["indicators"]),
            keep=True,
        )
        if publication
        else {}
    )
    return render(request, "public.html", publication=publication, charts=chart_specs)


@router.post("/publish")
async def publish_page(request: Request) -> Response:
    actor = need(request, "publish")
    await checked_form(request)
    st = state(request)
    await run_in_threadpool(publish, st.store, st.db, actor, client_address(request))
    return RedirectResponse("/public", status_code=303)


@router.get("/overview")
def overview_page(request: Request) -> Response:
    actor = need(request, "view_overview")
    store = state(request).store
    data = indicators.overview(store, actor)
    # the specs depend only on the data and on which cells the actor may see: build them once
    # per data generation and scope (altair's validation costs tens of ms per chart)
    scope = "network" if sees_all_lines(actor) else f"anchor:{actor.anchor_id}"
    specs = store.cached(("overview_charts", scope), lambda: _charts(request, data), keep=True)
    return render(
        request, "overview.html", data=data, charts=specs, levers=levers.overview(store, actor)
    )


def _charts(request: Request, data: dict[str, Any]) -> dict[str, Any]:
    """Chart specs (and their data tables) for the overview or a publication."""
    geojson = indicators.neighbourhood_geojson(state(request).store)
    specs = charts.overview_specs(data, geojson)
    return {
        "specs": {k: charts.spec_json(v) for k, v in specs.items()},
        "tables": {k: charts.table_rows(v) for k, v in specs.items()},
    }


# --- an anchor: summary, lines, rejects --------------------------------------------------------


@router.get("/anchors/{anchor_id}")
def anchor_page(request: Request, anchor_id: int) -> Response:
    need(request, "view_anchor", Resource(anchor_id))
    name = anchor_name(request, anchor_id)
    summary = indicators.anchor_summary(state(request).store, name)
    return render(
        request,
        "anchor.html",
        summary=summary,
        anchor_id=anchor_id,
        levers=levers.anchor(state(request).store, name),
    )


def _line_args(request: Request) -> dict[str, Any]:
    q = request.query_params
    return {
        "supplier": q.get("supplier") or None,
        "supplier_id": q.get("supplier_id") or None,
        "year": _int(q.get("year"), name="year"),
        "category": q.get("category") or None,
        "sort": q.get("sort") or "paid_on",
        "desc": q.get("desc", "1") != "0",
        "page": _int(q.get("page"), 1, "page") or 1,
        "size": _int(q.get("size"), 50, "size") or 50,
    }


def _lines_response(request: Request, actor: Actor, anchor_id: int | None, base: str) -> Response:
    args = _line_args(request)
    page = lines.spend_lines(state(request).store, actor, anchor_id=anchor_id, **args)
    keep = {k: v for k, v in request.query_params.items() if k not in ("page", "sort", "desc")}

    def link(**change: Any) -> str:
        return base + "?" + urlencode({**keep, "sort": page.sort, "desc": int(page.desc), **change})

    template = "_lines_table.html" if request.headers.get("hx-request") else "lines.html"
    return render(
        request, template, page=page, link=link, base=base, anchor_id=anchor_id, args=args
    )


@router.get("/anchors/{anchor_id}/lines")
def anchor_lines(request: Request, anchor_id: int) -> Response:
    actor = need(request, "view_lines", Resource(anchor_id))
    anchor_name(request, anchor_id)
    return _lines_response(request, actor, anchor_id, f"/anchors/{anchor_id}/lines")


@router.get("/lines")
def all_lines(request: Request) -> Response:
    actor = need(request, "view_lines")
    return _lines_response(request, actor, None, "/lines")


@router.get("/lines/{line_id}")
def line_page(request: Request, line_id: int) -> Response:
    """Why one line got its category: every piece of evidence, its weight and the scores."""
    store = state(request).store
    anchor_id = lines.line_anchor(store, line_id)
    actor = need(request, "view_lines", Resource(anchor_id) if anchor_id is not None else NETWORK)
    found = lines.line_explanation(store, actor, line_id)
    if found is None:
        raise HTTPException(404, f"There is no spend line {line_id} you can see.")
    return render(request, "line.html", line=found)


@router.get("/anchors/{anchor_id}/lines.csv")
def anchor_lines_csv(request: Request, anchor_id: int) -> Response:
    actor = need(request, "view_lines", Resource(anchor_id))
    name = anchor_name(request, anchor_id)
    st = state(request)
    batches = lines.export_lines(st.store, actor, anchor_id)

    def done(rows: int) -> None:
        record(st.db, actor, "export_lines", name, {"rows": rows}, client_address(request))

    return StreamingResponse(
        _csv_chunks(batches, done),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="spend-lines-{anchor_id}.csv"'},
    )


def _csv_chunks(batches: Iterator[Any], done: Any) -> Iterator[str]:
    """CSV text batch by batch (a spreadsheet will show every cell, never run one)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(lines.EXPORT_COLUMNS)
    rows = 0
    try:
        for batch in batches:
            for row in zip(*(c.to_pylist() for c in batch.columns), strict=True):
                writer.writerow(safe_row(row))
            rows += batch.num_rows
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    finally:
        batches.close()  # type: ignore[attr-defined]
    yield buffer.getvalue()
    done(rows)


@router.get("/anchors/{anchor_id}/rejects")
def anchor_rejects(request: Request, anchor_id: int) -> Response:
    actor = need(request, "view_rejects", Resource(anchor_id))
    name = anchor_name(request, anchor_id)
    page = lines.rejected_rows(
        state(request).store,
        actor,
        anchor_id=anchor_id,
        page=_int(request.query_params.get("page"), 1, "page") or 1,
    )
    return render(request, "rejects.html", page=page, anchor_id=anchor_id, anchor_name=name)


# --- upload -------------------------------------------------------------------------------------


def _upload_anchors(request: Request, actor: Actor) -> list[dict[str, Any]]:
    return [
        a
        for a in indicators.anchors(state(request).store)
        if allowed(actor, "upload", Resource(a["anchor_id"]))
    ]


@router.get("/upload")
def upload_page(request: Request) -> Response:
    actor = actor_of(request)
    choices = _upload_anchors(request, actor)
    if not choices:
        need(request, "upload", Resource(actor.anchor_id))
    return render(
        request,
        "upload.html",
        choices=choices,
        max_mb=state(request).store.settings["web.max_upload_mb"],
        files=loaded_files(state(request)) if allowed(actor, "manage_files") else [],
    )


@router.post("/upload")
async def upload_submit(request: Request) -> Response:
    actor = actor_of(request)
    if not actor.logged_in:
        need(request, "upload")
    st = state(request)
    _refuse_oversized(request, st)
    async with request.form() as posted:  # closes the spooled upload whatever happens
        # receiving, checking and previewing read the whole file: off the event loop
        return await run_in_threadpool(_upload_posted, request, st, actor, dict(posted))


def _upload_posted(request: Request, st: AppState, actor: Actor, form: dict[str, Any]) -> Response:
    if not csrf_ok(actor, str(form.get(CSRF_FIELD) or "")):
        raise HTTPException(403, "This form has expired (CSRF check failed). Reload the page.")
    anchor_id = _int(form.get("anchor_id"))
    need(request, "upload", Resource(anchor_id))
    if anchor_id is None:
        raise HTTPException(400, "Choose the anchor this file belongs to.")
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        raise HTTPException(400, "Choose a file to upload.")
    name = anchor_name(request, anchor_id)
    try:
        upload_id = start_upload(
            st, actor, name, upload.file, upload.filename, client_address(request)
        )
    except UploadRefused as exc:
        choices = _upload_anchors(request, actor)
        return render(
            request,
            "upload.html",
            code=exc.status,
            choices=choices,
            error=str(exc),
            max_mb=st.store.settings["web.max_upload_mb"],
        )
    return RedirectResponse(f"/uploads/{upload_id}", status_code=303)


def _refuse_oversized(request: Request, st: AppState) -> None:
    """Refuse by Content-Length before reading a byte, when the client says how big it is."""
    limit = int(st.store.settings["web.max_upload_mb"]) * 1024 * 1024
    length = _int(request.headers.get("content-length"))
    if length is not None and length > limit + 64 * 1024:
        raise HTTPException(
            413,
            f"The file is larger than the {st.store.settings['web.max_upload_mb']} MB the "
            "dashboard accepts. Split it, or load it with `anchorkit ingest` on the server.",
        )


def _upload_for(request: Request, upload_id: int) -> Upload:
    with state(request).db() as s:
        upload = s.get(Upload, upload_id)
    if upload is None:
        raise HTTPException(404, f"There is no upload number {upload_id}.")
    anchor_id = state(request).anchor_ids().get(upload.anchor_name)
    need(request, "view_uploads", Resource(anchor_id))
    return upload


@router.get("/uploads/{upload_id}")
def upload_report(request: Request, upload_id: int) -> Response:
    upload = _upload_for(request, upload_id)
    report = upload.report or {}
    from anchorkit.source_files import FileResult

    result = FileResult(**report["result"]) if report.get("result") else None
    choices = (
        mapping_choices(result)
        if result and upload.status in ("previewed", "needs_mapping")
        else []
    )
    loaded = FileResult(**report["loaded"]) if report.get("loaded") else None
    shown = loaded or result
    # an admin may read a loaded file again with other columns, or remove it
    manage = upload.status == "loaded" and allowed(actor_of(request), "manage_files")
    return render(
        request,
        "upload_report.html",
        upload=upload,
        report=report,
        choices=choices,
        layout=shown.mapping[0] if shown and shown.mapping else None,
        reread=mapping_choices(loaded) if loaded and manage else [],
        file_id=loaded.file_id if loaded and manage else None,
    )


async def _upload_step(
    request: Request, upload_id: int, action: str, step: Callable[..., None]
) -> Response:
    """A form posted on an upload's page (confirm, re-read): allowed, checked, done, shown."""
    upload = _upload_for(request, upload_id)
    actor = need(request, action, Resource(state(request).anchor_ids().get(upload.anchor_name)))
    form = await checked_form(request)
    try:
        await run_in_threadpool(step, state(request), actor, upload, form, client_address(request))
    except UploadRefused as exc:
        raise HTTPException(exc.status, str(exc)) from exc
    return RedirectResponse(f"/uploads/{upload_id}", status_code=303)


@router.post("/uploads/{upload_id}/reread")
async def upload_reread(request: Request, upload_id: int) -> Response:
    return await _upload_step(request, upload_id, "manage_files", reread_upload)


@router.post("/files/{file_id}/remove")
async def file_remove(request: Request, file_id: str) -> Response:
    actor = need(request, "manage_files")
    await checked_form(request)
    try:
        await run_in_threadpool(
            remove_file, state(request), actor, file_id, client_address(request)
        )
    except SourceError as exc:
        raise HTTPException(404, str(exc)) from exc
    return RedirectResponse("/upload", status_code=303)


@router.post("/uploads/{upload_id}/confirm")
async def upload_confirm(request: Request, upload_id: int) -> Response:
    return await _upload_step(request, upload_id, "upload", confirm_upload)


# --- suppliers ----------------------------------------------------------------------------------


@router.get("/suppliers")
def suppliers_page(request: Request) -> Response:
    need(request, "view_suppliers")
    q = request.query_params
    page = suppliers.supplier_directory(
        state(request).store,
        q=q.get("q") or None,
        tag=q.get("tag") or None,
        page=_int(q.get("page"), 1, "page") or 1,
    )
    keep = {k: v for k, v in q.items() if k != "page"}

    def link(**change: Any) -> str:
        return "/suppliers?" + urlencode({**keep, **change})

    template = "_suppliers_table.html" if request.headers.get("hx-request") else "suppliers.html"
    return render(
        request, template, page=page, link=link, tags=suppliers.supplier_tags(state(request).store)
    )


@router.get("/suppliers/{supplier_id}")
def supplier_page(request: Request, supplier_id: str) -> Response:
    actor = need(request, "view_supplier", Resource(supplier_id=supplier_id))
    supplier = suppliers.supplier_detail(state(request).store, actor, supplier_id)
    if supplier is None:
        raise HTTPException(404, f"There is no supplier {supplier_id}.")
    return render(request, "supplier.html", supplier=supplier)


# --- review queue -------------------------------------------------------------------------------


@router.get("/review")
def review_page(request: Request) -> Response:
    need(request, "view_review")
    items = suppliers.review_queue(state(request).store)
    return render(request, "review.html", items=items, message=request.query_params.get("done"))


@router.post("/review/{item_id}")
async def review_decide(request: Request, item_id: str) -> Response:
    actor = need(request, "decide_review")
    form = await checked_form(request)
    # the store's one writer may be busy (an upload, a command): wait in a thread, not the loop
    return await run_in_threadpool(_review_decide, request, actor, item_id, form)


def _review_decide(request: Request, actor: Actor, item_id: str, form: dict[str, Any]) -> Response:
    decision = {"accept": "match", "reject": "non_match"}.get(str(form.get("decision")))
    if decision is None:
        raise HTTPException(400, "A decision is accept or reject.")
    st = state(request)
    with st.store.writer() as ws:
        key = decide(
            ws, item_id, decision, by=f"person:{actor.email}", note=form.get("note") or None
        )
    record(
        st.db,
        actor,
        "review_decision",
        key,
        {"decision": decision, "item": item_id},
        client_address(request),
    )
    if request.headers.get("hx-request"):
        return HTMLResponse(
            f'<tr class="decided"><td colspan="5">Recorded: {decision.replace("_", "-")}. It applies at the next <code>anchorkit resolve</code>.</td></tr>'
        )
    return RedirectResponse(f"/review?done={decision}", status_code=303)


@router.post("/review/merge")
async def review_merge(request: Request) -> Response:
    actor = need(request, "decide_review")
    form = await checked_form(request)
    return await run_in_threadpool(_review_merge, request, actor, form)


def _review_merge(request: Request, actor: Actor, form: dict[str, Any]) -> Response:
    st = state(request)
    first, second = str(form.get("first") or ""), str(form.get("second") or "")
    with st.store.writer() as ws:
        key = merge(ws, first, second, by=f"person:{actor.email}")
    record(
        st.db,
        actor,
        "review_merge",
        key,
        {"first": first, "second": second},
        client_address(request),
    )
    return RedirectResponse("/review?done=merge", status_code=303)


@router.post("/review/split")
async def review_split(request: Request) -> Response:
    actor = need(request, "decide_review")
    form = await checked_form(request)
    return await run_in_threadpool(_review_split, request, actor, form)


def _review_split(request: Request, actor: Actor, form: dict[str, Any]) -> Response:
    st = state(request)
    supplier_id, name = str(form.get("supplier_id") or ""), str(form.get("name") or "")
    with st.store.writer() as ws:
        n = split(ws, supplier_id, name, by=f"person:{actor.email}")
    record(
        st.db,
        actor,
        "review_split",
        supplier_id,
        {"name": name, "pairs": n},
        client_address(request),
    )
    return RedirectResponse("/review?done=split", status_code=303)


# --- audit --------------------------------------------------------------------------------------


@router.get("/audit")
def audit_page(request: Request) -> Response:
    need(request, "view_audit")
    with state(request).db() as s:
        events = list(s.scalars(select(AuditEvent).order_by(AuditEvent.event_id.desc()).limit(200)))
    return render(request, "audit.html", events=events)


__all__ = ["router", "PUBLIC", "AnchorkitError", "ReviewError", "Publication"]


# --- spend categories: low-confidence lines, confirmed mappings ---------------------------------


@router.get("/anchors/{anchor_id}/categories")
def category_review_page(request: Request, anchor_id: int) -> Response:
    need(request, "view_categories", Resource(anchor_id))
    name = anchor_name(request, anchor_id)
    st = state(request)
    rows = categories.review(st.store, anchor_id)
    return render(
        request,
        "categories.html",
        rows=rows,
        anchor_id=anchor_id,
        anchor_name=name,
        codes=categories.codes(st.store),
        message=request.query_params.get("mapped"),
    )


@router.post("/anchors/{anchor_id}/categories")
async def category_map_page(request: Request, anchor_id: int) -> Response:
    actor = need(request, "map_category", Resource(anchor_id))
    name = anchor_name(request, anchor_id)
    form = await checked_form(request)
    raw, code = str(form.get("raw_category") or ""), str(form.get("code") or "").split(" ")[0]
    result = await run_in_threadpool(
        categories.confirm, state(request), actor, name, raw, code, client_address(request)
    )
    return RedirectResponse(
        f"/anchors/{anchor_id}/categories?mapped={result.lines_covered}", status_code=303
    )

"""The dashboard application: wiring only — state, templates, the actor of each request, errors.

Pages live in :mod:`anchorkit.web.pages`, the JSON API in :mod:`anchorkit.web.api`; both ask
:func:`anchorkit.access.policy.allowed` through :func:`need` and read data through
:mod:`anchorkit.web.queries`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker
from starlette.exceptions import HTTPException as StarletteHTTPException

from anchorkit.access.policy import NETWORK, Resource, allowed
from anchorkit.errors import AnchorkitError
from anchorkit.records.accounts import PUBLIC, Actor
from anchorkit.records.appdb import database_url, open_app_db
from anchorkit.web.security import Signer, request_actor, secret_key
from anchorkit.web.store import Store
from anchorkit.workspace import Workspace

HERE = Path(__file__).resolve().parent


@dataclass
class AppState:
    store: Store
    db: sessionmaker[Session]
    signer: Signer
    templates: Jinja2Templates

    def close(self) -> None:
        """Stop background work and close the app database's connections."""
        self.store.close()
        bind = self.db.kw.get("bind")
        if bind is not None:
            bind.dispose()

    def anchor_ids(self) -> dict[str, int]:
        def build() -> dict[str, int]:
            rows = self.store.reader().engine.query(
                "anchor_ids", "SELECT name, anchor_id FROM anchor"
            )
            return {str(n): int(i) for n, i in rows}

        return self.store.cached(("anchor_ids",), build)


class NotLoggedIn(Exception):
    """The page needs a login (or the session expired); pages redirect, the API answers 401."""


def state(request: Request) -> AppState:
    return request.app.state.anchorkit  # type: ignore[no-any-return]


def actor_of(request: Request) -> Actor:
    return request.state.actor  # type: ignore[no-any-return]


def anchor_name(request: Request, anchor_id: int) -> str:
    """The name of anchor ``anchor_id``, or 404: pages and the API look anchors up the same way."""
    names = {i: n for n, i in state(request).anchor_ids().items()}
    if anchor_id not in names:
        raise HTTPException(404, f"There is no anchor number {anchor_id}.")
    return names[anchor_id]


def need(request: Request, action: str, resource: Resource = NETWORK) -> Actor:
    """The request's actor, if it may do ``action`` on ``resource``; else 401/redirect or 403."""
    actor = actor_of(request)
    if allowed(actor, action, resource):
        return actor
    if not actor.logged_in:
        raise NotLoggedIn()
    raise HTTPException(403, "Your account is not allowed to see or do this.")


def render(request: Request, template: str, code: int = 200, **context: Any) -> HTMLResponse:
    """A page, with what every page needs: the actor, its CSRF token, ``can(action, anchor)``."""
    from anchorkit.web import queries

    st = state(request)
    actor = getattr(request.state, "actor", PUBLIC)
    context.setdefault("actor", actor)
    context.setdefault("csrf", actor.csrf_token)
    context.setdefault(
        "can", lambda action, anchor_id=None: allowed(actor, action, Resource(anchor_id))
    )
    context.setdefault("anchor_list", queries.anchors(st.store) if actor.logged_in else [])
    return st.templates.TemplateResponse(request, template, context, status_code=code)


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def create_app(workspace: Workspace, *, database: str | None = None) -> FastAPI:
    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        _app.state.anchorkit.close()

    app = FastAPI(
        lifespan=lifespan,
        title="anchorkit",
        summary="Spend, suppliers and community wealth building indicators of an anchor collaborative.",
        docs_url="/api/docs",
        redoc_url=None,
        swagger_ui_oauth2_redirect_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.anchorkit = AppState(
        store=Store(workspace),
        db=open_app_db(database or database_url(workspace.root)),
        signer=Signer(secret_key(workspace.root)),
        templates=templates,
    )
    templates.env.globals["settings"] = workspace.settings
    templates.env.filters["money"] = _money
    templates.env.filters["share"] = _share
    templates.env.filters["count"] = _count

    @app.middleware("http")
    async def who(request: Request, call_next: Any) -> Response:
        if request.url.path.startswith("/static/"):
            return await call_next(request)  # type: ignore[no-any-return]
        st = state(request)
        request.state.actor = request_actor(request, st.signer, st.db, st.anchor_ids())
        response: Response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        return response

    @app.exception_handler(NotLoggedIn)
    async def not_logged_in(request: Request, _exc: NotLoggedIn) -> Response:
        expired = bool(getattr(request.state, "session_expired", False))
        message = (
            "Your session has expired; log in again." if expired else "Log in to see this page."
        )
        if is_api(request):
            return JSONResponse({"detail": message}, status_code=401)
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        suffix = "&expired=1" if expired else ""
        return RedirectResponse(f"/login?next={_quote(target)}{suffix}", status_code=303)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if is_api(request):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code)
        return render(
            request, "error.html", exc.status_code, status=exc.status_code, message=exc.detail
        )

    @app.exception_handler(AnchorkitError)
    async def anchorkit_error(request: Request, exc: AnchorkitError) -> Response:
        if is_api(request):
            return JSONResponse({"detail": str(exc)}, status_code=400)
        return render(request, "error.html", 400, status=400, message=str(exc))

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    from anchorkit.web import api, api_portal, pages, pages_impact, pages_portal, pages_reports

    app.include_router(pages.router)
    app.include_router(pages_impact.router)
    app.include_router(pages_reports.router)
    app.include_router(pages_portal.router)
    app.include_router(api_portal.router)
    app.include_router(api.router)
    return app


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="/")


def _money(value: Any) -> str:
    if value is None:
        return "—"
    amount = float(value)
    for limit, suffix in ((1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if abs(amount) >= limit:
            return f"{amount / limit:,.1f}{suffix}"
    return f"{amount:,.0f}"


def _share(value: Any) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f} %"


def _count(value: Any) -> str:
    return "—" if value is None else f"{int(value):,}"

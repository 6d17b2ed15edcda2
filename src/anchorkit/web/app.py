"""The dashboard application: wiring only — state, templates, the actor of each request, errors.

Pages live in :mod:`anchorkit.web.pages`, the JSON API in :mod:`anchorkit.web.api`; both ask
:func:`anchorkit.access.policy.allowed` through :func:`anchorkit.web.deps.need` and read figures
through :mod:`anchorkit.views`.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from anchorkit.errors import AnchorkitError
from anchorkit.records.appdb import database_url, open_app_db
from anchorkit.views import formatting as fmt
from anchorkit.views.store import Store
from anchorkit.views.workflows import abandon_unfinished
from anchorkit.web import (
    api,
    api_portal,
    pages,
    pages_frameworks,
    pages_impact,
    pages_levers,
    pages_portal,
    pages_reports,
)
from anchorkit.web.deps import AppState, NotLoggedIn, is_api, numbers_in_range, render
from anchorkit.web.gate import Gate
from anchorkit.web.security import Signer, secret_key
from anchorkit.workspace import Workspace

HERE = Path(__file__).resolve().parent
log = logging.getLogger(__name__)


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
        dependencies=[Depends(numbers_in_range)],
    )
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.anchorkit = AppState(
        store=Store(workspace),
        db=open_app_db(database or database_url(workspace.root)),
        signer=Signer(secret_key(workspace.root)),
        templates=templates,
    )
    abandon_unfinished(app.state.anchorkit.db)
    templates.env.globals["settings"] = workspace.settings
    # every figure reads as on the other faces (views/formatting.py); money is shortened here
    templates.env.filters.update(
        money=fmt.money_short,
        share=fmt.share,
        count=fmt.count,
        jobs=fmt.jobs,
        points=fmt.points,
        ratio=fmt.ratio,
        percent=fmt.percent,
    )
    templates.env.globals.update(figure=fmt.figure, change=fmt.change)

    # login, body size and security headers, before any route reads a byte (see gate.py)
    app.add_middleware(Gate, state=lambda: app.state.anchorkit)
    root = str(workspace.root.resolve())

    def scrub(text: str) -> str:
        """No server path in an answer: the workspace folder is shown as "(workspace)"."""
        return text.replace(root, "(workspace)")

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
            return JSONResponse({"detail": scrub(str(exc))}, status_code=400)
        return render(request, "error.html", 400, status=400, message=scrub(str(exc)))

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        """A bug: logged on the server; the client learns nothing of the code or its paths."""
        log.error("%s %s failed", request.method, request.url.path, exc_info=exc)
        message = "Something went wrong on the server; the error is in its log."
        if is_api(request):
            return JSONResponse({"detail": message}, status_code=500)
        return render(request, "error.html", 500, status=500, message=message)

    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    app.include_router(pages.router)
    app.include_router(pages_impact.router)
    app.include_router(pages_frameworks.router)
    app.include_router(pages_reports.router)
    app.include_router(pages_portal.router)
    app.include_router(pages_levers.router)
    app.include_router(pages_levers.api)
    app.include_router(api_portal.router)
    app.include_router(api.router)
    return app


def _quote(text: str) -> str:
    from urllib.parse import quote

    return quote(text, safe="/")

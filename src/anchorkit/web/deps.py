"""What every route needs from a request: the app's state, the actor, ``need`` (may this actor do
this?) and ``render`` (a page with what every page shows).

A module of its own so that the pages and the API import it, and :mod:`anchorkit.web.app` (which
wires the routers) imports them — in one direction.
"""

from __future__ import annotations

import types
import typing
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from fastapi.exceptions import HTTPException
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.access.policy import NETWORK, Resource, allowed
from anchorkit.records.accounts import PUBLIC, Actor
from anchorkit.views import indicators
from anchorkit.views.store import Store
from anchorkit.web.security import Signer


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
    st = state(request)
    actor = getattr(request.state, "actor", PUBLIC)
    context.setdefault("actor", actor)
    context.setdefault("csrf", actor.csrf_token)
    context.setdefault(
        "can", lambda action, anchor_id=None: allowed(actor, action, Resource(anchor_id))
    )
    context.setdefault("anchor_list", indicators.anchors(st.store) if actor.logged_in else [])
    return st.templates.TemplateResponse(request, template, context, status_code=code)


def public_url(request: Request) -> str:
    """The site's own address for absolute links (feeds): the ``web.public_url`` setting, else
    the address the server listens on — never the request's Host header, which the client
    writes (a feed cached by a reader would point wherever an attacker said)."""
    configured = str(state(request).store.settings["web.public_url"]).strip().rstrip("/")
    if configured:
        return configured
    host, port = request.scope.get("server") or ("127.0.0.1", 80)
    scheme = str(request.scope.get("scheme") or "http")
    host = f"[{host}]" if ":" in str(host) else str(host)
    default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
    return f"{scheme}://{host}" + ("" if default or port is None else f":{port}")


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


#: the range of a 64-bit integer: the databases hold no bigger id, year or page
SMALLEST, LARGEST = -(2**63), 2**63 - 1


def _is_int(annotation: Any) -> bool:
    if annotation is int:
        return True
    union = typing.get_origin(annotation) in (typing.Union, types.UnionType)
    return union and int in typing.get_args(annotation)


def whole_number(name: str, text: str) -> None:
    """Refuse (4xx) a number no 64-bit integer holds: the databases raise on it, which once
    answered 500 (``page=2**70``, ``/uploads/10**30``)."""
    try:
        number = int(text)
    except ValueError:
        return  # not a number at all: the route's own validation answers that
    if not SMALLEST <= number <= LARGEST:
        shown = text if len(text) <= 24 else text[:20] + "..."
        raise HTTPException(422, f"{name} = {shown} is too big a number for anchorkit.")


def numbers_in_range(request: Request) -> None:
    """Every route's integer path and query parameters, checked before the route runs (an app
    dependency: a route added later is covered too)."""
    dependant = getattr(request.scope.get("route"), "dependant", None)
    if dependant is None:
        return
    for fields, raw in (
        (dependant.path_params, request.path_params),
        (dependant.query_params, request.query_params),
    ):
        for field in fields:
            value = raw.get(field.alias)
            if value is not None and _is_int(field.field_info.annotation):
                whole_number(field.alias, str(value))

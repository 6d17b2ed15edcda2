"""The gate every request passes before a route sees it: who is asking, whether it may send a
body this big, and the security headers of every answer.

Why a plain ASGI middleware, in front of FastAPI: FastAPI reads a multipart body — spooling a
file to disk — before any dependency or route code runs, so a 200 MB POST from anyone reached
the disk before the route could answer 401. Here the body is judged from the headers first:
uploads need a login whose role may upload at all (else 401/403 before one byte is read), every
body has a size limit (the upload settings for files, :data:`FORM_LIMIT` for forms and JSON,
refused at once by ``Content-Length``), and a body sent without a length (chunked) is counted as
it arrives and cut off at the limit with 413 — so at most the limit ever reaches a temporary file.

Who is asking is found in a worker thread (a database read): the event loop that serves every
other request never waits on it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from anchorkit.records.accounts import PUBLIC, Actor
from anchorkit.web.security import request_actor

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: the largest body of a form or JSON call (uploads have their own settings)
FORM_LIMIT = 1024 * 1024
#: a multipart body carries its file plus field names and boundaries
MULTIPART_SLACK = 64 * 1024
BODY_METHODS = ("POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True)
class BodyRule:
    """Routes that take a file: who may send one, and the setting of its size in MB."""

    path: re.Pattern[str]
    roles: tuple[str, ...]
    limit_mb_setting: str


BODY_RULES = (
    BodyRule(re.compile(r"/(upload|api/v1/uploads)"), ("admin", "anchor"), "web.max_upload_mb"),
    BodyRule(
        re.compile(r"/portal/profile/[^/]+/certifications"),
        ("admin", "supplier"),
        "portal.evidence_max_mb",
    ),
)

# Vega compiles chart expressions with Function() ('unsafe-eval'); its embed adds a <style>.
# No inline script runs: a page's data travels as <script type="application/json">.
CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-eval'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
# the OpenAPI page (Swagger UI) is FastAPI's: its script comes from a CDN and starts inline
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; img-src 'self' data: "
    "https://fastapi.tiangolo.com; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


class BodyTooLarge(Exception):
    """The body went over its limit while it was being read."""


class Gate:
    """Find the actor, guard the body, add the headers (see the module's docstring)."""

    def __init__(self, app: ASGIApp, state: Callable[[], Any]) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        st = self.state()
        settings = st.store.settings
        path: str = scope["path"]
        if path.startswith("/static/"):
            await self.app(scope, receive, _with_headers(send, path, settings, PUBLIC))
            return
        request = Request(scope)
        actor: Actor = await run_in_threadpool(
            lambda: request_actor(request, st.signer, st.db, st.anchor_ids())
        )
        request.state.actor = actor
        send = _with_headers(send, path, settings, actor)
        if scope["method"] not in BODY_METHODS:
            await self.app(scope, receive, send)
            return
        rule = next((r for r in BODY_RULES if r.path.fullmatch(path)), None)
        api = path.startswith("/api/")
        if rule is not None and actor.role not in rule.roles:
            if not actor.logged_in:
                await _refuse(send, 401, "Log in to upload a file.", api, login=path)
            else:
                await _refuse(send, 403, "Your account may not upload files here.", api)
            return
        limit = (
            int(settings[rule.limit_mb_setting]) * 1024 * 1024 + MULTIPART_SLACK
            if rule is not None
            else FORM_LIMIT
        )
        length = _content_length(scope)
        if length is not None and length > limit:
            await _refuse(send, 413, _too_large(rule, settings), api)
            return
        await self._bounded(scope, receive, send, limit, _too_large(rule, settings), api)

    async def _bounded(
        self, scope: Scope, receive: Receive, send: Send, limit: int, message: str, api: bool
    ) -> None:
        """Run the app with a body cut off at ``limit``: past it, the answer is 413."""
        seen = 0
        over = False
        started = False

        async def counted() -> Message:
            nonlocal seen, over
            if over:
                raise BodyTooLarge
            received = await receive()
            if received["type"] == "http.request":
                seen += len(received.get("body", b""))
                if seen > limit:
                    over = True
                    raise BodyTooLarge
            return received

        async def replaced(message_out: Message) -> None:
            nonlocal started
            if over:  # whatever the app makes of the cut-off body, the answer is 413
                if not started:
                    started = True
                    await _refuse(send, 413, message, api)
                return
            started = started or message_out["type"] == "http.response.start"
            await send(message_out)

        try:
            await self.app(scope, counted, replaced)
        except BodyTooLarge:
            if not started:
                await _refuse(send, 413, message, api)
        except Exception:
            if not over:
                raise
            if not started:
                await _refuse(send, 413, message, api)


def _content_length(scope: Scope) -> int | None:
    for key, value in scope.get("headers", []):
        if key == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _too_large(rule: BodyRule | None, settings: Any) -> str:
    if rule is None:
        return "The request is larger than a form or API call may be."
    mb = settings[rule.limit_mb_setting]
    return (
        f"The file is larger than the {mb} MB the dashboard accepts. Split it, or load it with "
        "`anchorkit ingest` on the server (an admin can raise " + rule.limit_mb_setting + ")."
    )


async def _refuse(send: Send, status: int, message: str, api: bool, login: str = "") -> None:
    """A short answer sent before (or instead of) reading the body."""
    if api:
        body = json.dumps({"detail": message}).encode()
        kind = b"application/json"
    elif status == 401 and login:
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", b"/login?next=" + login.encode()),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})
        return
    else:
        text = message.replace("&", "&amp;").replace("<", "&lt;")
        body = f"<!doctype html><title>{status}</title><p>{text}</p>".encode()
        kind = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", kind),
                (b"content-length", str(len(body)).encode()),
                (b"connection", b"close"),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


def _with_headers(send: Send, path: str, settings: Any, actor: Actor) -> Send:
    """``send`` with the security headers added to the answer (a route's own are kept)."""
    extra = dict(HEADERS)
    extra["content-security-policy"] = DOCS_CSP if path == "/api/docs" else CSP
    if settings["web.secure_cookies"]:  # served over HTTPS: browsers must keep to it
        extra["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    private = actor.logged_in and not path.startswith("/static/")

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            present = {k.lower() for k, _ in headers}
            headers += [
                (k.encode(), v.encode()) for k, v in extra.items() if k.encode() not in present
            ]
            if private and b"cache-control" not in present:  # another user's figures: never cached
                headers.append((b"cache-control", b"no-store"))
            message = {**message, "headers": headers}
        await send(message)

    return sending

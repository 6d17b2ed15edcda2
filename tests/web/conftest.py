"""A small demo network served in-process, with one account per role.

Built once per test session (about 15 s): the web tests read it, and the few that write (uploads,
review decisions, publishing) use their own copy through ``fresh_site``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from anchorkit.demo.pipeline import run_demo
from anchorkit.records.accounts import add_user
from anchorkit.records.appdb import database_url, open_app_db
from anchorkit.web.app import create_app
from anchorkit.workspace import Workspace

PASSWORD = "correct horse battery"
ROLES = ("admin", "analyst", "anchor", "other_anchor", "supplier", "public")


@dataclass
class Site:
    root: Path
    ws: Workspace
    app: object
    anchors: dict[str, int]  # own / other
    supplier_id: str

    def client(self, role: str) -> httpx.Client:
        """A client logged in as ``role`` ('public': not logged in)."""
        transport = httpx.ASGITransport(app=self.app)  # type: ignore[arg-type]
        return _SyncClient(transport, role)


class _SyncClient(httpx.Client):
    """httpx's ASGI transport is async; run it from sync tests through an event loop."""

    def __init__(self, transport: httpx.ASGITransport, role: str) -> None:
        import asyncio

        self._loop = asyncio.new_event_loop()
        self._async = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        super().__init__(base_url="http://testserver")
        self.role = role
        self.csrf: str | None = None
        if role != "public":
            login(self, f"{role}@test.org")

    def request(self, method: str, url: httpx.URL | str, **kwargs: object) -> httpx.Response:  # type: ignore[override]
        return self._loop.run_until_complete(self._async.request(method, url, **kwargs))  # type: ignore[arg-type]

    def close(self) -> None:
        if self._loop.is_closed():
            return
        self._loop.run_until_complete(self._async.aclose())
        self._loop.close()
        super().close()

    def __exit__(self, *exc: object) -> None:  # httpx's own __exit__ skips close()
        self.close()


def login(client: httpx.Client, email: str, password: str = PASSWORD) -> httpx.Response:
    page = client.get("/login")
    token = re.search(r'action="/login".*?name="csrf_token" value="([^"]+)"', page.text, re.S)
    assert token, page.text
    response = client.post(
        "/login",
        data={"email": email, "password": password, "csrf_token": token.group(1), "next": "/"},
    )
    me = client.get("/api/v1/me").json()
    client.csrf = me["csrf_token"]  # type: ignore[attr-defined]
    return response


def _build(root: Path) -> None:
    run_demo(root, anchors=3, lines=6000, seed=7)


def _site(root: Path) -> Iterator[Site]:
    ws = Workspace.open(root)
    anchors = dict(
        ws.engine.query("names", "SELECT name, anchor_id FROM anchor ORDER BY anchor_id")
    )
    names = list(anchors)
    (supplier_id,) = ws.engine.query_one("supplier", "SELECT min(supplier_id) FROM supplier")
    db = open_app_db(database_url(root))
    for role in ("admin", "analyst"):
        add_user(db, f"{role}@test.org", role, PASSWORD)
    add_user(db, "anchor@test.org", "anchor", PASSWORD, anchor_name=names[0])
    add_user(db, "other_anchor@test.org", "anchor", PASSWORD, anchor_name=names[1])
    add_user(db, "supplier@test.org", "supplier", PASSWORD, supplier_id=supplier_id)
    app = create_app(ws)
    try:
        yield Site(
            root, ws, app, {"own": anchors[names[0]], "other": anchors[names[1]]}, supplier_id
        )
    finally:
        app.state.anchorkit.close()  # type: ignore[attr-defined]
        ws.close()

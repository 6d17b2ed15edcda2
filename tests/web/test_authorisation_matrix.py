"""Every route × every role × (own / other anchor) → the expected answer.

Codes: ``ok`` the request is served (any status that is not an authorisation failure: 2xx, a
redirect that is not to the login page, or a 400/404/409 about the request itself), ``no`` 403,
``in`` a login is needed (401 for the API, a redirect to /login for pages).

Columns: admin, analyst, anchor user on its own anchor, anchor user on another anchor,
supplier user, the public. A route added to the app without a row here fails the test.
"""

from __future__ import annotations

import io
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import delete

from anchorkit.records.appdb import LoginAttempt
from tests.portal.helpers import portal_ids
from tests.web.conftest import Site, _site

COLUMNS = ("admin", "analyst", "own", "other", "supplier", "public")

MATRIX: dict[tuple[str, str], str] = {
    # pages
    ("GET", "/"): "ok ok ok ok ok ok",
    ("GET", "/login"): "ok ok ok ok ok ok",
    ("POST", "/login"): "in in in in in in",  # a wrong password: 401, for everyone
    ("POST", "/logout"): "ok ok ok ok ok ok",
    ("GET", "/public"): "ok ok ok ok ok ok",
    ("POST", "/publish"): "ok no no no no in",
    ("GET", "/overview"): "ok ok ok ok no in",
    ("GET", "/anchors/{anchor_id}"): "ok ok ok no no in",
    ("GET", "/anchors/{anchor_id}/lines"): "ok ok ok no no in",
    ("GET", "/anchors/{anchor_id}/lines.csv"): "ok ok ok no no in",
    ("GET", "/anchors/{anchor_id}/rejects"): "ok ok ok no no in",
    ("GET", "/anchors/{anchor_id}/categories"): "ok ok ok no no in",
    ("POST", "/anchors/{anchor_id}/categories"): "ok no ok no no in",
    ("GET", "/lines"): "ok ok no no no in",
    ("GET", "/lines/{line_id}"): "ok ok ok no no in",
    ("GET", "/upload"): "ok no ok ok no in",
    ("POST", "/upload"): "ok no ok no no in",
    ("GET", "/uploads/{upload_id}"): "ok ok ok no no in",
    ("POST", "/uploads/{upload_id}/confirm"): "ok no ok no no in",
    ("POST", "/uploads/{upload_id}/reread"): "ok no no no no in",
    ("POST", "/files/{file_id}/remove"): "ok no no no no in",
    ("GET", "/suppliers"): "ok ok ok ok ok in",
    ("GET", "/suppliers/{supplier_id}"): "ok ok ok ok ok in",
    ("GET", "/review"): "ok ok no no no in",
    ("POST", "/review/{item_id}"): "ok no no no no in",
    ("POST", "/review/merge"): "ok no no no no in",
    ("POST", "/review/split"): "ok no no no no in",
    ("GET", "/audit"): "ok no no no no in",
    ("GET", "/impact"): "ok ok ok ok no in",
    ("GET", "/opportunities"): "ok ok ok ok no in",
    ("GET", "/what-if"): "ok ok ok ok no in",
    ("GET", "/what-if/result"): "ok ok ok ok no in",
    ("GET", "/reports/network.{fmt}"): "ok ok ok ok no in",
    # issue 15: frameworks, commitments, Tier-2 (the views scope what each sees: tests/frameworks)
    ("GET", "/frameworks"): "ok ok ok ok no in",
    ("GET", "/commitments"): "ok ok ok ok ok in",
    ("POST", "/commitments/actuals"): "ok no no no ok in",
    ("GET", "/tier2"): "ok ok ok ok ok in",
    ("POST", "/tier2"): "ok no no no ok in",
    ("GET", "/anchors/{anchor_id}/report.{fmt}"): "ok ok ok no no in",
    # the other two levers (issue 14)
    ("GET", "/anchors/{anchor_id}/workforce"): "ok ok ok no no in",
    ("POST", "/anchors/{anchor_id}/workforce"): "ok no ok no no in",
    ("GET", "/anchors/{anchor_id}/investments"): "ok ok ok no no in",
    ("POST", "/anchors/{anchor_id}/investments"): "ok no ok no no in",
    ("GET", "/community"): "ok ok ok ok no in",
    ("GET", "/api/v1/hiring"): "ok ok ok ok no in",
    ("GET", "/api/v1/investment"): "ok ok ok ok no in",
    ("GET", "/api/v1/community"): "ok ok ok ok no in",
    # API
    ("GET", "/api/docs"): "ok ok ok ok ok ok",
    ("GET", "/api/v1/openapi.json"): "ok ok ok ok ok ok",
    ("GET", "/api/v1/me"): "ok ok ok ok ok ok",
    ("GET", "/api/v1/published"): "ok ok ok ok ok ok",
    ("GET", "/api/v1/indicators"): "ok ok ok ok no in",
    ("GET", "/api/v1/anchors"): "ok ok ok ok no in",
    ("GET", "/api/v1/what-if"): "ok ok ok ok no in",
    ("GET", "/api/v1/anchors/{anchor_id}/summary"): "ok ok ok no no in",
    ("GET", "/api/v1/spend-lines"): "ok ok ok no no in",
    ("GET", "/api/v1/rejected-rows"): "ok ok ok no no in",
    ("GET", "/api/v1/suppliers"): "ok ok ok ok ok in",
    ("GET", "/api/v1/suppliers/{supplier_id}"): "ok ok ok ok ok in",
    ("GET", "/api/v1/uploads"): "ok ok ok ok no in",
    ("POST", "/api/v1/uploads"): "ok no ok no no in",
    ("GET", "/api/v1/uploads/{upload_id}"): "ok ok ok no no in",
    ("POST", "/api/v1/uploads/{upload_id}/confirm"): "ok no ok no no in",
    ("GET", "/api/v1/anchors/{anchor_id}/categories"): "ok ok ok no no in",
    ("POST", "/api/v1/anchors/{anchor_id}/categories"): "ok no ok no no in",
    ("GET", "/api/v1/review"): "ok ok no no no in",
    ("POST", "/api/v1/review/{item_id}"): "ok no no no no in",
    # supplier portal (the partner role: tests/portal/test_portal_flows.py)
    ("GET", "/portal"): "ok ok ok ok ok ok",
    ("GET", "/portal/opportunities"): "ok ok ok ok ok ok",
    ("POST", "/portal/opportunities"): "ok no ok ok no in",
    ("GET", "/portal/opportunities/new"): "ok no ok ok no in",
    ("GET", "/portal/opportunities/{posting_id}"): "ok ok ok ok ok ok",
    ("GET", "/portal/opportunities/{posting_id}/shortlist"): "ok ok ok no no in",
    ("POST", "/portal/opportunities/{posting_id}/invite"): "ok no ok no no in",
    ("GET", "/portal/feeds/opportunities.atom"): "ok ok ok ok ok ok",
    ("GET", "/portal/compliance"): "ok ok ok ok no in",
    ("GET", "/portal/claim"): "no no no no ok in",
    ("POST", "/portal/claim"): "no no no no ok in",
    ("GET", "/portal/claims"): "ok no no no no in",
    ("POST", "/portal/claims/{claim_id}"): "ok no no no no in",
    ("POST", "/portal/certifications/{cert_id}/decision"): "ok no no no no in",
    ("GET", "/portal/certifications/{cert_id}/evidence"): "ok ok no no ok in",
    ("GET", "/portal/profile/{supplier_id}"): "ok ok no no ok in",
    ("POST", "/portal/profile/{supplier_id}"): "ok no no no ok in",
    ("POST", "/portal/profile/{supplier_id}/certifications"): "ok no no no ok in",
    ("GET", "/portal/suppliers"): "ok ok ok ok ok in",
    ("GET", "/api/v1/opportunities"): "ok ok ok ok ok ok",
    ("GET", "/api/v1/opportunities/{posting_id}"): "ok ok ok ok ok ok",
    ("GET", "/api/v1/opportunities/{posting_id}/shortlist"): "ok ok ok no no in",
    ("GET", "/api/v1/diverse-quote-gaps"): "ok ok ok ok no in",
}

CSV = b"Supplier,Amount,Date\nAcme Cleaning Ltd,120.50,2024-05-01\nBeta Foods,80,2024-05-02\n"


def app_routes(app: object) -> set[tuple[str, str]]:
    """(method, path) of every route, including those of included routers (FastAPI keeps
    those as a router object since 0.16x rather than copying them onto the app)."""
    found: set[tuple[str, str]] = set()

    def walk(routes: list[object]) -> None:
        for route in routes:
            inner = getattr(route, "original_router", None)
            if inner is not None:
                walk(inner.routes)
                continue
            methods = getattr(route, "methods", None)
            path = getattr(route, "path", "")
            if not methods or path.startswith("/static"):
                continue
            for method in methods - {"HEAD", "OPTIONS"}:
                found.add((method, path))

    walk(app.routes)  # type: ignore[attr-defined]
    return found


def test_every_route_has_a_row(site: Site) -> None:
    routes = app_routes(site.app)
    missing = sorted(routes - set(MATRIX))
    stale = sorted(set(MATRIX) - routes)
    assert not missing, f"routes without a row in the authorisation matrix: {missing}"
    assert not stale, f"rows for routes that no longer exist: {stale}"


def _verdict(method: str, path: str, response: object) -> str:
    status = response.status_code  # type: ignore[attr-defined]
    location = response.headers.get("location", "")  # type: ignore[attr-defined]
    if status == 401 or (status == 303 and location.startswith("/login")):
        return "in"
    if status == 403:
        return "no"
    if status >= 500:
        return f"error {status}"
    return "ok"


def _a_line(site: Site, anchor: int) -> int:
    (line_id,) = site.ws.engine.query_one(
        "n", "SELECT min(line_id) FROM spend_line WHERE anchor_id = ?", [anchor]
    )
    return int(line_id)


def _request(site: Site, client: object, method: str, path: str, column: str) -> object:
    side = "other" if column == "other" else "own"
    anchor = site.anchors[side]
    upload = site.uploads["other" if column == "other" else "own"]  # type: ignore[attr-defined]
    url = (
        path.replace("{anchor_id}", str(anchor))
        .replace("{upload_id}", str(upload))
        .replace("{supplier_id}", site.supplier_id)
        .replace("{item_id}", "no-such-item")
        .replace("{fmt}", "xlsx")
        .replace("{posting_id}", str(site.portal[f"posting_{side}"]))  # type: ignore[attr-defined]
        .replace("{cert_id}", str(site.portal["cert"]))  # type: ignore[attr-defined]
        .replace("{claim_id}", "0")
        .replace("{line_id}", str(_a_line(site, anchor)))
        .replace("{file_id}", "0000no-such-file")
    )
    token = getattr(client, "csrf", None) or ""
    c = client
    if method == "GET":
        if path == "/api/v1/spend-lines" or path == "/api/v1/rejected-rows":
            url += f"?anchor_id={anchor}"
        return c.get(url)  # type: ignore[attr-defined]
    if path == "/login":
        page = c.get("/login").text  # type: ignore[attr-defined]
        login_form = page.split('action="/login"')[1]
        login_token = login_form.split('name="csrf_token" value="')[1].split('"')[0]
        form = {"email": "x@y.org", "password": "nope", "csrf_token": login_token}
        return c.post(url, data=form)  # type: ignore[attr-defined]
    if path == "/upload":
        return c.post(  # type: ignore[attr-defined]
            url,
            data={"csrf_token": token, "anchor_id": str(anchor)},
            files={"file": ("spend.csv", io.BytesIO(CSV), "text/csv")},
        )
    if path.endswith(("/workforce", "/investments")):  # a real file: the import runs when allowed
        body = (
            b"Home FSA,Headcount\nM5V,12\n"
            if path.endswith("/workforce")
            else b"Investee,Amount\nA Bank,10\n"
        )
        return c.post(  # type: ignore[attr-defined]
            url,
            data={"csrf_token": token},
            files={"file": (f"{side}-{column}.csv", io.BytesIO(body), "text/csv")},
        )
    if path == "/api/v1/uploads":
        return c.post(  # type: ignore[attr-defined]
            url,
            data={"anchor_id": str(anchor)},
            files={"file": ("spend.csv", io.BytesIO(CSV), "text/csv")},
            headers={"X-CSRF-Token": token},
        )
    if path.startswith("/api/"):
        body: dict[str, str] = {"decision": "reject"} if "review" in path else {}
        if path.endswith("/categories"):
            body = {"raw_category": "Janitorial Svcs", "code": "no-such-code"}
        return c.post(url, json=body, headers={"X-CSRF-Token": token})  # type: ignore[attr-defined]
    form = {"csrf_token": token, "decision": "reject", "first": "S-none", "second": "S-nada"}
    form |= {"supplier_id": "S-none", "name": "nobody"}
    form |= {"raw_category": "Janitorial Svcs", "code": "no-such-code"}
    return c.post(url, data=form)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def matrix_site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    """One writable copy for the whole matrix: the rows that write (confirm, publish, decide)
    change state, but what they are checked for — allowed or not — does not depend on it."""
    root = tmp_path_factory.mktemp("matrix") / "net"
    shutil.copytree(demo_template, root)
    for site in _site(root):
        admin = site.client("admin")
        site.uploads = {  # type: ignore[attr-defined]
            side: _upload_id(admin, site.anchors[side], side) for side in ("own", "other")
        }
        admin.close()
        site.portal = portal_ids(site)  # type: ignore[attr-defined]
        yield site


@pytest.mark.parametrize("column", COLUMNS)
def test_matrix(matrix_site: Site, column: str) -> None:
    site = matrix_site
    role = {"own": "anchor", "other": "anchor"}.get(column, column)
    wrong = []
    with site.app.state.anchorkit.db() as s, s.begin():  # type: ignore[attr-defined]
        s.execute(delete(LoginAttempt))  # each column's failed login must not pause the next's
    client = site.client(role)
    # log out last: it ends the session the other rows need
    for (method, path), row in sorted(MATRIX.items(), key=lambda kv: kv[0][1] == "/logout"):
        expected = dict(zip(COLUMNS, row.split(), strict=True))[column]
        try:
            got = _verdict(method, path, _request(site, client, method, path, column))
        except Exception as exc:  # an exception is an answer too: record it, go on
            got = f"exception {exc!r}"[:300]
        if got != expected:
            wrong.append(f"{method} {path}: expected {expected}, got {got}")
    client.close()
    assert not wrong, f"{column}:\n" + "\n".join(wrong)


def _upload_id(admin: object, anchor_id: int, tag: str) -> int:
    body = CSV + f"{tag} Supplies,10,2024-05-03\n".encode()
    response = admin.post(  # type: ignore[attr-defined]
        "/api/v1/uploads",
        data={"anchor_id": str(anchor_id)},
        files={"file": (f"{tag}.csv", io.BytesIO(body), "text/csv")},
        headers={"X-CSRF-Token": admin.csrf},  # type: ignore[attr-defined]
    )
    assert response.status_code == 200, response.text
    return int(response.json()["upload_id"])

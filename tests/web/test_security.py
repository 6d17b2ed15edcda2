"""Wrong passwords, expired sessions, CSRF, oversized / non-spreadsheet / path-traversal uploads:
each gets a clear answer and changes nothing."""

from __future__ import annotations

import io
import shutil
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from anchorkit.records.appdb import AuditEvent, LoginSession, Publication, Upload, utcnow
from tests.web.conftest import PASSWORD, Site, _site, login

CSV = b"Supplier,Amount,Date\nAcme Cleaning Ltd,120.50,2024-05-01\n"


def _db(site: Site):  # type: ignore[no-untyped-def]
    return site.app.state.anchorkit.db  # type: ignore[attr-defined]


def _count(site: Site, model: type) -> int:
    with _db(site)() as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _store_state(site: Site) -> tuple[object, ...]:
    engine = site.ws.engine
    return (
        engine.query_one("n", "SELECT count(*) FROM source_file"),
        engine.query_one("n", "SELECT count(*), sum(amount) FROM spend_line"),
        engine.query_one("n", "SELECT count(*) FROM rejected_row"),
    )


def test_wrong_password_is_refused_and_logged(fresh_site: Site) -> None:
    client = fresh_site.client("public")
    response = login(client, "admin@test.org", "not the password")
    assert response.status_code == 401
    assert "Wrong email or password" in response.text
    assert client.get("/api/v1/me").json()["role"] == "public"
    with _db(fresh_site)() as s:
        actions = [e.action for e in s.scalars(select(AuditEvent))]
    assert "login_failed" in actions
    client.close()


def test_logins_pause_after_repeated_failures(fresh_site: Site) -> None:
    client = fresh_site.client("public")
    for _ in range(5):
        assert login(client, "analyst@test.org", "guess").status_code == 401
    paused = login(client, "analyst@test.org", PASSWORD)  # even the right password waits
    assert paused.status_code == 429
    assert "Too many failed logins" in paused.text
    assert client.get("/api/v1/me").json()["role"] == "public"
    client.close()


def test_session_cookie_is_httponly_and_samesite(fresh_site: Site) -> None:
    client = fresh_site.client("public")
    response = login(client, "admin@test.org")
    cookie = response.headers["set-cookie"]
    assert "anchorkit_session=" in cookie
    assert "httponly" in cookie.lower() and "samesite=lax" in cookie.lower()
    client.close()


def test_expired_session_asks_to_log_in_again(fresh_site: Site) -> None:
    client = fresh_site.client("admin")
    assert client.get("/overview").status_code == 200
    with _db(fresh_site)() as s, s.begin():
        s.execute(update(LoginSession).values(expires_at=utcnow() - timedelta(minutes=1)))
    page = client.get("/overview")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/login?next=/overview")
    assert "expired=1" in page.headers["location"]
    assert "session has expired" in client.get(page.headers["location"]).text
    api = client.get("/api/v1/indicators")
    assert api.status_code == 401 and "expired" in api.json()["detail"]
    client.close()


def test_forged_cookie_is_the_public(fresh_site: Site) -> None:
    client = fresh_site.client("public")
    client._async.cookies.set("anchorkit_session", "forged.value")  # type: ignore[attr-defined]
    assert client.get("/api/v1/me").json()["role"] == "public"
    assert client.get("/overview").status_code == 303
    client.close()


def test_csrf_failures_change_nothing(fresh_site: Site) -> None:
    client = fresh_site.client("admin")
    before = _count(fresh_site, Publication)
    page = client.post("/publish", data={"csrf_token": "wrong"})
    assert page.status_code == 403 and "CSRF" in page.text
    missing = client.post("/publish", data={})
    assert missing.status_code == 403
    api = client.post("/api/v1/review/abc", json={"decision": "accept"})
    assert api.status_code == 403 and "X-CSRF-Token" in api.json()["detail"]
    assert _count(fresh_site, Publication) == before
    ok = client.post("/publish", data={"csrf_token": client.csrf})  # type: ignore[attr-defined]
    assert ok.status_code == 303 and _count(fresh_site, Publication) == before + 1
    client.close()


def test_login_form_needs_its_token(fresh_site: Site) -> None:
    client = fresh_site.client("public")
    response = client.post("/login", data={"email": "admin@test.org", "password": PASSWORD})
    assert response.status_code == 403
    assert client.get("/api/v1/me").json()["role"] == "public"
    client.close()


def test_no_open_redirect_after_login(fresh_site: Site) -> None:
    client = fresh_site.client("public")
    page = client.get("/login?next=//evil.example/x")
    assert 'value="/"' in page.text
    client.close()


def _upload(client: object, name: str, body: bytes, anchor_id: int) -> object:
    return client.post(  # type: ignore[attr-defined]
        "/upload",
        data={"csrf_token": client.csrf, "anchor_id": str(anchor_id)},  # type: ignore[attr-defined]
        files={"file": (name, io.BytesIO(body), "text/csv")},
    )


@pytest.mark.parametrize(
    ("name", "body", "status", "says"),
    [
        ("../../etc/spend.csv", CSV, 400, "folder path"),
        ("..\\..\\spend.csv", CSV, 400, "folder path"),
        ("/etc/passwd", CSV, 400, "folder path"),
        ("photo.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 415, "not a file anchorkit can read"),
        ("awards.json", b"Supplier,Amount\nAcme,1.00\n", 415, "not OCDS JSON"),
        ("spend.csv", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, 415, "not a spreadsheet"),
        ("spend.xlsx", b"this is text, not a workbook", 415, "not a spreadsheet"),
        ("spend.csv", b"", 400, "empty"),
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(
    fresh_site: Site, name: str, body: bytes, status: int, says: str
) -> None:
    client = fresh_site.client("anchor")
    before = _store_state(fresh_site)
    response = _upload(client, name, body, fresh_site.anchors["own"])
    assert response.status_code == status  # type: ignore[attr-defined]
    assert says in response.text  # type: ignore[attr-defined]
    assert _store_state(fresh_site) == before
    assert _count(fresh_site, Upload) == 0
    uploads = fresh_site.root / "uploads"
    assert not uploads.exists() or not any(uploads.iterdir())
    assert not (fresh_site.root.parent / "spend.csv").exists()
    client.close()


def test_oversized_upload_is_refused(
    demo_template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANCHORKIT_WEB__MAX_UPLOAD_MB", "1")
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    for site in _site(root):
        client = site.client("anchor")
        before = _store_state(site)
        big = CSV + b"Acme Cleaning Ltd,1.00,2024-05-01\n" * 40_000  # ~1.4 MB
        response = _upload(client, "big.csv", big, site.anchors["own"])
        assert response.status_code == 413  # type: ignore[attr-defined]
        assert "larger than the 1 MB" in response.text  # type: ignore[attr-defined]
        assert _store_state(site) == before and _count(site, Upload) == 0
        client.close()

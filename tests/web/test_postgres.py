"""App records on a real PostgreSQL (``ANCHORKIT_DATABASE_URL``), as a larger deployment runs them.

Needs ``ANCHORKIT_TEST_DATABASE_URL`` (``.ci/run`` starts PostgreSQL and sets it); skipped without
it on a laptop, a failure under CI.
"""

from __future__ import annotations

import io
import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from anchorkit.records.accounts import add_user
from anchorkit.web.app import create_app
from anchorkit.workspace import Workspace
from tests.web.conftest import PASSWORD, Site, _SyncClient, login

URL = os.environ.get("ANCHORKIT_TEST_DATABASE_URL")


@pytest.fixture
def pg_url() -> str:
    if not URL:
        if os.environ.get("CI"):
            pytest.fail("ANCHORKIT_TEST_DATABASE_URL is not set: .ci/run must start PostgreSQL")
        pytest.skip("set ANCHORKIT_TEST_DATABASE_URL to test PostgreSQL app records")
    # each test in its own schema, dropped afterwards
    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = create_engine(URL)
    with engine.begin() as con:
        con.execute(text(f"CREATE SCHEMA {schema}"))
    yield f"{URL}{'&' if '?' in URL else '?'}options=-csearch_path%3D{schema}"
    with engine.begin() as con:
        con.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    engine.dispose()


def test_accounts_sessions_uploads_and_audit_on_postgres(
    pg_url: str, demo_template: Path, tmp_path: Path
) -> None:
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    ws = Workspace.open(root)
    application = create_app(ws, database=pg_url)
    try:
        db = application.state.anchorkit.db
        anchors = dict(
            ws.engine.query("a", "SELECT name, anchor_id FROM anchor ORDER BY anchor_id")
        )
        name = next(iter(anchors))
        add_user(db, "anchor@test.org", "anchor", PASSWORD, anchor_name=name)
        site = Site(root, ws, application, {"own": anchors[name], "other": 0}, "")
        import httpx

        client = _SyncClient(httpx.ASGITransport(app=application), "public")
        assert login(client, "anchor@test.org").status_code == 303
        response = client.post(
            "/api/v1/uploads",
            data={"anchor_id": str(site.anchors["own"])},
            files={
                "file": (
                    "s.csv",
                    io.BytesIO(b"Supplier,Amount,Date\nAcme Ltd,5,2024-01-02\n"),
                    "text/csv",
                )
            },
            headers={"X-CSRF-Token": client.csrf},
        )
        assert response.status_code == 200 and response.json()["status"] == "previewed"
        client.close()
        engine = create_engine(pg_url)
        with engine.connect() as con:
            assert con.execute(text("SELECT count(*) FROM app_user")).scalar() == 1
            assert con.execute(text("SELECT count(*) FROM app_session")).scalar() == 1
            assert con.execute(text("SELECT count(*) FROM app_upload")).scalar() == 1
            actions = {a for (a,) in con.execute(text("SELECT action FROM app_audit"))}
        engine.dispose()
        assert {"login", "upload"} <= actions
    finally:
        application.state.anchorkit.close()
        ws.close()

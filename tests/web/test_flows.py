"""Upload → preview → confirm; row scoping through pages, API and exports; suppression; publishing;
the audit log. In-process, through httpx's ASGI transport."""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Any

from sqlalchemy import select

from anchorkit.access.policy import SmallCellRule, suppress
from anchorkit.records.appdb import AuditEvent
from tests.ocds.helpers import CF_DIR, CF_PACKAGE
from tests.web.conftest import Site

# two columns of company names, neither headed as the supplier: the ingest is not sure which
# is, so it asks (an amount headed "Amt ($)" alone it would recognise)
MESSY = (
    b"Quarterly payments report\n"
    b"\n"
    b"Name 1,Amt ($),Pmt Date,Details,Dept,Name 2\n"
    b"Harbour Cleaning Co-op,1200.50,2024-06-03,Window cleaning,Facilities,Lakeport Holdings Ltd\n"
    b"Lakeside Catering Ltd,850.00,2024-06-04,Staff lunch,Admin,Lakeport Holdings Ltd\n"
    b"Northern Print Shop,not a number,2024-06-05,Leaflets,Comms,Lakeport Holdings Ltd\n"
    b"Bayview Plumbing,310.25,,Repair,Facilities,Lakeport Holdings Ltd\n"
    b"Total,2360.75,,,,\n"
)


def _preview(client: object, anchor_id: int, body: bytes = MESSY) -> dict[str, object]:
    response = client.post(  # type: ignore[attr-defined]
        "/api/v1/uploads",
        data={"anchor_id": str(anchor_id)},
        files={"file": ("payments-q1.csv", io.BytesIO(body), "text/csv")},
        headers={"X-CSRF-Token": client.csrf},  # type: ignore[attr-defined]
    )
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def confirm_as_previewed(client: object, upload_id: int) -> dict[str, Any]:
    """Confirm an upload with the columns its preview showed (the API's empty confirmation)."""
    response = client.post(  # type: ignore[attr-defined]
        f"/api/v1/uploads/{upload_id}/confirm",
        json={},
        headers={"X-CSRF-Token": client.csrf},  # type: ignore[attr-defined]
    )
    return response.json()  # type: ignore[no-any-return]


def _lines(site: Site) -> int:
    return int(site.ws.engine.query_one("n", "SELECT count(*) FROM spend_line")[0])


def test_preview_writes_nothing_and_confirm_loads_what_it_showed(fresh_site: Site) -> None:
    client = fresh_site.client("anchor")
    before = _lines(fresh_site)
    first = _preview(client, fresh_site.anchors["own"])
    # which of two columns of names is the supplier? the user is asked to map it by hand
    assert first["status"] == "needs_mapping"
    error = first["report"]["error"]  # type: ignore[index]
    assert "not sure which column is the supplier name" in error
    assert "--map supplier_name=" in error
    page = client.get(f"/uploads/{first['upload_id']}").text
    assert "Check the file with these columns" in page and "Amt ($)" in page
    form = {
        "csrf_token": client.csrf,  # type: ignore[attr-defined]
        "map_supplier_name": "Name 1",
        "map_amount": "Amt ($)",
        "map_paid_on": "Pmt Date",
        "map_description": "Details",
    }
    assert client.post(f"/uploads/{first['upload_id']}/confirm", data=form).status_code == 303
    upload = client.get(f"/api/v1/uploads/{first['upload_id']}").json()
    result = upload["report"]["result"]  # type: ignore[index]
    assert upload["status"] == "previewed"
    assert (result["rows_loaded"], result["rows_rejected"]) == (2, 2)
    reasons = " ".join(" ".join(r["reasons"]) for r in upload["report"]["rejected"])  # type: ignore[index]
    assert "amount" in reasons and "date" in reasons
    assert _lines(fresh_site) == before  # the preview was rolled back
    page = client.get(f"/uploads/{upload['upload_id']}")
    assert "Confirm the columns and load" in page.text and "Amt ($)" in page.text

    confirmed = client.post(
        f"/api/v1/uploads/{upload['upload_id']}/confirm",
        json={
            "mapping": {
                "supplier_name": "Name 1",
                "amount": "Amt ($)",
                "paid_on": "Pmt Date",
                "description": "Details",
                "department": "Dept",
            }
        },
        headers={"X-CSRF-Token": client.csrf},  # type: ignore[attr-defined]
    ).json()
    assert confirmed["status"] == "loaded"
    assert confirmed["report"]["loaded"]["rows_loaded"] == 2
    assert _lines(fresh_site) == before + 2
    rejects = client.get(
        "/api/v1/rejected-rows", params={"anchor_id": fresh_site.anchors["own"]}
    ).json()
    assert {r["source_row"] for r in rejects["rows"] if r["file"] == "payments-q1.csv"} == {6, 7}
    assert _lines(fresh_site) == before + 2
    # the confirmed mapping is saved: the same layout next time is read with it
    saved = fresh_site.ws.engine.query_one(
        "n", "SELECT count(*) FROM anchor_mapping WHERE anchor_id = ?", [fresh_site.anchors["own"]]
    )
    assert saved[0] >= 1
    again = _preview(client, fresh_site.anchors["own"])
    assert again["report"]["result"]["already_loaded"] is True  # type: ignore[index]
    client.close()


def test_an_ocds_package_uploads_like_a_spend_file(fresh_site: Site, shared_data: Path) -> None:
    """Awards as OCDS JSON (a real Contracts Finder release package): preview, then load."""
    client = fresh_site.client("anchor")
    before = _lines(fresh_site)
    body = (shared_data / CF_DIR / CF_PACKAGE).read_bytes()
    response = client.post(
        "/api/v1/uploads",
        data={"anchor_id": str(fresh_site.anchors["own"])},
        files={"file": ("awards.json", io.BytesIO(body), "application/json")},
        headers={"X-CSRF-Token": client.csrf},  # type: ignore[attr-defined]
    )
    assert response.status_code == 200, response.text
    upload = response.json()
    assert upload["status"] == "previewed", upload
    result = upload["report"]["result"]
    assert result["rows_loaded"] > 100 and result["rows_rejected"] > 0
    assert upload["report"]["rejected"][0]["reasons"]  # each rejected award says why
    assert _lines(fresh_site) == before  # the preview was rolled back
    loaded = confirm_as_previewed(client, int(str(upload["upload_id"])))
    client.close()
    assert loaded["status"] == "loaded", loaded
    # an award is a row of the report and one spend line per supplier it names
    (file_lines,) = fresh_site.ws.engine.query_one(
        "n", "SELECT count(*) FROM spend_line WHERE file_id = ?", [result["file_id"]]
    )
    assert file_lines >= result["rows_loaded"]
    assert _lines(fresh_site) == before + file_lines


def test_correcting_the_mapping_changes_what_loads(fresh_site: Site) -> None:
    client = fresh_site.client("anchor")
    upload = _preview(client, fresh_site.anchors["own"])
    form = {
        "csrf_token": client.csrf,  # type: ignore[attr-defined]
        "map_supplier_name": "Name 1",
        "map_amount": "Amt ($)",
        "map_paid_on": "Pmt Date",
        "map_description": "Dept",  # the user says the department column is the description
    }
    for _step in ("check with these columns", "load"):
        response = client.post(f"/uploads/{upload['upload_id']}/confirm", data=form)
        assert response.status_code == 303
    assert client.get(f"/api/v1/uploads/{upload['upload_id']}").json()["status"] == "loaded"
    rows = fresh_site.ws.engine.query(
        "n",
        "SELECT description FROM spend_line WHERE supplier_name = 'Harbour Cleaning Co-op'",
    )
    assert rows == [("Facilities",)]
    client.close()


def test_an_anchor_user_reads_only_its_own_lines(site: Site) -> None:
    own, other = site.anchors["own"], site.anchors["other"]
    client = site.client("anchor")
    mine = client.get("/api/v1/spend-lines", params={"size": 200}).json()
    assert mine["total"] > 0
    own_name = site.ws.engine.query_one("n", "SELECT name FROM anchor WHERE anchor_id = ?", [own])[
        0
    ]
    assert {r["anchor"] for r in mine["rows"]} == {own_name}
    assert (
        mine["total"]
        == site.ws.engine.query_one(
            "n", "SELECT count(*) FROM spend_line WHERE anchor_id = ?", [own]
        )[0]
    )
    assert client.get("/api/v1/spend-lines", params={"anchor_id": other}).status_code == 403
    assert client.get(f"/anchors/{other}/lines.csv").status_code == 403
    assert client.get("/api/v1/rejected-rows", params={"anchor_id": other}).status_code == 403
    # the export holds exactly the anchor's own lines
    export = client.get(f"/anchors/{own}/lines.csv")
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == mine["total"] and {r["anchor"] for r in rows} == {own_name}
    # a supplier's page shows spellings and spend from the user's own anchor only
    supplier = client.get(f"/api/v1/suppliers/{site.supplier_id}").json()
    assert all(a["anchor"] in (None, own_name) for a in supplier["aliases"])
    client.close()


def test_server_side_sort_filter_and_page(site: Site) -> None:
    client = site.client("admin")
    first = client.get("/api/v1/spend-lines", params={"sort": "amount", "size": 25}).json()
    amounts = [float(r["amount"]) for r in first["rows"]]
    assert amounts == sorted(amounts, reverse=True) and len(amounts) == 25
    second = client.get(
        "/api/v1/spend-lines", params={"sort": "amount", "size": 25, "page": 2}
    ).json()
    assert float(second["rows"][0]["amount"]) <= amounts[-1]
    name = first["rows"][0]["supplier_name"]
    filtered = client.get("/api/v1/spend-lines", params={"supplier": name[:6]}).json()
    assert filtered["total"] >= 1
    assert all(name[:6].lower() in r["supplier_name"].lower() for r in filtered["rows"])
    html = client.get("/lines?sort=amount&desc=0", headers={"HX-Request": "true"}).text
    assert "<html" not in html and 'id="lines-table"' in html  # htmx gets the table alone
    client.close()


def test_small_cell_rule() -> None:
    rule = SmallCellRule(min_suppliers=5, max_supplier_share=0.7)
    rows = [
        {"area": "a", "spend": 10, "suppliers": 4, "top_supplier_share": 0.3},
        {"area": "b", "spend": 10, "suppliers": 9, "top_supplier_share": 0.71},
        {"area": "c", "spend": 10, "suppliers": 5, "top_supplier_share": 0.7},
    ]
    shown = suppress(rows, rule, keep=("area",))
    assert [r["suppressed"] for r in shown] == [True, True, False]
    assert shown[0] == {
        "area": "a",
        "spend": None,
        "suppliers": None,
        "top_supplier_share": None,
        "suppressed": True,
    }
    assert not any(r["suppressed"] for r in suppress(rows, rule, keep=("area",), exempt=True))


def test_other_anchors_are_seen_only_through_the_rule(site: Site) -> None:
    client = site.client("anchor")
    data = client.get("/api/v1/indicators").json()
    rule = SmallCellRule(5, 0.7)
    for dimension, rows in data["by"].items():
        for row in rows:
            if dimension == "anchor" and row["anchor_id"] == site.anchors["own"]:
                continue
            if row["suppressed"]:
                assert row["addressable_spend"] is None
            else:
                assert not rule.hides(row["suppliers"], row["top_supplier_share"]), row
    client.close()


def test_publish_then_public_page_and_audit(fresh_site: Site) -> None:
    public = fresh_site.client("public")
    assert "Nothing has been published yet" in public.get("/public").text
    admin = fresh_site.client("admin")
    assert admin.post("/publish", data={"csrf_token": admin.csrf}).status_code == 303  # type: ignore[attr-defined]
    page = public.get("/public")
    assert "Publication 1" in page.text and 'data-spec-id="spec-trend"' in page.text
    published = public.get("/api/v1/published").json()["indicators"]
    rule = SmallCellRule(5, 0.7)
    for rows in published["by"].values():
        for row in rows:
            assert row["suppressed"] or not rule.hides(row["suppliers"], row["top_supplier_share"])
    with fresh_site.app.state.anchorkit.db() as s:  # type: ignore[attr-defined]
        actions = {e.action for e in s.scalars(select(AuditEvent))}
    assert {"login", "publish"} <= actions
    admin.close()
    public.close()


def test_overview_has_charts_with_tables(site: Site) -> None:
    client = site.client("analyst")
    page = client.get("/overview").text
    for name in ("trend", "by_anchor", "by_category"):
        assert f'data-spec-id="spec-{name}"' in page
    assert page.count("as a table</summary>") >= 3
    client.close()


def test_categories_to_check_and_a_confirmed_mapping(fresh_site: Site) -> None:
    own, other = fresh_site.anchors["own"], fresh_site.anchors["other"]
    engine = fresh_site.ws.engine
    # make one raw category uncertain, so that it waits for a person
    (raw,) = engine.query_one(
        "n",
        "SELECT raw_category FROM spend_line WHERE anchor_id = ? AND raw_category IS NOT NULL "
        "GROUP BY raw_category ORDER BY count(*) DESC LIMIT 1",
        [own],
    )
    engine.run(
        "n",
        "UPDATE line_category SET confidence = 0.1 WHERE line_id IN "
        "(SELECT line_id FROM spend_line WHERE anchor_id = ? AND raw_category = ?)",
        [own, raw],
    )
    client = fresh_site.client("anchor")
    page = client.get(f"/anchors/{own}/categories")
    assert page.status_code == 200 and html.escape(raw) in page.text
    listed = client.get(f"/api/v1/anchors/{own}/categories").json()
    assert any(r["raw_category"] == raw for r in listed)
    assert client.get(f"/anchors/{other}/categories").status_code == 403
    code = engine.query_one("n", "SELECT code FROM line_category WHERE code IS NOT NULL LIMIT 1")[0]
    response = client.post(
        f"/anchors/{own}/categories",
        data={"csrf_token": client.csrf, "raw_category": raw, "code": f"{code} some path"},  # type: ignore[attr-defined]
    )
    assert response.status_code == 303 and "mapped=" in response.headers["location"]
    saved = engine.query(
        "n", "SELECT code, decided_by FROM category_mapping WHERE anchor_id = ?", [own]
    )
    assert saved == [(code, "person:anchor@test.org")]
    bad = client.post(
        f"/api/v1/anchors/{own}/categories",
        json={"raw_category": raw, "code": "no-such-code"},
        headers={"X-CSRF-Token": client.csrf},  # type: ignore[attr-defined]
    )
    assert bad.status_code == 400 and "no-such-code" in bad.json()["detail"]
    client.close()


def test_lines_show_and_filter_by_the_shared_category(site: Site) -> None:
    client = site.client("admin")
    (level1,) = site.ws.engine.query_one(
        "n",
        "SELECT level1 FROM line_category WHERE level1 IS NOT NULL "
        "GROUP BY level1 ORDER BY count(*) DESC LIMIT 1",
    )
    page = client.get("/api/v1/spend-lines", params={"category": level1, "size": 100}).json()
    expected = site.ws.engine.query_one(
        "n", "SELECT count(*) FROM line_category WHERE level1 = ?", [level1]
    )[0]
    assert page["total"] == expected > 0
    assert all(r["category_code"] for r in page["rows"])
    by_category = client.get("/api/v1/spend-lines", params={"sort": "category", "desc": False})
    assert by_category.status_code == 200 and by_category.json()["rows"]
    client.close()


def test_targets_on_the_overview_and_the_anchor_page(fresh_site: Site) -> None:
    from anchorkit.analytics.targets import set_target

    engine = fresh_site.ws.engine
    (year,) = engine.query_one("n", "SELECT max(fiscal_year) FROM spend_line")
    own = engine.query_one(
        "n", "SELECT name FROM anchor WHERE anchor_id = ?", [fresh_site.anchors["own"]]
    )[0]
    set_target(fresh_site.ws, "local_share", "90%", year)
    set_target(fresh_site.ws, "local_spend", 1000, year, anchor=own)
    client = fresh_site.client("anchor")
    overview = client.get("/overview").text
    assert 'id="targets-table"' in overview and "90.0 %" in overview
    assert "target 90.0 %" in overview  # beside the headline local share
    data = client.get("/api/v1/indicators").json()
    (row,) = data["target_rows"]
    assert row["indicator"] == "local_share" and row["target"] == 0.9
    anchor_page = client.get(f"/anchors/{fresh_site.anchors['own']}").text
    assert 'id="targets-table"' in anchor_page and "local spend" in anchor_page
    client.close()


def test_impact_and_opportunities_pages(fresh_site: Site) -> None:
    from anchorkit.analytics.multipliers import example_path, load_multipliers

    analyst = fresh_site.client("analyst")
    page = analyst.get("/impact").text
    assert 'id="lm3"' in page and "multiplier" in page.lower()  # no table yet: it says so
    with fresh_site.app.state.anchorkit.store.writer() as ws:  # type: ignore[attr-defined]
        load_multipliers(ws, example_path())  # a write: the cached figures are recomputed
    page = analyst.get("/impact").text
    assert 'id="sectors"' in page and "upper-bound" in page
    full = analyst.get("/opportunities").text
    assert 'id="opportunities"' in full and "At stake" in full
    analyst.close()
    anchor = fresh_site.client("anchor")
    mine = anchor.get("/opportunities").text
    assert 'id="opportunities"' in mine and "At stake" not in mine  # no other anchors' amounts
    anchor.close()


def test_what_if_page(site: Site) -> None:
    engine = site.ws.engine
    (category,) = engine.query_one(
        "n",
        "SELECT level1 FROM line_category WHERE level1 IS NOT NULL "
        "GROUP BY level1 ORDER BY count(*) DESC LIMIT 1",
    )
    shown = html.escape(category)  # as the page writes it ("Repair &amp; Maintenance")
    client = site.client("analyst")
    empty = client.get("/what-if")
    assert empty.status_code == 200 and 'id="what-if-form"' in empty.text
    # the picker starts with the categories with most non-local spend, their sliders at 0 %
    assert 'type="range" name="pct"' in empty.text and 'id="what-if-empty"' in empty.text
    assert 'hx-get="/what-if/result"' in empty.text
    page = client.get("/what-if", params={"shift": f"{category}:20"})
    assert page.status_code == 200 and 'id="what-if-result"' in page.text, page.text[-2000:]
    assert "local share" in page.text
    bad = client.get("/what-if", params={"shift": "No Such Category:20"})
    assert bad.status_code == 200 and 'role="alert"' in bad.text
    # a slider moved: the result alone (what htmx swaps in), with its chart and +… pp
    slid = client.get("/what-if/result", params={"cat": category, "pct": "40"})
    assert slid.status_code == 200 and "<html" not in slid.text
    assert 'data-spec-id="spec-what_if"' in slid.text and " pp</td>" in slid.text
    assert f"{shown}: 40.0 % of its non-local spend" in slid.text
    # added from the picker: the row appears with its slider at 20 %
    added = client.get("/what-if", params={"add": category})
    assert f'value="{shown}"' in added.text and 'value="20"' in added.text
    # the same figures from the API, with the chart's spec
    api = client.get("/api/v1/what-if", params={"cat": category, "pct": "40"})
    assert api.status_code == 200, api.text
    data = api.json()
    assert data["shifts"][0]["percent"] == 0.4 and data["local_share"]["change"] > 0
    assert data["chart"]["usermeta"]["anchorkit_table"]["rows"][0]["measure"] == "Local share"
    assert client.get("/api/v1/what-if").status_code == 422
    client.close()
    anchor = site.client("anchor")
    mine = anchor.get("/api/v1/what-if", params={"cat": category, "pct": "40", "anchor": "x"})
    assert mine.status_code == 200 and mine.json()["anchor"] != "x"  # its own spend, always
    anchor.close()


def test_a_lines_category_is_explained_on_its_page(site: Site) -> None:
    """The line view shows what anchorkit classify --explain shows: evidence, weights, scores."""
    client = site.client("admin")
    (line_id, code) = site.ws.engine.query_one(
        "n",
        "SELECT line_id, code FROM line_category WHERE method = 'rule' ORDER BY line_id LIMIT 1",
    )
    table = client.get("/lines", headers={"HX-Request": "true"}).text
    assert 'href="/lines/' in table and "why?" in table
    page = client.get(f"/lines/{line_id}")
    assert page.status_code == 200
    assert f"<strong>{code} " in page.text
    assert 'id="evidence"' in page.text and 'id="scores"' in page.text
    assert "rules on the text" in page.text
    assert client.get("/lines/999999999").status_code == 404
    client.close()

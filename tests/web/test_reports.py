"""Reports (issue 7): the network progress report and an anchor's scorecard as PDF, HTML and Excel,
from the CLI and as dashboard downloads — what they contain, and what they must never show.

PDF text is read back with poppler's ``pdftotext`` (a Debian package CI installs), workbooks with
openpyxl and as the zip of XML they are.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import zipfile
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from anchorkit.access.policy import SmallCellRule
from anchorkit.analytics.indicators import compute_breakdowns
from anchorkit.cli import app
from anchorkit.reports.build import build_report
from anchorkit.workspace import Workspace
from tests.web.conftest import Site

SECTIONS = (
    "Headline indicators",
    "Trend",
    "Spend by category",
    "Spend by anchor",
    "Spend by area",
    "Local economic impact",
    "Where spend could shift",
    "Data quality",
    "Methods and sources",
)


def _poppler(tool: str) -> str:
    found = shutil.which(tool)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{tool} is missing: .ci/run installs poppler-utils")
        pytest.skip(f"{tool} (poppler-utils) is not installed")
    return found


def pdf_text(path: Path) -> str:
    done = subprocess.run(
        [_poppler("pdftotext"), "-layout", str(path), "-"], capture_output=True, check=True
    )
    return done.stdout.decode("utf-8")


def pdf_pages(path: Path) -> int:
    done = subprocess.run([_poppler("pdfinfo"), str(path)], capture_output=True, check=True)
    match = re.search(r"^Pages:\s+(\d+)", done.stdout.decode(), re.M)
    assert match, done.stdout
    return int(match.group(1))


def money(value: Decimal) -> str:
    return f"{value:,.0f}"


@pytest.fixture(scope="module")
def network(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The demo's network report in each format, written by the CLI, with the raw figures."""
    root = tmp_path_factory.mktemp("reports") / "net"
    shutil.copytree(demo_template, root)
    out = root.parent
    runner = CliRunner()
    for fmt in ("pdf", "xlsx"):
        args = ["-w", str(root), "report", "--network", "--format", fmt]
        result = runner.invoke(app, [*args, "--out", str(out / f"network.{fmt}")])
        assert result.exit_code == 0, result.output
        assert "suppressed cells" in " ".join(result.output.split())
    with Workspace.open(root) as ws:
        (year,) = ws.engine.query_one("latest", "SELECT max(fiscal_year) FROM spend_line")
        raw = compute_breakdowns(ws, ("anchor", "category", "neighbourhood"), year=year)
    return {"root": root, "out": out, "year": year, "raw": raw}


def _hidden_cells(raw: dict, dimension: str) -> list[dict]:  # type: ignore[type-arg]
    rule = SmallCellRule(5, 0.7)
    return [r for r in raw[dimension].rows if rule.hides(r["suppliers"], r["top_supplier_share"])]


def test_figures_read_as_their_kind() -> None:
    from anchorkit.reports.render import indicator_label, indicator_value

    assert indicator_value("tag_share:co_op", 0.05) == "5.0 %"
    assert indicator_value("local_share", 0.4321) == "43.2 %"
    assert indicator_value("local_spend", Decimal("1234567.89"), "CAD") == "1,234,568 CAD"
    assert indicator_value("suppliers", 1503) == "1,503"
    assert indicator_label("tag_share:indigenous_owned") == "Share with indigenous owned suppliers"


def test_network_pdf_has_every_section_and_the_dashboard_figures(network: dict) -> None:  # type: ignore[type-arg]
    path = network["out"] / "network.pdf"
    assert path.read_bytes().startswith(b"%PDF")
    assert 8 <= pdf_pages(path) <= 30
    text = pdf_text(path)
    for title in SECTIONS:
        assert title in text, title
    assert f"fiscal year {network['year']}" in text.lower()
    totals = network["raw"][None].network
    assert money(totals["addressable_spend"]) in text  # the headline is the indicator's figure
    assert "suppressed" in text


def test_no_printed_figure_reveals_a_small_cell(network: dict) -> None:  # type: ignore[type-arg]
    """Every cell the rule hides (fewer than 5 suppliers, or one over 70 %) is named but has no
    amount anywhere in the PDF or the workbook; no hidden cell can be recovered from the total."""
    raw = network["raw"]
    text = pdf_text(network["out"] / "network.pdf")
    book = openpyxl.load_workbook(network["out"] / "network.xlsx")
    numbers = {
        round(float(c), 2)
        for sheet in book
        for row in sheet.iter_rows(values_only=True)
        for c in row
        if isinstance(c, int | float)
    }
    checked = 0
    for dimension in ("anchor", "category", "neighbourhood"):
        for cell in _hidden_cells(raw, dimension):
            spend = cell["addressable_spend"]
            if abs(spend) < 1000:  # short numbers occur by chance (page numbers, counts)
                continue
            checked += 1
            assert money(spend) not in text, (dimension, cell[dimension])
            assert round(float(spend), 2) not in numbers, (dimension, cell[dimension])
    assert checked > 0, "the demo should have small cells for this test to mean something"

    root = network["root"]
    with Workspace.open(root) as ws:
        from anchorkit.views.store import Store

        store = Store(ws)
        report = build_report(store, year=network["year"])
        store.close()
    total = report.headline["addressable_spend"]
    for rows, key in ((report.by_category, "category"), (report.by_anchor, "anchor")):
        hidden = [r for r in rows if r["suppressed"]]
        assert len(hidden) != 1, key  # one hidden cell would be total minus the rest
        if hidden:
            visible = sum(r["addressable_spend"] for r in rows if not r["suppressed"])
            truth = {r[key]: r["addressable_spend"] for r in raw[key].rows}
            assert all(abs(total - visible - truth[r[key]]) > 1 for r in hidden)
        assert all(r.get("top_suppliers") is None for r in rows)


def test_network_workbook_has_sheets_charts_formats_and_definitions(network: dict) -> None:  # type: ignore[type-arg]
    path = network["out"] / "network.xlsx"
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == [
        "Summary",
        "Trend",
        "By category",
        "By anchor",
        "By neighbourhood",
        "Impact",
        "Hiring and investment",
        "Opportunities",
        "Data quality",
        "Definitions",
    ]
    for name in book.sheetnames:
        assert book[name].freeze_panes is not None, name
    sheet = book["By category"]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["Category", "Addressable spend", "Local spend"]
    first = sheet[2]
    assert isinstance(first[1].value, float) and first[1].number_format == "#,##0"
    assert first[3].number_format == "0.0%"
    visible = {r["category"]: r for r in network["raw"]["category"].rows}
    assert abs(first[1].value - float(visible[first[0].value]["addressable_spend"])) < 0.01
    terms = [row[0] for row in book["Definitions"].iter_rows(min_row=2, values_only=True)]
    assert "Local share" in terms and "Suppressed cell" in terms
    with zipfile.ZipFile(path) as z:  # openpyxl drops charts on load: read the XML
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
        refs = " ".join(z.read(n).decode() for n in charts)
    assert len(charts) == 4  # trend, category, anchor, neighbourhood
    for name in ("Trend", "By category", "By anchor", "By neighbourhood"):
        assert re.search(rf"'?{name}'?!\$B\$2", refs), name


def test_an_anchor_scorecard(demo_template: Path, tmp_path: Path) -> None:
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    with Workspace.open(root) as ws:
        name, anchor_id = ws.engine.query_one(
            "first", "SELECT name, anchor_id FROM anchor ORDER BY anchor_id LIMIT 1"
        )
        years = [y for (y,) in ws.engine.query("y", "SELECT DISTINCT fiscal_year FROM spend_line")]
        year = min(years)
        own = compute_breakdowns(ws, (), anchor=name, year=year)[None].network
    runner = CliRunner()
    out = tmp_path / "scorecard.pdf"
    args = ["-w", str(root), "report", "--anchor", name, "--year", str(year), "--out", str(out)]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert pdf_pages(out) >= 6
    text = pdf_text(out)
    assert f"{name}: scorecard" in text.replace("\n", " ") or name in text
    assert money(own["addressable_spend"]) in text  # its own figures in full
    assert "Spend by anchor" not in text  # other anchors are not broken down
    # a year with no spend, and an unknown anchor: one clear line each, no traceback
    bad = runner.invoke(app, [*args[:-4], "--year", "1999", "--out", str(out)])
    assert bad.exit_code != 0 and "no spend for fiscal year 1999" in bad.output
    assert "Traceback" not in bad.output
    html = tmp_path / "scorecard.html"
    result = runner.invoke(app, ["-w", str(root), "report", "--anchor", name, "--out", str(html)])
    assert result.exit_code == 0, result.output
    page = html.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<svg" in page


def test_dashboard_downloads_follow_the_page_rules(site: Site) -> None:
    own, other = site.anchors["own"], site.anchors["other"]
    with site.client("anchor") as client:
        pdf = client.get("/reports/network.pdf")
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
        assert pdf.headers["content-type"] == "application/pdf"
        assert "attachment" in pdf.headers["content-disposition"]
        book = client.get(f"/anchors/{own}/report.xlsx")
        assert book.status_code == 200
        sheets = openpyxl.load_workbook(BytesIO(book.content)).sheetnames
        assert sheets[0] == "Summary" and "By anchor" not in sheets  # a scorecard: one anchor
        with zipfile.ZipFile(BytesIO(book.content)) as z:
            assert len([n for n in z.namelist() if n.startswith("xl/charts/chart")]) == 3
        assert client.get(f"/anchors/{other}/report.pdf").status_code == 403
        assert client.get(f"/anchors/{other}/report.xlsx").status_code == 403
        assert client.get("/reports/network.doc").status_code == 400
        page = client.get(f"/anchors/{own}").text
        assert f"/anchors/{own}/report.pdf" in page
    with site.client("admin") as client:
        audit = client.get("/audit").text
        assert "report" in audit


def test_a_publication_names_no_supplier(fresh_site: Site) -> None:
    """The published snapshot (public API) carries aggregates only: no supplier names, and not
    the largest supplier's share, which times a cell's total would be that supplier's sales."""
    site = fresh_site
    with site.client("admin") as client:
        assert client.post("/publish", data={"csrf_token": client.csrf}).status_code in (200, 303)
    with site.client("public") as public:
        published = public.get("/api/v1/published").json()
    text = repr(published)
    assert "top_suppliers': [" not in text
    assert re.search(r"'top_supplier_share': \d", text) is None
    with site.client("anchor") as client:
        network = client.get("/api/v1/indicators").json()
    own = site.anchors["own"]
    others = [network["network"], *network["by"]["category"], *network["by"]["neighbourhood"]]
    others += [r for r in network["by"]["anchor"] if r["anchor_id"] != own]
    assert all(r.get("top_supplier_share") is None for r in others)
    assert all(not r.get("top_suppliers") for r in others)

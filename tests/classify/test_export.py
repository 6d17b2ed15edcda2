"""``anchorkit export lines``: every line with its category, streamed, safe to open in Excel."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from anchorkit.classify import classify
from anchorkit.classify import export as export_module
from anchorkit.classify.export import COLUMNS, export_lines, safe_cell
from anchorkit.cli import app
from anchorkit.errors import CategoryError
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ingest_one, write

# cells a spreadsheet would run as formulas, written for this test
SPEND = (
    "Supplier,Amount,Date,Category,Description\n"
    "Toronto Hydro,100.00,2023-04-10,Utilities,Hydro electric\n"
    '"=HYPERLINK(""http://x"")",-25.50,2023-04-11,Stationery,+44 20 7946 0000\n'
    "@Acme,80.00,2023-05-12,GL 52310,-5 widgets\n"
    "Enbridge,50.00,2023-05-10,Utilities,Natural gas\n"
    "Sparkle Ltd,70.00,2023-05-11,Janitorial Svcs,Monthly\n"
)


@pytest.fixture
def classified(ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Workspace:
    ingest_one(ws, write(tmp_path, "spend.csv", SPEND))
    classify(ws)
    monkeypatch.setattr(export_module, "CHUNK_LINES", 2)  # three slices of five lines: a stream
    return ws


def test_csv_has_every_line_and_no_formula(classified: Workspace, tmp_path: Path) -> None:
    result = export_lines(classified, tmp_path / "lines.csv")
    assert result.lines == 5
    with (tmp_path / "lines.csv").open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == COLUMNS
    assert [int(r["line_id"]) for r in rows] == sorted(int(r["line_id"]) for r in rows)
    by_supplier = {r["supplier"]: r for r in rows}
    gas = by_supplier["Enbridge"]
    assert (gas["category_code"], gas["level1"], gas["level2"]) == ("371100", "Utilities", "Gas")
    assert gas["method"] == "rule" and 0 < float(gas["confidence"]) <= 1
    assert gas["amount"] == "50.00" and gas["date"] == "2023-05-10"
    assert gas["raw_category"] == "Utilities" and gas["description"] == "Natural gas"
    assert gas["file_id"] and gas["source_row"] and gas["anchor"] == "Test Hospital"
    risky = [v for r in rows for k, v in r.items() if k in ("supplier", "description")]
    assert all(not v.startswith(("=", "+", "-", "@")) for v in risky)
    assert '\'=HYPERLINK("http://x")' in risky and "'@Acme" in risky and "'-5 widgets" in risky
    assert by_supplier['\'=HYPERLINK("http://x")']["amount"] == "-25.50"  # a number stays one


def test_xlsx_cells_are_text_not_formulas(classified: Workspace, tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    export_lines(classified, tmp_path / "lines.xlsx")
    sheet = openpyxl.load_workbook(tmp_path / "lines.xlsx").active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == COLUMNS and len(rows) == 6
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert "'@Acme" in texts and all(not t.startswith(("=", "+", "@")) for t in texts)
    assert -25.5 in [c.value for c in cells]


def test_parquet_keeps_types(classified: Workspace, tmp_path: Path) -> None:
    export_lines(classified, tmp_path / "lines.parquet")
    table = pq.read_table(tmp_path / "lines.parquet")
    assert table.num_rows == 5 and tuple(table.column_names) == COLUMNS
    assert str(table.schema.field("amount").type) == "decimal128(18, 2)"
    assert "=HYPERLINK" in " ".join(table.column("supplier").to_pylist())  # not a spreadsheet


def test_cli_and_refusals(classified: Workspace, tmp_path: Path) -> None:
    out = tmp_path / "out" / "lines.csv"
    result = CliRunner().invoke(
        app,
        ["--workspace", str(classified.root), "export", "lines", "--out", str(out), "--json"],
    )
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"path": str(out), "lines": 5, "format": "csv"}
    with pytest.raises(CategoryError, match=r"\.csv, \.xlsx, \.parquet"):
        export_lines(classified, tmp_path / "lines.json")
    assert safe_cell("\tx") == "'\tx" and safe_cell("plain") == "plain"

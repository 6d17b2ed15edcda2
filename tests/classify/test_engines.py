"""Classification runs the same on DuckDB and on Spark: the same categories, export and explanation."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq

from anchorkit.classify import classify, explain_line
from anchorkit.classify.export import export_lines
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ingest_one, write

SPEND = (
    "Supplier,Amount,Date,Category,Description,Cost Centre\n"
    "Toronto Hydro,100.00,2023-04-10,Utilities,Hydro electric,Facilities\n"
    "Toronto Hydro,110.00,2023-05-10,Utilities,Hydro electric,Facilities\n"
    "Toronto Hydro,90.00,2023-06-10,GL 52310,,Facilities\n"
    "Enbridge,50.00,2023-05-10,Utilities,Natural gas,\n"
    "Upton Parish Council,400.00,2023-05-14,Parish precept,First half,\n"
    "Dee Civils Ltd,9000.00,2023-05-15,Capital works,Water main renewal,Highways\n"
    "Acme,80.00,2023-05-12,,,\n"
)
EXPECTED_FAMILIES = {
    "Hydro electric": "Utilities",
    "Natural gas": "Utilities",
    "First half": "Not a Purchase",
    "Water main renewal": "Works - Construction, Repair & Maintenance",
}


def test_classify_on_each_engine(engine_ws: Workspace, tmp_path: Path) -> None:
    ws = engine_ws
    ingest_one(ws, write(tmp_path, "spend.csv", SPEND))
    result = classify(ws)
    assert result.lines == 7 and result.not_a_purchase_spend == "400.00"
    rows = ws.engine.query(
        "t",
        "SELECT s.description, s.raw_category, c.level1, c.method, s.category = c.code "
        "FROM spend_line s JOIN line_category c USING (line_id) ORDER BY s.line_id",
    )
    got = {r[0]: r[2] for r in rows if r[0]}
    assert got == EXPECTED_FAMILIES
    # the line that says nothing is read from its supplier's other lines
    (quiet,) = [r for r in rows if r[1] == "GL 52310"]
    assert (quiet[2], quiet[3]) == ("Utilities", "supplier")
    assert all(r[4] for r in rows if r[2] is not None)  # the code also on the ledger line
    export_lines(ws, tmp_path / "lines.parquet")
    table = pq.read_table(tmp_path / "lines.parquet")
    assert table.num_rows == 7
    (gas,) = ws.engine.query_one(
        "t", "SELECT line_id FROM spend_line WHERE description = 'Natural gas'"
    )
    assert explain_line(ws, gas)["code"] == "371100"

"""Real public spend files ingest with no hand-written mapping, to the penny.

The flattened CSVs beside the original XLSX files (made by whoever collected them, see SOURCE.md)
are the independent check: for every file, the loaded lines must match them line for line in
count, total and per-date totals.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from anchorkit.ingest import ingest_files, list_rejects
from anchorkit.workspace import Workspace

LANCS = "uk-lancashire-fire-police-spend"
FLAT = {
    "fire": "lancashire_fire_rescue_spend.csv",
    "pcc": "lancashire_police_crime_commissioner_spend.csv",
}


def _by_date(rows: list[tuple[object, object, object]]) -> dict[str, tuple[Decimal, int]]:
    return {str(d): (Decimal(str(s)), int(n)) for d, s, n in rows}


@pytest.mark.slow
def test_lancashire_xlsx_files_match_the_flattened_csvs(tmp_path: Path, shared_data: Path) -> None:
    folder = shared_data / LANCS
    ws = Workspace.init(tmp_path / "ws", settings={"currency": "GBP"})
    ws.add_anchor("Lancashire Fire and Rescue", "agency")
    ws.add_anchor("Lancashire Police and Crime Commissioner", "agency")
    files = sorted((folder / "xlsx").glob("*.xlsx"))
    assert len(files) == 13
    for path in files:
        anchor = (
            "Lancashire Fire and Rescue"
            if path.name.startswith("fire")
            else ("Lancashire Police and Crime Commissioner")
        )
        (result,) = ingest_files(ws, [path], anchor)
        assert result.error is None, result.error
        assert result.rows_read == result.rows_loaded + result.rows_rejected
        assert result.rows_rejected == 0, (path.name, result.notes)
        flat = folder / FLAT[path.name.split("-")[0]]
        expected = duckdb.sql(
            f"SELECT date, sum(amount_gbp::DECIMAL(18,2)), count(*) FROM read_csv('{flat}') "
            f"WHERE source_file = '{path.name}' GROUP BY date"
        ).fetchall()
        got = ws.engine.query(
            "t",
            "SELECT paid_on, sum(amount), count(*) FROM spend_line WHERE file_id = ? GROUP BY paid_on",
            [result.file_id],
        )
        assert result.rows_loaded == sum(n for _, _, n in expected), path.name
        assert _by_date(got) == _by_date(expected), path.name
        assert all(
            c == "GBP"
            for (c,) in ws.engine.query(
                "t", "SELECT DISTINCT currency FROM spend_line WHERE file_id = ?", [result.file_id]
            )
        )
    ws.close()


@pytest.mark.slow
def test_toronto_bids_awarded(tmp_path: Path, shared_data: Path) -> None:
    """707 awards; two cannot be spend lines, and the test names them row by row."""
    path = shared_data / "ca-toronto-bids-awarded" / "toronto_bids_awarded_contracts.csv"
    ws = Workspace.init(tmp_path / "ws", settings={"currency": "CAD"})
    ws.add_anchor("City of Toronto", "municipality")
    (result,) = ingest_files(ws, [path], "City of Toronto")
    assert result.error is None, result.error
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (707, 705, 2)
    # the two rejected rows, explained: a unit rate is not a spend amount, and 'NA' is no date
    rejects = {r.source_row: (r.raw_cells["_id"], r.reasons) for r in list_rejects(ws)}
    assert set(rejects) == {438, 510}
    assert rejects[438][0] == "437" and "31.65/MT" in rejects[438][1][0]
    assert rejects[510][0] == "509" and "'NA'" in rejects[510][1][0]
    # everything else, including '$330,000 CAD' and '$982, 900', loads to the cent
    (expected,) = duckdb.sql(
        "SELECT sum(regexp_replace(\"Awarded Amount\", '[$, ]|CAD', '', 'g')::DECIMAL(18,2)) "
        f"FROM read_csv('{path}', all_varchar = true) WHERE _id NOT IN ('437', '509')"
    ).fetchall()
    (total,) = ws.engine.query_one("t", "SELECT sum(amount) FROM spend_line")
    assert total == expected[0]
    columns = result.columns[0]["columns"]
    assert columns["supplier_name"] == "Successful Supplier"
    assert columns["amount"] == "Awarded Amount"
    assert columns["paid_on"] == "Award Date"
    assert columns["raw_category"] == "High Level Category"
    assert columns["cost_centre"] == "Division"
    assert "Buyer Name" not in columns.values()
    ws.close()

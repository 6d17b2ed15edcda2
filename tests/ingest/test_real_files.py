"""Toronto's awarded contracts ingest with no hand-written mapping, to the penny, and the two
rows that cannot be spend lines are rejected with their reasons (the other real files, one test
each, are in test_corpus.py)."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from anchorkit.ingest import ingest_files, list_rejects
from anchorkit.workspace import Workspace


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
    assert columns["department"] == "Division"
    assert "Buyer Name" not in columns.values()
    ws.close()

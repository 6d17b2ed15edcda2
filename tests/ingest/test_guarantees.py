"""The ledger's promises: nothing lost, nothing counted twice, all or nothing, clear errors."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit import source_files
from anchorkit.cli import app
from anchorkit.ingest import ingest_files, list_rejects, load
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ANCHOR, ingest_one, store_snapshot, write

MESSY = (
    "Supplier,Amount,Date\n"
    "A Ltd,10.00,2023-04-03\n"
    ",5.00,2023-04-03\n"
    "C Ltd,N/A,31/02/2023\n"
    "D Ltd,7.00,2023-04-05\n"
)


def test_every_row_is_loaded_or_rejected_with_its_reasons(
    engine_ws: Workspace, tmp_path: Path
) -> None:
    ws = engine_ws
    path = write(tmp_path, "messy.csv", MESSY)
    result = ingest_one(ws, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (4, 2, 2)
    rows = list_rejects(ws)
    assert [(r.file, r.source_row) for r in rows] == [("messy.csv", 3), ("messy.csv", 4)]
    assert rows[0].reasons == ["supplier is empty"]
    assert len(rows[1].reasons) == 2  # amount and date, both reported at once
    assert rows[1].raw_cells == {"Supplier": "C Ltd", "Amount": "N/A", "Date": "31/02/2023"}
    assert list_rejects(ws, file_id=result.file_id[:10]) == rows  # type: ignore[index]


def test_reingest_is_a_no_op(engine_ws: Workspace, tmp_path: Path) -> None:
    ws = engine_ws
    path = write(tmp_path, "messy.csv", MESSY)
    first = ingest_one(ws, path)
    before = store_snapshot(ws)
    copy = write(tmp_path, "renamed-copy.csv", MESSY)  # same bytes, other name: same file
    again = ingest_files(ws, [path, copy], ANCHOR)
    assert [r.already_loaded for r in again] == [True, True]
    assert [r.file_id for r in again] == [first.file_id, first.file_id]
    assert again[0].rows_loaded == first.rows_loaded
    assert store_snapshot(ws) == before


@pytest.mark.parametrize(
    ("engine", "step"),
    [
        *(("duckdb", step) for step in ("source_file", "spend_line", "rejected_row", "commit")),
        # on Spark: after the lines' Parquet files are staged, before the commit moves them in
        pytest.param("spark", "rejected_row", marks=pytest.mark.spark),
    ],
    indirect=["engine"],
)
def test_a_crash_mid_file_leaves_the_store_as_it_was(
    engine_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    ws = engine_ws
    ingest_one(ws, write(tmp_path, "first.csv", "Supplier,Amount,Date\nZ Ltd,1.00,2023-04-01\n"))
    before = store_snapshot(ws)

    def crash(at: str) -> None:
        if at == step:
            raise RuntimeError(f"injected fault at {at}")

    monkeypatch.setattr(source_files, "FAULT_HOOK", crash)
    with pytest.raises(RuntimeError, match="injected fault"):
        load.ingest_file(ws, write(tmp_path, "messy.csv", MESSY), ws.anchor(ANCHOR))
    assert store_snapshot(ws) == before
    monkeypatch.setattr(source_files, "FAULT_HOOK", None)
    # and the same file loads cleanly afterwards
    assert ingest_one(ws, tmp_path / "messy.csv").rows_loaded == 2


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("broken.xlsx", b"PK\x03\x04 this is not really a zip", "cannot be opened"),
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("empty.csv", b"", "empty"),
        ("nocolumns.csv", b"colour,shape\nred,round\nblue,square\n", "cannot find"),
    ],
)
def test_an_unreadable_file_gets_one_clear_message_and_the_others_still_load(
    ws: Workspace, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    bad = tmp_path / name
    bad.write_bytes(content)
    good = write(tmp_path, "good.csv", "Supplier,Amount,Date\nA Ltd,1.00,2023-04-01\n")
    results = ingest_files(ws, [bad, good], ANCHOR)
    assert results[0].error is not None and message in results[0].error
    assert "Traceback" not in results[0].error
    assert results[1].error is None and results[1].rows_loaded == 1


def test_a_real_zip_that_is_not_a_workbook(ws: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "archive.xlsx"
    with zipfile.ZipFile(bad, "w") as z:
        z.writestr("hello.txt", "hi")
    (result,) = ingest_files(ws, [bad], ANCHOR)
    assert result.error and "archive.xlsx" in result.error


def test_cli_ingest_json_and_exit_code(ws: Workspace, tmp_path: Path) -> None:
    good = write(tmp_path, "good.csv", MESSY)
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(b"PK\x03\x04 nope")
    ws_path = str(ws.root)
    ws.close()
    runner = CliRunner()
    args = ["--workspace", ws_path, "ingest", str(good), str(bad), "--anchor", ANCHOR, "--json"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1
    data = json.loads(result.stdout)
    assert [
        set(d)
        >= {
            "file",
            "file_id",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "already_loaded",
            "error",
        }
        for d in data
    ] == [True, True]
    assert (data[0]["rows_read"], data[0]["rows_loaded"], data[0]["rows_rejected"]) == (4, 2, 2)
    assert data[0]["already_loaded"] is False and data[0]["error"] is None
    assert data[1]["error"] and data[1]["file_id"] is None
    again = json.loads(runner.invoke(app, args[:-1] + ["--json"]).stdout)
    assert again[0]["already_loaded"] is True
    rejects = runner.invoke(app, ["--workspace", ws_path, "rejects", "--csv"])
    assert rejects.exit_code == 0
    assert rejects.stdout.count("good.csv") == 2


def test_cli_unknown_anchor_is_one_clear_line(ws: Workspace, tmp_path: Path) -> None:
    good = write(tmp_path, "good.csv", MESSY)
    ws_path = str(ws.root)
    ws.close()
    result = CliRunner().invoke(
        app, ["--workspace", ws_path, "ingest", str(good), "--anchor", "Nobody"]
    )
    assert result.exit_code == 1
    assert "There is no anchor called 'Nobody'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)

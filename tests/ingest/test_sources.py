"""Loaded files can be listed, removed and re-read, all or nothing, on both engines; stored
values derived from a setting follow the setting."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anchorkit import source_files
from anchorkit.cli import app
from anchorkit.engine import Engine
from anchorkit.errors import SourceError
from anchorkit.ingest import UserMapping, ingest_files, list_sources, load, remove_source
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ANCHOR, ingest_one, lines, store_snapshot, write

FIRST = (
    "Supplier,Amount,Date,Expense Type,Service\n"
    "A Ltd,10.00,2023-04-03,Cleaning,Wards\n"
    ",5.00,2023-04-03,Cleaning,Wards\n"
    "B Ltd,7.00,2023-03-05,Catering,Kitchens\n"
)
SECOND = "Supplier,Amount,Date\nC Ltd,1.00,2023-05-01\nD Ltd,2.00,2023-05-02\n"


def _store(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    snapshot = store_snapshot(ws)
    snapshot["line_category"] = ws.engine.query("t", "SELECT * FROM line_category ORDER BY ALL")
    return snapshot


def _classify_lines(ws: Workspace) -> None:
    """Stand-in for classify: one line_category row per line."""
    ws.engine.run(
        "t",
        "INSERT INTO line_category SELECT line_id, NULL, NULL, NULL, 'none', 0.0, 'test' "
        "FROM spend_line",
    )


def _two_files(ws: Workspace, tmp_path: Path) -> tuple[str, str]:
    first = ingest_one(ws, write(tmp_path, "first.csv", FIRST))
    second = ingest_one(ws, write(tmp_path, "second.csv", SECOND))
    assert first.file_id and second.file_id
    _classify_lines(ws)
    return first.file_id, second.file_id


def test_remove_takes_a_file_and_all_it_gave(engine_ws: Workspace, tmp_path: Path) -> None:
    ws = engine_ws
    first, second = _two_files(ws, tmp_path)
    assert [s.name for s in list_sources(ws)] == ["first.csv", "second.csv"]
    kept = ws.engine.query("t", "SELECT line_id FROM spend_line WHERE file_id = ?", [second])
    removed = remove_source(ws, first[:8])
    assert (removed.name, removed.rows_loaded, removed.rows_rejected) == ("first.csv", 2, 1)
    assert [s.file_id for s in list_sources(ws)] == [second]
    assert {r["supplier_name"] for r in lines(ws)} == {"C Ltd", "D Ltd"}
    assert ws.engine.query("t", "SELECT count(*) FROM rejected_row") == [(0,)]
    assert ws.engine.query("t", "SELECT line_id FROM line_category ORDER BY 1") == sorted(kept)
    with pytest.raises(SourceError, match="No loaded file"):
        remove_source(ws, first[:8])


def test_a_crash_mid_removal_leaves_the_store_as_it_was(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DuckDB here; the Spark engine's transactions are tested by ingest's own crash test."""
    first, _ = _two_files(ws, tmp_path)
    before = _store(ws)
    real = type(ws.engine).run

    def run(self: Engine, step: str, sql: str, params: Any = None) -> None:
        if step == "remove_source_file":
            raise RuntimeError("injected fault")
        real(self, step, sql, params)

    monkeypatch.setattr(type(ws.engine), "run", run)
    with pytest.raises(RuntimeError, match="injected fault"):
        remove_source(ws, first)
    monkeypatch.undo()
    assert _store(ws) == before


def test_an_ambiguous_or_short_id_is_refused(ws: Workspace, tmp_path: Path) -> None:
    _two_files(ws, tmp_path)
    with pytest.raises(SourceError, match="too short"):
        remove_source(ws, "ab")


def test_replace_rereads_a_file_with_a_new_mapping(engine_ws: Workspace, tmp_path: Path) -> None:
    ws = engine_ws
    path = write(tmp_path, "first.csv", FIRST)
    first = ingest_one(ws, path)
    assert {r["raw_category"] for r in lines(ws)} == {"Cleaning", "Catering"}
    _classify_lines(ws)
    mapping = UserMapping(columns={"raw_category": "Service", "description": "Expense Type"})
    (again,) = ingest_files(ws, [path], ANCHOR, mapping=mapping, replace=True)
    assert again.error is None and again.replaced
    assert (again.file_id, again.rows_loaded, again.rows_rejected) == (first.file_id, 2, 1)
    got = lines(ws)
    assert {(r["raw_category"], r["description"]) for r in got} == {
        ("Wards", "Cleaning"),
        ("Kitchens", "Catering"),
    }
    assert [s.name for s in list_sources(ws)] == ["first.csv"]
    assert ws.engine.query("t", "SELECT count(*) FROM rejected_row") == [(1,)]
    assert ws.engine.query("t", "SELECT count(*) FROM line_category") == [(0,)]  # classify anew


@pytest.mark.parametrize("step", ["replace", "spend_line", "commit"])
def test_a_crash_mid_replace_leaves_the_store_as_it_was(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = write(tmp_path, "first.csv", FIRST)
    ingest_one(ws, path)
    before = _store(ws)

    def crash(at: str) -> None:
        if at == step:
            raise RuntimeError(f"injected fault at {at}")

    monkeypatch.setattr(source_files, "FAULT_HOOK", crash)
    mapping = UserMapping(columns={"raw_category": "Service"})
    with pytest.raises(RuntimeError, match="injected fault"):
        load.ingest_file(ws, path, ws.anchor(ANCHOR), mapping=mapping, replace=True)
    assert _store(ws) == before


def test_replace_needs_a_loaded_file(ws: Workspace, tmp_path: Path) -> None:
    (result,) = ingest_files(ws, [write(tmp_path, "new.csv", SECOND)], ANCHOR, replace=True)
    assert result.error and "not" in result.error and "--replace" in result.error
    assert list_sources(ws) == []


def test_cli_source_list_and_remove(ws: Workspace, tmp_path: Path) -> None:
    first, _ = _two_files(ws, tmp_path)
    root = str(ws.root)
    ws.close()
    runner = CliRunner()
    listed = json.loads(runner.invoke(app, ["-w", root, "source", "list", "--json"]).stdout)
    assert [(s["name"], s["rows_loaded"], s["amount"]) for s in listed] == [
        ("first.csv", 2, "17.00"),
        ("second.csv", 2, "3.00"),
    ]
    assert listed[0]["mapping"][0]["fields"]["raw_category"]["header"] == "Expense Type"
    gone = runner.invoke(app, ["-w", root, "source", "remove", first[:10], "--json"])
    assert gone.exit_code == 0, gone.output
    assert json.loads(gone.stdout)["removed"]["name"] == "first.csv"
    again = runner.invoke(app, ["-w", root, "source", "remove", first[:10]])
    assert again.exit_code == 1 and "No loaded file" in again.output


def test_fiscal_year_follows_the_setting(
    engine_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Changing fiscal_year.start re-derives every stored line's fiscal year when the workspace
    next opens (the setting is in anchorkit.toml or, here, the environment)."""
    ws = engine_ws
    ingest_one(ws, write(tmp_path, "first.csv", FIRST))
    root = ws.root

    def years(workspace: Workspace) -> dict[dt.date, int]:
        return dict(workspace.engine.query("t", "SELECT paid_on, fiscal_year FROM spend_line"))

    assert years(ws) == {dt.date(2023, 4, 3): 2023, dt.date(2023, 3, 5): 2022}
    ws.close()
    monkeypatch.setenv("ANCHORKIT_FISCAL_YEAR__START", "01-01")
    with Workspace.open(root) as calendar:
        assert years(calendar) == {dt.date(2023, 4, 3): 2023, dt.date(2023, 3, 5): 2023}
    monkeypatch.setenv("ANCHORKIT_FISCAL_YEAR__START", "04-01")
    with Workspace.open(root) as back:
        assert years(back) == {dt.date(2023, 4, 3): 2023, dt.date(2023, 3, 5): 2022}


def test_a_file_read_under_a_setting_since_changed_is_flagged(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No date proves day-first, so the file was read with the setting's order; after the
    setting changes, `source list` says the file's dates were read the old way."""
    text = "Supplier,Amount,Date\nA Ltd,10.00,03/04/2023\nB Ltd,5.00,05/06/2023\n"
    ingest_one(ws, write(tmp_path, "ambiguous.csv", text))
    root = ws.root
    ws.close()
    monkeypatch.setenv("ANCHORKIT_INGEST__DATE_ORDER", "mdy")
    with Workspace.open(root) as later:
        (source,) = list_sources(later)
    assert source.stale == {"ingest.date_order": "read with 'dmy', now 'mdy'"}
    shown = CliRunner().invoke(app, ["-w", str(root), "source", "list"], env={"COLUMNS": "200"})
    assert "ingest.date_order read with 'dmy', now 'mdy'" in shown.stdout
    assert "--replace" in shown.stdout

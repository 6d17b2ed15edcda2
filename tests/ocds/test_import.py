"""OCDS in: every shape read, every award loaded or rejected with its pointer, ledger promises kept."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anchorkit import source_files
from anchorkit.cli import app
from anchorkit.ingest import ingest_files, list_rejects, load
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ANCHOR, ingest_one, store_snapshot
from tests.ocds.helpers import (
    CF_DIR,
    CF_PACKAGE,
    FICTIONAL_DIR,
    expected_from_csv,
    load_json,
    resolve_pointer,
)


def _snapshot(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    snap = store_snapshot(ws)
    snap["ocds_award"] = ws.engine.query("t", "SELECT * FROM ocds_award ORDER BY ALL")
    return snap


def test_contracts_finder_loads_what_the_csv_says(ws: Workspace, shared_data: Path) -> None:
    expected = expected_from_csv(shared_data)
    result = ingest_one(ws, shared_data / CF_DIR / CF_PACKAGE)
    assert result.format == "ocds-release-package"
    assert result.rows_read == expected.awards_in_file == 147
    assert result.rows_loaded == expected.awards == 142
    assert result.rows_rejected == expected.superseded + expected.unnamed == 5
    (lines, total, refs, sme, vcse) = ws.engine.query_one(
        "t",
        "SELECT count(*), sum(s.amount), list(DISTINCT s.supplier_ref) FILTER "
        "(WHERE s.supplier_ref LIKE 'GB-COH-%'), count(*) FILTER (WHERE o.scale = 'sme'), "
        "count(*) FILTER (WHERE o.vcse) FROM spend_line s JOIN ocds_award o USING (line_id)",
    )
    assert lines == expected.lines == 262
    assert total == expected.total == Decimal("964040552.86")
    assert set(refs) == expected.gb_coh
    assert (sme, vcse) == (expected.sme, expected.vcse) == (79, 8)
    # an award's value split between its suppliers adds up to the award, to the cent
    (awards, award_total) = ws.engine.query_one(
        "t", "SELECT count(*), sum(v) FROM (SELECT DISTINCT pointer, award_value v FROM ocds_award)"
    )
    assert (awards, award_total) == (expected.awards, expected.total)


def test_contracts_finder_rejects_point_into_the_file(ws: Workspace, shared_data: Path) -> None:
    path = shared_data / CF_DIR / CF_PACKAGE
    ingest_one(ws, path)
    package = load_json(path)
    rejects = list_rejects(ws)
    reasons = sorted(r.reasons[0].split(" at ")[0] for r in rejects)
    assert reasons == ["superseded by a later release of the same award"] * 4 + [
        "supplier 1 has no name"
    ]
    for row in rejects:
        assert row.sheet is not None and row.sheet.startswith("/releases/")
        award = resolve_pointer(package, row.sheet)
        assert award["id"] == row.raw_cells["id"]
        if row.reasons[0].startswith("superseded"):
            winner = resolve_pointer(package, row.reasons[0].split(" at ")[1])
            assert winner["id"] == award["id"]


def test_contracts_finder_fields_map_onto_a_spend_line(ws: Workspace, shared_data: Path) -> None:
    path = shared_data / CF_DIR / CF_PACKAGE
    ingest_one(ws, path)
    release = load_json(path)["releases"][0]
    award = release["awards"][0]
    row = ws.engine.query_one(
        "t",
        "SELECT sheet, supplier_name, supplier_ref, supplier_postcode, amount, currency, paid_on, "
        "fiscal_year, description, raw_category, transaction_ref FROM spend_line "
        "WHERE sheet = '/releases/0/awards/0/suppliers/0'",
    )
    assert row == (
        "/releases/0/awards/0/suppliers/0",
        award["suppliers"][0]["name"],  # Marstons holdings plc: no Companies House number given
        None,
        "EC3N 2LB",  # from the end of the street address (the feed leaves postalCode empty)
        Decimal(award["value"]["amount"]).quantize(Decimal("0.01")),
        "GBP",
        dt.date(2024, 12, 22),
        2024,
        release["tender"]["title"],
        "CPV 63712400: Parking services",
        award["id"],
    )
    facts = ws.engine.query_one(
        "t",
        "SELECT ocid, release_id, award_id, buyer_name, scale, vcse FROM ocds_award "
        "WHERE pointer = '/releases/0/awards/0'",
    )
    assert facts == (
        release["ocid"],
        release["id"],
        award["id"],
        "London Borough of Merton",
        "large",
        False,
    )


def test_reingest_is_a_no_op(ws: Workspace, shared_data: Path) -> None:
    path = shared_data / CF_DIR / CF_PACKAGE
    first = ingest_one(ws, path)
    before = _snapshot(ws)
    (again,) = ingest_files(ws, [path], ANCHOR)
    assert again.already_loaded and again.rows_loaded == first.rows_loaded
    assert _snapshot(ws) == before


@pytest.mark.parametrize(
    "step", ["source_file", "spend_line", "ocds_award", "rejected_row", "commit"]
)
def test_a_crash_mid_file_leaves_the_store_as_it_was(
    ws: Workspace, shared_data: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    ingest_one(ws, shared_data / FICTIONAL_DIR / "ocds-213czf-000-00001-04-award.json")
    before = _snapshot(ws)

    def crash(at: str) -> None:
        if at == step:
            raise RuntimeError(f"injected fault at {at}")

    monkeypatch.setattr(source_files, "FAULT_HOOK", crash)
    path = shared_data / CF_DIR / CF_PACKAGE
    with pytest.raises(RuntimeError, match="injected fault"):
        load.ingest_file(ws, path, ws.anchor(ANCHOR))
    assert _snapshot(ws) == before
    monkeypatch.setattr(source_files, "FAULT_HOOK", None)
    assert ingest_one(ws, path).rows_loaded == 142


def _fictional(shared_data: Path, name: str) -> Any:
    return load_json(shared_data / FICTIONAL_DIR / name)


def _write_shapes(shared_data: Path, tmp_path: Path) -> dict[str, Path]:
    """The fictional process in every shape: its release package and record package as
    published, one release alone, and its releases as JSON lines."""
    package = _fictional(shared_data, "ocds-213czf-000-00001.json")
    single = tmp_path / "single-release.json"
    single.write_text(json.dumps(package["releases"][3], default=str))
    lines = tmp_path / "releases.jsonl"
    lines.write_text("".join(json.dumps(r, default=str) + "\n" for r in package["releases"]))
    return {
        "package": shared_data / FICTIONAL_DIR / "ocds-213czf-000-00001.json",
        "record": shared_data / FICTIONAL_DIR / "record_ocds-213czf-000-00001.json",
        "single": single,
        "lines": lines,
    }


@pytest.mark.parametrize(
    ("shape", "fmt", "read", "pointer", "row", "source"),
    [
        # six releases, three carry the award: the implementation release's version wins
        ("package", "ocds-release-package", 3, "/releases/5/awards/0", 3, ("releases", 5)),
        ("record", "ocds-record-package", 1, "/records/0/compiledRelease/awards/0", 1, None),
        ("single", "ocds-release", 1, "/awards/0", 1, ("releases", 3)),
        # JSON lines: the pointer is within the line, the row is the line
        ("lines", "ocds-json-lines", 3, "/awards/0", 6, ("releases", 5)),
    ],
)
def test_every_shape_of_the_fictional_example(
    ws: Workspace,
    shared_data: Path,
    tmp_path: Path,
    shape: str,
    fmt: str,
    read: int,
    pointer: str,
    row: int,
    source: tuple[str, int] | None,
) -> None:
    path = _write_shapes(shared_data, tmp_path)[shape]
    result = ingest_one(ws, path)
    assert (result.format, result.rows_read, result.rows_loaded) == (fmt, read, 1)
    assert result.rows_rejected == read - 1  # earlier versions of the one award: superseded
    if source is None:
        release = _fictional(shared_data, "record_ocds-213czf-000-00001.json")["records"][0][
            "compiledRelease"
        ]
    else:
        package = _fictional(shared_data, "ocds-213czf-000-00001.json")
        release = package[source[0]][source[1]]
    award = release["awards"][0]
    supplier = next(p for p in release["parties"] if p["id"] == award["suppliers"][0]["id"])
    line = ws.engine.query_one(
        "t",
        "SELECT sheet, source_row, supplier_name, supplier_ref, supplier_postcode, amount, "
        "paid_on, raw_category FROM spend_line",
    )
    assert line == (
        f"{pointer}/suppliers/0",
        row,
        award["suppliers"][0]["name"],
        f"{supplier['identifier']['scheme']}-{supplier['identifier']['id']}",
        supplier["address"]["postalCode"],
        Decimal(award["value"]["amount"]),
        dt.date.fromisoformat(award["date"][:10]),
        "CPV 45233130.0: Construction work for highways",
    )


def test_an_award_already_loaded_from_another_file_is_not_counted_twice(
    ws: Workspace, shared_data: Path
) -> None:
    ingest_one(ws, shared_data / FICTIONAL_DIR / "ocds-213czf-000-00001-04-award.json")
    later = ingest_one(ws, shared_data / FICTIONAL_DIR / "ocds-213czf-000-00001-05-contract.json")
    assert (later.rows_read, later.rows_loaded, later.rows_rejected) == (1, 0, 1)
    (reject,) = [r for r in list_rejects(ws) if r.file.endswith("05-contract.json")]
    assert reject.reasons == [
        "this award was already loaded from ocds-213czf-000-00001-04-award.json; remove that "
        "file first to load this version"
    ]


def _release(awards: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "ocid": "ocds-test-1",
        "id": "r1",
        "date": "2024-05-01T00:00:00Z",
        "tag": ["award"],
        "initiationType": "tender",
        "parties": [
            {"id": "A", "name": "Alpha Ltd", "roles": ["supplier"]},
            {"id": "B", "name": "Beta Co-op", "roles": ["supplier"], "details": {"vcse": True}},
            {"id": "C", "name": "Gamma CIC", "roles": ["supplier"]},
        ],
        "awards": awards,
    }


def test_bad_awards_are_rejected_with_every_reason(ws: Workspace, tmp_path: Path) -> None:
    everyone = [{"id": p} for p in "ABC"]
    awards = [
        {"id": "ok", "date": "2024-05-01", "value": {"amount": 10, "currency": "GBP"}},
        {"id": "bad", "status": "cancelled", "value": {"amount": "ten"}},
        {"id": "nobody", "date": "2024-05-01", "value": {"amount": 5, "currency": "GBP"}},
    ]
    awards[0]["suppliers"] = everyone
    awards[1]["suppliers"] = [{"id": "Z"}]
    path = tmp_path / "release.json"
    path.write_text(json.dumps(_release(awards)))
    result = ingest_one(ws, path)
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 1, 2)
    shares = ws.engine.query("t", "SELECT supplier_name, amount FROM spend_line ORDER BY sheet")
    assert shares == [  # 10.00 between three suppliers, to the cent, adding up to 10.00
        ("Alpha Ltd", Decimal("3.34")),
        ("Beta Co-op", Decimal("3.33")),
        ("Gamma CIC", Decimal("3.33")),
    ]
    rejects = {r.sheet: r.reasons for r in list_rejects(ws)}
    assert rejects == {
        "/awards/1": [
            "award value amount 'ten' is not a number",
            "award has no date (nor a signed contract)",
            "award status is 'cancelled': not spend",
            "supplier 1 has no name",
        ],
        "/awards/2": ["award has no supplier"],
    }


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ('{"name": "not ocds"}', "JSON, but not OCDS"),
        ('{"releases": [', "not valid JSON (line 1"),
        ('{"releases": []}', "holds no releases"),
        ('{"records": [{"ocid": "x", "releases": [{"url": "u"}]}]}', "only link to releases"),
        ('{"ocid": "a"}\n{"ocid": ', "line 2 is not valid JSON"),
    ],
)
def test_unusable_json_gets_one_clear_message(
    ws: Workspace, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "notices.json"
    path.write_text(content)
    (result,) = ingest_files(ws, [path], ANCHOR)
    assert result.error is not None and message in result.error
    assert ws.engine.query_one("t", "SELECT count(*) FROM source_file") == (0,)


def test_cli_ingest_and_rejects_show_the_pointer(ws: Workspace, shared_data: Path) -> None:
    ws_path = str(ws.root)
    ws.close()
    path = shared_data / FICTIONAL_DIR / "ocds-213czf-000-00001.json"
    runner = CliRunner()
    done = runner.invoke(app, ["--workspace", ws_path, "ingest", str(path), "--anchor", ANCHOR])
    assert done.exit_code == 0, done.output
    assert "3 rows read, 1 loaded, 2 rejected" in done.output
    rejects = runner.invoke(app, ["--workspace", ws_path, "rejects", "--csv"])
    assert "/releases/3/awards/0" in rejects.stdout and "/releases/4/awards/0" in rejects.stdout

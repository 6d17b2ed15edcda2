"""The big-CSV one-table read gives exactly the rows of the general path, on every messy layout.

``readers.PYTHON_CSV_MAX_BYTES`` is lowered to 0 so that these small files take the big-file
(DuckDB) reader; each file is then ingested twice, into two fresh stores, once with the one-table
read and once with ``one_table=False`` (the general path on the same reader), and the stores must
be equal row for row: spend lines (line ids included), rejected rows with their reasons and raw
cells, the source_file record with its counts and notes. Spies on the functions that ran say which
road the one-table run took, so no test passes by quietly falling back.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from anchorkit import source_files
from anchorkit.ingest import UserMapping, load, readers
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ANCHOR, store_snapshot, write

ONE_TABLE = "one table"  # parsed while read, layout rows re-labelled
REPARSED = "general path on the one-table read"  # assumption broken: parse_rows on its cells
PYTHON = "python reader"  # blank lines or multi-line records: the exact reader, general path
GENERAL = "general path"  # the head already shows two layouts: raw cells only, then parse_rows


@pytest.fixture(autouse=True)
def big_file_reader(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "PYTHON_CSV_MAX_BYTES", 0)


@pytest.fixture
def roads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The roads taken by each ingest, as spies on the functions that mark them see it."""
    taken: list[str] = []

    def spy(module: object, name: str, road: Callable[..., str]) -> None:
        real = getattr(module, name)

        def wrapper(*args: Any, **kwargs: Any) -> Any:
            taken.append(road(*args))
            return real(*args, **kwargs)

        monkeypatch.setattr(module, name, wrapper)

    spy(readers, "_read_with_python", lambda *_: PYTHON)
    spy(load, "_keep_one_table", lambda *_: ONE_TABLE)
    spy(load, "_parse", lambda _engine, _ws, raw, *_: REPARSED if raw.typed else GENERAL)
    return taken


def _ingest(
    tmp_path: Path, path: Path, one_table: bool, mapping: UserMapping | None
) -> tuple[dict[str, Any], dict[str, list[tuple[Any, ...]]]]:
    ws = Workspace.init(
        tmp_path / f"ws-{one_table}",
        settings={"currency": "GBP", "local.postcode_prefixes": ["PR", "BB5"]},
    )
    ws.add_anchor(ANCHOR, "hospital")
    try:
        result = load.ingest_file(ws, path, ws.anchor(ANCHOR), mapping=mapping, one_table=one_table)
        assert result.rows_read == result.rows_loaded + result.rows_rejected
        outcome = {k: v for k, v in result.to_json().items() if k != "file"}
        store = store_snapshot(ws)
        store["anchor_mapping"] = ws.engine.query(
            "t", "SELECT anchor_id, signature, mapping FROM anchor_mapping ORDER BY ALL"
        )
        return outcome, store
    finally:
        load._drop_work(ws)
        ws.close()


def same_rows_both_ways(
    tmp_path: Path,
    roads: list[str],
    text: str,
    *,
    encoding: str = "utf-8",
    mapping: UserMapping | None = None,
) -> tuple[str, dict[str, Any], dict[str, list[tuple[Any, ...]]]]:
    """Ingest ``text`` both ways; assert equal stores; return the road taken, result and store."""
    path = write(tmp_path, "spend.csv", text, encoding)
    return same_file_both_ways(tmp_path, roads, path, mapping)


def same_file_both_ways(
    tmp_path: Path, roads: list[str], path: Path, mapping: UserMapping | None = None
) -> tuple[str, dict[str, Any], dict[str, list[tuple[Any, ...]]]]:
    fast, fast_store = _ingest(tmp_path, path, True, mapping)
    road = roads[-1]
    if roads[0] == PYTHON:
        assert road == GENERAL
        road = PYTHON
    general, general_store = _ingest(tmp_path, path, False, mapping)
    assert fast == general
    assert fast_store == general_store
    return road, fast, fast_store


def test_a_clean_file_is_parsed_while_read(tmp_path: Path, roads: list[str]) -> None:
    text = (
        "Supplier,Amount,Date,Description,Approver\n"
        "A Ltd,10.00,03/04/2023,Mops,Jo\n"
        "B Ltd,N/A,25/04/2023,Food,Al\n"
        ",5.00,04/04/2023,Buckets,\n"
        'D Ltd,"1,234.50",31/02/2023,"Repairs, roof",Jo\n'
        " E Ltd ,£7.00 , 05/04/2023 ,Pens,\n"
    )
    road, result, store = same_rows_both_ways(tmp_path, roads, text)
    assert road == ONE_TABLE
    assert (result["rows_read"], result["rows_loaded"], result["rows_rejected"]) == (5, 2, 3)
    assert [r[3] for r in store["rejected_row"]] == [3, 4, 5]  # source_row: the line


def test_title_rows_above_the_header(tmp_path: Path, roads: list[str]) -> None:
    text = (
        "Lakeshore General Hospital\n"
        "Payments to suppliers over £500, April 2023\n"
        "Vendor Name,Net Amount,Invoice Date,Expense Type\n"
        'Acme Cleaning Ltd,"1,500.00",2023-04-03,Cleaning\n'
        "Blue Kitchen,bad,2023-04-04,Catering\n"
    )
    road, result, _ = same_rows_both_ways(tmp_path, roads, text)
    assert road == ONE_TABLE
    assert result["rows_skipped"] == {"title": 2, "header": 1}


def test_a_row_of_empty_cells_is_blank(tmp_path: Path, roads: list[str]) -> None:
    text = "Supplier,Amount,Date\nA Ltd,1.00,2023-04-03\n,,\n , ,\nB Ltd,2.00,2023-04-04\n"
    road, result, _ = same_rows_both_ways(tmp_path, roads, text)
    assert road == ONE_TABLE
    assert result["rows_skipped"] == {"blank": 2, "header": 1}


@pytest.mark.parametrize(
    "text",
    [
        "Hospital\n\nSupplier,Amount,Date\nA Ltd,1.00,2023-04-03\n\nB Ltd,x,2023-04-04\n",
        'Supplier,Amount,Date,Note\nA Ltd,1.00,2023-04-03,"two\nlines"\nB Ltd,x,2023-04-04,\n',
    ],
    ids=["blank lines", "quoted newline"],
)
def test_blank_lines_and_multi_line_records_take_the_exact_reader(
    tmp_path: Path, roads: list[str], text: str
) -> None:
    road, _, store = same_rows_both_ways(tmp_path, roads, text)
    assert road == PYTHON
    assert [r[3] for r in store["rejected_row"]] == [6 if text.startswith("Hospital") else 4]


def test_a_repeated_header_keeps_the_one_table(tmp_path: Path, roads: list[str]) -> None:
    header = "Supplier,Amount,Date\n"
    text = (
        header
        + "A Ltd,1.00,2023-04-03\nB Ltd,2.00,2023-04-04\n"
        + header
        + "C Ltd,4.00,2023-04-05\n,4.00,\n"  # a total of its own section only
        + header
        + "D Ltd,8.00,2023-04-06\n,15.00,\n"  # the sum of the whole file: not this section's
    )
    road, result, _ = same_rows_both_ways(tmp_path, roads, text)
    assert road == ONE_TABLE
    assert result["rows_skipped"] == {"header": 3, "total": 1}
    assert (result["rows_loaded"], result["rows_rejected"]) == (4, 1)


def test_a_different_header_in_the_head_takes_the_general_path(
    tmp_path: Path, roads: list[str]
) -> None:
    text = (
        "Transaction Number,Date,Expenditure Category,Supplier Name,Supplier Classification,Amount\n"
        "1,2022-11-21,Computer Data Network,Southern Ltd,Ict Software,612.02\n"
        "Transaction Number,Date,Subjective Description,Supplier Name,Amount,\n"
        "2,2022-11-30,Vehicle R&M,James Hart Ltd,2135.20,\n"
        "3,2022-12-01,Fuel,,99.00,\n"
    )
    road, result, store = same_rows_both_ways(tmp_path, roads, text)
    assert road == GENERAL
    assert result["rows_skipped"] == {"header": 2}
    assert len(store["spend_line"]) == 2


def test_a_different_header_past_the_head_reparses_the_cells_already_read(
    tmp_path: Path, roads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(load, "EVIDENCE_SAMPLE", 5)  # the head: 5 + 30 search rows
    first = "Supplier,Amount,Date\n" + "".join(f"S{i} Ltd,{i}.00,2023-04-03\n" for i in range(40))
    second = "Date,Payee,Net\n" + "".join(
        f"2023-05-0{i},Payee {i} Ltd,{i}.50\n" for i in range(1, 4)
    )
    road, result, _ = same_rows_both_ways(tmp_path, roads, first + second)
    assert road == REPARSED
    assert result["rows_loaded"] == 43


@pytest.mark.parametrize(
    "trailer",
    [
        "Total,,15.50\n",
        ",Grand total,15.50\n",
        ",,15.50\n",
        "TOTAL:,,15.50\n",
        " sub-total ,,15.50\n",
        "grand total,x,15.50\n",
        ",,99.00\n",
        "Totally Fresh Ltd,Total,15.50,2023-04-05\n",
    ],
)
def test_total_rows(tmp_path: Path, roads: list[str], trailer: str) -> None:
    text = "Supplier,Description,Amount,Date\nA Ltd,x,10.00,2023-04-03\nB Ltd,y,5.50,2023-04-04\n"
    road, result, _ = same_rows_both_ways(tmp_path, roads, text + trailer)
    assert road == ONE_TABLE
    is_total = "99" not in trailer and "Ltd" not in trailer
    assert result["rows_skipped"].get("total") == (1 if is_total else None)


def test_cp1252(tmp_path: Path, roads: list[str]) -> None:
    text = (
        "Supplier,Amount,Date,Description\n"
        'Café Montréal Ltée,"£1,200.00",01/05/2023,Traiteur — déjeuner\n'
        "Öko Büro GmbH,€99.99,02/05/2023,Papier\n"
    )
    road, result, store = same_rows_both_ways(tmp_path, roads, text, encoding="cp1252")
    assert road == ONE_TABLE
    assert result["encoding"] == "cp1252"
    assert {r[9] for r in store["spend_line"]} == {"Café Montréal Ltée", "Öko Büro GmbH"}


def test_no_header_row(tmp_path: Path, roads: list[str]) -> None:
    text = (
        "10001,03/04/2023,Acme Cleaning Ltd,Cleaning services,1500.00\n"
        "10002,24/04/2023,Blue Kitchen Inc,Catering,250.25\n"
        "10003,05/05/2023,Northern Trades Limited,Repairs,99.00\n"
    )
    road, result, _ = same_rows_both_ways(tmp_path, roads, text)
    assert road == ONE_TABLE
    assert result["rows_loaded"] == 3


def test_a_mapping_file(tmp_path: Path, roads: list[str]) -> None:
    mapping = UserMapping(
        columns={"supplier_name": 2, "amount": 3, "paid_on": 1, "description": 4},
        has_header=False,
        date_order="mdy",
        currency="EUR",
    )
    text = "04/13/2023,Acme,12.00,Mops\n04/14/2023,Blue,13.00,Food\n13/04/2023,Red,1.00,Pens\n"
    road, result, store = same_rows_both_ways(tmp_path, roads, text, mapping=mapping)
    assert road == ONE_TABLE
    assert (result["rows_loaded"], result["rows_rejected"]) == (2, 1)
    assert {r[8] for r in store["spend_line"]} == {"EUR"}
    assert len(store["anchor_mapping"]) == 1


def test_date_order_decided_past_the_head(
    tmp_path: Path, roads: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The head holds only ambiguous dates (so day-first, the setting, is assumed); the whole
    column proves month-first: the file is re-parsed, month-first, like the general path."""
    monkeypatch.setattr(load, "EVIDENCE_SAMPLE", 5)
    rows = "".join(f"S{i} Ltd,1.00,0{1 + i % 9}/0{1 + i % 7}/2023\n" for i in range(40))
    text = "Supplier,Amount,Date\n" + rows + "Late Ltd,2.00,12/25/2023\n"
    road, result, _ = same_rows_both_ways(tmp_path, roads, text)
    assert road == REPARSED
    assert result["date_order"] == "mdy"
    assert result["rows_rejected"] == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("folder", "name", "road"),
    [
        ("ca-toronto-bids-awarded", "toronto_bids_awarded_contracts.csv", ONE_TABLE),
        ("uk-lancashire-fire-police-spend", "lancashire_fire_rescue_spend.csv", ONE_TABLE),
        (
            "uk-lancashire-fire-police-spend",
            "lancashire_police_crime_commissioner_spend.csv",
            ONE_TABLE,
        ),
        ("ca-goc-contracts-vendors", "goc_contracts_sample_rows.csv", ONE_TABLE),
    ],
)
def test_real_files(
    tmp_path: Path, roads: list[str], shared_data: Path, folder: str, name: str, road: str
) -> None:
    taken, result, _ = same_file_both_ways(tmp_path, roads, shared_data / folder / name)
    assert taken == road
    assert result["rows_loaded"] > 50


@pytest.mark.parametrize("step", ["source_file", "spend_line", "rejected_row", "commit"])
def test_a_crash_mid_file_leaves_the_store_as_it_was(
    ws: Workspace, tmp_path: Path, roads: list[str], monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    path = write(tmp_path, "messy.csv", "Supplier,Amount,Date\nA Ltd,10.00,2023-04-03\n,5,x\n")
    before = store_snapshot(ws)

    def crash(at: str) -> None:
        if at == step:
            raise RuntimeError(f"injected fault at {at}")

    monkeypatch.setattr(source_files, "FAULT_HOOK", crash)
    with pytest.raises(RuntimeError, match="injected fault"):
        load.ingest_file(ws, path, ws.anchor(ANCHOR))
    assert roads == [ONE_TABLE]
    assert store_snapshot(ws) == before
    monkeypatch.setattr(source_files, "FAULT_HOOK", None)
    # the work table left behind is replaced, and the same file loads cleanly, once
    first = load.ingest_file(ws, path, ws.anchor(ANCHOR))
    again = load.ingest_file(ws, path, ws.anchor(ANCHOR))
    assert roads == [ONE_TABLE, ONE_TABLE]  # the second stops at the SHA-256
    assert (first.rows_loaded, first.rows_rejected, again.already_loaded) == (1, 1, True)

"""Indicators on a small hand-made network; every expected number is worked out by hand below."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from anchorkit.analytics import compute_indicators
from anchorkit.analytics.indicators import compute_breakdowns, compute_breakdowns_and_year
from anchorkit.ingest import ingest_files
from anchorkit.settings import load_settings
from anchorkit.workspace import Workspace
from tests.ingest.helpers import write

HOSPITAL = (
    "Supplier,Amount,Date,Postcode,Category\n"
    "Preston Bakery Ltd,1000.00,2023-04-10,PR1 2AB,Catering\n"  # local (PR)
    "Preston Bakery Ltd,-200.00,2023-05-10,PR1 2AB,Catering\n"  # credit, local
    "Accrington Joinery,500.00,2023-06-10,bb5 1aa,Repairs\n"  # local (BB5, any case)
    "National Supplies plc,3000.00,2023-06-11,M1 1AA,Stationery\n"  # not local
    "Unknown Trader,700.00,2024-04-02,,Repairs\n"  # unknown location
    "HMRC,9999.00,2023-07-01,BX9 1AS,Taxes\n"  # excluded category
)
COLLEGE = (
    "Supplier,Amount,Date,Postcode,Category\n"
    "Preston Bakery Ltd,300.00,2023-09-01,PR1 2AB,Catering\n"  # local
    "Blackburn Print,1200.00,2023-09-02,BB1 7AA,Printing\n"  # BB1 is not BB5: not local
)


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Workspace]:
    yield from _network(tmp_path)


@pytest.fixture
def engine_network(engine: str, tmp_path: Path) -> Iterator[Workspace]:
    """The same network on each engine (tests/conftest.py's ``engine``)."""
    yield from _network(tmp_path)


def _network(tmp_path: Path) -> Iterator[Workspace]:
    ws = Workspace.init(
        tmp_path / "ws",
        settings={
            "currency": "GBP",
            "local.postcode_prefixes": ["PR", "BB5"],
            "indicators.excluded_categories": ["taxes", "Payroll"],
        },
    )
    ws.add_anchor("Hospital", "hospital")
    ws.add_anchor("College", "college")
    assert ingest_files(ws, [write(tmp_path, "h.csv", HOSPITAL)], "Hospital")[0].error is None
    assert ingest_files(ws, [write(tmp_path, "c.csv", COLLEGE)], "College")[0].error is None
    try:
        yield ws
    finally:
        ws.close()


def test_network_local_share_worked_by_hand(engine_network: Workspace) -> None:
    net = compute_indicators(engine_network).network
    # total = 1000 - 200 + 500 + 3000 + 700 + 9999 + 300 + 1200 = 16499
    assert net["total_spend"] == Decimal("16499.00")
    # addressable = total - taxes 9999 = 6500
    assert net["addressable_spend"] == Decimal("6500.00")
    assert net["excluded_spend"] == Decimal("9999.00")
    # local = 1000 - 200 + 500 + 300 = 1600
    assert net["local_spend"] == Decimal("1600.00")
    assert net["unknown_location_spend"] == Decimal("700.00")
    assert net["local_share"] == round(1600 / 6500, 6)  # 0.246154
    assert net["local_share_of_known"] == round(1600 / 5800, 6)
    assert net["lines"] == 8
    assert net["suppliers"] == 6
    assert net["top_suppliers"][0] == {
        "supplier": "National Supplies plc",
        "spend": Decimal("3000.00"),
        "lines": 1,
        "anchors": 1,
    }
    bakery = next(s for s in net["top_suppliers"] if s["supplier"] == "Preston Bakery Ltd")
    assert bakery == {
        "supplier": "Preston Bakery Ltd",
        "spend": Decimal("1100.00"),
        "lines": 3,
        "anchors": 2,
    }


def test_by_anchor_and_filter(network: Workspace) -> None:
    rows = {r["anchor"]: r for r in compute_indicators(network, by="anchor").rows}
    assert rows["Hospital"]["local_spend"] == Decimal("1300.00")
    assert rows["Hospital"]["addressable_spend"] == Decimal("5000.00")
    assert rows["Hospital"]["local_share"] == 0.26
    assert rows["College"]["local_share"] == 0.2
    only = compute_indicators(network, anchor="college").network
    assert only["total_spend"] == Decimal("1500.00")


def test_by_year_uses_the_fiscal_year(network: Workspace) -> None:
    rows = {r["year"]: r for r in compute_indicators(network, by="year").rows}
    # April start: 2024-04-02 falls in fiscal 2024, everything else in 2023
    assert rows[2024]["total_spend"] == Decimal("700.00")
    assert rows[2023]["lines"] == 7


def test_one_pass_for_every_year_and_one_year_equals_two(network: Workspace) -> None:
    """What a report uses: the year's breakdowns filtered from one pass over every year equal
    the breakdowns computed for that year alone (and every year's equal the plain ones)."""
    dims = ("year", "anchor", "category")
    every, of_year = compute_breakdowns_and_year(network, dims, year=2023)
    assert every["year"].rows == compute_breakdowns(network, dims)["year"].rows
    alone = compute_breakdowns(network, dims[1:], year=2023)
    assert of_year[None].network == alone[None].network
    assert of_year[None].network["total_spend"] == Decimal("15799.00")  # 16499 - 700 (2024)
    for dim in dims[1:]:
        assert of_year[dim].rows == alone[dim].rows
    # the lines of every year are back for whoever reads them next
    again = compute_breakdowns(network, ["year"])
    assert {r["year"] for r in again["year"].rows} == {2023, 2024}


def test_json_shape(network: Workspace) -> None:
    data = compute_indicators(network, by="category").to_json()
    assert set(data) == {"by", "network", "rows"}
    for key in (
        "total_spend",
        "addressable_spend",
        "local_spend",
        "unknown_location_spend",
        "local_share",
        "lines",
        "suppliers",
    ):
        assert key in data["network"]
    assert data["network"]["total_spend"] == "16499.00"
    assert {r["category"] for r in data["rows"]} >= {"Catering", "Taxes"}


def test_empty_store_has_no_share(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "empty")
    net = compute_indicators(ws).network
    assert net["total_spend"] == Decimal("0.00") and net["local_share"] is None


def test_settings_from_environment(tmp_path: Path) -> None:
    settings = load_settings(None, {"ANCHORKIT_LOCAL__POSTCODE_PREFIXES": '["M4", "M5"]'})
    assert settings["local.postcode_prefixes"] == ["M4", "M5"]

"""Diverse / social share on a small hand-made network, worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from anchorkit.analytics import compute_indicators
from anchorkit.ingest import ingest_files
from anchorkit.resolve.registries import import_registry
from anchorkit.resolve.run import resolve
from anchorkit.workspace import Workspace

SPEND = (
    "Supplier,Amount,Date,Postcode,Category\n"
    "Sweetgrass Catering Ltd,1000.00,2023-05-01,M5V 2T6,Catering\n"  # indigenous, certified
    "SWEETGRASS CATERING,500.00,2021-01-15,M5V 2T6,Catering\n"  # paid before certification
    "Riverside Workers Co-operative,2000.00,2023-06-01,M4C 1A1,Cleaning\n"  # co-op
    "Riverside Workers Co-op,300.00,2025-02-15,M4C 1A1,Cleaning\n"  # 45 days after expiry: grace
    "Riverside Workers Cooperative,400.00,2025-09-01,M4C 1A1,Cleaning\n"  # long after expiry
    "Big Office Supplies Inc,4000.00,2023-07-01,L1V 5L6,Stationery\n"  # no tag
    "Payroll,9000.00,2023-07-01,,Payroll\n"  # not addressable
)
INDIGENOUS = (
    "business_name,postal_code,certification_date,expiry_date\n"
    "Sweetgrass Catering Ltd.,M5V 2T6,2022-01-01,\n"
)
COOPS = (
    "Registered Name,Registered Postcode,Incorporation Date,Dissolved Date\n"
    "Riverside Workers Co-operative Limited,M4C 1A1,2010-03-01,2024-12-31\n"
)


def test_impact_share_worked_by_hand(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", settings={"indicators.excluded_categories": ["payroll"]})
    ws.add_anchor("Hospital", "hospital")
    spend = tmp_path / "spend.csv"
    spend.write_text(SPEND)
    assert ingest_files(ws, [spend], "Hospital")[0].error is None
    for name, text, registry, tag in (
        ("ind.csv", INDIGENOUS, "test-indigenous", "indigenous_owned"),
        ("coops.csv", COOPS, "test-coops", "co_op"),
    ):
        path = tmp_path / name
        path.write_text(text)
        result = import_registry(ws, path, registry, [tag])
        assert result.error is None and result.rows_loaded == 1, result
    resolve(ws)
    net = compute_indicators(ws).network
    # addressable = 1000 + 500 + 2000 + 300 + 400 + 4000 = 8200 (payroll 9000 excluded)
    assert net["addressable_spend"] == Decimal("8200.00")
    # indigenous: 1000 (the 2021 line predates the certification)
    # co-op: 2000 + 300 (within the 90-day grace after 2024-12-31); not the 400 of September 2025
    assert net["impact_spend"] == Decimal("3300.00")
    assert net["impact_share"] == round(3300 / 8200, 6)
    assert net["tag_shares"] == {
        "co_op": round(2300 / 8200, 6),
        "indigenous_owned": round(1000 / 8200, 6),
    }
    assert net["suppliers"] == 4  # by supplier id: the spellings are one supplier each

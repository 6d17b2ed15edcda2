"""Influenceable spend on a hand-made network: addressable spend minus what an anchor cannot steer,
shown apart and never dropped."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from anchorkit.analytics import compute_indicators
from anchorkit.ingest import ingest_files
from anchorkit.workspace import Workspace
from tests.ingest.helpers import write

LINES = (
    "Supplier,Amount,Date,Postcode,Category\n"
    "Preston Bakery Ltd,1000.00,2023-04-10,PR1 2AB,Catering\n"  # local, influenceable
    "National Supplies plc,3000.00,2023-06-11,M1 1AA,Stationery\n"  # not local, influenceable
    "Lancashire Power,2000.00,2023-06-12,PR2 9ZZ,Utilities\n"  # local, but not influenceable
    "Pension Fund,4000.00,2023-06-30,PR1 1AA,Pensions\n"  # not influenceable (default list)
    "HMRC,9999.00,2023-07-01,BX9 1AS,Taxes\n"  # excluded: not even addressable
)


def test_influenceable_spend_worked_by_hand(tmp_path: Path) -> None:
    ws = Workspace.init(
        tmp_path / "ws",
        settings={
            "currency": "GBP",
            "local.postcode_prefixes": ["PR"],
            "indicators.excluded_categories": ["taxes"],
        },
    )
    ws.add_anchor("Hospital", "hospital")
    assert ingest_files(ws, [write(tmp_path, "h.csv", LINES)], "Hospital")[0].error is None
    net = compute_indicators(ws).network
    # addressable = 1000 + 3000 + 2000 + 4000 = 10000 (taxes excluded)
    assert net["addressable_spend"] == Decimal("10000.00")
    # not influenceable (Utilities, Pensions: the default list) = 2000 + 4000
    assert net["non_influenceable_spend"] == Decimal("6000.00")
    assert net["influenceable_spend"] == Decimal("4000.00")
    # influenceable and local: the bakery's 1000 → 1000 / 4000
    assert net["influenceable_local_spend"] == Decimal("1000.00")
    assert net["influenceable_local_share"] == 0.25
    # the whole-addressable local share still counts the utility and the pension fund (PR)
    assert net["local_share"] == round(7000 / 10000, 6)
    ws.close()

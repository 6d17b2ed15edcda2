"""Place in a network: local at two levels, priority areas, unknown never counted as local."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from anchorkit.analytics import compute_indicators
from anchorkit.ingest import ingest_files
from anchorkit.resolve.run import resolve
from anchorkit.workspace import Workspace

UK = (
    "Supplier,Amount,Date,Postcode\n"
    "Preston Bakery Ltd,100.00,2023-04-10,PR1 2AB\n"  # Preston, Lancashire
    "Accrington Joinery,200.00,2023-04-11,BB5 1AA\n"  # Hyndburn, Lancashire
    "Manchester Print,400.00,2023-04-12,M1 1AA\n"  # outside Lancashire
    "Somewhere Ltd,800.00,2023-04-13,N/A\n"  # not a postcode: unknown
    "Nowhere Ltd,1600.00,2023-04-14,\n"  # no postcode: unknown
)


def test_lancashire_network_reports_local_share_at_two_levels(
    tmp_path: Path, shared_data: Path
) -> None:
    ws = Workspace.init(
        tmp_path / "ws",
        settings={
            "currency": "GBP",
            "place.country": "GB",
            "place.regions": ["lancashire"],
            "local.areas": ["local_authority: Preston"],
            "local.wider_areas": ["county: Lancashire"],
        },
    )
    ws.add_anchor("Lancashire Fire and Rescue", "agency")
    fire = shared_data / "uk-lancashire-fire-police-spend" / "xlsx" / "fire-2025-26-q1.xlsx"
    made = tmp_path / "uk.csv"
    made.write_text(UK)
    results = ingest_files(ws, [fire, made], "Lancashire Fire and Rescue")
    assert all(r.error is None for r in results)
    resolve(ws)
    net = compute_indicators(ws).network
    fire_total = Decimal(net["total_spend"]) - Decimal("3100.00")
    assert net["local_spend"] == Decimal("100.00")
    assert net["wider_local_spend"] == Decimal("300.00")
    # the published fire file has no postcodes: all its spend is unknown, and so are N/A and blank
    assert net["unknown_location_spend"] == fire_total + Decimal("2400.00")
    assert net["local_share"] == round(100 / float(net["addressable_spend"]), 6)
    assert net["wider_local_share"] == round(300 / float(net["addressable_spend"]), 6)


def test_priority_area_share_in_toronto(tmp_path: Path) -> None:
    ws = Workspace.init(
        tmp_path / "ws",
        settings={
            "place.regions": ["toronto"],
            "local.areas": ["toronto_municipality: City of Toronto"],
        },
    )
    ws.add_anchor("Hospital", "hospital")
    spend = tmp_path / "spend.csv"
    spend.write_text(
        "Supplier,Amount,Date,Postcode\n"
        "Jane Street Catering,300.00,2023-04-10,M3N 1A1\n"  # Glenfield-Jane Heights: an NIA
        "Waterfront Print,700.00,2023-04-11,M5V 2T6\n"  # in Toronto, not an NIA
        "Ottawa Supplies,1000.00,2023-04-12,K1A 0B1\n"  # outside Toronto
    )
    ingest_files(ws, [spend], "Hospital")
    net = compute_indicators(ws).network
    assert net["priority_area_spend"] == Decimal("300.00")
    assert net["priority_area_share"] == 0.15
    assert net["local_spend"] == Decimal("1000.00")
    rows = {r["neighbourhood"]: r for r in compute_indicators(ws, by="neighbourhood").rows}
    assert rows["Glenfield-Jane Heights"]["total_spend"] == Decimal("300.00")
    assert rows["(unknown)"]["total_spend"] == Decimal("1000.00")


def test_local_within_a_radius_of_the_anchors_site(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", settings={"local.radius_km": 5.0})
    ws.add_anchor("Hospital", "hospital", site_postcode="M5V 2T6")
    spend = tmp_path / "spend.csv"
    spend.write_text(
        "Supplier,Amount,Date,Postcode\n"
        "Next Door Ltd,10.00,2023-04-10,M5V 2T6\n"  # at the site
        "Jane Street Catering,20.00,2023-04-11,M3N 1A1\n"  # about 15 km away
        "Mystery Ltd,40.00,2023-04-12,\n"  # unknown: never counted as local
    )
    ingest_files(ws, [spend], "Hospital")
    net = compute_indicators(ws).network
    assert net["local_spend"] == Decimal("10.00")
    assert net["unknown_location_spend"] == Decimal("40.00")

"""Investment registers and figures on a small network worked out by hand.

Lakeside Hospital's register (fiscal years start on 1 April):

=================================  =======  =========  ==========  ==========  =========  ======
holding                            type     amount     start       end         place      impact
=================================  =======  =========  ==========  ==========  =========  ======
Jane-Finch Community Loan Fund     loan     300,000    2022-05-01              M3N (NIA)  CDFI
Capital Trust Bank                 deposit  1,000,000  2020-01-01              Ottawa
Riverside Co-operative             deposit  200,000    2023-06-01  2025-01-01  M5V        tag
Index Fund                         equity   500,000                            unknown
=================================  =======  =========  ==========  ==========  =========  ======

Held at the end of fiscal year 2023 (31 March 2024): all four, 2,000,000; local 500,000 (25 %);
in a priority area 300,000 (15 %); impact 500,000 (the fund's flag, and the co-op's registry
tag once it is matched to the supplier); place unknown 500,000. At the end of 2024 the co-op
deposit has ended: 1,800,000, local 300,000.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from anchorkit.investment import compute_investment, import_investment, rematch_investees
from anchorkit.resolve.match import match_suppliers
from anchorkit.views.investment import investment_section, section
from anchorkit.workspace import Workspace
from tests.workforce.helpers import network, write

REGISTER = """\
Investee,Instrument,Amount,Start date,Maturity date,Investee postal code,Impact flags
Jane-Finch Community Loan Fund,Loan,"300,000.00",2022-05-01,,M3N 1A1,CDFI
Capital Trust Bank,Deposit,1000000,2020-01-01,,K1P 1J9,
Riverside Co-operative,Deposit,200000,2023-06-01,2025-01-01,M5V 2T6,
Index Fund,Equity,500000,,,,
Swap Desk,Swap,100,,,,
Short Bond,Bond,-20,,,,
Late Note,Bond,50,2024-01-01,2023-01-01,,
"""


def _supplier(ws: Workspace) -> None:
    """What resolution would have left: the co-op as supplier S000001, from a registry, tagged."""
    ws.engine.run(
        "supplier",
        "INSERT INTO supplier (supplier_id, name, name_key, postcode) VALUES "
        "('S000001', 'RIVERSIDE CO-OPERATIVE LTD', 'riverside co operative', 'M5V 2T6')",
    )
    ws.engine.run(
        "alias",
        "INSERT INTO supplier_alias (record_id, group_id, anchor_id, registry, raw_name, "
        "supplier_ref, postcode, supplier_id, match_probability, decided_by) VALUES "
        "('r1', 'g1', NULL, 'co-ops', 'RIVERSIDE CO-OPERATIVE LTD', 'IP30012R', 'M5V2T6', "
        "'S000001', NULL, 'model')",
    )
    ws.engine.run(
        "tag",
        "INSERT INTO supplier_tag (supplier_id, tag, source, registry_id, valid_from, valid_to) "
        "VALUES ('S000001', 'co_op', 'co-ops', 'IP30012R', DATE '2015-01-01', NULL)",
    )


@pytest.fixture
def invested(tmp_path: Path) -> Workspace:
    ws = network(tmp_path / "ws")
    _supplier(ws)
    result = import_investment(ws, write(tmp_path / "register.csv", REGISTER), "Lakeside Hospital")
    assert result.error is None, result.error
    return ws


def test_the_register_loads_holdings_and_rejects_rows_with_reasons(invested: Workspace) -> None:
    rows = invested.engine.query(
        "h",
        "SELECT investee, type, amount, start_on, end_on, flags, supplier_id, matched_by "
        "FROM investment_holding ORDER BY source_row",
    )
    assert [r[:3] for r in rows] == [
        ("Jane-Finch Community Loan Fund", "loan", Decimal("300000.00")),
        ("Capital Trust Bank", "deposit", Decimal("1000000.00")),
        ("Riverside Co-operative", "deposit", Decimal("200000.00")),
        ("Index Fund", "equity", Decimal("500000.00")),
    ]
    assert rows[0][5] == ["cdfi"] and rows[2][6:] == ("S000001", "name_key")
    reasons = dict(invested.engine.query("r", "SELECT source_row, reasons FROM lever_rejected_row"))
    assert reasons[6] == ["type 'Swap' is not one of deposit, loan, bond, equity, fund, other"]
    assert reasons[7] == ["amount '-20' is negative (a holding is what is held)"]
    assert reasons[8] == ["end date 2023-01-01 is before the start date 2024-01-01"]


def test_investment_figures_by_hand(invested: Workspace) -> None:
    figures = compute_investment(invested)
    by_year = {r["year"]: r for r in figures.network}
    assert min(by_year) == 2019  # the bank deposit, from January 2020
    fy2023 = by_year[2023]
    assert fy2023["portfolio"] == Decimal("2000000.00") and fy2023["holdings"] == 4
    assert fy2023["local_investment"] == Decimal("500000.00")
    assert fy2023["local_investment_share"] == 0.25
    assert fy2023["priority_area_investment_share"] == 0.15
    assert fy2023["impact_investment"] == Decimal("500000.00")
    assert fy2023["place_based_investment_share"] == 0.25
    assert fy2023["unknown_location_investment_share"] == 0.25
    assert fy2023["supplier_investees"] == 1
    assert fy2023["by_flag"] == {"cdfi": Decimal("300000.00")}
    fy2024 = by_year[2024]
    assert fy2024["portfolio"] == Decimal("1800000.00")
    assert fy2024["local_investment"] == Decimal("300000.00")
    assert fy2024["impact_investment_share"] == round(0.3 / 1.8, 6)
    assert by_year[2021]["portfolio"] == Decimal("1500000.00")  # the fund is not yet held
    hoods = {h["neighbourhood"] for h in figures.by_neighbourhood if h["year"] == 2023}
    assert hoods == {"Glenfield-Jane Heights", "Waterfront Communities-The Island"}


def test_other_readers_see_the_network_only_through_the_small_cell_rule(
    invested: Workspace,
) -> None:
    figures = compute_investment(invested)
    backbone = section(figures, invested.settings, anchor_ids=None, full=True)
    assert backbone["latest"]["portfolio"] is not None and backbone["holdings"]
    # four investees: fewer than publish.min_suppliers (5), so the public sees nothing
    public = section(figures, invested.settings, anchor_ids=set(), full=False)
    assert public["latest"]["suppressed"] and public["latest"]["portfolio"] is None
    assert public["by_anchor"] == [] and public["holdings"] == []
    assert investment_section(invested)["latest"]["local_investment_share"] is not None


def test_a_new_register_replaces_the_anchors_holdings(invested: Workspace, tmp_path: Path) -> None:
    again = import_investment(invested, tmp_path / "register.csv", "Lakeside Hospital")
    assert again.already_loaded
    newer = write(tmp_path / "register-2025.csv", "Investee,Amount\nCapital Trust Bank,250000\n")
    result = import_investment(invested, newer, "Lakeside Hospital")
    assert result.replaced == ["register.csv"]
    holdings = invested.engine.query("h", "SELECT investee, amount FROM investment_holding")
    assert holdings == [("Capital Trust Bank", Decimal("250000.00"))]


def test_investees_are_matched_by_registry_id_name_or_model(invested: Workspace) -> None:
    asked = [
        ("a", "Some Other Name", "IP30012R", None),  # the registry's own number
        ("b", "Riverside Cooperative Limited", None, "M5V 2T6"),  # the same normalised name
        ("c", "Nobody We Know Ltd", None, None),
    ]
    found = match_suppliers(invested, asked)
    assert found["a"].supplier_id == "S000001" and found["a"].how == "registry_id"
    assert found["b"].supplier_id == "S000001"
    assert "c" not in found
    invested.engine.run("unlink", "UPDATE investment_holding SET supplier_id = NULL")
    assert rematch_investees(invested) == 1

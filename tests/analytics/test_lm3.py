"""LM3 on a small hand-made network; R1, R2, R3 and LM3 are worked out by hand below."""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.analytics import compute_indicators
from anchorkit.analytics.lm3 import compute_lm3, load_rates
from anchorkit.analytics.survey import import_survey
from anchorkit.classify.taxonomy import load_taxonomy
from anchorkit.cli import app
from anchorkit.errors import SurveyError
from anchorkit.ingest import ingest_files
from anchorkit.resolve.run import resolve
from anchorkit.workspace import Workspace
from tests.ingest.helpers import write

# local = postcodes PR… and BB5…; fiscal years start on 1 April; payroll is not addressable
HOSPITAL = (
    "Supplier,Amount,Date,Postcode,Category\n"
    "Preston Bakery Ltd,1000.00,2023-04-10,PR1 2AB,Food\n"  # FY2023 local, surveyed
    "Preston Bakery Ltd,2000.00,2024-05-01,PR1 2AB,Food\n"  # FY2024 local, surveyed
    "Accrington Joinery,500.00,2023-06-10,BB5 1AA,Timber\n"  # FY2023 local, Building Constr. 0.20
    "Ribble Cleaners,1000.00,2024-06-01,PR2 3CD,Cleaning\n"  # FY2024 local, Cleaning 0.45
    "Lancashire Print,400.00,2024-07-01,PR5 6EF,Print\n"  # FY2024 local, surveyed (no staff share)
    "Preston Florist,200.00,2023-08-01,PR1 9ZZ,Flowers\n"  # FY2023 local, unclassified: 0.25
    "National Supplies plc,3000.00,2023-06-11,M1 1AA,Stationery\n"  # FY2023 not local
    "National Supplies plc,2000.00,2024-06-01,M1 1AA,Stationery\n"  # FY2024 not local
    "Staff,5000.00,2023-07-01,,Payroll\n"  # excluded
)
COLLEGE = "Supplier,Amount,Date,Postcode\nPreston Bakery Ltd,300.00,2024-09-01,PR1 2AB\n"
LEVEL1 = {  # as `anchorkit classify` would write them
    "Accrington Joinery": "Building Construction Materials",
    "Ribble Cleaners": "Cleaning & Janitorial",
    "Preston Bakery Ltd": "Catering",
}
SURVEY = (
    "Supplier,Local spend share,Local staff share\n"
    "PRESTON BAKERY LIMITED,60%,0.8\n"  # by name: the resolver's name key
    "Lancashire Print,0.5,\n"
)


@pytest.fixture
def network(tmp_path: Path) -> Workspace:
    ws = Workspace.init(
        tmp_path / "ws",
        settings={
            "currency": "GBP",
            "local.postcode_prefixes": ["PR", "BB5"],
            "indicators.excluded_categories": ["payroll"],
        },
    )
    ws.add_anchor("Hospital", "hospital")
    ws.add_anchor("College", "college")
    assert ingest_files(ws, [write(tmp_path, "h.csv", HOSPITAL)], "Hospital")[0].error is None
    assert ingest_files(ws, [write(tmp_path, "c.csv", COLLEGE)], "College")[0].error is None
    resolve(ws)
    for name, level1 in LEVEL1.items():
        ws.engine.run(
            "test_categories",
            "INSERT INTO line_category SELECT line_id, 'X', ?, NULL, 'mapping', 1.0, 'test' "
            "FROM spend_line WHERE supplier_name = ?",
            [level1, name],
        )
    return ws


def surveyed(ws: Workspace, tmp_path: Path) -> Workspace:
    result = import_survey(ws, write(tmp_path, "survey.csv", SURVEY))
    assert (result.rows_read, result.rows_loaded, result.rejected) == (2, 2, [])
    return ws


def test_lm3_of_the_network_worked_by_hand(network: Workspace, tmp_path: Path) -> None:
    got = compute_lm3(surveyed(network, tmp_path))
    # R1 = addressable = 1000+2000+500+1000+400+200+3000+2000 (hospital) + 300 (college) = 10400
    # R2 = local = 1000+2000+500+1000+400+200+300 = 5400
    assert (got.r1, got.r2) == (Decimal("10400.00"), Decimal("5400.00"))
    net = compute_indicators(network).network  # exactly the indicators
    assert (got.r1, got.r2) == (net["addressable_spend"], net["local_spend"])
    # surveyed, wage share w = 0.3 (default):
    #   bakery rate = 0.7 × 0.6 + 0.3 × 0.8 = 0.66; spend 1000+2000+300 = 3300 → 2178
    #   print: no staff share, rate = 0.5; 400 → 200          R3 surveyed = 2378
    # assumed (default rates): joinery 500 × 0.20 = 100; cleaners 1000 × 0.45 = 450;
    #   florist (unclassified → 'default') 200 × 0.25 = 50    R3 assumed  = 600
    assert (got.r3_surveyed, got.r3_assumed, got.r3) == (
        Decimal("2378.00"),
        Decimal("600.00"),
        Decimal("2978.00"),
    )
    assert got.suppliers_surveyed == 2
    # LM3 = (10400 + 5400 + 2978) / 10400 = 18778 / 10400 = 1.80558 → 1.8056
    assert got.lm3 == 1.8056


def test_lm3_of_one_anchor_and_year(network: Workspace, tmp_path: Path) -> None:
    got = compute_lm3(surveyed(network, tmp_path), anchor="Hospital", year=2024)
    # FY2024 hospital: R1 = 2000+1000+400+2000 = 5400; R2 = 2000+1000+400 = 3400
    # R3 = 2000 × 0.66 + 400 × 0.5 (surveyed 1520) + 1000 × 0.45 (assumed 450) = 1970
    # LM3 = (5400 + 3400 + 1970) / 5400 = 10770 / 5400 = 1.99444 → 1.9944
    assert (got.r1, got.r2, got.r3_surveyed, got.r3_assumed) == (
        Decimal("5400.00"),
        Decimal("3400.00"),
        Decimal("1520.00"),
        Decimal("450.00"),
    )
    assert got.lm3 == 1.9944
    assert compute_lm3(network, year=2030).lm3 is None  # no spend that year


def test_without_survey_everything_is_assumed(network: Workspace) -> None:
    got = compute_lm3(network)
    # bakery 3300 × 0.35 (Catering) = 1155; print 400 × 0.25 (unclassified) = 100; + 600 as above
    assert (got.r3_surveyed, got.r3_assumed, got.suppliers_surveyed) == (
        Decimal("0.00"),
        Decimal("1855.00"),
        0,
    )


def test_a_workspace_rates_file_and_wage_share_override(network: Workspace, tmp_path: Path) -> None:
    surveyed(network, tmp_path)
    (network.root / "rates.csv").write_text("# ours\ncategory,rate\ndefault,10%\n")
    values = {**network.settings.values, "lm3.rates_file": "rates.csv", "lm3.wage_share": 0.5}
    network.settings = replace(network.settings, values=values)
    got = compute_lm3(network)
    # bakery 0.5 × 0.6 + 0.5 × 0.8 = 0.7 × 3300 = 2310; print 200 → surveyed 2510
    # assumed: (500 + 1000 + 200) × 0.10 = 170
    assert (got.r3_surveyed, got.r3_assumed) == (Decimal("2510.00"), Decimal("170.00"))
    (network.root / "rates.csv").write_text("category,rate\nCatering,1.5\nUnicorns,0.1\n")
    with pytest.raises(
        SurveyError, match="over 100 %.*no level-1 category 'unicorns'.*no 'default'"
    ):
        load_rates(network)


def test_the_shipped_rates_name_the_shipped_taxonomy(tmp_path: Path) -> None:
    rates, source = load_rates(Workspace.init(tmp_path / "ws"))
    known = {c.name.lower() for c in load_taxonomy().level(1)}
    assert "assumptions" in source and set(rates) - known == {"default"}
    assert all(0 <= r <= 1 for r in rates.values())


def test_bad_survey_rows_are_rejected_with_line_numbers(network: Workspace, tmp_path: Path) -> None:
    bad = (
        "supplier,local_spend_share,local_staff_share\n"
        "Preston Bakery Ltd,150%,0.5\n"  # line 2
        "Ribble Cleaners,-0.1,\n"  # line 3
        "Castle Holdings,0.5,0.5\n"  # line 4
        "Accrington Joinery,60,0.2\n"  # line 5: 60 without %
        "Lancashire Print,0.4,0.9\n"  # line 6: fine
        "Lancashire Print,0.3,\n"  # line 7: twice
        "Preston Florist,,\n"  # line 8
    )
    result = import_survey(network, write(tmp_path, "bad.csv", bad))
    reasons = {r["line"]: " ".join(r["reasons"]) for r in result.rejected}
    assert (result.rows_read, result.rows_loaded) == (7, 1)
    assert sorted(reasons) == [2, 3, 4, 5, 7, 8]
    assert "over 100 %" in reasons[2]
    assert "negative" in reasons[3]
    assert "no supplier 'Castle Holdings'" in reasons[4]
    assert "did you mean 60%?" in reasons[5]
    assert "already answered on line 6" in reasons[7]
    assert "local_spend_share is empty" in reasons[8]
    assert compute_lm3(network).suppliers_surveyed == 1


def test_a_survey_without_the_columns_is_refused(network: Workspace, tmp_path: Path) -> None:
    with pytest.raises(SurveyError, match="no column local_spend_share"):
        import_survey(network, write(tmp_path, "s.csv", "supplier,share\nPreston Bakery Ltd,1\n"))


def test_cli_survey_import_and_lm3_json(network: Workspace, tmp_path: Path) -> None:
    root = str(network.root)
    network.close()
    runner = CliRunner()
    path = str(write(tmp_path, "survey.csv", SURVEY))
    done = runner.invoke(app, ["-w", root, "survey", "import", path])
    assert done.exit_code == 0 and "2 answers stored, 0 rejected" in done.stdout
    data = json.loads(runner.invoke(app, ["-w", root, "lm3", "--json"]).stdout)
    assert (data["r1"], data["r3_surveyed"], data["r3_assumed"], data["lm3"]) == (
        "10400.00",
        "2378.00",
        "600.00",
        1.8056,
    )
    text = runner.invoke(app, ["-w", root, "lm3", "--anchor", "Hospital", "--year", "2024"])
    assert text.exit_code == 0 and "LM3 for Hospital, FY 2024: 1.99" in text.stdout
    bad = write(tmp_path, "bad.csv", "supplier,local_spend_share\nPreston Bakery Ltd,2\n")
    refused = runner.invoke(app, ["-w", root, "survey", "import", str(bad)])
    assert refused.exit_code == 1 and "line 2" in refused.stdout and "over 100 %" in refused.stdout

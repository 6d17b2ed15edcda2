"""Jobs and output from input-output multipliers, on a small hand-made network worked by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.analytics.multipliers import (
    CAVEAT,
    example_path,
    load_multipliers,
    local_impact,
    read_table,
)
from anchorkit.cli import app
from anchorkit.errors import MultiplierError
from anchorkit.ingest import ingest_files
from anchorkit.workspace import Workspace
from tests.ingest.helpers import write

# fiscal years start on 1 April; PR and BB5 postcodes are local, M1 is not
HOSPITAL = (
    "Supplier,Amount,Date,Postcode\n"
    "Preston Bakery Ltd,200000.00,2023-04-10,PR1 2AB\n"  # Catering, local, FY2023
    "Preston Care Ltd,100000.00,2023-06-10,PR1 3CD\n"  # Healthcare, local, FY2023
    "Accrington Joinery,50000.00,2024-05-01,BB5 1AA\n"  # Construction works, local, FY2024
    "National Supplies plc,300000.00,2023-06-11,M1 1AA\n"  # Catering, NOT local
    "Preston Stationers,10000.00,2023-07-01,PR1 4EF\n"  # Stationery: sector C not in table
    "Preston Misc,5000.00,2023-07-02,PR1 5GH\n"  # never classified: 'unclassified'
)
COLLEGE = "Supplier,Amount,Date,Postcode\nPreston Bakery Ltd,1000000.00,2024-09-01,PR1 2AB\n"
# supplier → (taxonomy code, level-1 name), as `anchorkit classify` would have written them
CATEGORIES = {
    "Preston Bakery Ltd": ("110000", "Catering"),
    "Preston Care Ltd": ("310000", "Healthcare"),
    "Accrington Joinery": ("390000", "Works - Construction, Repair & Maintenance"),
    "National Supplies plc": ("110000", "Catering"),
    "Preston Stationers": ("340000", "Stationery"),
}
# a tiny table in UK SIC sections: the default map (crosswalk_uk_sic.csv) sends Catering → I,
# Healthcare → Q, Works - Construction → F, Stationery → C (not in the table: unmapped)
TABLE = (
    "sector,sector_name,output_direct,output_indirect,output_induced,"
    "jobs_direct_per_million,jobs_indirect_per_million,jobs_induced_per_million\n"
    "I,Accommodation and food,1.0,0.5,0.25,20,4,2\n"
    "Q,Health,1.0,0.2,0.4,12,2,3\n"
    "F,Construction,1.0,0.6,0.3,8,5,2\n"
)
HEADER = TABLE.splitlines()[0] + "\n"


@pytest.fixture
def network(tmp_path: Path) -> Workspace:
    ws = Workspace.init(
        tmp_path / "ws", settings={"currency": "GBP", "local.postcode_prefixes": ["PR", "BB5"]}
    )
    ws.add_anchor("Hospital", "hospital")
    ws.add_anchor("College", "college")
    assert ingest_files(ws, [write(tmp_path, "h.csv", HOSPITAL)], "Hospital")[0].error is None
    assert ingest_files(ws, [write(tmp_path, "c.csv", COLLEGE)], "College")[0].error is None
    for supplier, (code, level1) in CATEGORIES.items():
        ws.engine.run(
            "test_categories",
            "INSERT INTO line_category (line_id, code, level1, level2, method, confidence, "
            "evidence) SELECT line_id, ?, ?, NULL, 'mapping', 1.0, 'test' FROM spend_line "
            "WHERE supplier_name = ?",
            [code, level1, supplier],
        )
    load_multipliers(ws, write(tmp_path, "uk.csv", TABLE), name="uk-test")
    return ws


def test_network_output_and_jobs_worked_by_hand(network: Workspace) -> None:
    r = local_impact(network)
    # local spend by category (all years, both anchors):
    #   Catering 200,000 + 1,000,000 = 1,200,000 (National Supplies is not local)
    #   Healthcare 100,000; Works - Construction 50,000; Stationery 10,000; unclassified 5,000
    # sector I (Catering), 1.2 M: output 1,200,000 / 600,000 / 300,000 = 2,100,000;
    #   jobs 1.2 × 20 = 24, 1.2 × 4 = 4.8, 1.2 × 2 = 2.4 → 31.2
    # sector Q (Healthcare), 0.1 M: output 100,000 / 20,000 / 40,000 = 160,000;
    #   jobs 1.2, 0.2, 0.3 → 1.7
    # sector F (Construction), 0.05 M: output 50,000 / 30,000 / 15,000 = 95,000;
    #   jobs 0.4, 0.25, 0.1 → 0.75
    by_sector = {s.sector: s for s in r.sectors}
    assert [s.sector for s in r.sectors] == ["I", "Q", "F"]  # largest local spend first
    assert by_sector["I"].local_spend == Decimal("1200000.00")
    assert by_sector["I"].output == {
        "direct": Decimal("1200000.00"),
        "indirect": Decimal("600000.00"),
        "induced": Decimal("300000.00"),
        "total": Decimal("2100000.00"),
    }
    assert by_sector["I"].jobs == {"direct": 24.0, "indirect": 4.8, "induced": 2.4, "total": 31.2}
    assert by_sector["Q"].output["total"] == Decimal("160000.00")
    assert by_sector["Q"].jobs == {"direct": 1.2, "indirect": 0.2, "induced": 0.3, "total": 1.7}
    assert by_sector["F"].output["total"] == Decimal("95000.00")
    assert by_sector["F"].jobs["total"] == 0.75
    assert by_sector["F"].categories == ["Works - Construction, Repair & Maintenance"]
    # totals: output 1,350,000 + 650,000 + 355,000 = 2,355,000; jobs 25.6 + 5.25 + 2.8 = 33.65
    assert r.output == {
        "direct": Decimal("1350000.00"),
        "indirect": Decimal("650000.00"),
        "induced": Decimal("355000.00"),
        "total": Decimal("2355000.00"),
    }
    assert r.jobs == {"direct": 25.6, "indirect": 5.25, "induced": 2.8, "total": 33.65}
    # unmapped spend is reported, never dropped: 10,000 + 5,000
    assert r.unmapped == [
        {"category": "Stationery", "local_spend": Decimal("10000.00")},
        {"category": "unclassified", "local_spend": Decimal("5000.00")},
    ]
    assert r.unmapped_spend == Decimal("15000.00") and r.mapped_spend == Decimal("1350000.00")
    assert r.local_spend == Decimal("1365000.00")
    assert r.caveat == CAVEAT and "upper-bound" in r.caveat


def test_local_spend_is_exactly_the_indicators(network: Workspace) -> None:
    from anchorkit.analytics.indicators import compute_indicators

    assert local_impact(network).local_spend == compute_indicators(network).network["local_spend"]


def test_one_anchor_and_one_year(network: Workspace) -> None:
    hospital = local_impact(network, anchor="Hospital")
    # Catering 200,000 → 350,000 output, 5.2 jobs; Healthcare 160,000, 1.7; Construction 95,000, 0.75
    assert hospital.output["total"] == Decimal("605000.00")
    assert hospital.jobs["total"] == 7.65
    fy2024 = local_impact(network, year=2024)
    # FY2024: the College's 1,000,000 of Catering (1,750,000 output, 26 jobs) + Construction
    # 50,000 (95,000, 0.75); nothing unmapped that year
    assert fy2024.output["total"] == Decimal("1845000.00")
    assert fy2024.jobs["total"] == 26.75
    assert fy2024.unmapped == [] and fy2024.local_spend == Decimal("1050000.00")
    assert local_impact(network, year=2030).sectors == []


def test_a_users_sector_map(network: Workspace, tmp_path: Path) -> None:
    sector_map = write(
        tmp_path, "map.csv", "category,sector\n340000,F\nunclassified,Q\nCatering,I\n"
    )
    load_multipliers(network, write(tmp_path, "uk.csv", TABLE), sector_map=sector_map, name="m")
    r = local_impact(network, table="m")
    # only the mapped categories: Healthcare and Works are unmapped now
    # F: Stationery 10,000 → output 19,000, jobs 0.15; Q: unclassified 5,000 → 8,000, 0.085
    by_sector = {s.sector: s for s in r.sectors}
    assert by_sector["F"].output["total"] == Decimal("19000.00")
    assert by_sector["F"].jobs["total"] == 0.15
    assert by_sector["Q"].output["total"] == Decimal("8000.00")
    assert {u["category"] for u in r.unmapped} == {
        "Healthcare",
        "Works - Construction, Repair & Maintenance",
    }
    assert r.unmapped_spend == Decimal("150000.00")


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ("I,,1.0,-0.5,0.2,1,1,1\n", r"bad\.csv, line 2: output_indirect is -0.5; .*negative"),
        ("I,,1.0,0.5,0.2,1,1,1\nQ,,1.0,0.5,lots,1,1,1\n", r"bad\.csv, line 3: output_induced"),
        ("I,,1,1,1,1,1,1\nQ,,1,1,1,1,1,1\nI,,1,1,1,1,1,1\n", r"line 4: sector 'I' is given twice \(first on line 2\)"),
        ("I,,1,1,1,1,1,nan\n", r"line 2: jobs_induced_per_million 'nan' is not a finite"),
        ("", r"bad\.csv: the table has a header but no sectors"),
    ],
)  # fmt: skip
def test_bad_tables_are_refused_with_the_line(tmp_path: Path, rows: str, says: str) -> None:
    with pytest.raises(MultiplierError, match=says):
        read_table(write(tmp_path, "bad.csv", HEADER + rows))


def test_a_table_without_a_column(tmp_path: Path) -> None:
    with pytest.raises(MultiplierError, match="has no jobs_induced_per_million column"):
        read_table(write(tmp_path, "bad.csv", "sector,output_direct,output_indirect,output_induced,"
                         "jobs_direct_per_million,jobs_indirect_per_million\nI,1,1,1,1,1\n"))  # fmt: skip


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("category,sector\nCatering,Z\n", r"map\.csv, line 2: sector 'Z' is not in the multiplier"),
        ("category,sector\nCatering,I\nHovercraft,I\n", r"map\.csv, line 3: 'Hovercraft' is not a level-1"),
        ("category,sector\n291100,I\n", r"line 2: 291100 is a level-2 code; .*290000"),
        ("category,sector\nCatering,I\n110000,Q\n", r"line 3: category 'Catering' is mapped twice"),
    ],
)  # fmt: skip
def test_bad_sector_maps_are_refused_with_the_line(
    network: Workspace, tmp_path: Path, text: str, says: str
) -> None:
    table = write(tmp_path, "uk.csv", TABLE)
    with pytest.raises(MultiplierError, match=says):
        load_multipliers(network, table, sector_map=write(tmp_path, "map.csv", text), name="x")


def test_nothing_loaded(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "empty")
    with pytest.raises(MultiplierError, match="No multiplier table is loaded"):
        local_impact(ws)


def test_the_shipped_example_loads_and_says_it_is_illustrative() -> None:
    table = read_table(example_path())
    assert len(table) >= 10 and {"62", "31-33", "72"} <= {m.sector for m in table}
    text = example_path().read_text()
    assert "ILLUSTRATIVE EXAMPLE VALUES, NOT OFFICIAL STATISTICS" in text
    assert (example_path().parent / "SOURCE.md").exists()


def test_cli_load_and_impact(network: Workspace) -> None:
    root = str(network.root)
    network.close()
    runner = CliRunner()
    done = runner.invoke(app, ["-w", root, "multipliers", "load", "--example"])
    assert done.exit_code == 0, done.output
    assert "illustrative" in done.stdout
    # the example (NAICS sectors) is now the newest table; ask for the UK one by name
    data = json.loads(
        runner.invoke(app, ["-w", root, "impact", "--table", "uk-test", "--json"]).stdout
    )
    assert data["output"]["total"] == "2355000.00" and data["jobs"]["total"] == 33.65
    assert data["unmapped_spend"] == "15000.00" and "upper-bound" in data["caveat"]
    text = runner.invoke(app, ["-w", root, "impact", "--year", "2024", "--table", "uk-test"])
    assert text.exit_code == 0 and "upper-bound" in text.stdout and "1,845,000" in text.stdout
    example = json.loads(runner.invoke(app, ["-w", root, "impact", "--json"]).stdout)
    assert example["table"] == "example_statcan_style_illustrative"
    bad = runner.invoke(app, ["-w", root, "impact", "--table", "nope"])
    assert bad.exit_code == 1 and "No multiplier table is called 'nope'" in bad.output

"""What-if on a small hand-made network; every before / after below is worked out by hand."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.analytics import compute_indicators
from anchorkit.analytics.lm3 import compute_lm3
from anchorkit.analytics.multipliers import CAVEAT, load_multipliers, local_impact
from anchorkit.analytics.whatif import Shift, parse_shift, what_if
from anchorkit.cli import app
from anchorkit.errors import WhatIfError
from anchorkit.ingest import ingest_files
from anchorkit.resolve.registries import import_registry
from anchorkit.resolve.run import resolve
from anchorkit.workspace import Workspace
from tests.ingest.helpers import write

# one anchor, FY2023; PR and BB5 postcodes are local, M1 / M2 are not; payroll is not addressable
HOSPITAL = (
    "Supplier,Amount,Date,Postcode\n"
    "Preston Bakery Ltd,100000.00,2023-04-10,PR1 2AB\n"  # Catering, local, social enterprise
    "National Catering plc,300000.00,2023-05-10,M1 1AA\n"  # Catering, NOT local
    "Mystery Caterer,40000.00,2023-05-11,\n"  # Catering, location unknown: never moved to local
    "Accrington Joinery,50000.00,2023-06-10,BB5 1AA\n"  # Works - Construction, local
    "National Builders plc,200000.00,2023-06-11,M1 1AB\n"  # Works - Construction, NOT local
    "Big Office Supplies,100000.00,2023-07-01,M2 2BB\n"  # Stationery (sector C: not in table)
    "Staff,500000.00,2023-07-01,\n"  # Payroll: excluded
)
CATEGORIES = {  # supplier → (taxonomy code, level-1 name), as `anchorkit classify` writes them
    "Preston Bakery Ltd": ("110000", "Catering"),
    "National Catering plc": ("110000", "Catering"),
    "Mystery Caterer": ("110000", "Catering"),
    "Accrington Joinery": ("390000", "Works - Construction, Repair & Maintenance"),
    "National Builders plc": ("390000", "Works - Construction, Repair & Maintenance"),
    "Big Office Supplies": ("340000", "Stationery"),
    "Staff": ("X", "Payroll"),
}
SOCIAL = "business_name,postal_code,certification_date,expiry_date\nPreston Bakery Ltd,PR1 2AB,2020-01-01,\n"
# UK SIC sections: the default map sends Catering → I, Works - Construction → F, Stationery → C
TABLE = (
    "sector,sector_name,output_direct,output_indirect,output_induced,"
    "jobs_direct_per_million,jobs_indirect_per_million,jobs_induced_per_million\n"
    "I,Accommodation and food,1.0,0.5,0.25,20,4,2\n"
    "F,Construction,1.0,0.6,0.3,8,5,2\n"
)
# LM3 default rates (shipped, assumptions): Catering 0.35; Works - Construction is not listed,
# so 'default' 0.25; nothing is surveyed.
#
# BEFORE (all hand-worked):
#   addressable = 100,000 + 300,000 + 40,000 + 50,000 + 200,000 + 100,000 = 790,000
#   local = 100,000 + 50,000 = 150,000 → local share 150,000 / 790,000 = 0.189873
#   impact (the bakery, social_enterprise) = 100,000 → 0.126582
#   LM3: R1 790,000, R2 150,000, R3 = 100,000 × 0.35 + 50,000 × 0.25 = 47,500
#        → (790,000 + 150,000 + 47,500) / 790,000 = 987,500 / 790,000 = 1.25
#   output: Catering 100,000 × (1 + 0.5 + 0.25) = 175,000; Works 50,000 × 1.9 = 95,000 → 270,000
#           (direct only 150,000)
#   jobs:   0.1 M × 26 = 2.6; 0.05 M × 15 = 0.75 → 3.35 (direct only 0.1 × 20 + 0.05 × 8 = 2.4)


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
    assert ingest_files(ws, [write(tmp_path, "h.csv", HOSPITAL)], "Hospital")[0].error is None
    registry = import_registry(
        ws, write(tmp_path, "se.csv", SOCIAL), "test-social", ["social_enterprise"]
    )
    assert registry.error is None and registry.rows_loaded == 1, registry
    resolve(ws)
    for supplier, (code, level1) in CATEGORIES.items():
        ws.engine.run(
            "test_categories",
            "INSERT INTO line_category (line_id, code, level1, level2, method, confidence, "
            "evidence) SELECT line_id, ?, ?, NULL, 'mapping', 1.0, 'test' FROM spend_line "
            "WHERE supplier_name = ?",
            [code, level1, supplier],
        )
    return ws


def with_table(ws: Workspace, tmp_path: Path) -> Workspace:
    load_multipliers(ws, write(tmp_path, "uk.csv", TABLE), name="uk-test")
    return ws


def test_the_before_figures_are_the_indicators_lm3_and_impact(
    network: Workspace, tmp_path: Path
) -> None:
    got = what_if(with_table(network, tmp_path), [Shift("Catering", 0.0)]).to_json()
    net = compute_indicators(network).network
    assert net["addressable_spend"] == Decimal("790000.00")
    assert got["local_share"]["before"] == net["local_share"] == 0.189873
    assert got["impact_share"]["before"] == net["impact_share"] == 0.126582
    assert got["lm3"]["before"] == compute_lm3(network).lm3 == 1.25
    impact = local_impact(network)
    assert got["local_output"]["before"] == f"{impact.output['total']:.2f}" == "270000.00"
    assert got["jobs"]["before"] == impact.jobs["total"] == 3.35
    # a 0 % shift changes nothing
    assert got["local_share"]["change"] == 0 and got["lm3"]["after"] == 1.25


def test_one_local_shift_worked_by_hand(network: Workspace, tmp_path: Path) -> None:
    got = what_if(with_table(network, tmp_path), [parse_shift("Catering:20")]).to_json()
    # non-local influenceable Catering = National Catering 300,000 (the unknown-location 40,000
    # stays): moved 20 % = 60,000
    assert got["shifts"] == [
        {
            "category": "Catering",
            "percent": 0.2,
            "tag": None,
            "kind": "local",
            "spend_moved": "60000.00",
        }
    ]
    # local 150,000 → 210,000; share 210,000 / 790,000 = 0.265823
    assert got["local_spend"] == {"before": "150000.00", "after": "210000.00", "change": "60000.00"}
    assert got["local_share"] == {"before": 0.189873, "after": 0.265823, "change": 0.07595}
    # LM3: R2 210,000; R3 47,500 + 60,000 × 0.35 = 68,500 → 1,068,500 / 790,000 = 1.352532
    #   low  (rate 0.35 × 0.5 = 0.175): R3 47,500 + 10,500 = 58,000 → 1,058,000 / 790,000 = 1.3392
    #   high (rate 0.35 × 1.5 = 0.525): R3 47,500 + 31,500 = 79,000 → 1,079,000 / 790,000 = 1.3658
    assert got["lm3"] == {
        "before": 1.25,
        "after": 1.3525,
        "change": 0.1025,
        "low": 1.3392,
        "high": 1.3658,
    }
    # output: + 60,000 × 1.75 = 105,000 → 375,000; low (direct): 150,000 + 60,000 = 210,000
    assert got["local_output"] == {
        "before": "270000.00",
        "after": "375000.00",
        "change": "105000.00",
        "low": "210000.00",
        "high": "375000.00",
    }
    # jobs: + 0.06 M × 26 = 1.56 → 4.91; low (direct): 2.4 + 0.06 × 20 = 3.6
    assert got["jobs"] == {"before": 3.35, "after": 4.91, "change": 1.56, "low": 3.6, "high": 4.91}
    # a local shift leaves the impact share alone
    assert got["impact_share"]["change"] == 0
    assert CAVEAT in got["caveats"]
    assert any("assumptions" in c for c in got["caveats"])


def test_two_shifts_together(network: Workspace, tmp_path: Path) -> None:
    shifts = [parse_shift("Catering:20"), parse_shift("390000:0.1")]  # by level-1 code
    got = what_if(with_table(network, tmp_path), shifts).to_json()
    # Works: 10 % of National Builders' 200,000 = 20,000
    assert [s["spend_moved"] for s in got["shifts"]] == ["60000.00", "20000.00"]
    # local 150,000 + 60,000 + 20,000 = 230,000 → 230,000 / 790,000 = 0.291139
    assert got["local_share"]["after"] == 0.291139
    # R3 47,500 + 21,000 + 20,000 × 0.25 = 73,500 → (790,000 + 230,000 + 73,500) / 790,000
    #   = 1,093,500 / 790,000 = 1.384177
    assert got["lm3"]["after"] == 1.3842
    # output 375,000 + 20,000 × 1.9 = 413,000; jobs 4.91 + 0.02 × 15 = 5.21
    assert got["local_output"]["after"] == "413000.00"
    assert got["jobs"]["after"] == 5.21


def test_a_tag_shift_changes_impact_only(network: Workspace, tmp_path: Path) -> None:
    got = what_if(
        with_table(network, tmp_path), [parse_shift("catering:50%:social_enterprise")]
    ).to_json()
    # Catering spend lacking the tag: National 300,000 + Mystery 40,000 = 340,000; 50 % = 170,000,
    # all of it untagged → impact 100,000 + 170,000 = 270,000 → 270,000 / 790,000 = 0.341772
    assert got["shifts"][0]["spend_moved"] == "170000.00"
    assert got["impact_spend"]["after"] == "270000.00"
    assert got["impact_share"] == {"before": 0.126582, "after": 0.341772, "change": 0.21519}
    assert got["tag_shares"] == {
        "social_enterprise": {"before": 0.126582, "after": 0.341772, "change": 0.21519}
    }
    for name in ("local_share", "lm3", "jobs"):
        assert got[name]["change"] == 0, name
    assert got["local_output"]["change"] == "0.00"


def test_no_multiplier_table_gives_null_output_and_jobs(network: Workspace) -> None:
    got = what_if(network, [parse_shift("Catering:20")]).to_json()
    assert got["local_output"] == {
        "before": None,
        "after": None,
        "change": None,
        "low": None,
        "high": None,
    }
    assert got["jobs"]["after"] is None
    assert any("No multiplier table" in n for n in got["notes"])
    assert got["lm3"]["after"] == 1.3525  # the rest still works


def test_unmapped_category_adds_no_output_and_says_so(network: Workspace, tmp_path: Path) -> None:
    got = what_if(with_table(network, tmp_path), [parse_shift("Stationery:50")]).to_json()
    # 50,000 moved; Stationery (sector C) is not in the table; R3 + 50,000 × 0.15 = 7,500
    # → (790,000 + 200,000 + 55,000) / 790,000 = 1.322785
    assert got["local_spend"]["after"] == "200000.00"
    assert got["lm3"]["after"] == 1.3228
    assert got["local_output"]["change"] == "0.00"
    assert any("Stationery" in n and "no output" in n for n in got["notes"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Catering:20", Shift("Catering", 0.2)),
        ("Catering:20%", Shift("Catering", 0.2)),
        ("Catering:0.2", Shift("Catering", 0.2)),
        ("Catering:100", Shift("Catering", 1.0)),
        ("Catering:0.5%", Shift("Catering", 0.005)),
        ("Catering:20:social_enterprise", Shift("Catering", 0.2, "social_enterprise")),
        ("Works: Repairs:15", Shift("Works: Repairs", 0.15)),
    ],
)
def test_parse_shift(text: str, expected: Shift) -> None:
    got = parse_shift(text)
    assert (got.category, got.tag) == (expected.category, expected.tag)
    assert got.percent == pytest.approx(expected.percent)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Catering", "Cannot read the shift"),
        ("Catering:abc", "Cannot read the shift"),
        (":20", "Cannot read the shift"),
        ("Catering:20:", "Cannot read the shift"),
        ("Catering:150", "over 100 %"),
        ("Catering:101%", "over 100 %"),
        ("Catering:-5", "negative"),
        ("Catering:1", "ambiguous"),
    ],
)
def test_parse_shift_refuses_nonsense(text: str, message: str) -> None:
    with pytest.raises(WhatIfError, match=message):
        parse_shift(text)


@pytest.mark.parametrize(
    ("shifts", "message"),
    [
        ([], "at least one shift"),
        (["Nonsense:20"], "No category 'Nonsense'"),
        (["Catering:20:no_such_tag"], "No supplier carries the tag 'no_such_tag'"),
        (["Catering:20", "catering:30"], "shifted to local suppliers twice"),
        (["Catering:20", "110000:10"], "overlap"),
    ],
)
def test_what_if_refuses_nonsense(network: Workspace, shifts: list[str], message: str) -> None:
    with pytest.raises(WhatIfError, match=message):
        what_if(network, [parse_shift(s) for s in shifts])
    with pytest.raises(WhatIfError, match="between 0 and 100"):
        what_if(network, [Shift("Catering", 1.5)])


def test_cli_end_to_end(network: Workspace, tmp_path: Path) -> None:
    with_table(network, tmp_path)
    runner = CliRunner()
    base = ["--workspace", str(network.root), "what-if"]
    result = runner.invoke(app, [*base, "--shift", "Catering:20", "--shift", "390000:10", "--json"])
    assert result.exit_code == 0, result.output
    got = json.loads(result.output)
    assert got["local_share"]["after"] == 0.291139
    assert got["lm3"]["after"] == 1.3842
    text = runner.invoke(app, [*base, "--shift", "Catering:20", "--anchor", "Hospital"])
    assert text.exit_code == 0, text.output
    # figures read as on every face (views/formatting.py): a change of a share in points
    assert "60,000 moved" in text.output and "lm3: 1.25 → 1.35" in text.output
    assert "local_share: 19.0 % → 26.6 %, change +7.6 pp" in text.output
    bad = runner.invoke(app, [*base, "--shift", "Catering:150"])
    assert bad.exit_code == 1 and "over 100 %" in bad.output

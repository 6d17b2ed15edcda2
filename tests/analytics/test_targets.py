"""Targets on a small hand-made network; every actual, gap and progress is worked out by hand."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.analytics.targets import remove_target, set_target, target_progress
from anchorkit.cli import app
from anchorkit.errors import AnchorError, TargetError
from anchorkit.ingest import ingest_files
from anchorkit.workspace import Workspace
from tests.ingest.helpers import write

# fiscal years start on 1 April: 2023-04-10 is in FY 2023, 2024-05-01 in FY 2024
HOSPITAL = (
    "Supplier,Amount,Date,Postcode\n"
    "Preston Bakery Ltd,1000.00,2023-04-10,PR1 2AB\n"  # FY2023 local
    "Accrington Joinery,500.00,2023-06-10,BB5 1AA\n"  # FY2023 local
    "National Supplies plc,3000.00,2023-06-11,M1 1AA\n"  # FY2023 not local
    "Preston Bakery Ltd,2000.00,2024-05-01,PR1 2AB\n"  # FY2024 local
    "National Supplies plc,2000.00,2024-06-01,M1 1AA\n"  # FY2024 not local
)
COLLEGE = "Supplier,Amount,Date,Postcode\nPreston Bakery Ltd,300.00,2024-09-01,PR1 2AB\n"


@pytest.fixture
def network(tmp_path: Path) -> Workspace:
    ws = Workspace.init(
        tmp_path / "ws", settings={"currency": "GBP", "local.postcode_prefixes": ["PR", "BB5"]}
    )
    ws.add_anchor("Hospital", "hospital")
    ws.add_anchor("College", "college")
    assert ingest_files(ws, [write(tmp_path, "h.csv", HOSPITAL)], "Hospital")[0].error is None
    assert ingest_files(ws, [write(tmp_path, "c.csv", COLLEGE)], "College")[0].error is None
    return ws


def test_share_target_gap_and_progress_worked_by_hand(network: Workspace) -> None:
    set_target(network, "local_share", "60%", 2024, anchor="Hospital", baseline_year=2023)
    (p,) = target_progress(network, anchor="Hospital")
    # FY2023: local 1000 + 500 of addressable 4500 = 1/3; FY2024: 2000 of 4000 = 0.5
    assert p.target == 0.6 and p.actual == 0.5 and p.baseline == round(1500 / 4500, 6)
    assert p.gap == pytest.approx(0.1)
    # progress = (0.5 - 1/3) / (0.6 - 1/3) = 0.625
    assert p.progress == pytest.approx(0.625, abs=1e-5)
    assert [t["year"] for t in p.trend] == [2023, 2024]


def test_network_amount_and_count_targets(network: Workspace) -> None:
    set_target(network, "local_share", 0.5, 2024)
    set_target(network, "local_spend", "2,500", 2024)
    set_target(network, "suppliers", 5, 2024)
    got = {p.indicator: p for p in target_progress(network)}
    # network FY2024: local 2000 + 300 = 2300 of addressable 4300
    assert got["local_share"].actual == round(2300 / 4300, 6)
    assert got["local_share"].gap == pytest.approx(0.5 - 2300 / 4300, abs=1e-6)  # passed: < 0
    assert got["local_spend"].actual == 2300.0 and got["local_spend"].gap == 200.0
    assert got["suppliers"].actual == 2.0 and got["suppliers"].gap == 3.0
    assert target_progress(network, anchor="College") == []  # network targets are not the College's


def test_a_year_without_spend_has_no_actual(network: Workspace) -> None:
    set_target(network, "local_share", 0.7, 2030)
    (p,) = target_progress(network)
    assert p.actual is None and p.gap is None


def test_setting_again_replaces_and_remove_removes(network: Workspace) -> None:
    set_target(network, "impact_share", 0.1, 2024)
    set_target(network, "impact_share", 0.2, 2024)
    assert [p.target for p in target_progress(network)] == [0.2]
    remove_target(network, "impact_share", 2024)
    assert target_progress(network) == []
    with pytest.raises(TargetError, match="no impact_share target"):
        remove_target(network, "impact_share", 2024)


@pytest.mark.parametrize(
    ("indicator", "value", "kwargs", "says"),
    [
        ("local_share", "150%", {}, "between 0 and 1"),
        ("local_share", "lots", {}, "not a number"),
        ("local_spend", "-5", {}, "cannot be negative"),
        ("happiness", "0.5", {}, "no indicator 'happiness'"),
        ("tag_share:unicorn_owned", "0.1", {}, "No supplier carries the tag"),
        ("local_share", "0.5", {"baseline_year": 2025}, "baseline year must come before"),
    ],
)
def test_nonsense_targets_are_refused(
    network: Workspace, indicator: str, value: str, kwargs: dict[str, int], says: str
) -> None:
    with pytest.raises(TargetError, match=says):
        set_target(network, indicator, value, 2024, **kwargs)  # type: ignore[arg-type]
    assert target_progress(network) == []


def test_unknown_anchor(network: Workspace) -> None:
    with pytest.raises(AnchorError):
        set_target(network, "local_share", 0.5, 2024, anchor="Castle")


def test_cli_target_set_then_indicators_json(network: Workspace) -> None:
    root = str(network.root)
    network.close()
    runner = CliRunner()
    done = runner.invoke(
        app, ["-w", root, "target", "set", "local_share", "60%", "--year", "2024",
              "--anchor", "Hospital", "--baseline-year", "2023"],
    )  # fmt: skip
    assert done.exit_code == 0 and "60.0 %" in done.stdout
    data = json.loads(
        runner.invoke(app, ["-w", root, "indicators", "--anchor", "Hospital", "--json"]).stdout
    )
    (target,) = data["targets"]
    assert (target["indicator"], target["year"], target["target"], target["actual"]) == (
        "local_share",
        2024,
        0.6,
        0.5,
    )
    bad = runner.invoke(app, ["-w", root, "target", "set", "local_share", "2", "--year", "2024"])
    assert bad.exit_code == 1 and "over 100 %" in bad.output

"""Hiring indicators on a small network whose figures are worked out by hand (see helpers.py)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.analytics.lm3 import compute_lm3
from anchorkit.analytics.targets import set_target, target_progress
from anchorkit.cli import app
from anchorkit.place import canada
from anchorkit.place.locate import locate_many
from anchorkit.place.regions import Region
from anchorkit.views.hiring import hiring_section
from anchorkit.workforce import import_workforce
from anchorkit.workforce.indicators import compute_hiring, disclose
from anchorkit.workspace import Workspace
from tests.workforce.helpers import BY_NEIGHBOURHOOD, CLINIC_2024, HOSPITAL_2024, network, write


@pytest.fixture
def levers(tmp_path: Path) -> Workspace:
    ws = network(tmp_path / "ws")
    import_workforce(ws, write(tmp_path / "h.csv", HOSPITAL_2024), "Lakeside Hospital", period=2024)
    import_workforce(ws, write(tmp_path / "c.csv", CLINIC_2024), "Harbour Clinic", period=2024)
    return ws


def test_hiring_figures_by_hand(levers: Workspace) -> None:
    figures = compute_hiring(levers)
    assert figures.periods == [2024]
    (hospital,) = [r for r in figures.rows if r["anchor"] == "Lakeside Hospital"]
    # staff 40 + 20 + 30 + 5 + 10 apprentices; local = the two Toronto FSAs: 40 + 20 + 10
    assert (hospital["staff"], hospital["local_staff"], hospital["unknown_location_staff"]) == (
        105,
        70,
        5,
    )
    assert hospital["local_staff_share"] == round(70 / 105, 6)
    assert hospital["local_staff_share_of_known"] == 0.7
    # the wider ring (province: Ontario) takes L4C too; "Not known" is no postcode
    assert hospital["wider_local_staff"] == 100
    # priority areas: each FSA apportioned by the share of its postcodes in an NIA
    m3n, m5r = _priority_share("M3N"), _priority_share("M5R")
    assert m3n > 0.99 and m5r < 0.05
    assert hospital["priority_area_staff"] == pytest.approx(40 * m3n + 30 * m5r, abs=0.01)
    assert (hospital["new_hires"], hospital["local_hires"], hospital["local_hire_share"]) == (
        20,
        12,
        0.6,
    )
    assert hospital["priority_area_hire_share"] == pytest.approx(12 * m3n / 20, abs=1e-4)
    assert (hospital["living_wage_known"], hospital["living_wage_or_above"]) == (100, 70)
    assert hospital["living_wage_share"] == 0.7 and hospital["apprentices"] == 10
    assert hospital["payroll"] == Decimal("4600000.00")
    assert hospital["local_payroll"] == Decimal("2800000.00")
    assert hospital["local_payroll_share"] == round(2.8 / 4.6, 6)
    (network_2024,) = figures.network
    assert network_2024["staff"] == 105 + 8 and network_2024["new_hires"] == 23
    assert network_2024["local_staff"] == 70 + 8  # the clinic's M5V and M1B
    (group,) = [g for g in figures.groups if g["anchor"] == "Lakeside Hospital"]
    assert (group["group"], group["kind"], group["people"], group["share"]) == (
        "Indigenous",
        "new_hire",
        4,
        0.2,
    )
    assert figures.living_wage[2024] is not None
    assert figures.living_wage[2024]["hourly_rate"] == "25.05"  # announced in late 2023


def _priority_share(fsa: str) -> float:
    """The share of an FSA's postal codes lying in a priority area, each placed on its own."""
    full = canada.ca_full()
    codes = [c for c in full.column("code").to_pylist() if c.startswith(fsa)]
    placed = locate_many(codes, regions=[Region.load("toronto")]).column("priority_area")
    return sum(1 for flag in placed.to_pylist() if flag) / len(codes)


def test_people_counted_by_neighbourhood_are_placed_whole(tmp_path: Path) -> None:
    with network(tmp_path / "ws") as ws:
        path = write(tmp_path / "n.csv", BY_NEIGHBOURHOOD)
        done = import_workforce(ws, path, "Lakeside Hospital", period=2024)
        assert (done.rows_loaded, done.rows_rejected) == (3, 0)
        (row,) = compute_hiring(ws).rows
        # Glenfield-Jane Heights and Black Creek are NIAs, the Annex is not: 55 of 75, 17 of 17
        assert (row["staff"], row["priority_area_staff"]) == (75, 55.0)
        assert row["priority_area_hire_share"] == 1.0
        # a postcode-prefix rule cannot judge a neighbourhood: unknown, never non-local
        assert row["unknown_location_staff"] == 75 and row["local_staff"] == 0
        hoods = {h["neighbourhood"]: h["staff"] for h in compute_hiring(ws).by_neighbourhood}
        assert hoods == {"Glenfield-Jane Heights": 40.0, "Annex": 20.0, "Black Creek": 15.0}


def test_small_counts_are_suppressed_wherever_shown(levers: Workspace) -> None:
    section = hiring_section(levers)
    clinic = next(r for r in section["by_anchor"] if r["anchor"] == "Harbour Clinic")
    assert clinic["staff"] is None and clinic["new_hires"] is None and clinic["leavers"] is None
    assert clinic["local_staff_share"] is None and clinic["payroll"] is None
    assert {"staff", "local_staff_share"} <= set(clinic["suppressed"])
    hospital = next(r for r in section["by_anchor"] if r["anchor"] == "Lakeside Hospital")
    assert hospital["staff"] == 105 and hospital["local_staff_share"] == round(70 / 105, 6)
    assert hospital["unknown_location_staff"] is None  # 5 people
    (group,) = [g for g in section["groups"] if g["anchor"] == "Lakeside Hospital"]
    assert group["people"] is None and group["share"] is None  # 4 people
    # a share whose part is a small count is hidden too; with a threshold of 0, nothing is
    row = {**compute_hiring(levers).rows[0]}
    assert disclose(row, 0)["suppressed"] == []
    shown = disclose({**row, "local_hires": 3, "new_hires": 40, "local_hire_share": 0.075}, 10)
    assert shown["local_hire_share"] is None and shown["new_hires"] == 40


def test_targets_on_hiring_read_the_same_figures(levers: Workspace) -> None:
    set_target(levers, "local_hire_share", "40%", 2027)
    set_target(levers, "living_wage_share", 0.9, 2024, anchor="Lakeside Hospital")
    (network_target,) = target_progress(levers)
    assert network_target.indicator == "local_hire_share" and network_target.actual is None
    # 2024's actual is in the trend: the hospital's 12 and the clinic's 3 (M5V) of 23 hires
    assert {t["year"]: t["actual"] for t in network_target.trend}[2024] == round(15 / 23, 6)
    (own,) = target_progress(levers, anchor="Lakeside Hospital")
    assert (own.actual, own.gap) == (0.7, 0.2)


def test_lm3_counts_local_payroll_only_when_asked(levers: Workspace, tmp_path: Path) -> None:
    plain = compute_lm3(levers, anchor="Lakeside Hospital")
    assert not plain.payroll_included and plain.r1 == 0
    levers.close()
    toml = tmp_path / "ws" / "anchorkit.toml"
    toml.write_text(toml.read_text() + "\n[lm3]\ninclude_payroll = true\n")
    with Workspace.open(tmp_path / "ws") as ws:
        with_payroll = compute_lm3(ws, anchor="Lakeside Hospital")
    assert with_payroll.payroll_included and "local payroll" in with_payroll.label
    assert (with_payroll.r1, with_payroll.r2) == (Decimal("4600000.00"), Decimal("2800000.00"))
    assert with_payroll.lm3 is not None and with_payroll.lm3 > 1.6


def test_indicators_json_has_hiring_and_investment_sections(
    levers: Workspace, tmp_path: Path
) -> None:
    levers.close()
    done = CliRunner().invoke(app, ["-w", str(tmp_path / "ws"), "indicators", "--json"])
    assert done.exit_code == 0, done.output
    data = json.loads(done.output)
    assert {"network", "targets", "hiring", "investment"} <= set(data)
    assert data["hiring"]["latest"]["staff"] == 113 and data["hiring"]["min_count"] == 10
    assert data["investment"]["network"] == []
    done = CliRunner().invoke(
        app,
        ["-w", str(tmp_path / "ws"), "target", "set", "local_hire_share", "0.4", "--year", "2027"],
    )
    assert done.exit_code == 0, done.output

"""The analytic model: every figure read from it equals, to the cent, what the old path (each
figure deciding every line again, tests/analytics/old_path.py) gives on the demo network; and the
model is never read stale — a change of data or settings shows in the next figure."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from anchorkit.analytics import indicators, lm3, multipliers, opportunities, targets, whatif
from anchorkit.analytics.indicators import DIMENSIONS, compute_breakdowns
from anchorkit.analytics.move import differences
from anchorkit.analytics.multipliers import example_path, load_multipliers, local_impact
from anchorkit.analytics.whatif import Shift
from anchorkit.workspace import Workspace
from tests.analytics import old_path


@pytest.fixture(scope="module")
def demo(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's demo (3 anchors, 6,000 lines, seed 7) with the example
    multipliers and two targets, so that every figure has something to show."""
    root = tmp_path_factory.mktemp("model") / "net"
    shutil.copytree(demo_template, root)
    with Workspace.open(root) as ws:
        load_multipliers(ws, example_path())
        (year,) = ws.engine.query_one("y", "SELECT max(fiscal_year) FROM spend_line")
        targets.set_target(ws, "local_share", "40%", int(year), baseline_year=int(year) - 1)
        targets.set_target(ws, "tag_share:social_enterprise", "5%", int(year))
    return root


def figures(ws: Workspace) -> dict[str, Any]:
    """Every figure the faces show, as JSON: indicators by every dimension for the network, each
    anchor and each year; LM3, jobs, targets, what-ifs and opportunities."""
    anchors = [a.name for a in ws.anchors()]
    years = sorted(
        int(y) for (y,) in ws.engine.query("y", "SELECT DISTINCT fiscal_year FROM spend_line")
    )
    dims = list(DIMENSIONS)
    out: dict[str, Any] = {}
    scopes: list[tuple[str | None, int | None]] = [(None, None)]
    scopes += [(a, None) for a in anchors] + [(None, y) for y in years] + [(anchors[0], years[-1])]
    for anchor, year in scopes:
        found = compute_breakdowns(ws, dims, anchor=anchor, year=year)
        key = f"{anchor}/{year}"
        out[f"indicators {key}"] = {str(d): r.to_json() for d, r in found.items()}
        out[f"lm3 {key}"] = lm3.compute_lm3(ws, anchor=anchor, year=year).to_json()
        out[f"jobs {key}"] = local_impact(ws, anchor=anchor, year=year).to_json()
    out["targets"] = [p.to_json() for p in targets.target_progress(ws)]
    categories = [r["category"] for r in out["indicators None/None"]["category"]["rows"]]
    level2 = ws.engine.query_one("l2", "SELECT min(level2) FROM line_category")[0]
    raw = ws.engine.query_one("raw", "SELECT min(raw_category) FROM spend_line")[0]
    scenarios = [
        [Shift(categories[0], 0.2)],
        [Shift(categories[1], 0.5), Shift(str(level2), 0.1, "social_enterprise")],
        [Shift(str(raw), 1.0)],
    ]
    for number, shifts in enumerate(scenarios):
        for anchor in (None, anchors[-1]):
            result = whatif.what_if(ws, shifts, anchor=anchor)
            out[f"what-if {number} {anchor}"] = result.to_json()
    out["opportunities"] = [o.to_json() for o in opportunities.find_opportunities(ws, limit=1000)]
    return out


@contextmanager
def old_path_swapped_in(monkeypatch: pytest.MonkeyPatch, ws: Workspace) -> Iterator[None]:
    """The figures' functions, fed by the old path instead of the model."""
    for module in (indicators, lm3, multipliers, targets, whatif):
        monkeypatch.setattr(module, "compute_breakdowns", old_path.compute_breakdowns)
    monkeypatch.setattr(lm3, "_local_spend", old_path.lm3_local_spend)
    monkeypatch.setattr(whatif, "_spend", old_path.whatif_spend)
    with old_path.opportunity_source(ws) as source:
        monkeypatch.setattr(opportunities, "_influenceable", lambda ws: source)
        yield
    monkeypatch.undo()


def test_every_figure_equals_the_old_path(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with Workspace.open(demo) as ws:
        new = figures(ws)
        with old_path_swapped_in(monkeypatch, ws):
            old = figures(ws)
    assert differences(new, old) == []
    network = new["indicators None/None"]["None"]["network"]
    assert network["local_spend"] != "0.00" and network["impact_spend"] != "0.00"
    assert new["opportunities"] and new["jobs None/None"]["sectors"]

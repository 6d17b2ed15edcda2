"""The demo's other two levers, run after its spend: workforce counts (one anchor's from a
person-level export, aggregated first), investment registers, and neighbourhood statistics.

Called by :func:`anchorkit.demo.pipeline.run_demo` after resolution (investees are matched to the
suppliers it found) — a few lines there, the work here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from anchorkit.demo import DemoNetwork
from anchorkit.demo.community import SOURCE, YEAR, write_demo_community
from anchorkit.demo.investment import write_demo_investment
from anchorkit.demo.workforce import HOURS, LIVING_WAGE, write_demo_workforce
from anchorkit.errors import AnchorkitError
from anchorkit.investment import import_investment, rematch_investees
from anchorkit.place.stats import import_stats
from anchorkit.workforce import import_workforce
from anchorkit.workforce.aggregate import aggregate_people
from anchorkit.workspace import Workspace

#: settings the levers add to the demo's: its living wage is Toronto's
SETTINGS: dict[str, object] = {"workforce.living_wage_area": "Toronto"}


@dataclass
class LeverSummary:
    workforce_files: int = 0
    workforce_rows: int = 0
    people_aggregated: int = 0
    investment_files: int = 0
    holdings: int = 0
    holdings_with_suppliers: int = 0
    neighbourhood_statistics: list[str] = field(default_factory=list)


def run_levers(ws: Workspace, network: DemoNetwork, seed: int) -> LeverSummary:
    """Write the lever files of ``network``'s anchors and import them into ``ws``."""
    summary = LeverSummary()
    anchors = [(a.name, a.kind) for a in network.anchors]
    for f in write_demo_workforce(network.root, seed, anchors):
        path = f.path
        if f.person_level:  # as the anchor would, on its own machine, before sending counts
            counts = path.with_name(
                path.stem.replace("hr_export_people", "workforce_counts") + ".csv"
            )
            done = aggregate_people(
                path,
                counts,
                period=int(f.period or 0),
                living_wage=Decimal(str(LIVING_WAGE)),
                full_time_hours=float(HOURS),
            )
            summary.people_aggregated += done.people
            path = counts
        result = import_workforce(ws, path, f.anchor, period=f.period)
        if result.error:
            raise AnchorkitError(f"demo workforce file {path.name} failed: {result.error}")
        summary.workforce_files += 1
        summary.workforce_rows += result.rows_loaded
    for f in write_demo_investment(network.root, seed, anchors):
        result = import_investment(ws, f.path, f.anchor, match=False)
        if result.error:
            raise AnchorkitError(f"demo investment file {f.path.name} failed: {result.error}")
        summary.investment_files += 1
        summary.holdings += result.rows_loaded
    summary.holdings_with_suppliers = rematch_investees(ws)  # all registers' at once
    if "toronto" in ws.settings["place.regions"]:
        stats = import_stats(ws, write_demo_community(network.root, seed), source=SOURCE, year=YEAR)
        summary.neighbourhood_statistics = stats.statistics
    return summary

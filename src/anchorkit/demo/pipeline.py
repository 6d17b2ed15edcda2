"""The whole demo pipeline as one library call: build, ingest, import registries, resolve, classify.

``anchorkit demo`` (and so ``make demo``) is a thin wrapper around :func:`run_demo`; tests call
it directly. Each step, once done, is reported as a :class:`DemoStep` with its counts and time,
so a person watching ``make demo`` (on a terminal, in a log or in CI) sees it advance rather
than minutes of silence; while a step runs, it tells :mod:`anchorkit.progress` (the command's
bar on a terminal, a heartbeat line in a log).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from anchorkit import progress
from anchorkit.classify import ClassifyResult, classify
from anchorkit.demo import DemoNetwork, build_demo
from anchorkit.demo.commitments import plant_commitments
from anchorkit.demo.levers import SETTINGS as LEVER_SETTINGS
from anchorkit.demo.levers import LeverSummary, run_levers
from anchorkit.demo.planted_postings import plant_postings
from anchorkit.demo.registries import write_demo_registries
from anchorkit.errors import AnchorkitError
from anchorkit.ingest import ingest_files
from anchorkit.resolve.registries import import_registry
from anchorkit.resolve.run import ResolveResult, resolve
from anchorkit.workspace import Workspace


@dataclass(frozen=True)
class DemoStep:
    """One step of the demo, done: what it did, in counts, and how long it took."""

    name: str
    counts: dict[str, int]
    seconds: float

    def line(self) -> str:
        """``ingest: 112 files, 249,123 lines loaded, 877 rows rejected (45.2 s)``"""
        said = ", ".join(f"{n:,} {what}" for what, n in self.counts.items())
        return f"{self.name}: {said} ({self.seconds:.1f} s)"


@dataclass
class DemoSummary:
    network: DemoNetwork
    lines_loaded: int = 0
    rows_rejected: int = 0
    registry_entries: int = 0
    resolution: ResolveResult | None = None
    classification: ClassifyResult | None = None
    levers: LeverSummary | None = None
    steps: list[DemoStep] = field(default_factory=list)


def run_demo(
    path: Path,
    *,
    anchors: int = 17,
    lines: int = 250_000,
    seed: int = 42,
    done: Callable[[DemoStep], None] | None = None,
) -> DemoSummary:
    """Build the demo network in ``path`` and run every pipeline step on it.

    ``done(step)`` gets each step once it has finished, with its counts (a line per step); what
    runs meanwhile goes to the running command's progress (none: nothing)."""
    steps: list[DemoStep] = []

    @contextmanager
    def timed(name: str, counts: dict[str, int]) -> Iterator[dict[str, int]]:
        start = time.perf_counter()
        yield counts  # the step fills in its counts
        finished = DemoStep(name, counts, time.perf_counter() - start)
        steps.append(finished)
        if done is not None:
            done(finished)

    with timed("generate", {}) as counts:
        progress.step("generating the demo network", lines)
        network = build_demo(
            path,
            anchors=anchors,
            lines=lines,
            seed=seed,
            progress=lambda rows, total: progress.set_done(rows, total),
        )
        counts |= {"anchors": len(network.anchors), "files written": len(network.files)}
        counts["rows written"] = lines
    summary = DemoSummary(network, steps=steps)
    with Workspace.init(path, settings={**network.settings, **LEVER_SETTINGS}) as ws:
        for a in network.anchors:
            ws.add_anchor(a.name, a.kind)
        with timed("ingest", {}) as counts:
            for number, f in enumerate(network.files, 1):
                progress.step(f"ingesting file {number} of {len(network.files)}: {f.path.name}")
                (r,) = ingest_files(ws, [f.path], f.anchor)
                if r.error:
                    raise AnchorkitError(f"demo file {r.file} failed: {r.error}")
                summary.lines_loaded += r.rows_loaded
                summary.rows_rejected += r.rows_rejected
            counts |= {
                "files": len(network.files),
                "lines loaded": summary.lines_loaded,
                "rows rejected": summary.rows_rejected,
            }
        with timed("registries", {}) as counts:
            registries = write_demo_registries(path, seed)
            for registry in registries:
                progress.step(f"importing registry {registry.name}")
                result = import_registry(ws, registry.path, registry.name, [registry.tag])
                if result.error:
                    raise AnchorkitError(f"demo registry {registry.name} failed: {result.error}")
                summary.registry_entries += result.rows_loaded
            counts |= {"registries imported": len(registries), "entries": summary.registry_entries}
        with timed("resolve", {}) as counts:
            progress.step("resolving suppliers")
            resolution = summary.resolution = resolve(ws)
            counts |= {
                "suppliers resolved": resolution.suppliers,
                "placed": resolution.suppliers_placed,
                "pairs left for review": resolution.review_items,
            }
        with timed("classify", {}) as counts:
            progress.step("classifying spend lines")
            classified = summary.classification = classify(ws)
            counts |= {
                "lines classified": classified.lines,
                "left unclassified": classified.unclassified,
            }
        with timed("portal", {}) as counts:
            progress.step("posting the portal's upcoming purchases")
            posted = plant_postings(ws, network.truth_dir, [a.name for a in network.anchors])
            counts["upcoming purchases posted"] = len(posted)
        with timed("levers", {}) as counts:
            progress.step("hiring and investment: workforce counts, registers, neighbourhoods")
            levers = summary.levers = run_levers(ws, network, seed)
            counts |= {
                "workforce files": levers.workforce_files,
                "workforce rows": levers.workforce_rows,
                "investment holdings": levers.holdings,
            }
        with timed("commitments", {}) as counts:
            progress.step("recording contracts' commitments, quarterly returns and Tier-2")
            counts |= plant_commitments(ws, path, seed)
    return summary

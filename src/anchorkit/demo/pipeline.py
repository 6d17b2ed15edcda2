"""The whole demo pipeline as one library call: build, ingest, import registries, resolve, classify.

``anchorkit demo`` (and so ``make demo``) is a thin wrapper around :func:`run_demo`; tests call
it directly.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from anchorkit.classify import ClassifyResult, classify
from anchorkit.demo import DemoNetwork, build_demo
from anchorkit.demo.planted_postings import plant_postings
from anchorkit.demo.registries import write_demo_registries
from anchorkit.errors import AnchorkitError
from anchorkit.ingest import ingest_files
from anchorkit.resolve.registries import import_registry
from anchorkit.resolve.run import ResolveResult, resolve
from anchorkit.workspace import Workspace


@dataclass
class DemoSummary:
    network: DemoNetwork
    lines_loaded: int = 0
    rows_rejected: int = 0
    registry_entries: int = 0
    resolution: ResolveResult | None = None
    classification: ClassifyResult | None = None
    steps: list[str] = field(default_factory=list)


def run_demo(
    path: Path,
    *,
    anchors: int = 17,
    lines: int = 250_000,
    seed: int = 42,
    step: Callable[[str, int, int], None] | None = None,
) -> DemoSummary:
    """Build the demo network in ``path`` and run every pipeline step on it."""
    say = step or (lambda _what, _done, _total: None)
    say("generating the demo network", 0, 1)
    network = build_demo(path, anchors=anchors, lines=lines, seed=seed)
    summary = DemoSummary(network)
    with Workspace.init(path, settings=network.settings) as ws:
        for a in network.anchors:
            ws.add_anchor(a.name, a.kind)
        for done, f in enumerate(network.files):
            say(f"ingesting {f.anchor}", done, len(network.files))
            (r,) = ingest_files(ws, [f.path], f.anchor)
            if r.error:
                raise AnchorkitError(f"demo file {r.file} failed: {r.error}")
            summary.lines_loaded += r.rows_loaded
            summary.rows_rejected += r.rows_rejected
        for registry in write_demo_registries(path, seed):
            say(f"importing registry {registry.name}", 0, 1)
            result = import_registry(ws, registry.path, registry.name, [registry.tag])
            if result.error:
                raise AnchorkitError(f"demo registry {registry.name} failed: {result.error}")
            summary.registry_entries += result.rows_loaded
        say("resolving suppliers", 0, 1)
        summary.resolution = resolve(ws)
        say("classifying spend lines", 0, 1)
        summary.classification = classify(ws)
        plant_postings(ws, network.truth_dir, [a.name for a in network.anchors])
    return summary

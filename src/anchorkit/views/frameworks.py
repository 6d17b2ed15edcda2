"""Framework reports as every face shows them: the list of packs, and one framework's measures for
the network, an anchor and a year — one function, so the CLI, the page and the report agree.

Hiring and investment figures are read through ``anchorkit.views.levers`` (``lever_sections``)
when that module is installed and its data loaded; otherwise those measures say plainly that they
are not computable from this data. Commitment measures read suppliers' actuals
(:mod:`anchorkit.commitments.status`), Tier-2 measures the prime suppliers' returns
(:mod:`anchorkit.commitments.tier2`), both "not computable" until some are recorded.
"""

from __future__ import annotations

import importlib
import importlib.util
from typing import Any

from anchorkit.access.policy import sees_all_lines
from anchorkit.commitments.status import by_measure_for_framework, commitment_rows
from anchorkit.commitments.tier2 import tier2_summary
from anchorkit.frameworks import evaluate, find_framework, load_frameworks
from anchorkit.frameworks.packs import Framework
from anchorkit.records.accounts import Actor
from anchorkit.views.store import Store
from anchorkit.workspace import Workspace


def framework_list(ws: Workspace) -> list[dict[str, Any]]:
    """Every framework the workspace can report against (shipped packs and its own)."""
    return [f.summary() for f in load_frameworks(ws.root, ws.settings).values()]


def _optional_sections(
    module: str, function: str, ws: Workspace, anchor: str | None
) -> dict[str, Any] | None:
    """``module.function(ws, anchor=anchor)`` when that module exists (it may be on another
    branch, or absent from a trimmed install): a missing source reads as no data."""
    if importlib.util.find_spec(module) is None:
        return None
    result: dict[str, Any] = getattr(importlib.import_module(module), function)(ws, anchor=anchor)
    return result


def lever_sections(ws: Workspace, anchor: str | None) -> dict[str, Any]:
    """The hiring and investment sections of ``indicators --json`` (empty when not loaded)."""
    sections = _optional_sections("anchorkit.views.levers", "lever_sections", ws, anchor)
    return dict(sections or {})


def framework_report(
    ws: Workspace, name: str, *, anchor: str | None = None, year: int | None = None
) -> dict[str, Any]:
    """One framework's measures for the network (or ``anchor``), every year (or ``year``)."""
    framework = find_framework(ws.root, ws.settings, name)
    return report_of(ws, framework, anchor=anchor, year=year)


def report_of(
    ws: Workspace, framework: Framework, *, anchor: str | None = None, year: int | None = None
) -> dict[str, Any]:
    anchor_ids = None if anchor is None else [ws.anchor(anchor).anchor_id]  # unknown: an error
    commitments = by_measure_for_framework(commitment_rows(ws, anchor_ids=anchor_ids), framework.id)
    results = evaluate(
        ws,
        framework,
        anchor=anchor,
        year=year,
        levers=lever_sections(ws, anchor),
        commitments=commitments,
        tier2=_tier2(ws, framework, anchor, year),
    )
    measures = [r.to_json(ws.settings) for r in results]
    counts = {s: sum(1 for m in measures if m["status"] == s) for s in STATUSES}
    return {
        "framework": framework.summary(),
        "description": framework.description,
        "anchor": anchor,
        "year": year,
        "currency": ws.settings["currency"],
        "deadweight": ws.settings["frameworks.deadweight"],
        "attribution": ws.settings["frameworks.attribution"],
        "counts": counts,
        "measures": measures,
    }


STATUSES = ("computed", "estimated", "not_computable")


def _tier2(
    ws: Workspace, framework: Framework, anchor: str | None, year: int | None
) -> dict[str, Any] | None:
    """Tier-2 totals for a framework's tier2 measures; None when none are asked or reported
    (so a report without Tier-2 does not pay for a second pass over the lines)."""
    if not any(m.compute == "tier2" for m in framework.measures):
        return None
    summary = tier2_summary(ws, anchor=anchor, year=year)
    if not summary["returns"]:
        return None
    return {
        "diverse_spend": summary["tier2_diverse_spend"],
        "declared_diverse_spend": summary["tier2_declared_diverse_spend"],
        "tier1_diverse_spend": summary["tier1_diverse_spend"],
        "top_vendors_reported": sum(1 for t in summary["tracker"] if t["reported"]),
        "top_vendors": len(summary["tracker"]),
    }


def framework_page(
    store: Store, actor: Actor, name: str | None, year: int | None
) -> dict[str, Any]:
    """The Frameworks page: the packs to choose from and the chosen one's measures — the
    network's for the backbone, an anchor user's own anchor's (never another anchor's figures)."""
    ws = store.reader()
    packs = framework_list(ws)
    chosen = name or packs[0]["id"]
    anchor = None if sees_all_lines(actor) else actor.anchor_name
    report = store.cached(
        ("framework", chosen, anchor, year),
        lambda: framework_report(store.reader(), chosen, anchor=anchor, year=year),
    )
    return {"packs": packs, "report": report}

"""The network's indicators as every face shows them: the overview (headline figures against
targets, the trend, spend by anchor / category / neighbourhood), one anchor's summary, the list of
anchors — and, once per data generation, their warm-up.

Every function that takes the actor applies :mod:`anchorkit.access.policy` itself: aggregates of
other anchors pass through :func:`suppress` (spend lines, in :mod:`anchorkit.views.lines`, through
:func:`line_scope`). Network figures come from :func:`anchorkit.analytics.indicators.compute_breakdowns` (behind
``compute_indicators``), the same functions the CLI and reports use, so a number on a page equals ``anchorkit indicators``.
"""

from __future__ import annotations

import json
from typing import Any

import shapely  # type: ignore[import-untyped]

from anchorkit.access.policy import rule_from, sees_all_lines, suppress
from anchorkit.analytics.indicators import (
    compute_breakdowns,
    compute_breakdowns_and_year,
    compute_indicators,
)
from anchorkit.analytics.targets import target_progress
from anchorkit.place.network import regions
from anchorkit.records.accounts import Actor
from anchorkit.views import disclosure, ordered
from anchorkit.views.lines import LINE_SORTS
from anchorkit.views.quality import data_quality
from anchorkit.views.store import Store, on_new_generation
from anchorkit.workspace import Workspace

HEADLINE = (
    "total_spend",
    "addressable_spend",
    "local_share",
    "impact_share",
    "priority_area_share",
    "unknown_location_share",
    "lines",
    "suppliers",
)


# --- the network overview ----------------------------------------------------------------------


def _network_figures(ws: Workspace, year: int | None = None) -> dict[str, Any]:
    """Everything the overview needs, for the whole network (before any scoping).

    The trend is always over every year; with ``year`` the totals and the other breakdowns are
    that fiscal year's (an annual report), otherwise every year's.
    """
    dimensions = ("year", "anchor", "category", "neighbourhood")
    if year is None:
        results = compute_breakdowns(ws, dimensions)
        network = results[None].network
        by = {dimension: results[dimension].rows for dimension in dimensions}
    else:
        every, of_year = compute_breakdowns_and_year(ws, dimensions, year=year)
        network = of_year[None].network
        by = {"year": every["year"].rows}
        by.update({dimension: of_year[dimension].rows for dimension in dimensions[1:]})
    ids = dict(ws.engine.query("anchor_ids", "SELECT name, anchor_id FROM anchor"))
    for row in by["anchor"]:
        row["anchor_id"] = ids.get(row["anchor"])
    return {"network": network, "by": by}


def network_figures(store: Store, year: int | None = None) -> dict[str, Any]:
    """The network's figures before any scoping: callers show them only through
    :func:`scoped_figures` (or compute from them, as LM3 does)."""
    return store.cached(
        ("network_figures", year), lambda: _network_figures(store.reader(), year), keep=True
    )


def overview(store: Store, actor: Actor, *, year: int | None = None) -> dict[str, Any]:
    """Headline indicators vs targets, trend by year, spend by anchor / category / neighbourhood.

    Backbone users see every cell; anyone else sees what :mod:`anchorkit.views.disclosure` lets
    through (an anchor user its own anchor's row in full). ``year``: totals and breakdowns of
    one fiscal year (the trend still shows every year).
    """
    figures = network_figures(store, year)
    return scoped_figures(store, figures, actor, year=year)


def scoped_figures(
    store: Store, figures: dict[str, Any], actor: Actor, *, year: int | None = None
) -> dict[str, Any]:
    """What ``actor`` may see of network figures (``year``: the year they are of): for the
    backbone everything; for anyone else every figure, sub-figure and share the disclosure
    rule lets through, with complementary suppression over every table published together."""
    if sees_all_lines(actor):
        rule = rule_from(store.settings)
        network = suppress([dict(figures["network"])], rule, keep=(), exempt=True)[0]
        by = {d: suppress(rows, rule, keep=(d,), exempt=True) for d, rows in figures["by"].items()}
    else:
        own = next(
            (
                r["anchor"]
                for r in figures["by"]["anchor"]
                if actor.anchor_id is not None and r.get("anchor_id") == actor.anchor_id
            ),
            None,
        )
        shown = disclosure.apply(
            figures, disclosure.protection(store, known_anchor=own), year=year, known_anchor=own
        )
        network, by = shown["network"], shown["by"]
    # progress against the network's targets, from the year rows this actor may see
    progress = [p.to_json() for p in target_progress(store.reader(), by_year_rows=by["year"])]
    return {
        "network": network,
        "by": by,
        "targets": headline_targets(progress),
        "target_rows": progress,
    }


def headline_targets(progress: list[dict[str, Any]]) -> dict[str, float | None]:
    """For the headline figures: each indicator's target for its latest year."""
    latest: dict[str, dict[str, Any]] = {}
    for row in progress:
        if row["indicator"] not in latest or row["year"] > latest[row["indicator"]]["year"]:
            latest[row["indicator"]] = row
    return {k: v["target"] for k, v in latest.items()}


def neighbourhood_geojson(store: Store) -> dict[str, Any] | None:
    """The finest layer of the workspace's first region pack, for the map (None: no region)."""

    def build() -> dict[str, Any] | None:
        packs = regions(store.workspace)
        if not packs:
            return None
        region = packs[0]
        finest = region.layers[-1]
        features = []
        for f in region.features:
            if f.layer != finest:
                continue
            features.append(
                {
                    "type": "Feature",
                    "properties": {
                        "code": f.code,
                        "name": f.name,
                        "priority": bool(f.priority),
                        "classification": f.classification,
                    },
                    "geometry": json.loads(shapely.to_geojson(f.geometry)),
                }
            )
        return {"type": "FeatureCollection", "features": features, "title": region.title}

    return store.cached(("neighbourhood_geojson",), build, keep=True)


# --- one anchor ---------------------------------------------------------------------------------


def anchor_summary(store: Store, anchor_name: str) -> dict[str, Any]:
    """An anchor's own indicators, top suppliers and data quality (callers check access)."""

    def build() -> dict[str, Any]:
        ws = store.reader()
        anchor = ws.anchor(anchor_name)
        result = compute_indicators(ws, anchor=anchor_name, by="year")
        targets = target_progress(ws, anchor=anchor_name, by_year_rows=result.rows)
        return {
            "anchor": {"anchor_id": anchor.anchor_id, "name": anchor.name, "kind": anchor.kind},
            "network": result.network,
            "by_year": result.rows,
            "targets": [p.to_json() for p in targets],
            "quality": data_quality(ws, anchor.anchor_id),
        }

    return store.cached(("anchor_summary", anchor_name), build, keep=True)


def anchors(store: Store) -> list[dict[str, Any]]:
    rows = store.cached(
        ("anchor_list",),
        lambda: store.reader().engine.query(
            "anchor_list", "SELECT anchor_id, name, kind FROM anchor ORDER BY name"
        ),
        keep=True,
    )
    return [{"anchor_id": i, "name": n, "kind": k} for i, n, k in rows]


@on_new_generation
def _warm(store: Store) -> None:
    """On a large workspace, after a start or a write: the overview, then each anchor's page."""
    generation = store.generation
    network_figures(store)
    for anchor in anchors(store):
        if store.generation != generation or store.closing:
            return
        anchor_summary(store, anchor["name"])


@on_new_generation
def _warm_line_orders(store: Store) -> None:
    """Then the spend lines in each order of the line pages (see :mod:`anchorkit.views.ordered`)."""
    ordered.build(store, LINE_SORTS)

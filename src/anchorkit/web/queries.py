"""What the dashboard and the API show, as plain data — one set of queries for both.

Every function takes the actor and applies :mod:`anchorkit.access.policy` itself: spend lines and
rejected rows through :func:`line_scope`, aggregates of other anchors through :func:`suppress`.
Network figures come from :func:`anchorkit.analytics.indicators.compute_breakdowns` (behind
``compute_indicators``), the same functions the CLI and reports use, so a number on a page equals ``anchorkit indicators``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import shapely  # type: ignore[import-untyped]

from anchorkit.access.policy import line_scope, protect_totals, rule_from, sees_all_lines, suppress
from anchorkit.analytics.indicators import (
    compute_breakdowns,
    compute_breakdowns_and_year,
    compute_indicators,
)
from anchorkit.analytics.targets import target_progress
from anchorkit.classify import taxonomy_for
from anchorkit.place.network import regions
from anchorkit.records.accounts import Actor
from anchorkit.resolve.review import list_items
from anchorkit.web import ordered
from anchorkit.web.store import Store, on_new_generation
from anchorkit.workspace import Workspace

PAGE_SIZES = (25, 50, 100, 200)
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


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int
    page: int
    size: int
    sort: str
    desc: bool
    filters: dict[str, Any] = field(default_factory=dict)
    sum_amount: Decimal | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": [_jsonable(r) for r in self.rows],
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "size": self.size,
            "sort": self.sort,
            "desc": self.desc,
            "filters": self.filters,
            "sum_amount": None if self.sum_amount is None else str(self.sum_amount),
        }


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, Decimal):
            out[k] = str(v)
        elif hasattr(v, "isoformat"):
            out[k] = v.isoformat()
        elif isinstance(v, dict):
            out[k] = _jsonable(v)
        elif isinstance(v, list):
            out[k] = [_jsonable(x) if isinstance(x, dict) else x for x in v]
        else:
            out[k] = v
    return out


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return _jsonable(value)
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value


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

    Backbone users see every cell; an anchor user sees its own anchor's row in full and every
    other cell only if the small-cell rule lets it through. ``year``: totals and breakdowns of
    one fiscal year (the trend still shows every year).
    """
    figures = network_figures(store, year)
    return scoped_figures(store, figures, actor)


def scoped_figures(store: Store, figures: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """What ``actor`` may see of network figures: the small-cell rule and secondary suppression
    (a lone hidden cell must not be recoverable from the total), then targets from what is left."""
    rule = rule_from(store.settings)
    full = sees_all_lines(actor)
    network = suppress([dict(figures["network"])], rule, keep=(), exempt=full)[0]
    by: dict[str, list[dict[str, Any]]] = {}
    for dimension, rows in figures["by"].items():
        if dimension == "anchor" and not full:
            by[dimension] = [
                suppress(
                    [r],
                    rule,
                    keep=("anchor", "anchor_id"),
                    exempt=actor.anchor_id is not None and r["anchor_id"] == actor.anchor_id,
                )[0]
                for r in rows
            ]
        else:
            by[dimension] = suppress(rows, rule, keep=(dimension,), exempt=full)
        if not full:
            by[dimension] = protect_totals(by[dimension], keep=(dimension, "anchor_id"))
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


def data_quality(ws: Workspace, anchor_id: int | None) -> dict[str, Any]:
    """Counts (never amounts) of one anchor's (or, None, every anchor's) files, rows read /
    loaded / rejected and lines lacking a resolved supplier, a postcode or a category."""
    where, params = ("WHERE anchor_id = ?", [anchor_id]) if anchor_id is not None else ("", [])
    files, read, loaded, rejected, last = ws.engine.query_one(
        "data_quality_files",
        "SELECT count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
        f"coalesce(sum(rows_rejected), 0), max(uploaded_at) FROM source_file {where}",
        params,
    )
    no_supplier, no_postcode, no_category = ws.engine.query_one(
        "data_quality_lines",
        f"""
        SELECT count(*) FILTER (WHERE supplier_id IS NULL),
               count(*) FILTER (WHERE nullif(trim(supplier_postcode), '') IS NULL),
               count(*) FILTER (WHERE category IS NULL AND raw_category IS NULL)
        FROM spend_line {where}
        """,
        params,
    )
    return {
        "files": int(files),
        "rows_read": int(read),
        "rows_loaded": int(loaded),
        "rows_rejected": int(rejected),
        "rejected_share": int(rejected) / int(read) if read else None,
        "last_upload": last,
        "lines_without_supplier_id": int(no_supplier),
        "lines_without_postcode": int(no_postcode),
        "lines_without_category": int(no_category),
    }


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
    """Then the spend lines in each order of the line pages (see :mod:`anchorkit.web.ordered`)."""
    ordered.build(store, LINE_SORTS)


# --- spend lines: server-side filter, sort and page ---------------------------------------------

LINE_SORTS = {
    "paid_on": "l.paid_on",
    "amount": "l.amount",
    "supplier": "l.supplier_name",
    "anchor": "l.anchor_id",
    # the taxonomy code `classify` writes on each line: codes sort family by family
    "category": "l.category",
}


def spend_lines(
    store: Store,
    actor: Actor,
    *,
    anchor_id: int | None = None,
    supplier: str | None = None,
    supplier_id: str | None = None,
    year: int | None = None,
    category: str | None = None,
    sort: str = "paid_on",
    desc: bool = True,
    page: int = 1,
    size: int = 50,
    limit_total: int | None = None,
) -> Page:
    """One page of the spend lines ``actor`` may read, filtered and sorted in the database."""
    ws = store.reader()
    scope, params = line_scope(actor, "l")
    where = [scope]
    filters: dict[str, Any] = {}
    if anchor_id is not None:
        where.append("l.anchor_id = ?")
        params.append(anchor_id)
        filters["anchor_id"] = anchor_id
    if supplier:
        where.append("l.supplier_name ILIKE ?")
        params.append(f"%{supplier}%")
        filters["supplier"] = supplier
    if supplier_id:
        where.append("l.supplier_id = ?")
        params.append(supplier_id)
        filters["supplier_id"] = supplier_id
    if year is not None:
        where.append("l.fiscal_year = ?")
        params.append(year)
        filters["year"] = year
    if category:
        # the shared taxonomy (a code, or a level-1 / level-2 name: every code under it) or the
        # anchor's own raw category
        codes = category_codes(store, category)
        where.append("(list_contains(?, l.category) OR l.raw_category = ?)")
        params.extend([codes, category])
        filters["category"] = category
    sort = sort if sort in LINE_SORTS else "paid_on"
    size = min(max(size, 1), max(PAGE_SIZES))
    page = max(1, page)
    predicate = " AND ".join(where)
    # counted where it is cheapest: one anchor's lines lie together in the ledger (load order);
    # over every anchor, the copy in date order (compressed afresh) filters supplier names about
    # 3x faster, and a year filter reads only that year's row groups there
    anchored = anchor_id is not None or not sees_all_lines(actor)
    lines = "spend_line l" if anchored else f"{ordered.source(store, 'paid_on')} l"
    key_params = tuple(tuple(v) if isinstance(v, list) else v for v in params)  # hashable
    count_key = ("line_count", predicate, key_params)
    total, amount = store.cached(
        count_key,
        lambda: ws.engine.query_one(
            "spend_line_count",
            f"SELECT count(*), sum(l.amount) FROM {lines} WHERE {predicate}",
            params,
        ),
    )
    order = f"{LINE_SORTS[sort]} {'DESC' if desc else 'ASC'}, l.line_id"

    # sort only the line ids (a top-N over one or two columns), then read the page's rows; the
    # page itself is kept for the data generation, as every visitor starts at the same first page
    def read_page() -> list[tuple[Any, ...]]:
        return ws.engine.query(
            "spend_line_page",
            f"""
            SELECT l.line_id, a.name, l.paid_on, l.fiscal_year, l.supplier_name, l.supplier_id,
                   l.amount, l.currency, l.description, l.raw_category, l.category, f.name,
                   l.sheet, l.source_row
            FROM spend_line l JOIN anchor a USING (anchor_id) JOIN source_file f USING (file_id)
            WHERE l.line_id IN (SELECT l.line_id FROM {ordered.source(store, sort)} l
                                WHERE {predicate}
                                ORDER BY {order} LIMIT {size} OFFSET {(page - 1) * size})
            ORDER BY {order}
            """,
            params,
        )

    rows = store.cached(("line_page", predicate, key_params, order, size, page), read_page)
    names = (
        "line_id anchor paid_on fiscal_year supplier_name supplier_id amount currency "
        "description raw_category category_code file sheet source_row"
    ).split()
    labels = category_labels(store)
    out = [dict(zip(names, r, strict=True)) for r in rows]
    for row in out:  # the taxonomy's name for the code (the raw category stays beside it)
        row["category"] = labels.get(row["category_code"])
    return Page(
        rows=out,
        total=int(total),
        page=page,
        size=size,
        sort=sort,
        desc=desc,
        filters=filters,
        sum_amount=amount,
    )


def category_labels(store: Store) -> dict[str, str]:
    """Taxonomy code → the name a page shows (level 2, else level 1)."""

    def build() -> dict[str, str]:
        taxonomy = taxonomy_for(store.settings, store.workspace.root)
        return {c.code: c.level2 or c.level1 for c in taxonomy.categories.values()}

    return store.cached(("category_labels",), build, keep=True)


def category_codes(store: Store, text: str) -> list[str]:
    """Every taxonomy code a category filter means: the code itself, or all codes whose level-1
    or level-2 name is ``text`` (case ignored)."""

    def build() -> dict[str, list[str]]:
        by_name: dict[str, list[str]] = {}
        taxonomy = taxonomy_for(store.settings, store.workspace.root)
        for c in taxonomy.categories.values():
            for key in {c.code, c.level1, c.level2, c.name}:
                if key:
                    by_name.setdefault(key.strip().lower(), []).append(c.code)
        return by_name

    return store.cached(("category_codes",), build, keep=True).get(text.strip().lower(), [])


def export_lines(store: Store, actor: Actor, anchor_id: int | None) -> Any:
    """Every line the actor may read (optionally one anchor's), as an Arrow table for CSV."""
    scope, params = line_scope(actor, "l")
    where = scope
    if anchor_id is not None:
        where += " AND l.anchor_id = ?"
        params.append(anchor_id)
    return store.reader().engine.query_arrow(
        "spend_line_export",
        f"""
        SELECT l.line_id, a.name AS anchor, l.paid_on, l.fiscal_year, l.supplier_name,
               l.supplier_id, l.amount, l.currency, l.description, l.raw_category,
               c.code AS category_code, c.level1 AS category_level1,
               c.level2 AS category_level2, c.method AS category_method,
               f.name AS file, l.sheet, l.source_row
        FROM spend_line l JOIN anchor a USING (anchor_id) JOIN source_file f USING (file_id)
        LEFT JOIN line_category c USING (line_id)
        WHERE {where} ORDER BY l.line_id
        """,
        params,
    )


# --- rejected rows ------------------------------------------------------------------------------


def rejected_rows(
    store: Store, actor: Actor, *, anchor_id: int | None = None, page: int = 1, size: int = 50
) -> Page:
    ws = store.reader()
    scope, params = line_scope(actor, "r")
    where = [scope]
    if anchor_id is not None:
        where.append("r.anchor_id = ?")
        params.append(anchor_id)
    predicate = " AND ".join(where)
    size = min(max(size, 1), max(PAGE_SIZES))
    page = max(1, page)
    (total,) = ws.engine.query_one(
        "rejected_count", f"SELECT count(*) FROM rejected_row r WHERE {predicate}", params
    )
    rows = ws.engine.query(
        "rejected_page",
        f"""
        SELECT a.name, f.name, r.sheet, r.source_row, r.reasons, r.raw_cells, f.uploaded_at
        FROM rejected_row r JOIN anchor a USING (anchor_id) JOIN source_file f USING (file_id)
        WHERE {predicate}
        ORDER BY f.uploaded_at DESC, f.name, r.sheet, r.source_row
        LIMIT {size} OFFSET {(page - 1) * size}
        """,
        params,
    )
    out = [
        {
            "anchor": a,
            "file": f,
            "sheet": s,
            "source_row": n,
            "reasons": list(reasons),
            "cells": json.loads(cells) if isinstance(cells, str) else cells,
        }
        for a, f, s, n, reasons, cells, _at in rows
    ]
    filters = {"anchor_id": anchor_id} if anchor_id is not None else {}
    return Page(out, int(total), page, size, "file", True, filters)


# --- suppliers ----------------------------------------------------------------------------------


def supplier_directory(
    store: Store, *, q: str | None = None, tag: str | None = None, page: int = 1, size: int = 50
) -> Page:
    """Suppliers with their place and current tags; no spend (that is per-anchor data)."""
    ws = store.reader()
    where, params = ["TRUE"], list[Any]()
    if q:
        where.append("(s.name ILIKE ? OR s.supplier_id = ?)")
        params.extend([f"%{q}%", q.strip()])
    if tag:
        where.append("s.supplier_id IN (SELECT supplier_id FROM supplier_tag WHERE tag = ?)")
        params.append(tag)
    predicate = " AND ".join(where)
    size = min(max(size, 1), max(PAGE_SIZES))
    page = max(1, page)
    (total,) = ws.engine.query_one(
        "supplier_count", f"SELECT count(*) FROM supplier s WHERE {predicate}", params
    )
    rows = ws.engine.query(
        "supplier_page",
        f"""
        SELECT s.supplier_id, s.name, s.postcode, s.local_area, s.neighbourhood, s.priority_area,
               (SELECT list(DISTINCT t.tag ORDER BY t.tag) FROM supplier_tag t
                WHERE t.supplier_id = s.supplier_id) AS tags
        FROM supplier s WHERE {predicate}
        ORDER BY s.name, s.supplier_id LIMIT {size} OFFSET {(page - 1) * size}
        """,
        params,
    )
    names = "supplier_id name postcode local_area neighbourhood priority_area tags".split()
    out = [dict(zip(names, r, strict=True)) for r in rows]
    for row in out:
        row["tags"] = list(row["tags"] or [])
    filters = {k: v for k, v in (("q", q), ("tag", tag)) if v}
    return Page(out, int(total), page, size, "name", False, filters)


def supplier_tags(store: Store) -> list[str]:
    rows = store.reader().engine.query(
        "tag_names", "SELECT DISTINCT tag FROM supplier_tag ORDER BY tag"
    )
    return [t for (t,) in rows]


def supplier_detail(store: Store, actor: Actor, supplier_id: str) -> dict[str, Any] | None:
    """One supplier: place, tags with sources and expiry, spellings and spend the actor may see."""
    ws = store.reader()
    found = ws.engine.query(
        "supplier_row",
        "SELECT supplier_id, name, postcode, local_area, neighbourhood, priority_area, "
        "place_precision, place_reason, registry_ids FROM supplier WHERE supplier_id = ?",
        [supplier_id],
    )
    if not found:
        return None
    names = (
        "supplier_id name postcode local_area neighbourhood priority_area place_precision "
        "place_reason registry_ids"
    ).split()
    supplier = dict(zip(names, found[0], strict=True))
    if isinstance(supplier["registry_ids"], str):
        supplier["registry_ids"] = json.loads(supplier["registry_ids"])
    grace = int(ws.settings["tags.grace_days"])
    tags = ws.engine.query(
        "supplier_tag_rows",
        f"""
        SELECT tag, source, registry_id, valid_from, valid_to,
               valid_to IS NOT NULL AND valid_to + INTERVAL {grace} DAY < current_date AS expired
        FROM supplier_tag WHERE supplier_id = ? ORDER BY tag, source
        """,
        [supplier_id],
    )
    supplier["tags"] = [
        dict(
            zip(
                ("tag", "source", "registry_id", "valid_from", "valid_to", "expired"),
                t,
                strict=True,
            )
        )
        for t in tags
    ]
    scope, params = line_scope(actor, "al")
    aliases = ws.engine.query(
        "supplier_aliases",
        f"""
        SELECT DISTINCT al.raw_name, al.postcode, a.name, al.registry, al.decided_by
        FROM supplier_alias al LEFT JOIN anchor a USING (anchor_id)
        WHERE al.supplier_id = ? AND (al.registry IS NOT NULL OR {scope})
        ORDER BY al.raw_name
        """,
        [supplier_id, *params],
    )
    supplier["aliases"] = [
        dict(zip(("raw_name", "postcode", "anchor", "registry", "decided_by"), a, strict=True))
        for a in aliases
    ]
    scope, params = line_scope(actor, "l")
    spend = ws.engine.query(
        "supplier_spend",
        f"""
        SELECT l.fiscal_year, sum(l.amount), count(*)
        FROM spend_line l WHERE l.supplier_id = ? AND {scope}
        GROUP BY l.fiscal_year ORDER BY l.fiscal_year
        """,
        [supplier_id, *params],
    )
    supplier["spend_by_year"] = [{"year": y, "spend": s, "lines": n} for y, s, n in spend]
    return supplier


# --- review queue -------------------------------------------------------------------------------


def review_queue(store: Store, *, limit: int = 50) -> list[dict[str, Any]]:
    return [item.to_json() for item in list_items(store.reader(), limit=limit)]

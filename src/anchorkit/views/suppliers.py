"""The supplier directory, one supplier's detail (its spend scoped to the actor) and the review
queue of supplier matches."""

from __future__ import annotations

import json
from typing import Any

from anchorkit.access.policy import line_scope
from anchorkit.analytics.indicators import supplier_spend_by_year
from anchorkit.place.network import supplier_location_classes
from anchorkit.records.accounts import Actor
from anchorkit.resolve.review import list_items
from anchorkit.views import paging
from anchorkit.views.paging import PAGE_SIZES, Page
from anchorkit.views.store import Store

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
        ORDER BY s.name, s.supplier_id LIMIT {size} OFFSET {paging.offset(page, size)}
        """,
        params,
    )
    names = "supplier_id name postcode local_area neighbourhood priority_area tags".split()
    out = [dict(zip(names, r, strict=True)) for r in rows]
    classes = location_classes(store)
    for row in out:
        row["tags"] = list(row["tags"] or [])
        row["location"] = classes.get(row["supplier_id"], "unknown")
    filters = {k: v for k, v in (("q", q), ("tag", tag)) if v}
    return Page(out, int(total), page, size, "name", False, filters)


def location_classes(store: Store) -> dict[str, str]:
    """Each supplier's ``local`` / ``non_local`` / ``unknown`` under the network's local rule,
    the rule the overview's local share counts with (once per data generation)."""
    return store.cached(
        ("supplier_location_classes",),
        lambda: supplier_location_classes(store.reader()),
        keep=True,
    )


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
    supplier["location"] = location_classes(store).get(supplier_id, "unknown")
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
    # from the analytic model: the years every figure uses; an anchor user sees its own lines'
    spend = supplier_spend_by_year(ws, supplier_id, scope=line_scope(actor))
    supplier["spend_by_year"] = [
        {"year": r["year"], "spend": r["spend"], "lines": r["lines"]} for r in spend
    ]
    return supplier


# --- review queue -------------------------------------------------------------------------------


def review_queue(store: Store, *, limit: int = 50) -> list[dict[str, Any]]:
    return [item.to_json() for item in list_items(store.reader(), limit=limit)]

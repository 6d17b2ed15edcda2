"""Spend lines and rejected rows as pages: server-side filter, sort and page, scoped to what the
actor may read (:func:`anchorkit.access.policy.line_scope`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pyarrow as pa

from anchorkit.access.policy import line_scope, sees_all_lines
from anchorkit.classify import explain_line, taxonomy_for
from anchorkit.engine.duckdb import DuckDBEngine
from anchorkit.records.accounts import Actor
from anchorkit.views import ordered, paging
from anchorkit.views.paging import PAGE_SIZES, Page
from anchorkit.views.store import Store

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
                                ORDER BY {order} LIMIT {size} OFFSET {paging.offset(page, size)})
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
    """Every taxonomy code a category filter means: the code and the codes under it, or all
    codes whose level-1 or level-2 name is ``text`` (case ignored)."""

    def build() -> dict[str, list[str]]:
        by_name: dict[str, list[str]] = {}
        taxonomy = taxonomy_for(store.settings, store.workspace.root)
        for c in taxonomy.categories.values():
            for key in {c.code, c.parent, c.level1_code, c.level2_code, c.level1, c.level2, c.name}:
                if key:
                    by_name.setdefault(key.strip().lower(), []).append(c.code)
        return by_name

    return store.cached(("category_codes",), build, keep=True).get(text.strip().lower(), [])


EXPORT_COLUMNS = (
    "line_id",
    "anchor",
    "paid_on",
    "fiscal_year",
    "supplier_name",
    "supplier_id",
    "amount",
    "currency",
    "description",
    "raw_category",
    "category_code",
    "category_level1",
    "category_level2",
    "category_method",
    "file",
    "sheet",
    "source_row",
)


def export_lines(store: Store, actor: Actor, anchor_id: int | None) -> Iterator[pa.RecordBatch]:
    """Every line the actor may read (optionally one anchor's), in batches as they are read.

    Why batches: an export of millions of lines held whole (as an Arrow table, then as CSV
    text) cost gigabytes of memory per download. The query runs on a connection of its own,
    closed when the last batch is read or the download stops (the generator is closed).
    """
    scope, params = line_scope(actor, "l")
    where = scope
    if anchor_id is not None:
        where += " AND l.anchor_id = ?"
        params.append(anchor_id)
    engine = store.workspace.engine
    assert isinstance(engine, DuckDBEngine)
    own = engine.reader()
    try:
        reader = own.stream_arrow(
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
        yield from reader
    finally:
        own.close()


def line_anchor(store: Store, line_id: int) -> int | None:
    """The anchor a line belongs to (None: no such line), to decide who may read it."""
    found = store.reader().engine.query(
        "line_anchor", "SELECT anchor_id FROM spend_line WHERE line_id = ?", [line_id]
    )
    return int(found[0][0]) if found else None


def line_explanation(store: Store, actor: Actor, line_id: int) -> dict[str, Any] | None:
    """The evidence and scores behind one line's category (what ``anchorkit classify --explain``
    shows), or None when ``actor`` may not read the line."""
    ws = store.reader()
    scope, params = line_scope(actor, "l")
    visible = ws.engine.query(
        "line_visible",
        f"SELECT l.line_id FROM spend_line l WHERE l.line_id = ? AND {scope}",
        [line_id, *params],
    )
    return explain_line(ws, line_id) if visible else None


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
        LIMIT {size} OFFSET {paging.offset(page, size)}
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

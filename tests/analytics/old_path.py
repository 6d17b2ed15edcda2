"""The figures' old path, kept as the oracle of tests/analytics/test_model.py: before the analytic
model (anchorkit.analytics.model), every figure decided each line again — placed it, found its
tags, classed it local and addressable — in a temporary table per call. This is that code, as it
was (commit 527d094), reduced to the data it fed the figures; the arithmetic after it is the
figures' own and unchanged, so the test runs the current functions with these sources swapped in.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

from anchorkit.analytics import opportunities
from anchorkit.analytics.indicators import MONEY, Indicators, _finish, _share
from anchorkit.classify.taxonomy import NOT_A_PURCHASE
from anchorkit.place.network import PLACED, location_sql, place_codes
from anchorkit.settings import Settings
from anchorkit.workspace import Workspace

LINES_TABLE = "__anchorkit__old_indicator_lines"
DIMENSIONS = {
    "anchor": "l.anchor_name",
    "year": "l.fiscal_year",
    "category": "CASE WHEN l.classified THEN coalesce(l.category_level1, 'unclassified') "
    "ELSE coalesce(l.raw_category, 'unclassified') END",
    "raw_category": "coalesce(l.raw_category, '(none)')",
    "supplier": "coalesce(l.supplier_id, upper(trim(l.supplier_name)))",
    "neighbourhood": "coalesce(p.neighbourhood, '(unknown)')",
}


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _outside_sql(categories: Sequence[str]) -> str:
    listed = [c.strip().lower() for c in categories if c.strip()]
    if not listed:
        return "true"
    values = ", ".join(_literal(c) for c in listed)
    return " AND ".join(
        f"lower(trim(coalesce({column}, ''))) NOT IN ({values})"
        for column in (
            "l.raw_category",
            "l.category_code",
            "l.category_level1",
            "l.category_level2",
        )
    )


#: a line classify put in the Not a Purchase family (as main's old path decided it)
_NOT_A_PURCHASE_SQL = f"coalesce(l.category_level1 = {_literal(NOT_A_PURCHASE)}, false)"


def _addressable_sql(settings: Settings) -> str:
    outside = _outside_sql(settings["indicators.excluded_categories"])
    if not settings["indicators.exclude_not_a_purchase"]:
        return outside
    return f"{outside} AND NOT {_NOT_A_PURCHASE_SQL}"


def _influenceable_sql(settings: Settings) -> str:
    return _outside_sql(settings["indicators.non_influenceable_categories"])


def _line_tags_sql(settings: Settings) -> str:
    grace = int(settings["tags.grace_days"])
    return f"""
        SELECT l.line_id, list(DISTINCT g.tag ORDER BY g.tag) AS tags
        FROM spend_line l JOIN supplier_tag g ON g.supplier_id = l.supplier_id
        WHERE (g.valid_from IS NULL OR l.paid_on >= g.valid_from)
          AND (g.valid_to IS NULL OR l.paid_on <= g.valid_to + INTERVAL {grace} DAY)
        GROUP BY l.line_id
    """


@contextmanager
def classified_lines(
    ws: Workspace,
    *,
    anchor: str | None = None,
    year: int | None = None,
    dimensions: Sequence[str] = (),
    extra: Sequence[str] = (),
    table: str = LINES_TABLE,
) -> Iterator[str]:
    conditions = []
    if anchor is not None:
        conditions.append(f"a.anchor_id = {ws.anchor(anchor).anchor_id}")
    if year is not None:
        conditions.append(f"s.fiscal_year = {int(year)}")
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    engine, settings = ws.engine, ws.settings
    lines = f"""
        SELECT s.*, a.name AS anchor_name, a.site_postcode, lc.category_code, lc.category_level1,
            lc.category_level2, coalesce(lc.classified, false) AS classified,
            coalesce(nullif(trim(s.supplier_postcode), ''), sp.postcode) AS code
        FROM spend_line s JOIN anchor a USING (anchor_id)
        LEFT JOIN supplier sp USING (supplier_id)
        LEFT JOIN (SELECT line_id, code AS category_code, level1 AS category_level1,
                          level2 AS category_level2, true AS classified FROM line_category) lc
            USING (line_id) {where}
    """
    columns = place_codes(
        ws, f"SELECT code FROM ({lines}) UNION ALL SELECT site_postcode FROM anchor"
    )
    cells = "".join(f",\n            {DIMENSIONS[d]} AS dim_{d}" for d in dimensions)
    cells += "".join(f",\n            l.{c}" for c in extra)
    engine.run(
        "old_classified_lines",
        f"""
        CREATE OR REPLACE TEMP TABLE {table} AS
        SELECT l.line_id, l.anchor_id, l.amount, l.supplier_id, l.supplier_name,
            {_addressable_sql(settings)} AS addressable,
            {_NOT_A_PURCHASE_SQL} AS not_a_purchase,
            {_addressable_sql(settings)} AND {_influenceable_sql(settings)} AS influenceable,
            {location_sql(settings, columns)} AS location_class,
            {location_sql(settings, columns, "local.wider_areas")} AS wider_class,
            p.priority_area AS in_priority_area,
            t.tags{cells}
        FROM ({lines}) l LEFT JOIN {PLACED} p ON p.input = l.code
        LEFT JOIN {PLACED} site ON site.input = l.site_postcode
        LEFT JOIN ({_line_tags_sql(settings)}) t USING (line_id)
        """,
    )
    try:
        yield table
    finally:
        engine.run("old_drop_classified_lines", f"DROP TABLE IF EXISTS {table}")


def compute_breakdowns(
    ws: Workspace,
    dimensions: Sequence[str],
    *,
    anchor: str | None = None,
    year: int | None = None,
    details: bool = True,
) -> dict[str | None, Indicators]:
    """(``details``: the new path's option to leave out what a what-if does not read; the old
    path computed everything every time.)"""
    with classified_lines(ws, anchor=anchor, year=year, dimensions=dimensions):
        return _measure(ws, dimensions)


def _measure(ws: Workspace, dimensions: Sequence[str]) -> dict[str | None, Indicators]:
    engine = ws.engine
    measures = """
        coalesce(sum(amount), 0) AS total_spend,
        coalesce(sum(amount) FILTER (WHERE addressable), 0) AS addressable_spend,
        coalesce(sum(amount) FILTER (WHERE NOT addressable), 0) AS excluded_spend,
        coalesce(sum(amount) FILTER (WHERE not_a_purchase), 0) AS not_a_purchase_spend,
        coalesce(sum(amount) FILTER (WHERE addressable AND location_class = 'local'), 0) AS local_spend,
        coalesce(sum(amount) FILTER (WHERE addressable AND wider_class = 'local'), 0)
            AS wider_local_spend,
        coalesce(sum(amount) FILTER (WHERE addressable AND location_class = 'unknown'), 0)
            AS unknown_location_spend,
        coalesce(sum(amount) FILTER (WHERE addressable AND in_priority_area), 0)
            AS priority_area_spend,
        coalesce(sum(amount) FILTER (WHERE addressable AND tags IS NOT NULL), 0) AS impact_spend,
        coalesce(sum(amount) FILTER (WHERE influenceable), 0) AS influenceable_spend,
        coalesce(sum(amount) FILTER (WHERE addressable AND NOT influenceable), 0)
            AS non_influenceable_spend,
        coalesce(sum(amount) FILTER (WHERE influenceable AND location_class = 'local'), 0)
            AS influenceable_local_spend,
        count(*) AS lines,
        count(DISTINCT coalesce(supplier_id, upper(trim(supplier_name)))) AS suppliers
    """
    names = [*MONEY, "lines", "suppliers"]
    (network_row,) = engine.query("old_network", f"SELECT {measures} FROM {LINES_TABLE}")
    network = _finish(dict(zip(names, network_row, strict=True)))
    network["tag_shares"] = _tag_shares_network(ws, network["addressable_spend"])
    network["top_suppliers"] = _top_suppliers(ws)
    network["top_supplier_share"] = _top_supplier_shares(ws, "NULL").get(None)
    out: dict[str | None, Indicators] = {None: Indicators(network, [], None)}
    for by in dimensions:
        rows: list[dict[str, Any]] = []
        for row in engine.query(
            f"old_by_{by}",
            f"SELECT dim_{by}, {measures} FROM {LINES_TABLE} "
            f"GROUP BY dim_{by} ORDER BY total_spend DESC, dim_{by}",
        ):
            rows.append({by: row[0], **_finish(dict(zip(names, row[1:], strict=True)))})
        concentration = _top_supplier_shares(ws, f"dim_{by}")
        tags = _tag_shares(ws, f"dim_{by}", {c[by]: c["addressable_spend"] for c in rows})
        for cell in rows:
            cell["top_supplier_share"] = concentration.get(cell[by])
            cell["tag_shares"] = tags.get(cell[by], {})
        out[by] = Indicators(network, rows, by)
    return out


def _top_supplier_shares(ws: Workspace, cell: str) -> dict[Any, float | None]:
    rows = ws.engine.query(
        "old_top_supplier_share",
        f"""
        SELECT cell, max(abs(spend)) / nullif(sum(abs(spend)), 0)
        FROM (SELECT {cell} AS cell, sum(amount) AS spend FROM {LINES_TABLE}
              GROUP BY cell, coalesce(supplier_id, upper(trim(supplier_name))))
        GROUP BY cell
        """,
    )
    return {c: (None if v is None else round(float(v), 6)) for c, v in rows}


def _tag_shares_network(ws: Workspace, addressable: Decimal) -> dict[str, float | None]:
    rows = ws.engine.query(
        "old_tag_shares",
        "SELECT tag, sum(amount) FROM (SELECT amount, unnest(tags) AS tag "
        f"FROM {LINES_TABLE} WHERE addressable AND tags IS NOT NULL) GROUP BY tag ORDER BY tag",
    )
    return {tag: _share(Decimal(v), addressable) for tag, v in rows}


def _tag_shares(
    ws: Workspace, cell: str, addressable: dict[Any, Decimal]
) -> dict[Any, dict[str, float | None]]:
    out: dict[Any, dict[str, float | None]] = {}
    for key, tag, spend in ws.engine.query(
        "old_tag_shares_by_cell",
        f"SELECT cell, tag, sum(amount) FROM (SELECT {cell} AS cell, amount, unnest(tags) AS tag "
        f"FROM {LINES_TABLE} WHERE addressable AND tags IS NOT NULL) GROUP BY cell, tag "
        "ORDER BY cell, tag",
    ):
        out.setdefault(key, {})[tag] = _share(Decimal(spend), addressable.get(key, Decimal(0)))
    return out


def _top_suppliers(ws: Workspace) -> list[dict[str, Any]]:
    limit = int(ws.settings["indicators.top_suppliers"])
    rows = ws.engine.query(
        "old_top_suppliers",
        f"""
        SELECT coalesce(any_value(sp.name), min(trim(l.supplier_name))) AS supplier,
               sum(l.amount) AS spend, count(*) AS lines, count(DISTINCT l.anchor_id) AS anchors
        FROM {LINES_TABLE} l LEFT JOIN supplier sp USING (supplier_id) WHERE l.addressable
        GROUP BY coalesce(l.supplier_id, upper(trim(l.supplier_name)))
        ORDER BY spend DESC, supplier LIMIT {limit}
        """,
    )
    return [
        {"supplier": s, "spend": Decimal(v).quantize(Decimal("0.01")), "lines": n, "anchors": k}
        for s, v, n, k in rows
    ]


# --- LM3's local lines -----------------------------------------------------------------------


def lm3_local_spend(ws: Workspace, anchor: str | None, year: int | None) -> list[tuple[Any, ...]]:
    where = ["true"]
    if anchor is not None:
        where.append(f"s.anchor_id = {ws.anchor(anchor).anchor_id}")
    if year is not None:
        where.append(f"s.fiscal_year = {int(year)}")
    lines = f"""
        SELECT s.line_id, s.amount, s.raw_category, s.supplier_id, a.site_postcode,
            lc.code AS category_code, lc.level1 AS category_level1, lc.level2 AS category_level2,
            coalesce(nullif(trim(s.supplier_postcode), ''), sp.postcode) AS code
        FROM spend_line s JOIN anchor a USING (anchor_id)
        LEFT JOIN supplier sp USING (supplier_id)
        LEFT JOIN line_category lc USING (line_id)
        WHERE {" AND ".join(where)}
    """
    columns = place_codes(
        ws, f"SELECT code FROM ({lines}) UNION ALL SELECT site_postcode FROM anchor"
    )
    settings = ws.settings
    return ws.engine.query(
        "old_lm3_local_spend",
        f"""
        SELECT v.supplier_id, CASE WHEN v.supplier_id IS NULL THEN l.category_level1 END,
            sum(l.amount), any_value(v.local_spend_share), any_value(v.local_staff_share)
        FROM ({lines}) l LEFT JOIN {PLACED} p ON p.input = l.code
        LEFT JOIN {PLACED} site ON site.input = l.site_postcode
        LEFT JOIN supplier_survey v ON v.supplier_id = l.supplier_id
        WHERE {_addressable_sql(settings)} AND ({location_sql(settings, columns)}) = 'local'
        GROUP BY 1, 2 ORDER BY 1, 2
        """,
    )


# --- what-if's moveable spend ------------------------------------------------------------------

MATCH_COLUMNS = ("raw_category", "category_code", "category_level1", "category_level2")


def _matches(category: str) -> str:
    value = _literal(category.strip().lower())
    return (
        "(" + " OR ".join(f"lower(trim(coalesce({c}, ''))) = {value}" for c in MATCH_COLUMNS) + ")"
    )


def whatif_spend(
    ws: Workspace, shifts: Sequence[Any], anchor: str | None, year: int | None
) -> tuple[list[list[tuple[Any, ...]]], dict[str, Decimal]]:
    per_shift: list[list[tuple[Any, ...]]] = []
    with classified_lines(
        ws, anchor=anchor, year=year, dimensions=["category"], extra=MATCH_COLUMNS
    ) as lines:
        for s in shifts:
            if s.tag is None:
                moveable = "l.location_class = 'non_local'"
            else:
                moveable = f"(l.tags IS NULL OR NOT list_contains(l.tags, {_literal(s.tag)}))"
            per_shift.append(
                ws.engine.query(
                    "old_whatif_moveable_spend",
                    f"""
                    SELECT l.dim_category, l.category_level1, sum(l.amount),
                        coalesce(sum(l.amount) FILTER (WHERE l.tags IS NULL), 0)
                    FROM {lines} l
                    WHERE l.influenceable AND {moveable} AND {_matches(s.category)}
                    GROUP BY 1, 2 ORDER BY 1, 2
                    """,
                )
            )
        tag_spend = {
            t: Decimal(v or 0)
            for t in sorted({s.tag for s in shifts if s.tag})
            for (v,) in [
                ws.engine.query_one(
                    "old_whatif_tag_spend",
                    f"SELECT sum(amount) FROM {lines} "
                    f"WHERE addressable AND list_contains(tags, {_literal(t)})",
                )
            ]
        }
    return per_shift, tag_spend


# --- opportunities' lines ------------------------------------------------------------------------


@contextmanager
def opportunity_source(ws: Workspace) -> Iterator[str]:
    """The influenceable lines the opportunities were found in, as the new queries read them."""
    with classified_lines(
        ws,
        extra=("raw_category", "category_level1", "category_level2"),
        table="__anchorkit__old_opportunity_lines",
    ) as lines:
        yield f"""(
            SELECT a.name AS anchor_name, l.anchor_id,
                {opportunities.CATEGORY} AS cat,
                coalesce(l.supplier_id, upper(trim(l.supplier_name))) AS supplier_key,
                l.supplier_id, trim(l.supplier_name) AS supplier_name, l.tags, l.amount,
                location_class = 'local' AS is_local, location_class = 'non_local' AS is_nonlocal
            FROM {lines} l JOIN anchor a USING (anchor_id) WHERE influenceable
        )"""

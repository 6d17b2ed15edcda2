"""Core indicators: how much the network spends, how much it can steer, and how much stays local.

Definitions (docs/indicators.md says the same, for people):

- total_spend: every loaded spend line, credits netted.
- addressable_spend: total minus lines whose raw category (or shared taxonomy code, level-1 or
  level-2 name) is in the setting ``indicators.excluded_categories`` (payroll, taxes, transfers…)
  — reported as ``excluded_spend``.
- local_spend: addressable spend with suppliers located in the local area.
- unknown_location_spend: addressable spend whose supplier location is unknown — reported apart,
  never silently counted as non-local.
- local_share = local_spend ÷ addressable_spend; local_share_of_known = local_spend ÷
  (addressable_spend − unknown_location_spend), so a reader sees both bounds.

"Located in the local area" is decided by :func:`anchorkit.place.network.location_sql` alone:
named areas (``local.areas``) or, failing those, postcode prefixes. Priority-area spend counts
lines whose supplier's point lies in a priority area of a loaded region pack (e.g. Toronto's
Neighbourhood Improvement Areas).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from anchorkit.place.network import PLACED, location_sql, place_codes
from anchorkit.settings import Settings
from anchorkit.workspace import Workspace

DIMENSIONS = {
    "anchor": "l.anchor_name",
    "year": "l.fiscal_year",
    # the shared taxonomy's level 1 once `anchorkit classify` has run; a line it has not seen yet
    # (ingested since) shows its raw category until the next run
    "category": "CASE WHEN l.classified THEN coalesce(l.category_level1, 'unclassified') "
    "ELSE coalesce(l.raw_category, 'unclassified') END",
    "raw_category": "coalesce(l.raw_category, '(none)')",
    "supplier": "coalesce(l.supplier_id, upper(trim(l.supplier_name)))",
    "neighbourhood": "coalesce(p.neighbourhood, '(unknown)')",
}
MONEY = (
    "total_spend",
    "addressable_spend",
    "excluded_spend",
    "local_spend",
    "wider_local_spend",
    "unknown_location_spend",
    "priority_area_spend",
    "impact_spend",
    "influenceable_spend",
    "non_influenceable_spend",
    "influenceable_local_spend",
)


#: which classified lines each money measure sums (columns of ``classified_lines``' table); the
#: small-cell rule (:mod:`anchorkit.views.disclosure`) reads the same conditions
MEASURE_LINES = {
    "total_spend": "true",
    "addressable_spend": "addressable",
    "excluded_spend": "NOT addressable",
    "local_spend": "addressable AND location_class = 'local'",
    "wider_local_spend": "addressable AND wider_class = 'local'",
    "unknown_location_spend": "addressable AND location_class = 'unknown'",
    "priority_area_spend": "addressable AND in_priority_area",
    "impact_spend": "addressable AND tags IS NOT NULL",
    "influenceable_spend": "influenceable",
    "non_influenceable_spend": "addressable AND NOT influenceable",
    "influenceable_local_spend": "influenceable AND location_class = 'local'",
}
assert tuple(MEASURE_LINES) == MONEY
#: one supplier, as every count and concentration names it
SUPPLIER_KEY = "coalesce(supplier_id, upper(trim(supplier_name)))"


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _compact(expr: str) -> str:
    return f"upper(regexp_replace(coalesce({expr}, ''), '[^A-Za-z0-9]', '', 'g'))"


def _addressable_sql(settings: Settings) -> str:
    return _outside_sql(settings["indicators.excluded_categories"])


def _influenceable_sql(settings: Settings) -> str:
    return _outside_sql(settings["indicators.non_influenceable_categories"])


def _outside_sql(categories: Sequence[str]) -> str:
    """True for a line whose category is none of ``categories`` (case ignored): its raw
    category, or its taxonomy code, level-1 or level-2 name."""
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


@dataclass
class Indicators:
    network: dict[str, Any]
    rows: list[dict[str, Any]]
    by: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "network": _jsonable(self.network),
            "rows": [_jsonable(r) for r in self.rows],
        }


def _jsonable(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Decimal):
            out[key] = f"{value:.2f}"
        elif isinstance(value, list):
            out[key] = [_jsonable(v) if isinstance(v, dict) else v for v in value]
        else:
            out[key] = value
    return out


def _share(part: Decimal, whole: Decimal) -> float | None:
    return None if whole == 0 else round(float(part / whole), 6)


def compute_indicators(
    ws: Workspace, *, by: str | None = None, anchor: str | None = None
) -> Indicators:
    """Network totals, optionally one row per anchor / year / category / supplier."""
    return compute_breakdowns(ws, [by] if by else [], anchor=anchor)[by]


LINES_TABLE = "__anchorkit__indicator_lines"


def compute_breakdowns(
    ws: Workspace,
    dimensions: Sequence[str],
    *,
    anchor: str | None = None,
    year: int | None = None,
) -> dict[str | None, Indicators]:
    """The network totals and one breakdown per dimension, from one pass over the lines.

    Why one pass: placing every line, finding its tags and deciding local / addressable is the
    costly part (seconds at 10 million lines); the breakdowns are cheap GROUP BYs over the
    materialised result. Keyed by dimension; ``None`` holds the totals alone.
    """
    _check_dimensions(dimensions)
    with classified_lines(ws, anchor=anchor, year=year, dimensions=dimensions):
        return _measure(ws, dimensions)


def _check_dimensions(dimensions: Sequence[str]) -> None:
    unknown = [d for d in dimensions if d not in DIMENSIONS]
    if unknown:
        raise ValueError(f"--by must be one of {', '.join(DIMENSIONS)}")


def compute_breakdowns_and_year(
    ws: Workspace,
    dimensions: Sequence[str],
    *,
    year: int,
    anchor: str | None = None,
) -> tuple[dict[str | None, Indicators], dict[str | None, Indicators]]:
    """Every year's breakdowns and one fiscal year's, from one pass over the lines.

    Why: a report prints one year's figures beside the trend over every year; placing and
    tagging every line twice (once for all years, once for the year) doubled its cost. A line's
    place and tags do not depend on which other lines are read, so filtering the classified
    lines by year gives exactly what ``compute_breakdowns(..., year=year)`` gives.
    """
    _check_dimensions(dimensions)
    engine = ws.engine
    every_year = f"{LINES_TABLE}_every_year"
    with classified_lines(ws, anchor=anchor, dimensions=list(dict.fromkeys([*dimensions, "year"]))):
        every = _measure(ws, dimensions)
        engine.run("keep_every_year", f"ALTER TABLE {LINES_TABLE} RENAME TO {every_year}")
        try:
            engine.run(
                "one_year_lines",
                f"CREATE TEMP TABLE {LINES_TABLE} AS "
                f"SELECT * FROM {every_year} WHERE dim_year = {int(year)}",
            )
            of_year = _measure(ws, [d for d in dimensions if d != "year"])
        finally:
            engine.run("drop_one_year_lines", f"DROP TABLE IF EXISTS {LINES_TABLE}")
            engine.run("restore_every_year", f"ALTER TABLE {every_year} RENAME TO {LINES_TABLE}")
    return every, of_year


@contextmanager
def classified_lines(
    ws: Workspace,
    *,
    anchor: str | None = None,
    year: int | None = None,
    dimensions: Sequence[str] = (),
    extra: Sequence[str] = (),
) -> Iterator[str]:
    """Every line (or one anchor's) decided once — addressable, influenceable, local, in a
    priority area, with its tags — as a temporary table; yields the table's name, drops it after.

    ``dimensions`` adds a ``dim_<name>`` column each; ``extra`` adds columns of the line
    (e.g. ``raw_category``, ``category_level2``) for callers that group by them.
    """
    conditions = []
    if anchor is not None:
        conditions.append(f"a.anchor_id = {ws.anchor(anchor).anchor_id}")
    if year is not None:
        conditions.append(f"s.fiscal_year = {int(year)}")
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    engine, settings = ws.engine, ws.settings
    # a line is where its own file says; failing that, where its supplier is placed from the best
    # evidence (see place_suppliers); every such code is placed once
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
    # materialised (not a view): every measure reads it, and re-deriving it per query cost more
    # than all of them together; only the columns they read are kept
    engine.run(
        "classified_lines",
        f"""
        CREATE OR REPLACE TEMP TABLE {LINES_TABLE} AS
        SELECT l.line_id, l.anchor_id, l.amount, l.supplier_id, l.supplier_name,
            {_addressable_sql(settings)} AS addressable,
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
        yield LINES_TABLE
    finally:
        engine.run("drop_classified_lines", f"DROP TABLE IF EXISTS {LINES_TABLE}")


def _measure(ws: Workspace, dimensions: Sequence[str]) -> dict[str | None, Indicators]:
    engine = ws.engine
    measures = ",\n".join(
        f"coalesce(sum(amount) FILTER (WHERE {condition}), 0) AS {name}"
        for name, condition in MEASURE_LINES.items()
    )
    measures += f""",
        count(*) AS lines,
        count(DISTINCT {SUPPLIER_KEY}) AS suppliers
    """
    names = [*MONEY, "lines", "suppliers"]
    (network_row,) = engine.query("network_indicators", f"SELECT {measures} FROM {LINES_TABLE}")
    network = _finish(dict(zip(names, network_row, strict=True)))
    network["tag_shares"] = _tag_shares(ws, network["addressable_spend"])
    network["top_suppliers"] = _top_suppliers(ws, [])
    network["top_supplier_share"] = _top_supplier_shares(ws, "NULL").get(None)
    out: dict[str | None, Indicators] = {None: Indicators(network, [], None)}
    for by in dimensions:
        rows: list[dict[str, Any]] = []
        for row in engine.query(
            f"indicators_by_{by}",
            f"SELECT dim_{by}, {measures} FROM {LINES_TABLE} "
            f"GROUP BY dim_{by} ORDER BY total_spend DESC, dim_{by}",
        ):
            rows.append({by: row[0], **_finish(dict(zip(names, row[1:], strict=True)))})
        concentration = _top_supplier_shares(ws, f"dim_{by}")
        tags = _tag_shares_by(ws, f"dim_{by}", {c[by]: c["addressable_spend"] for c in rows})
        for cell in rows:
            cell["top_supplier_share"] = concentration.get(cell[by])
            cell["tag_shares"] = tags.get(cell[by], {})
        out[by] = Indicators(network, rows, by)
    return out


def _top_supplier_shares(ws: Workspace, cell: str) -> dict[Any, float | None]:
    """The largest single supplier's share of each cell's spend: with the supplier count, what
    the small-cell rule (``publish.*`` settings) needs to decide whether a cell can be shown."""
    rows = ws.engine.query(
        "top_supplier_share",
        f"""
        SELECT cell, max(abs(spend)) / nullif(sum(abs(spend)), 0)
        FROM (SELECT {cell} AS cell, sum(amount) AS spend
              FROM {LINES_TABLE}
              GROUP BY cell, coalesce(supplier_id, upper(trim(supplier_name))))
        GROUP BY cell
        """,
    )
    return {c: (None if v is None else round(float(v), 6)) for c, v in rows}


def _finish(values: dict[str, Any]) -> dict[str, Any]:
    money = {k: Decimal(values[k]).quantize(Decimal("0.01")) for k in MONEY}
    known = money["addressable_spend"] - money["unknown_location_spend"]
    return {
        **money,
        "local_share": _share(money["local_spend"], money["addressable_spend"]),
        "local_share_of_known": _share(money["local_spend"], known),
        "wider_local_share": _share(money["wider_local_spend"], money["addressable_spend"]),
        "unknown_location_share": _share(
            money["unknown_location_spend"], money["addressable_spend"]
        ),
        "priority_area_share": _share(money["priority_area_spend"], money["addressable_spend"]),
        "impact_share": _share(money["impact_spend"], money["addressable_spend"]),
        "influenceable_local_share": _share(
            money["influenceable_local_spend"], money["influenceable_spend"]
        ),
        "lines": int(values["lines"]),
        "suppliers": int(values["suppliers"]),
    }


def _line_tags_sql(settings: Settings) -> str:
    """Each line's supplier tags that held on the day it was paid (grace period after expiry).

    A line counts once for "any impact supplier" however many tags its supplier has.
    """
    grace = int(settings["tags.grace_days"])
    return f"""
        SELECT l.line_id, list(DISTINCT g.tag ORDER BY g.tag) AS tags
        FROM spend_line l JOIN supplier_tag g ON g.supplier_id = l.supplier_id
        WHERE (g.valid_from IS NULL OR l.paid_on >= g.valid_from)
          AND (g.valid_to IS NULL OR l.paid_on <= g.valid_to + INTERVAL {grace} DAY)
        GROUP BY l.line_id
    """


def _tag_shares(ws: Workspace, addressable: Decimal) -> dict[str, float | None]:
    rows = ws.engine.query(
        "tag_shares",
        "SELECT tag, sum(amount) FROM (SELECT amount, unnest(tags) AS tag "
        f"FROM {LINES_TABLE} WHERE addressable AND tags IS NOT NULL) "
        "GROUP BY tag ORDER BY tag",
    )
    return {tag: _share(Decimal(v), addressable) for tag, v in rows}


def _tag_shares_by(
    ws: Workspace, cell: str, addressable: dict[Any, Decimal]
) -> dict[Any, dict[str, float | None]]:
    """Each tag's share of each cell's addressable spend (targets can be set per tag and year)."""
    out: dict[Any, dict[str, float | None]] = {}
    for key, tag, spend in ws.engine.query(
        "tag_shares_by_cell",
        f"SELECT cell, tag, sum(amount) FROM (SELECT {cell} AS cell, amount, unnest(tags) AS tag "
        f"FROM {LINES_TABLE} WHERE addressable AND tags IS NOT NULL) GROUP BY cell, tag "
        "ORDER BY cell, tag",
    ):
        out.setdefault(key, {})[tag] = _share(Decimal(spend), addressable.get(key, Decimal(0)))
    return out


def _top_suppliers(ws: Workspace, params: Sequence[Any]) -> list[dict[str, Any]]:
    """The largest suppliers, named by their resolved record (one stable name, whichever
    spelling a line used) or, unresolved, by one fixed spelling of the line's name."""
    limit = int(ws.settings["indicators.top_suppliers"])
    rows = ws.engine.query(
        "top_suppliers",
        f"""
        SELECT coalesce(any_value(sp.name), min(trim(l.supplier_name))) AS supplier,
               sum(l.amount) AS spend, count(*) AS lines, count(DISTINCT l.anchor_id) AS anchors
        FROM {LINES_TABLE} l LEFT JOIN supplier sp USING (supplier_id) WHERE l.addressable
        GROUP BY coalesce(l.supplier_id, upper(trim(l.supplier_name)))
        ORDER BY spend DESC, supplier LIMIT {limit}
        """,
        params,
    )
    return [
        {"supplier": s, "spend": Decimal(v).quantize(Decimal("0.01")), "lines": n, "anchors": k}
        for s, v, n, k in rows
    ]

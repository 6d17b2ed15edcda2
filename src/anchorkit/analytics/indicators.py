"""Core indicators: how much the network spends, how much it can steer, and how much stays local.

Definitions (docs/indicators.md says the same, for people):

- total_spend: every loaded spend line, credits netted.
- addressable_spend: total minus lines whose raw category (or shared taxonomy code, level-1 or
  level-2 name) is in the setting ``indicators.excluded_categories`` (payroll, taxes, transfers…)
  and, with ``indicators.exclude_not_a_purchase`` (the default), minus lines ``classify`` put in
  the taxonomy's *Not a Purchase* family (precepts, levies, tax and NI remittances, payroll
  deductions, refunds to residents, transfers to public bodies) — reported as ``excluded_spend``;
  ``not_a_purchase_spend`` says how much of the total is not a purchase, whatever the setting.
- local_spend: addressable spend with suppliers located in the local area.
- unknown_location_spend: addressable spend whose supplier location is unknown — reported apart,
  never silently counted as non-local.
- local_share = local_spend ÷ addressable_spend; local_share_of_known = local_spend ÷
  (addressable_spend − unknown_location_spend), so a reader sees both bounds.

"Located in the local area" is decided by :func:`anchorkit.place.network.location_sql` alone:
named areas (``local.areas``) or, failing those, postcode prefixes. Priority-area spend counts
lines whose supplier's point lies in a priority area of a loaded region pack (e.g. Toronto's
Neighbourhood Improvement Areas).

Every line's facts come from the analytic model (:mod:`anchorkit.analytics.model`), decided once
per change of data or settings: the figures here are GROUP BYs over its cells, so the network,
its breakdowns and a report's year all read the same decisions in milliseconds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from anchorkit.analytics.model import CATEGORY_SQL, Model, fresh_model
from anchorkit.workspace import Workspace

DIMENSIONS = {
    "anchor": "anchor_name",
    "year": "year",
    # the shared taxonomy's level 1 once `anchorkit classify` has run; a line it has not seen yet
    # (ingested since) shows its raw category until the next run
    "category": CATEGORY_SQL,
    "raw_category": "coalesce(raw_category, '(none)')",
    "supplier": "supplier_key",
    "neighbourhood": "neighbourhood",
}
MONEY = (
    "total_spend",
    "addressable_spend",
    "excluded_spend",
    "not_a_purchase_spend",
    "local_spend",
    "wider_local_spend",
    "unknown_location_spend",
    "priority_area_spend",
    "impact_spend",
    "influenceable_spend",
    "non_influenceable_spend",
    "influenceable_local_spend",
)


#: which lines each money measure sums (columns of the analytic model's cells); the small-cell
#: rule (:mod:`anchorkit.views.disclosure`) reads the same conditions
MEASURE_LINES = {
    "total_spend": "true",
    "addressable_spend": "addressable",
    "excluded_spend": "NOT addressable",
    "not_a_purchase_spend": "not_a_purchase",
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


def compute_breakdowns(
    ws: Workspace,
    dimensions: Sequence[str],
    *,
    anchor: str | None = None,
    year: int | None = None,
    details: bool = True,
) -> dict[str | None, Indicators]:
    """The network totals and one breakdown per dimension, from the model's cells.

    Keyed by dimension; ``None`` holds the totals alone. ``details=False`` leaves out the tag
    shares, top suppliers and concentration (a what-if needs the sums alone).
    """
    _check_dimensions(dimensions)
    model = fresh_model(ws)
    return _measure(ws, _source(ws, model, anchor, year), dimensions, details=details)


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
    """Every year's breakdowns and one fiscal year's (a report prints one year's figures beside
    the trend over every year): ``compute_breakdowns`` twice, over one check of the model."""
    _check_dimensions(dimensions)
    model = fresh_model(ws)
    every = _measure(ws, _source(ws, model, anchor, None), dimensions)
    of_year = _measure(ws, _source(ws, model, anchor, year), [d for d in dimensions if d != "year"])
    return every, of_year


def _source(ws: Workspace, model: Model, anchor: str | None, year: int | None) -> str:
    """The cells of one anchor and/or year, each with its anchor's name, as a FROM item."""
    return (
        f"(SELECT c.*, a.name AS anchor_name FROM {model.cells_where(ws, anchor=anchor, year=year)}"
        " c JOIN anchor a USING (anchor_id)) l"
    )


MEASURES = (
    ",\n".join(
        f"coalesce(sum(amount) FILTER (WHERE {condition}), 0) AS {name}"
        for name, condition in MEASURE_LINES.items()
    )
    + ",\n    coalesce(sum(lines), 0) AS lines,\n    count(DISTINCT supplier_key) AS suppliers"
)


def _measure(
    ws: Workspace, source: str, dimensions: Sequence[str], *, details: bool = True
) -> dict[str | None, Indicators]:
    engine = ws.engine
    names = [*MONEY, "lines", "suppliers"]
    (network_row,) = engine.query("network_indicators", f"SELECT {MEASURES} FROM {source}")
    network = _finish(dict(zip(names, network_row, strict=True)))
    if details:
        network["tag_shares"] = _tag_shares(ws, source, network["addressable_spend"])
        network["top_suppliers"] = _top_suppliers(ws, source)
        network["top_supplier_share"] = _top_supplier_shares(ws, source, "NULL").get(None)
    out: dict[str | None, Indicators] = {None: Indicators(network, [], None)}
    for by in dimensions:
        cell = DIMENSIONS[by]
        rows: list[dict[str, Any]] = []
        for row in engine.query(
            f"indicators_by_{by}",
            f"SELECT {cell} AS dim, {MEASURES} FROM {source} "
            "GROUP BY dim ORDER BY total_spend DESC, dim",
        ):
            rows.append({by: row[0], **_finish(dict(zip(names, row[1:], strict=True)))})
        out[by] = Indicators(network, rows, by)
        if not details:
            continue
        concentration = _top_supplier_shares(ws, source, cell)
        tags = _tag_shares_by(ws, source, cell, {c[by]: c["addressable_spend"] for c in rows})
        for found in rows:
            found["top_supplier_share"] = concentration.get(found[by])
            found["tag_shares"] = tags.get(found[by], {})
    return out


def _top_supplier_shares(ws: Workspace, source: str, cell: str) -> dict[Any, float | None]:
    """The largest single supplier's share of each cell's spend: with the supplier count, what
    the small-cell rule (``publish.*`` settings) needs to decide whether a cell can be shown."""
    rows = ws.engine.query(
        "top_supplier_share",
        f"""
        SELECT cell, max(abs(spend)) / nullif(sum(abs(spend)), 0)
        FROM (SELECT {cell} AS cell, sum(amount) AS spend
              FROM {source}
              GROUP BY {cell}, supplier_key)
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


def _tag_shares(ws: Workspace, source: str, addressable: Decimal) -> dict[str, float | None]:
    rows = ws.engine.query(
        "tag_shares",
        "SELECT tag, sum(amount) FROM (SELECT amount, unnest(tags) AS tag "
        f"FROM {source} WHERE addressable AND tags IS NOT NULL) "
        "GROUP BY tag ORDER BY tag",
    )
    return {tag: _share(Decimal(v), addressable) for tag, v in rows}


def _tag_shares_by(
    ws: Workspace, source: str, cell: str, addressable: dict[Any, Decimal]
) -> dict[Any, dict[str, float | None]]:
    """Each tag's share of each cell's addressable spend (targets can be set per tag and year)."""
    out: dict[Any, dict[str, float | None]] = {}
    for key, tag, spend in ws.engine.query(
        "tag_shares_by_cell",
        f"SELECT cell, tag, sum(amount) FROM (SELECT {cell} AS cell, amount, unnest(tags) AS tag "
        f"FROM {source} WHERE addressable AND tags IS NOT NULL) GROUP BY cell, tag "
        "ORDER BY cell, tag",
    ):
        out.setdefault(key, {})[tag] = _share(Decimal(spend), addressable.get(key, Decimal(0)))
    return out


def _top_suppliers(ws: Workspace, source: str) -> list[dict[str, Any]]:
    """The largest suppliers, named by their resolved record (one stable name, whichever
    spelling a line used) or, unresolved, by one fixed spelling of the line's name."""
    limit = int(ws.settings["indicators.top_suppliers"])
    rows = ws.engine.query(
        "top_suppliers",
        f"""
        SELECT coalesce(any_value(sp.name), min(l.supplier_name)) AS supplier,
               sum(l.amount) AS spend, sum(l.lines) AS lines, count(DISTINCT l.anchor_id) AS anchors
        FROM {source} LEFT JOIN supplier sp ON sp.supplier_id = l.supplier_id WHERE l.addressable
        GROUP BY l.supplier_key
        ORDER BY spend DESC, supplier LIMIT {limit}
        """,
    )
    return [
        {
            "supplier": s,
            "spend": Decimal(v).quantize(Decimal("0.01")),
            "lines": int(n),
            "anchors": k,
        }
        for s, v, n, k in rows
    ]


def fiscal_years(ws: Workspace) -> list[int]:
    """The fiscal years with spend (by the ``fiscal_year.start`` setting, as every figure)."""
    cells = fresh_model(ws).cells
    rows = ws.engine.query("fiscal_years", f"SELECT DISTINCT year FROM {cells} ORDER BY year")
    return [int(y) for (y,) in rows]


def supplier_spend_by_year(
    ws: Workspace, supplier_id: str, *, scope: tuple[str, list[Any]] = ("TRUE", [])
) -> list[dict[str, Any]]:
    """One resolved supplier's spend and lines by fiscal year, with the number of anchors
    buying: a supplier page's and profile's figures. ``scope``: a predicate on ``anchor_id``
    and its parameters (the lines a reader may see; every line by default)."""
    cells = fresh_model(ws).cells
    rows = ws.engine.query(
        "supplier_spend_by_year",
        f"SELECT year, sum(amount), sum(lines), count(DISTINCT anchor_id) FROM {cells} "
        f"WHERE supplier_id = ? AND ({scope[0]}) GROUP BY year ORDER BY year",
        [supplier_id, *scope[1]],
    )
    return [
        {"year": int(y), "spend": Decimal(s), "lines": int(n), "anchors": int(a)}
        for y, s, n, a in rows
    ]

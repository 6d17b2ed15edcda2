"""A framework's measures evaluated on a workspace: a value for each, or why there is none.

Spend measures read the analytic model (:mod:`anchorkit.analytics.model`) — the same decisions
(addressable, local, priority area, tags valid on the day paid) behind every indicator, so a
framework's "local spend" equals ``anchorkit indicators``' ``local_spend``. Hiring and investment
figures (``lever`` measures) and commitments arrive from the caller as plain
sections, so this module does not depend on which of those packages are installed: a section that
is missing makes the measure "not computable from this data", with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from anchorkit.analytics.model import MATCH_COLUMNS, fresh_model, literal
from anchorkit.frameworks.packs import Framework, Measure
from anchorkit.settings import Settings
from anchorkit.workspace import Workspace

#: why a lever measure has no value when its data is not loaded
NO_LEVER = {
    "hiring": "not computable from this data (no workforce data loaded)",
    "investment": "not computable from this data (no investment register loaded)",
}
NO_COMMITMENTS = "not computable from this data (no contract commitments recorded)"
NO_TIER2 = "not computable from this data (no Tier-2 returns reported)"


@dataclass
class MeasureResult:
    """One measure's answer. ``status``: computed, estimated or not_computable."""

    measure: Measure
    status: str
    value: Any = None
    numerator: Decimal | None = None
    denominator: Decimal | None = None
    reason: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)

    def to_json(self, settings: Settings | None = None) -> dict[str, Any]:
        m = self.measure
        out: dict[str, Any] = {
            "id": m.id,
            "name": m.name,
            "compute": m.compute,
            "status": self.status,
            "value": _plain(self.value),
            "unit": m.unit,
            "numerator": _plain(self.numerator),
            "denominator": _plain(self.denominator),
            "target": m.target,
            "met": None
            if m.target is None or self.value is None
            else float(self.value) >= m.target,
            "how": m.how(),
            "reason": self.reason if self.reason else m.reason,
            "caveat": m.caveat,
            "proxy_value": m.proxy_value,
            "proxy_unit": m.proxy_unit,
        }
        out.update(social_value(m, self.value, settings))
        if self.detail:
            out["detail"] = _plain(self.detail)
        return out


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def social_value(measure: Measure, value: Any, settings: Settings | None) -> dict[str, Any]:
    """The £ social value of a measure's value (value × proxy × (1 − deadweight) × attribution),
    with the adjustments shown beside it; None when the framework gives no proxy (or no value)."""
    deadweight = float(settings["frameworks.deadweight"]) if settings else 0.0
    attribution = float(settings["frameworks.attribution"]) if settings else 1.0
    if measure.proxy_value is None or value is None or measure.unit == "share":
        amount = None
    else:
        amount = round(float(value) * measure.proxy_value * (1 - deadweight) * attribution, 2)
    return {"social_value": amount, "deadweight": deadweight, "attribution": attribution}


def evaluate(
    ws: Workspace,
    framework: Framework,
    *,
    anchor: str | None = None,
    year: int | None = None,
    levers: Mapping[str, Mapping[str, Any] | None] | None = None,
    commitments: Mapping[str, Mapping[str, Any]] | None = None,
    tier2: Mapping[str, Any] | None = None,
) -> list[MeasureResult]:
    """Every measure of ``framework``, in the pack's order.

    ``levers``: ``indicators --json``-style sections by name (``hiring``, ``investment``), None or
    absent when that data is not loaded. ``commitments``: delivered actuals by commitment measure
    (``{"NT1": {"committed": .., "delivered": ..}}``); ``tier2``: Tier-2 totals — both None when
    nothing is recorded.
    """
    spend = [m for m in framework.measures if m.compute in ("spend", "share", "suppliers")]
    values = _spend_values(ws, spend, anchor=anchor, year=year) if spend else {}
    results = []
    for m in framework.measures:
        if m.id in values:
            results.append(values[m.id])
        elif m.compute == "lever":
            results.append(_lever(m, levers or {}, year))
        elif m.compute == "commitment":
            results.append(_commitment(m, commitments))
        elif m.compute == "tier2":
            results.append(_tier2(m, tier2))
        else:
            results.append(MeasureResult(m, "not_computable", reason=m.reason))
    return results


def _literals(values: Sequence[str]) -> str:
    return ", ".join(literal(v.strip().lower()) for v in values)


def _in_categories(names: Sequence[str]) -> str:
    listed = _literals(names)
    return (
        "("
        + " OR ".join(f"lower(trim(coalesce({c}, ''))) IN ({listed})" for c in MATCH_COLUMNS)
        + ")"
    )


def _line_filter(m: Measure) -> str:
    """The measure's conditions on a line other than its supplier's tags."""
    conditions = ["addressable"]
    if m.categories:
        conditions.append(_in_categories(m.categories))
    if m.exclude_categories:
        conditions.append(f"NOT {_in_categories(m.exclude_categories)}")
    if m.local:
        conditions.append("location_class = 'local'")
    if m.priority_area:
        conditions.append("coalesce(in_priority_area, false)")
    if m.min_amount is not None:
        conditions.append(f"amount >= {m.min_amount!r}")
    if m.max_amount is not None:
        conditions.append(f"amount <= {m.max_amount!r}")
    return " AND ".join(conditions)


def _tag_filter(m: Measure) -> str:
    if not m.tags:
        return "true"
    return f"coalesce(list_has_any(tags, [{', '.join(literal(t) for t in m.tags)}]), false)"


#: the cells' columns a measure reads, when it reads them line by line (an amount band)
_LINE_COLUMNS = (
    "addressable", "influenceable", "location_class", "in_priority_area", "tags", "supplier_key",
    *MATCH_COLUMNS,
)  # fmt: skip


def _spend_values(
    ws: Workspace, measures: Sequence[Measure], *, anchor: str | None, year: int | None
) -> dict[str, MeasureResult]:
    """Spend, share and supplier-count measures from the analytic model: its cells (every line's
    decisions, summed by kind), or — for a measure on the line's amount — its lines."""
    model = fresh_model(ws)
    cells = model.cells_where(ws, anchor=anchor, year=year)
    by_line = (
        f"(SELECT l.amount, {', '.join('c.' + c for c in _LINE_COLUMNS)} "
        f"FROM {model.lines} l JOIN {cells} c "
        "ON l.kind = c.kind AND l.anchor_id = c.anchor_id AND l.year = c.year)"
    )
    out: dict[str, MeasureResult] = {}
    for m in measures:
        lines = _line_filter(m)
        chosen = f"{lines} AND {_tag_filter(m)}"
        base = {
            "addressable": "addressable",
            "filtered": lines,
            "total": "true",
            "influenceable": "influenceable",
        }[m.of]
        banded = m.min_amount is not None or m.max_amount is not None
        (row,) = ws.engine.query(
            f"framework_measure_{m.compute}",
            f"""
            SELECT coalesce(sum(amount) FILTER (WHERE {chosen}), 0),
                   coalesce(sum(amount) FILTER (WHERE {base}), 0),
                   count(DISTINCT supplier_key) FILTER (WHERE {chosen})
            FROM {by_line if banded else cells} measured
            """,
        )
        out[m.id] = _result(m, row)
    return out


def _result(m: Measure, row: Sequence[Any]) -> MeasureResult:
    spend = Decimal(row[0]).quantize(Decimal("0.01"))
    whole = Decimal(row[1]).quantize(Decimal("0.01"))
    status = "estimated" if m.estimated else "computed"
    if m.compute == "spend":
        return MeasureResult(m, status, value=spend, numerator=spend)
    if m.compute == "suppliers":
        return MeasureResult(m, status, value=int(row[2]), numerator=spend)
    if whole == 0:
        return MeasureResult(
            m,
            "not_computable",
            numerator=spend,
            denominator=whole,
            reason="not computable from this data (no spend in the share's base: "
            "check the anchor, year and category filters)",
        )
    return MeasureResult(
        m, status, value=round(float(spend / whole), 6), numerator=spend, denominator=whole
    )


def _lever(
    m: Measure, levers: Mapping[str, Mapping[str, Any] | None], year: int | None
) -> MeasureResult:
    name, _, figure = str(m.lever).partition(".")
    section = levers.get(name)
    rows = list((section or {}).get("network") or [])
    if not rows:
        return MeasureResult(m, "not_computable", reason=NO_LEVER[name])
    if year is not None:
        rows = [r for r in rows if year in (r.get("year"), r.get("period"), r.get("fiscal_year"))]
        if not rows:
            return MeasureResult(
                m,
                "not_computable",
                reason=f"not computable from this data (no {name} data for {year})",
            )
    row = rows[-1]
    if figure not in row:
        return MeasureResult(
            m, "not_computable", reason=f"not computable from this data ({name} has no {figure})"
        )
    if row[figure] is None:
        return MeasureResult(
            m, "not_computable", reason="suppressed: too few people or holdings to show"
        )
    return MeasureResult(m, "estimated" if m.estimated else "computed", value=row[figure])


def _commitment(m: Measure, commitments: Mapping[str, Mapping[str, Any]] | None) -> MeasureResult:
    row = (commitments or {}).get(str(m.commitment))
    if not row:
        return MeasureResult(m, "not_computable", reason=NO_COMMITMENTS)
    return MeasureResult(m, "computed", value=row.get("delivered"), detail=dict(row))


def _tier2(m: Measure, tier2: Mapping[str, Any] | None) -> MeasureResult:
    if not tier2:
        return MeasureResult(m, "not_computable", reason=NO_TIER2)
    return MeasureResult(m, "computed", value=tier2.get("diverse_spend"), detail=dict(tier2))

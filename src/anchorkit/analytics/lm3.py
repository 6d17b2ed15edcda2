"""The local multiplier LM3 (New Economics Foundation): how far a pound spent locally goes.

LM3 = (R1 + R2 + R3) / R1, with (docs/indicators.md says the same, for people):

- R1, the spend studied: ``addressable_spend``;
- R2, the spend with local suppliers: ``local_spend`` — both read off :func:`compute_breakdowns`,
  so they are exactly what ``anchorkit indicators`` shows (for a year: ``--by year``);
- R3, the part of R2 that local suppliers re-spend locally: each local line's amount × its
  supplier's re-spend rate.

A surveyed supplier's re-spend rate (``anchorkit survey import``) is
``(1 − w) × local_spend_share + w × local_staff_share``, w = the setting ``lm3.wage_share``: the
part of a supplier's spending that is wages goes local as far as its staff live locally, the
rest as far as its purchases are local (NEF's round 3 counts both). With no staff share, the
local-spend share stands for all of it. Any other local line takes the default rate of its
taxonomy level-1 category (``lm3_default_rates.csv`` or the file in ``lm3.rates_file``), else the
``default`` row. R3 is reported split into surveyed and assumed parts.
"""

from __future__ import annotations

import csv
import io
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from importlib import resources
from typing import Any

from anchorkit.analytics.indicators import compute_breakdowns
from anchorkit.analytics.model import fresh_model
from anchorkit.analytics.survey import parse_share
from anchorkit.classify.taxonomy import taxonomy_for
from anchorkit.errors import SurveyError
from anchorkit.workspace import Workspace

DEFAULT_RATES = "lm3_default_rates.csv"
CENT = Decimal("0.01")


@dataclass
class Lm3Result:
    r1: Decimal
    r2: Decimal
    r3: Decimal
    r3_surveyed: Decimal
    r3_assumed: Decimal
    lm3: float | None
    suppliers_surveyed: int
    anchor: str | None = None
    year: int | None = None
    notes: list[str] = field(default_factory=list)
    #: the anchors' own payroll counted in (setting lm3.include_payroll): R1 and R2 then hold it
    payroll_included: bool = False
    payroll: Decimal = Decimal("0.00")
    local_payroll: Decimal = Decimal("0.00")
    label: str = "LM3 (spend with suppliers)"

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        for key in ("r1", "r2", "r3", "r3_surveyed", "r3_assumed", "payroll", "local_payroll"):
            out[key] = f"{out[key]:.2f}"
        return out


def load_rates(ws: Workspace) -> tuple[dict[str, Decimal], str]:
    """Default re-spend rates by level-1 category (lower-cased), and where they came from."""
    name = str(ws.settings["lm3.rates_file"]).strip()
    if name:
        path = ws.root / name
        try:
            text = path.read_text("utf-8-sig")
        except OSError as exc:
            raise SurveyError(
                f"lm3.rates_file {name!r}: cannot read it ({exc.strerror}). Give a CSV "
                "(category,rate) relative to the workspace, or empty for the shipped rates."
            ) from exc
        source = name
    else:
        text = resources.files("anchorkit.data").joinpath(DEFAULT_RATES).read_text("utf-8")
        source = f"anchorkit's default rates ({DEFAULT_RATES}, assumptions)"
    rows = csv.reader(line for line in io.StringIO(text) if not line.lstrip().startswith("#"))
    rates: dict[str, Decimal] = {}
    problems = []
    for number, row in enumerate(rows, start=1):
        if not row or [c.strip().lower() for c in row[:2]] == ["category", "rate"]:
            continue
        if len(row) < 2 or not row[0].strip():
            problems.append(f"row {number}: expected category,rate")
            continue
        try:
            rates[row[0].strip().lower()] = Decimal(str(parse_share(row[1], "rate")))
        except SurveyError as exc:
            problems.append(f"row {number} ({row[0].strip()}): {exc}")
    known = {c.name.lower() for c in taxonomy_for(ws.settings, ws.root).level(1)}
    unknown = sorted(c for c in rates if c != "default" and c not in known)
    if unknown and name:  # the shipped rates name the shipped taxonomy's categories
        problems.append(
            f"no level-1 category {', '.join(repr(c) for c in unknown)} in the taxonomy "
            "(see anchorkit category list --level 1)"
        )
    if "default" not in rates:
        problems.append("no 'default' row (the rate of categories not listed)")
    if problems:
        raise SurveyError(f"{source}: " + "; ".join(problems) + ".")
    return rates, source


def survey_rate(local_spend_share: float, local_staff_share: float | None, wage: float) -> Decimal:
    """A surveyed supplier's re-spend rate (see the module's docstring)."""
    staff = local_spend_share if local_staff_share is None else local_staff_share
    return Decimal(str((1 - wage) * local_spend_share + wage * staff))


def compute_lm3(
    ws: Workspace,
    *,
    anchor: str | None = None,
    year: int | None = None,
    totals: dict[str, Any] | None = None,
) -> Lm3Result:
    """LM3 of the network (or one anchor), over every year or one fiscal year.

    ``totals``: the indicators of exactly this anchor and year when the caller has them (a
    report does): R1 and R2 are read from them instead of classifying every line again.
    """
    wage = float(ws.settings["lm3.wage_share"])
    if not 0 <= wage <= 1:
        raise SurveyError(f"lm3.wage_share must be between 0 and 1, not {wage}.")
    rates, source = load_rates(ws)
    row: dict[str, Any] | None
    if totals is not None:
        row = totals
    elif year is None:
        row = compute_breakdowns(ws, [], anchor=anchor)[None].network
    else:
        rows = compute_breakdowns(ws, ["year"], anchor=anchor)["year"].rows
        row = next((r for r in rows if r["year"] == year), None)
    r1 = row["addressable_spend"] if row else Decimal(0)
    r2 = row["local_spend"] if row else Decimal(0)
    surveyed = assumed = Decimal(0)
    suppliers: set[str] = set()
    seen = Decimal(0)
    for supplier_id, category, spend, share, staff in _local_spend(ws, anchor, year):
        spend = Decimal(spend)
        seen += spend
        if supplier_id is not None:
            suppliers.add(supplier_id)
            surveyed += spend * survey_rate(share, staff, wage)
        else:
            rate = rates.get((category or "").lower(), rates["default"])
            assumed += spend * rate
    notes = [
        f"R3: {len(suppliers)} surveyed supplier(s) at their own re-spend rates (wage share "
        f"{wage:g}); other local spend at default rates by category from {source}.",
        "Default rates are assumptions, not measurements: survey local suppliers to replace them.",
    ]
    if seen.quantize(CENT) != r2:
        notes.append(f"Local lines found for R3 sum to {seen:.2f}, not R2 {r2:.2f}: please report.")
    payroll = local_payroll = Decimal("0.00")
    included = bool(ws.settings["lm3.include_payroll"])
    if included:
        payroll, local_payroll = _payroll(ws, anchor, year)
        r1, r2 = r1 + payroll, r2 + local_payroll
        assumed += local_payroll * rates["default"]
        notes.append(
            f"The anchors' own payroll is counted (lm3.include_payroll): {payroll:.2f} in R1, the "
            f"{local_payroll:.2f} paid to staff living locally in R2, re-spent locally at the "
            "default rate in R3 (an assumption: survey staff to replace it)."
        )
    r3_surveyed, r3_assumed = surveyed.quantize(CENT), assumed.quantize(CENT)
    r3 = r3_surveyed + r3_assumed
    lm3 = None if r1 == 0 else round(float((r1 + r2 + r3) / r1), 4)
    return Lm3Result(
        r1,
        r2,
        r3,
        r3_surveyed,
        r3_assumed,
        lm3,
        len(suppliers),
        anchor,
        year,
        notes,
        payroll_included=included,
        payroll=payroll,
        local_payroll=local_payroll,
        label="LM3 (spend with suppliers and the anchors' local payroll)"
        if included
        else "LM3 (spend with suppliers)",
    )


def _payroll(ws: Workspace, anchor: str | None, year: int | None) -> tuple[Decimal, Decimal]:
    """The anchors' payroll and the part paid to staff living locally (workforce files), for the
    network or one anchor, one fiscal year or every year."""
    from anchorkit.workforce.indicators import compute_hiring

    figures = compute_hiring(ws, anchor=anchor)
    rows = figures.rows if anchor is not None else figures.network
    rows = [r for r in rows if year is None or r["period"] == year]
    return (
        sum((Decimal(r["payroll"]) for r in rows), Decimal("0.00")),
        sum((Decimal(r["local_payroll"]) for r in rows), Decimal("0.00")),
    )


def _local_spend(ws: Workspace, anchor: str | None, year: int | None) -> list[tuple[Any, ...]]:
    """Addressable local spend by (surveyed supplier or NULL, level-1 category), with the
    survey's shares; local and addressable as the model decided them for the indicators."""
    cells = fresh_model(ws).cells_where(ws, anchor=anchor, year=year)
    return ws.engine.query(
        "lm3_local_spend",
        f"""
        SELECT v.supplier_id, CASE WHEN v.supplier_id IS NULL THEN l.category_level1 END,
            sum(l.amount), any_value(v.local_spend_share), any_value(v.local_staff_share)
        FROM {cells} l LEFT JOIN supplier_survey v ON v.supplier_id = l.supplier_id
        WHERE l.addressable AND l.location_class = 'local'
        GROUP BY 1, 2 ORDER BY 1, 2
        """,
    )

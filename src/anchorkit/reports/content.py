"""What a report says: the figures of a network progress report or an anchor scorecard.

Why one module feeding every format: the PDF, the HTML page and the Excel workbook must print the
same numbers as the dashboard, so their figures come from the dashboard's own queries
(:func:`anchorkit.views.indicators.overview` and the same breakdown functions) through the
same cache, and the same small-cell rule. A network report is for publishing: every cell passes
the rule as it would for the public, whoever asks for it. An anchor scorecard is for that anchor's
board: its own figures in full, the network beside them as suppressed aggregates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from anchorkit.analytics.indicators import compute_breakdowns_and_year, fiscal_years
from anchorkit.analytics.lm3 import compute_lm3
from anchorkit.analytics.multipliers import local_impact
from anchorkit.analytics.targets import target_progress
from anchorkit.errors import AnchorkitError, ReportError
from anchorkit.records.accounts import Actor
from anchorkit.views import hiring, indicators, quality
from anchorkit.views import investment as invest
from anchorkit.views.charts import Spec, overview_specs
from anchorkit.views.opportunities import opportunity_list
from anchorkit.views.store import Store

PUBLIC = Actor(email="(report)", role="public")
TOP_OPPORTUNITIES = 10
CLASSIFY_FIRST = 3  # catch-all opportunities named after the ranked ones

INDICATOR_LABELS = {
    "total_spend": "Total spend",
    "addressable_spend": "Addressable spend",
    "local_spend": "Local spend",
    "local_share": "Local share",
    "impact_share": "Impact-supplier share",
    "priority_area_share": "Priority-area share",
    "unknown_location_share": "Spend with unknown location",
    "suppliers": "Suppliers",
    "lines": "Spend lines",
}

DEFINITIONS = [
    (
        "Addressable spend",
        "All spend except categories the network cannot redirect (setting "
        "indicators.excluded_categories, e.g. payroll, taxes, transfers to other public bodies). "
        "Credits net against their supplier.",
    ),
    (
        "Local share",
        "Addressable spend with suppliers located in the local area (settings local.*) divided by "
        "addressable spend.",
    ),
    (
        "Impact-supplier share",
        "Addressable spend with suppliers holding a valid social or diverse tag (Indigenous-, "
        "Black-, women-owned, social enterprise, co-op, non-profit, B Corp ...), counted once per "
        "line, divided by addressable spend.",
    ),
    (
        "Priority-area share",
        "Addressable spend with suppliers located in a priority neighbourhood, divided by the "
        "addressable spend whose location is known.",
    ),
    (
        "Spend with unknown location",
        "The part of addressable spend whose supplier could not be placed: read every share "
        "with it in mind.",
    ),
    (
        "LM3",
        "Local Multiplier 3 (New Economics Foundation): (R1 + R2 + R3) / R1, where R1 is the "
        "spend studied, R2 the part spent locally and R3 the part of R2 that local suppliers "
        "re-spend locally (from surveys, else default rates by category, which are assumptions).",
    ),
    (
        "Jobs and output",
        "Local spend times input-output multipliers (direct, indirect, induced per million by "
        "sector) from the multiplier table the network loaded: upper-bound estimates.",
    ),
    (
        "Local hiring",
        "Staff (and new hires) living in the local area, by their home area (FSA, outcode, ZIP "
        "or neighbourhood) under the local rule suppliers are judged by, divided by all staff "
        "(new hires). Priority-area shares apportion an FSA to neighbourhoods by its postcodes: "
        "estimates.",
    ),
    (
        "Living-wage share",
        "Staff paid at or above the living wage of the network's area (setting "
        "workforce.living_wage_area, from the living-wage table with its source), divided by the "
        "staff whose pay band is known.",
    ),
    (
        "Place-based investment",
        "Holdings on the fiscal year's last day with investees in the local area or a priority "
        "area; impact investment: investees flagged (community development finance, community "
        "bond, co-op, affordable housing, social enterprise) or matched to a supplier with an "
        "impact tag. Shares are of the whole portfolio.",
    ),
    (
        "Suppressed count",
        "A count of fewer than workforce.min_count people (and a share made of one) is not "
        "shown, whoever reads the report; investment figures of fewer investees than "
        "publish.min_suppliers, or dominated by one, are suppressed like spend.",
    ),
    (
        "Suppressed cell",
        "A figure is not shown when fewer than publish.min_suppliers suppliers make it up or one "
        "supplier holds more than publish.max_supplier_share of it; where a breakdown hides a "
        "single cell, a second one is hidden so that it cannot be recovered from the total.",
    ),
]


@dataclass
class Report:
    """Everything a renderer needs; plain values (Decimal, str, float, int, None)."""

    kind: str  # "network" or "anchor"
    title: str
    network_name: str
    anchor: str | None
    year: int | None
    years: list[int]
    generated_at: datetime
    currency: str
    headline: dict[str, Any]
    network: dict[str, Any] | None  # an anchor scorecard's comparison row
    targets: list[dict[str, Any]]
    trend: list[dict[str, Any]]
    by_anchor: list[dict[str, Any]]
    by_category: list[dict[str, Any]]
    by_neighbourhood: list[dict[str, Any]]
    specs: dict[str, Spec]
    impact: dict[str, Any]
    opportunities: list[dict[str, Any]]
    quality: dict[str, Any]
    rejected_reasons: list[tuple[str, int]]
    settings: list[tuple[str, str]]
    definitions: list[tuple[str, str]] = field(default_factory=lambda: list(DEFINITIONS))
    #: the other two levers in the report's year: hiring and investment (see :func:`_levers`)
    levers: dict[str, Any] = field(default_factory=dict)

    @property
    def period(self) -> str:
        return f"fiscal year {self.year}" if self.year is not None else "all years"

    @property
    def suppressed_cells(self) -> int:
        rows = [self.headline, *self.trend, *self.by_anchor, *self.by_category]
        return sum(1 for r in [*rows, *self.by_neighbourhood] if r.get("suppressed"))


def _years(store: Store) -> list[int]:
    return store.cached(("report_years",), lambda: fiscal_years(store.reader()), keep=True)


def _pick_year(store: Store, year: int | None) -> tuple[int | None, list[int]]:
    years = _years(store)
    if not years:
        raise ReportError(
            "There is no spend to report on yet: ingest spend files first (anchorkit ingest)."
        )
    if year is None:
        return years[-1], years
    if year not in years:
        raise ReportError(
            f"There is no spend for fiscal year {year}. Years with spend: "
            f"{', '.join(str(y) for y in years)}."
        )
    return year, years


def _impact(
    store: Store, anchor: str | None, year: int | None, figures: dict[str | None, Any]
) -> dict[str, Any]:
    """LM3 and jobs from the report's own (unsuppressed) figures of this anchor and year:
    ``figures`` holds the totals (key None) and the rows by category."""

    def build() -> dict[str, Any]:
        ws = store.reader()
        lm3 = compute_lm3(ws, anchor=anchor, year=year, totals=figures[None]).to_json()
        try:
            jobs: dict[str, Any] | None = local_impact(
                ws, anchor=anchor, year=year, by_category=figures["category"]
            ).to_json()
            missing = None
        except AnchorkitError as exc:  # no multiplier table loaded: say so, print LM3
            jobs, missing = None, str(exc)
        return {"lm3": lm3, "jobs": jobs, "jobs_missing": missing}

    return store.cached(("report_impact", anchor, year), build, keep=True)


def _opportunities(store: Store, anchor: str | None) -> list[dict[str, Any]]:
    """The largest opportunities, without amounts (one supplier's sales could be read from
    them), with what to do next; then a few whose catch-all category must be classified first."""
    rows = opportunity_list(store, anchor)
    ranked = [o for o in rows if not o["needs_classification"]][:TOP_OPPORTUNITIES]
    later = [o for o in rows if o["needs_classification"]][:CLASSIFY_FIRST]
    return [
        {
            "kind": "classify first" if o["needs_classification"] else o["kind"].replace("_", " "),
            "category": o["category"],
            "summary": o["summary"],
            "anchors": len(o["anchors"]),
            "next_steps": o["next_steps"],
        }
        for o in [*ranked, *later]
    ]


def _quality(store: Store, anchor_id: int | None) -> tuple[dict[str, Any], list[tuple[str, int]]]:
    """The dashboard's data-quality counts, and why rows were rejected (never amounts)."""

    def build() -> tuple[dict[str, Any], list[tuple[str, int]]]:
        ws = store.reader()
        where, params = ("WHERE anchor_id = ?", [anchor_id]) if anchor_id is not None else ("", [])
        # a reason's quoted value varies by row; its wording says what was wrong
        reasons = ws.engine.query(
            "report_rejected_reasons",
            f"""
            SELECT regexp_replace(reason, '''[^'']*''', '…', 'g') AS kind, count(*) AS n
            FROM (SELECT unnest(reasons) AS reason FROM rejected_row {where})
            GROUP BY kind ORDER BY n DESC, kind LIMIT 8
            """,
            params,
        )
        return quality.data_quality(ws, anchor_id), [(str(k), int(n)) for k, n in reasons]

    return store.cached(("report_quality", anchor_id), build, keep=True)


def _settings(store: Store) -> list[tuple[str, str]]:
    s = store.settings
    names = (
        "currency",
        "local.areas",
        "local.postcode_prefixes",
        "local.radius_km",
        "place.regions",
        "indicators.excluded_categories",
        "publish.min_suppliers",
        "publish.max_supplier_share",
        "lm3.wage_share",
    )
    out = []
    for name in names:
        value = s[name]
        shown = ", ".join(str(v) for v in value) if isinstance(value, list) else str(value)
        out.append((name, shown or "(not set)"))
    return out


def _pick(rows: list[dict[str, Any]], key: str, year: int | None) -> dict[str, Any] | None:
    """The row of ``year`` (else the latest before it, else the latest)."""
    dated = sorted((r for r in rows if r.get(key) is not None), key=lambda r: r[key])
    before = [r for r in dated if year is None or r[key] <= year]
    chosen = before or dated
    return chosen[-1] if chosen else None


def _levers(hiring_data: dict[str, Any], money: dict[str, Any], year: int | None) -> dict[str, Any]:
    """The report's hiring and investment: the year's (or the latest before it) network row,
    the anchors' rows of that year the reader may see, groups, and neighbourhoods."""
    people = _pick(hiring_data["network"], "period", year)
    period = people["period"] if people else None
    held = _pick(money["network"], "year", year)
    when = held["year"] if held else None
    return {
        "hiring": people,
        "hiring_by_anchor": [r for r in hiring_data["by_anchor"] if r["period"] == period],
        "groups": [g for g in hiring_data["groups"] if g["period"] == period],
        "living_wage": hiring_data["living_wage"].get(str(period)) if period else None,
        "min_count": hiring_data["min_count"],
        "investment": held,
        "investment_by_anchor": [r for r in money["by_anchor"] if r["year"] == when],
        "holdings": money["holdings"],  # an anchor's own (the public sees none)
    }


def network_report(store: Store, *, year: int | None = None) -> Report:
    """The network's annual progress report, as the public would see it (small cells hidden)."""
    chosen, years = _pick_year(store, year)
    data = indicators.overview(store, PUBLIC, year=chosen)
    raw = indicators.network_figures(store, chosen)  # unsuppressed: only LM3 and jobs read them
    targets = [t for t in data["target_rows"] if t["year"] == chosen]
    geojson = indicators.neighbourhood_geojson(store)
    quality, reasons = _quality(store, None)
    name = str(store.settings["network.name"])
    return Report(
        kind="network",
        title=f"{name}: progress report",
        network_name=name,
        anchor=None,
        year=chosen,
        years=years,
        generated_at=datetime.now(UTC),
        currency=str(store.settings["currency"]),
        headline=data["network"],
        network=None,
        targets=targets,
        trend=data["by"]["year"],
        by_anchor=data["by"]["anchor"],
        by_category=data["by"]["category"],
        by_neighbourhood=data["by"]["neighbourhood"],
        specs=overview_specs(data, geojson),
        impact=_impact(
            store, None, chosen, {None: raw["network"], "category": raw["by"]["category"]}
        ),
        opportunities=_opportunities(store, None),
        quality=quality,
        rejected_reasons=reasons,
        settings=_settings(store),
        levers=_levers(
            hiring.hiring_for(store, PUBLIC), invest.investment_for(store, PUBLIC), chosen
        ),
    )


def anchor_report(store: Store, anchor: str, *, year: int | None = None) -> Report:
    """One anchor's scorecard: its own figures in full, the network's as suppressed aggregates.

    Callers check that the reader may see this anchor (``view_anchor``).
    """
    ws = store.reader()
    found = ws.anchor(anchor)
    chosen, years = _pick_year(store, year)
    assert chosen is not None

    def breakdowns() -> tuple[dict[str | None, Any], dict[str | None, Any]]:
        every, of_year = compute_breakdowns_and_year(
            store.reader(), ("year", "category", "neighbourhood"), year=chosen, anchor=found.name
        )
        return every, of_year

    every, own = store.cached(
        ("report_anchor_breakdowns", found.name, chosen), breakdowns, keep=True
    )
    actor = Actor(email="(report)", role="anchor", anchor_id=found.anchor_id)
    network = indicators.overview(store, actor, year=chosen)
    by_year = every["year"].rows
    progress = target_progress(ws, anchor=found.name, by_year_rows=by_year)
    targets = [p.to_json() for p in progress if p.year == chosen]
    figures = {
        "by": {
            "year": by_year,
            "category": own["category"].rows,
            "neighbourhood": own["neighbourhood"].rows,
        },
        "targets": indicators.headline_targets([p.to_json() for p in progress]),
    }
    specs = overview_specs(figures, indicators.neighbourhood_geojson(store))
    quality, reasons = _quality(store, found.anchor_id)
    return Report(
        kind="anchor",
        title=f"{found.name}: scorecard",
        network_name=str(store.settings["network.name"]),
        anchor=found.name,
        year=chosen,
        years=years,
        generated_at=datetime.now(UTC),
        currency=str(store.settings["currency"]),
        headline=own[None].network,
        network=network["network"],
        targets=targets,
        trend=by_year,
        by_anchor=[],
        by_category=own["category"].rows,
        by_neighbourhood=own["neighbourhood"].rows,
        specs=specs,
        impact=_impact(
            store, found.name, chosen, {None: own[None].network, "category": own["category"].rows}
        ),
        opportunities=_opportunities(store, found.name),
        quality=quality,
        rejected_reasons=reasons,
        settings=_settings(store),
        levers=_levers(
            hiring.anchor_hiring(store, found.name),
            invest.anchor_investment(store, found.name),
            chosen,
        ),
    )

"""Targets: what the network (or one anchor) committed to, and how far it has come.

A target is an indicator, a fiscal year and a value, for the network or one anchor, optionally
with a baseline year. Progress is read off the same indicators as everything else
(:func:`compute_breakdowns` by year), so a target's "actual" is exactly what ``anchorkit
indicators --by year`` shows for that year:

- ``gap`` = target − actual (what is still to go; negative once the target is passed);
- ``progress`` = (actual − baseline) / (target − baseline), when a baseline year is set: 0 at the
  baseline, 1 when the target is met;
- ``trend``: the actual in every year with spend, so a chart can show the path.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from anchorkit.analytics.indicators import compute_breakdowns
from anchorkit.analytics.survey import parse_share
from anchorkit.errors import SurveyError, TargetError
from anchorkit.workspace import Workspace

NETWORK = 0
SHARES = (
    "local_share",
    "local_share_of_known",
    "wider_local_share",
    "priority_area_share",
    "impact_share",
)
AMOUNTS = (
    "addressable_spend",
    "local_spend",
    "wider_local_spend",
    "priority_area_spend",
    "impact_spend",
)
COUNTS = ("suppliers",)
TAG_PREFIX = "tag_share:"


def _lever_names() -> tuple[str, ...]:
    """The hiring and investment indicators a target may be set on (their own modules say)."""
    from anchorkit.investment.indicators import TARGETS as INVESTMENT
    from anchorkit.workforce.indicators import TARGETS as HIRING

    return (*HIRING, *INVESTMENT)


def indicator_names() -> list[str]:
    return [*SHARES, *AMOUNTS, *COUNTS, *_lever_names(), f"{TAG_PREFIX}<tag>"]


def parse_value(indicator: str, text: str | float) -> float:
    """A target value: shares as 0.3 or "30%", amounts and counts as numbers; checked."""
    if is_share(indicator):
        try:
            return parse_share(text, indicator)
        except SurveyError as exc:  # one reading of shares, with the target's own error
            raise TargetError(f"{exc}; a share is between 0 and 1 (or 0% and 100%).") from exc
    raw = str(text).strip().replace(",", "")
    try:
        value = float(raw)
    except ValueError as exc:
        raise TargetError(f"{text!r} is not a number (e.g. 0.3, 30% or 1500000).") from exc
    if value < 0:
        raise TargetError(f"A target for {indicator} cannot be negative ({text!r}).")
    return value


def is_share(indicator: str) -> bool:
    return indicator in SHARES or indicator.startswith(TAG_PREFIX) or indicator.endswith("_share")


def check_indicator(ws: Workspace, indicator: str) -> None:
    if indicator in (*SHARES, *AMOUNTS, *COUNTS, *_lever_names()):
        return
    if indicator.startswith(TAG_PREFIX):
        tag = indicator.removeprefix(TAG_PREFIX)
        known = [t for (t,) in ws.engine.query("tags", "SELECT DISTINCT tag FROM supplier_tag")]
        known += [
            t
            for (t,) in ws.engine.query(
                "registry_tags", "SELECT DISTINCT unnest(tags) FROM registry_entry"
            )
        ]
        if tag and tag in known:
            return
        raise TargetError(
            f"No supplier carries the tag {tag!r}. Tags known here: "
            f"{', '.join(sorted(set(known))) or 'none yet (import a registry first)'}."
        )
    raise TargetError(
        f"anchorkit has no indicator {indicator!r}. Targets can be set on: "
        f"{', '.join(indicator_names())}."
    )


def set_target(
    ws: Workspace,
    indicator: str,
    value: str | float,
    year: int,
    *,
    anchor: str | None = None,
    baseline_year: int | None = None,
    by: str = "cli",
) -> dict[str, Any]:
    check_indicator(ws, indicator)
    number = parse_value(indicator, value)
    if not 1990 <= year <= 2100:
        raise TargetError(f"{year} is not a fiscal year anchorkit can use.")
    if baseline_year is not None and baseline_year >= year:
        raise TargetError("The baseline year must come before the target's year.")
    anchor_id = ws.anchor(anchor).anchor_id if anchor else NETWORK
    with ws.engine.transaction():
        ws.engine.run(
            "drop_target",
            "DELETE FROM target WHERE indicator = ? AND year = ? AND anchor_id = ?",
            [indicator, year, anchor_id],
        )
        ws.engine.run(
            "set_target",
            "INSERT INTO target (indicator, year, anchor_id, value, baseline_year, set_by) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [indicator, year, anchor_id, number, baseline_year, by],
        )
    return {"indicator": indicator, "year": year, "anchor": anchor, "target": number}


def remove_target(ws: Workspace, indicator: str, year: int, *, anchor: str | None = None) -> None:
    anchor_id = ws.anchor(anchor).anchor_id if anchor else NETWORK
    found = ws.engine.query(
        "find_target",
        "SELECT 1 FROM target WHERE indicator = ? AND year = ? AND anchor_id = ?",
        [indicator, year, anchor_id],
    )
    if not found:
        raise TargetError(
            f"There is no {indicator} target for {year}{' for ' + anchor if anchor else ''}."
        )
    ws.engine.run(
        "remove_target",
        "DELETE FROM target WHERE indicator = ? AND year = ? AND anchor_id = ?",
        [indicator, year, anchor_id],
    )


@dataclass
class Progress:
    indicator: str
    year: int
    anchor: str | None
    target: float
    actual: float | None
    gap: float | None
    baseline_year: int | None = None
    baseline: float | None = None
    progress: float | None = None
    trend: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _value(row: dict[str, Any] | None, indicator: str) -> float | None:
    if row is None:
        return None
    if indicator.startswith(TAG_PREFIX):
        found = (row.get("tag_shares") or {}).get(indicator.removeprefix(TAG_PREFIX))
        # spend in the year but none with the tag: a share of 0, not unknown
        return 0.0 if found is None and row.get("addressable_spend") else found
    value = row.get(indicator)
    if value is None:
        return None
    return float(value) if isinstance(value, Decimal | int | float) else None


def target_progress(
    ws: Workspace,
    *,
    anchor: str | None = None,
    by_year_rows: list[dict[str, Any]] | None = None,
) -> list[Progress]:
    """Every target of the network (``anchor`` None) or of one anchor, with its progress.

    ``by_year_rows``: the indicators by year when the caller has them already (the dashboard
    does), so they are not computed twice.
    """
    anchor_id = ws.anchor(anchor).anchor_id if anchor else NETWORK
    targets = ws.engine.query(
        "targets",
        "SELECT indicator, year, value, baseline_year FROM target WHERE anchor_id = ? "
        "ORDER BY year, indicator",
        [anchor_id],
    )
    if not targets:
        return []
    if by_year_rows is None:
        by_year_rows = compute_breakdowns(ws, ["year"], anchor=anchor)["year"].rows
    by_year = {int(r["year"]): r for r in by_year_rows if r["year"] is not None}
    levers = set(_lever_names())
    if any(indicator in levers for indicator, *_ in targets):
        by_year = _with_levers(ws, anchor, by_year)
    out = []
    for indicator, year, value, baseline_year in targets:
        actual = _value(by_year.get(year), indicator)
        baseline = _value(by_year.get(baseline_year), indicator) if baseline_year else None
        progress = None
        if actual is not None and baseline is not None and value != baseline:
            progress = round((actual - baseline) / (value - baseline), 6)
        out.append(
            Progress(
                indicator=indicator,
                year=year,
                anchor=anchor,
                target=value,
                actual=actual,
                gap=None if actual is None else round(value - actual, 6),
                baseline_year=baseline_year,
                baseline=baseline,
                progress=progress,
                trend=[
                    {"year": y, "actual": _value(row, indicator)}
                    for y, row in sorted(by_year.items())
                ],
            )
        )
    return out


def _with_levers(
    ws: Workspace, anchor: str | None, by_year: dict[int, dict[str, Any]]
) -> dict[int, dict[str, Any]]:
    """The year rows with the hiring and investment figures of the same anchor (or network) and
    year beside the spend figures; hiring figures as the small-count rule lets them be shown."""
    from anchorkit.investment.indicators import TARGETS as INVESTMENT
    from anchorkit.investment.indicators import compute_investment
    from anchorkit.workforce.indicators import TARGETS as HIRING
    from anchorkit.workforce.indicators import compute_hiring, disclose

    merged = {year: dict(row) for year, row in by_year.items()}
    hiring = compute_hiring(ws, anchor=anchor)
    k = int(ws.settings["workforce.min_count"])
    for row in hiring.rows if anchor is not None else hiring.network:
        shown = disclose(row, k)
        merged.setdefault(int(row["period"]), {}).update({i: shown.get(i) for i in HIRING})
    investment = compute_investment(ws, anchor=anchor)
    for row in investment.rows if anchor is not None else investment.network:
        merged.setdefault(int(row["year"]), {}).update({i: row.get(i) for i in INVESTMENT})
    return merged

"""Hiring indicators: where the anchors' people live and whether they are paid a living wage.

Definitions (docs/levers.md says the same, for people), for an anchor (or the network) in a
period (a fiscal year), over the counts of everyone (rows of a self-identified group are a
breakdown, never added in):

- staff: employees on the period's last day — kind ``staff`` plus ``apprentice``; apprentices,
  new hires, leavers and contractors' staff are also reported on their own;
- local_staff_share = staff living in the local area ÷ staff; local_hire_share the same for new
  hires. "Local" is the rule suppliers are judged by (:func:`anchorkit.place.network.location_sql`:
  ``local.areas``, else ``local.radius_km``, else ``local.postcode_prefixes``), applied to the home
  area; a home area it cannot judge is counted in ``unknown_location_staff`` — never non-local;
- wider_local_staff_share / wider_local_hire_share: the same with ``local.wider_areas``;
- priority_area_staff_share / priority_area_hire_share: people living in priority areas ÷ all,
  where an FSA or outcode spanning several neighbourhoods is apportioned by the share of its
  postcodes in each (:mod:`anchorkit.place.homes`): an estimate, and labelled so;
- living_wage_share = staff paid at or above the living wage ÷ staff whose band is known;
  contractor_living_wage_share the same for contractors' staff;
- local_payroll_share = payroll of local staff ÷ payroll (where files give payroll).

Counts are exact here; what a reader may see of small counts is decided in
:mod:`anchorkit.views.hiring`.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from anchorkit.place.homes import AREA_PRECISION, HOMES, SHARES, place_home_codes
from anchorkit.place.network import location_sql
from anchorkit.workforce.columns import ABOVE, BELOW
from anchorkit.workforce.living_wage import rate_for, rates
from anchorkit.workspace import Workspace

EMPLOYEES = ("staff", "apprentice")
COUNTS = (
    "staff",
    "new_hires",
    "leavers",
    "apprentices",
    "contractor_staff",
    "local_staff",
    "wider_local_staff",
    "unknown_location_staff",
    "local_hires",
    "wider_local_hires",
    "unknown_location_hires",
    "living_wage_known",
    "living_wage_or_above",
    "below_living_wage",
    "contractor_living_wage_known",
    "contractor_living_wage_or_above",
)
ESTIMATES = ("priority_area_staff", "priority_area_hires")
MONEY = ("payroll", "local_payroll")
#: share → (its part, its whole): the count rule in views reads them from here
SHARES_OF: dict[str, tuple[str, str]] = {
    "local_staff_share": ("local_staff", "staff"),
    "local_staff_share_of_known": ("local_staff", "known_location_staff"),
    "wider_local_staff_share": ("wider_local_staff", "staff"),
    "priority_area_staff_share": ("priority_area_staff", "staff"),
    "local_hire_share": ("local_hires", "new_hires"),
    "wider_local_hire_share": ("wider_local_hires", "new_hires"),
    "priority_area_hire_share": ("priority_area_hires", "new_hires"),
    "living_wage_share": ("living_wage_or_above", "living_wage_known"),
    "contractor_living_wage_share": (
        "contractor_living_wage_or_above",
        "contractor_living_wage_known",
    ),
}
#: indicators a target may be set on (targets: anchorkit.analytics.targets)
TARGETS = (*SHARES_OF, "local_payroll_share", "local_payroll", "new_hires", "apprentices")


@dataclass
class Hiring:
    """Exact figures: one row per anchor and period, the network's per period, people by
    neighbourhood (apportioned), the self-identified groups, and the living wage of each period."""

    periods: list[int]
    rows: list[dict[str, Any]]
    network: list[dict[str, Any]]
    by_neighbourhood: list[dict[str, Any]]
    groups: list[dict[str, Any]]
    living_wage: dict[int, dict[str, Any] | None] = field(default_factory=dict)
    living_wage_area: str = ""


def _share(part: float | Decimal | None, whole: float | Decimal | None) -> float | None:
    if part is None or not whole:
        return None
    return round(float(part) / float(whole), 6)


def finish(row: dict[str, Any]) -> dict[str, Any]:
    """Add the shares (and the known-location count) to a row of counts."""
    row["known_location_staff"] = row["staff"] - row["unknown_location_staff"]
    for name, (part, whole) in SHARES_OF.items():
        row[name] = _share(row.get(part), row.get(whole))
    row["local_payroll_share"] = _share(row.get("local_payroll"), row.get("payroll"))
    return row


def _empty() -> dict[str, Any]:
    row: dict[str, Any] = dict.fromkeys(COUNTS, 0)
    row.update(dict.fromkeys(ESTIMATES, 0.0))
    row.update(dict.fromkeys(MONEY, Decimal("0.00")))
    row["fte"] = Decimal("0.00")
    return row


def _add(
    row: dict[str, Any], kind: str, band: str, where: str, wider: str, n: int, fte: Any, pay: Any
) -> None:
    employee = kind in EMPLOYEES
    hire = kind == "new_hire"
    if employee:
        row["staff"] += n
        row["fte"] += fte or 0
        row["payroll"] += pay or 0
        row["local_staff"] += n if where == "local" else 0
        row["wider_local_staff"] += n if wider == "local" else 0
        row["unknown_location_staff"] += n if where == "unknown" else 0
        row["local_payroll"] += (pay or 0) if where == "local" else 0
        if band in (ABOVE, BELOW):
            row["living_wage_known"] += n
            row["living_wage_or_above"] += n if band == ABOVE else 0
            row["below_living_wage"] += n if band == BELOW else 0
    if kind == "apprentice":
        row["apprentices"] += n
    if hire:
        row["new_hires"] += n
        row["local_hires"] += n if where == "local" else 0
        row["wider_local_hires"] += n if wider == "local" else 0
        row["unknown_location_hires"] += n if where == "unknown" else 0
    if kind == "leaver":
        row["leavers"] += n
    if kind == "contractor_staff":
        row["contractor_staff"] += n
        if band in (ABOVE, BELOW):
            row["contractor_living_wage_known"] += n
            row["contractor_living_wage_or_above"] += n if band == ABOVE else 0


def compute_hiring(ws: Workspace, *, anchor: str | None = None) -> Hiring:
    """Every period's hiring figures, by anchor and for the network (or one anchor's only)."""
    engine, settings = ws.engine, ws.settings
    where = ""
    params: list[Any] = []
    if anchor is not None:
        where, params = "AND w.anchor_id = ?", [ws.anchor(anchor).anchor_id]
    columns = place_home_codes(
        ws,
        "SELECT home_area AS code FROM workforce_count WHERE home_area IS NOT NULL "
        "UNION ALL SELECT site_postcode FROM anchor WHERE site_postcode IS NOT NULL",
    )
    facts = engine.query(
        "hiring_facts",
        f"""
        SELECT l.anchor_id, l.anchor_name, l.period, l.kind, l.wage_band,
            {location_sql(settings, columns)} AS location_class,
            {location_sql(settings, columns, "local.wider_areas")} AS wider_class,
            sum(l.headcount), sum(l.fte), sum(l.payroll)
        FROM (
            -- a neighbourhood's name is no postcode: a postcode-prefix rule must not read it
            SELECT w.*, a.name AS anchor_name, a.site_postcode,
                CASE WHEN h.precision = '{AREA_PRECISION}' THEN NULL ELSE w.home_area END AS code
            FROM workforce_count w JOIN anchor a USING (anchor_id)
            LEFT JOIN {HOMES} h ON h.input = w.home_area
            WHERE w.equity_group IS NULL {where}
        ) l
        LEFT JOIN {HOMES} p ON p.input = l.home_area
        LEFT JOIN {HOMES} site ON site.input = l.site_postcode
        GROUP BY ALL
        """,
        params,
    )
    cells: dict[tuple[int | None, int], dict[str, Any]] = defaultdict(_empty)
    names: dict[int, str] = {}
    for anchor_id, name, period, kind, band, loc, wider, n, fte, pay in facts:
        names[anchor_id] = name
        for key in ((anchor_id, period), (None, period)):
            _add(cells[key], kind, band, loc, wider, int(n), fte, pay)
    apportioned = engine.query(
        "hiring_by_neighbourhood",
        f"""
        SELECT w.anchor_id, w.period, w.kind, s.neighbourhood, s.priority_area,
               sum(w.headcount * s.share)
        FROM workforce_count w JOIN {SHARES} s ON s.input = w.home_area
        WHERE w.equity_group IS NULL AND w.kind IN ('staff', 'apprentice', 'new_hire') {where}
        GROUP BY ALL
        """,
        params,
    )
    hoods: dict[tuple[str, bool | None, int], dict[str, float]] = defaultdict(
        lambda: {"staff": 0.0, "new_hires": 0.0}
    )
    for anchor_id, period, kind, hood, priority, people in apportioned:
        target = "priority_area_hires" if kind == "new_hire" else "priority_area_staff"
        if priority:
            for key in ((anchor_id, period), (None, period)):
                cells[key][target] += float(people)
        if hood is not None:
            column = "new_hires" if kind == "new_hire" else "staff"
            hoods[(hood, priority, period)][column] += float(people)
    periods = sorted({p for _a, p in cells})
    rows, network = [], []
    for (anchor_id, period), row in sorted(cells.items(), key=lambda kv: (kv[0][1], str(kv[0][0]))):
        finish(row)  # shares from the unrounded estimates
        for name in ESTIMATES:
            row[name] = round(row[name], 2)
        if anchor_id is None:
            network.append({"anchor": None, "anchor_id": None, "period": period, **row})
        else:
            rows.append(
                {"anchor": names[anchor_id], "anchor_id": anchor_id, "period": period, **row}
            )
    rows.sort(key=lambda r: (r["period"], r["anchor"]))
    area = str(settings["workforce.living_wage_area"])
    table = rates(settings, ws.root) if area else []
    return Hiring(
        periods=periods,
        rows=rows,
        network=network,
        by_neighbourhood=[
            {
                "neighbourhood": hood,
                "priority_area": priority,
                "period": period,
                "staff": round(v["staff"], 2),
                "new_hires": round(v["new_hires"], 2),
            }
            for (hood, priority, period), v in sorted(
                hoods.items(), key=lambda kv: (kv[0][2], kv[0][0])
            )
        ],
        groups=_groups(ws, where, params, {**{(r["anchor_id"], r["period"]): r for r in rows}}),
        living_wage={
            p: (found.to_json() if (found := rate_for(table, area, p)) else None) for p in periods
        },
        living_wage_area=area,
    )


_KIND_TOTAL = {
    "staff": "staff",
    "apprentice": "apprentices",
    "new_hire": "new_hires",
    "leaver": "leavers",
    "contractor_staff": "contractor_staff",
}


def _groups(
    ws: Workspace, where: str, params: list[Any], rows: dict[tuple[int, int], dict[str, Any]]
) -> list[dict[str, Any]]:
    """Self-identified groups: each group's count of each kind, and its share of that kind."""
    found = ws.engine.query(
        "hiring_groups",
        f"""
        SELECT w.anchor_id, a.name, w.period, w.kind, w.equity_group, sum(w.headcount)
        FROM workforce_count w JOIN anchor a USING (anchor_id)
        WHERE w.equity_group IS NOT NULL {where}
        GROUP BY ALL ORDER BY w.period, a.name, w.kind, w.equity_group
        """,
        params,
    )
    out = []
    network: dict[tuple[int, str, str], int] = defaultdict(int)
    for anchor_id, name, period, kind, group, n in found:
        total = rows.get((anchor_id, period), {}).get(_KIND_TOTAL[kind])
        out.append(
            {
                "anchor": name,
                "anchor_id": anchor_id,
                "period": period,
                "kind": kind,
                "group": group,
                "people": int(n),
                "of": total,
                "share": _share(int(n), total),
            }
        )
        network[(period, kind, group)] += int(n)
    totals = _network_totals(rows.values())
    out += [
        {
            "anchor": None,
            "anchor_id": None,
            "period": period,
            "kind": kind,
            "group": group,
            "people": n,
            "of": totals.get((period, kind)),
            "share": _share(n, totals.get((period, kind))),
        }
        for (period, kind, group), n in sorted(network.items())
    ]
    return out


def _network_totals(rows: Iterable[dict[str, Any]]) -> dict[tuple[int, str], int]:
    totals: dict[tuple[int, str], int] = defaultdict(int)
    for r in rows:
        for kind, column in _KIND_TOTAL.items():
            totals[(r["period"], kind)] += int(r[column])
    return dict(totals)


def local_payroll(
    ws: Workspace, *, anchor: str | None = None, period: int | None = None
) -> Decimal:
    """The payroll of staff living locally (for LM3's optional payroll round)."""
    figures = compute_hiring(ws, anchor=anchor)
    rows = figures.network if anchor is None else figures.rows
    return sum(
        (Decimal(r["local_payroll"]) for r in rows if period is None or r["period"] == period),
        Decimal("0.00"),
    )


def disclose(row: dict[str, Any], k: int) -> dict[str, Any]:
    """What may be shown of a row of hiring figures: the small-count rule (``workforce.min_count``
    = k), applied wherever hiring figures are shown — pages, reports, open data, the CLI.

    A count of people from 1 to k − 1 is hidden (None); a share is hidden when fewer than k
    people make it up or its part is such a small count; payroll and FTE are hidden with a small
    count of staff (they would tell a few people's pay). ``suppressed`` lists what was hidden.
    (A simple threshold for now: it is meant to move onto the network's one disclosure-control
    module when that lands — see docs/levers.md.)
    """
    out = dict(row)
    hidden: list[str] = []

    def small(value: Any) -> bool:
        return value is not None and 0 < float(value) < k

    for name in (*COUNTS, *ESTIMATES, "known_location_staff"):
        if small(row.get(name)):
            out[name] = None
            hidden.append(name)
    for share, (part, whole) in SHARES_OF.items():
        total = row.get(whole)
        if out.get(share) is not None and (total is None or total < k or small(row.get(part))):
            out[share] = None
            hidden.append(share)
    if small(row.get("staff")):
        out["payroll"] = out["fte"] = out["local_payroll_share"] = None
        hidden += ["payroll", "fte"]
    if small(row.get("local_staff")):
        out["local_payroll"] = out["local_payroll_share"] = None
        hidden.append("local_payroll")
    out["suppressed"] = hidden
    return out

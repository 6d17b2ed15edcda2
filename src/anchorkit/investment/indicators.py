"""Investment indicators: how much of the anchors' money is placed where it builds community wealth.

Definitions (docs/levers.md says the same, for people), for an anchor (or the network) at the
end of a fiscal year — the portfolio is what is held on the year's last day (started on or before
it, and not ended before it; a holding with no dates is held in every year):

- portfolio: the amount of every holding;
- local_investment: held with investees located in the local area — by the rule suppliers are
  judged by (:func:`anchorkit.place.network.location_sql`), at the investee's postcode or, without
  one, at the place of the supplier it was matched to; unknown places are reported apart
  (``unknown_location_investment``), never counted as non-local;
- wider_local_investment: the same with ``local.wider_areas``;
- priority_area_investment: investees in a priority area of the region pack;
- impact_investment: investees flagged in the register (community development finance, community
  bond, co-op, affordable housing, social enterprise) or matched to a supplier holding a valid
  impact tag (co-op, social enterprise, Indigenous-owned...) on the year's last day, counted once;
- place_based_investment: local or in a priority area, counted once;
- each ``*_share`` = that amount ÷ portfolio.

The years shown run from the first holding's start (or the first year of spend or workforce
data) to the last year of data — spend, workforce, or a register's import — keeping those in
which something is held.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from anchorkit.place.network import PLACED, location_sql, place_codes
from anchorkit.workspace import Workspace

AMOUNTS = (
    "portfolio",
    "local_investment",
    "wider_local_investment",
    "unknown_location_investment",
    "priority_area_investment",
    "impact_investment",
    "place_based_investment",
)
SHARES = {
    "local_investment_share": "local_investment",
    "wider_local_investment_share": "wider_local_investment",
    "priority_area_investment_share": "priority_area_investment",
    "impact_investment_share": "impact_investment",
    "place_based_investment_share": "place_based_investment",
    "unknown_location_investment_share": "unknown_location_investment",
}
TARGETS = (*SHARES, "local_investment", "impact_investment", "place_based_investment")


@dataclass
class Investment:
    years: list[int]
    rows: list[dict[str, Any]]  # one per anchor and year
    network: list[dict[str, Any]]  # one per year
    holdings: list[dict[str, Any]]  # every holding, classed (callers scope and suppress)
    #: per year and neighbourhood: the amount held with investees there, and how many investees
    by_neighbourhood: list[dict[str, Any]] = field(default_factory=list)


def _fiscal_year(day: dt.date, start: tuple[int, int]) -> int:
    return day.year if (day.month, day.day) >= start else day.year - 1


def _year_end(year: int, start: tuple[int, int]) -> dt.date:
    return dt.date(year + 1, *start) - dt.timedelta(days=1)


def classified_holdings(ws: Workspace, *, anchor: str | None = None) -> list[dict[str, Any]]:
    """Every holding with its place (local / wider / priority / neighbourhood) and its supplier's
    tags, one dict each."""
    engine, settings = ws.engine, ws.settings
    where = ""
    if anchor is not None:
        where = f"WHERE h.anchor_id = {int(ws.anchor(anchor).anchor_id)}"
    lines = f"""
        SELECT h.*, a.name AS anchor_name, a.site_postcode,
            coalesce(nullif(trim(h.investee_postcode), ''), sp.postcode) AS code,
            sp.name AS supplier_name
        FROM investment_holding h JOIN anchor a USING (anchor_id)
        LEFT JOIN supplier sp USING (supplier_id) {where}
    """
    columns = place_codes(
        ws, f"SELECT code FROM ({lines}) UNION ALL SELECT site_postcode FROM anchor"
    )
    rows = engine.query(
        "classified_holdings",
        f"""
        SELECT l.anchor_id, l.anchor_name, l.investee, l.supplier_id, l.supplier_name, l.amount,
            l.currency, l.type, l.start_on, l.end_on, l.flags,
            {location_sql(settings, columns)} AS location_class,
            {location_sql(settings, columns, "local.wider_areas")} AS wider_class,
            p.priority_area, p.neighbourhood, l.file_id, l.source_row, l.sheet, l.matched_by
        FROM ({lines}) l LEFT JOIN {PLACED} p ON p.input = l.code
        LEFT JOIN {PLACED} site ON site.input = l.site_postcode
        ORDER BY l.anchor_name, l.file_id, l.sheet NULLS FIRST, l.source_row
        """,
    )
    tags = _tags(ws)
    keys = (
        "anchor_id anchor investee supplier_id supplier amount currency type start_on end_on "
        "flags location_class wider_class priority_area neighbourhood file_id source_row sheet "
        "matched_by"
    ).split()
    out = []
    for r in rows:
        holding = dict(zip(keys, r, strict=True))
        holding["flags"] = list(holding["flags"] or [])
        holding["supplier_tags"] = tags.get(holding["supplier_id"], [])
        out.append(holding)
    return out


def _tags(ws: Workspace) -> dict[str, list[tuple[str, Any, Any]]]:
    found: dict[str, list[tuple[str, Any, Any]]] = defaultdict(list)
    for supplier_id, tag, start, end in ws.engine.query(
        "investee_tags",
        "SELECT g.supplier_id, g.tag, g.valid_from, g.valid_to FROM supplier_tag g "
        "WHERE g.supplier_id IN (SELECT supplier_id FROM investment_holding)",
    ):
        found[supplier_id].append((tag, start, end))
    return dict(found)


def _held(h: dict[str, Any], end: dt.date) -> bool:
    return (h["start_on"] is None or h["start_on"] <= end) and (
        h["end_on"] is None or h["end_on"] >= end
    )


def _impact(h: dict[str, Any], end: dt.date, grace: int) -> bool:
    if h["flags"]:
        return True
    for _tag, start, stop in h["supplier_tags"]:
        if (start is None or start <= end) and (
            stop is None or stop + dt.timedelta(days=grace) >= end
        ):
            return True
    return False


def _years(ws: Workspace, holdings: list[dict[str, Any]], start: tuple[int, int]) -> list[int]:
    """Every fiscal year from the first holding's (or the first spend or workforce year) to the
    last year with data — spend, workforce, or a register's import (a register says what is held
    when it is imported, not what will be) — in which something is held."""
    known = {
        int(y)
        for (y,) in ws.engine.query(
            "investment_years_spend", "SELECT DISTINCT fiscal_year FROM spend_line"
        )
    }
    known |= {
        int(p)
        for (p,) in ws.engine.query(
            "investment_years_workforce", "SELECT DISTINCT period FROM workforce_count"
        )
    }
    for (day,) in ws.engine.query(
        "investment_years_imports",
        "SELECT DISTINCT CAST(imported_at AS DATE) FROM lever_file WHERE kind = 'investment'",
    ):
        known.add(_fiscal_year(day, start))
    if not known:
        return []
    first = min([*known, *(_fiscal_year(h["start_on"], start) for h in holdings if h["start_on"])])
    return [
        y
        for y in range(first, max(known) + 1)
        if any(_held(h, _year_end(y, start)) for h in holdings)
    ]


def measure(holdings: list[dict[str, Any]], end: dt.date, grace: int) -> dict[str, Any]:
    """The figures of some holdings on the day ``end``."""
    row: dict[str, Any] = dict.fromkeys(AMOUNTS, Decimal("0.00"))
    by_type: dict[str, Decimal] = defaultdict(Decimal)
    by_flag: dict[str, Decimal] = defaultdict(Decimal)
    per_investee: dict[str, Decimal] = defaultdict(Decimal)
    suppliers = set()
    held = [h for h in holdings if _held(h, end)]
    for h in held:
        amount = Decimal(h["amount"])
        row["portfolio"] += amount
        local = h["location_class"] == "local"
        row["local_investment"] += amount if local else 0
        row["wider_local_investment"] += amount if h["wider_class"] == "local" else 0
        row["unknown_location_investment"] += amount if h["location_class"] == "unknown" else 0
        row["priority_area_investment"] += amount if h["priority_area"] else 0
        row["impact_investment"] += amount if _impact(h, end, grace) else 0
        row["place_based_investment"] += amount if (local or h["priority_area"]) else 0
        by_type[h["type"]] += amount
        for flag in h["flags"]:
            by_flag[flag] += amount
        per_investee[h["supplier_id"] or h["investee"].strip().upper()] += amount
        if h["supplier_id"]:
            suppliers.add(h["supplier_id"])
    for name, part in SHARES.items():
        row[name] = round(float(row[part] / row["portfolio"]), 6) if row["portfolio"] else None
    row["holdings"] = len(held)
    row["investees"] = len(per_investee)
    row["supplier_investees"] = len(suppliers)
    total = sum(abs(v) for v in per_investee.values())
    row["top_investee_share"] = (
        round(float(max(abs(v) for v in per_investee.values()) / total), 6) if total else None
    )
    row["by_type"] = {k: v for k, v in sorted(by_type.items())}
    row["by_flag"] = {k: v for k, v in sorted(by_flag.items())}
    return row


def compute_investment(ws: Workspace, *, anchor: str | None = None) -> Investment:
    """Every year's investment figures, by anchor and for the network (or one anchor's only)."""
    start = ws.settings.fiscal_year_start
    grace = int(ws.settings["tags.grace_days"])
    holdings = classified_holdings(ws, anchor=anchor)
    years = _years(ws, holdings, start)
    by_anchor: dict[tuple[int, str], list[dict[str, Any]]] = defaultdict(list)
    for h in holdings:
        by_anchor[(h["anchor_id"], h["anchor"])].append(h)
    rows, network, hoods = [], [], []
    for year in years:
        end = _year_end(year, start)
        placed: dict[str, tuple[Decimal, set[str]]] = {}
        for h in holdings:
            if h["neighbourhood"] is not None and _held(h, end):
                amount, who = placed.get(h["neighbourhood"], (Decimal(0), set()))
                who.add(h["supplier_id"] or h["investee"].strip().upper())
                placed[h["neighbourhood"]] = (amount + Decimal(h["amount"]), who)
        hoods += [
            {"year": year, "neighbourhood": n, "amount": a, "investees": len(w)}
            for n, (a, w) in sorted(placed.items())
        ]
        network.append(
            {"anchor": None, "anchor_id": None, "year": year, **measure(holdings, end, grace)}
        )
        for (anchor_id, name), mine in sorted(by_anchor.items(), key=lambda kv: kv[0][1]):
            row = measure(mine, end, grace)
            if row["holdings"]:
                rows.append({"anchor": name, "anchor_id": anchor_id, "year": year, **row})
    return Investment(
        years=years, rows=rows, network=network, holdings=holdings, by_neighbourhood=hoods
    )

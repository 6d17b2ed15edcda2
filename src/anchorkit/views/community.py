"""Community status beside effort: each neighbourhood's statistics next to the spend, hires and
investment that reach it, and how much of each goes to the neighbourhoods of greatest need.

The Anchor Dashboard's question — is our effort reaching the places that need it? — answered per
neighbourhood of the workspace's first region pack:

- spend: addressable spend with suppliers placed there (the overview's neighbourhood figures,
  with the small-cell rule as the reader sees them);
- hires and staff: people living there in the latest period, FSAs apportioned by their postcodes
  (an estimate), small counts suppressed;
- investment: held with investees placed there at the latest year's end, suppressed like a
  spend cell (too few investees, or one dominant);
- the statistics (:mod:`anchorkit.place.stats`) and each neighbourhood's fifth by need.

``need_shares``: the share of all the spend, hires and investment placed in the region's
neighbourhoods that reaches the highest-need fifth — network-wide aggregates over many
neighbourhoods, shown to every reader of the overview.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from anchorkit.access.policy import rule_from, sees_all_lines
from anchorkit.place.network import regions
from anchorkit.place.stats import community_stats, need_quintiles
from anchorkit.records.accounts import Actor
from anchorkit.views import hiring, indicators, investment
from anchorkit.views.store import Store


def _stats(store: Store) -> dict[str, Any]:
    def build() -> dict[str, Any]:
        ws = store.reader()
        quintiles, need = need_quintiles(ws)
        values: dict[str, dict[str, float]] = {}
        meta: dict[str, dict[str, Any]] = {}
        for s in community_stats(ws):
            values.setdefault(s.area_name, {})[s.statistic] = s.value
            meta.setdefault(s.statistic, {"label": s.label, "year": s.year, "source": s.source})

        def values_of(key: str) -> list[float]:
            return [v[key] for v in values.values() if v.get(key) is not None]

        packs = regions(ws)
        features = []
        if packs:
            finest = packs[0].layers[-1]
            features = [
                {"neighbourhood": f.name, "code": f.code, "priority": bool(f.priority)}
                for f in packs[0].features
                if f.layer == finest
            ]
        return {
            "quintiles": quintiles,
            "need": need.to_json() if need else None,
            "values": values,
            "statistics": {
                # a count (population) reads as a whole number, a rate with its decimals
                key: {**m, "whole": all(float(v).is_integer() for v in values_of(key))}
                for key, m in meta.items()
            },
            "features": features,
            "region": packs[0].title if packs else None,
        }

    return store.cached(("community_stats",), build, keep=True)


def _number(value: Any) -> float:
    return float(value) if value is not None else 0.0


def community(store: Store, actor: Actor) -> dict[str, Any]:
    """The neighbourhood table (as ``actor`` may see it), the statistics' sources, and the
    shares reaching the highest-need fifth."""
    base = _stats(store)
    full = sees_all_lines(actor)
    spend = {
        r["neighbourhood"]: r
        for r in indicators.overview(store, actor)["by"].get("neighbourhood", [])
    }
    people = hiring.hiring_for(store, actor)
    period = people["periods"][-1] if people["periods"] else None
    hires = {h["neighbourhood"]: h for h in people["by_neighbourhood"] if h["period"] == period}
    money = investment.cached_figures(store)
    year = money.years[-1] if money.years else None
    held = {h["neighbourhood"]: h for h in money.by_neighbourhood if h["year"] == year}
    rule = rule_from(store.settings)
    rows = []
    for f in base["features"]:
        name = f["neighbourhood"]
        cell = spend.get(name)
        invested = held.get(name)
        hidden = invested is not None and not full and invested["investees"] < rule.min_suppliers
        rows.append(
            {
                **f,
                "quintile": base["quintiles"].get(name),
                "statistics": base["values"].get(name, {}),
                "spend": None if cell is None else cell.get("addressable_spend"),
                "spend_suppressed": bool(cell and cell.get("suppressed")),
                "staff": (hires.get(name) or {}).get("staff", 0.0 if period else None),
                "new_hires": (hires.get(name) or {}).get("new_hires", 0.0 if period else None),
                "investment": None if hidden else (invested or {}).get("amount", Decimal(0)),
                "investment_suppressed": hidden,
            }
        )
    return {
        "region": base["region"],
        "statistics": base["statistics"],
        "need": base["need"],
        "period": period,
        "year": year,
        "rows": rows,
        "need_shares": need_shares(store),
    }


def need_shares(store: Store) -> dict[str, float | None]:
    """Of the spend, new hires, staff and investment placed in the region's neighbourhoods, the
    share in the highest-need fifth (None: nothing placed, or no need statistic loaded)."""

    def build() -> dict[str, float | None]:
        base = _stats(store)
        top = {n for n, q in base["quintiles"].items() if q == 5}
        if not top:
            return {"spend": None, "new_hires": None, "staff": None, "investment": None}
        figures = indicators.network_figures(store)
        spend = {
            r["neighbourhood"]: _number(r["addressable_spend"])
            for r in figures["by"].get("neighbourhood", [])
        }
        people = hiring.cached_figures(store)
        period = people.periods[-1] if people.periods else None
        hires = [h for h in people.by_neighbourhood if h["period"] == period]
        money = investment.cached_figures(store)
        year = money.years[-1] if money.years else None
        held = {
            h["neighbourhood"]: _number(h["amount"])
            for h in money.by_neighbourhood
            if h["year"] == year
        }
        known = {f["neighbourhood"] for f in base["features"]}

        def share(values: dict[str, float]) -> float | None:
            total = sum(v for k, v in values.items() if k in known)
            return (
                round(sum(v for k, v in values.items() if k in top) / total, 6) if total else None
            )

        return {
            "spend": share(spend),
            "new_hires": share({h["neighbourhood"]: h["new_hires"] for h in hires}),
            "staff": share({h["neighbourhood"]: h["staff"] for h in hires}),
            "investment": share(held),
        }

    return store.cached(("need_shares",), build, keep=True)

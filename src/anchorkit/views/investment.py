"""Investment figures as every face shows them (overview, anchor page, report, open data,
``indicators --json``'s ``investment`` section).

Who sees what: the backbone sees every anchor's rows and holdings; an anchor user its own
anchor's rows and holdings and the network's totals; the public the network's totals. Totals an
anchor user or the public sees pass the network's small-cell rule, with investees in place of
suppliers (fewer than ``publish.min_suppliers`` investees, or one holding more than
``publish.max_supplier_share`` of the amount, and the figures are suppressed: they would show one
organisation's finance), and without the breakdown by type and flag.
"""

from __future__ import annotations

from typing import Any

from anchorkit.access.policy import rule_from, sees_all_lines, suppress
from anchorkit.investment.columns import FLAG_LABELS
from anchorkit.investment.indicators import Investment, compute_investment
from anchorkit.records.accounts import Actor
from anchorkit.views.store import Store
from anchorkit.workspace import Workspace

HEADLINE = (
    ("portfolio", "Portfolio", "money"),
    ("local_investment_share", "Invested locally", "share"),
    ("priority_area_investment_share", "In priority areas", "share"),
    ("impact_investment_share", "With impact investees", "share"),
    ("place_based_investment", "Place-based investment", "money"),
    ("unknown_location_investment_share", "Investee place unknown", "share"),
)
DETAIL = ("by_type", "by_flag", "top_investee_share")


def _rule_row(row: dict[str, Any], rule: Any, exempt: bool) -> dict[str, Any]:
    """The small-cell rule on a row of investment figures (investees in place of suppliers)."""
    probe = {**row, "suppliers": row["investees"], "top_supplier_share": row["top_investee_share"]}
    (shown,) = suppress([probe], rule, keep=("anchor", "anchor_id", "year"), exempt=exempt)
    shown.pop("suppliers", None)
    shown.pop("top_supplier_share", None)
    if not exempt:
        for key in DETAIL:
            shown[key] = None
    return shown


def section(
    figures: Investment, settings: Any, *, anchor_ids: set[int] | None, full: bool
) -> dict[str, Any]:
    """What one reader may see: ``anchor_ids`` whose rows and holdings (None: all); ``full``:
    the network's totals unsuppressed (the backbone)."""
    rule = rule_from(settings)
    network = [_rule_row(r, rule, full) for r in figures.network]
    rows = [
        _rule_row(r, rule, True)
        for r in figures.rows
        if anchor_ids is None or r["anchor_id"] in anchor_ids
    ]
    holdings = [
        _holding(h) for h in figures.holdings if anchor_ids is None or h["anchor_id"] in anchor_ids
    ]
    return {
        "years": figures.years,
        "latest": network[-1] if network else None,
        "network": network,
        "by_anchor": rows,
        "holdings": holdings if (anchor_ids is None or anchor_ids) else [],
        "flags": FLAG_LABELS,
    }


def _holding(h: dict[str, Any]) -> dict[str, Any]:
    keep = (
        "anchor anchor_id investee supplier_id supplier amount currency type start_on end_on "
        "flags location_class priority_area neighbourhood matched_by"
    ).split()
    out = {k: h[k] for k in keep}
    out["impact"] = bool(h["flags"]) or bool(h["supplier_tags"])
    return out


def investment_section(ws: Workspace, *, anchor: str | None = None) -> dict[str, Any]:
    """``indicators --json``'s ``investment``: every anchor's rows (or one anchor's)."""
    return section(compute_investment(ws, anchor=anchor), ws.settings, anchor_ids=None, full=True)


def cached_figures(store: Store, anchor: str | None = None) -> Investment:
    return store.cached(
        ("investment", anchor),
        lambda: compute_investment(store.reader(), anchor=anchor),
        keep=True,
    )


def investment_for(store: Store, actor: Actor) -> dict[str, Any]:
    """What ``actor`` may see of the network's investment."""
    full = sees_all_lines(actor)
    visible: set[int] | None
    if full:
        visible = None
    elif actor.role == "anchor" and actor.anchor_id is not None:
        visible = {actor.anchor_id}
    else:
        visible = set()
    return section(cached_figures(store), store.settings, anchor_ids=visible, full=full)


def anchor_investment(store: Store, anchor_name: str) -> dict[str, Any]:
    """One anchor's own investment, in full (callers check access)."""
    return section(cached_figures(store, anchor_name), store.settings, anchor_ids=None, full=True)

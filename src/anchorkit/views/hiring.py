"""Hiring figures as every face shows them: the overview's and an anchor's, the report's, the open
data's and ``indicators --json``'s ``hiring`` section — one function, so the numbers agree.

Who sees what: the backbone sees every anchor's row; an anchor user its own anchor's rows and the
network's; the public (a publication, the network report) the network's only. Whoever looks,
every count of people passes the small-count rule (:func:`anchorkit.workforce.indicators.
disclose`, setting ``workforce.min_count``): these are people, and an anchor's own small counts
are no less identifying to its own staff.
"""

from __future__ import annotations

from typing import Any

from anchorkit.access.policy import sees_all_lines
from anchorkit.records.accounts import Actor
from anchorkit.views.store import Store
from anchorkit.workforce.columns import KIND_LABELS
from anchorkit.workforce.indicators import Hiring, compute_hiring, disclose
from anchorkit.workspace import Workspace

#: the headline figures, in the order pages and reports show them
HEADLINE = (
    ("staff", "Staff", "count"),
    ("local_staff_share", "Staff living locally", "share"),
    ("new_hires", "New hires", "count"),
    ("local_hire_share", "New hires living locally", "share"),
    ("priority_area_hire_share", "New hires from priority areas (est.)", "share"),
    ("living_wage_share", "Staff paid the living wage", "share"),
    ("local_payroll_share", "Payroll staying local", "share"),
    ("apprentices", "Apprentices / trainees", "count"),
)


def section(figures: Hiring, k: int, *, anchor_ids: set[int] | None) -> dict[str, Any]:
    """The figures one reader may see: ``anchor_ids`` the anchors whose rows they see (None:
    all), every row through the small-count rule."""
    rows = [
        disclose(r, k) for r in figures.rows if anchor_ids is None or r["anchor_id"] in anchor_ids
    ]
    groups = [
        _group(g, k)
        for g in figures.groups
        if g["anchor_id"] is None or anchor_ids is None or g["anchor_id"] in anchor_ids
    ]
    hoods = [
        {**h, "staff": _count(h["staff"], k), "new_hires": _count(h["new_hires"], k)}
        for h in figures.by_neighbourhood
    ]
    network = [disclose(r, k) for r in figures.network]
    return {
        "periods": figures.periods,
        "latest": network[-1] if network else None,
        "network": network,
        "by_anchor": rows,
        "by_neighbourhood": hoods,
        "groups": groups,
        "living_wage_area": figures.living_wage_area or None,
        "living_wage": {str(p): v for p, v in figures.living_wage.items()},
        "min_count": k,
        "kinds": KIND_LABELS,
    }


def _count(value: float, k: int) -> float | None:
    return None if 0 < value < k else value


def _group(g: dict[str, Any], k: int) -> dict[str, Any]:
    small = 0 < g["people"] < k or (g["of"] is not None and g["of"] < k)
    return {**g, "people": None if small else g["people"], "share": None if small else g["share"]}


def hiring_section(ws: Workspace, *, anchor: str | None = None) -> dict[str, Any]:
    """``indicators --json``'s ``hiring``: every anchor's rows (or one anchor's), counts small
    enough to point at people suppressed."""
    figures = compute_hiring(ws, anchor=anchor)
    return section(figures, int(ws.settings["workforce.min_count"]), anchor_ids=None)


def cached_figures(store: Store) -> Hiring:
    return store.cached(("hiring",), lambda: compute_hiring(store.reader()), keep=True)


def hiring_for(store: Store, actor: Actor) -> dict[str, Any]:
    """What ``actor`` may see of the network's hiring: the network's figures and the anchors'
    rows their role allows."""
    k = int(store.settings["workforce.min_count"])
    visible: set[int] | None
    if sees_all_lines(actor):
        visible = None
    elif actor.role == "anchor" and actor.anchor_id is not None:
        visible = {actor.anchor_id}
    else:
        visible = set()
    return section(cached_figures(store), k, anchor_ids=visible)


def anchor_hiring(store: Store, anchor_name: str) -> dict[str, Any]:
    """One anchor's own hiring (callers check access): ``latest`` and ``network`` are its own
    totals by period, its neighbourhoods its own people."""
    figures = store.cached(
        ("hiring", anchor_name),
        lambda: compute_hiring(store.reader(), anchor=anchor_name),
        keep=True,
    )
    return section(figures, int(store.settings["workforce.min_count"]), anchor_ids=None)

"""The hooks that put the other two levers beside spend: in ``anchorkit indicators --json``
(``hiring`` and ``investment`` sections, JSON-ready), on the overview and on an anchor's page."""

from __future__ import annotations

from typing import Any

from anchorkit.records.accounts import Actor
from anchorkit.views import community, hiring
from anchorkit.views import investment as invest
from anchorkit.views.hiring import hiring_section
from anchorkit.views.investment import investment_section
from anchorkit.views.paging import jsonable
from anchorkit.views.store import Store
from anchorkit.workspace import Workspace


def lever_sections(ws: Workspace, *, anchor: str | None = None) -> dict[str, Any]:
    """``{"hiring": ..., "investment": ...}`` for the network or one anchor."""
    out: dict[str, Any] = jsonable(
        {
            "hiring": hiring_section(ws, anchor=anchor),
            "investment": investment_section(ws, anchor=anchor),
        }
    )
    return out


def overview(store: Store, actor: Actor) -> dict[str, Any]:
    """The overview's hiring and investment panels (as ``actor`` may see them) and the share of
    each lever reaching the highest-need neighbourhoods."""
    return {
        "hiring": hiring.hiring_for(store, actor),
        "investment": invest.investment_for(store, actor),
        "need_shares": community.need_shares(store),
    }


def anchor(store: Store, anchor_name: str) -> dict[str, Any]:
    """An anchor's own hiring and investment (callers check access to the anchor)."""
    return {
        "hiring": hiring.anchor_hiring(store, anchor_name),
        "investment": invest.anchor_investment(store, anchor_name),
        "need_shares": None,
    }


def published(store: Store) -> dict[str, Any]:
    """What a publication freezes of the other two levers: the network's figures by period and
    year as the public may see them (small counts and cells suppressed), and the shares reaching
    the highest-need neighbourhoods."""
    public = Actor(email="(publication)", role="public")
    people = hiring.hiring_for(store, public)
    money = invest.investment_for(store, public)
    return {
        "hiring": {
            "rows": people["network"],
            "groups": [g for g in people["groups"] if g["anchor_id"] is None],
            "living_wage": people["living_wage"],
            "min_count": people["min_count"],
        },
        "investment": {"rows": money["network"]},
        "need_shares": community.need_shares(store),
    }

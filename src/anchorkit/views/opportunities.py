"""Opportunities: the network's (or one anchor's) non-local spend that local or impact suppliers
could win, computed once per data generation. Faces decide what of it an actor sees (an anchor
user: names and categories, not other anchors' amounts)."""

from __future__ import annotations

from typing import Any

from anchorkit.analytics.opportunities import find_opportunities
from anchorkit.views.store import Store


def opportunity_list(store: Store, anchor: str | None) -> list[dict[str, Any]]:
    def build() -> list[dict[str, Any]]:
        found = find_opportunities(store.reader(), anchor=anchor, limit=1000)
        return [o.to_json() for o in found]

    return store.cached(("opportunities", anchor), build, keep=True)

"""What-if: shift a share of a category's spend to local (or tagged) suppliers and see what
changes — the scenario's figures, cached per data generation, and the category names a shift can
name."""

from __future__ import annotations

from anchorkit.analytics.whatif import WhatIfResult, parse_shift, what_if
from anchorkit.views.store import Store


def scenario(store: Store, texts: list[str], anchor: str | None) -> WhatIfResult:
    """The what-if of the shifts ``texts`` (``CATEGORY:PERCENT[:TAG]``) over the network or one
    anchor; raises the AnchorkitError of a shift that cannot be read."""
    shifts = [parse_shift(t) for t in texts]
    return store.cached(
        ("what_if", tuple(texts), anchor),
        lambda: what_if(store.reader(), shifts, anchor=anchor),
    )


def category_choices(store: Store) -> list[str]:
    """Category names a shift can name: the taxonomy levels and raw categories in the data."""

    def build() -> list[str]:
        rows = store.reader().engine.query(
            "what_if_categories",
            "SELECT DISTINCT name FROM (SELECT level1 AS name FROM line_category "
            "UNION SELECT level2 FROM line_category) WHERE name IS NOT NULL ORDER BY name",
        )
        return [n for (n,) in rows]

    return store.cached(("what_if_categories",), build, keep=True)

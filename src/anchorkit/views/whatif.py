"""What-if: shift a share of a category's spend to local (or tagged) suppliers and see what
changes — the scenario's figures and chart, the categories a shift can name with the spend it
could move, and the tags it can move spend to; each cached per data generation.

Every figure is read from the analytic model (:mod:`anchorkit.analytics.model`), so a scenario
answers within a second at 10 million lines and a person can move a slider and watch.
"""

from __future__ import annotations

from typing import Any

from anchorkit.analytics.whatif import (
    WhatIfResult,
    category_choices,
    known_tags,
    parse_shift,
    what_if,
)
from anchorkit.views.charts import Spec, what_if_chart
from anchorkit.views.store import Store


def scenario(
    store: Store, texts: list[str], anchor: str | None, year: int | None = None
) -> WhatIfResult:
    """The what-if of the shifts ``texts`` (``CATEGORY:PERCENT[:TAG]``) over the network or one
    anchor (and one fiscal year); raises the AnchorkitError of a shift that cannot be read."""
    shifts = [parse_shift(t) for t in texts]
    return store.cached(
        ("what_if", tuple(texts), anchor, year),
        lambda: what_if(store.reader(), shifts, anchor=anchor, year=year),
    )


def chart(result: WhatIfResult) -> Spec:
    """Local share, LM3 and jobs now and after the shifts (a Vega-Lite spec)."""
    return what_if_chart(result.to_json())


def choices(store: Store, anchor: str | None) -> list[dict[str, Any]]:
    """The taxonomy's categories in the spend (level 1, each followed by its level 2), with the
    influenceable spend a shift of each could move: the picker's rows."""
    return store.cached(
        ("what_if_choices", anchor),
        lambda: [c.to_json() for c in category_choices(store.reader(), anchor=anchor)],
        keep=True,
    )


def tags(store: Store) -> list[str]:
    """The tags a shift can move spend to."""
    return store.cached(("what_if_tags",), lambda: known_tags(store.reader()), keep=True)


def shift_texts(categories: list[str], percents: list[str], tag: str | None = None) -> list[str]:
    """Shifts as ``CATEGORY:PERCENT%[:TAG]`` from the picker's rows (a category and its
    slider's percent, in order); rows at 0 % move nothing and are left out."""
    out = []
    for category, percent in zip(categories, percents, strict=False):
        category, percent = category.strip(), percent.strip()
        if not category or not percent:
            continue
        try:
            value = float(percent)
        except ValueError:
            out.append(f"{category}:{percent}")  # parse_shift says what is wrong with it
            continue
        if value > 0:
            out.append(f"{category}:{value:g}%" + (f":{tag}" if tag else ""))
    return out

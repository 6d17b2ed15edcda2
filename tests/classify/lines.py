"""Lines written for a classification test, as the evidence keys the classifier decides."""

from __future__ import annotations

from anchorkit.classify import LineKey


def key(
    raw: str | None,
    desc: str | None = None,
    supplier: str | None = None,
    cost_centre: str | None = None,
) -> LineKey:
    """A line's evidence key: raw category, description, supplier name, cost centre."""
    return LineKey(1, raw, desc, supplier.upper() if supplier else None, supplier, 1, cost_centre)

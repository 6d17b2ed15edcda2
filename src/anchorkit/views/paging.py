"""A page of rows (filtered, sorted and paged in the database) and figures as JSON: the shapes
every face reads from :mod:`anchorkit.views`."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

PAGE_SIZES = (25, 50, 100, 200)
#: no table holds this many rows: a page further on is empty (and the database's 64-bit offset
#: cannot overflow, as it did for page=2**62)
MAX_OFFSET = 2**62


def offset(page: int, size: int) -> int:
    """Where page ``page`` (from 1) of ``size`` rows starts."""
    return max(0, min((page - 1) * size, MAX_OFFSET))


@dataclass
class Page:
    rows: list[dict[str, Any]]
    total: int
    page: int
    size: int
    sort: str
    desc: bool
    filters: dict[str, Any] = field(default_factory=dict)
    sum_amount: Decimal | None = None

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))

    def to_json(self) -> dict[str, Any]:
        return {
            "rows": [_jsonable(r) for r in self.rows],
            "total": self.total,
            "page": self.page,
            "pages": self.pages,
            "size": self.size,
            "sort": self.sort,
            "desc": self.desc,
            "filters": self.filters,
            "sum_amount": None if self.sum_amount is None else str(self.sum_amount),
        }


def _jsonable(row: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, Decimal):
            out[k] = str(v)
        elif hasattr(v, "isoformat"):
            out[k] = v.isoformat()
        elif isinstance(v, dict):
            out[k] = _jsonable(v)
        elif isinstance(v, list):
            out[k] = [_jsonable(x) if isinstance(x, dict) else x for x in v]
        else:
            out[k] = v
    return out


def jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return _jsonable(value)
    if isinstance(value, list):
        return [jsonable(v) for v in value]
    return value

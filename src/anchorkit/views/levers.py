"""The hook that puts the other two levers beside spend wherever the indicators are printed whole
(``anchorkit indicators --json``): ``hiring`` and ``investment`` sections, JSON-ready."""

from __future__ import annotations

from typing import Any

from anchorkit.views.hiring import hiring_section
from anchorkit.views.investment import investment_section
from anchorkit.views.paging import jsonable
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

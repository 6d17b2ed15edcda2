"""Spend categories on the dashboard: the lines classification is unsure of, and the mappings a
person confirms (raw category → taxonomy code) — the same functions as `anchorkit category`.

A confirmed mapping is stored at once and applies at the next `anchorkit classify` (which on a
large network takes minutes, so it is not run inside a web request).
"""

from __future__ import annotations

from typing import Any

from anchorkit.classify import map_category, review_lines, taxonomy_for
from anchorkit.classify.run import MapResult
from anchorkit.records.accounts import Actor
from anchorkit.records.audit import record
from anchorkit.views.store import Store


def review(store: Store, anchor_id: int | None, *, limit: int = 100) -> list[dict[str, Any]]:
    """Groups of lines below ``classify.review_threshold``, most spend first."""
    return review_lines(store.reader(), limit=limit, anchor_id=anchor_id)


def codes(store: Store) -> list[tuple[str, str]]:
    """(code, path) of every category, for the mapping form's list."""

    def build() -> list[tuple[str, str]]:
        taxonomy = taxonomy_for(store.settings, store.workspace.root)
        return [(c.code, c.path) for c in taxonomy.categories.values()]

    return store.cached(("taxonomy_codes",), build)


def confirm(st: Any, actor: Actor, anchor: str, raw: str, code: str, client: str) -> MapResult:
    with st.store.writer() as ws:
        result = map_category(ws, raw, code, anchor, by=f"person:{actor.email}")
    record(
        st.db,
        actor,
        "category_mapping",
        f"{anchor}: {raw}",
        {"code": result.code, "lines": result.lines_covered},
        client,
    )
    return result

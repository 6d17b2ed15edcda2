"""Line pages read from the copies kept in each sort order give exactly the ledger's pages.

The copies are made by the warm-up thread on large workspaces only (a million lines or more), so
here they are built by hand on the session's demo and every page compared with the ledger's.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from anchorkit.records.accounts import Actor
from anchorkit.views import ordered
from anchorkit.views.lines import LINE_SORTS, spend_lines
from anchorkit.views.store import Store
from anchorkit.workspace import Workspace


@pytest.fixture
def store(demo_template: Path, tmp_path: Path) -> Iterator[Store]:
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    with Workspace.open(root) as ws:
        store = Store(ws)
        yield store
        store.close()  # twice is harmless


def _pages(store: Store, actors: list[Actor]) -> list[Any]:
    (year,) = store.reader().engine.query_one("y", "SELECT max(fiscal_year) FROM spend_line")
    pages = []
    for actor in actors:
        for sort in LINE_SORTS:
            for desc in (True, False):
                for filters in ({}, {"supplier": "ltd"}, {"year": year}):
                    for page in (1, 4):
                        result = spend_lines(
                            store, actor, sort=sort, desc=desc, page=page, size=25, **filters
                        )
                        pages.append((result.total, result.sum_amount, result.rows))
    return pages


def test_pages_from_the_ordered_copies_equal_the_ledgers(store: Store) -> None:
    (anchor_id,) = store.reader().engine.query_one("a", "SELECT min(anchor_id) FROM anchor")
    actors = [
        Actor(email="a@test.org", role="analyst"),
        Actor(email="b@test.org", role="anchor", anchor_id=int(anchor_id)),
    ]
    assert all(ordered.source(store, sort) == "spend_line" for sort in LINE_SORTS)
    expected = _pages(store, actors)

    with store.writer():
        pass  # a new generation: nothing cached, no copies yet
    ordered.build(store, LINE_SORTS)
    tables = {sort: ordered.source(store, sort) for sort in LINE_SORTS}
    assert all(t.startswith(f"{ordered.DATABASE}.lines_by_{s}_") for s, t in tables.items())
    assert _pages(store, actors) == expected
    assert any(rows for _, _, rows in expected)

    # the next generation writes its own copies and drops the older ones
    with store.writer():
        pass
    assert ordered.source(store, "amount") == "spend_line"
    ordered.build(store, LINE_SORTS)
    names = [
        name
        for (name,) in store.reader().engine.query(
            "t",
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ?",
            [ordered.DATABASE],
        )
    ]
    assert sorted(names) == sorted(f"lines_by_{s}_{store.generation}" for s in LINE_SORTS)
    scratch = store.workspace.root / ordered.FILE
    assert scratch.exists()
    store.close()  # the server stops: its scratch file goes
    assert not scratch.exists()

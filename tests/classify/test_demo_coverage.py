"""The demo pipeline classifies after resolve: every demo line has a category or is counted as
"unclassified", none is dropped, and the category indicators add up to the network total."""

from __future__ import annotations

import shutil
from pathlib import Path

from anchorkit.analytics import compute_indicators
from anchorkit.classify import load_taxonomy
from anchorkit.workspace import Workspace


def test_every_demo_line_is_classified_or_unclassified(demo_template: Path, tmp_path: Path) -> None:
    root = tmp_path / "demo"
    shutil.copytree(demo_template, root)  # the session's demo (tests/conftest.py), copied
    with Workspace.open(root) as ws:
        lines, rows, missing = ws.engine.query_one(
            "t",
            "SELECT (SELECT count(*) FROM spend_line), (SELECT count(*) FROM line_category), "
            "(SELECT count(*) FROM spend_line LEFT JOIN line_category USING (line_id) "
            " WHERE line_category.line_id IS NULL)",
        )
        assert lines == rows > 0 and missing == 0
        # the code is also on the ledger line (pages sort and filter on it without a join)
        (differ,) = ws.engine.query_one(
            "t",
            "SELECT count(*) FROM spend_line s JOIN line_category c USING (line_id) "
            "WHERE s.category IS DISTINCT FROM c.code",
        )
        assert differ == 0
        by_method = dict(
            ws.engine.query("t", "SELECT method, count(*) FROM line_category GROUP BY method")
        )
        by = compute_indicators(ws, by="category")
    assert sum(r["lines"] for r in by.rows) == lines
    assert sum(r["total_spend"] for r in by.rows) == by.network["total_spend"]
    names = {r["category"] for r in by.rows}
    assert names <= {c.level1 for c in load_taxonomy().level(1)} | {"unclassified"}
    assert sum(by_method.values()) == lines
    assert set(by_method) <= {"mapping", "rule", "supplier", "model", "none"}

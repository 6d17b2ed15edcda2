"""The demo pipeline classifies after resolve: every demo line has a category or is counted as
"unclassified", none is dropped, and the category indicators add up to the network total."""

from __future__ import annotations

from pathlib import Path

from anchorkit.analytics import compute_indicators
from anchorkit.classify import load_taxonomy
from anchorkit.demo import minimum_lines
from anchorkit.demo.pipeline import run_demo
from anchorkit.workspace import Workspace


def test_every_demo_line_is_classified_or_unclassified(tmp_path: Path) -> None:
    summary = run_demo(tmp_path / "demo", anchors=3, lines=minimum_lines(3), seed=7)
    result = summary.classification
    assert result is not None and result.lines == summary.lines_loaded > 0
    with Workspace.open(tmp_path / "demo") as ws:
        lines, rows, missing = ws.engine.query_one(
            "t",
            "SELECT (SELECT count(*) FROM spend_line), (SELECT count(*) FROM line_category), "
            "(SELECT count(*) FROM spend_line LEFT JOIN line_category USING (line_id) "
            " WHERE line_category.line_id IS NULL)",
        )
        assert lines == rows == summary.lines_loaded and missing == 0
        # the code is also on the ledger line (pages sort and filter on it without a join)
        (differ,) = ws.engine.query_one(
            "t",
            "SELECT count(*) FROM spend_line s JOIN line_category c USING (line_id) "
            "WHERE s.category IS DISTINCT FROM c.code",
        )
        assert differ == 0
        by = compute_indicators(ws, by="category")
    assert sum(r["lines"] for r in by.rows) == lines
    assert sum(r["total_spend"] for r in by.rows) == by.network["total_spend"]
    names = {r["category"] for r in by.rows}
    assert names <= {c.level1 for c in load_taxonomy().level(1)} | {"unclassified"}
    assert sum(result.by_method.values()) == lines

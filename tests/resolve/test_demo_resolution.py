"""Resolution quality on the demo network's ground truth (issue 2's acceptance bar)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from anchorkit.resolve.quality import pairwise_scores
from anchorkit.resolve.run import resolve
from anchorkit.workspace import Workspace

TRUTH_RECORDS = """
    SELECT a.record_id, a.supplier_id, mode(t.supplier_id) AS truth
    FROM read_csv(?, all_varchar = true, quote = '"', escape = '"') t
    JOIN anchor an ON an.name = t.anchor
    JOIN supplier_alias a ON a.record_id = md5(concat_ws('|', 'anchor:' || an.anchor_id,
        upper(trim(t.name_written)), coalesce(trim(t.vendor_id_written), ''),
        upper(regexp_replace(coalesce(t.postcode_written, ''), '[^A-Za-z0-9]', '', 'g'))))
    WHERE t.status = 'loaded'
    GROUP BY ALL
"""


@pytest.fixture
def demo(full_demo: Path, tmp_path: Path) -> Path:
    """A copy of the session's 17-anchor demo (tests/conftest.py): resolving again writes to it."""
    root = tmp_path / "net"
    shutil.copytree(full_demo, root)
    return root


def test_demo_resolution_meets_the_bar(demo: Path) -> None:
    with Workspace.open(demo) as ws:
        resolve(ws)
        rows = ws.engine.query("t", TRUTH_RECORDS, [str(demo / "truth" / "lines.csv")])
    assert len(rows) > 1000
    scores = pairwise_scores({r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows})
    assert scores.precision >= 0.98, scores
    assert scores.recall >= 0.95, scores

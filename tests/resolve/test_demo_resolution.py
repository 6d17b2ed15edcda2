"""Resolution quality on the demo network's ground truth (issue 2's acceptance bar)."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.cli import app
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


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "net"
    result = CliRunner().invoke(app, ["demo", str(root), "--lines", "20000", "--seed", "11"])
    assert result.exit_code == 0, result.output
    return root


def test_demo_resolution_meets_the_bar(demo: Path) -> None:
    with Workspace.open(demo) as ws:
        resolve(ws)
        rows = ws.engine.query("t", TRUTH_RECORDS, [str(demo / "truth" / "lines.csv")])
    assert len(rows) > 1000
    scores = pairwise_scores({r[0]: r[1] for r in rows}, {r[0]: r[2] for r in rows})
    assert scores.precision >= 0.98, scores
    assert scores.recall >= 0.95, scores

"""`anchorkit engine move` round-trips the demo network, DuckDB → Spark → DuckDB, with every
indicator equal to the cent; a command on an engine whose store is empty while the other holds
the workspace's data refuses instead of printing zeros."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anchorkit.analytics.move import differences
from anchorkit.cli import app
from anchorkit.settings import load_settings

pytestmark = pytest.mark.spark


def run(root: Path, *args: str) -> Any:
    result = CliRunner().invoke(app, ["--workspace", str(root), *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def indicators(root: Path) -> dict[str, Any]:
    return {
        by: run(root, "indicators", "--by", by, "--json") for by in ("anchor", "year", "category")
    }


def test_move_to_spark_and_back(
    demo_template: Path, spark: object, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANCHORKIT_ENGINE", raising=False)
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    before = indicators(root)
    lines = before["anchor"]["network"]["lines"]

    # the old silent zeros: the Spark store is empty, the DuckDB one holds the data
    refused = CliRunner().invoke(app, ["--engine", "spark", "--workspace", str(root), "indicators"])
    assert refused.exit_code == 1
    assert "engine move --to spark" in refused.output and "empty" in refused.output

    moved = run(root, "engine", "move", "--to", "spark", "--json")
    assert moved["from"] == "duckdb" and moved["to"] == "spark"
    assert moved["rows"]["spend_line"] == lines and moved["figures_compared"] > 1000
    assert load_settings(root / "anchorkit.toml", environ={})["engine"] == "spark"
    assert not (root / "anchorkit.duckdb").exists() and moved["old_store_kept_as"]
    assert differences(indicators(root), before) == []

    # now DuckDB is the empty one: asked for it, the workspace says where its data is
    refused = CliRunner().invoke(
        app, ["--engine", "duckdb", "--workspace", str(root), "indicators"]
    )
    assert refused.exit_code == 1 and "engine move --to duckdb" in refused.output

    back = run(root, "engine", "move", "--to", "duckdb", "--json")
    assert back["from"] == "spark" and back["rows"] == moved["rows"]
    assert load_settings(root / "anchorkit.toml", environ={})["engine"] == "duckdb"
    assert differences(indicators(root), before) == []

    again = CliRunner().invoke(app, ["--workspace", str(root), "engine", "move", "--to", "duckdb"])
    assert again.exit_code == 1 and "already" in again.output

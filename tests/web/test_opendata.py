"""Open data from a publication: the files, the data package, and the suppression rule — including
that no hidden cell can be recovered by subtracting the visible ones from a published total."""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pyarrow.parquet as pq
from typer.testing import CliRunner

from anchorkit.access.policy import SmallCellRule
from anchorkit.analytics.indicators import compute_breakdowns
from anchorkit.cli import app
from anchorkit.workspace import Workspace

DIMENSIONS = ("year", "anchor", "category", "neighbourhood")


def test_publish_writes_open_data_that_keeps_the_rule(demo_template: Path, tmp_path: Path) -> None:
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    out = tmp_path / "open"
    result = CliRunner().invoke(app, ["-w", str(root), "publish", "--out", str(out)])
    assert result.exit_code == 0, result.output
    package = json.loads((out / "datapackage.json").read_text())
    assert package["licenses"] and {r["name"] for r in package["resources"]} == {
        "network",
        *(f"by_{d}" for d in DIMENSIONS),
        "hiring",  # the other two levers: tests/web/test_levers_web.py
        "investment",
    }
    rule = SmallCellRule(5, 0.7)
    with Workspace.open(root) as ws:
        truth = compute_breakdowns(ws, DIMENSIONS)
    total = float(truth[None].network["total_spend"])
    for dimension in DIMENSIONS:
        with (out / f"by_{dimension}.csv").open(encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
        raw = {str(r[dimension]): r for r in truth[dimension].rows}
        assert len(rows) == len(raw)
        hidden = [r for r in rows if r["suppressed"] == "True"]
        for row in rows:
            cell = raw[row[dimension]]
            if row["suppressed"] == "True":
                assert row["total_spend"] == "" and row["suppliers"] == ""
            else:  # every visible cell passes the rule on the unsuppressed figures
                assert not rule.hides(cell["suppliers"], cell["top_supplier_share"]), row
                assert abs(float(row["total_spend"]) - float(cell["total_spend"])) < 0.01
        # subtraction from the total never isolates one hidden cell
        assert len(hidden) != 1
        if hidden:
            visible = sum(float(r["total_spend"]) for r in rows if r["suppressed"] != "True")
            recovered = total - visible
            assert all(
                abs(recovered - float(raw[r[dimension]]["total_spend"])) > 0.01 for r in hidden
            )
        table = pq.read_table(out / f"by_{dimension}.parquet")
        assert table.num_rows == len(rows)


def test_the_published_data_package_is_valid_for_frictionless(
    demo_template: Path, tmp_path: Path
) -> None:
    """Open-data users check a data package with frictionless before they load it: the package
    must be valid (its profile, every resource's schema, every cell against its type)."""
    import frictionless

    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    out = tmp_path / "open"
    result = CliRunner().invoke(app, ["-w", str(root), "publish", "--out", str(out)])
    assert result.exit_code == 0, result.output
    report = frictionless.validate(out / "datapackage.json")
    problems = [e.message for e in report.errors] + [
        f"{t.name}: {e.message}" for t in report.tasks for e in t.errors
    ]
    assert report.valid, "\n".join(problems[:20])
    assert len(report.tasks) == 1 + len(DIMENSIONS) + 2  # + hiring and investment
    package = frictionless.Package(out / "datapackage.json")
    years = package.get_resource("by_year")
    assert years.schema.get_field("year").type == "integer"
    for name in ("by_year", "hiring", "investment"):
        assert all(f.description for f in package.get_resource(name).schema.fields), name
    rows = years.read_rows()
    assert rows and all(isinstance(r["year"], int) for r in rows)
    # a publication's time as the spec writes it (RFC 3339)
    created = json.loads((out / "datapackage.json").read_text())["created"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created), created

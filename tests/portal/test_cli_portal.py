"""`anchorkit opportunity import / list / gaps`, as a person types them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from anchorkit.cli import app
from tests.portal.test_postings_import import SAMPLE

runner = CliRunner()


def test_import_list_and_gaps(demo_template: Path, tmp_path: Path) -> None:
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    notices = tmp_path / "notices.csv"
    notices.write_text(SAMPLE, encoding="utf-8")
    w = ["-w", str(root)]
    done = runner.invoke(app, [*w, "opportunity", "import", str(notices), "--json"])
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["imported"] == 2
    listed = json.loads(runner.invoke(app, [*w, "opportunity", "list", "--json"]).stdout)
    titles = {r["title"] for r in listed}
    assert "Grounds maintenance of parks" in titles  # open, closing in 2099
    assert "Office cleaning" not in titles  # closed
    planted = json.loads((root / "truth" / "postings.json").read_text(encoding="utf-8"))
    assert {p["title"] for p in planted} <= titles
    gaps = json.loads(runner.invoke(app, [*w, "opportunity", "gaps", "--json"]).stdout)
    assert {p["title"] for p in planted} <= {g["title"] for g in gaps}
    wrong = runner.invoke(app, [*w, "opportunity", "import", str(root / "anchorkit.toml")])
    assert wrong.exit_code == 1 and "not a Contracts Finder notices CSV" in wrong.output

"""`anchorkit framework list / report` on the demo network: every shipped framework gives every
measure a value or an explicit "not computable" with the reason."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from anchorkit.cli import app

SHIPPED = ("han-ipc", "national-toms", "toronto-spp", "anchor-dashboard")


def test_framework_list_and_reports_on_the_demo(demo_template: Path) -> None:
    runner = CliRunner()
    root = str(demo_template)
    listed = runner.invoke(app, ["-w", root, "framework", "list", "--json"])
    assert listed.exit_code == 0, listed.output
    assert {f["id"] for f in json.loads(listed.stdout)} >= set(SHIPPED)
    for name in SHIPPED:
        result = runner.invoke(app, ["-w", root, "framework", "report", name, "--json"])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        assert report["framework"]["id"] == name and report["framework"]["version"]
        for m in report["measures"]:
            if m["status"] == "not_computable":
                assert m["reason"], m
            else:
                assert m["value"] is not None, m
        # the demo network has tagged and local suppliers: spend measures are not all zero
        spend = [m for m in report["measures"] if m["compute"] in ("spend", "share")]
        assert any(m["value"] not in (None, "0.00", 0.0) for m in spend), name
    han = json.loads(
        runner.invoke(app, ["-w", root, "framework", "report", "han-ipc", "--json"]).stdout
    )
    ipc = {m["id"]: m for m in han["measures"]}
    assert float(ipc["ipc-diverse-non-construction"]["value"]) > 0
    # human output names each measure; an unknown framework is one clear line
    text = runner.invoke(app, ["-w", root, "framework", "report", "toronto-spp"])
    assert text.exit_code == 0 and "spp-diverse-quotes" in text.stdout
    bad = runner.invoke(app, ["-w", root, "framework", "report", "nope"])
    assert bad.exit_code == 1 and "There is no framework 'nope'" in bad.output


def test_framework_report_as_pdf_and_excel(demo_template: Path, tmp_path: Path) -> None:
    import zipfile

    runner = CliRunner()
    for suffix in ("pdf", "xlsx"):
        target = tmp_path / f"han.{suffix}"
        result = runner.invoke(
            app,
            ["-w", str(demo_template), "framework", "report", "han-ipc", "--out", str(target)],
        )
        assert result.exit_code == 0, result.output
    assert (tmp_path / "han.pdf").read_bytes().startswith(b"%PDF-")
    with zipfile.ZipFile(tmp_path / "han.xlsx") as book:
        strings = book.read("xl/sharedStrings.xml").decode()
    assert "ipc-tier2-top20" in strings and "https://healthcareanchor.network" in strings
    bad = runner.invoke(
        app, ["-w", str(demo_template), "framework", "report", "han-ipc", "--out", "x.docx"]
    )
    assert bad.exit_code == 1 and "--out must end in .pdf, .html or .xlsx" in bad.output

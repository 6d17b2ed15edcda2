"""CLI commands of frameworks: framework list / report (packs in data/frameworks and the
workspace's frameworks.folder)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from anchorkit.cli.common import _open, _print_json, app, friendly, out
from anchorkit.errors import FrameworkError
from anchorkit.reports.frameworks import write
from anchorkit.views import formatting
from anchorkit.views.frameworks import framework_list, framework_report

framework_app = typer.Typer(
    help="Report the network's data against HAN IPC, National TOMs, Toronto SPP, the Anchor "
    "Dashboard or your own framework pack.",
    no_args_is_help=True,
)
app.add_typer(framework_app, name="framework")


@framework_app.command("list")
@friendly
def framework_list_cmd(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every framework pack loaded: shipped ones and the workspace's own."""
    with _open() as ws:
        rows = framework_list(ws)
    if json_output:
        _print_json(rows)
        return
    for r in rows:
        where = "shipped" if r["shipped"] else r["path"]
        out.print(f"{r['id']}: {r['name']} — {r['version']} ({r['measures']} measures, {where})")


def _shown(m: dict[str, Any], currency: str) -> str:
    if m["status"] == "not_computable":
        return str(m["reason"])
    kind = {"share": formatting.share, "count": formatting.count}.get(m["unit"])
    if kind is not None:
        return kind(m["value"])
    if m["unit"] == "money":
        return formatting.money(m["value"], currency)
    return str(m["value"])


@framework_app.command("report")
@friendly
def framework_report_cmd(
    name: Annotated[str, typer.Argument(help="A framework id, e.g. han-ipc (see framework list).")],
    anchor: Annotated[str | None, typer.Option(help="One anchor (default: the network).")] = None,
    year: Annotated[int | None, typer.Option(help="One fiscal year (default: every year).")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Write it as a .pdf, .html or .xlsx file.")
    ] = None,
) -> None:
    """Every measure of a framework: its value, or why it cannot be computed from this data."""
    if out_path is not None and out_path.suffix.lower() not in (".pdf", ".html", ".xlsx"):
        raise FrameworkError("--out must end in .pdf, .html or .xlsx.")
    with _open() as ws:
        report = framework_report(ws, name, anchor=anchor, year=year)
    if out_path is not None:
        write(report, out_path)
        out.print(f"Wrote {out_path}.")
        return
    if json_output:
        _print_json(report)
        return
    f = report["framework"]
    out.print(f"{f['name']} ({f['version']})\nSource: {f['source']}")
    for m in report["measures"]:
        social = ""
        if m["social_value"] is not None:
            social = (
                f" — social value {formatting.money(m['social_value'])} (deadweight "
                f"{formatting.share(m['deadweight'])}, attribution "
                f"{formatting.share(m['attribution'])})"
            )
        out.print(f"{m['id']} {m['name']}: {_shown(m, report['currency'])}{social}")

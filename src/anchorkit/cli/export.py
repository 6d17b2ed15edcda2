"""CLI commands of exports: export ocds (open standard), export lines (every classified line)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anchorkit.cli.common import _open, _print_json, app, friendly, out

export_app = typer.Typer(
    help="Export data: awards in open standards (OCDS), every classified spend line.",
    no_args_is_help=True,
)
app.add_typer(export_app, name="export")


@export_app.command("ocds")
@friendly
def export_ocds_command(
    out_file: Annotated[Path, typer.Option("--out", help="The JSON file to write.")],
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's awards.")] = None,
    spend: Annotated[
        bool,
        typer.Option(
            "--spend/--ocds-only",
            help="Also export spend lines from ordinary spend files, as one award per supplier, "
            "anchor and fiscal year (default), or only the awards imported from OCDS.",
        ),
    ] = True,
    validate: Annotated[
        bool, typer.Option(help="Check the package against the OCDS 1.1 schema first.")
    ] = True,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Write the awards anchorkit knows as an OCDS 1.1 release package (see docs/ocds.md).

    Supplier-level amounts are not suppressed: publish the file only where the anchors agree.
    """
    from anchorkit.ocds import export_ocds

    with _open() as ws:
        result = export_ocds(ws, out_file, anchor=anchor, include_spend=spend, validate=validate)
    if json_output:
        _print_json(result.to_json())
        return
    totals = ", ".join(f"{amount} {currency}" for currency, amount in result.totals.items())
    out.print(
        f"Wrote {out_file}: {result.releases:,} releases, "
        f"{result.awards_from_ocds:,} awards imported from OCDS and "
        f"{result.awards_from_spend:,} from spend lines; total {totals}"
        + (" (valid OCDS 1.1)" if validate else ""),
        highlight=False,
    )


@export_app.command("lines")
@friendly
def export_lines_command(
    out_file: Annotated[
        Path, typer.Option("--out", help="The file to write: .csv, .xlsx or .parquet.")
    ],
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's lines.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Write every spend line with its category (code, level-1 and level-2 names, confidence,
    method) and where it came from, to check the classification in a spreadsheet."""
    from anchorkit.classify.export import export_lines

    with _open() as ws:
        result = export_lines(ws, out_file, anchor=anchor)
    if json_output:
        _print_json(result.to_json())
        return
    out.print(f"Wrote {out_file}: {result.lines:,} lines.", highlight=False)

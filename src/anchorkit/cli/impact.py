"""CLI commands of impact: the local multiplier `lm3` and `survey import` (its supplier answers)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anchorkit.analytics.lm3 import compute_lm3
from anchorkit.analytics.survey import import_survey
from anchorkit.cli.common import _open, _print_json, app, friendly, out
from anchorkit.views import formatting as fmt

survey_app = typer.Typer(help="Supplier survey answers (for LM3).", no_args_is_help=True)
app.add_typer(survey_app, name="survey")


@app.command("lm3")
@friendly
def lm3(
    anchor: Annotated[str | None, typer.Option(help="One anchor (default: network).")] = None,
    year: Annotated[int | None, typer.Option(help="One fiscal year (default: all).")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The local multiplier LM3 = (R1 + R2 + R3) / R1 (New Economics Foundation)."""
    with _open() as ws:
        result = compute_lm3(ws, anchor=anchor, year=year)
    if json_output:
        _print_json(result.to_json())
        return
    scope = f"{anchor or 'the network'}{f', FY {year}' if year else ''}"
    shown = "n/a (no addressable spend)" if result.lm3 is None else fmt.ratio(result.lm3)
    out.print(f"LM3 for {scope}: {shown}")
    for label, amount in (
        ("R1 spend studied (addressable)", result.r1),
        ("R2 spend with local suppliers", result.r2),
        ("R3 re-spent locally", result.r3),
        (f"   surveyed ({result.suppliers_surveyed} suppliers)", result.r3_surveyed),
        ("   assumed (default rates)", result.r3_assumed),
    ):
        out.print(f"  {label:<34}{fmt.money(amount):>16}")
    for note in result.notes:
        out.print(f"  {note}")


@survey_app.command("import")
@friendly
def survey_import(
    file: Annotated[
        Path, typer.Argument(help="CSV or XLSX: supplier, local_spend_share, local_staff_share.")
    ],
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import supplier survey answers: the share of their spend and staff that is local."""
    with _open() as ws:
        result = import_survey(ws, file)
    if json_output:
        _print_json(result.to_json())
    else:
        out.print(
            f"{result.file}: {result.rows_read} rows, {result.rows_loaded} answers stored, "
            f"{len(result.rejected)} rejected."
        )
        for r in result.rejected:
            out.print(f"  line {r['line']} ({r['supplier']}): {'; '.join(r['reasons'])}")
    if result.rejected:
        raise typer.Exit(1)

"""CLI commands of the investment lever: investment import / match / list / rejects / holdings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anchorkit.cli.common import (
    _open,
    _print_json,
    app,
    friendly,
    out,
    parse_columns,
    print_files,
    print_rejects,
    print_result,
)
from anchorkit.investment import import_investment, rematch_investees
from anchorkit.lever_files import list_files, rejected_rows
from anchorkit.views import formatting as fmt
from anchorkit.views.investment import investment_section

investment_app = typer.Typer(
    help="The investment lever: where the anchors deposit, lend and invest.",
    no_args_is_help=True,
)
app.add_typer(investment_app, name="investment")


@investment_app.command("import")
@friendly
def investment_import(
    file: Annotated[Path, typer.Argument(help="The anchor's investment register (CSV/XLSX).")],
    anchor: Annotated[str, typer.Option(help="The anchor whose holdings these are.")],
    column: Annotated[
        list[str] | None,
        typer.Option(help="NAME=HEADER for a column the synonyms miss (repeatable)."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import a register of holdings (replaces the anchor's previous register)."""
    with _open() as ws:
        result = import_investment(ws, file, anchor, columns=parse_columns(column))
    if json_output:
        _print_json(result.to_json())
    else:
        print_result(result, "holding")
    if result.error:
        raise typer.Exit(1)


@investment_app.command("match")
@friendly
def investment_match() -> None:
    """Match every holding's investee to the suppliers resolution knows (run after resolve)."""
    with _open() as ws:
        matched = rematch_investees(ws)
    out.print(f"{matched:,} holdings are with known suppliers.")


@investment_app.command("list")
@friendly
def investment_list(
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's files.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Investment registers imported: anchor, rows loaded and rejected."""
    with _open() as ws:
        anchor_id = ws.anchor(anchor).anchor_id if anchor else None
        rows = list_files(ws, "investment", anchor_id)
    print_files(rows, json_output)


@investment_app.command("rejects")
@friendly
def investment_rejects(
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's rows.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every rejected row of investment registers, with its file, row and reasons."""
    with _open() as ws:
        anchor_id = ws.anchor(anchor).anchor_id if anchor else None
        rows = rejected_rows(ws, "investment", anchor_id)
    print_rejects(rows, json_output)


@investment_app.command("holdings")
@friendly
def investment_holdings(
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's holdings.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every holding with its place (local, priority area) and the supplier it is, if any."""
    with _open() as ws:
        holdings = investment_section(ws, anchor=anchor)["holdings"]
    if json_output:
        _print_json(holdings)
        return
    for h in holdings:
        where = h["neighbourhood"] or h["location_class"] or "unknown"
        supplier = f" = supplier {h['supplier_id']}" if h["supplier_id"] else ""
        flags = f" [{', '.join(h['flags'])}]" if h["flags"] else ""
        out.print(
            f"{h['anchor']}: {h['investee']} {h['type']} {fmt.money(h['amount'], h['currency'])} "
            f"({where}){supplier}{flags}",
            highlight=False,
        )

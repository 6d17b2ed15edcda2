"""CLI commands of the hiring lever: workforce import / aggregate / list / rejects / rates."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
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
from anchorkit.errors import WorkforceError
from anchorkit.lever_files import list_files, rejected_rows
from anchorkit.place.regions import Region
from anchorkit.settings import load_settings
from anchorkit.workforce import import_workforce
from anchorkit.workforce.aggregate import aggregate_people
from anchorkit.workforce.living_wage import rate_for, rates

workforce_app = typer.Typer(
    help="The hiring lever: where the anchors' staff live, counted by home area (never people).",
    no_args_is_help=True,
)
app.add_typer(workforce_app, name="workforce")


@workforce_app.command("import")
@friendly
def workforce_import(
    files: Annotated[list[Path], typer.Argument(help="Aggregate workforce files (CSV/XLSX).")],
    anchor: Annotated[str, typer.Option(help="The anchor the counts are of.")],
    period: Annotated[
        int | None,
        typer.Option(help="The fiscal year counted, when the file has no period column."),
    ] = None,
    kind: Annotated[
        str | None,
        typer.Option(
            help="staff, new_hire, leaver, apprentice or contractor_staff: the kind of "
            "every row of a file with no kind column (default staff)."
        ),
    ] = None,
    column: Annotated[
        list[str] | None,
        typer.Option(help="NAME=HEADER for a column the synonyms miss (repeatable)."),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import counts of staff by home area (a file listing people is refused: aggregate it)."""
    mapping = parse_columns(column)
    with _open() as ws:
        results = [
            import_workforce(ws, f, anchor, period=period, kind=kind, columns=mapping)
            for f in files
        ]
    if json_output:
        _print_json([r.to_json() for r in results])
    else:
        for r in results:
            print_result(r, "count")
    if any(r.error for r in results):
        raise typer.Exit(1)


@workforce_app.command("aggregate")
@friendly
def workforce_aggregate(
    people: Annotated[Path, typer.Argument(help="A person-level HR export (CSV/XLSX).")],
    out_file: Annotated[Path, typer.Option("--out", help="The counts file to write (CSV).")],
    period: Annotated[int, typer.Option(help="The fiscal year to count.")],
    year_start: Annotated[
        str, typer.Option(help="Month and day the fiscal year starts (MM-DD).")
    ] = "04-01",
    living_wage: Annotated[
        str | None, typer.Option(help="The hourly living wage pay is judged by, e.g. 25.05.")
    ] = None,
    living_wage_area: Annotated[
        str | None,
        typer.Option(help="Or: an area of the shipped living-wage table (Toronto, London, UK)."),
    ] = None,
    area: Annotated[
        str, typer.Option(help="fsa (FSA / outcode / ZIP) or neighbourhood (needs --region).")
    ] = "fsa",
    region: Annotated[
        str | None, typer.Option(help="A region pack, for --area neighbourhood (e.g. toronto).")
    ] = None,
    full_time_hours: Annotated[
        float, typer.Option(help="Paid hours in a full-time year, for annual pay.")
    ] = 1950.0,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Turn a person-level export into counts, on this machine; no person's row is kept."""
    try:
        month, day = (int(p) for p in year_start.split("-"))
    except ValueError as exc:
        raise WorkforceError(f"--year-start is MM-DD, e.g. 04-01; got {year_start!r}.") from exc
    rate: Decimal | None = None
    if living_wage is not None:
        try:
            rate = Decimal(living_wage)
        except InvalidOperation as exc:
            raise WorkforceError(f"--living-wage {living_wage!r} is not an amount.") from exc
    elif living_wage_area is not None:
        found = rate_for(rates(load_settings(None)), living_wage_area, period)
        if found is None:
            raise WorkforceError(
                f"The living-wage table has no rate for {living_wage_area!r} before {period}; "
                "give --living-wage."
            )
        rate = found.hourly_rate
    packs = [Region.load(region)] if region else []
    result = aggregate_people(
        people,
        out_file,
        period=period,
        year_start=(month, day),
        living_wage=rate,
        full_time_hours=full_time_hours,
        area=area,
        regions=packs,
    )
    if json_output:
        _print_json(result.to_json())
        return
    out.print(
        f"{result.people:,} people read, {result.counted:,} counted in {period}: "
        f"{result.rows_written:,} rows of counts written to {result.out}",
        highlight=False,
    )
    for kind, n in sorted(result.by_kind.items()):
        out.print(f"  {kind:<18} {n:,}")
    for why, n in result.skipped.items():
        out.print(f"  skipped: {n:,} {why}")
    for note in result.notes:
        out.print(f"  note: {note}", highlight=False)
    out.print(
        "No person's row was written anywhere. Import the counts with: "
        f"anchorkit workforce import {result.out} --anchor NAME",
        highlight=False,
    )


@workforce_app.command("list")
@friendly
def workforce_list(
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's files.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Workforce files imported: anchor, periods, rows loaded and rejected."""
    with _open() as ws:
        anchor_id = ws.anchor(anchor).anchor_id if anchor else None
        rows = list_files(ws, "workforce", anchor_id)
    print_files(rows, json_output)


@workforce_app.command("rejects")
@friendly
def workforce_rejects(
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's rows.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Every rejected row of workforce files, with its file, row and reasons."""
    with _open() as ws:
        anchor_id = ws.anchor(anchor).anchor_id if anchor else None
        rows = rejected_rows(ws, "workforce", anchor_id)
    print_rejects(rows, json_output)


@workforce_app.command("rates")
@friendly
def workforce_rates(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """The living-wage table in force (shipped, or workforce.living_wage_file), with sources."""
    with _open() as ws:
        table = rates(ws.settings, ws.root)
        chosen = str(ws.settings["workforce.living_wage_area"])
    if json_output:
        _print_json({"area": chosen or None, "rates": [r.to_json() for r in table]})
        return
    for r in table:
        mark = " *" if chosen and r.area.lower() == chosen.lower() else ""
        out.print(
            f"{r.area:<10} {r.year}  {r.hourly_rate:>6.2f} {r.currency}  {r.source}{mark}",
            highlight=False,
        )
    if chosen:
        out.print(f"* the network's area (workforce.living_wage_area = {chosen!r})")

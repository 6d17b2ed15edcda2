"""CLI commands of input-output multipliers: multipliers load / list, and impact (jobs, output)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anchorkit.analytics.multipliers import (
    example_path,
    load_multipliers,
    local_impact,
    multiplier_tables,
)
from anchorkit.cli.common import _open, _print_json, app, friendly, out
from anchorkit.errors import MultiplierError
from anchorkit.views import formatting as fmt

multipliers_app = typer.Typer(
    help="Input-output multiplier tables (for `anchorkit impact`).", no_args_is_help=True
)
app.add_typer(multipliers_app, name="multipliers")


@multipliers_app.command("load")
@friendly
def multipliers_load(
    file: Annotated[
        Path | None,
        typer.Argument(
            help="CSV: sector, output_direct, output_indirect, output_induced, "
            "jobs_direct_per_million, jobs_indirect_per_million, jobs_induced_per_million "
            "(sector_name optional)."
        ),
    ] = None,
    sector_map: Annotated[
        Path | None,
        typer.Option(
            help="CSV: category, sector (level-1 taxonomy code or name → sector). Default: the "
            "taxonomy's NAICS or UK SIC crosswalk, whichever the table's sectors use."
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option(help="The table's name (default: the file name).")
    ] = None,
    example: Annotated[
        bool, typer.Option(help="Load the shipped illustrative table (not official statistics).")
    ] = False,
) -> None:
    """Check and store a multiplier table (replacing one of the same name)."""
    if (file is None) == (not example):
        raise MultiplierError("Give a multiplier table FILE, or --example (not both).")
    path = example_path() if example else file
    assert path is not None
    with _open() as ws:
        done = load_multipliers(ws, path, sector_map=sector_map, name=name)
    out.print(
        f"Loaded multiplier table [bold]{done['name']}[/bold]: {done['sectors']} sectors, "
        f"{done['categories_mapped']} categories mapped ({done['map']})."
    )
    if example:
        out.print("This is the illustrative example table: its values are not official statistics.")


@multipliers_app.command("list")
@friendly
def multipliers_list(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Loaded multiplier tables, newest first (`impact` uses the newest unless told)."""
    with _open() as ws:
        rows = multiplier_tables(ws)
    if json_output:
        _print_json(rows)
        return
    if not rows:
        out.print("No multiplier tables yet: anchorkit multipliers load FILE (or --example)")
    for r in rows:
        out.print(
            f"{r['name']}: {r['sectors']} sectors from {r['file']} ({r['map']}), {r['loaded_at']}"
        )


@app.command("impact")
@friendly
def impact(
    anchor: Annotated[str | None, typer.Option(help="One anchor (default: network).")] = None,
    year: Annotated[int | None, typer.Option(help="One fiscal year (default: all).")] = None,
    table: Annotated[
        str | None, typer.Option(help="A loaded multiplier table (default: the newest).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Local output and jobs supported by local spend (input-output multipliers; upper bounds)."""
    with _open() as ws:
        result = local_impact(ws, anchor=anchor, year=year, table=table)
    if json_output:
        _print_json(result.to_json())
        return
    scope = f"{anchor or 'the network'}{f', {year}' if year else ''}"
    out.print(f"Jobs and output supported by local spend, {scope} (table {result.table})")
    money, jobs = fmt.money, fmt.jobs
    out.print(
        f"Local spend {money(result.local_spend)}: {money(result.mapped_spend)} mapped to a "
        f"sector, {money(result.unmapped_spend)} unmapped"
    )
    for s in result.sectors:
        o = {k: money(v) for k, v in s.output.items()}
        out.print(
            f"  {s.sector} {s.name}: spend {money(s.local_spend)} → output {o['total']} "
            f"(direct {o['direct']}, indirect {o['indirect']}, induced {o['induced']}); "
            f"jobs {jobs(s.jobs['total'])}",
            highlight=False,
        )
    for u in result.unmapped:
        out.print(f"  unmapped: {u['category']} {money(u['local_spend'])}", highlight=False)
    o = {k: money(v) for k, v in result.output.items()}
    j = {k: jobs(v) for k, v in result.jobs.items()}
    out.print(
        f"Total output {o['total']} (direct {o['direct']}, indirect {o['indirect']}, induced "
        f"{o['induced']}); jobs {j['total']} (direct {j['direct']}, indirect {j['indirect']}, "
        f"induced {j['induced']})",
        highlight=False,
    )
    out.print(f"[yellow]Note:[/yellow] {result.caveat}")

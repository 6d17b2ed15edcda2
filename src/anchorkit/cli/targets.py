"""CLI commands of targets: target set / list / remove (progress shows in `indicators`)."""

from __future__ import annotations

from typing import Annotated

import typer

from anchorkit.analytics.targets import (
    indicator_names,
    remove_target,
    set_target,
    target_progress,
)
from anchorkit.cli.common import _open, _print_json, app, friendly, out
from anchorkit.views import formatting as fmt

target_app = typer.Typer(help="Targets the network or an anchor commits to.", no_args_is_help=True)
app.add_typer(target_app, name="target")


@target_app.command("set")
@friendly
def target_set(
    indicator: Annotated[str, typer.Argument(help=f"One of: {', '.join(indicator_names())}.")],
    value: Annotated[str, typer.Argument(help="A share (0.3 or 30%), an amount or a count.")],
    year: Annotated[int, typer.Option(help="The fiscal year the target is for.")],
    anchor: Annotated[
        str | None, typer.Option(help="An anchor's own target (default: network).")
    ] = None,
    baseline_year: Annotated[
        int | None, typer.Option(help="Measure progress from this year's actual.")
    ] = None,
) -> None:
    """Set (or replace) a target for the network or one anchor."""
    with _open() as ws:
        done = set_target(
            ws, indicator, value, year, anchor=anchor, baseline_year=baseline_year, by="cli"
        )
    shown = fmt.figure(indicator, done["target"])
    out.print(f"Target set: {indicator} {shown} in {year} for {anchor or 'the network'}.")


@target_app.command("list")
@friendly
def target_list(
    anchor: Annotated[
        str | None, typer.Option(help="An anchor's targets (default: network).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Targets with actual, gap and progress (the same as in `indicators`)."""
    with _open() as ws:
        rows = [p.to_json() for p in target_progress(ws, anchor=anchor)]
    if json_output:
        _print_json(rows)
        return
    if not rows:
        out.print("No targets yet: anchorkit target set INDICATOR VALUE --year YEAR")
    for r in rows:
        name = r["indicator"]
        progress = "" if r["progress"] is None else f", {fmt.percent(r['progress'])} of the way"
        out.print(
            f"{name} {r['year']}: target {fmt.figure(name, r['target'])}, "
            f"actual {fmt.figure(name, r['actual'])}, gap {fmt.change(name, r['gap'])}{progress}"
        )


@target_app.command("remove")
@friendly
def target_remove(
    indicator: Annotated[str, typer.Argument()],
    year: Annotated[int, typer.Option()],
    anchor: Annotated[str | None, typer.Option()] = None,
) -> None:
    """Remove one target."""
    with _open() as ws:
        remove_target(ws, indicator, year, anchor=anchor)
    out.print(f"Removed the {indicator} target for {year}.")

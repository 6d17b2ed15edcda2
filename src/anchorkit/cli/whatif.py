"""CLI command what-if: move a share of a category's spend to local (or tagged) suppliers."""

from __future__ import annotations

from typing import Annotated

import typer

from anchorkit.analytics.whatif import SPEC, parse_shift, what_if
from anchorkit.cli.common import _open, _print_json, app, friendly, out
from anchorkit.views import formatting as fmt


@app.command("what-if")
@friendly
def whatif(
    shift: Annotated[
        list[str],
        typer.Option(help=f"{SPEC}; :TAG moves it to suppliers with that tag. Repeatable."),
    ],
    anchor: Annotated[str | None, typer.Option(help="One anchor (default: network).")] = None,
    year: Annotated[int | None, typer.Option(help="One fiscal year (default: all).")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """What if a share of a category's spend went local (or to tagged suppliers)?

    Moves that share of the category's non-local (or non-tagged) influenceable spend and shows
    local share, impact share, LM3, local output and jobs before and after, with ranges."""
    shifts = [parse_shift(s) for s in shift]
    with _open() as ws:
        result = what_if(ws, shifts, anchor=anchor, year=year)
    data = result.to_json()
    if json_output:
        _print_json(data)
        return
    for s in data["shifts"]:
        target = f"suppliers tagged {s['tag']}" if s["tag"] else "local suppliers"
        out.print(
            f"Shift {fmt.share(s['percent'])} of {s['category']} to {target}: "
            f"{fmt.money(s['spend_moved'])} moved",
            highlight=False,
        )
    names = ("local_share", "impact_share", "local_spend", "impact_spend", "lm3")
    for name in (*names, "local_output", "jobs"):
        m = data[name]
        band = (
            f" (range {fmt.figure(name, m['low'])} – {fmt.figure(name, m['high'])})"
            if "low" in m
            else ""
        )
        out.print(
            f"  {name}: {fmt.figure(name, m['before'])} → {fmt.figure(name, m['after'])}{band}, "
            f"change {fmt.change(name, m['change'])}",
            highlight=False,
        )
    for tag, m in data["tag_shares"].items():
        out.print(
            f"  tag_share:{tag}: {fmt.share(m['before'])} → {fmt.share(m['after'])}, "
            f"change {fmt.points(m['change'])}",
            highlight=False,
        )
    for note in data["notes"]:
        out.print(f"[dim]{note}[/dim]", highlight=False)
    for caveat in data["caveats"]:
        out.print(f"[yellow]Note:[/yellow] {caveat}", highlight=False)

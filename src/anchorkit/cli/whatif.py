"""CLI command what-if: move a share of a category's spend to local (or tagged) suppliers."""

from __future__ import annotations

from typing import Annotated

import typer

from anchorkit.analytics.whatif import SPEC, parse_shift, what_if
from anchorkit.cli.common import _open, _print_json, app, friendly, out


def _shown(value: object) -> str:
    return "n/a" if value is None else str(value)


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
            f"Shift {s['percent']:.0%} of {s['category']} to {target}: {s['spend_moved']} moved",
            highlight=False,
        )
    names = ("local_share", "impact_share", "local_spend", "impact_spend", "lm3")
    for name in (*names, "local_output", "jobs"):
        m = data[name]
        band = f" (range {_shown(m['low'])} – {_shown(m['high'])})" if "low" in m else ""
        out.print(
            f"  {name}: {_shown(m['before'])} → {_shown(m['after'])}{band}, "
            f"change {_shown(m['change'])}",
            highlight=False,
        )
    for tag, m in data["tag_shares"].items():
        out.print(
            f"  tag_share:{tag}: {_shown(m['before'])} → {_shown(m['after'])}, "
            f"change {_shown(m['change'])}",
            highlight=False,
        )
    for note in data["notes"]:
        out.print(f"[dim]{note}[/dim]", highlight=False)
    for caveat in data["caveats"]:
        out.print(f"[yellow]Note:[/yellow] {caveat}", highlight=False)

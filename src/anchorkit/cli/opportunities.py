"""CLI command of opportunities: where pooled spend could go local, and to whom."""

from __future__ import annotations

from typing import Annotated

import typer

from anchorkit.analytics.opportunities import find_opportunities
from anchorkit.cli.common import _open, _print_json, app, friendly, out


@app.command()
@friendly
def opportunities(
    anchor: Annotated[
        str | None, typer.Option(help="Only opportunities for this anchor's own spend.")
    ] = None,
    limit: Annotated[int, typer.Option(help="How many, largest spend at stake first.")] = 20,
    min_nonlocal_share: Annotated[
        float,
        typer.Option(help="A category counts when at least this share of it goes non-local."),
    ] = 0.5,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Categories bought non-locally though local suppliers exist, joint tenders, suppliers to
    share — each with the spend at stake and its evidence."""
    with _open() as ws:
        found = find_opportunities(
            ws, anchor=anchor, limit=limit, min_nonlocal_share=min_nonlocal_share
        )
    if json_output:
        _print_json([o.to_json() for o in found])
        return
    if not found:
        out.print("No opportunities found (is the spend resolved, placed and classified?).")
        return
    labels = {
        "local_supplier_exists": "local suppliers exist",
        "joint_procurement": "joint procurement",
        "share_a_supplier": "share a supplier",
    }
    for number, o in enumerate(found, 1):
        out.print(
            f"[bold]{number}. {o.category}[/bold] — {labels[o.kind]}, "
            f"{o.spend_at_stake:,.0f} at stake",
            highlight=False,
        )
        out.print(f"   {o.summary}", highlight=False)
        if o.suppliers:
            names = ", ".join(s["name"] for s in o.suppliers[:3])
            out.print(f"   suppliers: {names}", highlight=False)

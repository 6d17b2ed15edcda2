"""CLI command of opportunities: where pooled spend could go local, to whom, and what to do next."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from anchorkit.analytics.opportunities import find_opportunities
from anchorkit.classify.taxonomy import taxonomy_for
from anchorkit.cli.common import _open, _print_json, app, friendly, out
from anchorkit.records.appdb import APP_DB_FILE, database_url, open_app_db
from anchorkit.views import formatting as fmt
from anchorkit.views.opportunities import with_postings

LABELS = {
    "local_supplier_exists": "local suppliers exist",
    "joint_procurement": "joint procurement",
    "share_a_supplier": "share a supplier",
}


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
    share — each with the spend at stake, its evidence and what to do next (whom to talk to,
    the portal's upcoming purchases that match). Catch-all categories come last: classify
    their lines first."""
    with _open() as ws:
        found = find_opportunities(
            ws, anchor=anchor, limit=limit, min_nonlocal_share=min_nonlocal_share
        )
        rows = [o.to_json() for o in found]
        url = database_url(ws.root)
        if not url.startswith("sqlite") or (ws.root / APP_DB_FILE).exists():
            rows = with_postings(rows, open_app_db(url), taxonomy_for(ws.settings, ws.root))
    if json_output:
        _print_json(rows)
        return
    ranked = [o for o in rows if not o["needs_classification"]]
    later = [o for o in rows if o["needs_classification"]]
    if not ranked:
        out.print("No opportunities found (is the spend resolved, placed and classified?).")
    for number, o in enumerate(ranked, 1):
        _show(f"{number}.", o)
    if later:
        at_stake = sum(float(o["spend_at_stake"]) for o in later)
        out.print(
            f"\n[bold]Classify first[/bold]: {fmt.count(len(later))} more in catch-all categories "
            f"or none ({fmt.money(at_stake)} at stake) — who else could supply them is not known "
            "until their lines are classified (anchorkit category review).",
            highlight=False,
        )
        for o in later[:3]:
            _show("·", o, steps=False)


def _show(mark: str, o: dict[str, Any], *, steps: bool = True) -> None:
    out.print(
        f"[bold]{mark} {o['category']}[/bold] — {LABELS[o['kind']]}, "
        f"{fmt.money(o['spend_at_stake'])} at stake",
        highlight=False,
    )
    out.print(f"   {o['summary']}", highlight=False)
    if not steps:
        return
    for step in o["next_steps"]:
        out.print(f"   → {step}", highlight=False)

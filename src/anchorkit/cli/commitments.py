"""CLI commands of social-value commitments and Tier-2: commitment import / actuals / report,
tier2 import / report."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anchorkit.cli.common import _open, _print_json, app, friendly, out
from anchorkit.commitments.records import import_actuals, import_commitments
from anchorkit.commitments.status import GROUPINGS, commitment_rows, overdue, summarise
from anchorkit.commitments.tier2 import import_tier2, tier2_summary
from anchorkit.views import formatting

commitment_app = typer.Typer(
    help="Suppliers' social-value commitments on contracts, and their quarterly actuals.",
    no_args_is_help=True,
)
app.add_typer(commitment_app, name="commitment")
tier2_app = typer.Typer(
    help="Tier-2: prime suppliers' spend with diverse or local subcontractors, per anchor.",
    no_args_is_help=True,
)
app.add_typer(tier2_app, name="tier2")


@commitment_app.command("import")
@friendly
def commitment_import(
    path: Annotated[Path, typer.Argument(help="CSV: contract_id, anchor, supplier, framework, "
                                              "measure, quantity, period_start, period_end.")],
) -> None:  # fmt: skip
    """Record contracts and their commitments (anchor and supplier may be left empty for a
    loaded OCDS award's id or ocid); a contract loaded again is replaced."""
    with _open() as ws:
        loaded = import_commitments(ws, path)
    out.print(f"Recorded {loaded.rows} commitments on {loaded.contracts} contracts.")


@commitment_app.command("actuals")
@friendly
def commitment_actuals(
    path: Annotated[Path, typer.Argument(help="CSV: contract_id, framework, measure, quarter "
                                              "(2024Q1), quantity[, evidence, received].")],
    by: Annotated[str, typer.Option(help="Who returns them (recorded with each).")] = "cli",
) -> None:  # fmt: skip
    """Record suppliers' quarterly actuals (a quarter returned again is replaced)."""
    with _open() as ws:
        count = import_actuals(ws, path, by=by)
    out.print(f"Recorded {count} quarterly returns.")


@commitment_app.command("report")
@friendly
def commitment_report(
    anchor: Annotated[str | None, typer.Option(help="One anchor's contracts.")] = None,
    by: Annotated[str, typer.Option(help=f"Add up by {', '.join(GROUPINGS)}.")] = "measure",
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Committed against delivered, and every late or missing quarterly return."""
    with _open() as ws:
        ids = None if anchor is None else [ws.anchor(anchor).anchor_id]
        rows = commitment_rows(ws, anchor_ids=ids)
    summary, late = summarise(rows, by), overdue(rows)
    if json_output:
        _print_json({"by": by, "summary": summary, "commitments": rows, "overdue": late})
        return
    if not rows:
        out.print("No commitments yet: anchorkit commitment import FILE")
    for g in summary:
        name = " ".join(str(v) for k, v in g.items() if k in ("framework", "measure", "supplier",
                                                                   "anchor"))  # fmt: skip
        out.print(
            f"{name}: committed {formatting.count(g['committed'])}, due so far "
            f"{formatting.count(g['due_so_far'])}, delivered {formatting.count(g['delivered'])}"
            f" ({g['missing_returns']} returns missing, {g['late_returns']} late)"
        )
    for o in late:
        out.print(f"{o['state']}: {o['quarter']} {o['supplier']} {o['contract_id']} {o['measure']}")


@tier2_app.command("import")
@friendly
def tier2_import(
    path: Annotated[Path, typer.Argument(help="CSV: prime, anchor, year, subcontractor, amount"
                                              "[, postcode, tags].")],
    by: Annotated[str, typer.Option(help="Who returns them (recorded with each).")] = "cli",
) -> None:  # fmt: skip
    """Record prime suppliers' Tier-2 returns (a prime's return for an anchor and year replaces
    its earlier one)."""
    with _open() as ws:
        count = import_tier2(ws, path, by=by)
    out.print(f"Recorded {count} Tier-2 rows.")


@tier2_app.command("report")
@friendly
def tier2_report(
    anchor: Annotated[str | None, typer.Option(help="One anchor (default: the network).")] = None,
    year: Annotated[int | None, typer.Option(help="One fiscal year.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Tier-1 and Tier-2 diverse spend side by side, and which top vendors have reported."""
    with _open() as ws:
        summary = tier2_summary(ws, anchor=anchor, year=year)
        currency = ws.settings["currency"]
    if json_output:
        _print_json(summary)
        return
    out.print(
        f"Tier-1 diverse spend {formatting.money(summary['tier1_diverse_spend'], currency)}; "
        f"Tier-2 diverse spend {formatting.money(summary['tier2_diverse_spend'], currency)} "
        f"(+ {formatting.money(summary['tier2_declared_diverse_spend'], currency)} declared "
        "by primes, not certified). Tier-2 is never added to Tier-1."
    )
    for t in summary["tracker"]:
        state = "reported" if t["reported"] else "not reported"
        out.print(f"{t['anchor']} #{t['rank']} {t['supplier']}: {state}")

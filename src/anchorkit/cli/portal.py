"""CLI commands of the supplier portal's opportunities: import notices, list, diverse-quote gaps."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.classify.taxonomy import taxonomy_for
from anchorkit.cli.common import _open, _print_json, app, friendly, out
from anchorkit.portal.compliance import diverse_quote_gaps
from anchorkit.portal.postings import (
    Filters,
    band_label,
    import_contracts_finder,
    list_postings,
)
from anchorkit.records.accounts import Actor
from anchorkit.records.appdb import PortalPosting, database_url, open_app_db

opportunity_app = typer.Typer(
    help="Upcoming purchases posted in the supplier portal (not `anchorkit opportunities`, "
    "which finds them in past spend).",
    no_args_is_help=True,
)
app.add_typer(opportunity_app, name="opportunity")
CLI = Actor(email="(cli)", role="admin")


@contextmanager
def _app_db(root: Path) -> Iterator[sessionmaker[Session]]:
    db = open_app_db(database_url(root))
    try:
        yield db
    finally:
        bind = db.kw.get("bind")
        if bind is not None:
            bind.dispose()


def _row(p: PortalPosting, currency: str) -> dict[str, object]:
    return {
        "posting_id": p.posting_id,
        "title": p.title,
        "buyer": p.buyer,
        "category": p.category_code,
        "value": f"{currency} {band_label(p.value_low, p.value_high)}",
        "closes_on": p.closes_on.isoformat() if p.closes_on else None,
        "area": p.area,
        "asks": p.asks,
        "status": p.status,
        "source": p.source,
    }


@opportunity_app.command("import")
@friendly
def import_notices(
    file: Annotated[Path, typer.Argument(help="A Contracts Finder notices CSV.")],
    anchor: Annotated[
        str | None, typer.Option(help="The network's anchor that buys (default: none).")
    ] = None,
    council: Annotated[
        str | None, typer.Option(help="Only the notices of this council_id, e.g. preston.")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import tender notices as opportunities; open ones are published, the others kept as
    closed. Importing again updates them."""
    with _open() as ws:
        if anchor:
            anchor = ws.anchor(anchor).name
        with _app_db(ws.root) as db:
            result = import_contracts_finder(db, ws, file, CLI, anchor_name=anchor, council=council)
    if json_output:
        _print_json(result.__dict__)
        return
    out.print(
        f"{result.imported:,} imported, {result.updated:,} updated, "
        f"{len(result.rejected):,} not imported"
        + (f", {result.skipped:,} other councils'" if council else "")
    )
    for row, reason in result.rejected[:20]:
        out.print(f"  row {row}: {reason}", highlight=False)
    if len(result.rejected) > 20:
        out.print(f"  … and {len(result.rejected) - 20:,} more (--json lists them all)")


@opportunity_app.command("list")
@friendly
def list_command(
    category: Annotated[
        str | None, typer.Option(help="A category code (and those under it).")
    ] = None,
    area: Annotated[str | None, typer.Option(help="An area name, e.g. Toronto or Preston.")] = None,
    closed: Annotated[bool, typer.Option(help="Closed ones too.")] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Opportunities, soonest closing first."""
    with _open() as ws:
        taxonomy = taxonomy_for(ws.settings, ws.root)
        with _app_db(ws.root) as db:
            rows = list_postings(
                db, taxonomy, Filters(category=category, area=area, include_closed=closed)
            )
        currency = str(ws.settings["currency"])
    data = [_row(p, currency) for p in rows]
    if json_output:
        _print_json(data)
        return
    for r in data:
        out.print(
            f"{r['posting_id']:>5}  {r['closes_on'] or '—':10}  {r['value']:>24}  {r['title']} "
            f"({r['buyer']}, {r['area'] or '—'})",
            highlight=False,
        )
    out.print(f"{len(data):,} opportunities")


@opportunity_app.command("gaps")
@friendly
def gaps_command(
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's postings.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Purchases under the diverse-quote rule (portal.diverse_quote_min – _max) with no
    certified diverse supplier invited."""
    with _open() as ws:
        if anchor:
            anchor = ws.anchor(anchor).name
        with _app_db(ws.root) as db:
            found = diverse_quote_gaps(db, ws.settings, anchor_name=anchor, today=date.today())
        currency = str(ws.settings["currency"])
    data = [{**_row(g.posting, currency), "invited": g.invited} for g in found]
    if json_output:
        _print_json(data)
        return
    for r in data:
        out.print(
            f"{r['posting_id']:>5}  {r['value']:>24}  {r['title']} — {r['invited']} invited, "
            "none diverse",
            highlight=False,
        )
    out.print(f"{len(data):,} purchases without a diverse supplier invited")

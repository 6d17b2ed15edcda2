"""``anchorkit report``: the network progress report or an anchor's scorecard as PDF, HTML or Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anchorkit.cli.common import _open, app, friendly, out
from anchorkit.errors import ReportError


@app.command()
@friendly
def report(
    out_file: Annotated[
        Path, typer.Option("--out", help="File to write (its suffix can give the format).")
    ],
    anchor: Annotated[
        str | None, typer.Option(help="An anchor's scorecard instead of the network report.")
    ] = None,
    network: Annotated[
        bool, typer.Option("--network", help="The network's progress report (the default).")
    ] = False,
    year: Annotated[
        int | None, typer.Option(help="Fiscal year to report (default: the latest with spend).")
    ] = None,
    fmt: Annotated[
        str | None, typer.Option("--format", help="pdf, html or xlsx (default: from --out).")
    ] = None,
) -> None:
    """Write a report from the same figures as the dashboard.

    The network report is written for publishing: every small cell is suppressed by the
    publish.* rule. An anchor's scorecard shows that anchor's own figures in full.
    """
    from anchorkit.reports.build import build_report, check_format, render_report
    from anchorkit.views.store import Store

    if anchor and network:
        raise ReportError("Give --anchor NAME or --network, not both.")
    chosen = check_format(fmt or out_file.suffix or "pdf")
    with _open() as ws:
        store = Store(ws)
        try:
            made = build_report(store, anchor=anchor, year=year)
            data = render_report(made, chosen)
        finally:
            store.close()
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        out_file.write_bytes(data)
    except OSError as exc:
        raise ReportError(f"Cannot write {out_file}: {exc.strerror}.") from exc
    out.print(
        f"Wrote {made.title} ({made.period}) to {out_file} "
        f"({chosen}, {len(data) / 1024:,.0f} KB, {made.suppressed_cells} suppressed cells)."
    )

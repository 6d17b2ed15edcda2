"""CLI commands of the store's engine: engine move (DuckDB ↔ Spark, checked to the cent)."""

from __future__ import annotations

from typing import Annotated

import typer

from anchorkit.analytics.move import ENGINES, move
from anchorkit.cli.common import _print_json, app, err, friendly, out, state
from anchorkit.workspace import resolve_path

engine_app = typer.Typer(
    help="The workspace's store: DuckDB (one file) or Spark (a Parquet warehouse).",
    no_args_is_help=True,
)
app.add_typer(engine_app, name="engine")


@engine_app.command("move")
@friendly
def engine_move(
    to: Annotated[
        str, typer.Option("--to", help=f"The engine to move to: {' or '.join(ENGINES)}.")
    ],
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Copy the workspace's store to the other engine, check every indicator is equal to the
    cent on both, then switch the workspace's engine setting (the old store is kept, renamed).

    See docs/scale.md: how a collaborative grows from one laptop to a cluster."""
    result = move(
        resolve_path(state.workspace),
        to.strip().lower(),
        progress=lambda text: err.print(f"[dim]{text}…[/dim]", highlight=False),
    )
    data = result.to_json()
    if json_output:
        _print_json(data)
        return
    rows = sum(result.rows.values())
    out.print(
        f"Moved from {result.source} to {result.target}: {rows:,} rows in "
        f"{len(result.rows)} tables; {result.figures_compared:,} figures equal to the cent "
        "on both engines.",
        highlight=False,
    )
    if result.kept_old_store:
        out.print(
            f"The old store is kept as {result.kept_old_store}: delete it once satisfied.",
            highlight=False,
        )
    out.print(f"The workspace's engine setting is now {result.target}.", highlight=False)

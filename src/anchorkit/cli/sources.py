"""CLI commands of loaded files: source list / remove (re-reading is ``ingest --replace``)."""

from __future__ import annotations

from typing import Annotated

import typer

from anchorkit.cli.common import _open, _print_json, app, friendly, out, wrapping_table
from anchorkit.ingest import list_sources, remove_source
from anchorkit.views import formatting as fmt

source_app = typer.Typer(
    help="The files loaded into the store: list them, remove one.", no_args_is_help=True
)
app.add_typer(source_app, name="source")


@source_app.command("list")
@friendly
def source_list(
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's files.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """List loaded files: id, anchor, name, rows loaded and rejected, total."""
    with _open() as ws:
        sources = list_sources(ws, anchor=anchor)
    if json_output:
        _print_json([s.to_json() for s in sources])
        return
    table = wrapping_table(
        "file id",
        "anchor",
        "file",
        "loaded",
        "rejected",
        "total",
        "uploaded",
        numeric=("loaded", "rejected", "total"),
    )
    for s in sources:
        table.add_row(
            s.file_id[:12],
            s.anchor,
            s.name,
            f"{s.rows_loaded:,}",
            f"{s.rows_rejected:,}",
            fmt.money_exact(s.amount),
            s.uploaded_at[:16],
        )
    out.print(table)
    out.print(f"{len(sources):,} files")
    for s in sources:
        for name, change in s.stale.items():
            out.print(
                f"! {s.name} ({s.file_id[:12]}): {name} {change}; re-read it with "
                f"anchorkit ingest --replace FILE --anchor {s.anchor!r}",
                highlight=False,
            )


@source_app.command("remove")
@friendly
def source_remove(
    file_id: Annotated[str, typer.Argument(help="The file's id (a unique prefix is enough).")],
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Remove a loaded file: its lines and rejected rows go, all at once.

    Suppliers and categories are derived from every file: run resolve and classify again to
    bring them up to date.
    """
    with _open() as ws:
        removed = remove_source(ws, file_id)
    if json_output:
        _print_json({"removed": removed.to_json()})
        return
    out.print(
        f"Removed {removed.name} ({removed.file_id[:12]}, {removed.anchor}): "
        f"{removed.rows_loaded:,} lines and {removed.rows_rejected:,} rejected rows. "
        "Run anchorkit resolve and anchorkit classify to bring suppliers and categories up "
        "to date.",
        highlight=False,
    )

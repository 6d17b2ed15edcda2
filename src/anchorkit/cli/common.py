"""What every command module of the CLI shares: the app, its options, the consoles, the error
printing of :func:`friendly` and the workspace every command opens.

Each ``anchorkit.cli.*`` module registers its commands on :data:`app`; none imports another, so
the commands of a family live in one file and the package has no import cycle.
Errors from anchorkit (``AnchorkitError``) are printed as one line on stderr with a non-zero exit,
never as a traceback; ``--debug`` logs every SQL step and shows tracebacks.
"""

from __future__ import annotations

import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Collection
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console, ConsoleDimensions
from rich.table import Column, Table

from anchorkit.errors import AnchorkitError
from anchorkit.lever_files import LeverResult
from anchorkit.workspace import Workspace

app = typer.Typer(
    help="anchorkit: pool anchor institutions' spend, measure local and social procurement.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)

P = ParamSpec("P")
R = TypeVar("R")


class _CliConsole(Console):
    """Rich's console, wrapping at the terminal's width only when it writes to a terminal.

    Why: written to a file, a pipe, cron's mail or a test's capture, a wrapped line breaks a
    figure or a path in two at a column that depends on $COLUMNS and on how long the paths
    happen to be; scripts and logs read whole lines. Tables still take only the width they need.
    """

    @property
    def size(self) -> ConsoleDimensions:
        size = super().size
        if self.is_terminal:
            return size
        return ConsoleDimensions(max(size.width, UNWRAPPED_WIDTH), size.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size


#: the width used when output is not a terminal: wider than any line anchorkit prints
UNWRAPPED_WIDTH = 10_000
out = _CliConsole()
err = _CliConsole(stderr=True)


class State:
    workspace: Path | None = None
    debug: bool = False


state = State()


@app.callback()
def main_options(
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            help="Workspace folder (default: $ANCHORKIT_WORKSPACE, else the current folder).",
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Log every SQL step; show tracebacks.")
    ] = False,
    engine: Annotated[
        str | None,
        typer.Option(
            "--engine",
            help="duckdb or spark: the store to use for this command (default: the engine "
            "setting). See docs/scale.md.",
        ),
    ] = None,
) -> None:
    state.workspace = workspace
    state.debug = debug
    if engine is not None:
        # as the ANCHORKIT_ENGINE variable would: every workspace this command opens uses it
        os.environ["ANCHORKIT_ENGINE"] = engine
    if debug:
        logging.basicConfig(level=logging.DEBUG, format="%(name)s: %(message)s")


def friendly(fn: Callable[P, R]) -> Callable[P, R]:
    """Print an AnchorkitError as one line and exit 1; a traceback only with --debug."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except AnchorkitError as exc:
            if state.debug:
                raise
            err.print(f"[red]Error:[/red] {exc}", highlight=False)
            raise typer.Exit(1) from None

    return wrapper


def wrapping_table(*headers: str, numeric: Collection[str] = (), **options: Any) -> Table:
    """A table of the CLI: every text cell wraps (a long word folds) and is never cut short
    with "…", so a name or a path reads whole at any terminal width; the ``numeric`` columns are
    right-aligned and never broken (a figure split over two lines misreads)."""
    return Table(
        *(
            Column(h, justify="right", no_wrap=True) if h in numeric else Column(h, overflow="fold")
            for h in headers
        ),
        **options,
    )


def _open() -> Workspace:
    return Workspace.open(state.workspace)


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, indent=2, default=str) + "\n")


# --- what the workforce and investment commands share ------------------------------------------


def parse_columns(items: list[str] | None) -> dict[str, str | int] | None:
    """``--column home_area="Home FSA"`` or ``--column headcount=4`` (a column number)."""
    if not items:
        return None
    found: dict[str, str | int] = {}
    for item in items:
        name, sep, ref = item.partition("=")
        if not sep or not name.strip() or not ref.strip():
            raise AnchorkitError(f"--column takes NAME=HEADER (or NAME=NUMBER); got {item!r}.")
        found[name.strip()] = int(ref) if ref.strip().isdigit() else ref.strip()
    return found


def print_result(result: LeverResult, what: str) -> None:
    """One file's outcome, as the spend ingest prints it: loaded, rejected (why), notes."""
    name = Path(result.file).name
    if result.error:
        out.print(f"[red]{name}: not imported[/red] — {result.error}", highlight=False)
        return
    state = "already imported" if result.already_loaded else "imported"
    out.print(
        f"{name}: {state} for {result.anchor}: {result.rows_loaded:,} {what} rows loaded, "
        f"{result.rows_rejected:,} rejected (of {result.rows_read:,})",
        highlight=False,
    )
    if result.periods:
        out.print(f"  periods: {', '.join(str(p) for p in result.periods)}")
    for column, header in result.columns.items():
        out.print(f"  {column:<18} ← {header!r}", highlight=False)
    for r in result.rejected[:10]:
        out.print(f"  row {r['source_row']}: {'; '.join(r['reasons'])}", highlight=False)
    if result.rows_rejected > 10:
        out.print(f"  … see all with: anchorkit {result.kind} rejects --anchor '{result.anchor}'")
    for note in result.notes:
        out.print(f"  note: {note}", highlight=False)


def print_files(rows: list[dict[str, Any]], json_output: bool) -> None:
    if json_output:
        _print_json(rows)
        return
    if not rows:
        out.print("No files imported yet.")
    for r in rows:
        periods = f" ({', '.join(str(p) for p in r['periods'])})" if r["periods"] else ""
        out.print(
            f"{r['anchor']}: {r['file']}{periods}: {r['rows_loaded']:,} loaded, "
            f"{r['rows_rejected']:,} rejected, {r['imported_at'][:19]}",
            highlight=False,
        )


def print_rejects(rows: list[dict[str, Any]], json_output: bool) -> None:
    if json_output:
        _print_json(rows)
        return
    for r in rows:
        where = f"{r['file']}" + (f", sheet {r['sheet']}" if r["sheet"] else "")
        out.print(f"{where}, row {r['row']}: {'; '.join(r['reasons'])}", highlight=False)
    out.print(f"{len(rows):,} rejected rows")


def main() -> None:
    app()

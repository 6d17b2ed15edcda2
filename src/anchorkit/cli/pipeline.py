"""The pipeline's own commands: init, anchor, ingest, rejects, indicators, settings, demo and
registry. Each command parses its arguments and calls one library function.
"""

from __future__ import annotations

import csv
import json
import shutil
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich import box
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from anchorkit import progress
from anchorkit.cli.common import _open, _print_json, app, err, friendly, out, state, wrapping_table
from anchorkit.csv_safe import safe_row
from anchorkit.errors import AnchorkitError
from anchorkit.schema import ANCHOR_KINDS
from anchorkit.settings import SETTINGS
from anchorkit.views import formatting as fmt
from anchorkit.workspace import Workspace

if TYPE_CHECKING:
    from anchorkit.source_files import FileResult

anchor_app = typer.Typer(help="Register and list anchor institutions.", no_args_is_help=True)
app.add_typer(anchor_app, name="anchor")


@app.command()
@friendly
def init(
    path: Annotated[
        Path | None, typer.Argument(help="Folder to create (default: the workspace).")
    ] = None,
) -> None:
    """Create a workspace: anchorkit.toml (settings) and an empty store."""
    with Workspace.init(path or state.workspace) as ws:
        out.print(f"Created workspace [bold]{ws.root.resolve()}[/bold]")
        out.print(
            "Next: anchorkit anchor add NAME --kind KIND, then anchorkit ingest FILE --anchor NAME"
        )


@anchor_app.command("add")
@friendly
def anchor_add(
    name: Annotated[
        str, typer.Argument(help="The anchor's name, e.g. 'Lakeshore General Hospital'.")
    ],
    kind: Annotated[str, typer.Option(help=f"One of: {', '.join(ANCHOR_KINDS)}.")],
    region: Annotated[str | None, typer.Option(help="Optional region label.")] = None,
    site_postcode: Annotated[
        str | None, typer.Option(help="The main site's postcode, for local.radius_km.")
    ] = None,
) -> None:
    """Register an anchor institution."""
    with _open() as ws:
        anchor = ws.add_anchor(name, kind, region, site_postcode)
        out.print(f"Added anchor {anchor.anchor_id}: [bold]{anchor.name}[/bold] ({anchor.kind})")


@anchor_app.command("list")
@friendly
def anchor_list(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the anchors of the workspace."""
    with _open() as ws:
        anchors = ws.anchors()
    if json_output:
        _print_json([a.__dict__ for a in anchors])
        return
    table = wrapping_table("id", "name", "kind")
    for a in anchors:
        table.add_row(str(a.anchor_id), a.name, a.kind)
    out.print(table)


@anchor_app.command("show")
@friendly
def anchor_show(
    name: Annotated[str, typer.Argument(help="The anchor's name.")],
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Show an anchor: its files and the column layouts remembered for its next files."""
    from anchorkit.ingest import list_sources, saved_layouts

    with _open() as ws:
        anchor = ws.anchor(name)
        layouts = saved_layouts(ws, anchor)
        files = list_sources(ws, anchor=anchor.name)
    if json_output:
        _print_json(
            {
                **anchor.__dict__,
                "files": [{k: v for k, v in f.to_json().items() if k != "mapping"} for f in files],
                "layouts": layouts,
            }
        )
        return
    out.print(f"[bold]{anchor.name}[/bold] ({anchor.kind}), anchor {anchor.anchor_id}")
    out.print(
        f"{len(files)} file{'s' if len(files) != 1 else ''}, "
        f"{sum(f.rows_loaded for f in files):,} lines loaded"
    )
    if not layouts:
        out.print("No layout remembered yet: the first file ingested for it sets one.")
    for layout in layouts:
        headers = "no header row" if layout["signature"].startswith("width:") else "headers"
        out.print(
            f"\nLayout from {layout.get('file') or 'a mapping'} ({layout.get('how', 'mapping given')}, "
            f"{headers}), saved {layout['saved_at'][:19]}:",
            highlight=False,
        )
        for field, ref in layout["columns"].items():
            where = f"column {ref}" if isinstance(ref, int) else repr(ref)
            out.print(f"   {field:<18} ← {where}", highlight=False)


def _print_mapping(result: FileResult) -> None:
    """Which header became which field, how sure and why; the columns left unused."""
    for layout in result.mapping:
        where = f"sheet {layout['sheet']!r}, " if layout.get("sheet") else ""
        out.print(f"   columns ({where}{layout['how']}):", highlight=False)
        for field, choice in layout["fields"].items():
            out.print(
                f"     {field:<17} {choice['confidence']:>4.0%}  {choice['reason']}",
                highlight=False,
            )
        unused = [u["header"] for u in layout["unused"]]
        if unused:
            out.print(f"     unused: {', '.join(repr(u) for u in unused)}", highlight=False)


@app.command()
@friendly
def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="Spend files: CSV/TSV/TXT, XLSX, XLS, OCDS JSON.")
    ],
    anchor: Annotated[
        str, typer.Option("--anchor", "-a", help="The anchor these files belong to.")
    ],
    map_option: Annotated[
        list[str] | None,
        typer.Option(
            "--map",
            help="FIELD=HEADER: read this field from the column with this header (or 1-based "
            "column number), e.g. --map supplier_name=Name; repeatable; remembered for the "
            "anchor's files of this layout.",
        ),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="A mapping TOML naming the columns; saved for the anchor.")
    ] = None,
    replace: Annotated[
        bool,
        typer.Option(
            "--replace",
            help="Re-read files loaded already (e.g. with a new --map), replacing their lines "
            "and rejected rows in one transaction.",
        ),
    ] = False,
    json_output: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
) -> None:
    """Load spend files; bad rows are kept as rejected rows, re-ingesting a file changes nothing.

    Columns are recognised from their headers and values; the report says which header became
    which field, how sure and why. Below ingest.min_confidence a file stops with the columns
    found and the --map option to pass; the other files still load.
    """
    # the readers: only here, so that other commands do not import them
    from anchorkit.ingest import ingest_files, load_mapping_file, parse_map_options
    from anchorkit.ingest.mapping import UserMapping

    user_mapping = load_mapping_file(mapping) if mapping else None
    named = parse_map_options(map_option or [])
    if named is not None:
        base = user_mapping.columns if user_mapping else {}
        user_mapping = (
            UserMapping(**{**user_mapping.__dict__, "columns": {**base, **named.columns}})
            if user_mapping
            else named
        )
    with _open() as ws:
        ws.anchor(anchor)
        with Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[step]}"),
            TimeElapsedColumn(),
            console=err,
            transient=True,
            disable=json_output or not err.is_terminal,
        ) as bar:
            task = bar.add_task("ingesting", total=len(files), step="")

            def progress(path: Path, step: str) -> None:
                bar.update(task, description=path.name, step=step)
                if step == "reading" and path != files[0]:
                    bar.advance(task)

            results = ingest_files(
                ws, files, anchor, mapping=user_mapping, progress=progress, replace=replace
            )
    if json_output:
        _print_json(
            [
                {
                    k: r.to_json()[k]
                    for k in (
                        "file",
                        "file_id",
                        "rows_read",
                        "rows_loaded",
                        "rows_rejected",
                        "already_loaded",
                        "replaced",
                        "error",
                    )
                }
                | {"rows_skipped": r.rows_skipped, "notes": r.notes, "mapping": r.mapping}
                for r in results
            ]
        )
    else:
        for r in results:
            if r.error:
                err.print(f"[red]✗ {r.error}[/red]", highlight=False)
            elif r.already_loaded:
                out.print(
                    f"= {Path(r.file).name}: already loaded ({r.rows_loaded:,} lines); nothing "
                    "changed (to read it again with another mapping: --replace --map ...)",
                    highlight=False,
                )
            else:
                out.print(
                    f"✓ {Path(r.file).name}: {r.rows_read:,} rows read, {r.rows_loaded:,} loaded, "
                    f"{r.rows_rejected:,} rejected"
                    + (" (replacing what it gave before)" if r.replaced else "")
                    + (
                        f" (see: anchorkit rejects --file {r.file_id[:12]})"
                        if r.rows_rejected and r.file_id
                        else ""
                    ),
                    highlight=False,
                )
                _print_mapping(r)
                for note in r.notes:
                    out.print(f"   · {note}", highlight=False)
    if any(r.error for r in results):
        raise typer.Exit(1)


@app.command()
@friendly
def rejects(
    file: Annotated[
        str | None, typer.Option("--file", help="File id (a prefix is enough).")
    ] = None,
    anchor: Annotated[str | None, typer.Option(help="Only this anchor's rows.")] = None,
    csv_output: Annotated[
        bool, typer.Option("--csv", help="CSV on stdout, for a spreadsheet.")
    ] = False,
    json_output: Annotated[bool, typer.Option("--json")] = False,
    limit: Annotated[int | None, typer.Option(help="Show at most this many rows.")] = None,
) -> None:
    """List rejected rows with their file, row and every reason."""
    with _open() as ws:
        from anchorkit.ingest import list_rejects

        rows = list_rejects(ws, file_id=file, anchor=anchor, limit=limit)
    if json_output:
        _print_json([r.to_json() for r in rows])
    elif csv_output:
        writer = csv.writer(sys.stdout)
        writer.writerow(["file", "file_id", "anchor", "sheet", "row", "reasons", "raw_cells"])
        for r in rows:  # cells of uploaded files: a spreadsheet must never run them
            writer.writerow(
                safe_row(
                    [
                        r.file,
                        r.file_id,
                        r.anchor,
                        r.sheet or "",
                        r.source_row,
                        "; ".join(r.reasons),
                        json.dumps(r.raw_cells, ensure_ascii=False),
                    ]
                )
            )
    else:
        table = wrapping_table("file", "sheet", "row", "reasons", "cells", numeric=("row",))
        for r in rows:
            cells = ", ".join(f"{k}={v}" for k, v in r.raw_cells.items() if v is not None)
            table.add_row(r.file, r.sheet or "", str(r.source_row), "; ".join(r.reasons), cells)
        out.print(table)
        out.print(f"{len(rows):,} rejected rows")


@app.command()
@friendly
def indicators(
    by: Annotated[
        str | None,
        typer.Option(
            help="anchor, year, category (shared taxonomy), raw_category, supplier or neighbourhood."
        ),
    ] = None,
    anchor: Annotated[str | None, typer.Option(help="Only this anchor.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Total, addressable and local spend, lines, suppliers and top suppliers."""
    from anchorkit.analytics.targets import target_progress
    from anchorkit.views.levers import lever_sections

    with _open() as ws:
        from anchorkit.analytics import compute_indicators

        result = compute_indicators(ws, by=by, anchor=anchor)
        targets = [p.to_json() for p in target_progress(ws, anchor=anchor)]
        levers = lever_sections(ws, anchor=anchor)
    data = result.to_json()
    data["targets"] = targets
    data.update(levers)  # the other two levers beside spend: "hiring", "investment"
    if json_output:
        _print_json(data)
        return
    net = data["network"]
    out.print(f"[bold]{'Anchor ' + anchor if anchor else 'Network'}[/bold]")
    for key in (
        "total_spend",
        "addressable_spend",
        "excluded_spend",
        "not_a_purchase_spend",
        "local_spend",
        "unknown_location_spend",
        "local_share",
        "local_share_of_known",
        "lines",
        "suppliers",
    ):
        out.print(f"  {key:<24} {_fmt(net[key])}")
    if data["rows"]:
        # money is shortened here (k, M, B) so the table fits a terminal; --json is exact
        table = Table(box=box.SIMPLE_HEAD, pad_edge=False)
        # whole names: wrapped on a narrow terminal, never cut short
        table.add_column(by or "", overflow="fold")
        money = ["total_spend", "local_spend", "unknown_location_spend"]
        if net["excluded_spend"] != "0.00":  # only worth a column when something is excluded
            money.insert(1, "addressable_spend")
        heads = {
            "total_spend": "total",
            "addressable_spend": "address.",
            "local_spend": "local",
            "unknown_location_spend": "unknown",
        }
        for name in [heads[m] for m in money] + ["local %", "lines", "suppl."]:
            table.add_column(name, justify="right", no_wrap=True, min_width=max(len(name), 7))
        for row in data["rows"]:
            table.add_row(
                str(row[by or ""]),
                *(fmt.money_short(row[k]) for k in money),
                _fmt(row["local_share"]),
                _fmt(row["lines"]),
                _fmt(row["suppliers"]),
            )
        out.print(table)
    if targets:
        table = wrapping_table(
            "target",
            "year",
            "target",
            "actual",
            "gap",
            "progress",
            numeric=("year", "actual", "gap", "progress"),
        )
        for p in targets:
            name = p["indicator"]
            show = [fmt.figure(name, p["target"]), fmt.figure(name, p["actual"])]
            table.add_row(
                name, str(p["year"]), *show, fmt.change(name, p["gap"]), fmt.percent(p["progress"])
            )
        out.print(table)
    if net["top_suppliers"]:
        table = wrapping_table(
            "top supplier", "spend", "lines", "anchors", numeric=("spend", "lines", "anchors")
        )
        for s in net["top_suppliers"]:
            table.add_row(s["supplier"], _fmt(s["spend"]), _fmt(s["lines"]), str(s["anchors"]))
        out.print(table)


def _fmt(value: Any) -> str:
    """An indicator's value as it reads on every face: a float is a share, an int a count, a
    decimal string an amount (views/formatting.py)."""
    if value is None:
        return "n/a"
    if isinstance(value, float):
        return fmt.share(value)
    if isinstance(value, int):
        return fmt.count(value)
    if isinstance(value, str) and value.replace(".", "", 1).lstrip("-").isdigit():
        return fmt.money(value)
    return str(value)


@app.command()
@friendly
def settings(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Show every setting with its value and help."""
    with _open() as ws:
        values = {s.name: ws.settings[s.name] for s in SETTINGS}
    if json_output:
        _print_json(values)
        return
    for s in SETTINGS:
        out.print(f"[bold]{s.name}[/bold] = {values[s.name]!r}\n   {s.help}")


@app.command()
@friendly
def demo(
    path: Annotated[
        Path, typer.Argument(help="Folder for the demo network and its workspace.")
    ] = Path("demo-network"),
    anchors: Annotated[int, typer.Option(help="How many anchors (1-17).")] = 17,
    lines: Annotated[int, typer.Option(help="Spend lines to generate.")] = 250_000,
    seed: Annotated[int, typer.Option(help="Random seed: same seed, same files.")] = 42,
    force: Annotated[bool, typer.Option(help="Replace the folder if it exists.")] = False,
) -> None:
    """Build a fictional Toronto-style collaborative and run the pipeline on it.

    Writes the spend files and registries, ingests them, imports the registries and resolves
    suppliers; the ground truth is written beside them.
    """
    from anchorkit.demo.pipeline import DemoStep, run_demo

    if path.exists():
        if not force:
            raise AnchorkitError(f"{path} exists; pass --force to replace it.")
        shutil.rmtree(path)
    # a line per step as each finishes (on a terminal, in a log, in CI alike); meanwhile the
    # running step's progress (anchorkit.progress: a bar on a terminal, a heartbeat in a log)
    err.print(f"Building the demo network in {path} ({anchors} anchors, {lines:,} lines):")

    def finished(s: DemoStep) -> None:
        err.print(f"  ✓ {s.line()}", highlight=False)

    with progress.reporting("demo"):
        summary = run_demo(path, anchors=anchors, lines=lines, seed=seed, done=finished)
    network, resolution = summary.network, summary.resolution
    out.print(
        f"Demo network in [bold]{path}[/bold]: {len(network.anchors)} anchors, "
        f"{len(network.files)} files, {summary.lines_loaded:,} lines loaded, "
        f"{summary.rows_rejected:,} rows rejected; {summary.registry_entries:,} registry entries; "
        f"{resolution.suppliers if resolution else 0:,} suppliers resolved "
        f"(ground truth in {network.truth_dir})."
    )


registry_app = typer.Typer(
    help="Import and list registries of certified, owned and member businesses.",
    no_args_is_help=True,
)
app.add_typer(registry_app, name="registry")


@registry_app.command("import")
@friendly
def registry_import(
    file: Annotated[
        Path, typer.Argument(help="A registry file: CSV/TSV, XLSX, XLS, or an OCDS JSON package.")
    ],
    registry: Annotated[
        str, typer.Option("--registry", "-r", help="The registry's name, e.g. 'bc-indigenous'.")
    ],
    tag: Annotated[
        list[str] | None,
        typer.Option(
            "--tag",
            "-t",
            help="What the registry certifies, for every entry (repeatable), e.g. co_op. "
            "Not for OCDS files, whose SME/VCSE flags give the tags.",
        ),
    ] = None,
    mapping: Annotated[
        Path | None, typer.Option(help="A registry mapping TOML (see docs/registries.md).")
    ] = None,
    json_output: Annotated[bool, typer.Option("--json", help="The result as JSON.")] = False,
) -> None:
    """Import a registry as a snapshot: a newer file replaces its entries; same bytes, no-op."""
    from anchorkit.resolve.registries import import_registry, load_registry_mapping

    registry_mapping = load_registry_mapping(mapping) if mapping else None
    with _open() as ws:
        result = import_registry(ws, file, registry, tag or [], registry_mapping)
    if json_output:
        _print_json(result.to_json())
    elif result.error:
        err.print(f"[red]✗ {result.error}[/red]", highlight=False)
    elif result.already_loaded:
        out.print(
            f"= {file.name}: already imported into {result.registry!r} "
            f"({result.rows_loaded:,} entries); nothing changed"
        )
    else:
        out.print(
            f"✓ {file.name} → {result.registry!r}: {result.rows_read:,} rows read, "
            f"{result.rows_loaded:,} loaded, {result.rows_rejected:,} rejected",
            highlight=False,
        )
        skipped = {k: n for k, n in result.rows_skipped.items() if n and k != "header"}
        if skipped:
            shown = ", ".join(f"{n:,} {k.replace('_', ' ')}" for k, n in skipped.items())
            out.print(f"   · skipped: {shown}", highlight=False)
        for note in result.notes:
            out.print(f"   · {note}", highlight=False)
    if result.error:
        raise typer.Exit(1)


@registry_app.command("list")
@friendly
def registry_list(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List registries: entries, expired entries, tags and the last import."""
    from anchorkit.resolve.registries import list_registries

    with _open() as ws:
        registries = list_registries(ws)
    if json_output:
        _print_json([r.to_json() for r in registries])
        return
    table = wrapping_table(
        "registry", "entries", "expired", "tags", "last import", numeric=("entries", "expired")
    )
    for r in registries:
        table.add_row(
            r.registry,
            f"{r.entries:,}",
            f"{r.expired:,}",
            "\n".join(f"{t} {n:,}" for t, n in r.tags.items()),
            f"{r.last_file}\n{r.last_imported_at} · {r.files} file{'s' if r.files != 1 else ''}",
        )
    out.print(table)

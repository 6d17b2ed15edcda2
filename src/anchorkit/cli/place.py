"""CLI commands of place: locate, region add/list, place (suppliers)."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Annotated

import typer

from anchorkit.cli.common import _open, _print_json, app, friendly, out, state
from anchorkit.place import Region, locate
from anchorkit.place.network import place_suppliers, regions
from anchorkit.place.stats import community_stats, import_stats
from anchorkit.workspace import resolve_path

region_app = typer.Typer(help="Region packs: boundaries with priority areas.", no_args_is_help=True)
app.add_typer(region_app, name="region")


@app.command("locate")
@friendly
def locate_command(
    code: Annotated[str, typer.Argument(help="A postal code, postcode, FSA, outcode or ZIP.")],
    country: Annotated[str | None, typer.Option(help="CA, GB or US when ambiguous.")] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Where a postal code is: point, areas, neighbourhood, priority area (offline)."""
    root = resolve_path(state.workspace)
    packs = []
    if (root / "anchorkit.toml").exists():
        with _open() as ws:
            packs = regions(ws)
    found = locate(code, country=country, regions=packs)
    data = dataclasses.asdict(found)
    if json_output:
        _print_json(data)
        return
    if found.precision == "unknown":
        out.print(f"{code}: unknown ({found.reason})")
        return
    out.print(
        f"{found.postcode} ({found.country}, precision {found.precision}) at {found.lat}, {found.lon}"
    )
    for key, value in found.areas.items():
        out.print(f"  {key}: {value}")
    if found.neighbourhood:
        flag = {True: "priority area", False: "not a priority area", None: "priority unknown"}
        out.print(f"  neighbourhood: {found.neighbourhood} ({flag[found.priority_area]})")


@region_app.command("list")
@friendly
def region_list() -> None:
    """Region packs: shipped, and this workspace's own."""
    with _open() as ws:
        own = Region.available(ws.root / "regions") if (ws.root / "regions").exists() else []
        used = ws.settings["place.regions"]
    for name in sorted(set(Region.available()) | set(own)):
        where = "workspace" if name in own else "shipped"
        out.print(f"{name} ({where}){'  [in place.regions]' if name in used else ''}")


@region_app.command("add")
@friendly
def region_add(
    geojson: Annotated[Path, typer.Argument(help="A GeoJSON file of polygons.")],
    name: Annotated[str, typer.Option(help="The region's name, e.g. 'my-city'.")],
    priority_field: Annotated[
        str | None, typer.Option(help="The property that marks priority areas.")
    ] = None,
    priority_value: Annotated[
        list[str] | None, typer.Option(help="Values of that property that mean priority.")
    ] = None,
    priority_max: Annotated[
        float | None,
        typer.Option(help="Or: numbers at or below this are priority (e.g. decile 2)."),
    ] = None,
    name_field: Annotated[str | None, typer.Option(help="The property naming each area.")] = None,
) -> None:
    """Add your own region (e.g. a deprivation index by decile) to the workspace."""
    with _open() as ws:
        region = Region.from_geojson(
            geojson,
            name,
            priority_field=priority_field,
            priority_values=priority_value,
            priority_max=priority_max,
            name_field=name_field,
        )
        path = region.write(ws.root / "regions" / f"{name}.geojson")
    out.print(f'Region {name!r} saved to {path}. Use it with: place.regions = ["{name}"]')


@region_app.command("stats")
@friendly
def region_stats(
    file: Annotated[
        Path | None,
        typer.Argument(help="A table of neighbourhood statistics: an area column, numbers."),
    ] = None,
    source: Annotated[
        str | None, typer.Option(help="Where the figures come from, e.g. 'Census 2021'.")
    ] = None,
    year: Annotated[int | None, typer.Option(help="The year the figures describe.")] = None,
    region: Annotated[
        str | None, typer.Option(help="The region pack (default: the first of place.regions).")
    ] = None,
    rename: Annotated[
        list[str] | None,
        typer.Option(
            help="KEY=NEW: name a statistic, e.g. prevalence_of_low_income=low_income_rate."
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Import neighbourhood statistics (low-income rate, unemployment...), or list them."""
    with _open() as ws:
        if file is None:
            stats = [s.to_json() for s in community_stats(ws)]
            if json_output:
                _print_json(stats)
                return
            keys: dict[str, dict[str, object]] = {}
            for s in stats:
                keys.setdefault(str(s["statistic"]), {**s, "areas": 0})["areas"] += 1  # type: ignore[operator]
            if not keys:
                out.print(
                    "No neighbourhood statistics yet: anchorkit region stats FILE --source ..."
                )
            for key, s in keys.items():
                out.print(
                    f"{key}: {s['areas']} areas, {s['label']!r}, {s['year'] or 'year not given'}, "
                    f"{s['source']}",
                    highlight=False,
                )
            return
        renames = dict(item.split("=", 1) for item in rename or [] if "=" in item)
        result = import_stats(
            ws, file, region=region, source=source or "", year=year, rename=renames
        )
    if json_output:
        _print_json(result.to_json())
        return
    out.print(
        f"{Path(result.file).name}: {result.rows_loaded:,} areas loaded, {result.rows_rejected:,} "
        f"rejected (of {result.rows_read:,}); statistics: {', '.join(result.statistics)}",
        highlight=False,
    )
    for r in result.rejected[:10]:
        out.print(f"  row {r['row']}: {'; '.join(r['reasons'])}", highlight=False)
    for note in result.notes:
        out.print(f"  note: {note}", highlight=False)
    out.print(f"Saved to {result.saved_to}.", highlight=False)


@app.command("place")
@friendly
def place_command() -> None:
    """Place every resolved supplier from its best evidence (registry address over spend postcode)."""
    with _open() as ws:
        count = place_suppliers(ws)
    out.print(f"{count:,} suppliers placed (anchorkit supplier show ID shows where).")

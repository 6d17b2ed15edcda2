"""Place applied to a workspace: where each supplier is, and what counts as local.

Two things live here so that indicators, reports and pages agree on them: the placement of
every postcode the network knows (one vectorised :func:`locate_many` call over the distinct
codes, registered as a table), and the one rule that classes a placed line as ``local``,
``non_local`` or ``unknown`` — from the workspace settings, as people think of "local":
named areas (``local.areas``, e.g. ``local_authority: Preston``) or, failing that, postcode
prefixes (issue 1's rule, kept as an option). Unknown is never silently non-local.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from anchorkit.errors import SettingsError
from anchorkit.place.locate import locate_many
from anchorkit.place.regions import Region
from anchorkit.settings import Settings
from anchorkit.workspace import Workspace

PLACED = "__anchorkit__placed"
#: the areas a supplier's ``local_area`` names when ``local.areas`` does not say which, finest
#: first: a UK local authority, a Canadian or US city, a US county
LOCAL_AREA_KEYS = ("local_authority", "city", "county")


def regions(ws: Workspace) -> list[Region]:
    """The region packs the workspace uses: its own folder first, then the shipped packs."""
    return [Region.load(name, ws.root / "regions") for name in ws.settings["place.regions"]]


@dataclass(frozen=True)
class AreaRule:
    """``column: value`` pairs; a place matching any of them is in the area."""

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, items: Sequence[str], setting: str) -> AreaRule:
        pairs = []
        for item in items:
            column, sep, value = item.partition(":")
            if not sep or not column.strip() or not value.strip():
                raise SettingsError(
                    f"{setting} entries are 'column: value', e.g. 'local_authority: Preston' or "
                    f"'toronto_municipality: City of Toronto'; got {item!r}."
                )
            pairs.append((column.strip(), value.strip()))
        return cls(tuple(pairs))

    def sql(self, columns: Sequence[str]) -> str:
        """SQL: 'local' / 'non_local' / 'unknown' for a row of the placement table."""
        missing = [c for c, _ in self.pairs if c not in columns]
        if missing:
            raise SettingsError(
                f"local area column {missing[0]!r} is not known; use one of: "
                f"{', '.join(c for c in columns if c not in ('input', 'reason'))} "
                "(region columns need the region in place.regions)."
            )
        hit = " OR ".join(
            f"lower(p.{c}) = lower('{v.replace(chr(39), chr(39) * 2)}') "
            f"OR lower(p.{c}_code) = lower('{v.replace(chr(39), chr(39) * 2)}')"
            if f"{c}_code" in columns
            else f"lower(p.{c}) = lower('{v.replace(chr(39), chr(39) * 2)}')"
            for c, v in self.pairs
        )
        known = " AND ".join(f"p.{c} IS NOT NULL" for c, _ in self.pairs)
        return (
            f"CASE WHEN p.precision IS NULL OR p.precision = 'unknown' THEN 'unknown' "
            f"WHEN {hit} THEN 'local' WHEN NOT ({known}) THEN 'unknown' ELSE 'non_local' END"
        )


def place_codes(ws: Workspace, codes_sql: str) -> list[str]:
    """Place every distinct code the query returns; registers the ``PLACED`` table."""
    codes = ws.engine.query_arrow("codes_to_place", f"SELECT DISTINCT code FROM ({codes_sql})")
    country = str(ws.settings["place.country"]) or None
    table = locate_many(codes.column("code"), country=country, regions=regions(ws))
    try:
        ws.engine.unregister(PLACED)
    except Exception:  # nothing registered yet
        pass
    ws.engine.register(PLACED, table)
    return list(table.column_names)


def location_sql(settings: Settings, columns: Sequence[str], setting: str = "local.areas") -> str:
    """The local rule as SQL over ``p`` (the line's placement), ``site`` (its anchor's site
    placement) and ``code`` (the raw postcode text): areas, else a radius, else prefixes."""
    areas = settings[setting]
    if areas:
        return AreaRule.parse(areas, setting).sql(columns)
    if setting != "local.areas":
        return "NULL"
    radius = float(settings["local.radius_km"])
    if radius > 0:
        distance = (
            "2 * 6371.0088 * asin(sqrt(pow(sin(radians(site.lat - p.lat) / 2), 2) + "
            "cos(radians(p.lat)) * cos(radians(site.lat)) * "
            "pow(sin(radians(site.lon - p.lon) / 2), 2)))"
        )
        return (
            "CASE WHEN p.lat IS NULL OR site.lat IS NULL THEN 'unknown' "
            f"WHEN {distance} <= {radius} THEN 'local' ELSE 'non_local' END"
        )
    prefixes = [
        p.upper().replace(" ", "") for p in settings["local.postcode_prefixes"] if p.strip()
    ]
    compact = "upper(regexp_replace(coalesce(code, ''), '[^A-Za-z0-9]', '', 'g'))"
    is_local = " OR ".join(f"starts_with({compact}, '{p}')" for p in prefixes) or "false"
    return (
        f"CASE WHEN length({compact}) < 3 OR NOT regexp_matches({compact}, '[0-9]') "
        f"THEN 'unknown' WHEN {is_local} THEN 'local' ELSE 'non_local' END"
    )


def local_area_keys(settings: Settings) -> list[str]:
    """The area columns a supplier's ``local_area`` is read from, in order: those the network's
    ``local.areas`` rule names (its local area is counted in them), then :data:`LOCAL_AREA_KEYS`."""
    named = [c for c, _ in AreaRule.parse(settings["local.areas"], "local.areas").pairs]
    return list(dict.fromkeys([*named, *LOCAL_AREA_KEYS]))


def place_suppliers(ws: Workspace) -> int:
    """Place every supplier from its best evidence: a registry's postcode over spend files'.

    Writes the postcode, point, precision, neighbourhood, priority flag, every area the place
    falls in and ``local_area``: the area the place is in at the level the network counts
    "local" (see :func:`local_area_keys`) — "Preston", "City of Toronto", "North York"."""
    engine = ws.engine
    best = """
        SELECT supplier_id, arg_max(postcode, weight) AS code FROM (
            SELECT supplier_id, postcode,
                   max(CASE WHEN registry IS NOT NULL THEN 1e9 ELSE 0 END) + count(*) AS weight
            FROM supplier_alias WHERE postcode IS NOT NULL GROUP BY ALL
        ) GROUP BY supplier_id
    """
    place_codes(ws, f"SELECT code FROM ({best})")
    rows = engine.query(
        "supplier_places",
        f"""
        SELECT b.supplier_id, p.postcode, p.precision, p.lat, p.lon, p.neighbourhood,
               p.priority_area, p.reason, to_json(p) AS areas
        FROM ({best}) b JOIN {PLACED} p ON p.input = b.code
        """,
    )
    areas = [{k: v for k, v in json.loads(r[8]).items() if v is not None} for r in rows]
    keys = local_area_keys(ws.settings)
    table = pa.table(
        {
            "supplier_id": [r[0] for r in rows],
            "postcode": [r[1] for r in rows],
            "place_precision": [r[2] for r in rows],
            "lat": pa.array([r[3] for r in rows], pa.float64()),
            "lon": pa.array([r[4] for r in rows], pa.float64()),
            "neighbourhood": [r[5] for r in rows],
            "priority_area": pa.array([r[6] for r in rows], pa.bool_()),
            "place_reason": [r[7] for r in rows],
            "areas": [json.dumps(a) for a in areas],
            "local_area": [next((a[k] for k in keys if a.get(k)), None) for a in areas],
        }
    )
    engine.register("__anchorkit__supplier_places", table)
    try:
        with engine.transaction():
            engine.run(
                "write_supplier_places",
                """
                UPDATE supplier AS s SET postcode = coalesce(p.postcode, s.postcode),
                    place_precision = p.place_precision, lat = p.lat, lon = p.lon,
                    neighbourhood = p.neighbourhood, priority_area = p.priority_area,
                    place_reason = p.place_reason, areas = p.areas::JSON,
                    local_area = p.local_area
                FROM __anchorkit__supplier_places p WHERE p.supplier_id = s.supplier_id
                """,
            )
    finally:
        engine.unregister("__anchorkit__supplier_places")
    return len(rows)


def supplier_location_classes(ws: Workspace) -> dict[str, str]:
    """Every placed supplier's class under the network's local rule — ``local``, ``non_local``
    or ``unknown`` — as the indicators class its lines (:func:`location_sql`). Under a radius
    rule a supplier is local when it is within the radius of any anchor's site."""
    engine = ws.engine
    codes = "SELECT postcode AS code FROM supplier UNION ALL SELECT site_postcode FROM anchor"
    columns = place_codes(ws, codes)
    rule = location_sql(ws.settings, columns)
    rows = engine.query(
        "supplier_location_classes",
        f"""
        SELECT s.supplier_id, list(DISTINCT {rule}) AS classes
        FROM (SELECT supplier_id, postcode AS code FROM supplier) s
        LEFT JOIN {PLACED} p ON p.input = s.code
        LEFT JOIN (SELECT ps.* FROM anchor a JOIN {PLACED} ps ON ps.input = a.site_postcode) site
            ON TRUE
        GROUP BY s.supplier_id
        """,
    )
    order = ("local", "non_local", "unknown")
    return {
        supplier: next((c for c in order if c in (classes or [])), "unknown")
        for supplier, classes in rows
    }

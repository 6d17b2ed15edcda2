"""Home areas: where an anchor's staff live, as aggregate files give it, placed like suppliers.

A workforce file never names a person's address: it counts people by a coarse *home area* — a
Canadian FSA (``M1B``), a UK outcode (``PR1``), a US ZIP, or a neighbourhood of a region pack
(``Malvern``, or its code ``132``). Each is placed here so the hiring figures use the very rule
suppliers are judged by (:func:`anchorkit.place.network.location_sql`):

- a postcode of any precision is placed by :func:`anchorkit.place.locate.locate_many`, exactly as
  a supplier's;
- a neighbourhood named by a region pack (by name or code, case and punctuation ignored) is that
  feature: its region columns, its priority flag, and its representative point (for
  ``local.radius_km``). It has no postcode, so a postcode-prefix local rule cannot judge it
  (it stays unknown, never guessed).

Neighbourhood figures (the map, the community table, the priority-area share of hires) need to
know *how many* of an FSA's people live in each neighbourhood, which an aggregate cannot say. They
are apportioned by the share of the code's full postcodes that lie in each neighbourhood
(:func:`neighbourhood_shares`): an estimate, labelled as one wherever it is shown. A code placed
whole (a neighbourhood, a full postcode, a coarse code at least `COARSE_SHARE` in one feature)
has a share of 1.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import shapely  # type: ignore[import-untyped]

from anchorkit.place import directory
from anchorkit.place.locate import locate_many, region_columns
from anchorkit.place.network import regions
from anchorkit.place.regions import Feature, Region
from anchorkit.workspace import Workspace

#: placements of the same codes in the same packs: reading the directories and placing every
#: postcode of an FSA costs seconds, and the answer only changes with the codes or the packs
_PLACED: dict[tuple[object, ...], tuple[pa.Table, pa.Table]] = {}
HOMES = "__anchorkit__home_places"
SHARES = "__anchorkit__home_shares"
AREA_PRECISION = "area"


def area_key(text: str | None) -> str:
    """A name or code compared without case, accents or punctuation ("Malvern (132)" keeps
    its number: the City's published names carry it)."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded).split())


def feature_index(packs: Sequence[Region]) -> dict[str, tuple[Region, Feature]]:
    """Every finest-layer feature of the packs by its name and its code (first pack wins)."""
    index: dict[str, tuple[Region, Feature]] = {}
    for region in packs:
        finest = region.layers[-1]
        for feature in region.features:
            if feature.layer != finest:
                continue
            published = area_key(f"{feature.name} ({feature.code})")  # "Black Creek (24)"
            for key in (area_key(feature.name), area_key(feature.code), published):
                if key and key not in index:
                    index[key] = (region, feature)
    return index


def place_areas(
    texts: Sequence[str | None], packs: Sequence[Region], country: str | None = None
) -> pa.Table:
    """One row per text, with the columns of :func:`locate_many` (so the local rule reads it):
    a neighbourhood's feature where the text names one, else the postcode's place."""
    table = locate_many(list(texts), country=country, regions=packs)
    index = feature_index(packs)
    named = [index.get(area_key(t)) if t else None for t in texts]
    if not any(named):
        return table
    rows = table.to_pylist()
    keys = region_columns(packs)
    for row, hit in zip(rows, named, strict=True):
        if hit is None or row["precision"] not in (None, "unknown"):
            continue
        region, feature = hit
        point = shapely.point_on_surface(feature.geometry)
        lat, lon = float(point.y), float(point.x)
        for key in keys:
            row[key] = None
        for pack in packs:  # every layer of every pack the point lies in
            for f in pack.features_at(lat, lon):
                row[f"{pack.name}_{f.layer}"] = f.name
                row[f"{pack.name}_{f.layer}_code"] = f.code
                if f"{pack.name}_{f.layer}_class" in row:
                    row[f"{pack.name}_{f.layer}_class"] = f.classification
        row[f"{region.name}_{feature.layer}"] = feature.name
        row[f"{region.name}_{feature.layer}_code"] = feature.code
        row.update(
            postcode=None,
            precision=AREA_PRECISION,
            lat=lat,
            lon=lon,
            neighbourhood=feature.name,
            priority_area=feature.priority,
            reason=None,
        )
    return pa.Table.from_pylist(rows, schema=table.schema)


def neighbourhood_shares(placed: pa.Table, packs: Sequence[Region]) -> pa.Table:
    """How each placed text's people spread over the first pack's neighbourhoods.

    Columns ``input, neighbourhood, priority_area, share``: a text placed in one neighbourhood
    has one row of share 1; a coarse code (FSA, outcode) not wholly inside one has a row per
    neighbourhood its full postcodes fall in, with the share of them there (and a row with no
    neighbourhood for the share outside the pack). A text with no place has no row.
    """
    out: dict[str, list[object]] = {
        "input": [],
        "neighbourhood": [],
        "priority_area": [],
        "share": [],
    }

    def add(text: str, hood: str | None, priority: bool | None, share: float) -> None:
        out["input"].append(text)
        out["neighbourhood"].append(hood)
        out["priority_area"].append(priority)
        out["share"].append(share)

    rows = placed.select(
        ["input", "postcode", "country", "precision", "neighbourhood", "priority_area"]
    )
    coarse: dict[str, list[str]] = {}
    for r in rows.to_pylist():
        text = r["input"]
        if text is None or r["precision"] in (None, "unknown"):
            continue
        if r["neighbourhood"] is not None or r["precision"] in ("full", AREA_PRECISION):
            add(text, r["neighbourhood"], r["priority_area"], 1.0)
        elif packs and r["precision"] in ("fsa", "outcode") and r["country"] in ("CA", "GB"):
            coarse.setdefault(r["country"], []).append(text)
            coarse.setdefault(f"{r['country']}:code", []).append(r["postcode"])
        else:  # a ZIP, or no pack: its area's people are somewhere unknown within it
            add(text, None, r["priority_area"], 1.0)
    for country in ("CA", "GB"):
        texts, codes = coarse.get(country, []), coarse.get(f"{country}:code", [])
        if texts:
            _apportion(texts, codes, country, packs[0], add)
    return pa.table(
        {
            "input": pa.array(out["input"], pa.string()),
            "neighbourhood": pa.array(out["neighbourhood"], pa.string()),
            "priority_area": pa.array(out["priority_area"], pa.bool_()),
            "share": pa.array(out["share"], pa.float64()),
        }
    )


def _apportion(
    texts: list[str],
    codes: list[str],
    country: str,
    region: Region,
    add: object,
) -> None:
    """Split each coarse code over the region's finest features by its postcodes' points."""
    group, lat, lon = directory.members(country, codes)
    ok = ~np.isnan(lat)
    group, lat, lon = group[ok], lat[ok], lon[ok]
    hits = region.locate_points(lat, lon)[-1] if len(lat) else np.zeros(0, np.int64)
    total = np.bincount(group, minlength=len(codes))
    for i, text in enumerate(texts):
        mine = hits[group == i]
        if total[i] == 0:
            add(text, None, None, 1.0)  # type: ignore[operator]
            continue
        features, counts = np.unique(mine, return_counts=True)
        for f, n in zip(features.tolist(), counts.tolist(), strict=True):
            feature = region.features[f] if f >= 0 else None
            add(  # type: ignore[operator]
                text,
                feature.name if feature else None,
                feature.priority if feature else (False if region.has_priority else None),
                round(n / total[i], 6),
            )


def place_home_codes(ws: Workspace, codes_sql: str) -> list[str]:
    """Place every distinct text the query returns (column ``code``); registers ``HOMES`` (the
    placement, for the local rule) and ``SHARES`` (:func:`neighbourhood_shares`). Returns the
    placement's columns."""
    found = ws.engine.query("home_codes", f"SELECT DISTINCT code FROM ({codes_sql})")
    texts = sorted(str(r[0]) for r in found if r[0] is not None)
    packs = regions(ws)
    country = str(ws.settings["place.country"]) or None
    key = (tuple(texts), tuple((p.name, len(p.features), p.bounds) for p in packs), country)
    if key not in _PLACED:
        placed = place_areas(texts, packs, country)
        _PLACED[key] = (placed, neighbourhood_shares(placed, packs))
        while len(_PLACED) > 16:  # the oldest first
            _PLACED.pop(next(iter(_PLACED)))
    placed, shares = _PLACED[key]
    for name, table in ((HOMES, placed), (SHARES, shares)):
        try:
            ws.engine.unregister(name)
        except Exception:  # nothing registered yet
            pass
        ws.engine.register(name, table)
    return list(placed.column_names)

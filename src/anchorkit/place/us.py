"""US: ``zipcodes`` (public ZIP data, MIT): ZIP → city, county, state and a point."""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from anchorkit.place.tables import (
    DirectoryMissing,
    Hits,
    take_hits,
)


@functools.cache
def us_zips() -> pa.Table:
    try:
        import zipcodes
    except ImportError as exc:  # pragma: no cover - a declared dependency
        raise DirectoryMissing(
            "the zipcodes package is not installed: pip install zipcodes"
        ) from exc
    rows: list[dict[str, Any]] = zipcodes.list_all()  # type: ignore[no-untyped-call]
    return pa.table(
        {
            "code": pa.array([r["zip_code"] for r in rows], pa.string()),
            "lat": pa.array([float(r["lat"]) if r["lat"] else None for r in rows], pa.float64()),
            "lon": pa.array([float(r["long"]) if r["long"] else None for r in rows], pa.float64()),
            "state": pa.array([r["state"] or None for r in rows], pa.string()),
            "county": pa.array([r["county"] or None for r in rows], pa.string()),
            "city": pa.array([r["city"] or None for r in rows], pa.string()),
        }
    )


def lookup_us(codes: pa.Array) -> Hits:
    table = us_zips()
    idx = pc.index_in(codes, value_set=table["code"].combine_chunks())
    found = np.asarray(idx.is_valid(), dtype=bool)
    hits = take_hits(table, idx, found)
    rows = table.take(idx)
    hits.areas = {k: rows[k].combine_chunks() for k in ("state", "county", "city")}
    return hits

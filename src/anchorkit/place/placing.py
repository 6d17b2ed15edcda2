"""Placing located codes in region packs: full postcodes by their point, coarse codes by share.

A full postcode is placed by its own point. A coarse code (an FSA or outcode) is placed in a
feature only when at least `COARSE_SHARE` of its full postcodes fall in that feature, and
flagged as a priority area (or not) only when that share of them agree; otherwise it is left
unplaced.
A US ZIP, whose extent is not known here, is never placed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from anchorkit.place import directory
from anchorkit.place.regions import Region, RegionError
from anchorkit.place.tables import COARSE_SHARE


@dataclass
class Unique:
    """Answers for the distinct inputs (numpy object arrays), filled in stage by stage."""

    n: int
    postcode: NDArray[np.object_]
    country: NDArray[np.object_]
    precision: NDArray[np.object_]
    reason: NDArray[np.object_]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    areas: dict[str, NDArray[np.object_]]


def place_in_regions(
    u: Unique, regions: Sequence[Region]
) -> tuple[dict[str, pa.Array], pa.Array, pa.Array]:
    """Region columns, neighbourhood and priority flag for the distinct inputs."""
    names_seen = [r.name for r in regions]
    if len(set(names_seen)) < len(names_seen):
        raise RegionError(f"two regions share a name: {names_seen}; give each its own")
    full = np.flatnonzero((u.precision == "full") & ~np.isnan(u.lat))
    coarse = np.flatnonzero((u.precision == "fsa") | (u.precision == "outcode"))
    members = _members(u, coarse, regions) if len(regions) and len(coarse) else None
    columns: dict[str, pa.Array] = {}
    neighbourhood = np.full(u.n, None, dtype=object)
    named = np.zeros(u.n, dtype=bool)
    priority = np.full(u.n, -1, dtype=np.int8)
    for region in regions:
        hits = np.full((len(region.layers), u.n), -1, dtype=np.int64)
        flag = np.full(u.n, -1, dtype=np.int8)
        if len(full):
            hits[:, full] = region.locate_points(u.lat[full], u.lon[full])
            flag[full] = region.priority_at(hits[:, full], np.ones(len(full), bool))
        if members is not None:
            _place_coarse(region, members, hits, flag)
        names = np.array([f.name for f in region.features] + [None], dtype=object)
        codes = np.array([f.code for f in region.features] + [None], dtype=object)
        classes = np.array([f.classification for f in region.features] + [None], dtype=object)
        for li, layer in enumerate(region.layers):
            key = f"{region.name}_{layer}"
            columns[key] = pa.array(names[hits[li]], pa.string())  # -1 → the trailing None
            columns[f"{key}_code"] = pa.array(codes[hits[li]], pa.string())
            if any(f.classification for f in region.features if f.layer == layer):
                columns[f"{key}_class"] = pa.array(classes[hits[li]], pa.string())
        finest = hits[-1]  # the neighbourhood is the region's finest layer (ward, neighbourhood)
        take = (finest >= 0) & ~named
        neighbourhood[take] = names[finest[take]]
        named |= take
        priority = np.where(flag == 1, 1, np.where((flag == 0) & (priority != 1), 0, priority))
    return (
        columns,
        pa.array(neighbourhood, pa.string()),
        pa.array(priority == 1, pa.bool_(), mask=priority < 0),
    )


Nearby = tuple[NDArray[np.intp], NDArray[np.float64], NDArray[np.float64], NDArray[np.intp]]


def _members(u: Unique, coarse: NDArray[np.intp], regions: Sequence[Region]) -> Nearby:
    """The full-postcode points of the coarse codes that reach into a region: (row, lat, lon).

    A coarse code whose postcodes all lie outside every region's bounding box is left out: it is
    in no feature, and (where a region has flags) in no priority area.
    """
    rows_all, lats, lons, far = [], [], [], []
    for ctry in ("CA", "GB"):
        rows = coarse[u.country[coarse] == ctry]
        if len(rows):
            box = directory.coarse_bounds(ctry, [str(c) for c in u.postcode[rows]])
            near = np.zeros(len(rows), bool)
            for region in regions:
                x0, y0, x1, y1 = region.bounds
                near |= (
                    (box[:, 0] <= x1) & (box[:, 2] >= x0) & (box[:, 1] <= y1) & (box[:, 3] >= y0)
                )
            far.append(rows[~near & ~np.isnan(box[:, 0])])
            rows = rows[near]
        if not len(rows):
            continue
        group, lat, lon = directory.members(ctry, [str(c) for c in u.postcode[rows]])
        ok = ~np.isnan(lat)
        rows_all.append(rows[group[ok]])
        lats.append(lat[ok])
        lons.append(lon[ok])
    far_rows = np.concatenate(far) if far else np.zeros(0, np.intp)
    if not rows_all:
        return (np.zeros(0, np.intp), np.zeros(0), np.zeros(0), far_rows)
    return (np.concatenate(rows_all), np.concatenate(lats), np.concatenate(lons), far_rows)


def _place_coarse(
    region: Region, members: Nearby, hits: NDArray[np.int64], flag: NDArray[np.int8]
) -> None:
    """Give coarse codes the features (and the flag) that ≥ COARSE_SHARE of their points share."""
    row, lat, lon, far = members
    if region.has_priority:  # far from every region: in none of its priority areas
        flag[far] = 0
    if not len(row):
        return
    member_hits = region.locate_points(lat, lon)
    total = np.bincount(row, minlength=hits.shape[1])
    width = len(region.features) + 1
    for li in range(len(region.layers)):
        inside = member_hits[li] >= 0
        keys, counts = np.unique(row[inside] * width + member_hits[li][inside], return_counts=True)
        rows, feats = np.divmod(keys, width)
        sure = counts >= COARSE_SHARE * total[rows]
        hits[li, rows[sure]] = feats[sure]
    member_flag = region.priority_at(member_hits, np.ones(len(row), bool))
    for value in (0, 1):
        count = np.bincount(row[member_flag == value], minlength=len(total))
        flag[(total > 0) & (count >= COARSE_SHARE * total)] = value

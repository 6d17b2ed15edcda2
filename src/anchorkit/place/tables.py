"""What the postcode directories share: the answer type, small Arrow/numpy helpers, the rule.

A coarse code (an FSA or outcode) gets an area only when at least `COARSE_SHARE` of its full
codes agree on it; otherwise the area is left empty and a note says why.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

COARSE_SHARE = 0.99
"""An FSA or outcode is given an area (city, local authority, neighbourhood) only when at least
this share of its full postcodes lie in that area: a fact about nearly all of it, not a guess."""

DATA = Path(__file__).resolve().parents[1] / "data" / "place"
BOX = ("min_lon", "min_lat", "max_lon", "max_lat")

Members = tuple[NDArray[np.int64], NDArray[np.float64], NDArray[np.float64]]
"""Full-postcode points of some coarse codes: (index of the coarse code, lat, lon)."""


class DirectoryMissing(RuntimeError):
    """A postcode package is not installed (the message names it)."""


def package_dir(module: str, distribution: str) -> Path:
    """Where an installed data package lives, without importing it (qlacref's reader needs pandas)."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise DirectoryMissing(
            f"the {distribution} package is not installed: pip install {distribution}"
        )
    return Path(next(iter(spec.submodule_search_locations)))


@dataclass
class Hits:
    """Lookup answers aligned with the codes asked about."""

    found: NDArray[np.bool_]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    areas: dict[str, pa.Array] = field(default_factory=dict)
    notes: list[str | None] | None = None


def floats(values: Any) -> NDArray[np.float64]:
    """A float column as numpy, nulls as NaN."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if not isinstance(values, pa.Array):
        values = pa.array(values, pa.float64())
    return np.asarray(values.cast(pa.float64()).to_numpy(zero_copy_only=False), dtype=np.float64)


def take_hits(table: pa.Table, indices: pa.Array, found: NDArray[np.bool_]) -> Hits:
    rows = table.take(indices)
    return Hits(found, floats(rows["lat"]), floats(rows["lon"]))


def majority(
    groups: pa.Array, values: pa.Array, n_groups: int
) -> tuple[NDArray[np.int64], NDArray[np.float64], pa.Array]:
    """For each group: index of its most common value (-1: none), that value's share, the values."""
    gi = np.asarray(groups, dtype=np.int64)
    enc = pc.dictionary_encode(values)
    vi = np.asarray(enc.indices.fill_null(-1).to_numpy(zero_copy_only=False), dtype=np.int64)
    keep = vi >= 0
    n_values = max(len(enc.dictionary), 1)
    counts = np.bincount(gi[keep] * n_values + vi[keep], minlength=n_groups * n_values)
    counts = counts.reshape(n_groups, n_values)
    totals = counts.sum(axis=1)  # rows with a value: an unknown value is no evidence either way
    best = counts.argmax(axis=1)
    top = counts[np.arange(n_groups), best]
    share = np.where(totals > 0, top / np.maximum(totals, 1), 0.0)
    best = np.where(top > 0, best, -1)
    return best, share, enc.dictionary


class SortedIndex:
    """Row numbers of short ASCII codes by binary search: built once, then cheap for any batch.

    (``pyarrow.compute.index_in`` rebuilds a hash table of the whole directory on every call,
    which costs a tenth of a second for Canada's 890,000 codes even when one code is asked.)
    """

    def __init__(self, keys: pa.Array) -> None:
        values = keys.to_numpy(zero_copy_only=False)
        self.width = int(pc.max(pc.utf8_length(keys)).as_py() or 1)
        encoded = values.astype(f"S{self.width}")
        self.order = np.argsort(encoded, kind="stable")
        self.keys = encoded[self.order]

    def find(self, codes: pa.Array) -> pa.Array:
        """Row number of each code (null where it is not there)."""
        if not len(codes):
            return pa.array([], pa.int64())
        too_long = np.asarray(
            pc.greater(pc.utf8_length(codes), self.width)
            .fill_null(True)
            .to_numpy(zero_copy_only=False),
            dtype=bool,
        )
        query = codes.fill_null("").to_numpy(zero_copy_only=False).astype(f"S{self.width}")
        pos = np.minimum(np.searchsorted(self.keys, query), len(self.keys) - 1)
        found = (self.keys[pos] == query) & ~too_long
        return pa.array(self.order[pos], pa.int64(), mask=~found)

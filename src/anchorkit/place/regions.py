"""Region packs: boundary polygons with a name, a code, a layer and a priority flag.

A region is one file of polygons in WGS84 longitude/latitude, in layers from coarse to fine (the
Lancashire pack: ``county_council`` → ``council`` → ``ward``; Toronto: ``municipality`` →
``neighbourhood``). Each feature may carry a priority flag (Toronto's Neighbourhood Improvement
Areas) and the equity classification it comes from (``NIA`` / ``Emerging Neighbourhood``).

Points are placed with shapely 2: one STRtree over all features, queried for a whole array of
points at once. A point on a shared boundary goes to the feature listed first.

Shipped packs live in ``anchorkit/data/regions`` (see SOURCE.md there); a user's own boundary file
comes in through `Region.from_geojson` and is kept with `Region.write` / `Region.read`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely  # type: ignore[import-untyped]
from numpy.typing import NDArray

from anchorkit.place.boundaries import (
    NAME_PATTERN,
    Feature,
    RegionError,
    features_from_geojson,
    read_document,
    write_document,
)

PACKS = Path(__file__).resolve().parents[1] / "data" / "regions"

__all__ = ["PACKS", "Feature", "Region", "RegionError"]


class Region:
    """A named set of boundary polygons; see the module docstring."""

    def __init__(
        self,
        name: str,
        features: Iterable[Feature],
        *,
        layers: Sequence[str] | None = None,
        title: str | None = None,
        attribution: str | None = None,
    ) -> None:
        if not NAME_PATTERN.fullmatch(name):
            raise RegionError(
                f"region name {name!r}: use lower-case letters, digits and _ (e.g. 'toronto')"
            )
        self.name = name
        self.features: tuple[Feature, ...] = tuple(features)
        if not self.features:
            raise RegionError(f"region {name!r} has no polygons")
        seen = list(dict.fromkeys(f.layer for f in self.features))
        self.layers: tuple[str, ...] = tuple(layers) if layers else tuple(seen)
        bad = [
            layer for layer in seen if layer not in self.layers or not NAME_PATTERN.fullmatch(layer)
        ]
        if bad:
            raise RegionError(f"region {name!r}: layer names {bad} are not declared or not valid")
        self.title = title or name
        self.attribution = attribution or ""
        geoms = np.array([f.geometry for f in self.features], dtype=object)
        if not all(isinstance(g, shapely.Geometry) for g in geoms):
            raise RegionError(f"region {name!r}: every feature needs a geometry")
        shapely.prepare(geoms)
        self._geoms = geoms
        self._tree = shapely.STRtree(geoms)
        self._layer_of = np.array([self.layers.index(f.layer) for f in self.features], np.int64)
        self._priority = np.array(
            [-1 if f.priority is None else int(f.priority) for f in self.features], np.int8
        )
        x0, y0, x1, y1 = (float(v) for v in shapely.total_bounds(geoms))
        self.bounds: tuple[float, float, float, float] = (x0, y0, x1, y1)

    def __repr__(self) -> str:
        return f"Region({self.name!r}, {len(self.features)} features, layers={list(self.layers)})"

    @property
    def has_priority(self) -> bool:
        """Whether any feature says whether it is a priority area."""
        return bool((self._priority >= 0).any())

    # --- placing points ---------------------------------------------------------------------

    def locate_points(self, lat: Any, lon: Any) -> NDArray[np.int64]:
        """Feature index per layer for each point: shape (layers, points), -1 where none.

        NaN coordinates fall in nothing. Where features of one layer overlap or share a boundary,
        the one listed first wins.
        """
        lat = np.asarray(lat, dtype=np.float64)
        lon = np.asarray(lon, dtype=np.float64)
        out = np.full((len(self.layers), len(lat)), -1, dtype=np.int64)
        x0, y0, x1, y1 = self.bounds
        near = np.flatnonzero((lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1))
        if not len(near):
            return out
        # the tree gives candidates by bounding box; each feature then tests its candidates with
        # its prepared polygon at once (the tree's own predicate prepares the points instead, and
        # is tens of times slower for many points in few detailed polygons)
        points, features = self._tree.query(shapely.points(lon[near], lat[near]))
        order = np.argsort(-features, kind="stable")  # last write wins: the first feature
        points, features = near[points[order]], features[order]
        inside = np.zeros(len(points), dtype=bool)
        starts = np.flatnonzero(np.r_[True, features[1:] != features[:-1]])
        for lo, hi in zip(starts, np.r_[starts[1:], len(points)], strict=True):
            mine = points[lo:hi]
            inside[lo:hi] = shapely.intersects_xy(self._geoms[features[lo]], lon[mine], lat[mine])
        points, features = points[inside], features[inside]
        out[self._layer_of[features], points] = features
        return out

    def priority_at(self, hits: NDArray[np.int64], valid: Any) -> NDArray[np.int8]:
        """1 in a priority feature, 0 placed but in none, -1 unknown (no point, or no flags)."""
        result = np.full(hits.shape[1], -1, dtype=np.int8)
        if not self.has_priority:
            return result
        result[np.asarray(valid, dtype=bool)] = 0
        flagged = np.where(hits >= 0, self._priority[np.maximum(hits, 0)], -1)
        result[(flagged == 1).any(axis=0)] = 1
        return result

    def features_at(self, lat: float, lon: float) -> list[Feature]:
        """Every feature containing the point, coarse layer to fine."""
        hits = self.locate_points([lat], [lon])[:, 0]
        return [self.features[i] for i in hits if i >= 0]

    def point_in(self, lat: float, lon: float) -> Feature | None:
        """The finest feature containing the point, or None."""
        found = self.features_at(lat, lon)
        return found[-1] if found else None

    # --- files ------------------------------------------------------------------------------

    @staticmethod
    def available(directory: Path | None = None) -> list[str]:
        """Names of the region packs in a folder (default: the shipped packs)."""
        folder = directory or PACKS
        return sorted(p.name.removesuffix(".geojson") for p in folder.glob("*.geojson"))

    @classmethod
    def load(cls, name: str, directory: Path | None = None) -> Region:
        """A region pack by name: from ``directory`` if given and present there, else shipped."""
        for folder in ([directory] if directory else []) + [PACKS]:
            path = folder / f"{name}.geojson"
            if path.exists():
                return cls.read(path)
        known = sorted(set(cls.available()) | set(cls.available(directory) if directory else []))
        raise RegionError(f"no region pack named {name!r}; known: {', '.join(known) or 'none'}")

    @classmethod
    def read(cls, path: Path | str) -> Region:
        """Read a region written by `write` (anchorkit's own GeoJSON flavour)."""
        meta, features = read_document(path)
        return cls(
            meta["name"],
            features,
            layers=meta.get("layers"),
            title=meta.get("title"),
            attribution=meta.get("attribution"),
        )

    def write(self, path: Path | str, precision: int = 6) -> Path:
        """Write the region as GeoJSON (coordinates rounded to ``precision`` decimals)."""
        meta = {
            "name": self.name,
            "title": self.title,
            "layers": list(self.layers),
            "attribution": self.attribution,
        }
        return write_document(path, meta, self.features, precision)

    @classmethod
    def from_geojson(
        cls,
        path: Path | str,
        name: str,
        *,
        priority_field: str | None = None,
        priority_values: Collection[str] | None = None,
        priority_max: float | None = None,
        name_field: str | None = None,
        code_field: str | None = None,
        classification_field: str | None = None,
        layer: str = "area",
        title: str | None = None,
        attribution: str | None = None,
    ) -> Region:
        """A region from any GeoJSON FeatureCollection of polygons in WGS84 lon/lat.

        ``priority_field`` names the property that flags priority areas. How it is read:
        ``priority_values`` (e.g. ``{"NIA"}``): those values are priority, every other value (and
        none) is not; ``priority_max`` (e.g. 2 for a deprivation decile): numbers up to it are
        priority, a missing value is unknown; neither: a yes/no field (true/false, yes/no, 1/0),
        a missing value is unknown. The field's raw value is kept as the classification unless
        ``classification_field`` names another property. The feature name and code fields are
        guessed (``name``, ``AREA_NAME``, ``*_name``...; ``code``, ``ons_code``, ``*CD``...) unless
        given.
        """
        features = features_from_geojson(
            path,
            priority_field=priority_field,
            priority_values=priority_values,
            priority_max=priority_max,
            name_field=name_field,
            code_field=code_field,
            classification_field=classification_field,
            layer=layer,
        )
        return cls(name, features, layers=[layer], title=title, attribution=attribution)

    def simplified(self, tolerance: float, precision: float = 1e-6) -> Region:
        """Fewer vertices, shared edges kept shared (shapely ``coverage_simplify``, per layer).

        ``tolerance`` is in degrees (1e-4 is about 10 m); each layer is simplified as a
        coverage, so neighbours still meet with no gaps or overlaps.
        """
        geoms = list(self._geoms)
        for li in range(len(self.layers)):
            idx = np.flatnonzero(self._layer_of == li)
            simple = shapely.coverage_simplify(self._geoms[idx], tolerance)
            simple = shapely.set_precision(simple, precision)
            for j, g in zip(idx, simple, strict=True):
                geoms[j] = g
        features = [
            Feature(f.code, f.name, f.layer, f.priority, f.classification, g)
            for f, g in zip(self.features, geoms, strict=True)
        ]
        return Region(
            self.name, features, layers=self.layers, title=self.title, attribution=self.attribution
        )

"""Boundary files: reading a user's GeoJSON, and anchorkit's own region file format.

`anchorkit.place.regions.Region` is the one to use; this module holds its file handling.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import shapely  # type: ignore[import-untyped]

FORMAT = "anchorkit-region/1"
NAME_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,39}")
_TRUE = {"true", "t", "yes", "y", "1", "1.0"}
_FALSE = {"false", "f", "no", "n", "0", "0.0"}
_NAME_FIELDS = ("name", "NAME", "Name", "AREA_NAME", "area_name", "council_name")
_CODE_FIELDS = ("code", "CODE", "Code", "AREA_CODE", "area_code", "ons_code", "AREA_SHORT_CODE")


from anchorkit.errors import RegionError as RegionError  # noqa: E402 - importable from here


@dataclass(frozen=True)
class Feature:
    """One polygon (or multipolygon) of a region."""

    code: str
    name: str
    layer: str
    priority: bool | None = None
    classification: str | None = None
    geometry: Any = field(default=None, repr=False, compare=False)


def features_from_geojson(
    path: Path | str,
    *,
    priority_field: str | None = None,
    priority_values: Collection[str] | None = None,
    priority_max: float | None = None,
    name_field: str | None = None,
    code_field: str | None = None,
    classification_field: str | None = None,
    layer: str = "area",
) -> list[Feature]:
    """The features of a GeoJSON FeatureCollection of polygons; see `Region.from_geojson`."""
    doc = read_json(Path(path))
    crs = str(((doc.get("crs") or {}).get("properties") or {}).get("name", ""))
    if crs and not re.search(r"CRS84|4326", crs):
        raise RegionError(
            f"{path} uses the coordinate system {crs}; save it as WGS84 longitude/latitude "
            "(EPSG:4326), e.g. with ogr2ogr -t_srs EPSG:4326 or QGIS 'Export'"
        )
    raw = doc.get("features") if doc.get("type") == "FeatureCollection" else None
    if not raw:
        raise RegionError(f"{path} is not a GeoJSON FeatureCollection with features")
    props = [f.get("properties") or {} for f in raw]
    keys = list(dict.fromkeys(k for p in props for k in p))
    name_field = name_field or _pick(keys, _NAME_FIELDS, ("_name", "NM"))
    if name_field is None or name_field not in keys:
        raise RegionError(f"{path}: say which property holds the area name; properties: {keys}")
    code_field = code_field or _pick(keys, _CODE_FIELDS, ("_code", "CD", "_id"))
    for wanted in (priority_field, classification_field, code_field):
        if wanted is not None and wanted not in keys:
            raise RegionError(f"{path}: no property {wanted!r}; properties: {keys}")
    features = []
    for i, (f, p) in enumerate(zip(raw, props, strict=True)):
        try:
            geom = (
                shapely.from_geojson(json.dumps(f.get("geometry"))) if f.get("geometry") else None
            )
        except shapely.errors.GEOSException:
            geom = None
        if geom is None or shapely.get_type_id(geom) not in (3, 6):  # Polygon, MultiPolygon
            raise RegionError(f"{path}: feature {i + 1} is not a polygon")
        geom = geom if shapely.is_valid(geom) else shapely.make_valid(geom)
        x0, y0, x1, y1 = shapely.bounds(geom).tolist()
        if min(x0, y0) < -180 or x1 > 180 or y1 > 90 or y0 < -90:
            raise RegionError(
                f"{path}: coordinates such as ({x0:.0f}, {y0:.0f}) are not longitude/latitude;"
                " save the file as WGS84 (EPSG:4326)"
            )
        value = p.get(priority_field) if priority_field else None
        priority = (
            _priority(value, priority_values, priority_max, path, i) if priority_field else None
        )
        label = (
            p.get(classification_field or priority_field or "")
            if (classification_field or priority_field)
            else None
        )
        features.append(
            Feature(
                code=str(p.get(code_field) if code_field else i + 1),
                name=str(p.get(name_field) or f"{layer} {i + 1}"),
                layer=layer,
                priority=priority,
                classification=None if label in (None, "") else str(label),
                geometry=geom,
            )
        )
    return features


def read_document(path: Path | str) -> tuple[dict[str, Any], list[Feature]]:
    """The metadata and features of a file written by `write_document`."""
    doc = read_json(Path(path))
    meta = doc.get("anchorkit_region")
    if not isinstance(meta, dict) or meta.get("format") != FORMAT:
        raise RegionError(
            f"{path} is not an anchorkit region file; add a boundary file with "
            "Region.from_geojson (anchorkit region add)"
        )
    features = [
        Feature(
            code=str(p["code"]),
            name=str(p["name"]),
            layer=str(p["layer"]),
            priority=p.get("priority"),
            classification=p.get("classification"),
            geometry=shapely.from_geojson(json.dumps(f["geometry"])),
        )
        for f in doc["features"]
        for p in [f["properties"]]
    ]
    return meta, features


def write_document(
    path: Path | str,
    meta: dict[str, Any],
    features: Sequence[Feature],
    precision: int = 6,
) -> Path:
    """Write a region (its metadata and features) as anchorkit's GeoJSON flavour."""
    path = Path(path)
    doc = {
        "type": "FeatureCollection",
        "anchorkit_region": {"format": FORMAT, **meta},
        "features": [
            {
                "type": "Feature",
                "properties": {
                    "code": f.code,
                    "name": f.name,
                    "layer": f.layer,
                    "priority": f.priority,
                    "classification": f.classification,
                },
                "geometry": _rounded(json.loads(shapely.to_geojson(f.geometry)), precision),
            }
            for f in features
        ],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(doc, separators=(",", ":"), ensure_ascii=False) + "\n", "utf-8")
    tmp.replace(path)
    return path


def read_json(path: Path) -> dict[str, Any]:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise RegionError(f"{path} does not exist") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RegionError(f"{path} is not readable GeoJSON: {exc}") from exc
    if not isinstance(doc, dict):
        raise RegionError(f"{path} is not a GeoJSON object")
    return doc


def _pick(keys: list[str], preferred: tuple[str, ...], suffixes: tuple[str, ...]) -> str | None:
    for k in preferred:
        if k in keys:
            return k
    for k in keys:
        if k.endswith(suffixes):
            return k
    return None


def _priority(
    value: Any, values: Collection[str] | None, maximum: float | None, path: object, i: int
) -> bool | None:
    text = "" if value is None else str(value).strip()
    if values is not None:
        return text in {str(v).strip() for v in values}
    if maximum is not None:
        try:
            number = float(text)
        except ValueError:
            return None
        return None if math.isnan(number) else number <= maximum
    if not text:
        return None
    if text.lower() in _TRUE:
        return True
    if text.lower() in _FALSE:
        return False
    raise RegionError(
        f"{path}: feature {i + 1} has priority value {text!r}, which is not yes/no; give the "
        "values that mean priority (--priority-values) or a numeric cut-off (--priority-max)"
    )


def _rounded(geometry: Any, digits: int) -> Any:
    if isinstance(geometry, list):
        return [_rounded(g, digits) for g in geometry]
    if isinstance(geometry, float):
        return round(geometry, digits)
    if isinstance(geometry, dict):
        return {k: _rounded(v, digits) for k, v in geometry.items()}
    return geometry

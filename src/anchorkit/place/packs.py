"""How the shipped region packs were made from the public files in ../shared/data.

Run ``python -m anchorkit.place.packs ../shared/data`` to rebuild ``anchorkit/data/regions``; the
product itself never reads ../shared. Attribution is in ``anchorkit/data/regions/SOURCE.md``.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import shapely  # type: ignore[import-untyped]

from anchorkit.place.regions import PACKS, Feature, Region

TORONTO_TOLERANCE = 1e-4
"""Degrees (about 10 m). coverage_simplify keeps shared edges shared; at this tolerance 99.93 % of
Toronto's 50,748 postal-code points fall in the same neighbourhood as with the full boundaries
(2 MB → about 0.3 MB)."""

TORONTO_ATTRIBUTION = (
    "Contains information licensed under the Open Government Licence – Toronto "
    "(City of Toronto, Neighbourhoods, 140-neighbourhood edition with the TSNS 2020 classification)."
)
LANCASHIRE_ATTRIBUTION = (
    "Source: Office for National Statistics licensed under the Open Government Licence v3.0. "
    "Contains OS data © Crown copyright and database right."
)


def toronto(shared: Path) -> Region:
    src = shared / "ca-toronto-neighbourhoods" / "toronto_neighbourhoods_140_with_nia.geojson"
    hoods = Region.from_geojson(
        src,
        "toronto",
        name_field="AREA_NAME",
        code_field="AREA_SHORT_CODE",
        priority_field="CLASSIFICATION_CODE",
        priority_values={"NIA"},
        classification_field="CLASSIFICATION",
        layer="neighbourhood",
    ).simplified(TORONTO_TOLERANCE)
    features = sorted(hoods.features, key=lambda f: int(f.code))
    city = shapely.coverage_union_all([f.geometry for f in features])
    features = [
        Feature(
            code=f.code,
            name=re.sub(r"\s*\(\d+\)$", "", f.name),  # 'Casa Loma (96)' → 'Casa Loma'
            layer=f.layer,
            priority=f.priority,
            classification=f.classification,
            geometry=f.geometry,
        )
        for f in features
    ]
    return Region(
        "toronto",
        [Feature("toronto", "City of Toronto", "municipality", geometry=city), *features],
        layers=["municipality", "neighbourhood"],
        title="City of Toronto: 140 social planning neighbourhoods (TSNS 2020 NIA / Emerging)",
        attribution=TORONTO_ATTRIBUTION,
    )


def lancashire(shared: Path) -> Region:
    folder = shared / "uk-lancashire-boundaries"
    features: list[Feature] = []
    councils = json.loads((folder / "lancashire_council_boundaries.geojson").read_text("utf-8"))
    for tier_layer in (
        ("county", "county_council"),
        ("district", "council"),
        ("unitary", "council"),
    ):
        for f in councils["features"]:
            p = f["properties"]
            if p["council_tier"] == tier_layer[0]:
                features.append(
                    Feature(
                        code=p["ons_code"],
                        name=p["council_name"],
                        layer=tier_layer[1],
                        geometry=shapely.from_geojson(json.dumps(f["geometry"])),
                    )
                )
    for council in ("preston", "hyndburn"):
        wards = json.loads((folder / f"{council}_ward_boundaries.geojson").read_text("utf-8"))
        for f in wards["features"]:
            p = f["properties"]
            features.append(
                Feature(
                    code=p["ons_code"],
                    name=p["name"],
                    layer="ward",
                    geometry=shapely.from_geojson(json.dumps(f["geometry"])),
                )
            )
    return Region(
        "lancashire",
        features,
        layers=["county_council", "council", "ward"],
        title="Lancashire: county council, 14 district and unitary councils, Preston and "
        "Hyndburn wards (ONS super-generalised boundaries)",
        attribution=LANCASHIRE_ATTRIBUTION,
    )


def build(shared: Path, out: Path = PACKS) -> list[Path]:
    return [
        toronto(shared).write(out / "toronto.geojson"),
        lancashire(shared).write(out / "lancashire.geojson"),
    ]


if __name__ == "__main__":  # pragma: no cover - a maintainer's tool
    for written in build(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data")):
        sys.stdout.write(f"{written} {written.stat().st_size:,} bytes\n")

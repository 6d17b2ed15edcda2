"""Region packs: Toronto neighbourhoods and NIAs, Lancashire councils and wards, a user's own file."""

from __future__ import annotations

import csv
import json
import random
from pathlib import Path

import numpy as np
import pytest

from anchorkit.place import Region, RegionError, locate, locate_many, region_columns
from anchorkit.place.regions import PACKS

SEED = 20251126


@pytest.fixture(scope="module")
def toronto() -> Region:
    return Region.load("toronto")


@pytest.fixture(scope="module")
def lancashire() -> Region:
    return Region.load("lancashire")


def _toronto_table(shared: Path) -> list[dict[str, str]]:
    path = shared / "ca-toronto-neighbourhoods" / "toronto_postal_code_to_neighbourhood_140.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_toronto_postal_codes_land_in_their_neighbourhood(
    shared_data: Path, toronto: Region
) -> None:
    """Acceptance: 1,000 sampled Toronto codes, ≥ 99 % in the table's neighbourhood."""
    sample = random.Random(SEED).sample(_toronto_table(shared_data), 1000)
    rows = locate_many([r["postal_code"] for r in sample], regions=[toronto]).to_pylist()
    same = [
        got["neighbourhood"] == (r["hood_name"] or None)
        for r, got in zip(sample, rows, strict=True)
    ]
    assert sum(same) / len(same) >= 0.99, sum(same)
    for r, got, ok in zip(sample, rows, same, strict=True):
        if ok and r["hood_name"]:
            # the flag and classification follow the neighbourhood's TSNS 2020 class
            assert got["priority_area"] is (r["classification_code"] == "NIA")
            assert got["toronto_neighbourhood_code"] == str(int(float(r["hood_id"])))
            want = {"NIA": "Neighbourhood Improvement Area", "EN": "Emerging Neighbourhood"}
            assert got["toronto_neighbourhood_class"] == want.get(r["classification_code"])
            assert got["toronto_municipality"] == "City of Toronto"


@pytest.mark.slow
def test_simplified_boundaries_keep_nearly_every_code(shared_data: Path, toronto: Region) -> None:
    """All 50,748 codes: the shipped (simplified) polygons agree with the original ones."""
    table = _toronto_table(shared_data)
    lat = np.array([float(r["latitude"]) for r in table])
    lon = np.array([float(r["longitude"]) for r in table])
    hits = toronto.locate_points(lat, lon)[toronto.layers.index("neighbourhood")]
    got = np.array([toronto.features[i].code if i >= 0 else "" for i in hits])
    want = np.array([str(int(float(r["hood_id"]))) if r["hood_id"] else "" for r in table])
    assert (got == want).mean() >= 0.998


def test_toronto_pack(toronto: Region) -> None:
    hoods = [f for f in toronto.features if f.layer == "neighbourhood"]
    assert len(hoods) == 140
    assert sum(f.priority is True for f in hoods) == 31
    assert sum(f.classification == "Emerging Neighbourhood" for f in hoods) == 8
    assert {f.name for f in hoods} >= {"Casa Loma", "Annex", "Rouge"}
    assert toronto.layers == ("municipality", "neighbourhood")
    assert toronto.has_priority


def test_lancashire_pack(lancashire: Region) -> None:
    by_layer = {
        layer: [f for f in lancashire.features if f.layer == layer] for layer in lancashire.layers
    }
    assert [len(by_layer[k]) for k in ("county_council", "council", "ward")] == [1, 14, 32]
    assert by_layer["county_council"][0].code == "E10000017"
    assert {"Preston", "Hyndburn", "Blackburn with Darwen", "Blackpool"} <= {
        f.name for f in by_layer["council"]
    }
    assert not lancashire.has_priority


def test_preston_postcode_in_councils_and_ward(lancashire: Region) -> None:
    loc = locate("PR1 2AB", regions=[lancashire])
    assert loc.areas["lancashire_county_council"] == "Lancashire"
    assert loc.areas["lancashire_council"] == "Preston"
    assert loc.areas["lancashire_council_code"] == "E07000123"
    assert loc.neighbourhood == loc.areas["lancashire_ward"] == "City Centre"
    assert loc.priority_area is None  # the pack has no flags: unknown, not "no"
    blackpool = locate("FY1 1AA", regions=[lancashire])
    assert blackpool.areas["lancashire_council"] == "Blackpool"
    assert "lancashire_county_council" not in blackpool.areas  # a unitary: not in the county
    assert blackpool.neighbourhood is None  # no ward boundaries shipped outside Preston/Hyndburn


@pytest.mark.slow
def test_lancashire_council_polygons_match_the_directory(
    shared_data: Path, lancashire: Region
) -> None:
    path = shared_data / "uk-postcode-local-authority" / "lancashire_postcodes.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        sample = random.Random(SEED).sample(list(csv.DictReader(fh)), 1000)
    rows = locate_many([r["pcd"] for r in sample], regions=[lancashire]).to_pylist()
    same = sum(
        g["lancashire_council_code"] == r["lad25cd"] for r, g in zip(sample, rows, strict=True)
    )
    assert same >= 985  # super-generalised boundaries: the directory's local_authority is exact
    wards = {
        g["lancashire_ward"] is not None
        for r, g in zip(sample, rows, strict=True)
        if r["lad25cd"] == "E07000123"
    }
    assert wards == {True}


def test_coarse_codes_are_placed_only_where_nearly_all_of_them_lie(
    toronto: Region, lancashire: Region
) -> None:
    regions = [toronto, lancashire]
    m3n = locate("M3N", regions=regions)  # Black Creek / Glenfield-Jane Heights: all NIA
    assert (m3n.precision, m3n.priority_area) == ("fsa", True)
    assert m3n.areas["toronto_municipality"] == "City of Toronto"
    assert m3n.neighbourhood is None  # an FSA spans several neighbourhoods
    m9v = locate("M9V", regions=regions)  # partly NIA: not guessed either way
    assert m9v.priority_area is None
    far = locate("T0A", regions=regions)  # Alberta: in no Toronto priority area
    assert far.priority_area is False and "toronto_municipality" not in far.areas
    pr1 = locate("PR1", regions=regions)
    assert pr1.areas["lancashire_county_council"] == "Lancashire"
    assert "lancashire_council" not in pr1.areas  # PR1 straddles Preston and South Ribble


def test_zip_and_unknown_codes_are_never_placed(toronto: Region) -> None:
    for code in ("20743", "X0X 0X0", "hello", None):
        loc = locate(code, regions=[toronto])
        assert loc.neighbourhood is None and loc.priority_area is None


def test_shipped_packs_are_small_and_attributed() -> None:
    assert Region.available() == ["lancashire", "toronto"]
    for name in Region.available():
        assert (PACKS / f"{name}.geojson").stat().st_size < 500_000
    source = (PACKS / "SOURCE.md").read_text()
    assert "Open Government Licence – Toronto" in source
    assert "Open Government Licence v3.0" in source


# --- a user's own boundary file ------------------------------------------------------------


def _square(x: float, y: float, size: float = 1.0) -> list[list[list[float]]]:
    return [[[x, y], [x + size, y], [x + size, y + size], [x, y + size], [x, y]]]


def _geojson(tmp_path: Path, props: list[dict[str, object]], **extra: object) -> Path:
    features = [
        {
            "type": "Feature",
            "properties": p,
            "geometry": {"type": "Polygon", "coordinates": _square(float(i), 0.0)},
        }
        for i, p in enumerate(props)
    ]
    path = tmp_path / "areas.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features, **extra}))
    return path


def test_a_deprivation_decile_becomes_a_priority_flag(tmp_path: Path) -> None:
    path = _geojson(
        tmp_path,
        [
            {"LSOA21NM": "A", "LSOA21CD": "E01", "decile": 1},
            {"LSOA21NM": "B", "LSOA21CD": "E02", "decile": 7},
            {"LSOA21NM": "C", "LSOA21CD": "E03", "decile": None},
        ],
    )
    region = Region.from_geojson(path, "imd", priority_field="decile", priority_max=2)
    assert [(f.name, f.code, f.priority, f.classification) for f in region.features] == [
        ("A", "E01", True, "1"),
        ("B", "E02", False, "7"),
        ("C", "E03", None, None),
    ]
    table = locate_many(["M5V 2T6"], regions=[region])
    assert {"imd_area", "imd_area_code", "imd_area_class"} <= set(table.column_names)
    assert region_columns([region]) == ["imd_area", "imd_area_code", "imd_area_class"]
    # written and read back, it places the same points
    copy = Region.read(region.write(tmp_path / "imd.geojson"))
    assert copy.features == region.features
    assert Region.load("imd", directory=tmp_path).name == "imd"
    lat = np.array([0.5, 0.5, 0.5, 5.0, np.nan])
    lon = np.array([0.5, 1.5, 2.5, 0.5, 0.5])
    assert copy.locate_points(lat, lon)[0].tolist() == [0, 1, 2, -1, -1]
    assert copy.priority_at(copy.locate_points(lat, lon), ~np.isnan(lat)).tolist() == [
        1,
        0,
        0,
        0,
        -1,
    ]
    assert [region.point_in(a, o) for a, o in zip(lat[:4], lon[:4], strict=True)] == [
        region.features[0],
        region.features[1],
        region.features[2],
        None,
    ]
    # a point on a shared edge goes to the feature listed first
    assert region.point_in(0.5, 1.0) == region.features[0]


def test_priority_values_and_yes_no_fields(tmp_path: Path) -> None:
    props: list[dict[str, object]] = [
        {"name": "A", "cls": "NIA", "flag": "yes"},
        {"name": "B", "cls": "EN", "flag": "no"},
        {"name": "C", "cls": None, "flag": None},
    ]
    path = _geojson(tmp_path, props)
    by_value = Region.from_geojson(path, "t", priority_field="cls", priority_values={"NIA"})
    assert [f.priority for f in by_value.features] == [True, False, False]
    yes_no = Region.from_geojson(path, "t", priority_field="flag")
    assert [f.priority for f in yes_no.features] == [True, False, None]
    assert [f.code for f in yes_no.features] == ["1", "2", "3"]  # no code field: numbered


@pytest.mark.parametrize(
    ("doc", "kwargs", "message"),
    [
        ({"type": "FeatureCollection", "features": []}, {}, "FeatureCollection with features"),
        ({"type": "Feature"}, {}, "FeatureCollection"),
        (
            {"crs": {"type": "name", "properties": {"name": "EPSG:27700"}}},
            {},
            "coordinate system EPSG:27700",
        ),
        ({}, {"priority_field": "missing"}, "no property 'missing'"),
        ({}, {"priority_field": "band"}, "not yes/no"),
        ({}, {"name_field": "nope"}, "which property holds the area name"),
    ],
)
def test_bad_boundary_files_are_refused_clearly(
    tmp_path: Path, doc: dict[str, object], kwargs: dict[str, object], message: str
) -> None:
    path = _geojson(tmp_path, [{"name": "A", "band": "high"}])
    if doc:
        base = json.loads(path.read_text())
        base.update(doc)
        path.write_text(json.dumps(base))
    with pytest.raises(RegionError, match=message.replace("(", r"\(")):
        Region.from_geojson(path, "x", **kwargs)  # type: ignore[arg-type]


def test_projected_coordinates_and_bad_names_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "bng.geojson"
    feature = {
        "type": "Feature",
        "properties": {"name": "A"},
        "geometry": {"type": "Polygon", "coordinates": _square(350000.0, 420000.0, 100.0)},
    }
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    with pytest.raises(RegionError, match="not longitude/latitude"):
        Region.from_geojson(path, "x")
    with pytest.raises(RegionError, match="lower-case"):
        Region.from_geojson(_geojson(tmp_path, [{"name": "A"}]), "My Areas")
    with pytest.raises(RegionError, match="no region pack named 'nowhere'"):
        Region.load("nowhere")
    with pytest.raises(RegionError, match="not an anchorkit region file"):
        Region.read(_geojson(tmp_path, [{"name": "A"}]))

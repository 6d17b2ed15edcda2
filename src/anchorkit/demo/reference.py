"""The reference data the demo generator reads: real postal codes and the vocabulary of fictional names.

Both live in ``anchorkit/data/demo`` and ship with the package, so ``anchorkit demo`` works on a machine
that has nothing but anchorkit installed (see ``data/demo/SOURCE.md`` for where they come from).
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

_DATA = files("anchorkit").joinpath("data", "demo")


@dataclass(frozen=True)
class Place:
    """One real postal code (or US ZIP code) with its place and coordinates."""

    postal_code: str
    fsa: str
    place_name: str
    province: str
    country: str
    latitude: float
    longitude: float

    @property
    def region(self) -> str:
        """toronto / ontario / canada / us — the buckets the supplier universe is drawn from."""
        if self.country == "US":
            return "us"
        if self.postal_code.startswith("M"):
            return "toronto"
        return "ontario" if self.province == "Ontario" else "canada"


@dataclass(frozen=True)
class Sector:
    """A kind of supplier, with the words for its names and lines and the spread of its invoices."""

    name: str
    weight: float
    median: float
    sigma: float
    nouns: tuple[str, ...]
    french_nouns: tuple[str, ...]
    descriptions: tuple[str, ...]
    categories: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """Everything in ``vocab.json``, typed."""

    stems: tuple[str, ...]
    surnames: tuple[str, ...]
    french_stems: tuple[str, ...]
    tails: tuple[str, ...]
    suffixes: dict[str, dict[str, float]]
    locations: dict[str, float]
    sectors: dict[str, Sector]
    affinity: dict[str, dict[str, float]]
    cost_centres: dict[str, tuple[str, ...]]
    fixed_suppliers: tuple[dict[str, Any], ...]


@cache
def load_places() -> dict[str, tuple[Place, ...]]:
    """The shipped postal codes by region; ``quebec`` is the Quebec part of ``canada``."""
    text = _DATA.joinpath("postal_codes.csv").read_text(encoding="utf-8")
    by_region: dict[str, list[Place]] = {"toronto": [], "ontario": [], "canada": [], "us": []}
    quebec: list[Place] = []
    for row in csv.DictReader(io.StringIO(text)):
        place = Place(
            postal_code=row["postal_code"],
            fsa=row["fsa"],
            place_name=row["place_name"],
            province=row["province"],
            country=row["country"],
            latitude=float(row["latitude"]),
            longitude=float(row["longitude"]),
        )
        by_region[place.region].append(place)
        if place.province == "Quebec":
            quebec.append(place)
    return {**{k: tuple(v) for k, v in by_region.items()}, "quebec": tuple(quebec)}


def shipped_postcodes() -> frozenset[str]:
    """Every code in the shipped sample, so tests can check the demo never invents one."""
    return frozenset(p.postal_code for places in load_places().values() for p in places)


@cache
def load_vocabulary() -> Vocabulary:
    """Parse ``vocab.json`` once per process."""
    raw = json.loads(_DATA.joinpath("vocab.json").read_text(encoding="utf-8"))
    sectors = {
        name: Sector(
            name=name,
            weight=float(s["weight"]),
            median=float(s["median"]),
            sigma=float(s["sigma"]),
            nouns=tuple(s["nouns"]),
            french_nouns=tuple(s["french_nouns"]),
            descriptions=tuple(s["descriptions"]),
            categories=tuple(s["categories"]),
        )
        for name, s in raw["sectors"].items()
    }
    return Vocabulary(
        stems=tuple(raw["stems"]),
        surnames=tuple(raw["surnames"]),
        french_stems=tuple(raw["french_stems"]),
        tails=tuple(raw["tails"]),
        suffixes={k: {t: float(w) for t, w in v.items()} for k, v in raw["suffixes"].items()},
        locations={k: float(v) for k, v in raw["locations"].items()},
        sectors=sectors,
        affinity={k: {s: float(w) for s, w in v.items()} for k, v in raw["affinity"].items()},
        cost_centres={k: tuple(v) for k, v in raw["cost_centres"].items()},
        fixed_suppliers=tuple(raw["fixed_suppliers"]),
    )

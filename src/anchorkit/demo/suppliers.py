"""The supplier universe: fictional companies at real postal codes, ranked by how much they are used.

Spend in a real collaborative is concentrated (a few suppliers take most of it) and mostly, but not
entirely, local. The universe reproduces both: suppliers are ranked, lines are drawn with Zipf-like
weights ``1 / rank**0.95``, the biggest suppliers also send bigger invoices, and locations follow the mix
in ``vocab.json`` (about 55 % Toronto, 25 % rest of Ontario, 8 % other provinces, 4 % US, 8 % unknown).
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field

from anchorkit.demo.names import SupplierName
from anchorkit.demo.reference import Place, Sector, Vocabulary

ZIPF_EXPONENT = 0.95
_NAMESAKE_RATE = (
    0.006  # a distinct company that shares another's trade name: a hard negative to link
)


@dataclass(frozen=True)
class Supplier:
    """One true supplier. ``mu``/``sigma`` give the lognormal of its invoice amounts (in dollars)."""

    supplier_id: str
    rank: int
    name: SupplierName
    sector: Sector
    region: str  # toronto, ontario, canada, us or unknown
    place: Place | None
    mu: float
    sigma: float
    namesake_of: str = ""
    postcode: str = field(init=False)
    is_local: bool | None = field(init=False)  # a Toronto postcode; None when it has no postcode

    def __post_init__(self) -> None:  # stored, not computed: the truth asks once per line
        postcode = self.place.postal_code if self.place else ""
        object.__setattr__(self, "postcode", postcode)
        object.__setattr__(self, "is_local", None if self.place is None else postcode[:1] == "M")


def supplier_count(lines: int) -> int:
    """About 1,500 suppliers at 250,000 lines, growing with the square root of the lines."""
    return max(40, round(1500 * math.sqrt(lines / 250_000)))


def build_universe(
    rng: random.Random, count: int, vocab: Vocabulary, places: dict[str, tuple[Place, ...]]
) -> list[Supplier]:
    """``count`` suppliers, best-used first; the fixed suppliers of ``vocab.json`` sit at their ranks."""
    fixed = {int(f["rank"]): f for f in vocab.fixed_suppliers}
    sector_names = list(vocab.sectors)
    sector_weights = [vocab.sectors[s].weight for s in sector_names]
    regions = list(vocab.locations)
    region_weights = list(vocab.locations.values())
    taken: set[str] = set()
    universe: list[Supplier] = []
    for rank in range(count):
        if rank in fixed:
            spec = fixed[rank]
            sector = vocab.sectors[spec["sector"]]
            region = str(spec["location"])
            name = SupplierName(
                trade=spec.get("trade"),
                the=bool(spec.get("the", False)),
                suffix=str(spec["suffix"]),
                numbered=spec.get("numbered"),
                jurisdiction=_jurisdiction(region),
            )
            namesake = ""
        else:
            sector = vocab.sectors[rng.choices(sector_names, sector_weights)[0]]
            region = rng.choices(regions, region_weights)[0]
            if region == "canada" and rng.random() < 0.35:
                region = "quebec"
            for _ in range(50):  # names must be unique, except for deliberate namesakes
                name, namesake = _new_name(rng, vocab, sector, region, universe)
                if namesake or name.canonical.casefold() not in taken:
                    break
            else:
                raise RuntimeError("demo vocabulary too small for this many suppliers")
        taken.add(name.canonical.casefold())
        place = None if region == "unknown" else rng.choice(places[region])
        boost = 0.4 if rank < 10 else 0.2 if rank < 60 else 0.0
        universe.append(
            Supplier(
                supplier_id=f"S{rank + 1:05d}",
                rank=rank,
                name=name,
                sector=sector,
                region="canada" if region == "quebec" else region,
                place=place,
                mu=math.log(sector.median) + boost + rng.gauss(0.0, 0.35),
                sigma=sector.sigma,
                namesake_of=namesake,
            )
        )
    return universe


def _jurisdiction(region: str) -> str:
    return {"quebec": "Québec", "canada": "Canada"}.get(region, "Ontario")


def _new_name(
    rng: random.Random, vocab: Vocabulary, sector: Sector, region: str, earlier: list[Supplier]
) -> tuple[SupplierName, str]:
    """A fresh fictional name (or, rarely, an earlier supplier's trade name: a namesake)."""
    suffix_table = vocab.suffixes[
        "us" if region == "us" else "quebec" if region == "quebec" else "canada"
    ]
    suffix = rng.choices(list(suffix_table), list(suffix_table.values()))[0]
    jurisdiction = _jurisdiction(region)
    if len(earlier) > 50 and rng.random() < _NAMESAKE_RATE:
        other = rng.choice(earlier)
        if other.name.trade and other.name.numbered is None:
            alt = "LTD" if other.name.suffix != "LTD" else "INC"
            return SupplierName(other.name.trade, other.name.the, alt), other.supplier_id
    french = (
        region == "quebec" and rng.random() < 0.45 or region == "toronto" and rng.random() < 0.015
    )
    if french and sector.french_nouns:
        trade = f"{rng.choice(sector.french_nouns)} {rng.choice(vocab.french_stems)}"
        return SupplierName(trade, False, suffix, jurisdiction=jurisdiction), ""
    noun = rng.choice(sector.nouns)
    r = rng.random()
    if r < 0.45:
        trade = f"{rng.choice(vocab.stems)} {noun}"
    elif r < 0.65:
        trade = f"{rng.choice(vocab.surnames)} {noun}"
    elif r < 0.75:
        joiner = "and" if rng.random() < 0.2 else "&"
        trade = f"{rng.choice(vocab.surnames)} {joiner} {rng.choice(vocab.surnames)} {noun}"
    elif r < 0.9:
        trade = f"{rng.choice(vocab.stems)} {noun} {rng.choice(vocab.tails)}"
    else:
        trade = f"{rng.choice(vocab.stems)} {rng.choice(vocab.tails)}"
    the = r < 0.45 and rng.random() < 0.12
    numbered = None
    if region != "us" and rng.random() < 0.09:
        numbered = _company_number(rng, region)
        if rng.random() < 0.45:  # a bare numbered company, no trade name at all
            return SupplierName(
                None, False, "INC" if rng.random() < 0.8 else "LIMITED", numbered, jurisdiction
            ), ""
        suffix = "INC"
    return SupplierName(trade, the, suffix, numbered, jurisdiction), ""


def _company_number(rng: random.Random, region: str) -> str:
    """Ontario and federal numbered companies have 7 digits; Quebec's look like 9123-4567."""
    if region == "quebec":
        return f"9{rng.randint(0, 999):03d}-{rng.randint(0, 9999):04d}"
    return str(rng.randint(1_000_000, 2_999_999))


def zipf_weights(universe: list[Supplier]) -> list[float]:
    """How often each supplier is used, before an anchor's own preferences."""
    return [1.0 / (s.rank + 1) ** ZIPF_EXPONENT for s in universe]

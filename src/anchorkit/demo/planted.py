"""Opportunities planted on purpose, so ``anchorkit opportunities`` has something known to find.

Every demo network, whatever its seed or size, gets two extra suppliers of security services
(a category anchorkit's taxonomy classifies as one: "Security"):

- the **incumbent**, outside the local area (an Ontario postcode outside Toronto), from which *every*
  anchor buys security services, one large invoice in each of its files or sheets: a joint
  procurement;
- a **local** supplier (a Toronto postcode, listed by the demo's social-enterprise registry) that
  only one anchor (the last one in the network) uses; that anchor's other Toronto security
  suppliers are replaced by it, and every other anchor's Toronto security suppliers by the
  incumbent — so the others buy security only from non-local suppliers (or ones with no postcode):
  a local supplier that exists, and one to share.

Planting draws from its own random streams, so every other line of the demo stays as it was.
``truth/opportunities.json`` names the planted suppliers, the category and the anchors.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchorkit.demo.names import SupplierName
from anchorkit.demo.reference import Place, Vocabulary
from anchorkit.demo.suppliers import Supplier
from anchorkit.demo.truth import money

SECTOR = "security"
CATEGORY = "Security"  # what the shipped taxonomy calls the sector's lines (its level 2)
CATEGORY_PARENT = "Facilities & Management Services"  # ...and the level 1 it sits under
RAW_CATEGORY = "Security Services"
# (no CCTV: the shipped taxonomy files closed-circuit television under Street & Traffic
# Management, so a planted "CCTV maintenance" line would not be the Security the truth claims)
DESCRIPTIONS = ("Security guard services", "Alarm monitoring", "Mobile security patrols")
REGISTRY = "demo-social-enterprise-network"
TAG = "social_enterprise"
_INCUMBENT_BOOST = 1.3  # the incumbent's invoices are about 3.7 times the sector's median
_LOCAL_BOOST = 0.2


@dataclass(frozen=True)
class Planted:
    """The planted suppliers and the anchor that alone buys from the local one."""

    incumbent: Supplier
    local: Supplier
    local_user: str
    anchors: tuple[str, ...]

    @property
    def suppliers(self) -> list[Supplier]:
        return [self.incumbent, self.local]


def plant_suppliers(
    seed: int,
    universe: list[Supplier],
    vocab: Vocabulary,
    places: dict[str, tuple[Place, ...]],
    anchors: tuple[str, ...],
) -> Planted:
    """The two planted suppliers, ranked after the universe (they are not drawn by weight)."""
    rng = random.Random(f"anchorkit-demo:{seed}:planted")
    sector = vocab.sectors[SECTOR]
    rank = len(universe)

    def supplier(offset: int, trade: str, region: str, boost: float) -> Supplier:
        return Supplier(
            supplier_id=f"S{rank + offset + 1:05d}",
            rank=rank + offset,
            name=SupplierName(trade, False, "INC", jurisdiction="Ontario"),
            sector=sector,
            region=region,
            place=rng.choice(places[region]),
            mu=math.log(sector.median) + boost,
            sigma=0.3,
        )

    return Planted(
        incumbent=supplier(0, "Ironclad Protective Services", "ontario", _INCUMBENT_BOOST),
        local=supplier(1, "Second Chance Security", "toronto", _LOCAL_BOOST),
        local_user=anchors[-1],
        anchors=anchors,
    )


class Planter:
    """Plants one anchor's share: rewrites the security lines and adds the planted invoices."""

    def __init__(self, planted: Planted, anchor: str, rng: random.Random) -> None:
        self.planted = planted
        self.rng = rng
        self.is_user = anchor == planted.local_user
        # a Toronto security supplier of this anchor becomes the local one (for its only user)
        # or the incumbent (for everyone else)
        self.replacement = planted.local if self.is_user else planted.incumbent
        self.extra = [planted.incumbent, planted.local] if self.is_user else [planted.incumbent]

    def is_planted(self, supplier: Supplier) -> bool:
        return supplier.supplier_id in (
            self.planted.incumbent.supplier_id,
            self.planted.local.supplier_id,
        )

    def reroute(self, supplier: Supplier) -> Supplier | None:
        """The planted supplier that replaces ``supplier`` in this anchor's books, if any."""
        if supplier.sector.name == SECTOR and supplier.is_local and not self.is_planted(supplier):
            return self.replacement
        return None

    def invoice(self, supplier: Supplier) -> tuple[int, str, str]:
        """Cents, description and raw category of one planted invoice."""
        cents = round(math.exp(self.rng.gauss(supplier.mu, supplier.sigma)) * 100)
        return cents, self.rng.choice(DESCRIPTIONS), RAW_CATEGORY


def write_truth(truth_dir: Path, planted: Planted, spend: dict[str, dict[str, int]]) -> None:
    """``truth/opportunities.json``: the planted suppliers, the category and who buys from whom.

    ``spend`` is loaded spend in cents by supplier id and anchor.
    """

    def describe(s: Supplier) -> dict[str, Any]:
        by_anchor = spend.get(s.supplier_id, {})
        return {
            "supplier_id": s.supplier_id,
            "name": s.name.canonical,
            "postcode": s.postcode,
            "is_local": s.is_local,
            "anchors": sorted(by_anchor),
            "spend": money(sum(by_anchor.values())),
        }

    others = [a for a in planted.anchors if a != planted.local_user]
    data = {
        "sector": SECTOR,
        "category": CATEGORY,
        "category_parent": CATEGORY_PARENT,
        "raw_category": RAW_CATEGORY,
        "descriptions": list(DESCRIPTIONS),
        "joint_procurement": describe(planted.incumbent),
        "local_supplier": {
            **describe(planted.local),
            "used_by": planted.local_user,
            "registry": REGISTRY,
            "tag": TAG,
        },
        "buy_only_non_local": others,
        "notes": "Every anchor buys the category from the non-local joint_procurement supplier; "
        "only used_by buys it from the local supplier; the anchors in buy_only_non_local buy "
        "it from no Toronto supplier. Opportunities need two anchors or more.",
    }
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    (truth_dir / "opportunities.json").write_text(text, encoding="utf-8")


def planted_ids(truth_dir: Path) -> dict[str, str]:
    """Planted supplier id -> the registry that must list it ("" for none), from the truth."""
    path = truth_dir / "opportunities.json"
    if not path.is_file():
        return {}
    data = json.loads(path.read_text(encoding="utf-8"))
    return {
        data["joint_procurement"]["supplier_id"]: "",
        data["local_supplier"]["supplier_id"]: data["local_supplier"]["registry"],
    }

"""Opportunities posted on purpose in the supplier portal, with the suppliers known to be good.

Why: matching quality can only be measured against an answer the generator knows and the
matcher does not. The generator knows every supplier's trade (sector), whether it is in Toronto
and which registries list it; from that alone — not from the resolved store — each planted
posting has its **good suppliers**: the local suppliers of the posting's trade that hold the tag
the posting asks for (a registry entry with no expiry), and that sold to some anchor.

One posting per (trade, tag) that has such suppliers, in the taxonomy category an anchor would
pick for that trade (``SECTOR_CATEGORY``, chosen by hand, as :mod:`anchorkit.demo.planted`
chooses "Security"), to be delivered at Toronto City Hall, with a value band inside the
diverse-quote rule's range. ``truth/postings.json`` lists them; the postings go into the
workspace's app records (``source = 'demo'``), so ``make demo`` shows them and tests read them.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from anchorkit.classify.taxonomy import taxonomy_for
from anchorkit.portal.postings import place_of, value_bands
from anchorkit.records.appdb import PortalPosting, database_url, open_app_db
from anchorkit.workspace import Workspace

SITE = "M5H 2N2"  # Toronto City Hall
SECTOR_CATEGORY = {  # trade → (taxonomy level-1 name, level-2 name or None)
    "cleaning": ("Cleaning & Janitorial", "Cleaning Service"),
    "catering": ("Catering", None),
    "construction": ("Works - Construction, Repair & Maintenance", None),
    "it": ("Information Communication Technology", None),
    "medical_supplies": ("Healthcare", "Consumables"),
    "consulting": ("Consultancy", None),
    "printing": ("Facilities & Management Services", "Printing"),
    "security": ("Facilities & Management Services", "Security"),
    "food": ("Catering", "Food & Beverages"),
    "furniture": ("Furniture & Soft Furnishings", None),
    "trades": ("Works - Construction, Repair & Maintenance", "Buildings"),
    "office_supplies": ("Stationery", None),
    "fleet": ("Vehicle Management", None),
    "landscaping": ("Works - Construction, Repair & Maintenance", "Open Spaces"),
    "laboratory": ("Environmental Services", "Forensic & Laboratory"),
    "pharmaceuticals": ("Healthcare", "Drugs & Pharmacy Services"),
    "waste": ("Environmental Services", "Waste Management"),
}
TRUTH_FILE = "postings.json"


def _good_suppliers(truth_dir: Path) -> dict[tuple[str, str], list[dict[str, str]]]:
    tags_file = truth_dir / "registry_tags.csv"
    if not tags_file.is_file():
        return {}
    with (truth_dir / "suppliers.csv").open(encoding="utf-8") as f:
        suppliers = {r["supplier_id"]: r for r in csv.DictReader(f)}
    with tags_file.open(encoding="utf-8") as f:
        tags = list(csv.DictReader(f))
    good: dict[tuple[str, str], list[dict[str, str]]] = defaultdict(list)
    for row in tags:
        s = suppliers.get(row["supplier_id"])
        if s is None or row["valid_to"] or s["is_local"] != "true":
            continue
        if int(s["lines"] or 0) == 0 or s["sector"] not in SECTOR_CATEGORY:
            continue
        good[(s["sector"], row["tag"])].append(
            {"supplier_id": s["supplier_id"], "name": s["canonical_name"]}
        )
    return dict(sorted(good.items()))


def plant_postings(ws: Workspace, truth_dir: Path, anchors: list[str]) -> list[dict[str, Any]]:
    """Write ``truth/postings.json`` and post the planted opportunities; returns the truth."""
    taxonomy = taxonomy_for(ws.settings, ws.root)
    by_name = {(c.level1, c.level2 if c.level > 1 else None): c.code for c in taxonomy.level(1)}
    by_name |= {(c.level1, c.level2): c.code for c in taxonomy.level(2)}
    bands = value_bands(ws.settings)
    low, high = (
        float(ws.settings["portal.diverse_quote_min"]),
        float(ws.settings["portal.diverse_quote_max"]),
    )
    in_rule = [i for i, (lo, hi) in enumerate(bands) if lo >= low and hi is not None and hi <= high]
    place = place_of(ws, SITE)
    truth = []
    for n, ((sector, tag), good) in enumerate(_good_suppliers(truth_dir).items()):
        code = by_name[SECTOR_CATEGORY[sector]]
        band = bands[in_rule[n % len(in_rule)]]
        truth.append(
            {
                "key": f"demo-{sector}-{tag}",
                "title": f"{taxonomy.categories[code].name} for "
                f"{anchors[n % len(anchors)]} ({tag.replace('_', ' ')} asked)",
                "anchor": anchors[n % len(anchors)],
                "sector": sector,
                "category_code": code,
                "asks": [tag],
                "value_low": band[0],
                "value_high": band[1],
                "postcode": SITE,
                "good_suppliers": good,
            }
        )
    (truth_dir / TRUTH_FILE).write_text(
        json.dumps(truth, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    db = open_app_db(database_url(ws.root))
    try:
        with db() as s, s.begin():
            known = {
                p.source_id: p
                for p in s.scalars(select(PortalPosting).where(PortalPosting.source == "demo"))
            }
            for n, t in enumerate(truth):
                posting = known.get(t["key"]) or PortalPosting(source="demo", source_id=t["key"])
                posting.anchor_name = posting.buyer = t["anchor"]
                posting.title = t["title"]
                posting.category_code = t["category_code"]
                posting.value_low, posting.value_high = t["value_low"], t["value_high"]
                posting.closes_on = date.today() + timedelta(days=30 + n)
                posting.asks = t["asks"]
                posting.created_by = "(demo)"
                posting.postcode, posting.lat, posting.lon = SITE, place["lat"], place["lon"]
                posting.area = place["area"]
                s.add(posting)
    finally:
        bind = db.kw.get("bind")
        if bind is not None:
            bind.dispose()
    return truth

"""Registries for the demo network: who is certified Indigenous-owned, a co-op, a social enterprise.

Real collaboratives match their spend against lists kept by others (a certifying council, a
co-op federation, a social-enterprise network), each spelling names its own way and each with
its own dates. These lists are drawn from the demo's true suppliers (plus members the anchors
never buy from), written as those bodies would publish them, with the truth beside them so a
test can work out the expected impact share.
"""

from __future__ import annotations

import csv
import datetime as dt
import random
from dataclasses import dataclass
from pathlib import Path

from anchorkit.demo.planted import planted_ids


@dataclass(frozen=True)
class DemoRegistry:
    """One registry file, its name and the tag it certifies (for ``anchorkit registry import``)."""

    name: str
    tag: str
    path: Path


# (registry, tag, share of suppliers, header, how the body spells names)
_REGISTRIES = (
    (
        "demo-indigenous-business-directory",
        "indigenous_owned",
        0.06,
        ("Business Name", "Postal Code", "Certification Number", "Certified On", "Expires On"),
        "legal",
    ),
    (
        "demo-co-op-federation",
        "co_op",
        0.03,
        ("Registered Name", "Registered Number", "Registered Postcode", "Incorporation Date"),
        "upper",
    ),
    (
        "demo-social-enterprise-network",
        "social_enterprise",
        0.05,
        ("Organisation", "Postcode", "Member Since"),
        "canonical",
    ),
)
_OUTSIDERS = (
    "Cedar Circle Crafts",
    "Three Fires Design",
    "Moosehide Media",
    "Northwind Co-op Grocers",
)


def _date(rng: random.Random, first: dt.date, days: int) -> dt.date:
    return first + dt.timedelta(days=rng.randrange(days))


def write_demo_registries(root: Path, seed: int) -> list[DemoRegistry]:
    """Write ``root/registries/*.csv`` and ``root/truth/registry_tags.csv`` from the truth."""
    with (root / "truth" / "suppliers.csv").open(encoding="utf-8", newline="") as handle:
        suppliers = list(csv.DictReader(handle))
    planted = planted_ids(root / "truth")  # never drawn at random; listed where they must be
    folder = root / "registries"
    folder.mkdir(parents=True, exist_ok=True)
    written: list[DemoRegistry] = []
    truth_rows: list[tuple[str, str, str, str, str]] = []
    for name, tag, share, header, spelling in _REGISTRIES:
        rng = random.Random(f"anchorkit-demo:{seed}:{name}")
        # diverse and social suppliers are rarely the biggest ones: the top 20 are left out
        chosen = [
            s
            for s in suppliers
            if s["supplier_id"] not in planted and int(s["rank"]) > 20 and rng.random() < share
        ]
        chosen += [s for s in suppliers if planted.get(s["supplier_id"]) == name]
        rows = []
        for number, s in enumerate(chosen, start=1):
            spelled = {"legal": s["legal_name"], "upper": s["legal_name"].upper()}.get(
                spelling, s["canonical_name"]
            )
            start = _date(rng, dt.date(2015, 1, 1), 2500)
            # a fifth of certifications lapse during the demo years (renewals do get missed)
            lapses = tag == "indigenous_owned" and rng.random() < 0.2
            end = _date(rng, dt.date(2022, 6, 1), 700) if lapses else None
            row = {
                "Business Name": spelled,
                "Registered Name": spelled,
                "Organisation": spelled,
                "Postal Code": s["postcode"],
                "Registered Postcode": s["postcode"],
                "Postcode": s["postcode"],
                "Certification Number": f"IBD-{number:05d}",
                "Registered Number": f"{number:06d}R",
                "Certified On": start.isoformat(),
                "Incorporation Date": start.isoformat(),
                "Member Since": start.isoformat(),
                "Expires On": end.isoformat() if end else "",
            }
            rows.append([row[h] for h in header])
            truth_rows.append(
                (s["supplier_id"], tag, name, start.isoformat(), end.isoformat() if end else "")
            )
        # members the anchors never buy from (the name is always the first column)
        for outsider in _OUTSIDERS[: 1 + rng.randrange(len(_OUTSIDERS))]:
            rows.append([outsider, *("" for _ in header[1:])])
        path = folder / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows)
        written.append(DemoRegistry(name, tag, path))
    with (root / "truth" / "registry_tags.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["supplier_id", "tag", "registry", "valid_from", "valid_to"])
        writer.writerows(truth_rows)
    return written

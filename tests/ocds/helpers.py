"""Shared data for the OCDS tests, and expectations worked out from it with plain Python."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

CF_DIR = "uk-contracts-finder-ocds"
CF_PACKAGE = "contracts_finder_release_package.json"
CF_CSV = "contracts_finder_award_suppliers.csv"
FICTIONAL_DIR = "ocds-fictional-example"


def load_json(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"), parse_float=Decimal)


@dataclass
class Expected:
    """What the Contracts Finder import must give, from the flattened CSV (an independent
    extraction): the latest version of each award, less awards with an unnamed supplier."""

    awards_in_file: int
    superseded: int
    unnamed: int
    lines: int
    awards: int
    total: Decimal
    gb_coh: set[str]
    vcse: int
    sme: int


def expected_from_csv(shared_data: Path) -> Expected:
    with (shared_data / CF_DIR / CF_CSV).open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    latest: dict[str, str] = {}
    for row in rows:
        if row["release_date"] > latest.get(row["award_id"], ""):
            latest[row["award_id"]] = row["release_date"]
    current = [r for r in rows if r["release_date"] == latest[r["award_id"]]]
    unnamed = {r["award_id"] for r in current if not r["supplier_name"].strip()}
    loaded = [r for r in current if r["award_id"] not in unnamed]
    values = {r["award_id"]: Decimal(r["award_value"]) for r in loaded}
    package = load_json(shared_data / CF_DIR / CF_PACKAGE)
    in_file = sum(len(r.get("awards") or []) for r in package["releases"])
    return Expected(
        awards_in_file=in_file,
        superseded=in_file - len(latest),
        unnamed=len(unnamed),
        lines=len(loaded),
        awards=len(values),
        total=sum(values.values(), Decimal(0)),
        gb_coh={
            f"GB-COH-{r['supplier_id']}" for r in loaded if r["supplier_id_scheme"] == "GB-COH"
        },
        vcse=sum(r["supplier_vcse"] == "True" for r in loaded),
        sme=sum(r["supplier_scale"] == "sme" for r in loaded),
    )


def resolve_pointer(document: Any, pointer: str) -> Any:
    """RFC 6901, for the pointers anchorkit writes (no escaped characters)."""
    for part in pointer.strip("/").split("/"):
        document = document[int(part)] if isinstance(document, list) else document[part]
    return document

"""Labelled spend lines for classification: each publisher's file read on its own, with its gold.

Why its own reading (Python ``csv``, explicit columns) rather than ``anchorkit ingest``: the
evaluation must not depend on how ingest guesses columns (another piece of work), and the gold
column must never reach the classifier. Each reader says which of the publisher's columns play
raw category, description, cost centre and supplier — what the classifier sees — and where the
gold comes from (bench/labels/README.md):

- ``lancashire-fire`` — Lancashire Fire & Rescue, 2023-24 on: the ledger description
  (``supplier_classification``) is the raw category; the gold is the publisher's ProClass path in
  ``expenditure_category``, read onto the taxonomy by name (level 1 by name or a prefix of it,
  level 2 by name under it, LEVEL2_ALIASES for later ProClass renamings). Lines whose category is
  the service's internal ledger code, and 2022-23 (whose labels describe the supplier, not the
  line), have no gold but stay in as context (the supplier's other lines).
- ``trafford`` — Trafford Council: ``Purpose`` is the description, ``OrganisationalUnit`` the cost
  centre; the gold is the publisher's ``ProclassCode`` (v17.1 codes; the few v17.1 lacks through
  labels/trafford.csv). Its ``ProclassLabel`` text is not used: it is sometimes attached to the
  wrong code, the code is right.
- ``dwp`` — Department for Work and Pensions: ``Expense Type`` raw category, ``Expense Area`` cost
  centre; gold through labels/dwp.csv from its Category / Sub-Category / Micro-Category tree.
- ``lambeth`` — London Borough of Lambeth: ``Subj Description`` raw category, ``Department`` cost
  centre; gold through labels/lambeth.csv (a heading with no clear family has no gold).
- ``oxford`` — Oxford City Council: ``Expenditure Catergory`` raw category, ``Service Area`` cost
  centre; gold through labels/oxford.csv.

Training-only sources (labelled text that is not a publisher's ledger): Contracts Finder notices
(title → CPV code → crosswalk_cpv.csv) and Companies House SIC texts (→ crosswalk_sector.csv).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
LABELS = HERE / "labels"
DATA = HERE.parents[1] / "shared" / "data"
VARIETY = DATA / "spend-variety"

# later ProClass versions' level-2 names → v17.1's (same meaning, renamed)
LEVEL2_ALIASES = {
    ("information communication technology", "service"): "services",
    ("information communication technology", "telecommunications - fixed"): "telecommunications",
    ("information communication technology", "telecom - fixed"): "telecommunications",
    ("stationery", "paper"): "paper products",
    ("horticultural", "tree management"): "tree trimming",
    ("healthcare", "medical fees"): "fees",
    ("healthcare", "staff medicals"): "fees",
    ("fire & rescue", "mobilising"): "mobilising & communications",
}


@dataclass(frozen=True)
class Line:
    """One spend line as the classifier sees it, its amount, and its gold code (None: unscored)."""

    publisher: str
    raw_category: str | None
    description: str | None
    cost_centre: str | None
    supplier: str | None
    amount: float
    gold: str | None


def _clean(text: str | None) -> str | None:
    if text is None:
        return None
    out = " ".join(text.replace("\xa0", " ").replace("\u2020", " ").split())
    return out if out and out.upper() not in ("NA", "N/A", "REDACTED") else None


def _money(text: str | None) -> float:
    value = (text or "").replace("£", "").replace(",", "").strip()
    try:
        return float(value)
    except ValueError:
        return 0.0


def _crosswalk(name: str, *key_columns: str) -> dict[tuple[str, ...], str | None]:
    with (LABELS / name).open(encoding="utf-8", newline="") as f:
        return {
            tuple(r[k].strip().upper() for k in key_columns): (r["code"].strip() or None)
            for r in csv.DictReader(f)
        }


def _codes() -> set[str]:
    from anchorkit.classify.taxonomy import load_taxonomy

    return set(load_taxonomy().categories)


def lancashire_fire() -> Iterator[Line]:
    from anchorkit.classify.taxonomy import load_taxonomy

    tax = load_taxonomy()
    level1 = {c.level1.lower(): c for c in tax.level(1)}
    level2 = {(c.level1.lower(), (c.level2 or "").lower()): c for c in tax.level(2)}
    path = DATA / "uk-lancashire-fire-police-spend" / "lancashire_fire_rescue_spend.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            gold = None
            parts = r["expenditure_category"].replace("\xa0", " ").strip().lower().split(".")
            if parts and parts[0] == "internal":
                parts = parts[1:]
            if not r["source_file"].startswith("fire-2022") and len(parts) >= 2:
                hits = [c for name, c in level1.items() if name.startswith(parts[0])]
                if len(hits) == 1 and len(parts[0]) >= 8:
                    l1 = hits[0]
                    l2 = level2.get(
                        (l1.level1.lower(), LEVEL2_ALIASES.get((parts[0], parts[1]), parts[1]))
                    )
                    gold = (l2 or l1).code
            yield Line(
                "lancashire-fire",
                _clean(r["supplier_classification"]),
                None,
                None,
                _clean(r["supplier_name"]),
                _money(r["amount_gbp"]),
                gold,
            )


def trafford() -> Iterator[Line]:
    codes = _codes()
    extra = _crosswalk("trafford.csv", "proclass_code")
    path = VARIETY / "uk-trafford-council" / "trafford-supplier-spend-2026-27.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            code = r["ProclassCode"].strip()
            gold = code if code in codes else extra.get((code,))
            yield Line(
                "trafford",
                None,
                _clean(r["Purpose"]),
                _clean(r["OrganisationalUnit"]),
                _clean(r["BeneficiaryName"]),
                _money(r["Amount"]),
                gold,
            )


def dwp() -> Iterator[Line]:
    walk = _crosswalk("dwp.csv", "category", "sub_category", "micro_category")
    path = VARIETY / "uk-department-for-work-and-pensions" / "dwp-payments-june2012.csv"
    with path.open(encoding="cp1252", newline="") as f:
        for r in csv.DictReader(f):
            key = tuple(
                r[k].strip().upper() for k in ("Category", "Sub-Category", "Micro-Category")
            )
            yield Line(
                "dwp",
                _clean(r["Expense Type"]),
                None,
                _clean(r["Expense Area"]),
                _clean(r["Supplier"]),
                _money(r["Amount"]),
                walk.get(key),
            )


def lambeth() -> Iterator[Line]:
    walk = _crosswalk("lambeth.csv", "subjective")
    path = VARIETY / "uk-london-borough-of-lambeth" / "2012-06-payments.csv"
    text = path.read_text(encoding="utf-8")
    body = "\n".join(text.split("\n")[9:])  # a 9-line report title block above the header
    for r in csv.DictReader(io.StringIO(body)):
        if r.get("Body") != "Lambeth":
            continue
        heading = _clean(r["Subj Description"])
        yield Line(
            "lambeth",
            heading,
            None,
            _clean(r["Department"]),
            _clean(r["Supplier Name"]),
            _money(r["Invoice Nett Amount"]),
            walk.get(((heading or "").upper(),)),
        )


def oxford() -> Iterator[Line]:
    walk = _crosswalk("oxford.csv", "category")
    path = VARIETY / "uk-oxford-city-council" / "expenditure-over-500-oct-dec-2016.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            category = _clean(r["Expenditure Catergory"])
            yield Line(
                "oxford",
                category,
                None,
                _clean(r["Service Area"]),
                _clean(r["Supplier Name"]),
                _money(r["Amount"]),
                walk.get(((category or "").upper(),)),
            )


PUBLISHERS = {
    "lancashire-fire": lancashire_fire,
    "trafford": trafford,
    "dwp": dwp,
    "lambeth": lambeth,
    "oxford": oxford,
}


def publisher_lines(name: str) -> list[Line]:
    return list(PUBLISHERS[name]())


# --- training-only sources --------------------------------------------------------------------


def _prefix_lookup(table: dict[str, str], digits: str) -> str | None:
    """The code of the longest key of ``table`` that starts ``digits``."""
    for n in range(len(digits), 1, -1):
        found = table.get(digits[:n])
        if found:
            return found
    return None


def contracts_finder() -> Iterator[Line]:
    """Notice titles with the code their (first) CPV code crosswalks to."""
    from anchorkit.classify.taxonomy import crosswalk_rows

    cpv = {r["cpv"]: r["code"] for r in crosswalk_rows("cpv")}
    seen: set[str] = set()
    notices = DATA / "uk-lancashire-contracts-finder" / "lancashire_contracts_finder_notices.csv"
    awards = DATA / "uk-contracts-finder-ocds" / "contracts_finder_award_suppliers.csv"
    for path, title_col, cpv_col, _supplier_col in (
        (notices, "title", "cpv_codes", "awarded_supplier"),
        (awards, "tender_title", "cpv", "supplier_name"),
    ):
        with path.open(encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                title = _clean(r[title_col])
                first = (r[cpv_col] or "").split()[:1]
                if not title or not first or title.upper() in seen:
                    continue
                seen.add(title.upper())
                code = _prefix_lookup(cpv, first[0].split("-")[0])
                if code:
                    yield Line("contracts-finder", None, title, None, None, 0.0, code)


def companies_house_sic() -> Iterator[Line]:
    """Companies House SIC texts ("Manufacture of workwear") with their crosswalked code."""
    from anchorkit.classify.taxonomy import crosswalk_rows

    sic = {r["sector"]: r["code"] for r in crosswalk_rows("sector") if r["scheme"] == "uk_sic"}
    path = DATA / "uk-proclass-sic-categories" / "companies_house_sic_codes.csv"
    with path.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            digits = r["sicc_int"].strip()
            # 5 digits: SIC 2007, what Companies House uses now; 4-digit codes are SIC 2003's (or
            # a 2007 code that lost its leading zero): ambiguous, left out
            code = _prefix_lookup(sic, digits) if len(digits) == 5 else None
            text = _clean(r["sictext_1"])
            if code and text:
                yield Line("companies-house-sic", None, text, None, None, 0.0, code)


TRAINING_ONLY = {"contracts-finder": contracts_finder, "companies-house-sic": companies_house_sic}

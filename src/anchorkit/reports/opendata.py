"""Open data: the published indicators as CSV and Parquet with a Frictionless data package.

Written from a publication (see :func:`anchorkit.views.workflows.publish`), so the files hold
exactly what the public page shows: every figure — a cell's total and each of its sub-figures
(local, impact, priority-area spend and their shares) — that the one rule
(``publish.min_suppliers``, ``publish.max_supplier_share``) or complementary suppression hides
is empty (:mod:`anchorkit.views.disclosure`); ``suppressed`` says the cell's total is hidden.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from anchorkit.csv_safe import safe_row

MEASURES = (
    ("total_spend", "number", "All spend in the cell, in the network's currency."),
    (
        "addressable_spend",
        "number",
        "Spend the anchors could place locally (excluded categories left out).",
    ),
    ("local_spend", "number", "Addressable spend with suppliers in the local area."),
    ("local_share", "number", "local_spend / addressable_spend (a fraction: 0.42 is 42 %)."),
    ("impact_spend", "number", "Addressable spend with certified or tagged impact suppliers."),
    ("impact_share", "number", "impact_spend / addressable_spend (a fraction)."),
    (
        "priority_area_share",
        "number",
        "Share of addressable spend with suppliers in priority areas.",
    ),
    (
        "unknown_location_share",
        "number",
        "Share of addressable spend whose supplier is not placed.",
    ),
    ("suppliers", "integer", "Distinct suppliers paid in the cell."),
    (
        "suppressed",
        "boolean",
        "True: the cell's figures are withheld (too few suppliers, or one dominates).",
    ),
)
DIMENSIONS = ("year", "anchor", "category", "neighbourhood")
#: a dimension's field type in the data package (the others are text)
KEY_TYPES = {"year": "integer"}
LICENCE = {
    "name": "ODC-By-1.0",
    "path": "https://opendatacommons.org/licenses/by/1-0/",
    "title": "Open Data Commons Attribution License 1.0",
}

#: (name, type, description) of a field; a table: its columns, rows and field schemas
Field = tuple[str, str, str]
Table = tuple[list[str], list[list[Any]], list[dict[str, str]]]


def _rfc3339(at: Any) -> str:
    """When the publication was made, as the data package spec writes it (2026-12-06T12:39:10Z)."""
    when: datetime = (
        datetime.fromisoformat(at)
        if isinstance(at, str)
        else at
        if isinstance(at, datetime)
        else datetime.now(UTC)
    )
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)  # the app records keep UTC
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _value(value: Any, kind: str) -> Any:
    if value is None:
        return None
    if kind == "number":
        return float(value)
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return bool(value)
    return str(value)


def _table(rows: list[dict[str, Any]], key: str | None) -> Table:
    about = f"The {key} the row's figures are for (empty: not known)." if key else ""
    fields = ([(key, KEY_TYPES.get(key, "string"), about)] if key else []) + list(MEASURES)
    names = [name for name, _, _ in fields]
    data = [
        [
            _value(row.get(name, False if name == "suppressed" else None), kind)
            for name, kind, _ in fields
        ]
        for row in rows
    ]
    schema = [{"name": n, "type": kind, "description": text} for n, kind, text in fields]
    return names, data, schema


#: (name, type, description) of each field of the hiring and investment tables
HIRING_FIELDS = (
    ("period", "integer", "The fiscal year counted."),
    ("staff", "integer", "People on staff (empty: fewer than the network's threshold)."),
    ("new_hires", "integer", "People hired in the year."),
    ("leavers", "integer", "People who left in the year."),
    ("apprentices", "integer", "Apprentices and trainees."),
    ("contractor_staff", "integer", "Contractors' staff working for the anchors."),
    ("local_staff_share", "number", "Share of staff living in the local area (a fraction)."),
    ("wider_local_staff_share", "number", "Share of staff living in the wider local ring."),
    ("priority_area_staff_share", "number", "Share of staff living in priority areas (est.)."),
    ("local_hire_share", "number", "Share of new hires living in the local area."),
    ("wider_local_hire_share", "number", "Share of new hires living in the wider local ring."),
    ("priority_area_hire_share", "number", "Share of new hires living in priority areas (est.)."),
    ("living_wage_share", "number", "Share of staff (pay band known) paid the living wage."),
    (
        "contractor_living_wage_share",
        "number",
        "Share of contractors' staff (pay band known) paid the living wage.",
    ),
    ("local_payroll_share", "number", "Share of payroll paid to staff living locally."),
)
INVESTMENT_FIELDS = (
    ("year", "integer", "The fiscal year at whose end the holdings are counted."),
    ("portfolio", "number", "All holdings, in the network's currency."),
    ("local_investment", "number", "Held with investees in the local area."),
    ("local_investment_share", "number", "local_investment / portfolio (a fraction)."),
    ("priority_area_investment", "number", "Held with investees in priority areas."),
    ("priority_area_investment_share", "number", "priority_area_investment / portfolio."),
    ("impact_investment", "number", "Held with impact investees (CDFI, co-op, ...: flagged)."),
    ("impact_investment_share", "number", "impact_investment / portfolio."),
    ("place_based_investment", "number", "Held locally or in priority areas, counted once."),
    ("place_based_investment_share", "number", "place_based_investment / portfolio."),
    ("unknown_location_investment_share", "number", "Share held with investees not placed."),
    ("investees", "integer", "Distinct investees."),
    (
        "suppressed",
        "boolean",
        "True: the row's figures are withheld (too few investees, or one dominates).",
    ),
)


def _lever_table(fields: tuple[Field, ...], rows: list[dict[str, Any]]) -> Table:
    names = [n for n, _, _ in fields]
    data = [[_value(row.get(n), kind) for n, kind, _ in fields] for row in rows]
    return names, data, [{"name": n, "type": k, "description": d} for n, k, d in fields]


def _lever_tables(indicators: dict[str, Any]) -> list[tuple[str, Table]]:
    """The hiring and investment tables of a publication (absent from older ones): the
    network's figures by period and year, small counts already suppressed (empty)."""
    tables = []
    if "hiring" in indicators:
        tables.append(("hiring", _lever_table(HIRING_FIELDS, indicators["hiring"]["rows"])))
    if "investment" in indicators:
        rows = indicators["investment"]["rows"]
        tables.append(("investment", _lever_table(INVESTMENT_FIELDS, rows)))
    return tables


def write_open_data(publication: dict[str, Any], out: Path, *, title: str) -> list[Path]:
    """Write one CSV and one Parquet file per view and ``datapackage.json``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    indicators = publication["indicators"]
    views: list[tuple[str, str | None, list[dict[str, Any]]]] = [
        ("network", None, [indicators["network"]])
    ]
    views += [(f"by_{d}", d, indicators["by"].get(d, [])) for d in DIMENSIONS]
    tables = [(name, _table(rows, key)) for name, key, rows in views]
    tables += _lever_tables(indicators)
    written: list[Path] = []
    resources = []
    for name, (columns, data, schema) in tables:
        csv_path = out / f"{name}.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(columns)
            # labels come from the anchors' files (categories, places): never a formula
            writer.writerows(safe_row("" if v is None else v for v in row) for row in data)
        parquet_path = out / f"{name}.parquet"
        pq.write_table(
            pa.table({c: [row[i] for row in data] for i, c in enumerate(columns)}), parquet_path
        )
        written += [csv_path, parquet_path]
        resources.append(
            {
                "profile": "tabular-data-resource",
                "name": name,
                "path": csv_path.name,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {"fields": schema, "missingValues": [""]},
            }
        )
    package = {
        "profile": "tabular-data-package",
        "name": "anchorkit-published-indicators",
        "title": title,
        "description": (
            "Community wealth building indicators of an anchor collaborative, as published. Cells "
            "with too few suppliers, or dominated by one supplier, are suppressed (empty, with "
            "suppressed = true) — so is any sub-figure (local, impact, priority-area spend, a "
            "share) made that way, and other figures where a hidden one could be recovered by "
            "subtraction across the tables published together. "
            "Hiring figures: counts of fewer people than the network's threshold, and shares made "
            "of them, are empty; investment figures follow the suppliers' rule with investees."
        ),
        "version": str(publication.get("publication_id", "")),
        "created": _rfc3339(publication.get("at")),
        "licenses": [LICENCE],
        "sources": [{"title": "The anchors' own payment files, as loaded in anchorkit"}],
        "resources": resources,
    }
    package_path = out / "datapackage.json"
    package_path.write_text(json.dumps(package, indent=2), encoding="utf-8")
    written.append(package_path)
    return written

"""Open data: the published indicators as CSV and Parquet with a Frictionless data package.

Written from a publication (see :func:`anchorkit.views.workflows.publish`), so the files hold
exactly what the public page shows: every small cell suppressed by the one rule
(``publish.min_suppliers``, ``publish.max_supplier_share``) and, where a dimension hides a single
cell, a second cell hidden so that it cannot be recovered from the total.
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


def _table(
    rows: list[dict[str, Any]], key: str | None
) -> tuple[list[str], list[list[Any]], list[dict[str, str]]]:
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


HIRING_FIELDS = (
    ("period", "integer"),
    ("staff", "integer"),
    ("new_hires", "integer"),
    ("leavers", "integer"),
    ("apprentices", "integer"),
    ("contractor_staff", "integer"),
    ("local_staff_share", "number"),
    ("wider_local_staff_share", "number"),
    ("priority_area_staff_share", "number"),
    ("local_hire_share", "number"),
    ("wider_local_hire_share", "number"),
    ("priority_area_hire_share", "number"),
    ("living_wage_share", "number"),
    ("contractor_living_wage_share", "number"),
    ("local_payroll_share", "number"),
)
INVESTMENT_FIELDS = (
    ("year", "integer"),
    ("portfolio", "number"),
    ("local_investment", "number"),
    ("local_investment_share", "number"),
    ("priority_area_investment", "number"),
    ("priority_area_investment_share", "number"),
    ("impact_investment", "number"),
    ("impact_investment_share", "number"),
    ("place_based_investment", "number"),
    ("place_based_investment_share", "number"),
    ("unknown_location_investment_share", "number"),
    ("investees", "integer"),
    ("suppressed", "boolean"),
)


def _lever_views(
    indicators: dict[str, Any],
) -> list[tuple[str, tuple[tuple[str, str], ...], list[dict[str, Any]]]]:
    """The hiring and investment tables of a publication (absent from older ones): the
    network's figures by period and year, small counts already suppressed (empty)."""
    views: list[tuple[str, tuple[tuple[str, str], ...], list[dict[str, Any]]]] = []
    if "hiring" in indicators:
        views.append(("hiring", HIRING_FIELDS, list(indicators["hiring"]["rows"])))
    if "investment" in indicators:
        views.append(("investment", INVESTMENT_FIELDS, list(indicators["investment"]["rows"])))
    return views


def write_open_data(publication: dict[str, Any], out: Path, *, title: str) -> list[Path]:
    """Write one CSV and one Parquet file per view and ``datapackage.json``; returns the paths."""
    out.mkdir(parents=True, exist_ok=True)
    indicators = publication["indicators"]
    views: list[tuple[str, str | None, list[dict[str, Any]]]] = [
        ("network", None, [indicators["network"]])
    ]
    views += [(f"by_{d}", d, indicators["by"].get(d, [])) for d in DIMENSIONS]
    written: list[Path] = []
    resources = []
    for name, key, rows in views:
        columns, data, schema = _table(rows, key)
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
    for name, fields, rows in _lever_views(indicators):
        names = [n for n, _ in fields]
        data = [[_value(row.get(n), kind) for n, kind in fields] for row in rows]
        csv_path = out / f"{name}.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            writer.writerows(["" if v is None else v for v in row] for row in data)
        parquet_path = out / f"{name}.parquet"
        pq.write_table(
            pa.table({c: [row[i] for row in data] for i, c in enumerate(names)}), parquet_path
        )
        written += [csv_path, parquet_path]
        resources.append(
            {
                "name": name,
                "path": csv_path.name,
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [{"name": n, "type": k} for n, k in fields],
                    "missingValues": [""],
                },
            }
        )
    package = {
        "profile": "tabular-data-package",
        "name": "anchorkit-published-indicators",
        "title": title,
        "description": (
            "Community wealth building indicators of an anchor collaborative, as published. Cells "
            "with too few suppliers, or dominated by one supplier, are suppressed (empty, with "
            "suppressed = true), and a second cell where one alone could be recovered from a total. "
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

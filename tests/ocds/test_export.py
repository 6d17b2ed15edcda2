"""OCDS out: a valid 1.1 release package, exact money, and a round trip that loses nothing."""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anchorkit.cli import app
from anchorkit.errors import ExportError
from anchorkit.ingest import ingest_files
from anchorkit.ocds import export_ocds, validate_package
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ANCHOR, ingest_one, write
from tests.ocds.helpers import CF_DIR, CF_PACKAGE, FICTIONAL_DIR, expected_from_csv, load_json

PUBLISHED = dt.datetime(2026, 1, 31, 12, 0, tzinfo=dt.UTC)
SPEND = (
    "Supplier,Amount,Date,Vendor No,Postcode\n"
    "Acme Cleaning Ltd,0.10,2023-04-03,V1,PR1 2AB\n"
    "Acme Cleaning Ltd,0.20,2023-05-03,V1,PR1 2AB\n"
    "Bolt Security,1234.50,2024-01-15,V2,M1 1AA\n"
    "Bolt Security,99.99,2024-06-01,V2,M1 1AA\n"
)


def _export(ws: Workspace, tmp_path: Path, **options: Any) -> tuple[Any, Any]:
    out = tmp_path / "out" / "awards.json"
    result = export_ocds(ws, out, published=PUBLISHED, **options)
    return result, load_json(out)


def _ingest_for_other(ws: Workspace, path: Path) -> None:
    (result,) = ingest_files(ws, [path], "Other Council")
    assert result.error is None and result.rows_loaded == 1


def _awards(package: Any) -> list[Any]:
    return [a for r in package["releases"] for a in r["awards"]]


def test_round_trip_of_contracts_finder(ws: Workspace, shared_data: Path, tmp_path: Path) -> None:
    expected = expected_from_csv(shared_data)
    imported = ingest_one(ws, shared_data / CF_DIR / CF_PACKAGE)
    result, package = _export(ws, tmp_path)
    assert validate_package(json.loads((tmp_path / "out" / "awards.json").read_text())) == []
    awards = _awards(package)
    assert len(awards) == result.awards_from_ocds == imported.rows_loaded == expected.awards
    assert result.awards_from_spend == 0
    total = sum((a["value"]["amount"] for a in awards), Decimal(0))
    assert total == expected.total == Decimal(result.totals["GBP"])
    # every supplier reference resolves to a party, with its identifier, scale and VCSE flag
    suppliers = []
    for release in package["releases"]:
        parties = {p["id"]: p for p in release["parties"]}
        assert {"buyer"} <= set(parties[release["buyer"]["id"]]["roles"])
        suppliers += [parties[s["id"]] for a in release["awards"] for s in a["suppliers"]]
    assert len(suppliers) == expected.lines
    ids = {
        f"{p['identifier']['scheme']}-{p['identifier']['id']}"
        for p in suppliers
        if p.get("identifier", {}).get("scheme") == "GB-COH"
    }
    assert ids == expected.gb_coh
    assert sum(p.get("details", {}).get("scale") == "sme" for p in suppliers) == expected.sme
    assert sum(p.get("details", {}).get("vcse") is True for p in suppliers) == expected.vcse
    # the imported ocids and award ids are kept as published
    source = load_json(shared_data / CF_DIR / CF_PACKAGE)
    published = {(r["ocid"], a["id"]) for r in source["releases"] for a in r.get("awards") or []}
    assert {(r["ocid"], a["id"]) for r in package["releases"] for a in r["awards"]} <= published


def test_spend_lines_become_awards_with_the_anchor_as_buyer(ws: Workspace, tmp_path: Path) -> None:
    ingest_one(ws, write(tmp_path, "payments.csv", SPEND))
    result, package = _export(ws, tmp_path)
    assert package["version"] == "1.1" and package["publishedDate"] == "2026-01-31T12:00:00Z"
    assert package["publisher"] == {"name": "Anchor collaborative"}
    # one release per anchor and fiscal year (April start), one award per supplier in it
    summary = [
        (
            r["ocid"],
            r["buyer"]["name"],
            [(a["suppliers"][0]["name"], a["value"]) for a in r["awards"]],
        )
        for r in package["releases"]
    ]
    assert summary == [
        (
            "ocds-anchorkit-1-2023",
            ANCHOR,
            [
                ("Acme Cleaning Ltd", {"amount": Decimal("0.30"), "currency": "GBP"}),
                ("Bolt Security", {"amount": Decimal("1234.50"), "currency": "GBP"}),
            ],
        ),
        (
            "ocds-anchorkit-1-2024",
            ANCHOR,
            [("Bolt Security", {"amount": Decimal("99.99"), "currency": "GBP"})],
        ),
    ]
    assert result.awards_from_spend == 3 and result.totals == {"GBP": "1334.79"}
    first = package["releases"][0]
    assert first["tag"] == ["award"] and first["initiationType"] == "tender"
    assert first["date"] == "2024-01-15T00:00:00Z"  # the year's last payment
    roles = {p["name"]: p["roles"] for p in first["parties"]}
    assert roles == {
        ANCHOR: ["buyer"],
        "Acme Cleaning Ltd": ["supplier"],
        "Bolt Security": ["supplier"],
    }
    assert validate_package(json.loads((tmp_path / "out" / "awards.json").read_text())) == []


def test_amounts_are_written_digit_for_digit(ws: Workspace, tmp_path: Path) -> None:
    ingest_one(ws, write(tmp_path, "payments.csv", SPEND))
    _export(ws, tmp_path)
    text = (tmp_path / "out" / "awards.json").read_text()
    assert '"amount": 0.30,' in text and '"amount": 1234.50,' in text
    assert "0.30000000000000004" not in text and "0.3," not in text


def test_anchor_and_ocds_only_narrow_the_export(
    ws: Workspace, shared_data: Path, tmp_path: Path
) -> None:
    ws.add_anchor("Other Council", "municipality")
    ingest_one(ws, write(tmp_path, "payments.csv", SPEND))
    _ingest_for_other(ws, shared_data / FICTIONAL_DIR / "ocds-213czf-000-00001-04-award.json")
    _, everything = _export(ws, tmp_path)
    assert len(_awards(everything)) == 4
    _, ocds_only = _export(ws, tmp_path, include_spend=False)
    assert [a["id"] for a in _awards(ocds_only)] == ["ocds-213czf-000-00001-award-01"]
    _, other = _export(ws, tmp_path, anchor="Other Council")
    assert [r["ocid"] for r in other["releases"]] == ["ocds-213czf-000-00001"]
    release = other["releases"][0]
    assert release["buyer"] == {"id": "GB-LAC-E09000003", "name": "London Borough of Barnet"}


def test_the_file_is_readable_like_any_other(ws: Workspace, tmp_path: Path) -> None:
    """Written through a private temporary file, but meant for publishing."""
    ingest_one(ws, write(tmp_path, "payments.csv", SPEND))
    before = os.umask(0o022)
    try:
        _export(ws, tmp_path)
    finally:
        os.umask(before)
    assert (tmp_path / "out" / "awards.json").stat().st_mode & 0o777 == 0o644
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["awards.json"]


def test_nothing_to_export_is_a_clear_error(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="no awards or spend lines"):
        export_ocds(ws, tmp_path / "awards.json")
    assert not (tmp_path / "awards.json").exists()


def test_the_schema_check_catches_a_broken_package() -> None:
    assert "/: 'uri' is a required property" in validate_package({"version": "1.1"})
    bad = {
        "uri": "https://example.org/p",
        "version": "1.1",
        "publishedDate": "2026-01-01T00:00:00Z",
        "publisher": {"name": "x"},
        "releases": [
            {
                "ocid": "ocds-x-1",
                "date": "2026-01-01T00:00:00Z",
                "tag": ["award"],
                "initiationType": "tender",
                "awards": [{"id": "1", "value": {"amount": 1, "currency": "ZZZ"}}],
            }
        ],
    }
    problems = validate_package(bad)
    assert "/releases/0: 'id' is a required property" in problems
    assert any(p.startswith("/releases/0/awards/0/value/currency:") for p in problems)


def test_cli_export_ocds(ws: Workspace, tmp_path: Path) -> None:
    ingest_one(ws, write(tmp_path, "payments.csv", SPEND))
    ws_path = str(ws.root)
    ws.close()
    out = tmp_path / "awards.json"
    done = CliRunner().invoke(app, ["--workspace", ws_path, "export", "ocds", "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert "3 from spend lines" in done.output and "1334.79 GBP" in done.output
    assert validate_package(json.loads(out.read_text())) == []

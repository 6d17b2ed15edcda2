"""Registry import: real registries counted independently, the ledger's promises, tags checked.

Counts on the real files are not typed in from a first run: each test recomputes them from the
file with DuckDB's own CSV reader (or plain ``json`` for OCDS), so a wrong import cannot pass by
agreeing with itself.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import duckdb
import pytest
import xlsxwriter
from typer.testing import CliRunner

from anchorkit.cli import app
from anchorkit.errors import IngestError, MappingError
from anchorkit.resolve import registries
from anchorkit.resolve.registries import (
    RegistryImportResult,
    allowed_tags,
    check_tags,
    import_ocds_supplier_flags,
    import_registry,
    list_registries,
    load_registry_mapping,
    vocabularies,
)
from anchorkit.workspace import Workspace

ISSUE_TAGS = {
    "indigenous_owned",
    "black_owned",
    "women_owned",
    "racialized_owned",
    "lgbtq_owned",
    "disability_owned",
    "veteran_owned",
    "social_enterprise",
    "co_op",
    "non_profit",
    "b_corp",
    "sme",
    "minority_owned",
    # issue 15 (one tag vocabulary): the portal's certifications and what the frameworks count
    "newcomer_owned",
    "living_wage",
    "employee_owned",
}


# --- helpers ------------------------------------------------------------------------------------


def imported(
    ws: Workspace, path: Path, registry: str, tags: list[str], **kw: Any
) -> RegistryImportResult:
    result = import_registry(ws, path, registry, tags, **kw)
    assert result.error is None, result.error
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    return result


def snapshot(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: ws.engine.query("t", f"SELECT * EXCLUDE ({skip}) FROM {t} ORDER BY ALL")
        if skip
        else ws.engine.query("t", f"SELECT * FROM {t} ORDER BY ALL")
        for t, skip in (
            ("registry_file", "imported_at"),
            ("registry_entry", ""),
            ("registry_rejected_row", ""),
        )
    }


def entries(ws: Workspace, registry: str) -> dict[str, dict[str, Any]]:
    cols = ["entry_id", "name", "postcode", "city", "tags", "certified_on", "expires_on", "extra"]
    rows = ws.engine.query(
        "t", f"SELECT {', '.join(cols)} FROM registry_entry WHERE registry = ?", [registry]
    )
    found = {r[0]: dict(zip(cols, r, strict=True)) for r in rows}
    for entry in found.values():
        entry["extra"] = json.loads(entry["extra"]) if entry["extra"] else {}
    return found


def rejected(ws: Workspace, registry: str) -> dict[int, list[str]]:
    rows = ws.engine.query(
        "t",
        "SELECT source_row, reasons FROM registry_rejected_row WHERE registry = ? "
        "ORDER BY source_row",
        [registry],
    )
    return {int(n): list(r) for n, r in rows}


def csv_query(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Ask DuckDB's CSV reader directly: the independent count."""
    table = f"read_csv('{path}', all_varchar = true, header = true)"
    return duckdb.sql(sql.replace("FILE", table)).fetchall()


# --- tags ---------------------------------------------------------------------------------------


def test_the_allowed_tags_are_the_issues_and_every_vocabulary_uses_only_them() -> None:
    assert set(allowed_tags()) == ISSUE_TAGS
    for vocabulary in vocabularies().values():
        for value, rule in vocabulary.values.items():
            assert set(rule.tags) <= ISSUE_TAGS, (vocabulary.name, value)
            assert value == " ".join(re.sub(r"[^a-z0-9]+", " ", value).split())


def test_tags_are_validated_with_the_allowed_list(ws: Workspace, tmp_path: Path) -> None:
    assert check_tags(["Co-op", "SME", "co_op"]) == ["co_op", "sme"]
    path = tmp_path / "r.csv"
    path.write_text("Name\nA Ltd\n")
    with pytest.raises(IngestError, match="did you mean 'women_owned'.*Allowed tags: indigenous"):
        import_registry(ws, path, "r", ["woman_owned"])
    with pytest.raises(IngestError, match="cannot be a registry name.*'my-list'"):
        import_registry(ws, path, "My List!", ["sme"])
    assert snapshot(ws)["registry_file"] == []


# --- real registries ----------------------------------------------------------------------------


def test_bc_indigenous_businesses(ws: Workspace, shared_data: Path) -> None:
    path = shared_data / "ca-bc-indigenous-businesses" / "bc_indigenous_businesses.csv"
    result = imported(ws, path, "bc-indigenous", ["indigenous_owned"])
    ((rows, places),) = csv_query(
        path, "SELECT count(*), count(DISTINCT (lower(business_name), lower(city))) FROM FILE"
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (
        rows,
        places,
        rows - places,
    )
    assert (rows, places) == (1259, 1258)
    assert result.columns == {"name": "business_name", "city": "city"}
    # the one business listed twice (same name, same city) is rejected, naming the first listing
    ((first, second),) = csv_query(
        path,
        "SELECT min(n) + 1, max(n) + 1 FROM (SELECT row_number() OVER () AS n, business_name "
        "FROM FILE) WHERE business_name = 'Quilakwa Investments Ltd.'",
    )
    assert rejected(ws, "bc-indigenous") == {
        second: [f"duplicate: same name and city as row {first}"]
    }
    found = entries(ws, "bc-indigenous").values()
    assert {tuple(e["tags"]) for e in found} == {("indigenous_owned",)}
    assert all(e["entry_id"].startswith("h-") for e in found)  # no registry id in this file
    assert all("year_formed" in e["extra"] for e in found)  # kept, not read as a date


def test_coops_uk_dissolved_coops_expire_and_dead_ones_without_a_date_are_rejected(
    ws: Workspace, shared_data: Path
) -> None:
    path = shared_data / "uk-coops-open-data" / "coops_uk_organisations_2017.csv"
    result = imported(ws, path, "coops-uk", ["co_op"])
    ((rows, dead_undated, dissolved),) = csv_query(
        path,
        """SELECT count(*),
            count(*) FILTER (WHERE "Registered Status" = 'Dead' AND "Dissolved Date" IS NULL),
            count("Dissolved Date") FROM FILE""",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (
        rows,
        rows - dead_undated,
        dead_undated,
    )
    assert (rows, dead_undated) == (8371, 7)
    assert result.date_order == "dmy"
    assert result.columns["name"] == "Registered Name"  # not the trading name
    assert result.columns["registry_id"] == "CUK Organisation ID"
    found = entries(ws, "coops-uk")
    assert sum(e["expires_on"] is not None for e in found.values()) == dissolved
    anglia = found["R000006"]  # dissolved 11/12/2013, day-first
    assert (anglia["certified_on"], anglia["expires_on"]) == (
        dt.date(1921, 3, 10),
        dt.date(2013, 12, 11),
    )
    assert anglia["extra"]["Trading Name"] == "Anglia Regional Co-operative Society Limited"
    assert anglia["extra"]["Registered Number"] == "8644R"
    assert all(
        e["expires_on"] >= e["certified_on"]
        for e in found.values()
        if e["expires_on"] and e["certified_on"]
    )
    reasons = rejected(ws, "coops-uk").values()
    assert len(reasons) == dead_undated
    assert all(
        r == ["status 'Dead' says it has ended, but the expiry (or dissolved) date is empty"]
        for r in reasons
    )

    before = snapshot(ws)
    again = import_registry(ws, path, "coops-uk", ["co_op"])
    assert again.already_loaded and again.rows_loaded == result.rows_loaded
    assert snapshot(ws) == before


def test_maryland_mbe_directory_per_row_tags(ws: Workspace, shared_data: Path) -> None:
    path = shared_data / "us-maryland-mbe-directory" / "maryland_mbe_dbe_directory_2017.csv"
    result = imported(ws, path, "maryland-mbe", ["minority_owned"])
    ((rows, black, women, sbe_only, women_only, with_id),) = csv_query(
        path,
        """SELECT count(*),
            count(*) FILTER (WHERE minority_group LIKE '%AFRICAN AMERICAN%'),
            count(*) FILTER (WHERE minority_group LIKE '%FEMALE%'),
            count(*) FILTER (WHERE minority_group = 'NR (SBE ONLY)'),
            count(*) FILTER (WHERE minority_group = 'FEMALE'),
            count(certification_number) FROM FILE""",
    )
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (rows, rows, 0)
    assert result.columns["tags"] == "minority_group"
    found = list(entries(ws, "maryland-mbe").values())
    count = {t: sum(t in e["tags"] for e in found) for t in ISSUE_TAGS}
    assert count["black_owned"] == black == 498
    assert count["women_owned"] == women == 435
    assert count["sme"] == sbe_only == 17
    # SBE-only and women-only firms are not minority-owned (registry_tags.toml says why)
    assert count["minority_owned"] == rows - sbe_only - women_only == 743
    by_group = {e["extra"]["minority_group"]: e["tags"] for e in found}
    assert by_group["NR (SBE ONLY)"] == ["sme"]
    assert by_group["FEMALE"] == ["women_owned"]
    assert by_group["AFRICAN AMERICAN / FEMALE"] == ["black_owned", "minority_owned", "women_owned"]
    assert by_group["NATIVE AMERICAN"] == ["indigenous_owned", "minority_owned"]
    assert by_group["SOCIALLY AND ECONOMICALLY DISADVANTAGED"] == ["minority_owned"]
    # the certification number is the entry id; the one firm without one is keyed by a hash
    ids = [e["entry_id"] for e in found]
    assert sum(not i.startswith("h-") for i in ids) == with_id == 999
    assert "16-346" in ids
    assert all(e["certified_on"] is not None for e in found)


def test_contracts_finder_ocds_sme_and_vcse_flags(ws: Workspace, shared_data: Path) -> None:
    path = shared_data / "uk-contracts-finder-ocds" / "contracts_finder_release_package.json"
    result = import_ocds_supplier_flags(ws, path)
    assert result.error is None, result.error
    parties = [
        p
        for r in json.loads(path.read_text())["releases"]
        for p in r.get("parties", [])
        if "supplier" in p.get("roles", [])
    ]
    flagged = [
        p
        for p in parties
        if p.get("details", {}).get("scale") == "sme" or p.get("details", {}).get("vcse") is True
    ]

    def supplier(p: dict[str, Any]) -> str:
        ident = p.get("identifier", {})
        if ident.get("scheme") == "GB-COH":
            return "GB-COH-" + ident["id"].zfill(8)
        return ident.get("legalName", p.get("name", "")).lower()

    suppliers = {supplier(p) for p in flagged}
    assert len(parties) == 267 and len(suppliers) == 80
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (len(suppliers),) * 2 + (
        0,
    )
    assert result.rows_read + sum(result.rows_skipped.values()) == len(parties)
    found = entries(ws, "contracts-finder")
    assert {i for i in found if i.startswith("GB-COH-")} == {
        s for s in suppliers if s.startswith("GB-COH-")
    }
    assert "GB-COH-07689604" in found  # published as 7689604: zero-padded to 8
    vcse = {p["identifier"]["legalName"] for p in flagged if p["details"].get("vcse") is True}
    assert {e["name"] for e in found.values() if "social_enterprise" in e["tags"]} == vcse
    assert len(vcse) == 7
    assert sum("sme" in e["tags"] for e in found.values()) == len(
        {supplier(p) for p in flagged if p["details"].get("scale") == "sme"}
    )
    landmark = next(e for e in found.values() if e["name"] == "Landmark International School")
    assert landmark["tags"] == ["social_enterprise"]  # a large VCSE: not an SME
    assert landmark["postcode"] == "CB21 5EP"  # read out of the street address
    assert landmark["extra"]["notices"] == 2
    # the CLI routes a JSON file to the OCDS reader, and refuses --tag for it
    with pytest.raises(IngestError, match="OCDS"):
        import_registry(ws, path, "contracts-finder", ["sme"])
    assert import_registry(ws, path, "contracts-finder", []).already_loaded


# --- the ledger's promises on a hand-made file --------------------------------------------------

MESSY = """Registry of social enterprises - export 2024-05-01
(generated by the SE Network)

Registered Name,Trading Name,Registration Number,Postcode,City,Certification Date,Expiry Date,Status
Alpha Co-op Ltd,Alpha,SE-001,m1  1aa,Manchester,01/02/2020,01/02/2025,Active
,Nameless Trading,SE-002,M1 1AB,Manchester,01/02/2020,,Active
Bravo CIC,Bravo,SE-003,M2 2BB,Manchester,31/02/2020,,Active
Charlie Ltd,,SE-004,M3 3CC,Manchester,15/06/2021,01/01/2020,Active
Delta Ltd,,SE-005,M4 4DD,Manchester,13/01/2019,,Dissolved
Echo Ltd,,SE-006,M5 5EE,Salford,soon,never,Active

Registered Name,Trading Name,Registration Number,Postcode,City,Certification Date,Expiry Date,Status
Foxtrot Ltd,,SE-007,M6 6FF,Salford,2019-03-04,,Active
Golf Ltd,,SE-007,M7 7GG,Salford,,,Active
Hotel Ltd,,SE-009,M8 8HH,Bolton,,,Active
Hotel  Ltd,,SE-009,m8 8hh,Bolton,,,Active
"""


def test_title_rows_bad_dates_and_missing_names(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "se.csv"
    path.write_text(MESSY)
    result = imported(ws, path, "se-network", ["social_enterprise"])
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (10, 4, 6)
    assert result.rows_skipped == {"blank": 1, "header": 2, "title": 3}
    assert result.date_order == "dmy"
    assert rejected(ws, "se-network") == {
        6: ["name is empty"],
        7: ["certification date '31/02/2020' is not a valid date"],
        8: ["expiry date '2020-01-01' is before the certification date '2021-06-15'"],
        9: ["status 'Dissolved' says it has ended, but the expiry (or dissolved) date is empty"],
        10: [
            "certification date 'soon' is not a recognised date",
            "expiry date 'never' is not a recognised date",
        ],
        16: ["duplicate: same name and postcode as row 15"],
    }
    (raw,) = ws.engine.query_one(
        "t", "SELECT raw_cells FROM registry_rejected_row WHERE source_row = 6"
    )
    assert json.loads(raw)["Trading Name"] == "Nameless Trading"
    found = entries(ws, "se-network")
    alpha = found["SE-001"]
    assert alpha["name"] == "Alpha Co-op Ltd" and alpha["postcode"] == "M1 1AA"
    assert (alpha["certified_on"], alpha["expires_on"]) == (
        dt.date(2020, 2, 1),
        dt.date(2025, 2, 1),
    )
    assert alpha["tags"] == ["social_enterprise"]
    assert alpha["extra"]["Trading Name"] == "Alpha"
    # SE-007 is on two rows: neither can own it, so both are keyed by name and postcode
    by_name = {e["name"]: e for e in found.values()}
    assert set(by_name) == {"Alpha Co-op Ltd", "Foxtrot Ltd", "Golf Ltd", "Hotel Ltd"}
    assert by_name["Golf Ltd"]["entry_id"].startswith("h-")
    assert by_name["Golf Ltd"]["extra"]["Registration Number"] == "SE-007"
    assert any("2 registry ids appear on more than one row" in n for n in result.notes)
    assert any("rejected:" in n and "1 × name is empty" in n for n in result.notes)

    before = snapshot(ws)
    copy = tmp_path / "renamed.csv"
    copy.write_bytes(path.read_bytes())
    again = import_registry(ws, copy, "se-network", ["social_enterprise"])
    assert again.already_loaded and again.file_id == result.file_id
    assert snapshot(ws) == before
    # hash ids are stable: a newer snapshot with one more row keeps every id
    newer = _write(tmp_path, "se-2025.csv", MESSY + "India Ltd,,SE-010,M9 9II,Bolton,,,Active\n")
    imported(ws, newer, "se-network", ["social_enterprise"])
    assert entries(ws, "se-network").keys() == found.keys() | {"SE-010"}


def test_a_newer_file_replaces_the_registry_and_keeps_the_old_record(
    ws: Workspace, tmp_path: Path
) -> None:
    old, new = tmp_path / "2023.csv", tmp_path / "2024.csv"
    old.write_text("Name,Certification Number\nA Ltd,1\nB Ltd,2\n,3\n")
    new.write_text("Name,Certification Number\nB Ltd,2\nC Ltd,3\n")
    imported(ws, old, "list", ["women_owned"])
    second = imported(ws, new, "list", ["women_owned"])
    assert set(entries(ws, "list")) == {"2", "3"}
    assert any("replaced the registry's 2 entries from 2023.csv" in n for n in second.notes)
    files = ws.engine.query("t", "SELECT name FROM registry_file ORDER BY imported_at")
    assert files == [("2023.csv",), ("2024.csv",)]
    assert rejected(ws, "list") == {4: ["name is empty"]}  # the old file's rejects stay
    (summary,) = list_registries(ws)
    assert (summary.registry, summary.entries, summary.files, summary.last_file) == (
        "list",
        2,
        2,
        "2024.csv",
    )
    assert summary.tags == {"women_owned": 2}
    # the same bytes as another registry: refused, not silently shared
    clash = import_registry(ws, new, "another", ["sme"])
    assert clash.error and "already imported as registry 'list'" in clash.error


@pytest.mark.parametrize(
    "step", ["registry_file", "replace", "registry_entry", "registry_rejected_row", "commit"]
)
def test_a_crash_mid_import_leaves_the_store_as_it_was(
    ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    imported(ws, _write(tmp_path, "v1.csv", "Name\nA Ltd\n"), "r", ["sme"])
    before = snapshot(ws)

    def crash(at: str) -> None:
        if at == step:
            raise RuntimeError(f"injected fault at {at}")

    monkeypatch.setattr(registries, "FAULT_HOOK", crash)
    v2 = _write(tmp_path, "v2.csv", "Name\nB Ltd\n\n,\n")
    with pytest.raises(RuntimeError, match="injected fault"):
        import_registry(ws, v2, "r", ["sme"])
    assert snapshot(ws) == before
    monkeypatch.setattr(registries, "FAULT_HOOK", None)
    assert imported(ws, v2, "r", ["sme"]).rows_loaded == 1


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
        ("empty.csv", b"", "empty"),
        ("broken.xlsx", b"PK\x03\x04 not a zip", "cannot be opened"),
        ("nocolumns.csv", b"colour,shape\nred,round\n", "cannot find the name column"),
        ("headeronly.csv", b"Name,Postcode\n", "no data rows"),
        ("notocds.json", b'{"hello": 1}', "not an OCDS"),
        ("bad.json", b"{nope", "cannot be read as JSON"),
        ("allbad.csv", b"Name,Expiry Date\n,2020-01-01\nB Ltd,soon\n", "no row could be used"),
    ],
)
def test_an_unusable_file_gets_one_clear_message_and_changes_nothing(
    ws: Workspace, tmp_path: Path, name: str, content: bytes, message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    before = snapshot(ws)
    result = import_registry(ws, path, "r", [] if name.endswith(".json") else ["sme"])
    assert result.error is not None and message in result.error, result.error
    assert "Traceback" not in result.error and "\n" not in result.error
    assert snapshot(ws) == before


def test_a_headerless_file_with_a_mapping_and_tags_from_a_column(
    ws: Workspace, tmp_path: Path
) -> None:
    path = _write(
        tmp_path,
        "network.csv",
        "ACME Women's Catering,12 Queen St,M5V 2A1,Toronto,WBE / LGBTQ\n"
        "Northern Lights,1 King St,M5H 1A1,Toronto,COOP\n"
        "Mystery Inc,2 King St,M5H 1A2,Toronto,MARTIAN\n",
    )
    mapping_path = _write(
        tmp_path,
        "m.toml",
        "[columns]\nname = 1\naddress = 2\npostcode = 3\ncity = 4\ntags = 5\n\n"
        '[options]\nhas_header = false\ntag_vocabulary = "ownership"\n\n'
        '[tag_values]\n"COOP" = ["co_op"]\n',
    )
    result = imported(ws, path, "network", [], mapping=load_registry_mapping(mapping_path))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (3, 2, 1)
    tags = {e["name"]: e["tags"] for e in entries(ws, "network").values()}
    assert tags == {
        "ACME Women's Catering": ["lgbtq_owned", "women_owned"],
        "Northern Lights": ["co_op"],
    }
    assert rejected(ws, "network") == {
        3: ["no tag: no --tag was given and 'MARTIAN' is not in registry_tags.toml"]
    }
    assert any("'MARTIAN' (1)" in n for n in result.notes)


def test_mapping_files_are_checked(tmp_path: Path) -> None:
    bad_column = _write(tmp_path, "a.toml", '[columns]\nsupplier = "Name"\n')
    with pytest.raises(MappingError, match="unknown columns.*registry columns are: name"):
        load_registry_mapping(bad_column)
    bad_tag = _write(tmp_path, "b.toml", '[tag_values]\n"X" = ["womens"]\n')
    with pytest.raises(IngestError, match="Allowed tags"):
        load_registry_mapping(bad_tag)
    bad_vocab = _write(tmp_path, "c.toml", '[options]\ntag_vocabulary = "nope"\n')
    with pytest.raises(MappingError, match="known: minority group, ownership"):
        load_registry_mapping(bad_vocab)


def test_a_workbook_sheet_without_a_header_is_skipped(ws: Workspace, tmp_path: Path) -> None:
    path = tmp_path / "members.xlsx"
    book = xlsxwriter.Workbook(str(path))
    about = book.add_worksheet("About")
    about.write(0, 0, "This list is kept by the Ontario Co-op Association.")
    members = book.add_worksheet("Members")
    for r, row in enumerate([["Member Name", "Postal Code"], ["Co-op One", "K1A 0B1"], ["", "X"]]):
        for c, value in enumerate(row):
            members.write(r, c, value)
    book.close()
    result = imported(ws, path, "on-coops", ["co_op"])
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    assert result.rows_skipped == {"header": 1, "no_header": 1}
    (entry,) = entries(ws, "on-coops").values()
    assert entry["extra"] == {"(sheet)": "Members"}
    (raw,) = ws.engine.query_one("t", "SELECT raw_cells FROM registry_rejected_row")
    assert json.loads(raw) == {"(sheet)": "Members", "Member Name": None, "Postal Code": "X"}


# --- the CLI ------------------------------------------------------------------------------------


def test_cli_registry_import_and_list(ws: Workspace, tmp_path: Path) -> None:
    path = _write(tmp_path, "r.csv", "Business Name,Zip\nA Ltd,20743\n,20744\n")
    root = str(ws.root)
    ws.close()
    runner = CliRunner()
    base = ["--workspace", root, "registry"]
    ok = runner.invoke(app, [*base, "import", str(path), "-r", "test-list", "-t", "sme", "--json"])
    assert ok.exit_code == 0, ok.output
    data = json.loads(ok.stdout)
    assert (data["rows_read"], data["rows_loaded"], data["rows_rejected"]) == (2, 1, 1)
    text = runner.invoke(app, [*base, "import", str(path), "-r", "test-list", "-t", "sme"])
    assert text.exit_code == 0 and "already imported" in text.stdout
    bad = runner.invoke(app, [*base, "import", str(path), "-r", "x", "--tag", "smb"])
    assert bad.exit_code == 1 and "smb" in bad.output and "Traceback" not in bad.output
    listed = runner.invoke(app, [*base, "list", "--json"])
    (summary,) = json.loads(listed.stdout)
    assert summary["registry"] == "test-list" and summary["entries"] == 1
    assert summary["tags"] == {"sme": 1}
    table = runner.invoke(app, [*base, "list"])
    assert table.exit_code == 0 and "test-list" in table.stdout

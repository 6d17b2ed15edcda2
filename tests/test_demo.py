"""The seeded demo network: deterministic, internally consistent, and as messy as promised.

One small network (3,000 lines, all 17 anchors) is built per module and read back; the assertions are on
the written bytes and on the truth, never on the generator's internals, so they also document what the
ingest tests may rely on.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from python_calamine import CalamineWorkbook

from anchorkit.demo import ANCHORS, DemoNetwork, build_demo, minimum_lines
from anchorkit.demo.names import NameHabit, SupplierName, spell
from anchorkit.demo.reference import shipped_postcodes

LINES = 3000
KINDS = {
    "hospital", "university", "college", "school_board", "municipality", "agency", "housing", "other"
}  # fmt: skip


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> DemoNetwork:
    return build_demo(tmp_path_factory.mktemp("demo"), lines=LINES, seed=42)


@pytest.fixture(scope="module")
def expected(net: DemoNetwork) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((net.truth_dir / "expected.json").read_text("utf-8"))
    return data


@pytest.fixture(scope="module")
def truth(net: DemoNetwork) -> list[dict[str, str]]:
    with (net.truth_dir / "lines.csv").open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def digests(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def rows_of(net: DemoNetwork, rel: str, info: dict[str, Any]) -> dict[str, list[list[Any]]]:
    """Every row of a written file as the reader sees it, by sheet name ("" for a CSV file)."""
    path = net.root / rel
    if info["format"] == "csv":
        text = path.read_bytes().decode(info["encoding"])
        return {"": list(csv.reader(io.StringIO(text, newline=""), delimiter=info["delimiter"]))}
    book = CalamineWorkbook.from_path(str(path))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def parse_amount(cell: Any) -> Decimal:
    """Read an amount in any of the demo's styles: 1,234.56 / $1,234.56 / (1,234.56) / 1234.56-."""
    if isinstance(cell, float):
        return Decimal(str(round(cell, 2))).quantize(Decimal("0.01"))
    text = str(cell).replace("$", "").replace(",", "")
    negative = text.startswith(("(", "-")) or text.endswith("-")
    value = Decimal(text.strip("()-"))
    return -value if negative else value


# --- determinism and the public contract -------------------------------------------------------


def test_same_seed_writes_the_same_bytes(net: DemoNetwork, tmp_path: Path) -> None:
    again = build_demo(tmp_path / "again", lines=LINES, seed=42)
    assert digests(again.root) == digests(net.root)


def test_another_seed_writes_other_files(net: DemoNetwork, tmp_path: Path) -> None:
    other = digests(build_demo(tmp_path / "other", lines=LINES, seed=7).root)
    mine = digests(net.root)
    assert other.keys() == mine.keys()  # same layout of files...
    assert all(other[k] != mine[k] for k in mine)  # ...none with the same content


def test_network_shape(net: DemoNetwork, expected: dict[str, Any]) -> None:
    assert [a.name for a in net.anchors] == [p.name for p in ANCHORS]
    assert {a.kind for a in net.anchors} == KINDS
    by_anchor = Counter(f.anchor for f in net.files)
    assert set(by_anchor) == {a.name for a in net.anchors}
    slugs = {p.name: p.slug for p in ANCHORS}
    for f in net.files:
        assert f.path.is_file()
        assert f.path.parent == net.root / "files" / slugs[f.anchor]
    assert net.settings["local.postcode_prefixes"] == ["M"]
    assert net.settings["currency"] == "CAD"
    assert net.settings["fiscal_year.start"] == "04-01"
    assert expected["network"]["rows_read"] == LINES
    assert expected["network"]["files"] == len(net.files) == len(expected["files"])


def test_lines_are_split_unevenly(expected: dict[str, Any]) -> None:
    rows = {name: a["rows_read"] for name, a in expected["anchors"].items()}
    assert max(rows, key=rows.__getitem__) == "City of Lakeport"
    assert rows["Lakeshore General Hospital"] > 4 * rows["Lakeport Parking Authority"]


def test_bad_arguments(tmp_path: Path, net: DemoNetwork) -> None:
    with pytest.raises(ValueError, match="1 to 17 anchors"):
        build_demo(tmp_path / "a", anchors=18, lines=LINES)
    with pytest.raises(ValueError, match="1 to 17 anchors"):
        build_demo(tmp_path / "b", anchors=0, lines=LINES)
    with pytest.raises(ValueError, match="at least"):
        build_demo(tmp_path / "c", lines=minimum_lines() - 1)
    with pytest.raises(FileExistsError):
        build_demo(net.root, lines=LINES)


def test_first_n_anchors_and_progress(tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    small = build_demo(
        tmp_path / "small",
        anchors=3,
        lines=minimum_lines(3),
        progress=lambda d, t: seen.append((d, t)),
    )
    assert [a.name for a in small.anchors] == [p.name for p in ANCHORS[:3]]
    assert len(seen) == len(small.files)
    assert seen[-1] == (minimum_lines(3), minimum_lines(3))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


# --- the truth adds up ----------------------------------------------------------------------------


def test_totals_are_the_sums_of_the_truth_lines(
    truth: list[dict[str, str]], expected: dict[str, Any]
) -> None:
    scopes: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "total": Decimal(0),
            "local": Decimal(0),
            "unknown": Decimal(0),
            "lines": 0,
            "rejected": 0,
            "suppliers": set(),
        }
    )
    for row in truth:
        for key in ("network", row["anchor"]):
            scope = scopes[key]
            if row["status"] == "rejected":
                scope["rejected"] += 1
                continue
            amount = Decimal(row["amount"])
            scope["lines"] += 1
            scope["total"] += amount
            scope["suppliers"].add(row["supplier_id"])
            if row["is_local"] == "true":
                scope["local"] += amount
            elif row["is_local"] == "":
                scope["unknown"] += amount
    summaries = {"network": expected["network"], **expected["anchors"]}
    assert set(summaries) == set(scopes)
    for key, want in summaries.items():
        got = scopes[key]
        assert Decimal(want["total_spend"]) == got["total"] == Decimal(want["addressable_spend"])
        assert Decimal(want["local_spend"]) == got["local"]
        assert Decimal(want["unknown_location_spend"]) == got["unknown"]
        assert want["lines"] == want["rows_loaded"] == got["lines"]
        assert want["rows_rejected"] == got["rejected"]
        assert want["rows_read"] == want["rows_loaded"] + want["rows_rejected"]
        assert want["suppliers"] == len(got["suppliers"])
        share = (got["local"] / got["total"]).quantize(Decimal("0.000001"))
        assert Decimal(want["local_share"]) == share


def test_file_counts_match_the_truth(truth: list[dict[str, str]], expected: dict[str, Any]) -> None:
    per_file = Counter((r["file"], r["status"]) for r in truth)
    for rel, info in expected["files"].items():
        assert info["rows_loaded"] == per_file[(rel, "loaded")]
        assert info["rows_rejected"] == per_file[(rel, "rejected")] >= 1
        assert info["rows_read"] == info["rows_loaded"] + info["rows_rejected"]
        assert info["rows_read"] == sum(s["rows_read"] for s in info["sheets"])


def test_by_fiscal_year_adds_up(expected: dict[str, Any]) -> None:
    years = expected["network"]["by_fiscal_year"]
    assert list(years) == ["2021", "2022", "2023", "2024"]
    assert sum(Decimal(y["total_spend"]) for y in years.values()) == Decimal(
        expected["network"]["total_spend"]
    )


def test_rejections_are_what_they_say(truth: list[dict[str, str]]) -> None:
    reasons: dict[str, set[str]] = defaultdict(set)
    for r in truth:
        reasons[r["anchor"]].add(r["reject_reason"])
    for anchor in ANCHORS:  # every anchor has each kind of bad row
        assert reasons[anchor.name] == {"", "missing_supplier", "bad_amount", "bad_date"}
    for row in truth:
        if row["reject_reason"] == "missing_supplier":
            assert row["name_written"] == row["supplier_id"] == ""
        if row["reject_reason"] == "bad_amount":
            assert row["amount"] == ""
        if row["reject_reason"] == "bad_date":
            assert row["paid_on"] == row["fiscal_year"] == ""
    credits = Counter(r["file"] for r in truth if r["amount"].startswith("-"))
    assert len(credits) == len({r["file"] for r in truth})  # a credit note in every file
    assert sum(credits.values()) < 0.05 * len(truth)


def test_every_truth_row_points_at_its_row_in_the_file(
    net: DemoNetwork, truth: list[dict[str, str]], expected: dict[str, Any]
) -> None:
    by_file: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in truth:
        by_file[row["file"]].append(row)
    for rel, info in expected["files"].items():
        sheets = rows_of(net, rel, info)
        amount_col = _amount_column(info)
        for t in by_file[rel]:
            cells = sheets[t["sheet"]][int(t["source_row"]) - 1]
            texts = {str(c) for c in cells}
            for written in (t["name_written"], t["postcode_written"]):
                assert not written or written in texts, (rel, t["source_row"])
            if t["reject_reason"] == "bad_amount":
                assert cells[amount_col] == "N/A"
            elif t["amount"]:
                assert parse_amount(cells[amount_col]) == Decimal(t["amount"]), (rel, t)
        for sheet in info["sheets"]:
            rows = sheets[sheet["name"] or ""]
            if sheet["total_row"]:
                total = rows[sheet["total_row"] - 1]
                assert total[0] == "Total" and sheet["total_row"] == len(rows)
                assert parse_amount(total[amount_col]) == Decimal(sheet["total_row_amount"])
            for h in sheet["header_rows"]:
                assert [str(c) for c in rows[h - 1]] == info["columns"]


def _amount_column(info: dict[str, Any]) -> int:
    for profile in ANCHORS:
        for layout in profile.layouts:
            if layout.labels == info["columns"] and profile.name == info["anchor"]:
                return [f for f, _ in layout.columns].index("amount")
    raise AssertionError(info["columns"])


def test_total_row_sums_every_parseable_amount(
    truth: list[dict[str, str]], expected: dict[str, Any]
) -> None:
    sums: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    for row in truth:
        if row["amount"]:
            sums[(row["file"], row["sheet"])] += Decimal(row["amount"])
    totals = [
        (rel, s)
        for rel, info in expected["files"].items()
        for s in info["sheets"]
        if s["total_row"]
    ]
    assert totals
    for rel, sheet in totals:
        assert Decimal(sheet["total_row_amount"]) == sums[(rel, sheet["name"] or "")]


# --- places and names -----------------------------------------------------------------------------


def test_postcodes_come_from_the_shipped_sample(
    net: DemoNetwork, truth: list[dict[str, str]]
) -> None:
    shipped = shipped_postcodes()
    used = {r["postcode"] for r in truth if r["postcode"]}
    assert used and used <= shipped
    with (net.truth_dir / "suppliers.csv").open(encoding="utf-8", newline="") as f:
        suppliers = list(csv.DictReader(f))
    assert {s["postcode"] for s in suppliers if s["postcode"]} <= shipped
    regions = Counter(s["region"] for s in suppliers)
    assert set(regions) == {"toronto", "ontario", "canada", "us", "unknown"}
    assert 0.4 < regions["toronto"] / len(suppliers) < 0.7
    for s in suppliers:
        assert s["is_local"] == ("" if not s["postcode"] else str(s["postcode"][0] == "M").lower())


def test_names_vary_as_finance_systems_spell_them(
    net: DemoNetwork, truth: list[dict[str, str]]
) -> None:
    with (net.truth_dir / "suppliers.csv").open(encoding="utf-8", newline="") as f:
        suppliers = {s["supplier_id"]: s for s in csv.DictReader(f)}
    variants = {k: s["variants"].split("|") for k, s in suppliers.items() if s["variants"]}
    assert max(len(v) for v in variants.values()) >= 6
    written = {r["name_written"] for r in truth}
    assert any(re.fullmatch(r"\d{7} Ontario Inc\.? o/a .+", n) for n in written)  # trading-as
    assert any(re.fullmatch(r"\d{7} ONTARIO INC", n) for n in written)  # bare numbered company
    assert any(n.isupper() for n in written) and any(" and " in n for n in written)
    assert "Café Montréal Ltée" in written
    assert any(n.endswith(", The") for n in written)
    dvhsc = [r["name_written"] for r in truth if r["anchor"] == "Don Valley Health Sciences Centre"]
    assert max(len(n) for n in dvhsc) == 30  # truncated to the column width
    # the truth keeps the true supplier whatever the spelling
    for row in truth:
        if row["supplier_id"]:
            assert row["name_written"] in variants[row["supplier_id"]]
            assert row["supplier_name"] == suppliers[row["supplier_id"]]["canonical_name"]


@pytest.mark.parametrize(
    ("habit", "spelled"),
    [
        (NameHabit(), "9876543 Ontario Inc. o/a The Maple Catering"),
        (NameHabit(trading=("trade",)), "The Maple Catering"),
        (NameHabit(trading=("legal",), suffix=("long",), case="upper"), "9876543 ONTARIO INCORPORATED"),
        (NameHabit(trading=("trade",), the="end", case="title"), "Maple Catering, The"),
        (NameHabit(oa_token="operating as", the="drop", suffix=("drop",)),
         "9876543 Ontario operating as Maple Catering"),
        (NameHabit(strip_punctuation=True, width=20), "9876543 Ontario Inc"),
    ],
)  # fmt: skip
def test_spelling_habits(habit: NameHabit, spelled: str) -> None:
    maple = SupplierName("Maple Catering", True, "INC", numbered="9876543")
    assert spell(maple, habit, random.Random(0)) == spelled


def test_accents_ampersands_and_typos() -> None:
    cafe = SupplierName("Café & Bistro Montréal", False, "LTEE", jurisdiction="Québec")
    rng = random.Random(0)
    assert spell(cafe, NameHabit(), rng) == "Café & Bistro Montréal Ltée"
    assert spell(cafe, NameHabit(fold_accents=True, ampersand="and"), rng) == (
        "Cafe and Bistro Montreal Ltee"
    )
    assert spell(cafe, NameHabit(suffix=("long",), comma_before_suffix=True), rng) == (
        "Café & Bistro Montréal, Limitée"
    )
    typo = spell(cafe, NameHabit(typo_rate=1.0), rng)
    assert typo != "Café & Bistro Montréal Ltée" and sorted(typo) == sorted(
        "Café & Bistro Montréal Ltée"
    )


# --- every format, encoding and layout appears ---------------------------------------------------


def _files(net: DemoNetwork, anchor: str) -> list[Path]:
    return sorted(f.path for f in net.files if f.anchor == anchor)


def test_formats_and_encodings(net: DemoNetwork) -> None:
    suffixes = Counter(f.path.suffix for f in net.files)
    assert {".csv", ".tsv", ".txt", ".xlsx", ".xls"} <= set(suffixes)
    heads = {f.path: f.path.read_bytes()[:400] for f in net.files if f.path.suffix != ".xlsx"}
    assert any(h.startswith(b"\xef\xbb\xbf") for h in heads.values())  # UTF-8 with BOM
    for path in _files(net, "Harbourfront Arts Centre") + _files(
        net, "Lakeport Transit Commission"
    ):
        data = path.read_bytes()
        with pytest.raises(UnicodeDecodeError):
            data.decode("utf-8")
        assert re.search("[éèôÉ—]", data.decode("cp1252"))
    first_lines = {p: h.split(b"\n")[0] for p, h in heads.items() if p.suffix != ".xls"}
    assert any(b";" in line and b"," not in line for line in first_lines.values())  # semicolon
    assert any(b"\t" in line for line in first_lines.values())  # tab
    pipe = _files(net, "Lakeport Parking Authority")[0]
    assert pipe.suffix == ".csv" and first_lines[pipe].count(b"|") == 4  # pipe despite .csv
    for path in _files(net, "Lakeport Community Housing Corporation"):
        assert path.read_bytes()[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # OLE2: a real .xls
        assert CalamineWorkbook.from_path(str(path)).sheet_names == ["Cheque Register"]


def test_spreadsheet_layouts(net: DemoNetwork) -> None:
    city = CalamineWorkbook.from_path(str(_files(net, "City of Lakeport")[0]))
    assert city.sheet_names == ["Q1 Apr-Jun", "Q2 Jul-Sep", "Q3 Oct-Dec", "Q4 Jan-Mar"]
    q1 = city.get_sheet_by_name("Q1 Apr-Jun").to_python()
    assert str(q1[0][0]).startswith("City of Lakeport — Payments to vendors, FY2021-22")
    assert not any(q1[1]) and q1[2][0] == "Transaction Date" and q1[-1][0] == "Total"
    library = CalamineWorkbook.from_path(str(_files(net, "Lakeport Public Library")[0]))
    assert library.sheet_names == ["EFT", "Cheque"]
    ulo = CalamineWorkbook.from_path(str(_files(net, "University of Lake Ontario")[0]))
    rows = ulo.get_sheet_by_name("Payments").to_python()
    serials = [r[2] for r in rows[1:] if isinstance(r[2], float)]
    assert serials and all(44287 <= s <= 44651 for s in serials)  # FY2021-22 as Excel day numbers
    hcc = CalamineWorkbook.from_path(str(_files(net, "Highland Creek College")[0]))
    rows = hcc.get_sheet_by_name("AP Payments").to_python()
    assert rows[0][0] == "Highland Creek College" and not any(rows[2])
    assert rows[3][:4] == ["Date", "Vendor Name", "", "Amount"]  # the empty spacer column
    assert all(r[2] == "" for r in rows[4:])


def test_text_layouts(net: DemoNetwork) -> None:
    lakeshore = _files(net, "Lakeshore General Hospital")[0].read_bytes().decode("utf-8")
    assert lakeshore.splitlines()[-1].startswith("Total,")
    assert re.search(r',"\d{1,3}(,\d{3})+\.\d\d"\r\n', lakeshore)  # 1,234.56, quoted
    ltc = _files(net, "Lakeport Transit Commission")[0].read_text("cp1252").splitlines()
    assert ltc[0].startswith("Lakeport Transit Commission — Vendor payments") and ltc[1] == ""
    assert ltc[2].startswith("Payment Date;Payee;") and ltc[-1].startswith("Total;")
    ech = _files(net, "Etobicoke Creek Hospital")[0].read_text("utf-8").splitlines()
    assert ech.count(ech[0]) == 2 and ech[0].startswith("Vendor ID,")  # header repeated mid-file
    school = _files(net, "Metro Lakes District School Board")[0].read_text("utf-8").splitlines()
    assert re.match(r'"\d\d/\d\d/\d{4}","\d{5}","', school[0])  # no header, all quoted
    qsmu = [
        p.read_text("utf-8").splitlines()[0]
        for p in _files(net, "Queen Street Metropolitan University")
    ]
    # a new system from the second year: other headers, in another order
    assert len(set(qsmu)) == 2 and qsmu[-1].startswith("Vendor Name,")
    assert len(_files(net, "Don Valley Health Sciences Centre")) == 16  # one file per quarter


def test_date_and_amount_styles(net: DemoNetwork) -> None:
    def text(anchor: str, encoding: str = "utf-8-sig") -> str:
        return "\n".join(p.read_bytes().decode(encoding) for p in _files(net, anchor))

    assert re.search(r"\n\d{4}-\d\d-\d\d,", text("Lakeshore General Hospital"))
    assert re.search(r"\t\d{4}-\d\d-\d\d 00:00:00\t", text("York Heights University"))
    assert re.search(r"\n\d\d [A-Z][a-z]{2} \d{4}\t", text("Don Valley Health Sciences Centre"))
    assert re.search(r"\|\d\d-[A-Z]{3}-\d\d\|", text("Humberview College"))
    # day-first files show a day above 12 in every file, month-first ones too
    for path in _files(net, "Etobicoke Creek Hospital"):
        assert re.search(r",(1[3-9]|2\d|3[01])/\d\d/\d{4},", path.read_text("utf-8"))
    for path in _files(net, "Bayview Children's Hospital"):
        assert re.search(r",\d\d/(1[3-9]|2\d|3[01])/\d{4},", path.read_text("utf-8-sig"))
    assert re.search(r'"\$\d{1,3}(,\d{3})*\.\d\d"', text("Bayview Children's Hospital"))
    assert re.search(r";\(\$[\d,]+\.\d\d\);", text("Lakeport Transit Commission", "cp1252"))
    assert re.search(r'"\([\d,]+\.\d\d\)"', text("Metro Lakes District School Board"))
    assert re.search(r"\t\d+\.\d\d-\t", text("Don Valley Health Sciences Centre"))


def test_bad_cells_are_written_as_promised(net: DemoNetwork, expected: dict[str, Any]) -> None:
    cells = {
        str(c)
        for rel, info in expected["files"].items()
        for rows in rows_of(net, rel, info).values()
        for row in rows
        for c in row
    }
    assert "N/A" in cells
    for impossible in (
        r"31/02/20\d\d",
        r"02/31/20\d\d",
        r"20\d\d-02-31",
        r"31-FEB-\d\d",
        r"31 Feb 20\d\d",
    ):
        assert any(re.fullmatch(impossible, c) for c in cells), impossible

"""Columns recognised by headers and values together, on small files made here.

Each file is one of the shapes real publishers send (no header, CamelCase headers, one-word
headers, the header at the end, counters beside the data) and is ingested for real with no
mapping; what each column became, how sure and why, is read back from the ingest's report.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from anchorkit.cli import app
from anchorkit.ingest import FileResult, UserMapping, ingest_files
from anchorkit.ingest.recognise import header_words, profile, recognise, value_score
from anchorkit.resolve.run import resolve
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ANCHOR, ingest_one, lines, total, write

NAMES = [
    "Acme Cleaning Ltd",
    "Blue Kitchen Co-operative",
    "Northern Trades Limited",
    "Harbourview Facilities Inc",
    "Sandhu Foods",
    "Beacon Networks Limited",
    "Ironclad Protective Services",
    "Mohammed Environmental Ltd",
    "Lakeside Print Co",
    "Greenway Landscapes LLP",
    "Oakridge Care Homes",
    "Pennine Fuel Supplies Ltd",
]
CATEGORIES = ["Cleaning", "Catering", "Repairs", "Printing", "Care", "Fuel"]


def rows(n: int, seed: int = 1) -> list[dict[str, Any]]:
    """Payments: supplier, date, amount, category, and a vendor number per supplier."""
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.randrange(len(NAMES))
        out.append(
            {
                "name": NAMES[k],
                "vendor": f"{30100 + 7 * k}",
                "date": dt.date(2023, 4, 1) + dt.timedelta(days=rng.randrange(300)),
                "amount": Decimal(rng.randrange(-5000, 900000)) / 100,
                "category": CATEGORIES[k % len(CATEGORIES)],
            }
        )
    return out


def fields(result: FileResult) -> dict[str, dict[str, Any]]:
    (layout,) = result.mapping
    found: dict[str, dict[str, Any]] = layout["fields"]
    return found


def headers(result: FileResult) -> dict[str, str]:
    return {f: c["header"] for f, c in fields(result).items()}


def money(value: Decimal) -> str:
    return f"{value:.2f}"


def test_header_words() -> None:
    assert header_words("VendorName").text == "vendor name"
    assert header_words("PAYMENT_AMT").text == "payment amount"
    assert header_words("TxnDt").text == "transaction date"
    assert header_words("RCPNT_NML_EN_DESC").text == "recipient name description"
    assert header_words("Expenditure Catergory").corrected == (("catergory", "category"),)
    assert header_words("Total (excludes VAT)").text == "total"


def test_header_less_file_with_a_counter(ws: Workspace, tmp_path: Path) -> None:
    """A council's bare rows: a running line number, the date, the payee, the amount. The line
    number counts up by one: it is no vendor id (resolve would merge every supplier sharing
    one), and not the amount either."""
    data = rows(40)
    text = "".join(
        f"{i + 1},{r['date']:%d/%m/%Y},{r['name']},{r['category']},{money(r['amount'])}\n"
        for i, r in enumerate(data)
    )
    result = ingest_one(ws, write(tmp_path, "bare.csv", text))
    assert result.rows_loaded == 40 and result.rows_skipped == {}
    assert headers(result) == {
        "paid_on": "column 2",
        "supplier_name": "column 3",
        "raw_category": "column 4",
        "amount": "column 5",
    }
    (layout,) = result.mapping
    counter = next(u for u in layout["unused"] if u["header"] == "column 1")
    assert "extra data" in counter["why"]
    assert all(r["supplier_ref"] is None for r in lines(ws))
    assert total(ws) == sum(r["amount"] for r in data)


def test_header_less_file_with_real_vendor_numbers(ws: Workspace, tmp_path: Path) -> None:
    data = rows(40, seed=2)
    text = "".join(
        f"{r['vendor']},{r['name']},{r['date']:%Y-%m-%d},{money(r['amount'])}\n" for r in data
    )
    result = ingest_one(ws, write(tmp_path, "bare.csv", text))
    assert headers(result)["supplier_ref"] == "column 1"
    assert {r["supplier_ref"] for r in lines(ws)} == {r["vendor"] for r in data}


@pytest.mark.parametrize(
    "header",
    [
        "VendorName,PaymentAmount,PaymentDate,DepartmentName,VendorId",
        "vendor_name,payment_amt,pmt_date,dept_name,vend_no",
        "VENDOR_NM,TXN_AMT,TXN_DT,DEPT,VENDOR_NBR",
    ],
)
def test_camel_and_snake_case_headers(ws: Workspace, tmp_path: Path, header: str) -> None:
    data = rows(30)
    body = "".join(
        f"{r['name']},{money(r['amount'])},{r['date']:%m/%d/%Y},{r['category']},{r['vendor']}\n"
        for r in data
    )
    result = ingest_one(ws, write(tmp_path, "checkbook.csv", header + "\n" + body))
    got = headers(result)
    names = header.split(",")
    assert got["supplier_name"] == names[0]
    assert got["amount"] == names[1]
    assert got["paid_on"] == names[2]
    assert got["department"] == names[3]
    assert got["supplier_ref"] == names[4]
    assert result.rows_loaded == 30 and total(ws) == sum(r["amount"] for r in data)


@pytest.mark.parametrize("supplier", ["Name", "Name:", "Payee"])
def test_one_word_headers(ws: Workspace, tmp_path: Path, supplier: str) -> None:
    """The borough council's files: `Name` (or `Name:`) is the supplier, beside `Amount`,
    `Date` and a category headed `Account Detail`; the reason says why."""
    data = rows(60)
    text = f"Date,{supplier},Account Detail,Amount\n" + "".join(
        f"{r['date']:%d/%m/%Y},{r['name']},{r['category']},{money(r['amount'])}\n" for r in data
    )
    result = ingest_one(ws, write(tmp_path, "council.csv", text))
    found = fields(result)
    assert found["supplier_name"]["header"] == supplier
    assert found["supplier_name"]["confidence"] >= 0.5
    reason = found["supplier_name"]["reason"]
    assert reason.startswith(repr(supplier)) and "company-like" in reason and "distinct" in reason
    assert found["amount"]["header"] == "Amount" and found["paid_on"]["header"] == "Date"
    assert found["raw_category"]["header"] == "Account Detail"
    assert {r["raw_category"] for r in lines(ws)} == {r["category"] for r in data}


def test_header_at_the_end(ws: Workspace, tmp_path: Path) -> None:
    """Bare rows with the header as the last line: the rows above are data read by it."""
    data = rows(25)
    body = "".join(
        f"{r['name']},{r['date']:%d/%m/%Y},{money(r['amount'])},{r['category']}\n" for r in data
    )
    text = body + "Supplier,Payment Date,Amount,Expense Type\n"
    result = ingest_one(ws, write(tmp_path, "tail.csv", text))
    assert (result.rows_read, result.rows_loaded) == (25, 25)
    assert result.rows_skipped == {"header": 1}
    assert headers(result)["supplier_name"] == "Supplier"
    assert [r["source_row"] for r in lines(ws)] == list(range(1, 26))
    assert total(ws) == sum(r["amount"] for r in data)


def test_header_repeated_at_the_end(ws: Workspace, tmp_path: Path) -> None:
    header = "Supplier,Payment Date,Amount\n"
    body = "".join(f"{r['name']},{r['date']:%d/%m/%Y},{money(r['amount'])}\n" for r in rows(9))
    result = ingest_one(ws, write(tmp_path, "spend.csv", header + body + header))
    assert (result.rows_read, result.rows_rejected) == (9, 0)
    assert result.rows_skipped == {"header": 2}


@pytest.mark.parametrize("column", ["No.", "Line", "Vendor No"])
def test_a_counter_is_never_a_vendor_id(ws: Workspace, tmp_path: Path, column: str) -> None:
    data = rows(30)
    text = f"{column},Supplier,Date,Amount\n" + "".join(
        f"{i + 1},{r['name']},{r['date']:%d/%m/%Y},{money(r['amount'])}\n"
        for i, r in enumerate(data)
    )
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    assert "supplier_ref" not in fields(result)
    assert all(r["supplier_ref"] is None for r in lines(ws))


def test_two_suppliers_on_the_same_counter_value_stay_apart(ws: Workspace, tmp_path: Path) -> None:
    """The council's case end to end: two monthly files numbered 1, 2, 3 … each, so line 1 of
    May and line 1 of June name different suppliers under the same 'No'. Loaded with no mapping
    and resolved, every name is its own supplier: the counter ties nobody together."""
    paths = []
    for month, shift in ((5, 0), (6, 5)):
        text = "No,Supplier,Date,Amount\n" + "".join(
            f"{i + 1},{NAMES[(i + shift) % len(NAMES)]},{i + 1:02d}/{month:02d}/2024,{100 + i}.50\n"
            for i in range(24)
        )
        paths.append(write(tmp_path, f"2024-{month:02d}.csv", text))
    for path in paths:
        result = ingest_one(ws, path)
        assert "supplier_ref" not in fields(result)
    first = {r["supplier_name"] for r in lines(ws) if r["source_row"] == 2}
    assert len(first) == 2  # one counter value, two different names
    resolve(ws)
    supplier_of = dict(
        ws.engine.query(
            "t", "SELECT supplier_name, any_value(supplier_id) FROM spend_line GROUP BY 1"
        )
    )
    assert len(supplier_of) == len(NAMES)
    assert len(set(supplier_of.values())) == len(NAMES)


def test_spellings_of_one_name_under_one_id_keep_the_id(ws: Workspace, tmp_path: Path) -> None:
    """A vendor id whose rows spell its supplier three ways ('Ltd', capitals, no legal form)
    is still an id: only values standing for different suppliers are placeholders."""
    data = rows(36, seed=3)

    def spelt(name: str, i: int) -> str:
        bare = name.removesuffix(" Ltd")
        return (bare, f"{bare} Ltd", bare.upper())[i % 3]

    text = "Vendor No,Supplier,Date,Amount\n" + "".join(
        f"{r['vendor']},{spelt(r['name'], i)},{r['date']:%d/%m/%Y},{money(r['amount'])}\n"
        for i, r in enumerate(data)
    )
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    assert headers(result)["supplier_ref"] == "Vendor No"
    assert {r["supplier_ref"] for r in lines(ws)} == {r["vendor"] for r in data}


def test_a_value_standing_for_many_names_is_no_vendor_id(ws: Workspace, tmp_path: Path) -> None:
    """A 'Vendor ID' column whose one value covers many different suppliers (a clearing account,
    a card provider) merges nobody: it is not read as a vendor id."""
    data = rows(40)
    text = "Vendor ID,Supplier,Date,Amount\n" + "".join(
        f"{'9999' if i % 2 else r['vendor']},{r['name']},{r['date']:%d/%m/%Y},{money(r['amount'])}\n"
        for i, r in enumerate(data)
    )
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    assert "supplier_ref" not in fields(result)


def test_placeholder_vendor_ids_are_left_out(ws: Workspace, tmp_path: Path) -> None:
    """Trafford's 'Redacted' stands for many payees in an otherwise sound id column: the ids
    load, the placeholder does not."""
    data = rows(40)
    text = "Supplier ID,Supplier,Date,Amount\n" + "".join(
        f"{'Redacted' if i % 5 == 0 else r['vendor']},"
        f"{'Redacted' if i % 5 == 0 else r['name']},{r['date']:%d/%m/%Y},{money(r['amount'])}\n"
        for i, r in enumerate(data)
    )
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    assert headers(result)["supplier_ref"] == "Supplier ID"
    got = lines(ws)
    assert {r["supplier_ref"] for r in got if r["supplier_name"] == "Redacted"} == {None}
    assert all(r["supplier_ref"] for r in got if r["supplier_name"] != "Redacted")


def test_two_amount_columns_the_one_with_the_payments_wins(ws: Workspace, tmp_path: Path) -> None:
    """A subtotal column beside the payments' (the Public Accounts of Canada's layout): the
    amount is the column holding money on rows that name a supplier, and the subtotal rows
    (no supplier, the group's sum in the other column) are totals, not rejected rows."""
    out = "Program,Recipient,Total Amount,Payment Amount\n"
    grand = Decimal(0)
    for program in ("Grants A", "Grants B"):
        part = rows(5, seed=len(program) + ord(program[-1]))
        for r in part:
            out += f"{program},{r['name']},0,{money(r['amount'])}\n"
        subtotal = sum(r["amount"] for r in part)
        grand += subtotal
        out += f"{program},,{money(subtotal)},0\n"
    text = out.replace("Program,", "Year,Program,", 1).replace("\nGrants", "\n2016/2017,Grants")
    result = ingest_one(ws, write(tmp_path, "transfers.csv", text))
    assert headers(result)["amount"] == "Payment Amount"
    assert (result.rows_loaded, result.rows_rejected) == (10, 0)
    assert result.rows_skipped.get("total") == 2
    assert total(ws) == grand
    assert {r["paid_on"] for r in lines(ws)} == {dt.date(2016, 4, 1)}  # fiscal_year.start 04-01


def test_a_footer_total_that_does_not_reconcile(ws: Workspace, tmp_path: Path) -> None:
    """Department of Health's last row: only an amount, a little off the sum of the rows."""
    data = rows(20)
    body = "".join(
        f"{r['name']},{r['category']},{r['date']:%d/%m/%Y},{money(r['amount'])}\n" for r in data
    )
    above = sum(r["amount"] for r in data)
    off = above + Decimal("12.34")
    text = "Supplier,Expense Type,Date,Amount\n" + body + f',,,"{off:,.2f}"\n'
    result = ingest_one(ws, write(tmp_path, "dh.csv", text))
    assert (result.rows_read, result.rows_rejected) == (20, 0)
    assert result.rows_skipped == {"header": 1, "total": 1}
    (note,) = [n for n in result.notes if "does not reconcile" in n]
    assert f"the sum of the rows above ({above:,.2f})" in note and "+12.34" in note


def test_unsure_file_stops_with_the_columns_and_the_option_others_load(
    ws: Workspace, tmp_path: Path
) -> None:
    """Two columns of names, neither headed as a supplier: the file waits for a person, the
    message shows three values of each column and the exact --map option; the other file
    loads."""
    data = rows(30)
    unsure = "When,Who,Approver,Sum\n" + "".join(
        f"{r['date']:%d/%m/%Y},{r['name']},{NAMES[(i * 5) % 12]},{money(r['amount'])}\n"
        for i, r in enumerate(data)
    )
    good = "Supplier,Date,Amount\n" + "".join(
        f"{r['name']},{r['date']:%d/%m/%Y},{money(r['amount'])}\n" for r in data
    )
    stuck, loaded = ingest_files(
        ws, [write(tmp_path, "unsure.csv", unsure), write(tmp_path, "good.csv", good)], ANCHOR
    )
    assert loaded.error is None and loaded.rows_loaded == 30
    assert stuck.error is not None
    assert "--map supplier_name=" in stuck.error
    assert "ingest.min_confidence" in stuck.error
    assert f"'Who' ('{data[0]['name']}'" in stuck.error
    (found,) = stuck.mapping
    assert [u["header"] for u in found["unused"]] == ["When", "Who", "Approver", "Sum"]
    assert all(len(u["samples"]) == 3 for u in found["unused"])


def test_map_names_a_header_on_any_row(ws: Workspace, tmp_path: Path) -> None:
    """A US city's checkbook: title rows, then CamelCase headers a mapping names as written."""
    data = rows(12)
    text = "City of Springfield\nCheckbook, FY2024\n\nCheckNo,Payee Ref,Disbursed,Dt\n" + "".join(
        f"{1000 + i},{r['name']},{money(r['amount'])},{r['date']:%m/%d/%Y}\n"
        for i, r in enumerate(data)
    )
    path = write(tmp_path, "checkbook.csv", text)
    runner = CliRunner()
    base = ["--workspace", str(ws.root), "ingest", str(path), "--anchor", ANCHOR, "--json"]
    ws.close()
    mapped = base + ["--map", "supplier_name=Payee Ref", "--map", "amount=Disbursed"]
    result = runner.invoke(app, mapped + ["--map", "paid_on=Dt"])
    assert result.exit_code == 0, result.output
    (report,) = json.loads(result.stdout)
    assert report["rows_loaded"] == 12
    (layout,) = report["mapping"]
    assert layout["how"] == "mapping given"
    named = layout["fields"]["supplier_name"]
    assert (named["header"], named["column"], named["confidence"]) == ("Payee Ref", 2, 1.0)
    # a person's word, and what the values said about it as well
    assert named["reason"].startswith("'Payee Ref': mapping given; recognised too: ")
    assert "company-like names" in named["reason"]
    wrong = runner.invoke(app, [*base[:-1], "--map", "amount=Paid", "--replace"])
    assert wrong.exit_code == 1
    assert "no such header" in wrong.output and "'Disbursed'" in wrong.output


def test_a_mapping_is_remembered_for_the_anchors_next_files(ws: Workspace, tmp_path: Path) -> None:
    """The layout used for a file is tried first on the anchor's next file, even with its
    columns in another order; `anchor show` shows it."""
    data = rows(20)
    first = "Ref,Who,Spent,On\n" + "".join(
        f"R{i},{r['name']},{money(r['amount'])},{r['date']:%d/%m/%Y}\n" for i, r in enumerate(data)
    )
    map_ = ["--map", "supplier_name=Who", "--map", "amount=Spent", "--map", "paid_on=On"]
    root = str(ws.root)
    ws.close()
    runner = CliRunner()
    path = write(tmp_path, "one.csv", first)
    ok = runner.invoke(app, ["-w", root, "ingest", str(path), "-a", ANCHOR, *map_])
    assert ok.exit_code == 0, ok.output
    second = "On,Spent,Who,Ref\n" + "".join(
        f"{r['date']:%d/%m/%Y},{money(r['amount'])},{r['name']},S{i}\n" for i, r in enumerate(data)
    )
    path = write(tmp_path, "two.csv", second)
    again = runner.invoke(app, ["-w", root, "ingest", str(path), "-a", ANCHOR, "--json"])
    assert again.exit_code == 0, again.output
    (report,) = json.loads(again.stdout)
    assert report["mapping"][0]["how"] == "saved layout"
    assert report["mapping"][0]["fields"]["supplier_name"]["header"] == "Who"
    shown = runner.invoke(app, ["-w", root, "anchor", "show", ANCHOR, "--json"])
    layouts = json.loads(shown.stdout)["layouts"]
    assert {layout["file"] for layout in layouts} == {"one.csv", "two.csv"}
    assert all(layout["columns"]["supplier_name"] == "Who" for layout in layouts)


def test_value_scores_on_their_own() -> None:
    dates = profile(["01/04/2023", "02/04/2023", "2023-04-03", "45000"])
    assert value_score(dates, "paid_on")[0] == 1.0
    counter = profile([str(i) for i in range(1, 50)], contiguous=49)
    assert value_score(counter, "supplier_ref")[0] == 0.0
    assert value_score(counter, "amount")[0] < 0.3
    names = profile(NAMES * 3)
    assert value_score(names, "supplier_name")[0] > 0.8
    assert value_score(profile(CATEGORIES * 10), "raw_category")[0] == 1.0
    rec = recognise(["", "", ""], [[n, "12.50", "01/05/2023"] for n in NAMES], has_header=False)
    assert {f: c.column for f, c in rec.choices.items()} == {
        "supplier_name": 0,
        "amount": 1,
        "paid_on": 2,
    }


def test_map_finds_its_header_below_a_long_preamble(ws: Workspace, tmp_path: Path) -> None:
    """A header in words anchorkit does not know, past the rows searched for a header: the
    mapping that names it finds it there."""
    preamble = "".join(f"Report parameter {i}\n" for i in range(45))
    text = preamble + "Who,Howmuch,When\nAcme Ltd,12.00,2023-04-01\nB Co,3.00,2023-04-02\n"
    mapping = UserMapping(columns={"supplier_name": "Who", "amount": "Howmuch", "paid_on": "When"})
    result = ingest_one(ws, write(tmp_path, "report.csv", text), mapping)
    assert (result.rows_loaded, result.rows_skipped) == (2, {"header": 1, "title": 45})

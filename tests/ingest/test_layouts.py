"""Each messy layout of the real world, as a small file made here, ingested for real."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
import xlwt

from anchorkit.ingest import UserMapping
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ingest_one, lines, rejected, total, write

SIMPLE = (
    "Supplier Name,Amount,Payment Date,Postcode\n"
    "Acme Cleaning Ltd,100.00,15/04/2023,PR1 2AB\n"
    "Blue Kitchen Co-op,250.50,16/04/2023,M5V 2T6\n"
)


@pytest.mark.parametrize(
    ("delimiter", "suffix"), [(",", "csv"), (";", "csv"), ("\t", "tsv"), ("|", "txt")]
)
def test_any_delimiter(ws: Workspace, tmp_path: Path, delimiter: str, suffix: str) -> None:
    text = SIMPLE.replace(",", delimiter).replace("250.50", "250.50")
    result = ingest_one(ws, write(tmp_path, f"spend.{suffix}", text))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
    got = lines(ws)
    assert [r["supplier_name"] for r in got] == ["Acme Cleaning Ltd", "Blue Kitchen Co-op"]
    assert [r["source_row"] for r in got] == [2, 3]
    assert got[0]["paid_on"] == dt.date(2023, 4, 15)
    assert got[0]["supplier_postcode"] == "PR1 2AB"
    assert total(ws) == Decimal("350.50")


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1252"])
def test_encodings(ws: Workspace, tmp_path: Path, encoding: str) -> None:
    text = (
        "Supplier,Amount,Date,Description\n"
        'Café Montréal Ltée,"£1,200.00",01/05/2023,Traiteur — déjeuner\n'
        "Öko Büro GmbH,€99.99,02/05/2023,Papier\n"
    )
    result = ingest_one(ws, write(tmp_path, "spend.csv", text, encoding))
    assert result.encoding == encoding
    got = lines(ws)
    assert got[0]["supplier_name"] == "Café Montréal Ltée"
    assert got[0]["description"] == "Traiteur — déjeuner"
    assert (got[0]["amount"], got[0]["currency"]) == (Decimal("1200.00"), "GBP")
    assert (got[1]["amount"], got[1]["currency"]) == (Decimal("99.99"), "EUR")


def test_mis_encoded_currency_symbols(ws: Workspace, tmp_path: Path) -> None:
    # UTF-8 '£' and '€' that went through a cp1252 export: 'Â£' and 'â‚¬'
    text = 'Supplier,Amount,Date\nA Ltd,"Â£1,000.00",03/05/2023\nB Ltd,â‚¬20.00,04/05/2023\n'
    ingest_one(ws, write(tmp_path, "spend.csv", text))
    got = lines(ws)
    assert [(r["amount"], r["currency"]) for r in got] == [
        (Decimal("1000.00"), "GBP"),
        (Decimal("20.00"), "EUR"),
    ]


def test_title_rows_above_header_and_line_numbers(ws: Workspace, tmp_path: Path) -> None:
    text = (
        "Lakeshore General Hospital\n"
        "Payments to suppliers over £500, April 2023\n"
        "\n"
        "Vendor Name,Net Amount,Invoice Date,Expense Type\n"
        'Acme Cleaning Ltd,"1,500.00",2023-04-03,Cleaning\n'
        "\n"
        "Blue Kitchen,bad,2023-04-04,Catering\n"
    )
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)
    assert result.rows_skipped == {"title": 3, "header": 1, "blank": 1}
    assert lines(ws)[0]["source_row"] == 5
    assert lines(ws)[0]["raw_category"] == "Cleaning"  # an expense type is an account
    ((sheet, row, reasons),) = rejected(ws)
    assert (sheet, row) == (None, 7)
    assert any("amount" in r and "bad" in r for r in reasons)


def test_quoted_newlines_keep_line_numbers(ws: Workspace, tmp_path: Path) -> None:
    text = (
        "Supplier,Amount,Date,Description\n"
        'Acme Ltd,10.00,2023-04-03,"two\nlines"\n'
        "Blue Ltd,20.00,2023-04-04,one\n"
    )
    ingest_one(ws, write(tmp_path, "spend.csv", text))
    assert [r["source_row"] for r in lines(ws)] == [2, 4]
    assert lines(ws)[0]["description"] == "two\nlines"


def test_repeated_header_rows_mid_file(ws: Workspace, tmp_path: Path) -> None:
    header = "Supplier,Amount,Date\n"
    text = header + "A Ltd,1.00,2023-04-03\n" + header + "B Ltd,2.00,2023-04-04\n" + header
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert result.rows_skipped == {"header": 3}


def test_header_switch_mid_sheet_reads_each_part_with_its_own_header(
    ws: Workspace, tmp_path: Path
) -> None:
    text = (
        "Transaction Number,Date,Expenditure Category,Supplier Name,Supplier Classification,Amount\n"
        "1,2022-11-21,Computer Data Network,Southern Ltd,Ict Software,612.02\n"
        "Transaction Number,Date,Subjective Description,Supplier Name,Amount,\n"
        "2,2022-11-30,Vehicle R&M,James Hart Ltd,2135.20,\n"
    )
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    got = lines(ws)
    assert [(r["supplier_name"], r["amount"]) for r in got] == [
        ("Southern Ltd", Decimal("612.02")),
        ("James Hart Ltd", Decimal("2135.20")),
    ]
    assert got[0]["raw_category"] == "Computer Data Network"
    assert got[1]["raw_category"] == "Vehicle R&M"  # the subjective (account) heading
    assert result.rows_skipped == {"header": 2}
    assert any("different header at row 3" in n for n in result.notes)


def test_empty_spacer_columns(ws: Workspace, tmp_path: Path) -> None:
    text = "Supplier,,Amount,,,Date\nA Ltd,,5.00,,,2023-04-03\nB Ltd,,6.00,,,2023-04-04\n"
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    assert result.rows_loaded == 2
    assert total(ws) == Decimal("11.00")


@pytest.mark.parametrize(
    "trailer",
    [
        "Total,,15.50\n",
        ",Grand total,15.50\n",
        ",,15.50\n",  # unlabelled: only an amount, equal to the sum above
        "TOTAL:,,15.50\n",
    ],
)
def test_trailing_total_rows_are_counted_apart(ws: Workspace, tmp_path: Path, trailer: str) -> None:
    text = "Supplier,Description,Amount,Date\nA Ltd,x,10.00,2023-04-03\nB Ltd,y,5.50,2023-04-04\n"
    result = ingest_one(ws, write(tmp_path, "spend.csv", text.replace(",Date", ",Date") + trailer))
    assert (result.rows_read, result.rows_loaded) == (2, 2)
    assert result.rows_skipped.get("total") == 1
    assert total(ws) == Decimal("15.50")


def test_amount_only_row_that_is_not_a_total_is_rejected(ws: Workspace, tmp_path: Path) -> None:
    text = "Supplier,Amount,Date\nA Ltd,10.00,2023-04-03\n,99.00,\n"
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 1, 1)


def test_supplier_called_total_is_not_a_total_row(ws: Workspace, tmp_path: Path) -> None:
    text = "Supplier,Amount,Date\nTotal Fitness Ltd,10.00,2023-04-03\n"
    assert ingest_one(ws, write(tmp_path, "spend.csv", text)).rows_loaded == 1


def test_no_header_row_columns_inferred_from_content(ws: Workspace, tmp_path: Path) -> None:
    text = (
        "10001,03/04/2023,Acme Cleaning Ltd,Cleaning services,1500.00\n"
        "10002,24/04/2023,Blue Kitchen Inc,Catering,250.25\n"
        "10003,05/05/2023,Northern Trades Limited,Repairs,99.00\n"
    )
    result = ingest_one(ws, write(tmp_path, "bare.csv", text))
    assert result.rows_loaded == 3
    assert result.rows_skipped == {}
    got = lines(ws)
    assert got[0]["supplier_name"] == "Acme Cleaning Ltd"
    assert got[0]["amount"] == Decimal("1500.00")
    assert got[1]["paid_on"] == dt.date(2023, 4, 24)
    assert [r["source_row"] for r in got] == [1, 2, 3]
    assert any("no header row" in n for n in result.notes)


def test_no_header_row_vendor_numbers_are_not_the_amount(ws: Workspace, tmp_path: Path) -> None:
    # every vendor number looks like money; one amount is "N/A": the vendor number must not win
    rows = [
        ("16308", "Beacon Networks Limited", "9,042.21"),
        ("16582", "Sandhu Foods", "(349.91)"),
        ("16308", "Beacon Networks Limited", "3,624.28"),
        ("15683", "Harbourview Facilities Limited", "N/A"),
        ("17150", "Ironclad Protective Services Inc", "15,157.10"),
        ("16345", "Mohammed Environmental", "9,390.25"),
    ]
    text = "".join(
        f'"0{i + 1}/04/2022","{vendor}","{name}","{amount}"\n'
        for i, (vendor, name, amount) in enumerate(rows)
    )
    result = ingest_one(ws, write(tmp_path, "bare.csv", text))
    assert result.columns[0]["columns"]["amount"] == "column 4"
    assert (result.rows_loaded, result.rows_rejected) == (5, 1)
    assert {r["amount"] for r in lines(ws)} >= {Decimal("15157.10"), Decimal("-349.91")}


def test_no_header_row_uses_the_anchors_saved_mapping(ws: Workspace, tmp_path: Path) -> None:
    mapping = UserMapping(
        columns={"supplier_name": 2, "amount": 3, "paid_on": 1, "description": 4}, has_header=False
    )
    first = "2023-04-03,Acme,12.00,Mops\n2023-04-04,Blue,13.00,Food\n"
    ingest_one(ws, write(tmp_path, "one.csv", first), mapping=mapping)
    # a later file of the same shape, ingested with no mapping, is read the same way
    second = "2023-05-03,Zed,1.00,Buckets\n"
    result = ingest_one(ws, write(tmp_path, "two.csv", second))
    assert result.columns[0]["how"] == "saved layout"
    assert sorted(r["supplier_name"] for r in lines(ws)) == ["Acme", "Blue", "Zed"]


def test_two_schemas_across_one_anchors_files(ws: Workspace, tmp_path: Path) -> None:
    old = "Vendor,Invoice Total,Date Paid,Department\nA Ltd,10.00,01/04/2022,Surgery\n"
    new = "Payment Date;Cost Centre;Payee Name;Net Amount\n2023-04-01;Pharmacy;B Ltd;20,00\n"
    new = new.replace("20,00", "20.00")
    ingest_one(ws, write(tmp_path, "2022.csv", old))
    ingest_one(ws, write(tmp_path, "2023.csv", new))
    got = lines(ws)
    assert {(r["supplier_name"], r["department"], r["cost_centre"], r["amount"]) for r in got} == {
        ("A Ltd", "Surgery", None, Decimal("10.00")),
        ("B Ltd", None, "Pharmacy", Decimal("20.00")),
    }


def test_unknown_headers_are_kept_and_explained(ws: Workspace, tmp_path: Path) -> None:
    text = "Supplier,Amount,Date,Supplir Postcde,Approver\nA Ltd,1.00,2023-04-03,PR1 1AA,Jo\n"
    result = ingest_one(ws, write(tmp_path, "spend.csv", text))
    (layout,) = result.mapping
    # a typo of known words is forgiven, and said so
    postcode = layout["fields"]["supplier_postcode"]
    assert postcode["header"] == "Supplir Postcde"
    assert "read 'supplir' as 'supplier'" in postcode["reason"]
    assert lines(ws)[0]["supplier_postcode"] == "PR1 1AA"
    (unused,) = layout["unused"]
    assert unused["header"] == "Approver" and "extra data" in unused["why"]
    (extra,) = ws.engine.query_one("t", "SELECT extra FROM spend_line")
    assert "Jo" in extra


def _xlsx(path: Path, sheets: dict[str, list[list[object]]]) -> Path:
    book = xlsxwriter.Workbook(str(path))
    date_format = book.add_format({"num_format": "dd/mm/yyyy"})
    for name, rows in sheets.items():
        sheet = book.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                elif value is not None:
                    sheet.write(r, c, value)
    book.close()
    return path


def test_xlsx_every_sheet_with_data_and_serial_dates(ws: Workspace, tmp_path: Path) -> None:
    path = _xlsx(
        tmp_path / "spend.xlsx",
        {
            "Apr 23": [
                ["Expenditure Category", "Date", "Total Invoice Amount", "SUPPLIER"],
                ["Training", dt.date(2023, 4, 3), 960.0, "2am Ltd"],
                ["Uniform", 45044, 7398.5599999999995, "ALTBERG LTD"],  # serial date, float noise
            ],
            "Empty": [],
            "May 23": [
                ["Spend over £500"],
                [],
                ["* Expenditure Category", "* Date", "TOTAL", "* SUPPLIER FINAL"],
                ["Radio", dt.date(2023, 5, 2), -50.0, "SEPURA LTD"],
            ],
        },
    )
    result = ingest_one(ws, path)
    assert result.format == "xlsx"
    got = lines(ws)
    assert [(r["sheet"], r["source_row"], r["supplier_name"]) for r in got] == [
        ("Apr 23", 2, "2am Ltd"),
        ("Apr 23", 3, "ALTBERG LTD"),
        ("May 23", 4, "SEPURA LTD"),
    ]
    assert got[1]["amount"] == Decimal("7398.56")
    assert got[1]["paid_on"] == dt.date(2023, 4, 28)
    assert got[2]["amount"] == Decimal("-50.00")
    assert result.rows_skipped == {"header": 2, "title": 2}


def test_xls(ws: Workspace, tmp_path: Path) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Payments")
    for r, row in enumerate([["Payee", "Value", "Date Paid"], ["Acme Ltd", 12.5, "01/06/2023"]]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = tmp_path / "old.xls"
    book.save(str(path))
    result = ingest_one(ws, path)
    assert result.format == "xls"
    assert lines(ws)[0]["amount"] == Decimal("12.50")

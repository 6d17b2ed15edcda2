"""anchorkit.ingest.values: the SQL value parsers, run on a real in-memory DuckDB.

Cases are data. Each list goes through DuckDB in ONE query (the expression over a VALUES list
of all its cells), so adding a case costs nothing and the suite stays fast.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from typing import Any

import duckdb
import pytest

from anchorkit.ingest import values

D = Decimal
NBSP = "\xa0"


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    try:
        yield connection
    finally:
        connection.close()


def run(
    con: duckdb.DuckDBPyConnection, expr: Callable[[str], str], cells: Sequence[str | None]
) -> list[Any]:
    """`expr("x")` evaluated for every cell, in one query, in the cells' order."""
    rows = ", ".join(f"({i}, ?::VARCHAR)" for i in range(len(cells)))
    sql = f"SELECT {expr('x')} FROM (VALUES {rows}) AS t(i, x) ORDER BY i"
    return [r[0] for r in con.execute(sql, list(cells)).fetchall()]


def check(
    con: duckdb.DuckDBPyConnection,
    expr: Callable[[str], str],
    cases: Sequence[tuple[str | None, object]],
) -> None:
    got = run(con, expr, [raw for raw, _ in cases])
    wrong = [
        (raw, want, have)
        for (raw, want), have in zip(cases, got, strict=True)
        if have != want or type(have) is not type(want)
    ]
    assert not wrong, "\n".join(f"{raw!r}: want {w!r}, got {h!r}" for raw, w, h in wrong)


# ---------------------------------------------------------------------------------------------
# amounts
# ---------------------------------------------------------------------------------------------
AMOUNTS: list[tuple[str | None, Decimal | None]] = [
    # plain numbers, the DECIMAL cast's fast path
    ("1234.5", D("1234.50")),
    ("960", D("960.00")),
    ("0", D("0.00")),
    ("-50", D("-50.00")),
    ("+5", D("5.00")),
    (".5", D("0.50")),
    ("5.", D("5.00")),
    ("  12  ", D("12.00")),
    ("\t7\n", D("7.00")),
    # Excel float artefacts: 2 dp, half away from zero
    ("7398.5599999999995", D("7398.56")),
    ("712.5000000000001", D("712.50")),
    ("0.125", D("0.13")),
    ("-0.125", D("-0.13")),
    ("1.005", D("1.01")),
    # scientific notation from Excel exports
    ("1.5E3", D("1500.00")),
    ("2.5e-1", D("0.25")),
    ("-1.13686837721616E-13", D("0.00")),
    # thousands separators
    ("1,234.56", D("1234.56")),
    ("1,234,567", D("1234567.00")),
    ("12,345,678.9", D("12345678.90")),
    ("$982, 900", D("982900.00")),  # a space after a thousands comma (Toronto)
    # currency symbols and codes, either side
    ("£1,234.56", D("1234.56")),
    ("£ 1,234.56", D("1234.56")),
    ("€12", D("12.00")),
    ("$5", D("5.00")),
    ("US$ 5", D("5.00")),
    ("C$5", D("5.00")),
    ("CA$ 3.10", D("3.10")),
    ("CAD 1,200.00", D("1200.00")),
    ("1200 GBP", D("1200.00")),
    ("1200GBP", D("1200.00")),
    ("gbp 3", D("3.00")),
    ("5 £", D("5.00")),
    # a symbol and a code that agree
    ("$330,000 CAD", D("330000.00")),
    ("$7,826,304.31 CAD ", D("7826304.31")),
    ("CAD $5", D("5.00")),
    ("£5 GBP", D("5.00")),
    ("€5 EUR", D("5.00")),
    ("($5 USD)", D("-5.00")),
    # mis-encoded symbols (UTF-8 read as cp1252 / latin-1, cp1252 read as latin-1)
    ("Â£1,234.56", D("1234.56")),
    ("â‚¬12.00", D("12.00")),
    ("â\x82¬12.00", D("12.00")),
    ("\x8012", D("12.00")),
    ("\ufffd40", D("40.00")),
    # negatives: parentheses, trailing minus, minus either side of the symbol, credit
    ("(1,234.56)", D("-1234.56")),
    ("( 1,234.56 )", D("-1234.56")),
    ("(£5)", D("-5.00")),
    ("£(5)", D("-5.00")),
    ("(5) GBP", D("-5.00")),
    ("1,234.56-", D("-1234.56")),
    ("-£50.00", D("-50.00")),
    ("£-50", D("-50.00")),
    ("- 50 GBP", D("-50.00")),
    ("1,234.56 CR", D("-1234.56")),
    ("1,234.56cr", D("-1234.56")),
    ("1,200 CAD CR", D("-1200.00")),
    ("5 DR", D("5.00")),
    ("5 gbp dr", D("5.00")),
    ("+£5", D("5.00")),
    ("-$5", D("-5.00")),
    ("$-5", D("-5.00")),
    ("$(5)", D("-5.00")),
    ("£ -5", D("-5.00")),
    ("EUR -1,000", D("-1000.00")),
    (" (£1,234.56) ", D("-1234.56")),
    ("\u22125", D("-5.00")),  # U+2212 minus sign
    # no-break spaces around the number
    (f"{NBSP}5{NBSP}", D("5.00")),
    (f"£{NBSP}1,000", D("1000.00")),
    # not amounts
    ("abc", None),
    ("N/A", None),
    ("1.2.3", None),
    ("--", None),
    ("", None),
    ("   ", None),
    (None, None),
    ("£", None),
    ("1£2", None),
    ("1,2345", None),  # a comma that is not a thousands separator
    ("12,50", None),  # decimal comma: not guessed
    ("1,234,56", None),
    ("$ 1 234,56", None),
    ("1 234", None),
    ("£5 EUR", None),  # two currencies that disagree
    ("£5 CAD", None),
    ("C$5 USD", None),
    ("12, 50", None),
    ("31.65/MT", None),  # a unit rate (Toronto)
    ("(-5)", None),  # two signs
    ("-5 CR", None),
    ("(5", None),  # unbalanced
    ("5)", None),
    ("--5", None),
    ("£1.5E3", None),  # exponents only in plain numbers
    ("1e20", None),  # beyond DECIMAL(18,2)
    ("99999999999999999", None),
    ("inf", None),
    ("nan", None),
]


def test_amounts(con: duckdb.DuckDBPyConnection) -> None:
    check(con, values.amount_sql, AMOUNTS)


def test_amount_type_is_decimal_18_2(con: duckdb.DuckDBPyConnection) -> None:
    (kind,) = con.execute(f"SELECT typeof({values.amount_sql(repr('£1'))})").fetchone() or ("",)
    assert kind == "DECIMAL(18,2)"


@pytest.mark.parametrize("default", ["GBP", "CAD"])
def test_currencies(con: duckdb.DuckDBPyConnection, default: str) -> None:
    cases: list[tuple[str | None, object]] = [
        ("1234.5", default),
        ("1,234.56", default),
        ("(1,234.56)", default),
        ("1,234.56 CR", default),
        ("£5", "GBP"),
        ("Â£1,234.56", "GBP"),
        ("1200 GBP", "GBP"),
        ("gbp 3", "GBP"),
        ("€12", "EUR"),
        ("â‚¬12.00", "EUR"),
        ("\x8012", "EUR"),
        ("EUR 4", "EUR"),
        ("C$5", "CAD"),
        ("CA$5", "CAD"),
        ("CAD 1,200.00", "CAD"),
        ("1,200 CAD CR", "CAD"),
        ("US$ 5", "USD"),
        ("USD 5", "USD"),
        ("usd 5", "USD"),
        ("5 US$", "USD"),
        ("AU$5", "AUD"),
        ("NZ$5", "NZD"),
        ("CHF 5", "CHF"),
        ("$330,000 CAD", "CAD"),
        ("$5 USD", "USD"),
        ("USD $5", "USD"),
        ("£5 GBP", "GBP"),
        ("$5", default),  # $ is the file's dollar: CAD in Canada, USD in the US
        ("-$5", default),
        ("\ufffd40", default),
        ("", default),
        (None, default),
    ]
    check(con, lambda c: values.currency_sql(c, default), cases)


AMOUNT_PROBLEMS: list[tuple[str | None, str | None]] = [
    ("1,234.56", None),
    ("£5", None),
    ("(5)", None),
    ("0", None),
    ("", "amount is empty"),
    ("  ", "amount is empty"),
    (NBSP, "amount is empty"),
    (None, "amount is empty"),
    ("abc", "amount 'abc' is not a number"),
    ("N/A", "amount 'N/A' is not a number"),
    ("1.2.3", "amount '1.2.3' is not a number"),
    ("--", "amount '--' is not a number"),
    ("1,2345", "amount '1,2345' has a comma that is not a thousands separator"),
    ("12,50", "amount '12,50' has a comma that is not a thousands separator"),
    ("(-5)", "amount '(-5)' has conflicting signs, brackets or currencies"),
    ("-5 CR", "amount '-5 CR' has conflicting signs, brackets or currencies"),
    ("(5", "amount '(5' has conflicting signs, brackets or currencies"),
    ("£5 EUR", "amount '£5 EUR' has conflicting signs, brackets or currencies"),
    ("1e20", "amount '1e20' is too large"),
    ("£99,999,999,999,999,999", "amount '£99,999,999,999,999,999' is too large"),
    ("it's", "amount 'it's' is not a number"),
    ("x" * 50, f"amount '{'x' * 40}...' is not a number"),
]


def test_amount_problems(con: duckdb.DuckDBPyConnection) -> None:
    check(con, values.amount_problem_sql, AMOUNT_PROBLEMS)


def test_every_rejected_amount_has_a_reason_and_no_accepted_one_has(
    con: duckdb.DuckDBPyConnection,
) -> None:
    cells = [raw for raw, _ in AMOUNTS]
    parsed = run(con, values.amount_sql, cells)
    reasons = run(con, values.amount_problem_sql, cells)
    assert [(p is None) for p in parsed] == [(r is not None) for r in reasons]


# ---------------------------------------------------------------------------------------------
# dates
# ---------------------------------------------------------------------------------------------
APR_1 = dt.date(2023, 4, 1)
# Cells whose reading does not depend on the file's order.
DATES_ANY_ORDER: list[tuple[str | None, dt.date | None]] = [
    ("2023-04-01", APR_1),
    ("2023-4-1", APR_1),
    ("2023-04-01 00:00:00", APR_1),
    ("2023-04-01T01:00:00", APR_1),
    ("2023-04-01T01:00:00Z", APR_1),
    ("2023-04-01T01:00:00.000Z", APR_1),
    ("2023-04-01 13:45:00.123+01:00", APR_1),
    ("2023/04/01", APR_1),
    ("2023.04.01", APR_1),
    (" 2023-04-01 ", APR_1),
    (f"2023-04-01{NBSP}", APR_1),
    ("20230401", APR_1),
    ("19991231", dt.date(1999, 12, 31)),
    # Excel serial days, 1900 date system
    ("45017", APR_1),
    ("45017.0", APR_1),
    ("45017.999988", APR_1),
    ("20000", dt.date(1954, 10, 3)),
    ("80000", dt.date(2119, 1, 11)),
    # month names
    ("01 Apr 2023", APR_1),
    ("1 April 2023", APR_1),
    ("01-APR-23", APR_1),
    ("1-Apr-2023", APR_1),
    ("01.apr.2023", APR_1),
    ("01APR2023", APR_1),
    ("1st April 2023", APR_1),
    ("Saturday, 1 April 2023", APR_1),
    ("Apr 1, 2023", APR_1),
    ("April 1 2023", APR_1),
    ("APRIL 1ST, 2023", APR_1),
    ("Sept 5, 2020", dt.date(2020, 9, 5)),
    ("5 Sept 2020", dt.date(2020, 9, 5)),
    ("2023-Apr-01", APR_1),
    ("01 Apr 2023 10:15", APR_1),
    ("1 Apr 23", APR_1),
    ("\t01-Apr-2023", APR_1),
    ("31-DEC-99", dt.date(1999, 12, 31)),
    # French month names (Canadian files)
    ("1er avril 2023", APR_1),
    ("15 févr. 2023", dt.date(2023, 2, 15)),
    ("3 août 2021", dt.date(2021, 8, 3)),
    ("1 juillet 2022", dt.date(2022, 7, 1)),
    ("8 DÉC 2022", dt.date(2022, 12, 8)),
    ("12 janv. 2024", dt.date(2024, 1, 12)),
    # impossible or not dates
    ("2023-13-01", None),
    ("2023-02-29", None),
    ("31 Feb 2023", None),
    ("0023-04-01", None),  # four-digit years are 1000-2999
    ("12345", None),  # a number, but below the serial range
    ("19999", None),
    ("80001", None),
    ("99999999", None),
    ("Apr-23", None),  # no day
    ("2023", None),
    ("abc", None),
    ("infinity", None),
    ("epoch", None),
    ("", None),
    ("  ", None),
    (None, None),
]
# (cell, reading when the file is day-first, reading when it is month-first)
DATES_BY_ORDER: list[tuple[str, dt.date | None, dt.date | None]] = [
    ("01/04/2023", APR_1, dt.date(2023, 1, 4)),
    ("1/4/2023", APR_1, dt.date(2023, 1, 4)),
    ("01-04-2023", APR_1, dt.date(2023, 1, 4)),
    ("01.04.2023", APR_1, dt.date(2023, 1, 4)),
    ("01/04/23", APR_1, dt.date(2023, 1, 4)),
    ("01/04/00", dt.date(2000, 4, 1), dt.date(2000, 1, 4)),
    ("01/04/69", dt.date(2069, 4, 1), dt.date(2069, 1, 4)),
    ("01/04/70", dt.date(1970, 4, 1), dt.date(1970, 1, 4)),
    ("01/04/99", dt.date(1999, 4, 1), dt.date(1999, 1, 4)),
    (" 01/04/2023 ", APR_1, dt.date(2023, 1, 4)),
    ("01/04/2023 00:00", APR_1, dt.date(2023, 1, 4)),
    ("4/1/2023 12:00:00 AM", dt.date(2023, 1, 4), APR_1),
    ("4/1/2023 4:05 PM", dt.date(2023, 1, 4), APR_1),
    ("01/04-2023", APR_1, dt.date(2023, 1, 4)),  # mixed separators: the slow path takes them
    ("25/12/2023", dt.date(2023, 12, 25), None),  # the order is per file, never per row
    ("12/25/2023", None, dt.date(2023, 12, 25)),
    ("29/02/24", dt.date(2024, 2, 29), None),
    ("29/02/23", None, None),
    ("31/02/2023", None, None),
    ("13/13/2023", None, None),
    ("00/04/2023", None, None),
    ("01/04/223", None, None),
    ("01/04/0023", None, None),
]


@pytest.mark.parametrize("order", ["dmy", "mdy"])
def test_dates_whose_reading_does_not_depend_on_the_order(
    con: duckdb.DuckDBPyConnection, order: str
) -> None:
    check(con, lambda c: values.date_sql(c, order), DATES_ANY_ORDER)


@pytest.mark.parametrize("order", ["dmy", "mdy"])
def test_numeric_dates_follow_the_files_order(con: duckdb.DuckDBPyConnection, order: str) -> None:
    want = 1 if order == "dmy" else 2
    cases = [(row[0], row[want]) for row in DATES_BY_ORDER]
    check(con, lambda c: values.date_sql(c, order), cases)


def test_date_type_is_date(con: duckdb.DuckDBPyConnection) -> None:
    got = con.execute(f"SELECT typeof({values.date_sql(repr('1/4/23'), 'dmy')})").fetchone()
    assert got == ("DATE",)


def test_unknown_order_is_refused() -> None:
    with pytest.raises(ValueError, match="date order"):
        values.date_sql("x", "ymd")
    with pytest.raises(ValueError, match="date order"):
        values.date_problem_sql("x", "DMY")
    with pytest.raises(ValueError, match="date order"):
        values.decide_date_order(0, 0, 0, "iso")


DATE_PROBLEMS_DMY: list[tuple[str | None, str | None]] = [
    ("2023-04-01", None),
    ("01/04/2023", None),
    ("45017", None),
    ("", "date is empty"),
    (" ", "date is empty"),
    (None, "date is empty"),
    ("31/02/2023", "date '31/02/2023' is not a valid date"),
    ("2023-13-01", "date '2023-13-01' is not a valid date"),
    ("31 Feb 2023", "date '31 Feb 2023' is not a valid date"),
    ("30 févr. 2023", "date '30 févr. 2023' is not a valid date"),
    ("12/25/2023", "date '12/25/2023' is month-first but this file reads dates day-first"),
    ("12345", "date '12345' is a number, not an Excel date (20000 to 80000)"),
    ("soon", "date 'soon' is not a recognised date"),
    ("Apr-23", "date 'Apr-23' is not a recognised date"),
]


def test_date_problems(con: duckdb.DuckDBPyConnection) -> None:
    check(con, lambda c: values.date_problem_sql(c, "dmy"), DATE_PROBLEMS_DMY)


def test_date_problem_names_the_files_order(con: duckdb.DuckDBPyConnection) -> None:
    check(
        con,
        lambda c: values.date_problem_sql(c, "mdy"),
        [
            ("12/25/2023", None),
            ("25/12/2023", "date '25/12/2023' is day-first but this file reads dates month-first"),
        ],
    )


def test_every_rejected_date_has_a_reason_and_no_accepted_one_has(
    con: duckdb.DuckDBPyConnection,
) -> None:
    cells = [raw for raw, _ in DATES_ANY_ORDER] + [row[0] for row in DATES_BY_ORDER]
    for order in values.DATE_ORDERS:
        parsed = run(con, lambda c, o=order: values.date_sql(c, o), cells)
        reasons = run(con, lambda c, o=order: values.date_problem_sql(c, o), cells)
        assert [(p is None) for p in parsed] == [(r is not None) for r in reasons]


# ---------------------------------------------------------------------------------------------
# the file's date order
# ---------------------------------------------------------------------------------------------
def evidence(con: duckdb.DuckDBPyConnection, cells: Sequence[str | None]) -> tuple[int, ...]:
    rows = ", ".join("(?::VARCHAR)" for _ in cells)
    sql = f"SELECT {values.date_order_evidence_sql('x')} FROM (VALUES {rows}) AS t(x)"
    cursor = con.execute(sql, list(cells))
    names = [d[0] for d in cursor.description or []]
    assert names == ["iso_votes", "dmy_votes", "mdy_votes", "total_dates"]
    row = cursor.fetchone()
    assert row is not None
    return tuple(int(v) for v in row)


def test_evidence_counts_only_cells_that_settle_the_order(
    con: duckdb.DuckDBPyConnection,
) -> None:
    cells = [
        "2023-04-01",  # iso
        "2023/04/30 10:00",  # iso
        "25/12/2023",  # dmy: 25 can only be a day
        "13-01-23",  # dmy
        "31.12.2023 00:00",  # dmy
        "12/25/2023",  # mdy
        "01/04/2023",  # ambiguous: no vote
        "12/12/2023",  # ambiguous
        "45017",  # serial: no vote
        "1 Apr 2023",  # month name: no vote
        "32/01/2023",  # no valid reading: no vote
        "",  # blank: not counted
        "  ",
        None,
    ]
    assert evidence(con, cells) == (2, 3, 1, 11)


def test_evidence_of_an_empty_column(con: duckdb.DuckDBPyConnection) -> None:
    assert evidence(con, [None, ""]) == (0, 0, 0, 0)


DECISIONS: list[tuple[tuple[int, int, int, str], tuple[str, str]]] = [
    ((0, 41, 0, "mdy"), ("dmy", "day-first: 41 dates like 25/12/2023, none month-first")),
    ((0, 1, 0, "mdy"), ("dmy", "day-first: 1 date like 25/12/2023, none month-first")),
    ((5, 0, 3, "dmy"), ("mdy", "month-first: 3 dates like 12/25/2023, none day-first")),
    (
        (0, 0, 0, "dmy"),
        ("dmy", "ambiguous (no day above 12): assumed dmy (setting ingest.date_order)"),
    ),
    (
        (0, 0, 0, "mdy"),
        ("mdy", "ambiguous (no day above 12): assumed mdy (setting ingest.date_order)"),
    ),
    (
        (12, 0, 0, "dmy"),
        (
            "dmy",
            "ambiguous (no day above 12): assumed dmy (setting ingest.date_order); "
            "12 dates year-first, which need no order",
        ),
    ),
    (
        (0, 40, 2, "mdy"),
        (
            "dmy",
            "day-first: 40 dates like 25/12/2023, 2 dates like 12/25/2023; "
            "the 2 month-first rows will be rejected",
        ),
    ),
    (
        (0, 1, 9, "dmy"),
        (
            "mdy",
            "month-first: 1 date like 25/12/2023, 9 dates like 12/25/2023; "
            "the 1 day-first row will be rejected",
        ),
    ),
    (
        (0, 4, 4, "mdy"),
        (
            "mdy",
            "mixed: 4 dates like 25/12/2023 and as many like 12/25/2023; "
            "assumed mdy (setting ingest.date_order); the 4 day-first rows will be rejected",
        ),
    ),
]


@pytest.mark.parametrize(("votes", "decision"), DECISIONS)
def test_decide_date_order(votes: tuple[int, int, int, str], decision: tuple[str, str]) -> None:
    assert values.decide_date_order(*votes) == decision


def test_evidence_feeds_the_decision_and_the_decision_the_parse(
    con: duckdb.DuckDBPyConnection,
) -> None:
    cells = ["03/04/2023", "12/25/2023", "11/30/2023", "25/12/2023", "2023-04-01"]
    iso, dmy, mdy, _ = evidence(con, cells)
    order, explanation = values.decide_date_order(iso, dmy, mdy, "dmy")
    assert order == "mdy"
    assert explanation.endswith("the 1 day-first row will be rejected")
    assert run(con, lambda c: values.date_sql(c, order), cells) == [
        dt.date(2023, 3, 4),
        dt.date(2023, 12, 25),
        dt.date(2023, 11, 30),
        None,
        APR_1,
    ]


# ---------------------------------------------------------------------------------------------
# fiscal years
# ---------------------------------------------------------------------------------------------
FISCAL_YEARS: list[tuple[str, int, int, int]] = [
    # (date, start month, start day, fiscal year = calendar year it starts in)
    ("2023-03-31", 4, 1, 2022),
    ("2023-04-01", 4, 1, 2023),
    ("2023-12-31", 4, 1, 2023),
    ("2024-01-01", 4, 1, 2023),
    ("2024-02-29", 4, 1, 2023),
    ("2023-04-05", 4, 6, 2022),  # UK tax year
    ("2023-04-06", 4, 6, 2023),
    ("2023-03-31", 3, 31, 2023),
    ("2023-03-30", 3, 31, 2022),
    ("2023-06-30", 7, 1, 2022),  # Australia
    ("2023-07-01", 7, 1, 2023),
    ("2023-09-30", 10, 1, 2022),  # US federal
    ("2023-10-01", 10, 1, 2023),
    ("2023-12-31", 12, 31, 2023),
    ("2023-12-30", 12, 31, 2022),
    ("2023-01-01", 1, 1, 2023),
    ("2023-12-31", 1, 1, 2023),
    ("1999-12-31", 4, 1, 1999),
]


def test_fiscal_years(con: duckdb.DuckDBPyConnection) -> None:
    selects = ", ".join(
        values.fiscal_year_sql(f"DATE '{day}'", month, start)
        for day, month, start, _ in FISCAL_YEARS
    )
    row = con.execute(f"SELECT {selects}").fetchone()
    assert row is not None
    assert list(row) == [want for *_, want in FISCAL_YEARS]
    assert all(type(v) is int for v in row)


def test_fiscal_year_of_a_parsed_date_and_of_null(con: duckdb.DuckDBPyConnection) -> None:
    check(
        con,
        lambda c: values.fiscal_year_sql(values.date_sql(c, "dmy"), 4, 1),
        [("31/03/2023", 2022), ("01-APR-23", 2023), ("2023-04-01 00:00:00", 2023), ("x", None)],
    )


@pytest.mark.parametrize(("month", "day"), [(2, 29), (13, 1), (0, 1), (4, 31), (4, 0)])
def test_impossible_fiscal_year_starts_are_refused(month: int, day: int) -> None:
    with pytest.raises(ValueError, match="fiscal year start"):
        values.fiscal_year_sql("d", month, day)


# ---------------------------------------------------------------------------------------------
# composing with the caller's SQL
# ---------------------------------------------------------------------------------------------
def test_col_may_be_a_quoted_name_or_an_expression(con: duckdb.DuckDBPyConnection) -> None:
    quoted, expression = '"Awarded Amount"', "upper(d)"
    sql = (
        f"SELECT {values.amount_sql(quoted)}, {values.currency_sql(quoted, 'CAD')}, "
        f"{values.amount_problem_sql(quoted)}, "
        f"{values.date_sql(expression, 'dmy')}, {values.date_problem_sql(expression, 'dmy')} "
        "FROM (VALUES ('C$ 1,000', '1 avr. 2023')) AS t(\"Awarded Amount\", d)"
    )
    assert con.execute(sql).fetchall() == [(D("1000.00"), "CAD", None, APR_1, None)]


def test_currency_default_must_be_an_iso_code(con: duckdb.DuckDBPyConnection) -> None:
    check(con, lambda c: values.currency_sql(c, " cad "), [("$5", "CAD"), ("£5", "GBP")])
    for bad in ("it's", "", "£", "EURO"):
        with pytest.raises(ValueError, match="3-letter ISO code"):
            values.currency_sql("x", bad)


# ---------------------------------------------------------------------------------------------
# blank cells
# ---------------------------------------------------------------------------------------------
BLANKISH = [
    None,
    "",
    " ",
    "   ",
    NBSP,
    f" {NBSP} ",
    "\u2003",  # em space: trim() strips it
    "\t",  # trim() keeps tabs and newlines, the regex of _is_blank does not
    "\n",
    " a",
    "a ",
    "a",
    "!",
    "~",
    "\x7f",
    "\x01",
    "é",
    f"{NBSP}x",
    "\u0080",
    "0",
    "-5",
    "£5",
]


def test_blank_sql_answers_as_trim_does(con: duckdb.DuckDBPyConnection) -> None:
    want = run(con, lambda x: f"coalesce(trim({x}), '') = ''", BLANKISH)
    assert run(con, values.blank_sql, BLANKISH) == want
    assert want[:7] == [True] * 7 and not any(want[7:])


def test_the_guard_of_is_blank_changes_no_answer(con: duckdb.DuckDBPyConnection) -> None:
    unguarded = run(
        con, lambda x: f"coalesce(regexp_matches({x}, '^[\\s\\x{{a0}}]*$'), true)", BLANKISH
    )
    assert run(con, values._is_blank, BLANKISH) == unguarded


def test_all_blank_sql_is_no_letter_or_digit_in_any_cell(con: duckdb.DuckDBPyConnection) -> None:
    pairs = [(a, b) for a in [*BLANKISH, "†† ", "-"] for b in (None, " ", "x", NBSP, "†")]
    rows = ", ".join(f"({i}, ?::VARCHAR, ?::VARCHAR)" for i in range(len(pairs)))
    sql = f"SELECT {values.all_blank_sql(['a', 'b'])} FROM (VALUES {rows}) AS t(i, a, b) ORDER BY i"
    got = [g for (g,) in con.execute(sql, [v for pair in pairs for v in pair]).fetchall()]
    content = re.compile(r"[^\W_]")  # a letter or a digit, in any script
    want = [not any(c and content.search(c) for c in pair) for pair in pairs]
    assert got == want
    assert sum(want) == 16 * 4  # 16 cells without a letter or digit, and b any of 4 such


def test_trim_sql_is_trim(con: duckdb.DuckDBPyConnection) -> None:
    cells = [
        *BLANKISH,
        "Acme Ltd",
        " Acme Ltd",
        "Acme Ltd ",
        f"Acme Ltd{NBSP}",
        "Acme Ltd\u2003",
        "Acme Ltd\t",
        "Café",
        "e\u0301",  # a combining accent: one grapheme, two code points
        "Acme 🙂",
        "🙂 ",
        "x",
        "~",
    ]
    assert run(con, values.trim_sql, cells) == run(con, lambda x: f"trim({x})", cells)

"""How a file is laid out, and how one line becomes its cells.

A :class:`Layout` is everything that differs between two finance systems' exports of the same payments:
format, delimiter, encoding, which columns under which headers, date and amount styles, title and total
rows. The ingest has to cope with all of it, so the demo's anchors use many layouts (see ``anchors.py``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from anchorkit.demo.lines import Line

Field = Literal[
    "date", "ref", "vendor_id", "name", "amount", "description", "category", "cost_centre",
    "postcode", "currency", "spacer",
]  # fmt: skip
DateStyle = Literal[
    "iso", "iso_time", "dmy", "mdy", "d_mon_y", "dd_mon_yy", "excel_date", "excel_serial"
]
AmountStyle = Literal["comma", "dollar", "paren", "dollar_paren", "trailing", "plain", "number"]
Cell = str | float | int | dt.date | None

_MONTHS = ("", "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_EXCEL_EPOCH = dt.date(1899, 12, 30)


@dataclass(frozen=True)
class Layout:
    """One export format. ``columns`` pairs each field with its header label ("" for a spacer column).

    ``file_name`` is formatted with ``fy`` ("2021-22"), ``fy_us`` ("2021_22"), ``fy_long`` ("2021-2022"),
    ``yy_end`` ("22") and ``q`` (1-4, for quarterly files); ``title`` lines with ``fy`` too ("" is a
    blank line). ``sheets`` is "single", "quarters" (one sheet per quarter) or "payment_method" (EFT and
    cheque payments on two sheets). ``vendor_id`` is a format pattern for the vendor number ``n``, or
    "number" for a numeric cell.
    """

    fmt: Literal["csv", "xlsx", "xls"]
    columns: tuple[tuple[Field, str], ...]
    file_name: str
    delimiter: str = ","
    encoding: str = "utf-8"
    newline: str = "\r\n"
    quote_all: bool = False
    header: bool = True
    date_style: DateStyle = "iso"
    excel_date_format: str = "yyyy-mm-dd"
    amount_style: AmountStyle = "comma"
    title: tuple[str, ...] = ()
    total_row: bool = False
    repeat_header_every: int = 0
    sheets: Literal["single", "quarters", "payment_method"] = "single"
    sheet_name: str = "Sheet1"
    vendor_id: str = "{n}"
    postcode_nospace: bool = False
    name_upper: bool = False

    @property
    def labels(self) -> list[str]:
        return [label for _, label in self.columns]

    def written_name(self, line: Line) -> str:
        if line.bad == "missing_supplier":
            return ""
        return line.record.name.upper() if self.name_upper else line.record.name

    def written_vendor_id(self, line: Line) -> str | int:
        if line.bad == "missing_supplier":
            return ""
        n = line.record.number
        return n if self.vendor_id == "number" else self.vendor_id.format(n=n)

    def written_postcode(self, line: Line) -> str:
        code = "" if line.bad == "missing_supplier" else line.supplier.postcode
        return code.replace(" ", "") if self.postcode_nospace else code

    def cells(self, line: Line) -> list[Cell]:
        """The cells of one data row, in column order, typed as the writer should store them."""
        values: dict[str, Cell] = {
            "date": self._date(line),
            "ref": line.ref,
            "vendor_id": self.written_vendor_id(line),
            "name": self.written_name(line),
            "amount": "N/A" if line.bad == "bad_amount" else self.amount(line.cents),
            "description": line.description,
            "category": line.category,
            "cost_centre": line.cost_centre,
            "postcode": self.written_postcode(line),
            "currency": "CAD",
            "spacer": None,
        }
        return [values[field] for field, _ in self.columns]

    def total_cells(self, cents: int) -> list[Cell]:
        """A trailing "Total" row: the word in the first column, the sum under the amounts."""
        row: list[Cell] = [None] * len(self.columns)
        row[0] = "Total"
        row[[f for f, _ in self.columns].index("amount")] = self.amount(cents)
        return row

    def amount(self, cents: int) -> Cell:
        if self.amount_style == "number":
            return cents / 100
        return format_amount(cents, self.amount_style)

    def _date(self, line: Line) -> Cell:
        if line.bad == "bad_date":
            day = line.paid_on  # February 31st of the file's own fiscal year
            return impossible_date(day.year + (day.month >= 4), self.date_style)
        if self.date_style == "excel_date":
            return line.paid_on
        if self.date_style == "excel_serial":
            return excel_serial(line.paid_on)
        return format_date(line.paid_on, self.date_style)


def excel_serial(day: dt.date) -> int:
    """Excel's day number for ``day`` (1900 date system): 2022-04-01 -> 44652."""
    return (day - _EXCEL_EPOCH).days


def format_amount(cents: int, style: AmountStyle) -> str:
    """``123456`` cents as "1,234.56", "$1,234.56", "(1,234.56)", "1234.56-"... by ``style``."""
    whole, frac = divmod(abs(cents), 100)
    grouped, plain = f"{whole:,}.{frac:02d}", f"{whole}.{frac:02d}"
    neg = cents < 0
    if style == "comma":
        return f"-{grouped}" if neg else grouped
    if style == "dollar":
        return f"-${grouped}" if neg else f"${grouped}"
    if style == "paren":
        return f"({grouped})" if neg else grouped
    if style == "dollar_paren":
        return f"(${grouped})" if neg else f"${grouped}"
    if style == "trailing":
        return f"{plain}-" if neg else plain
    return f"-{plain}" if neg else plain


def format_date(day: dt.date, style: DateStyle) -> str:
    """A date as text in ``style`` (the Excel styles fall back to ISO)."""
    if style == "dmy":
        return f"{day.day:02d}/{day.month:02d}/{day.year}"
    if style == "mdy":
        return f"{day.month:02d}/{day.day:02d}/{day.year}"
    if style == "d_mon_y":
        return f"{day.day:02d} {_MONTHS[day.month]} {day.year}"
    if style == "dd_mon_yy":
        return f"{day.day:02d}-{_MONTHS[day.month].upper()}-{day.year % 100:02d}"
    if style == "iso_time":
        return f"{day.isoformat()} 00:00:00"
    return day.isoformat()


def impossible_date(year: int, style: DateStyle) -> str:
    """February 31st written the way the file writes dates (as text, even in a spreadsheet)."""
    if style in ("dmy", "excel_date", "excel_serial"):
        return f"31/02/{year}"
    if style == "mdy":
        return f"02/31/{year}"
    if style == "d_mon_y":
        return f"31 Feb {year}"
    if style == "dd_mon_yy":
        return f"31-FEB-{year % 100:02d}"
    if style == "iso_time":
        return f"{year}-02-31 00:00:00"
    return f"{year}-02-31"

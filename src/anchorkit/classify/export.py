"""``anchorkit export lines``: every spend line with its category, for checking the work in Excel.

Why a file of every line: a finance team checks a classification by filtering and sorting its own
lines, in its own tool. The file holds where each line came from (file id, source row), what it
says (date, amount, supplier, description, raw category, cost centre) and what ``classify``
decided (code, level-1 and level-2 names, confidence, method); a line ``classify`` has not seen
has empty category cells.

Written as a stream: the lines are read in slices of ``CHUNK_LINES`` line ids and each slice is
written before the next is read, so ten million lines never sit in memory at once. CSV and XLSX
cells of text that start with ``=``, ``+``, ``-``, ``@`` (or a tab or carriage return) get a
leading apostrophe, so a spreadsheet never runs a supplier's name as a formula; numbers stay
numbers. An XLSX sheet holds at most 1,048,575 lines: more continue on "lines 2", "lines 3"...
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from anchorkit.csv_safe import safe_cell
from anchorkit.errors import CategoryError
from anchorkit.workspace import Workspace

CHUNK_LINES = 100_000
XLSX_ROWS = 1_048_575  # one sheet's rows under its header
FORMATS = (".csv", ".xlsx", ".parquet")
#: The file's columns, in order (the SQL below selects them under these names).
COLUMNS = (
    "line_id",
    "file_id",
    "source_row",
    "anchor",
    "date",
    "amount",
    "currency",
    "supplier",
    "supplier_id",
    "description",
    "raw_category",
    "cost_centre",
    "category_code",
    "level1",
    "level2",
    "confidence",
    "method",
)
_TEXT = {"file_id", "anchor", "currency", "supplier", "supplier_id", "description",
         "raw_category", "cost_centre", "category_code", "level1", "level2", "method"}  # fmt: skip

_SELECT = """
    SELECT s.line_id, s.file_id, s.source_row, a.name AS anchor, s.paid_on AS date, s.amount,
           s.currency, s.supplier_name AS supplier, s.supplier_id, s.description,
           s.raw_category, s.cost_centre, c.code AS category_code, c.level1, c.level2,
           c.confidence, c.method
    FROM spend_line s JOIN anchor a USING (anchor_id)
    LEFT JOIN line_category c USING (line_id)
"""


@dataclass
class ExportResult:
    path: str
    lines: int
    format: str

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def _slices(ws: Workspace, anchor_id: int | None) -> Iterator[pa.Table]:
    """The lines, in line-id order, ``CHUNK_LINES`` at a time."""
    where = "" if anchor_id is None else f"WHERE anchor_id = {int(anchor_id)}"
    # every CHUNK_LINES-th line id is a slice's first: slices hold CHUNK_LINES lines however the
    # ids are spread
    starts = [
        r[0]
        for r in ws.engine.query(
            "export_line_slices",
            f"""
            SELECT line_id FROM (
                SELECT line_id, row_number() OVER (ORDER BY line_id) AS n FROM spend_line {where})
            WHERE (n - 1) % {CHUNK_LINES} = 0 ORDER BY line_id
            """,
        )
    ]
    only = "" if anchor_id is None else f"AND s.anchor_id = {int(anchor_id)}"
    for i, first in enumerate(starts):
        upper = f"AND s.line_id < {int(starts[i + 1])}" if i + 1 < len(starts) else ""
        yield ws.engine.query_arrow(
            "export_lines",
            f"{_SELECT} WHERE s.line_id >= {int(first)} {upper} {only} ORDER BY s.line_id",
        )


def _rows(table: pa.Table) -> Iterator[list[Any]]:
    columns = [table.column(name).to_pylist() for name in COLUMNS]
    for row in zip(*columns, strict=True):
        yield [
            safe_cell(v) if name in _TEXT and isinstance(v, str) else v
            for name, v in zip(COLUMNS, row, strict=True)
        ]


def export_lines(ws: Workspace, out: Path, *, anchor: str | None = None) -> ExportResult:
    """Write every line (or one anchor's) with its category to ``out`` (.csv, .xlsx, .parquet)."""
    suffix = out.suffix.lower()
    if suffix not in FORMATS:
        raise CategoryError(
            f"Cannot write {out.name}: export lines writes {', '.join(FORMATS)} files. "
            "Give --out a file name ending in one of them."
        )
    anchor_id = ws.anchor(anchor).anchor_id if anchor else None
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    writer = {".csv": _write_csv, ".xlsx": _write_xlsx, ".parquet": _write_parquet}[suffix]
    try:
        lines = writer(_slices(ws, anchor_id), tmp)
        tmp.replace(out)
    finally:
        tmp.unlink(missing_ok=True)
    return ExportResult(str(out), lines, suffix[1:])


def _write_csv(slices: Iterator[pa.Table], path: Path) -> int:
    lines = 0
    with path.open("w", encoding="utf-8-sig", newline="") as f:  # a BOM: Excel reads UTF-8
        writer = csv.writer(f)
        writer.writerow(COLUMNS)
        for table in slices:
            for row in _rows(table):
                writer.writerow(
                    ["" if v is None else f"{v:.2f}" if isinstance(v, Decimal) else v for v in row]
                )
                lines += 1
    return lines


def _write_xlsx(slices: Iterator[pa.Table], path: Path) -> int:
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                           "strings_to_numbers": False, "strings_to_urls": False})  # fmt: skip
    try:
        bold = book.add_format({"bold": True})
        money = book.add_format({"num_format": "#,##0.00"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        sheet = None
        row_in_sheet = XLSX_ROWS
        lines = 0
        for table in slices:
            for row in _rows(table):
                if row_in_sheet >= XLSX_ROWS:
                    sheets = lines // XLSX_ROWS
                    sheet = book.add_worksheet("lines" if sheets == 0 else f"lines {sheets + 1}")
                    sheet.write_row(0, 0, COLUMNS, bold)
                    sheet.freeze_panes(1, 0)
                    row_in_sheet = 0
                assert sheet is not None
                row_in_sheet += 1
                for col, (name, value) in enumerate(zip(COLUMNS, row, strict=True)):
                    if value is None:
                        continue
                    if name == "amount":
                        sheet.write_number(row_in_sheet, col, float(value), money)
                    elif name == "date":
                        sheet.write_datetime(row_in_sheet, col, value, day)
                    elif isinstance(value, str):
                        sheet.write_string(row_in_sheet, col, value)
                    else:
                        sheet.write_number(row_in_sheet, col, value)
                lines += 1
        if sheet is None:  # no lines: the header alone
            book.add_worksheet("lines").write_row(0, 0, COLUMNS, bold)
    finally:
        book.close()
    return lines


def _write_parquet(slices: Iterator[pa.Table], path: Path) -> int:
    import pyarrow.parquet as pq

    writer: pq.ParquetWriter | None = None
    lines = 0
    try:
        for table in slices:
            table = table.select(list(COLUMNS))
            if writer is None:
                writer = pq.ParquetWriter(str(path), table.schema)
            writer.write_table(table.cast(writer.schema))
            lines += table.num_rows
        if writer is None:
            empty = _empty_table()
            pq.write_table(empty, str(path))
    finally:
        if writer is not None:
            writer.close()
    return lines


def _empty_table() -> pa.Table:
    """An empty table with the file's columns (a workspace with no lines)."""
    types = {"line_id": pa.int64(), "source_row": pa.int64(), "date": pa.date32(),
             "amount": pa.decimal128(18, 2), "confidence": pa.float64()}  # fmt: skip
    return pa.table({c: pa.array([], types.get(c, pa.string())) for c in COLUMNS})

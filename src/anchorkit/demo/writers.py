"""Writing a file: first a plan (which row goes where), then bytes in CSV, XLSX or XLS.

Planning apart from writing means the ground truth reads the very same plan the writer wrote: a data
row's ``source_row`` is its position in the plan, so truth and file cannot disagree.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anchorkit.demo.layouts import Cell, Layout, excel_serial
from anchorkit.demo.lines import Line

# Excel's sheet limits: XLS (BIFF8) holds 65,536 rows, XLSX 1,048,576; a longer sheet continues on the next.
_MAX_ROWS = {"xls": 65_000, "xlsx": 1_000_000, "csv": 1 << 62}
_CREATED = dt.datetime(2025, 5, 1, 9, 0, 0)  # fixed document date: same seed, same bytes


@dataclass
class SheetPlan:
    """One sheet (or a whole CSV file when ``name`` is None): rows top to bottom.

    Each row is ``(kind, payload)``: ("title", text), ("blank", None), ("header", None),
    ("data", Line) or ("total", cents).
    """

    name: str | None
    rows: list[tuple[str, Any]] = field(default_factory=list)

    def data_rows(self) -> list[tuple[int, Line]]:
        """(source_row, line) for every data row; source_row is 1-based, as a spreadsheet counts."""
        return [(i, p) for i, (kind, p) in enumerate(self.rows, start=1) if kind == "data"]


def plan_sheets(
    layout: Layout, sheets: Sequence[tuple[str | None, list[Line]]], fy: str
) -> list[SheetPlan]:
    """Lay out each (sheet name, lines) part: titles, header, data (with repeated headers), total."""
    plans: list[SheetPlan] = []
    for name, lines in sheets:
        limit = _MAX_ROWS[layout.fmt]
        chunks = [lines[i : i + limit] for i in range(0, len(lines), limit)] or [[]]
        for part, chunk in enumerate(chunks, start=1):
            plan = SheetPlan(name if part == 1 or name is None else f"{name} ({part})")
            plan.rows.extend(
                ("title", t.format(fy=fy)) if t else ("blank", None) for t in layout.title
            )
            if layout.header:
                plan.rows.append(("header", None))
            every = _repeat_every(layout, len(chunk))
            for i, line in enumerate(chunk):
                if every and i and i % every == 0:
                    plan.rows.append(("header", None))
                plan.rows.append(("data", line))
            if layout.total_row:
                total = sum(line.cents for line in chunk if line.bad != "bad_amount")
                plan.rows.append(("total", total))
            plans.append(plan)
    return plans


def _repeat_every(layout: Layout, n: int) -> int:
    """Report pages: the header again every ``repeat_header_every`` rows, or once mid-file if shorter."""
    if not layout.repeat_header_every or n < 2:
        return 0
    return layout.repeat_header_every if n > 2 * layout.repeat_header_every else (n + 1) // 2


def _row_cells(layout: Layout, kind: str, payload: Any) -> list[Cell]:
    if kind == "title":
        return [payload]
    if kind == "blank":
        return []
    if kind == "header":
        return list(layout.labels)
    if kind == "total":
        return layout.total_cells(payload)
    return layout.cells(payload)


def write_file(path: Path, layout: Layout, plans: list[SheetPlan]) -> None:
    """Write the planned sheets to ``path`` in the layout's format."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if layout.fmt == "csv":
        _write_csv(path, layout, plans[0])
    elif layout.fmt == "xlsx":
        _write_xlsx(path, layout, plans)
    else:
        _write_xls(path, layout, plans)


def _write_csv(path: Path, layout: Layout, plan: SheetPlan) -> None:
    buffer = io.StringIO()
    writer = csv.writer(
        buffer,
        delimiter=layout.delimiter,
        lineterminator=layout.newline,
        quoting=csv.QUOTE_ALL if layout.quote_all else csv.QUOTE_MINIMAL,
    )
    for kind, payload in plan.rows:
        writer.writerow("" if c is None else c for c in _row_cells(layout, kind, payload))
    path.write_bytes(buffer.getvalue().encode(layout.encoding))


def _write_xlsx(path: Path, layout: Layout, plans: list[SheetPlan]) -> None:
    xlsxwriter = _optional("xlsxwriter")
    options = {
        "constant_memory": True,
        "strings_to_numbers": False,
        "strings_to_formulas": False,
        "strings_to_urls": False,
    }
    workbook = xlsxwriter.Workbook(str(path), options)
    workbook.set_properties({"created": _CREATED, "author": "anchorkit demo"})
    bold = workbook.add_format({"bold": True})
    date_format = workbook.add_format({"num_format": layout.excel_date_format})
    money = workbook.add_format({"num_format": "#,##0.00;(#,##0.00)"})
    for plan in plans:
        sheet = workbook.add_worksheet(plan.name)
        sheet.set_column(0, len(layout.columns) - 1, 18)
        for r, (kind, payload) in enumerate(plan.rows):
            style = bold if kind in ("title", "header", "total") else None
            for c, value in enumerate(_row_cells(layout, kind, payload)):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):  # an Excel date is a day number with a date format
                    sheet.write_number(r, c, excel_serial(value), date_format)
                elif isinstance(value, float):
                    sheet.write_number(r, c, value, money)
                elif isinstance(value, int):
                    sheet.write_number(r, c, value)
                else:
                    sheet.write_string(r, c, value, style)
    workbook.close()


def _write_xls(path: Path, layout: Layout, plans: list[SheetPlan]) -> None:
    xlwt = _optional("xlwt")
    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str=layout.excel_date_format)
    money = xlwt.easyxf(num_format_str="#,##0.00")
    plain = xlwt.easyxf("")
    bold = xlwt.easyxf("font: bold on")
    for plan in plans:
        sheet = workbook.add_sheet(plan.name)
        for r, (kind, payload) in enumerate(plan.rows):
            style = bold if kind in ("title", "header", "total") else plain
            for c, value in enumerate(_row_cells(layout, kind, payload)):
                if value is None or value == "":
                    continue
                if isinstance(value, dt.date):
                    sheet.write(r, c, value, date_style)
                elif isinstance(value, float):
                    sheet.write(r, c, value, money)
                else:
                    sheet.write(r, c, value, style)
    workbook.save(str(path))


def _optional(module: str) -> Any:
    """Import a spreadsheet writer; the demo needs it, the rest of anchorkit does not."""
    try:
        return __import__(module)
    except ImportError as exc:  # pragma: no cover - both are in the dev extra
        raise ImportError(
            f"The demo network writes spreadsheets with {module}, which is not installed. "
            f"Install it with: pip install {module}  (or pip install 'anchorkit[dev]')."
        ) from exc

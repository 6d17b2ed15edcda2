"""A framework report as a PDF (through the report's HTML and stylesheet) or an Excel workbook:
the same measures, values, statuses and reasons as ``anchorkit framework report --json``."""

from __future__ import annotations

from decimal import Decimal
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

import xlsxwriter

from anchorkit.reports.render import _environment

COLUMNS = ("id", "name", "value", "unit", "status", "reason", "target", "how", "caveat",
           "proxy_value", "proxy_unit", "social_value", "deadweight", "attribution")  # fmt: skip


def to_html(report: dict[str, Any]) -> str:
    css = resources.files("anchorkit.reports").joinpath("templates/report.css").read_text("utf-8")
    return _environment().get_template("framework.html").render(r=report, css=css)


def to_xlsx(report: dict[str, Any]) -> bytes:
    """One sheet: the framework, its source and version, then one row per measure."""
    out = BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    sheet = book.add_worksheet("Framework")
    bold = book.add_format({"bold": True})
    f = report["framework"]
    for row, (label, value) in enumerate(
        (("Framework", f["name"]), ("Source", f["source"]), ("Version", f["version"]),
         ("Anchor", report["anchor"] or "the whole network"),
         ("Year", report["year"] or "every year"), ("Currency", report["currency"]))
    ):  # fmt: skip
        sheet.write_string(row, 0, label, bold)
        sheet.write(row, 1, value)
    top = 7
    for col, name in enumerate(COLUMNS):
        sheet.write_string(top, col, name, bold)
    for row, m in enumerate(report["measures"], start=top + 1):
        for col, name in enumerate(COLUMNS):
            value = m.get(name)
            if value is None:
                sheet.write_blank(row, col, None)
            elif name == "value" and isinstance(value, str):
                sheet.write_number(row, col, float(Decimal(value)))
            else:
                sheet.write(row, col, value)
    book.close()
    return out.getvalue()


def write(report: dict[str, Any], path: Path) -> None:
    """``path``'s suffix picks the format: .pdf, .html or .xlsx."""
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        path.write_bytes(to_xlsx(report))
    elif suffix == ".html":
        path.write_text(to_html(report), encoding="utf-8")
    elif suffix == ".pdf":
        import weasyprint

        path.write_bytes(weasyprint.HTML(string=to_html(report)).write_pdf())
    else:
        raise ValueError(suffix)

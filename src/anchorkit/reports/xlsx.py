"""A report as an Excel workbook: one sheet per view, native charts, a definitions sheet.

Why native charts and real numbers (not pictures, not text): analysts take these figures further
in Excel, so every amount is a number with a number format, every share a fraction formatted as a
percentage, and every chart reads its cells — change a cell and the chart follows. A suppressed
cell holds the word "suppressed", never a number, and no chart covers it.
"""

from __future__ import annotations

from decimal import Decimal
from io import BytesIO
from typing import Any

import xlsxwriter
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from anchorkit.analytics.targets import is_share
from anchorkit.reports.content import INDICATOR_LABELS, Report
from anchorkit.reports.render import hidden, indicator_label, visible

MEASURES = (
    ("addressable_spend", "Addressable spend", "money"),
    ("local_spend", "Local spend", "money"),
    ("local_share", "Local share", "share"),
    ("impact_share", "Impact share", "share"),
    ("priority_area_share", "Priority-area share", "share"),
    ("unknown_location_share", "Unknown location", "share"),
    ("suppliers", "Suppliers", "count"),
)
CHART_ROWS = 15


class _Book:
    """The workbook and its formats, so every sheet formats numbers the same way."""

    def __init__(self, book: Workbook, currency: str) -> None:
        self.book = book
        self.currency = currency
        self.title = book.add_format({"bold": True, "font_size": 14, "font_color": "#0b3d6b"})
        self.header = book.add_format(
            {"bold": True, "bg_color": "#eef3f8", "bottom": 1, "text_wrap": True, "valign": "top"}
        )
        self.money = book.add_format({"num_format": "#,##0"})
        self.share = book.add_format({"num_format": "0.0%"})
        self.count = book.add_format({"num_format": "#,##0"})
        self.decimal = book.add_format({"num_format": "0.00"})
        # a change of a share, in percentage points (the cell holds points: 0.5, not 0.005)
        self.points = book.add_format({"num_format": '+0.0" pp";-0.0" pp";0.0" pp"'})
        self.text = book.add_format({"text_wrap": True, "valign": "top"})
        self.hidden = book.add_format({"italic": True, "font_color": "#6b6b6b"})
        self.note = book.add_format({"italic": True, "font_color": "#444444"})

    def number(self, kind: str) -> Any:
        return {
            "money": self.money,
            "share": self.share,
            "count": self.count,
            "points": self.points,
        }.get(kind, self.decimal)

    def write(self, sheet: Worksheet, row: int, col: int, value: Any, kind: str) -> None:
        if value is None:
            sheet.write_blank(row, col, None)
        elif kind == "text":
            sheet.write_string(row, col, str(value), self.text)
        else:
            number = float(Decimal(str(value)))
            sheet.write_number(
                row, col, number * 100 if kind == "points" else number, self.number(kind)
            )


def _table(
    b: _Book,
    name: str,
    rows: list[dict[str, Any]],
    label: str,
    title: str,
    *,
    chart: str | None = None,
) -> None:
    """One sheet: header row frozen, visible cells first (charted), suppressed cells after."""
    sheet = b.book.add_worksheet(name)
    headers = [label.replace("_", " ").capitalize()] + [h for _, h, _ in MEASURES]
    sheet.write_row(0, 0, headers, b.header)
    sheet.freeze_panes(1, 1)
    sheet.set_column(0, 0, 38)
    sheet.set_column(1, len(MEASURES), 16)
    shown, suppressed = visible(rows), hidden(rows)
    for i, row in enumerate(shown, start=1):
        b.write(sheet, i, 0, row.get(label) if row.get(label) is not None else "(none)", "text")
        for j, (key, _, kind) in enumerate(MEASURES, start=1):
            b.write(sheet, i, j, row.get(key), kind)
    for i, row in enumerate(suppressed, start=len(shown) + 1):
        b.write(sheet, i, 0, row.get(label), "text")
        for j in range(1, len(MEASURES) + 1):
            sheet.write_string(i, j, "suppressed", b.hidden)
    end = len(shown) + len(suppressed) + 2
    sheet.write_string(end, 0, f"{title}. Amounts in {b.currency}.", b.note)
    if suppressed:
        sheet.write_string(
            end + 1, 0, "suppressed: too few suppliers to show (see Definitions).", b.note
        )
    if chart and shown:
        last = min(len(shown), CHART_ROWS)
        plot = b.book.add_chart({"type": chart})
        plot.add_series(
            {
                "name": "Addressable spend",
                "categories": [name, 1, 0, last, 0],
                "values": [name, 1, 1, last, 1],
                "fill": {"color": "#1f5f99"},
                "line": {"color": "#1f5f99", "width": 2.25},
            }
        )
        if chart == "bar":
            plot.set_y_axis({"reverse": True})
        plot.set_title({"name": title if last == len(shown) else f"{title} (top {last})"})
        plot.set_legend({"none": True})
        plot.set_size({"width": 720, "height": max(320, 22 * last + 80)})
        sheet.insert_chart(1, len(MEASURES) + 2, plot)


def _summary(b: _Book, r: Report) -> None:
    sheet = b.book.add_worksheet("Summary")
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 3, 20)
    sheet.write_string(0, 0, r.title, b.title)
    sheet.write_string(1, 0, f"{r.network_name} · {r.period}")
    sheet.write_string(2, 0, f"Made by anchorkit on {r.generated_at:%Y-%m-%d %H:%M} UTC", b.note)
    columns = [r.anchor or "Network"] + (["Network"] if r.network else [])
    sheet.write_row(4, 0, ["Indicator", *columns], b.header)
    sheet.freeze_panes(5, 1)
    keys = (
        ("total_spend", "money"),
        ("addressable_spend", "money"),
        ("local_spend", "money"),
        ("local_share", "share"),
        ("impact_share", "share"),
        ("priority_area_share", "share"),
        ("unknown_location_share", "share"),
        ("suppliers", "count"),
    )
    for i, (key, kind) in enumerate(keys, start=5):
        sheet.write_string(i, 0, INDICATOR_LABELS[key])
        for j, source in enumerate([r.headline, *([r.network] if r.network else [])], start=1):
            if source.get("suppressed"):
                sheet.write_string(i, j, "suppressed", b.hidden)
            else:
                b.write(sheet, i, j, source.get(key), kind)
    row = 5 + len(keys) + 1
    sheet.write_string(row, 0, "Targets", b.title)
    if not r.targets:
        sheet.write_string(row + 1, 0, f"No targets are set for {r.period}.", b.note)
        return
    sheet.write_row(row + 1, 0, ["Indicator", "Target", "Actual", "Gap", "Progress"], b.header)
    for i, t in enumerate(r.targets, start=row + 2):
        indicator = t["indicator"]
        kind = "share" if is_share(indicator) else "count" if indicator == "suppliers" else "money"
        sheet.write_string(i, 0, indicator_label(indicator))
        b.write(sheet, i, 1, t["target"], kind)
        b.write(sheet, i, 2, t["actual"], kind)
        b.write(sheet, i, 3, t["gap"], "points" if kind == "share" else kind)
        b.write(sheet, i, 4, t["progress"], "share")


def _impact(b: _Book, r: Report) -> None:
    sheet = b.book.add_worksheet("Impact")
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 2, 18)
    sheet.write_row(0, 0, ["LM3 round", f"Amount ({b.currency})"], b.header)
    sheet.freeze_panes(1, 0)
    lm3 = r.impact["lm3"]
    for i, (label, key) in enumerate(
        (
            ("R1: spend studied", "r1"),
            ("R2: spent with local suppliers", "r2"),
            ("R3: re-spent locally by them", "r3"),
        ),
        start=1,
    ):
        sheet.write_string(i, 0, label)
        b.write(sheet, i, 1, lm3[key], "money")
    sheet.write_string(4, 0, "LM3 = (R1 + R2 + R3) / R1")
    b.write(sheet, 4, 1, lm3["lm3"], "decimal")
    row = 6
    for note in lm3.get("notes", []):
        sheet.write_string(row, 0, note, b.note)
        row += 1
    jobs = r.impact.get("jobs")
    row += 1
    if not jobs:
        sheet.write_string(row, 0, f"Jobs and output not estimated: {r.impact['jobs_missing']}")
        return
    sheet.write_row(row, 0, ["Effect", f"Output ({b.currency})", "Jobs"], b.header)
    for i, key in enumerate(("direct", "indirect", "induced", "total"), start=row + 1):
        sheet.write_string(i, 0, key.capitalize())
        b.write(sheet, i, 1, jobs["output"][key], "money")
        b.write(sheet, i, 2, jobs["jobs"][key], "decimal")
    sheet.write_string(row + 6, 0, jobs["caveat"], b.note)


def _list(
    b: _Book, name: str, header: list[str], rows: list[list[Any]], widths: list[int]
) -> Worksheet:
    sheet = b.book.add_worksheet(name)
    sheet.write_row(0, 0, header, b.header)
    sheet.freeze_panes(1, 0)
    for j, width in enumerate(widths):
        sheet.set_column(j, j, width)
    for i, row in enumerate(rows, start=1):
        for j, value in enumerate(row):
            if isinstance(value, int | float | Decimal):
                b.write(sheet, i, j, value, "count" if isinstance(value, int) else "share")
            else:
                b.write(sheet, i, j, value, "text")
    return sheet


HIRING = (
    ("staff", "Staff", "count"),
    ("local_staff_share", "Staff living locally", "share"),
    ("wider_local_staff_share", "Staff living in the wider area", "share"),
    ("priority_area_staff_share", "Staff living in priority areas (est.)", "share"),
    ("new_hires", "New hires", "count"),
    ("local_hire_share", "New hires living locally", "share"),
    ("priority_area_hire_share", "New hires from priority areas (est.)", "share"),
    ("leavers", "Leavers", "count"),
    ("apprentices", "Apprentices / trainees", "count"),
    ("contractor_staff", "Contractors' staff", "count"),
    ("living_wage_share", "Staff paid the living wage", "share"),
    ("contractor_living_wage_share", "Contractors' staff paid the living wage", "share"),
    ("local_payroll_share", "Payroll staying local", "share"),
)
INVESTMENT = (
    ("portfolio", "Portfolio", "money"),
    ("local_investment", "Invested locally", "money"),
    ("local_investment_share", "Share invested locally", "share"),
    ("priority_area_investment", "In priority areas", "money"),
    ("priority_area_investment_share", "Share in priority areas", "share"),
    ("impact_investment", "With impact investees", "money"),
    ("impact_investment_share", "Share with impact investees", "share"),
    ("place_based_investment", "Place-based (local or priority area)", "money"),
    ("unknown_location_investment_share", "Share with investee place unknown", "share"),
)


def _levers(b: _Book, r: Report) -> None:
    """One sheet: the year's hiring and investment, each a column of figures (a suppressed figure
    is empty, never a number), then the anchors' rows the reader may see."""
    levers = r.levers
    people, money = levers.get("hiring"), levers.get("investment")
    if not people and not money:
        return
    sheet = b.book.add_worksheet("Hiring and investment")
    sheet.freeze_panes(1, 0)  # like every sheet: its title stays in view
    sheet.set_column(0, 0, 44)
    sheet.set_column(1, 8, 16)
    row = 0
    if people:
        sheet.write_string(row, 0, f"Hiring, fiscal year {people['period']}", b.title)
        row += 1
        sheet.write_row(row, 0, ["Measure", "Value"], b.header)
        for key, label, kind in HIRING:
            row += 1
            sheet.write_string(row, 0, label)
            b.write(sheet, row, 1, people.get(key), kind)
        row += 1
        sheet.write_string(
            row,
            0,
            f"Counts below {levers['min_count']} people are suppressed (empty); priority areas "
            "apportion each FSA by its postcodes (estimates).",
            b.note,
        )
        row += 2
    if money:
        sheet.write_string(
            row, 0, f"Investment held at the end of fiscal year {money['year']}", b.title
        )
        row += 1
        sheet.write_row(row, 0, ["Measure", f"Value ({b.currency})"], b.header)
        for key, label, kind in INVESTMENT:
            row += 1
            sheet.write_string(row, 0, label)
            if money.get("suppressed"):
                sheet.write_string(row, 1, "suppressed", b.hidden)
            else:
                b.write(sheet, row, 1, money.get(key), kind)
        row += 2
    anchors = levers.get("hiring_by_anchor") or []
    if anchors:
        sheet.write_row(row, 0, ["Anchor", *(label for _, label, _ in HIRING[:7])], b.header)
        for a in anchors:
            row += 1
            sheet.write_string(row, 0, str(a["anchor"]))
            for j, (key, _, kind) in enumerate(HIRING[:7], start=1):
                b.write(sheet, row, j, a.get(key), kind)
        row += 2
    holdings = levers.get("investment_by_anchor") or []
    if holdings:
        sheet.write_row(row, 0, ["Anchor", *(label for _, label, _ in INVESTMENT[:7])], b.header)
        for a in holdings:
            row += 1
            sheet.write_string(row, 0, str(a["anchor"]))
            for j, (key, _, kind) in enumerate(INVESTMENT[:7], start=1):
                b.write(sheet, row, j, a.get(key), kind)


def to_xlsx(report: Report) -> bytes:
    buffer = BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    book.set_properties({"title": report.title, "subject": report.period, "author": "anchorkit"})
    b = _Book(book, report.currency)
    _summary(b, report)
    trend = sorted(report.trend, key=lambda row: row.get("year") or 0)
    _table(b, "Trend", trend, "year", "Addressable spend by fiscal year", chart="column")
    _table(
        b,
        "By category",
        report.by_category,
        "category",
        "Addressable spend by category",
        chart="bar",
    )
    if report.by_anchor:
        _table(
            b, "By anchor", report.by_anchor, "anchor", "Addressable spend by anchor", chart="bar"
        )
    _table(
        b,
        "By neighbourhood",
        report.by_neighbourhood,
        "neighbourhood",
        "Addressable spend by the supplier's neighbourhood",
        chart="bar",
    )
    _impact(b, report)
    _levers(b, report)
    _list(
        b,
        "Opportunities",
        ["Category", "Kind", "Anchors", "What we found", "What to do next"],
        [
            [o["category"], o["kind"], o["anchors"], o["summary"], "\n".join(o["next_steps"])]
            for o in report.opportunities
        ],
        [34, 22, 10, 70, 90],
    )
    q = report.quality
    quality = [
        ["Spend files", q["files"]],
        ["Rows read", q["rows_read"]],
        ["Rows loaded", q["rows_loaded"]],
        ["Rows rejected (kept with their reasons)", q["rows_rejected"]],
        ["Lines whose supplier is not resolved", q["lines_without_supplier_id"]],
        ["Lines without a supplier postcode", q["lines_without_postcode"]],
        ["Lines without any category", q["lines_without_category"]],
        *[[f"Rejected: {reason}", n] for reason, n in report.rejected_reasons],
    ]
    _list(b, "Data quality", ["Check", "Count"], quality, [60, 14])
    definitions = _list(
        b,
        "Definitions",
        ["Term", "Definition"],
        [[term, text] for term, text in report.definitions]
        + [[f"setting {name}", value] for name, value in report.settings],
        [30, 110],
    )
    definitions.write_string(
        len(report.definitions) + len(report.settings) + 2,
        0,
        f"Years with spend: {', '.join(str(y) for y in report.years)}.",
        b.note,
    )
    book.close()
    return buffer.getvalue()

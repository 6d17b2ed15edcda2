"""One entry point for every report format, used by the CLI and by the dashboard's downloads."""

from __future__ import annotations

from anchorkit.errors import ReportError
from anchorkit.reports.content import Report, anchor_report, network_report
from anchorkit.views.store import Store
from anchorkit.workspace import slugify

FORMATS = {
    "pdf": "application/pdf",
    "html": "text/html; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def check_format(fmt: str) -> str:
    fmt = fmt.lower().lstrip(".")
    if fmt not in FORMATS:
        raise ReportError(f"Unknown report format {fmt!r}: choose one of {', '.join(FORMATS)}.")
    return fmt


def build_report(store: Store, *, anchor: str | None = None, year: int | None = None) -> Report:
    """An anchor's scorecard when ``anchor`` is given, else the network's progress report."""
    if anchor is not None:
        return anchor_report(store, anchor, year=year)
    return network_report(store, year=year)


def render_report(report: Report, fmt: str) -> bytes:
    fmt = check_format(fmt)
    if fmt == "xlsx":
        from anchorkit.reports.xlsx import to_xlsx

        return to_xlsx(report)
    from anchorkit.reports.render import to_html, to_pdf

    return to_pdf(report) if fmt == "pdf" else to_html(report).encode("utf-8")


def report_filename(report: Report, fmt: str) -> str:
    """A download name that says what it is: ``network-2024.pdf``, ``city-of-lakeport-2024.xlsx``."""
    slug = slugify(report.anchor or "network")
    return f"{slug}-{report.year if report.year is not None else 'all-years'}.{fmt}"

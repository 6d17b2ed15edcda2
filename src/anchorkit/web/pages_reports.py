"""Report downloads: the network progress report and an anchor's scorecard, as PDF, HTML or Excel.

The same authorisation as the pages they print: the network report for whoever may see the
overview (and it is always the suppressed, publishable version), an anchor's scorecard for
whoever may see that anchor's page. Every download is in the audit log.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from anchorkit.access.policy import Resource
from anchorkit.records.audit import record
from anchorkit.reports.build import (
    FORMATS,
    build_report,
    check_format,
    render_report,
    report_filename,
)
from anchorkit.reports.content import Report
from anchorkit.web.deps import anchor_name, need, state
from anchorkit.web.pages import _int
from anchorkit.web.security import client_address

router = APIRouter(include_in_schema=False)


def _year(request: Request) -> int | None:
    return _int(request.query_params.get("year"), name="year")


def _download(report: Report, fmt: str) -> Response:
    data = render_report(report, fmt)
    name = report_filename(report, fmt)
    disposition = "inline" if fmt == "html" else "attachment"
    return Response(
        data,
        media_type=FORMATS[fmt],
        headers={"Content-Disposition": f'{disposition}; filename="{name}"'},
    )


@router.get("/reports/network.{fmt}")
def network_report(request: Request, fmt: str) -> Response:
    actor = need(request, "view_overview")
    fmt = check_format(fmt)
    report = build_report(state(request).store, year=_year(request))
    record(state(request).db, actor, "report", f"network {fmt}", {}, client_address(request))
    return _download(report, fmt)


@router.get("/anchors/{anchor_id}/report.{fmt}")
def anchor_report(request: Request, anchor_id: int, fmt: str) -> Response:
    actor = need(request, "view_anchor", Resource(anchor_id))
    name = anchor_name(request, anchor_id)
    fmt = check_format(fmt)
    report = build_report(state(request).store, anchor=name, year=_year(request))
    record(state(request).db, actor, "report", f"{name} {fmt}", {}, client_address(request))
    return _download(report, fmt)

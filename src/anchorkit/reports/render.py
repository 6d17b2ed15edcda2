"""A report as one HTML document, and as PDF through WeasyPrint.

Why HTML first: one template serves the screen (``--format html``, the dashboard's download) and
print (WeasyPrint lays the same document out on A4 pages with running page numbers, table headers
repeated on every page a table spans). Charts are the dashboard's Vega-Lite specs drawn to SVG by
``vl-convert`` — vector, offline, and identical to what the dashboard draws.
"""

from __future__ import annotations

import logging
from importlib import resources
from typing import Any

import jinja2

from anchorkit.analytics.targets import TAG_PREFIX, is_share
from anchorkit.reports.content import INDICATOR_LABELS, Report
from anchorkit.views import formatting as fmt
from anchorkit.views.charts import Spec

log = logging.getLogger(__name__)


def indicator_value(indicator: str, value: Any, currency: str = "") -> str:
    """A figure as its kind reads (views/formatting.py): a share (also a tag's,
    ``tag_share:co_op``) as a percentage, an amount with thousands separators, a count whole."""
    if is_share(indicator) or indicator.endswith("_share"):
        return fmt.share(value)
    if indicator.endswith("_spend"):
        return fmt.money(value, currency)
    if value is None:
        return fmt.MISSING
    return fmt.count(value) if isinstance(value, int | float) else str(value)


def indicator_change(indicator: str, value: Any, currency: str = "") -> str:
    """A difference of the figure (a target's gap): a share's in percentage points."""
    if is_share(indicator):
        return fmt.points(value)
    return fmt.change(indicator, value, currency)


def indicator_label(indicator: str) -> str:
    if indicator.startswith(TAG_PREFIX):
        return f"Share with {indicator.removeprefix(TAG_PREFIX).replace('_', ' ')} suppliers"
    return INDICATOR_LABELS.get(indicator, indicator.replace("_", " ").capitalize())


def visible(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if not r.get("suppressed")]


def hidden(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in rows if r.get("suppressed")]


def svg(spec: Spec | None) -> str:
    """The chart as inline SVG ("" when absent or when it cannot be drawn: the table beside
    every chart still carries its numbers)."""
    if spec is None:
        return ""
    import vl_convert

    try:
        drawn: str = vl_convert.vegalite_to_svg(spec)
    except (ValueError, RuntimeError) as exc:  # never lose the report for one chart
        log.warning("a report chart could not be drawn: %s", exc)
        return ""
    return drawn


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("anchorkit.reports", "templates"),
        autoescape=jinja2.select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.filters.update(
        money=fmt.money,
        share=fmt.share,
        count=fmt.count,
        jobs=fmt.jobs,
        percent=fmt.percent,
        svg=svg,
        visible=visible,
        hidden=hidden,
    )
    env.globals.update(
        labels=INDICATOR_LABELS,
        indicator_value=indicator_value,
        indicator_change=indicator_change,
        indicator_label=indicator_label,
    )
    return env


def to_html(report: Report) -> str:
    css = resources.files("anchorkit.reports").joinpath("templates/report.css").read_text("utf-8")
    return _environment().get_template("report.html").render(r=report, css=css)


def to_pdf(report: Report) -> bytes:
    import weasyprint

    document: bytes = weasyprint.HTML(string=to_html(report)).write_pdf()
    return document

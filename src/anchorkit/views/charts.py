"""Vega-Lite chart specs for the dashboard, built with altair and returned as plain dicts.

Why specs in Python: the figures a chart shows come from the same query as the page's table and
export, so the page renders one JSON document into ``<script type="application/json">`` and the
vendored vega-embed (the web app's ``static/charts.js``) draws it in the browser. Nothing is fetched at run time:
every spec carries its data inline (``data.values``), the map its own simplified boundaries (a
Vega-Lite ``geoshape``, no tile server).

Every spec has a top-level ``description`` (Vega puts it on the SVG as its accessible label) and,
for screen readers and for anyone who wants the numbers, its data as a table: `table_rows` reads
it back from the spec's ``usermeta`` so the page can print ``<table>`` rows that match the chart
exactly. These functions are pure: no FastAPI, no database, no I/O.

Money is shown without a currency sign (the collaborative's currency is the page's business);
shares are fractions (0.25 = 25 %).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final, Literal

import altair as alt
import numpy as np
import shapely  # type: ignore[import-untyped]

from anchorkit.views import formatting as fmt

__all__ = [
    "MAP_PRECISION",
    "MAP_TOLERANCE",
    "ChartTable",
    "bar_chart",
    "neighbourhood_map",
    "overview_specs",
    "spec_json",
    "table_rows",
    "trend_chart",
    "what_if_chart",
]

Spec = dict[str, Any]
Kind = Literal["text", "number", "percent", "year", "flag"]

MAP_TOLERANCE = 3e-4
"""Degrees (about 30 m) for the map's boundaries: invisible at dashboard size, and with
`MAP_PRECISION` it keeps Toronto's 140 neighbourhoods at about 150 KB of spec (117 KB of it
geometry). Shared edges are simplified once (shapely's coverage simplification), so neighbours
still meet without gaps."""

MAP_PRECISION = 4
"""Decimal places kept in map coordinates (1e-4 degrees is about 11 m)."""

NO_SPEND_COLOUR = "#d4d4d4"
PRIORITY_COLOUR = "#b8420f"  # dark orange: stands out against the blue scale, 5:1 on white
SPEND_SCHEME: Final = "blues"
MONEY = ",.0f"
MONEY_AXIS = "~s"  # 1.2M
PERCENT = ".1%"

_TABLE_KEY = "anchorkit_table"


# --- the table a chart carries -----------------------------------------------------------------


@dataclass(frozen=True)
class ChartTable:
    """A chart's figures as a table: header texts and rows of display strings, same order."""

    caption: str
    headers: list[str]
    rows: list[list[str]]


def _table(
    caption: str, columns: Sequence[tuple[str, str, Kind]], rows: list[dict[str, Any]]
) -> Spec:
    """The ``usermeta`` entry `table_rows` reads: columns (field, header, kind) and raw rows."""
    return {
        _TABLE_KEY: {
            "caption": caption,
            "columns": [{"field": f, "title": t, "kind": k} for f, t, k in columns],
            "rows": [{f: row.get(f) for f, _, _ in columns} for row in rows],
        }
    }


def _display(value: Any, kind: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if kind == "number":
        return fmt.money(value)
    if kind == "percent":
        return fmt.share(value)
    if kind == "flag":
        return "yes" if value else "no"
    return str(value)


def table_rows(spec: Mapping[str, Any]) -> ChartTable:
    """The chart's data as a table for screen readers (and the 'show data' disclosure).

    Every spec from this module carries its table, so a page renders it next to the chart with
    no second query; numbers are formatted as the chart's tooltips show them.
    """
    meta = spec.get("usermeta", {}).get(_TABLE_KEY)
    if meta is None:
        raise ValueError("this spec has no table: it was not built by anchorkit.views.charts")
    columns = meta["columns"]
    return ChartTable(
        caption=meta["caption"],
        headers=[c["title"] for c in columns],
        rows=[[_display(row.get(c["field"]), c["kind"]) for c in columns] for row in meta["rows"]],
    )


def spec_json(spec: Mapping[str, Any]) -> str:
    """Compact JSON that is safe inside ``<script type="application/json">``.

    ``<``, ``>`` and ``&`` are written as ``\\u003c``-style escapes, so a supplier or area name
    holding ``</script>`` cannot end the element early. (Jinja's ``|tojson`` does the same.)
    """
    text = json.dumps(spec, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _inline(values: list[dict[str, Any]]) -> alt.Data:
    """Rows written into the spec where they are used (``data.values``).

    ``alt.Data`` rather than ``alt.InlineData``: altair moves the latter to a top-level
    ``datasets`` table under a hash name, which is harder to read back in tests and tables.
    """
    return alt.Data(values=values)  # type: ignore[no-untyped-call]


def _finish(chart: alt.TopLevelMixin, description: str, table: Spec) -> Spec:
    spec: Spec = chart.to_dict()
    spec["description"] = description
    spec["usermeta"] = table
    return spec


# --- trend ---------------------------------------------------------------------------------------


def trend_chart(rows: list[dict[str, Any]]) -> Spec:
    """Spend by year, split into local and elsewhere, over the local share and its target.

    Two panels on one year axis rather than one chart with two y-axes: money and a percentage on
    the same plot invite reading the crossing of the lines as meaningful. The target (if any row
    has ``target_share``) is a dashed rule when it is one figure, a dashed step line when it
    changes by year.
    """
    data = []
    for r in sorted(rows, key=lambda r: int(r["year"])):
        spend, local = float(r["spend"]), float(r["local_spend"])
        target = r.get("target_share")
        data.append(
            {
                "year": int(r["year"]),
                "spend": spend,
                "local_spend": local,
                "other_spend": spend - local,
                "local_share": local / spend if spend else None,
                "target_share": None if target is None else float(target),
            }
        )
    targets = {d["target_share"] for d in data if d["target_share"] is not None}
    years = [d["year"] for d in data]
    span = f"{years[0]}–{years[-1]}" if years else "no years"
    title = "Spend and local share by year"

    source = _inline(data)
    x = alt.X("year:O", title="Year", axis=alt.Axis(labelAngle=0))
    stacked = (
        alt.Chart(height=200, width=520)
        .transform_fold(["local_spend", "other_spend"], as_=["part", "amount"])
        .transform_calculate(
            where="datum.part === 'local_spend' ? 'Local' : 'Elsewhere'",
            order="datum.part === 'local_spend' ? 0 : 1",
        )
        .mark_bar()
        .encode(
            x=x,
            y=alt.Y(
                "amount:Q",
                title="Spend",
                stack="zero",
                axis=alt.Axis(format=MONEY_AXIS, tickCount=5),
            ),
            color=alt.Color(
                "where:N",
                title=None,
                scale=alt.Scale(domain=["Local", "Elsewhere"], range=["#1f6fb4", "#a9c6e0"]),
                legend=alt.Legend(orient="top"),
            ),
            order=alt.Order("order:Q"),
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("where:N", title="Where"),
                alt.Tooltip("amount:Q", title="Spend", format=MONEY),
                alt.Tooltip("spend:Q", title="Total spend", format=MONEY),
            ],
        )
    )
    share_y = alt.Y(
        "local_share:Q", title="Local share", axis=alt.Axis(format="%"), scale=alt.Scale(zero=True)
    )
    share = (
        alt.Chart()
        .mark_line(point=True, color="#1f6fb4")
        .encode(
            x=x,
            y=share_y,
            tooltip=[
                alt.Tooltip("year:O", title="Year"),
                alt.Tooltip("local_share:Q", title="Local share", format=PERCENT),
                alt.Tooltip("target_share:Q", title="Target", format=PERCENT),
            ],
        )
    )
    layers: list[alt.Chart] = [share]
    if len(targets) == 1:
        (target,) = targets
        layers.append(
            alt.Chart(_inline([{"target_share": target, "label": f"Target {fmt.percent(target)}"}]))
            .mark_rule(color="#444", strokeDash=[6, 4])
            .encode(y="target_share:Q", tooltip=alt.Tooltip("label:N", title="Target"))
        )
    elif targets:
        layers.append(
            alt.Chart()
            .transform_filter("datum.target_share != null")
            .mark_line(color="#444", strokeDash=[6, 4], interpolate="step")
            .encode(x=x, y="target_share:Q")
        )
    lower = alt.layer(*layers).properties(height=140, width=520)
    # the rows once, at the top: both panels (and the target line) inherit them
    chart = alt.vconcat(stacked, lower, data=source, title=title).resolve_scale(x="shared")

    description = f"{title}, {span}. "
    if data:
        last = data[-1]
        share_text = "n/a" if last["local_share"] is None else fmt.share(last["local_share"])
        description += (
            f"In {last['year']}: spend {fmt.money(last['spend'])}, local share {share_text}"
        )
        if last["target_share"] is not None:
            description += f" against a target of {fmt.share(last['target_share'])}"
        description += "."
    table = _table(
        title,
        [
            ("year", "Year", "year"),
            ("spend", "Spend", "number"),
            ("local_spend", "Local spend", "number"),
            ("local_share", "Local share", "percent"),
            ("target_share", "Target share", "percent"),
        ],
        data,
    )
    return _finish(chart, description, table)


# --- bars ----------------------------------------------------------------------------------------


def bar_chart(
    rows: list[dict[str, Any]],
    label: str,
    value: str,
    title: str,
    *,
    share: str | None = None,
) -> Spec:
    """Horizontal bars, largest first: spend by anchor, by category, by supplier group.

    Horizontal because the labels are names (hospital trusts, category descriptions) that do not
    fit under vertical bars. ``share``, if given, names a field holding a fraction shown as a
    percentage in the tooltip and the table (e.g. the local share of each anchor's spend).
    """
    fields = [label, value, *([share] if share else [])]
    data = sorted(
        ({f: r.get(f) for f in fields} for r in rows),
        key=lambda r: -(r[value] or 0.0),
    )
    tooltip = [
        alt.Tooltip(f"{label}:N", title=label.replace("_", " ").capitalize()),
        alt.Tooltip(f"{value}:Q", title=value.replace("_", " ").capitalize(), format=MONEY),
    ]
    if share:
        tooltip.append(
            alt.Tooltip(f"{share}:Q", title=share.replace("_", " ").capitalize(), format=PERCENT)
        )
    chart = (
        alt.Chart(_inline(data), title=title, width=480, height=alt.Step(22))
        .mark_bar(color="#1f6fb4")
        .encode(
            y=alt.Y(f"{label}:N", sort="-x", title=None, axis=alt.Axis(labelLimit=240)),
            x=alt.X(
                f"{value}:Q",
                title=value.replace("_", " ").capitalize(),
                axis=alt.Axis(format=MONEY_AXIS, tickCount=5),
            ),
            tooltip=tooltip,
        )
    )
    description = f"{title}: {len(data)} bars, largest first."
    if data:
        top = data[0]
        description += f" Largest: {top[label]} ({_display(top[value], 'number')})."
    columns: list[tuple[str, str, Kind]] = [
        (label, label.replace("_", " ").capitalize(), "text"),
        (value, value.replace("_", " ").capitalize(), "number"),
    ]
    if share:
        columns.append((share, share.replace("_", " ").capitalize(), "percent"))
    return _finish(chart, description, _table(title, columns, data))


# --- map -----------------------------------------------------------------------------------------


def _display_geometries(geometries: list[Any]) -> list[Any]:
    """Simplify boundaries for drawing: coverage-simplified, rounded, wound as d3-geo wants.

    d3-geo (inside Vega) reads polygons on the sphere, where a ring's direction says which side
    is inside: GeoJSON's counter-clockwise exterior rings would fill the whole globe except the
    area, so exteriors are made clockwise here.
    """
    geoms = np.array(geometries, dtype=object)
    try:
        geoms = shapely.coverage_simplify(geoms, MAP_TOLERANCE)
    except shapely.errors.GEOSException:  # not a clean coverage: simplify each on its own
        geoms = shapely.simplify(geoms, MAP_TOLERANCE, preserve_topology=True)
    geoms = shapely.transform(geoms, lambda xy: np.round(xy, MAP_PRECISION))
    return list(shapely.orient_polygons(geoms, exterior_cw=True))


def neighbourhood_map(
    geojson: dict[str, Any],
    values: dict[str, float],
    *,
    code_field: str,
    name_field: str,
    priority_field: str | None,
    title: str,
    layer: str | None = None,
    priority_label: str = "Priority area",
) -> Spec:
    """Choropleth of spend by area, priority areas outlined, areas with no spend grey.

    Why this shape: the question it answers is "is our spend reaching the places we said we
    would prioritise?", so the outline of the priority areas sits on top of the spend colours.
    ``values`` maps an area code (``properties[code_field]``, compared as text) to spend; codes
    not in the boundaries are ignored, areas not in ``values`` (or at zero) are grey. ``layer``
    keeps only features whose ``properties.layer`` equals it (a region pack holds several: pass
    ``"neighbourhood"`` for Toronto, ``"ward"`` or ``"council"`` for Lancashire). The boundaries
    are simplified to `MAP_TOLERANCE` and rounded to `MAP_PRECISION` decimals so the inline spec
    stays small (about 150 KB for Toronto's 140 neighbourhoods).
    """
    features = [
        f
        for f in geojson["features"]
        if f.get("geometry") and (layer is None or f["properties"].get("layer") == layer)
    ]
    if not features:
        raise ValueError(f"no boundaries to draw (layer {layer!r})")
    geoms = _display_geometries([shapely.geometry.shape(f["geometry"]) for f in features])
    areas: list[dict[str, Any]] = []
    for feature, geom in zip(features, geoms, strict=True):
        props = feature["properties"]
        code = str(props[code_field])
        spend = values.get(code)
        areas.append(
            {
                "type": "Feature",
                "geometry": json.loads(shapely.to_geojson(geom)),
                "properties": {
                    "code": code,
                    "name": str(props[name_field]),
                    "spend": None if spend is None else float(spend),
                    "priority": bool(props.get(priority_field)) if priority_field else False,
                },
            }
        )

    source = _inline(areas)
    tooltip = [
        alt.Tooltip("properties.name:N", title="Area"),
        alt.Tooltip("properties.code:N", title="Code"),
        alt.Tooltip("properties.spend:Q", title="Spend", format=MONEY),
    ]
    if priority_field:
        tooltip.append(alt.Tooltip("priority_text:N", title=priority_label))
    # Two layers rather than a colour condition: Vega-Lite drops rows whose colour field is null
    # from a quantitative encoding, which would leave the unspent areas out of the map (and of
    # the projection's extent) instead of grey.
    base = (
        alt.Chart(source)
        .transform_calculate(priority_text="datum.properties.priority ? 'yes' : 'no'")
        .mark_geoshape(fill=NO_SPEND_COLOUR, stroke="white", strokeWidth=0.5)
        .encode(tooltip=tooltip)
    )
    fill = (
        alt.Chart(source)
        .transform_filter("isValid(datum.properties.spend) && datum.properties.spend > 0")
        .transform_calculate(priority_text="datum.properties.priority ? 'yes' : 'no'")
        .mark_geoshape(stroke="white", strokeWidth=0.5)
        .encode(
            color=alt.Color(
                "properties.spend:Q",
                title="Spend",
                scale=alt.Scale(scheme=SPEND_SCHEME, zero=True),
                legend=alt.Legend(format=MONEY_AXIS, orient="right"),
            ),
            tooltip=tooltip,
        )
    )
    layers: list[alt.Chart] = [base, fill]
    priority_count = sum(a["properties"]["priority"] for a in areas)
    if priority_count:
        layers.append(
            alt.Chart(source)
            .transform_filter("datum.properties.priority")
            .transform_calculate(mark=f"{json.dumps(priority_label)}")
            .mark_geoshape(filled=False, strokeWidth=2)
            .encode(
                stroke=alt.Stroke(
                    "mark:N",
                    title=None,
                    scale=alt.Scale(domain=[priority_label], range=[PRIORITY_COLOUR]),
                    legend=alt.Legend(orient="right", symbolType="square", symbolFillColor="white"),
                )
            )
        )
    with_spend = sum(1 for a in areas if (a["properties"]["spend"] or 0) > 0)
    subtitle = "Grey: no spend recorded."
    if priority_count:
        subtitle += f" Outlined: {priority_label.lower()}."
    chart = alt.layer(*layers, title=alt.Title(title, subtitle=subtitle)).properties(
        width=560, height=460, projection=alt.Projection(type="mercator")
    )

    total = sum(a["properties"]["spend"] or 0.0 for a in areas)
    description = (
        f"{title}: map of {len(areas)} areas coloured by spend, {with_spend} with spend "
        f"(total {fmt.money(total)}); areas without spend are grey."
    )
    if priority_field:
        in_priority = sum(
            a["properties"]["spend"] or 0.0 for a in areas if a["properties"]["priority"]
        )
        description += (
            f" {priority_count} {priority_label.lower()}s are outlined; they received "
            f"{fmt.money(in_priority)}."
        )
    rows = [a["properties"] for a in sorted(areas, key=lambda a: a["properties"]["name"])]
    columns: list[tuple[str, str, Kind]] = [
        ("name", "Area", "text"),
        ("code", "Code", "text"),
        ("spend", "Spend", "number"),
    ]
    if priority_field:
        columns.append(("priority", priority_label, "flag"))
    return _finish(chart, description, _table(title, columns, rows))


# --- the overview's charts, shared by the dashboard and the reports ------------------------------


def _number(value: Any) -> float | None:
    return None if value is None else float(value)


# --- what-if -------------------------------------------------------------------------------------

#: the measures a what-if draws: (key in the result, title, the axis's d3 format — the text
#: table reads as every face does, views/formatting.py)
WHAT_IF_MEASURES = (
    ("local_share", "Local share", PERCENT),
    ("lm3", "LM3", ".2f"),
    ("jobs", "Jobs supported", ",.0f"),
)


def what_if_chart(result: Mapping[str, Any]) -> Spec:
    """Now and after the shifts, side by side, for local share, LM3 and jobs: one small panel
    each (their units differ), the range of the estimate after the shifts as a whisker.

    ``result`` is :meth:`anchorkit.analytics.whatif.WhatIfResult.to_json`. A measure with no
    figure (jobs before a multiplier table is loaded) is left out of the chart and said so in
    its description.
    """
    data: list[dict[str, Any]] = []
    missing = []
    for key, title, _ in WHAT_IF_MEASURES:
        m = result.get(key) or {}
        if m.get("before") is None or m.get("after") is None:
            missing.append(title)
            continue
        data.append({"measure": title, "when": "Now", "value": float(m["before"])})
        data.append(
            {
                "measure": title,
                "when": "After",
                "value": float(m["after"]),
                "low": _number(m.get("low")),
                "high": _number(m.get("high")),
            }
        )
    panels = []
    for key, title, axis_format in WHAT_IF_MEASURES:
        if title in missing:
            continue
        base = alt.Chart(title=title, width=150, height=160).transform_filter(
            alt.datum.measure == title
        )
        x = alt.X("when:N", title=None, sort=["Now", "After"], axis=alt.Axis(labelAngle=0))
        bars = base.mark_bar().encode(
            x=x,
            y=alt.Y(
                "value:Q",
                title=None,
                axis=alt.Axis(format=axis_format),
                scale=alt.Scale(zero=key != "lm3"),
            ),
            color=alt.Color(
                "when:N",
                scale=alt.Scale(domain=["Now", "After"], range=["#a9c6e0", "#1f6fb4"]),
                legend=None,
            ),
            tooltip=[
                alt.Tooltip("when:N", title=title),
                alt.Tooltip("value:Q", title="Value", format=axis_format),
                alt.Tooltip("low:Q", title="Low", format=axis_format),
                alt.Tooltip("high:Q", title="High", format=axis_format),
            ],
        )
        whisker = (
            base.transform_filter("datum.low != null")
            .mark_rule(color="#333")
            .encode(x=x, y="low:Q", y2="high:Q")
        )
        panels.append(alt.layer(bars, whisker))
    title = "What changes: now and after the shifts"
    chart = (
        alt.hconcat(*panels, data=_inline(data), title=title)
        if panels
        else alt.Chart(_inline(data), title=title).mark_text()
    )
    rows = []
    for key, name, _ in WHAT_IF_MEASURES:
        m = result.get(key) or {}
        if name in missing:
            continue
        low, high = m.get("low"), m.get("high")
        rows.append(
            {
                "measure": name,
                "now": fmt.figure(key, m["before"]),
                "after": fmt.figure(key, m["after"]),
                "range": ""
                if low is None or high is None
                else f"{fmt.figure(key, low)} – {fmt.figure(key, high)}",
            }
        )
    description = f"{title}. " + "; ".join(
        f"{r['measure']} {r['now']} now, {r['after']} after" for r in rows
    )
    description += "." if rows else "Nothing to show."
    if missing:
        description += f" Not shown (no figure): {', '.join(missing)}."
    table = _table(
        title,
        [
            ("measure", "Measure", "text"),
            ("now", "Now", "text"),
            ("after", "After the shifts", "text"),
            ("range", "Range after", "text"),
        ],
        rows,
    )
    return _finish(chart, description, table)


def overview_specs(data: Mapping[str, Any], geojson: dict[str, Any] | None) -> dict[str, Spec]:
    """The trend, spend by anchor and by category, and the neighbourhood map, from figures shaped
    like :func:`anchorkit.views.indicators.overview` (suppressed cells left out, never drawn).

    One function for the dashboard and the printed reports, so a chart in a PDF is the chart on
    the page. Charts with nothing to show are absent from the result.
    """
    by = data["by"]
    targets = data.get("targets") or {}
    trend = [
        {
            "year": r["year"],
            "spend": _number(r["addressable_spend"]),
            "local_spend": _number(r["local_spend"]),
            "target_share": targets.get("local_share"),
        }
        for r in sorted(by.get("year", []), key=lambda r: r["year"] or 0)
        if not r.get("suppressed") and r["year"] is not None
    ]
    anchors = [
        {
            "anchor": r["anchor"],
            "spend": _number(r["addressable_spend"]),
            "local_share": r["local_share"],
        }
        for r in by.get("anchor", [])
        if not r.get("suppressed")
    ]
    categories = [
        {
            "category": r["category"],
            "spend": _number(r["addressable_spend"]),
            "local_share": r["local_share"],
        }
        for r in by.get("category", [])[:15]
        if not r.get("suppressed")
    ]
    specs: dict[str, Spec] = {}
    if trend:
        specs["trend"] = trend_chart(trend)
    if anchors:
        specs["by_anchor"] = bar_chart(
            anchors, "anchor", "spend", "Addressable spend by anchor", share="local_share"
        )
    if categories:
        specs["by_category"] = bar_chart(
            categories,
            "category",
            "spend",
            "Addressable spend by category (top 15)",
            share="local_share",
        )
    if geojson is not None:
        values = {
            str(r["neighbourhood"]): _number(r["addressable_spend"]) or 0.0
            for r in by.get("neighbourhood", [])
            if not r.get("suppressed") and r["addressable_spend"] is not None
        }
        specs["map"] = neighbourhood_map(
            geojson,
            values,
            code_field="name",
            name_field="name",
            priority_field="priority",
            title="Addressable spend with suppliers in each neighbourhood",
        )
    return specs

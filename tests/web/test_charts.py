"""Chart specs (anchorkit.views.charts) and the vendored JavaScript they are drawn with."""

from __future__ import annotations

import functools
import hashlib
import http.server
import json
import re
import shutil
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import altair as alt
import jsonschema
import pytest
import shapely

import anchorkit.web
from anchorkit.place.regions import PACKS
from anchorkit.views import charts

# the specs are views/charts.py; the JavaScript that draws them is the web app's
STATIC = Path(anchorkit.web.__file__).resolve().parent / "static"
VENDOR = STATIC / "vendor"

TREND_ROWS: list[dict[str, Any]] = [
    {"year": 2023, "spend": 1_100_000.0, "local_spend": 400_000.0, "target_share": 0.3},
    {"year": 2021, "spend": 1_000_000.0, "local_spend": 200_000.0, "target_share": 0.3},
    {"year": 2022, "spend": 1_200_000.0, "local_spend": 300_000.0, "target_share": 0.3},
]
BAR_ROWS: list[dict[str, Any]] = [
    {"anchor": "Royal Preston Hospital", "spend": 5e6, "local_share": 0.21},
    {"anchor": "University of Central Lancashire", "spend": 7e6, "local_share": 0.4},
    {"anchor": "Lancashire County Council", "spend": 6e6, "local_share": None},
]


@functools.cache
def pack(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((PACKS / f"{name}.geojson").read_text("utf-8"))
    return doc


def toronto_values() -> dict[str, float]:
    """Spend in every neighbourhood except each seventh one (those stay grey)."""
    return {str(code): code * 10_000.0 for code in range(1, 141) if code % 7}


@functools.cache
def toronto_map() -> dict[str, Any]:
    return charts.neighbourhood_map(
        pack("toronto"),
        toronto_values(),
        code_field="code",
        name_field="name",
        priority_field="priority",
        title="Spend by neighbourhood",
        layer="neighbourhood",
        priority_label="Neighbourhood Improvement Area",
    )


#: a what-if result as WhatIfResult.to_json gives it (the measures the chart reads)
WHAT_IF: dict[str, Any] = {
    "local_share": {"before": 0.2, "after": 0.245, "change": 0.045},
    "lm3": {"before": 1.25, "after": 1.31, "change": 0.06, "low": 1.28, "high": 1.34},
    "jobs": {"before": 3.35, "after": 4.1, "change": 0.75, "low": 2.9, "high": 4.1},
}


def all_specs() -> dict[str, dict[str, Any]]:
    return {
        "trend": charts.trend_chart(TREND_ROWS),
        "bar": charts.bar_chart(
            BAR_ROWS, "anchor", "spend", "Spend by anchor", share="local_share"
        ),
        "toronto": toronto_map(),
        "lancashire": charts.neighbourhood_map(
            pack("lancashire"),
            {"E07000123": 2.5e6, "E07000120": 1e6},
            code_field="code",
            name_field="name",
            priority_field=None,
            title="Spend by council",
            layer="council",
        ),
        "what_if": charts.what_if_chart(WHAT_IF),
    }


def keys_in(obj: Any) -> Iterator[str]:
    if isinstance(obj, dict):
        for key, value in obj.items():
            yield key
            yield from keys_in(value)
    elif isinstance(obj, list):
        for value in obj:
            yield from keys_in(value)


@functools.cache
def vega_lite_validator() -> jsonschema.protocols.Validator:
    schema = alt.vegalite.v6.schema.load_schema()
    cls = jsonschema.validators.validator_for(schema)
    validator: jsonschema.protocols.Validator = cls(schema)
    return validator


# --- every spec ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["trend", "bar", "toronto", "lancashire", "what_if"])
def test_spec_is_valid_inline_described_and_json(name: str) -> None:
    spec = all_specs()[name]
    vega_lite_validator().validate(spec)
    assert spec["$schema"].startswith("https://vega.github.io/schema/vega-lite/v6")
    assert "url" not in set(keys_in(spec)), "data must be inline: nothing fetched at run time"
    assert "datasets" not in spec
    assert len(spec["description"]) > 20
    assert json.loads(charts.spec_json(spec)) == spec  # plain JSON, no NaN


@pytest.mark.parametrize("name", ["trend", "bar", "toronto", "lancashire", "what_if"])
def test_spec_renders_to_svg_offline(name: str) -> None:
    vlc = pytest.importorskip("vl_convert")
    svg = vlc.vegalite_to_svg(all_specs()[name])
    assert svg.startswith("<svg") and svg.count("<path") > 1


def test_spec_json_cannot_end_the_script_element() -> None:
    spec = charts.bar_chart(
        [{"name": "</script><script>alert(1)</script> & co", "spend": 1.0}],
        "name",
        "spend",
        "Spend",
    )
    text = charts.spec_json(spec)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text)["data"]["values"][0]["name"].startswith("</script>")


# --- trend ---------------------------------------------------------------------------------------


def test_trend_sorted_with_share_and_constant_target_as_rule() -> None:
    spec = charts.trend_chart(TREND_ROWS)
    values = spec["data"]["values"]
    assert [v["year"] for v in values] == [2021, 2022, 2023]
    assert values[0]["local_share"] == pytest.approx(0.2)
    lower = spec["vconcat"][1]["layer"]
    assert lower[1]["mark"]["type"] == "rule"
    assert lower[1]["data"]["values"][0]["target_share"] == 0.3
    table = charts.table_rows(spec)
    assert table.headers == ["Year", "Spend", "Local spend", "Local share", "Target share"]
    assert table.rows[0] == ["2021", "1,000,000", "200,000", "20.0 %", "30.0 %"]
    assert "2023" in spec["description"] and "36.4 %" in spec["description"]


def test_trend_changing_target_is_a_step_line_and_no_target_is_nothing() -> None:
    moving = [dict(r, target_share=0.1 * (r["year"] - 2020)) for r in TREND_ROWS]
    lower = charts.trend_chart(moving)["vconcat"][1]["layer"]
    assert lower[1]["mark"]["type"] == "line" and lower[1]["mark"]["interpolate"] == "step"
    bare = [{k: v for k, v in r.items() if k != "target_share"} for r in TREND_ROWS]
    spec = charts.trend_chart(bare)
    assert len(spec["vconcat"][1]["layer"]) == 1
    assert charts.table_rows(spec).rows[0][-1] == "–"


def test_trend_year_without_spend_has_no_share() -> None:
    spec = charts.trend_chart([{"year": 2020, "spend": 0.0, "local_spend": 0.0}])
    assert spec["data"]["values"][0]["local_share"] is None
    assert "n/a" in spec["description"]


# --- bars ----------------------------------------------------------------------------------------


def test_bars_sorted_by_value_with_share_in_tooltip_and_table() -> None:
    spec = charts.bar_chart(BAR_ROWS, "anchor", "spend", "Spend by anchor", share="local_share")
    assert [v["spend"] for v in spec["data"]["values"]] == [7e6, 6e6, 5e6]
    assert spec["encoding"]["y"]["sort"] == "-x"
    tooltip = {t["field"]: t for t in spec["encoding"]["tooltip"]}
    assert tooltip["local_share"]["format"] == ".1%"
    table = charts.table_rows(spec)
    assert table.caption == "Spend by anchor"
    assert table.rows == [
        ["University of Central Lancashire", "7,000,000", "40.0 %"],
        ["Lancashire County Council", "6,000,000", "–"],
        ["Royal Preston Hospital", "5,000,000", "21.0 %"],
    ]


def test_table_rows_refuses_a_foreign_spec() -> None:
    with pytest.raises(ValueError, match="no table"):
        charts.table_rows({"mark": "bar"})


# --- map -----------------------------------------------------------------------------------------


def test_toronto_map_has_each_neighbourhood_once_with_its_spend() -> None:
    spec = toronto_map()
    features = spec["data"]["values"]
    assert len(features) == 140
    codes = [f["properties"]["code"] for f in features]
    assert sorted(codes, key=int) == [str(c) for c in range(1, 141)]
    values = toronto_values()
    for f in features:
        assert f["properties"]["spend"] == values.get(f["properties"]["code"])
    assert sum(f["properties"]["spend"] is None for f in features) == 20


def test_toronto_map_marks_priority_areas_and_greys_unspent_ones() -> None:
    spec = toronto_map()
    flagged = {
        f["properties"]["code"]
        for f in pack("toronto")["features"]
        if f["properties"]["layer"] == "neighbourhood" and f["properties"]["priority"]
    }
    assert len(flagged) == 31
    features = spec["data"]["values"]
    assert {f["properties"]["code"] for f in features if f["properties"]["priority"]} == flagged
    base, coloured, outline = spec["layer"]
    assert base["mark"]["fill"] == charts.NO_SPEND_COLOUR and "color" not in base["encoding"]
    assert "spend > 0" in coloured["transform"][0]["filter"]
    assert outline["transform"][0] == {"filter": "datum.properties.priority"}
    assert outline["mark"]["filled"] is False
    assert outline["encoding"]["stroke"]["scale"]["range"] == [charts.PRIORITY_COLOUR]
    table = charts.table_rows(spec)
    assert table.headers == ["Area", "Code", "Spend", "Neighbourhood Improvement Area"]
    assert len(table.rows) == 140 and sum(r[-1] == "yes" for r in table.rows) == 31
    assert "31 neighbourhood improvement areas" in spec["description"]


def test_toronto_map_is_small_and_wound_for_d3() -> None:
    spec = toronto_map()
    size = len(charts.spec_json(spec).encode())
    assert size < 200_000, f"Toronto map spec is {size:,} bytes"
    for f in spec["data"]["values"]:
        geom = shapely.geometry.shape(f["geometry"])
        for poly in getattr(geom, "geoms", [geom]):
            # d3-geo: exterior clockwise, else the polygon covers the rest of the globe
            assert not poly.exterior.is_ccw, f["properties"]["name"]
        coordinates = json.dumps(f["geometry"]["coordinates"])
        assert not re.search(r"\d\.\d{5,}", coordinates)


def test_map_without_priorities_has_no_outline_layer() -> None:
    spec = all_specs()["lancashire"]
    assert len(spec["layer"]) == 2
    assert len(spec["data"]["values"]) == 14
    assert charts.table_rows(spec).headers == ["Area", "Code", "Spend"]


def test_map_with_no_matching_layer_is_an_error() -> None:
    with pytest.raises(ValueError, match="no boundaries"):
        charts.neighbourhood_map(
            pack("toronto"),
            {},
            code_field="code",
            name_field="name",
            priority_field=None,
            title="x",
            layer="ward",
        )


# --- vendored JavaScript -------------------------------------------------------------------------


def versions() -> list[dict[str, str]]:
    entries: list[dict[str, str]] = json.loads((VENDOR / "VERSIONS.json").read_text("utf-8"))[
        "packages"
    ]
    return entries


def test_vendored_files_match_versions_json() -> None:
    entries = versions()
    assert {e["package"] for e in entries} == {"htmx.org", "vega", "vega-lite", "vega-embed"}
    for e in entries:
        data = (VENDOR / e["file"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == e["sha256"], e["file"]
        assert (VENDOR / e["license_file"]).read_text("utf-8").strip()
    by_name = {e["package"]: e["version"] for e in entries}
    assert by_name["htmx.org"].startswith("2.")
    # the specs altair writes must be drawn by the same Vega-Lite major version
    assert by_name["vega-lite"].split(".")[0] == alt.SCHEMA_VERSION.lstrip("v").split(".")[0]


def test_vendored_files_are_package_data() -> None:
    from importlib.resources import files

    static = files("anchorkit.web") / "static"
    for e in versions():
        assert (static / "vendor" / e["file"]).is_file()
    assert (static / "charts.js").is_file()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.mark.skipif(shutil.which("chromium") is None, reason="needs Debian's chromium")
def test_charts_js_draws_with_the_vendored_builds_in_a_browser(tmp_path: Path) -> None:
    """Plain <script> tags, no bundler: vega-embed finds vega and vegaLite as globals; charts
    swapped in by htmx are drawn too; a broken chart says so instead of staying blank."""
    shutil.copytree(STATIC, tmp_path / "static")
    specs = all_specs()

    def block(spec_id: str, spec: dict[str, Any]) -> str:
        return (
            f'<div class="chart" data-spec-id="{spec_id}"></div>'
            f'<script type="application/json" id="{spec_id}">{charts.spec_json(spec)}</script>'
        )

    scripts = "".join(
        f'<script src="/static/{src}" defer></script>'
        for src in [*(f"vendor/{e['file']}" for e in versions()), "charts.js"]
    )
    (tmp_path / "index.html").write_text(
        f'<!doctype html><html><head><meta charset="utf-8">{scripts}</head><body>'
        + block("c-trend", specs["trend"])
        + block("c-map", specs["toronto"])
        + '<div class="chart" data-spec-id="c-missing"></div>'
        + '<div id="slot" hx-get="/fragment.html" hx-trigger="load" hx-swap="innerHTML"></div>'
        + "</body></html>",
        "utf-8",
    )
    (tmp_path / "fragment.html").write_text(block("c-bar", specs["bar"]), "utf-8")
    handler = functools.partial(_Quiet, directory=str(tmp_path))
    with http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler) as server:
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            done = subprocess.run(
                [
                    "chromium",
                    "--headless",
                    "--no-sandbox",
                    "--disable-gpu",
                    f"--user-data-dir={tmp_path / 'profile'}",
                    "--virtual-time-budget=20000",
                    "--dump-dom",
                    f"http://127.0.0.1:{server.server_address[1]}/index.html",
                ],
                capture_output=True,
                text=True,
                timeout=120,
            )
        finally:
            server.shutdown()
    dom = done.stdout
    state = dict(re.findall(r'data-spec-id="([^"]+)"[^>]*?data-rendered="(\w+)"', dom))
    assert state == {"c-trend": "true", "c-map": "true", "c-missing": "error", "c-bar": "true"}
    assert dom.count("<svg") >= 3
    assert "This chart could not be drawn (no chart data with id" in dom


def test_what_if_chart_shows_now_and_after_with_the_range() -> None:
    spec = charts.what_if_chart(WHAT_IF)
    assert [p["layer"][0]["title"] for p in spec["hconcat"]] == [
        "Local share",
        "LM3",
        "Jobs supported",
    ]
    table = charts.table_rows(spec)
    # the table reads as every face does (views/formatting.py)
    assert table.rows[0] == ["Local share", "20.0 %", "24.5 %", ""]
    assert table.rows[1] == ["LM3", "1.25", "1.31", "1.28 – 1.34"]
    # no multiplier table yet: no jobs figure, and the chart says so rather than draw a zero
    without = charts.what_if_chart({**WHAT_IF, "jobs": {"before": None, "after": None}})
    assert len(without["hconcat"]) == 2 and "Not shown (no figure): Jobs" in without["description"]

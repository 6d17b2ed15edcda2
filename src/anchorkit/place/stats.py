"""Community statistics: the state of each neighbourhood (low-income rate, unemployment,
population...), with its source and year, carried beside a region pack.

Why beside the pack: a network's effort (spend, hires, investment) means most where need is
greatest, and the Anchor Dashboard pairs each effort indicator with a community-status one for
the same places. The statistics are data of the region, not of a workspace's spend: a pack may
ship them (``anchorkit/data/regions/<region>.stats.csv``), and a network adds or replaces them
with :func:`import_stats` (kept in ``<workspace>/regions/<region>.stats.csv``, which wins).

One file per region, long form, one row per area and statistic::

    area_code,area_name,statistic,label,value,year,source

:func:`need_quintiles` ranks the areas by one statistic (setting ``community.need_statistic``)
into fifths, 5 the greatest need (``community.need_direction``: ``high`` when a higher value
means more need, as a low-income or unemployment rate; ``low`` for, e.g., median income).
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from anchorkit.errors import CommunityStatsError
from anchorkit.ingest.mapping import normalise_header
from anchorkit.ingest.tabular import Vocabulary, read_table
from anchorkit.place.homes import area_key
from anchorkit.place.network import regions
from anchorkit.place.regions import PACKS, Region
from anchorkit.workspace import Workspace

FIELDS = ("area_code", "area_name", "statistic", "label", "value", "year", "source")
_NUMBER = re.compile(r"^[-+]?(\d{1,3}(,\d{3})+|\d*)(\.\d+)?\s*%?$")


@dataclass
class Statistic:
    area_code: str
    area_name: str
    statistic: str  # a key: low_income_rate
    label: str  # as the source's header said it
    value: float
    year: int | None
    source: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class StatsImportResult:
    file: str
    region: str
    statistics: list[str] = field(default_factory=list)
    areas: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    saved_to: str | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def stats_key(header: str) -> str:
    """A statistic's key from its header: ``Low income rate (%)`` → ``low_income_rate``."""
    return "_".join(normalise_header(header).split()) or "value"


def _files(ws: Workspace, region: str) -> list[Path]:
    return [ws.root / "regions" / f"{region}.stats.csv", PACKS / f"{region}.stats.csv"]


def read_stats(path: Path) -> list[Statistic]:
    with path.open(encoding="utf-8", newline="") as handle:
        return [
            Statistic(
                area_code=r["area_code"],
                area_name=r["area_name"],
                statistic=r["statistic"],
                label=r.get("label") or r["statistic"],
                value=float(r["value"]),
                year=int(r["year"]) if r.get("year") else None,
                source=r.get("source") or "",
            )
            for r in csv.DictReader(handle)
            if r.get("value") not in (None, "")
        ]


def community_stats(ws: Workspace) -> list[Statistic]:
    """The statistics of the workspace's first region pack: its own file over the shipped one
    (statistic by statistic)."""
    packs = ws.settings["place.regions"]
    if not packs:
        return []
    own_file, shipped_file = _files(ws, str(packs[0]))
    own = read_stats(own_file) if own_file.exists() else []
    shipped = read_stats(shipped_file) if shipped_file.exists() else []
    mine = {s.statistic for s in own}
    return [*own, *(s for s in shipped if s.statistic not in mine)]


def need_quintiles(ws: Workspace) -> tuple[dict[str, int], Statistic | None]:
    """Area name → its fifth by need (5: greatest), by ``community.need_statistic``; and one of
    the statistic's rows (its label, year, source) — empty when the statistic is not loaded."""
    key = str(ws.settings["community.need_statistic"])
    high = str(ws.settings["community.need_direction"]) != "low"
    stats = [s for s in community_stats(ws) if s.statistic == key]
    if not stats:
        return {}, None
    ordered = sorted(stats, key=lambda s: (s.value if high else -s.value, s.area_name))
    n = len(ordered)
    return {s.area_name: 1 + (i * 5) // n for i, s in enumerate(ordered)}, stats[0]


# --- import -------------------------------------------------------------------------------------


def _vocabulary() -> Vocabulary:
    return Vocabulary.load("community_columns.toml", "neighbourhood statistics")


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if not t or not _NUMBER.match(t) or t in ("%", ".", "+", "-"):
        return None
    value = float(t.rstrip("%").replace(",", ""))
    return value / 100 if t.endswith("%") else value


def import_stats(
    ws: Workspace,
    path: Path | str,
    *,
    region: str | None = None,
    source: str,
    year: int | None = None,
    rename: dict[str, str] | None = None,
) -> StatsImportResult:
    """Read a table of neighbourhood statistics (an area column, one column per statistic) and
    keep it with the region's statistics, replacing earlier values of the same statistics.

    The area column is recognised by its header (neighbourhood, area, ward, name, code...) and
    each area must be a feature of the region's finest layer, by name or code; a row that is
    not is rejected with its reason. Every other column whose filled cells are all numbers
    (``12.5``, ``12.5%``, ``1,234``) is a statistic, keyed from its header (``rename`` maps a
    key to another, e.g. ``{"prevalence_of_low_income_lim_at": "low_income_rate"}``).
    """
    path = Path(path)
    if not source.strip():
        raise CommunityStatsError("Say where the figures come from: --source (e.g. 'Census 2021').")
    names = ws.settings["place.regions"]
    region_name = region or (str(names[0]) if names else "")
    if not region_name:
        raise CommunityStatsError(
            "No region pack is set (setting place.regions): statistics belong to a region's "
            "neighbourhoods. Set place.regions or give --region."
        )
    pack = next((r for r in regions(ws) if r.name == region_name), None) or Region.load(
        region_name, ws.root / "regions"
    )
    finest = pack.layers[-1]
    features = {
        k: f
        for f in pack.features
        if f.layer == finest
        for k in (area_key(f.name), area_key(f.code))
        if k
    }
    table = read_table(ws.engine, path, _vocabulary(), needs_one_of=("area",), min_columns=1)
    result = StatsImportResult(file=str(path), region=region_name, notes=list(table.notes))
    result.notes = [n for n in result.notes if "is not used" not in n]
    rename = rename or {}
    stats: list[Statistic] = []
    for sheet in table.sheets:
        area_col = sheet.columns["area"]
        vocabulary = _vocabulary()
        # another column naming the area (its number or code) is not a statistic
        candidates = [
            i
            for i, h in enumerate(sheet.headers)
            if h and i != area_col and not vocabulary.score(normalise_header(h), "area") >= 3
        ]
        numeric = [
            i
            for i in candidates
            if (cells := [c[i] for _, c in sheet.rows if i < len(c) and c[i] not in (None, "")])
            and all(_number(c) is not None for c in cells)
        ]
        keys = {
            i: rename.get(stats_key(sheet.headers[i]), stats_key(sheet.headers[i])) for i in numeric
        }
        for i in candidates:
            if i not in numeric:
                result.notes.append(
                    f"column {sheet.headers[i]!r} is not all numbers: not a statistic"
                )
        for number, cells in sheet.rows:
            result.rows_read += 1
            text = sheet.cell(cells, "area")
            feature = features.get(area_key(text))
            if feature is None:
                result.rows_rejected += 1
                reason = (
                    "no area" if not text else f"{text!r} is not a {finest} of region {region_name}"
                )
                result.rejected.append({"row": number, "area": text, "reasons": [reason]})
                continue
            result.rows_loaded += 1
            for i, key in keys.items():
                value = _number(cells[i] if i < len(cells) else None)
                if value is None or math.isnan(value):
                    continue
                stats.append(
                    Statistic(
                        feature.code, feature.name, key, sheet.headers[i], value, year, source
                    )
                )
    if not stats:
        raise CommunityStatsError(
            f"{path.name}: no statistic could be read (an area column and at least one column of "
            "numbers are needed, for areas of the region)."
        )
    result.statistics = sorted({s.statistic for s in stats})
    result.areas = len({s.area_code for s in stats})
    target = ws.root / "regions" / f"{region_name}.stats.csv"
    keep = [
        s
        for s in (read_stats(target) if target.exists() else [])
        if s.statistic not in result.statistics
    ]
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".csv.tmp")
    with tmp.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        for s in [*keep, *stats]:
            writer.writerow({k: ("" if v is None else v) for k, v in s.to_json().items()})
    tmp.replace(target)  # atomic: a crash leaves the previous file
    result.saved_to = str(target)
    return result

"""Jobs and output supported by local spend, from an input-output multiplier table.

The user loads a multiplier table (one row per sector: output multipliers and jobs per million of
spend, each split direct / indirect / induced — e.g. Statistics Canada's provincial input-output
multipliers, BEA RIMS II, the UK ONS input-output analytical tables) and a category → sector map.
For every taxonomy level-1 category, the local spend is exactly the indicators' ``local_spend``
(:func:`compute_breakdowns` by category: the same addressable and "local" rules, nothing
re-derived), and:

- output_x = local spend × output_x multiplier (x = direct, indirect, induced; total = their sum);
- jobs_x = local spend ÷ 1,000,000 × jobs_x per million.

Spend in a category with no sector in the map is reported as ``unmapped`` — never dropped.
Every result carries :data:`CAVEAT`: these are upper-bound estimates.

The default map comes from the taxonomy's crosswalk files: NAICS 2-digit sectors (CA, US) or UK
SIC sections (GB), whichever the table's sectors are written in.
"""

from __future__ import annotations

import csv
import hashlib
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from anchorkit.analytics.indicators import compute_breakdowns
from anchorkit.classify.taxonomy import Taxonomy, crosswalk, taxonomy_for
from anchorkit.errors import MultiplierError
from anchorkit.workspace import Workspace

CAVEAT = (
    "Input-output multipliers give upper-bound estimates: they assume local suppliers have spare "
    "capacity, that technology and prices stay fixed, and that the spend would not have happened "
    "locally otherwise. Read these figures as output and jobs 'supported by' local spend, not "
    "'created by' it."
)
OUTPUT_COLUMNS = ("output_direct", "output_indirect", "output_induced")
JOBS_COLUMNS = (
    "jobs_direct_per_million",
    "jobs_indirect_per_million",
    "jobs_induced_per_million",
)
COLUMNS = ("sector", *OUTPUT_COLUMNS, *JOBS_COLUMNS)
PARTS = ("direct", "indirect", "induced")
#: crosswalk name → the column holding its sector
SCHEMES = {"naics": "naics2", "uk_sic": "sic_section"}
EXAMPLE = "example_statcan_style_illustrative.csv"
UNMAPPED = "unmapped"


@dataclass(frozen=True)
class Multiplier:
    sector: str
    name: str
    output: tuple[float, float, float]  # direct, indirect, induced (per unit of spend)
    jobs: tuple[float, float, float]  # direct, indirect, induced (per million of spend)


def example_path() -> Path:
    """The shipped illustrative table (see data/multipliers/SOURCE.md)."""
    return Path(str(resources.files("anchorkit.data").joinpath("multipliers", EXAMPLE)))


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row) for each data row; blank lines and lines starting with # skipped."""
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise MultiplierError(f"{path}: cannot be read as a UTF-8 CSV file ({exc}).") from exc
    reader = csv.reader(io.StringIO(text))
    header: list[str] | None = None
    for cells in reader:
        if not any(c.strip() for c in cells) or cells[0].lstrip().startswith("#"):
            continue
        if header is None:
            header = [c.strip().lower() for c in cells]
            continue
        yield (
            reader.line_num,
            {h: (cells[i].strip() if i < len(cells) else "") for i, h in enumerate(header)},
        )
    if header is None:
        raise MultiplierError(f"{path}: the file is empty (no header row).")


def _number(path: Path, line: int, column: str, text: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError:
        raise MultiplierError(f"{path}, line {line}: {column} {text!r} is not a number.") from None
    if not math.isfinite(value):
        raise MultiplierError(f"{path}, line {line}: {column} {text!r} is not a finite number.")
    if value < 0:
        raise MultiplierError(
            f"{path}, line {line}: {column} is {text}; multipliers cannot be negative."
        )
    return value


def read_table(path: Path) -> list[Multiplier]:
    """A multiplier table, checked: every column present, numbers ≥ 0, each sector once."""
    out: list[Multiplier] = []
    first: dict[str, int] = {}
    for line, row in _rows(path):
        missing = [c for c in COLUMNS if c not in row]
        if missing:
            raise MultiplierError(
                f"{path}: the header has no {', '.join(missing)} column. A multiplier table needs: "
                f"{', '.join(COLUMNS)} (sector_name optional)."
            )
        sector = row["sector"]
        if not sector:
            raise MultiplierError(f"{path}, line {line}: the sector is empty.")
        if sector.upper() in first:
            raise MultiplierError(
                f"{path}, line {line}: sector {sector!r} is given twice (first on line "
                f"{first[sector.upper()]})."
            )
        first[sector.upper()] = line
        out_x = tuple(_number(path, line, c, row[c]) for c in OUTPUT_COLUMNS)
        jobs_x = tuple(_number(path, line, c, row[c]) for c in JOBS_COLUMNS)
        out.append(
            Multiplier(
                sector,
                row.get("sector_name", "") or sector,
                (out_x[0], out_x[1], out_x[2]),
                (jobs_x[0], jobs_x[1], jobs_x[2]),
            )
        )
    if not out:
        raise MultiplierError(f"{path}: the table has a header but no sectors.")
    return out


def _category_names(taxonomy: Taxonomy) -> dict[str, str]:
    """Level-1 code or name (upper-cased) → the level-1 name the indicators report."""
    names: dict[str, str] = {}
    for c in taxonomy.level(1):
        names[c.code.upper()] = c.level1
        names[c.level1.upper()] = c.level1
    return names


def read_sector_map(path: Path, sectors: set[str], taxonomy: Taxonomy) -> dict[str, str]:
    """A user's category → sector map (CSV: category, sector), checked against the table.

    A category is a level-1 taxonomy code or name (impact is reported by level-1 category), or
    ``unclassified``.
    """
    by_upper = {s.upper(): s for s in sectors}
    names = _category_names(taxonomy)
    out: dict[str, str] = {}
    first: dict[str, int] = {}
    for line, row in _rows(path):
        if "category" not in row or "sector" not in row:
            raise MultiplierError(f"{path}: a sector map needs the columns category, sector.")
        raw, sector = row["category"], row["sector"]
        if raw.lower() == "unclassified":
            category = "unclassified"
        elif raw.upper() in names:
            category = names[raw.upper()]
        elif raw in taxonomy:
            top = taxonomy.get(raw)
            raise MultiplierError(
                f"{path}, line {line}: {raw} is a level-{top.level} code; impact is reported by "
                f"level-1 category, so map its level-1 code {top.level1_code} ({top.level1})."
            )
        else:
            raise MultiplierError(
                f"{path}, line {line}: {raw!r} is not a level-1 taxonomy code or name "
                "(anchorkit category list --level 1)."
            )
        if sector.upper() not in by_upper:
            raise MultiplierError(
                f"{path}, line {line}: sector {sector!r} is not in the multiplier table "
                f"(its sectors: {', '.join(sorted(sectors))})."
            )
        if category in first:
            raise MultiplierError(
                f"{path}, line {line}: category {category!r} is mapped twice (first on line "
                f"{first[category]})."
            )
        first[category] = line
        out[category] = by_upper[sector.upper()]
    return out


def default_sector_map(sectors: set[str], taxonomy: Taxonomy) -> tuple[dict[str, str], str]:
    """Level-1 category → sector from the shipped crosswalk whose sectors the table uses.

    NAICS 2-digit sectors (``62``, ``31-33``) for Canadian and US tables, UK SIC sections (``Q``)
    for British ones; categories whose sector is not in the table are left out (so unmapped).
    """
    by_upper = {s.upper(): s for s in sectors}
    best: tuple[int, str, dict[str, str]] = (0, "", {})
    for scheme, column in SCHEMES.items():
        walk = crosswalk(scheme)
        mapped = {
            c.level1: by_upper[walk[c.code][column].upper()]
            for c in taxonomy.level(1)
            if c.code in walk and walk[c.code][column].upper() in by_upper
        }
        if len(mapped) > best[0]:
            best = (len(mapped), scheme, mapped)
    if not best[1]:
        raise MultiplierError(
            "None of the table's sectors is a NAICS 2-digit sector or a UK SIC section, so no "
            "category can be mapped by default: give a sector map (--sector-map FILE with columns "
            "category, sector)."
        )
    return best[2], best[1]


def load_multipliers(
    ws: Workspace,
    path: Path,
    *,
    sector_map: Path | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    """Check and store a table (replacing one of the same name) with its category map."""
    table = read_table(path)
    sectors = {m.sector for m in table}
    taxonomy = taxonomy_for(ws.settings, ws.root)
    if sector_map is not None:
        mapping, scheme = read_sector_map(sector_map, sectors, taxonomy), f"map {sector_map.name}"
    else:
        mapping, scheme = default_sector_map(sectors, taxonomy)
    label = (name or path.stem).strip()
    if not label:
        raise MultiplierError("A multiplier table needs a name (--name NAME).")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with ws.engine.transaction():
        for step, tbl in (
            ("drop_multiplier_table", "multiplier_table"),
            ("drop_multipliers", "multiplier"),
            ("drop_multiplier_map", "multiplier_sector_map"),
        ):
            ws.engine.run(step, f"DELETE FROM {tbl} WHERE table_name = ?", [label])
        ws.engine.run(
            "add_multiplier_table",
            "INSERT INTO multiplier_table (table_name, file_name, file_sha256, sector_map) "
            "VALUES (?, ?, ?, ?)",
            [label, path.name, digest, scheme],
        )
        for m in table:
            ws.engine.run(
                "add_multiplier",
                "INSERT INTO multiplier VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [label, m.sector, m.name, *m.output, *m.jobs],
            )
        for category, sector in sorted(mapping.items()):
            ws.engine.run(
                "add_multiplier_map",
                "INSERT INTO multiplier_sector_map VALUES (?, ?, ?)",
                [label, category, sector],
            )
    return {"name": label, "sectors": len(table), "categories_mapped": len(mapping), "map": scheme}


def multiplier_tables(ws: Workspace) -> list[dict[str, Any]]:
    rows = ws.engine.query(
        "multiplier_tables",
        "SELECT t.table_name, t.file_name, t.sector_map, t.loaded_at, "
        "(SELECT count(*) FROM multiplier m WHERE m.table_name = t.table_name) "
        "FROM multiplier_table t ORDER BY t.loaded_at DESC, t.table_name",
    )
    return [
        {"name": n, "file": f, "map": s, "loaded_at": str(at), "sectors": k}
        for n, f, s, at, k in rows
    ]


@dataclass
class SectorImpact:
    sector: str
    name: str
    categories: list[str]
    local_spend: Decimal
    output: dict[str, Decimal]  # direct, indirect, induced, total
    jobs: dict[str, float]  # direct, indirect, induced, total


@dataclass
class ImpactResult:
    table: str
    anchor: str | None
    year: int | None
    local_spend: Decimal
    mapped_spend: Decimal
    unmapped_spend: Decimal
    output: dict[str, Decimal]
    jobs: dict[str, float]
    sectors: list[SectorImpact] = field(default_factory=list)
    unmapped: list[dict[str, Any]] = field(default_factory=list)  # category, local_spend
    caveat: str = CAVEAT

    def to_json(self) -> dict[str, Any]:
        def money(values: dict[str, Decimal]) -> dict[str, str]:
            return {k: f"{v:.2f}" for k, v in values.items()}

        return {
            "table": self.table,
            "anchor": self.anchor,
            "year": self.year,
            "caveat": self.caveat,
            "local_spend": f"{self.local_spend:.2f}",
            "mapped_spend": f"{self.mapped_spend:.2f}",
            "unmapped_spend": f"{self.unmapped_spend:.2f}",
            "output": money(self.output),
            "jobs": self.jobs,
            "sectors": [
                {
                    "sector": s.sector,
                    "name": s.name,
                    "categories": s.categories,
                    "local_spend": f"{s.local_spend:.2f}",
                    "output": money(s.output),
                    "jobs": s.jobs,
                }
                for s in self.sectors
            ],
            "unmapped": [
                {"category": u["category"], "local_spend": f"{u['local_spend']:.2f}"}
                for u in self.unmapped
            ],
        }


def _local_by_category(ws: Workspace, anchor: str | None, year: int | None) -> dict[str, Decimal]:
    rows = compute_breakdowns(ws, ["category"], anchor=anchor, year=year)["category"].rows
    return {str(r["category"]): r["local_spend"] for r in rows}


def _table(ws: Workspace, name: str | None) -> str:
    if name is None:
        found = ws.engine.query(
            "latest_multiplier_table",
            "SELECT table_name FROM multiplier_table ORDER BY loaded_at DESC, table_name LIMIT 1",
        )
    else:
        found = ws.engine.query(
            "find_multiplier_table",
            "SELECT table_name FROM multiplier_table WHERE table_name = ?",
            [name],
        )
    if not found:
        if name is not None:
            raise MultiplierError(
                f"No multiplier table is called {name!r} (anchorkit multipliers list)."
            )
        raise MultiplierError(
            "No multiplier table is loaded: anchorkit multipliers load FILE (or --example for the "
            "shipped illustrative table; see docs/indicators.md)."
        )
    return str(found[0][0])


def _round_jobs(values: list[float]) -> dict[str, float]:
    out = {p: round(v, 2) for p, v in zip(PARTS, values, strict=True)}
    out["total"] = round(sum(values), 2)
    return out


def local_impact(
    ws: Workspace,
    *,
    anchor: str | None = None,
    year: int | None = None,
    table: str | None = None,
    by_category: list[dict[str, Any]] | None = None,
) -> ImpactResult:
    """Output and jobs supported by local spend, per sector and in total (upper-bound estimates).

    ``by_category``: the indicators by category for this anchor and year when the caller has
    them already (a report does), so every line is not classified a second time.
    """
    label = _table(ws, table)
    multipliers = {
        s: Multiplier(s, n, (od, oi, on), (jd, ji, jn))
        for s, n, od, oi, on, jd, ji, jn in ws.engine.query(
            "multipliers",
            "SELECT sector, sector_name, output_direct, output_indirect, output_induced, "
            "jobs_direct_per_million, jobs_indirect_per_million, jobs_induced_per_million "
            "FROM multiplier WHERE table_name = ?",
            [label],
        )
    }
    mapping = {
        c.upper(): s
        for c, s in ws.engine.query(
            "multiplier_map",
            "SELECT category, sector FROM multiplier_sector_map WHERE table_name = ?",
            [label],
        )
    }
    spend: dict[str, Decimal] = {}
    categories: dict[str, list[str]] = {}
    unmapped: list[dict[str, Any]] = []
    local_by_category = (
        _local_by_category(ws, anchor, year)
        if by_category is None
        else {str(r["category"]): r["local_spend"] for r in by_category}
    )
    for category, local in sorted(local_by_category.items()):
        if local == 0:
            continue
        sector = mapping.get(category.upper())
        if sector is None or sector not in multipliers:
            unmapped.append({"category": category, "local_spend": local})
            continue
        spend[sector] = spend.get(sector, Decimal(0)) + local
        categories.setdefault(sector, []).append(category)
    sectors: list[SectorImpact] = []
    cent = Decimal("0.01")
    for sector, local in sorted(spend.items(), key=lambda kv: (-kv[1], kv[0])):
        m = multipliers[sector]
        output = {
            p: (local * Decimal(repr(x))).quantize(cent)
            for p, x in zip(PARTS, m.output, strict=True)
        }
        output["total"] = sum(output.values(), Decimal(0))
        jobs = _round_jobs([float(local) / 1_000_000 * x for x in m.jobs])
        sectors.append(SectorImpact(sector, m.name, categories[sector], local, output, jobs))
    total_output = {p: sum((s.output[p] for s in sectors), Decimal(0)) for p in (*PARTS, "total")}
    total_jobs = _round_jobs(
        [
            sum(float(s.local_spend) / 1_000_000 * multipliers[s.sector].jobs[i] for s in sectors)
            for i in range(3)
        ]
    )
    mapped = sum(spend.values(), Decimal(0))
    unmapped_total = sum((u["local_spend"] for u in unmapped), Decimal(0))
    return ImpactResult(
        table=label,
        anchor=anchor,
        year=year,
        local_spend=mapped + unmapped_total,
        mapped_spend=mapped,
        unmapped_spend=unmapped_total,
        output=total_output,
        jobs=total_jobs,
        sectors=sectors,
        unmapped=unmapped,
    )

"""``anchorkit workforce aggregate``: a person-level HR export → the counts anchorkit imports,
on the user's own machine, with no person's row stored anywhere.

The export is read into a private in-memory database (never the workspace's store), each person
is classed, and only the counts are written out:

- where they live: their postal code cut to its FSA / outcode / ZIP, or (``area="neighbourhood"``
  with a region pack) the neighbourhood their full postal code lies in — placed here, from the
  full code, so the counts say more than an FSA would without the codes leaving the machine;
- what they are in the period (a fiscal year): staff on its last day (apprentices and
  contractors' staff by their type column), new hires (started in it) and leavers (left in it);
- their pay against the living wage: an hourly rate, or annual pay ÷ (FTE × full-time hours);
- a self-identified group, counted per kind for the whole anchor (never by area: too fine).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from anchorkit.engine.duckdb import DuckDBEngine
from anchorkit.errors import WorkforceError
from anchorkit.ingest.tabular import Sheet, date_order, number_of, parse_date, read_table
from anchorkit.place.locate import locate_many
from anchorkit.place.regions import Region
from anchorkit.workforce.columns import (
    ABOVE,
    BELOW,
    UNKNOWN,
    coarse_area,
    equity_of,
    kind_of,
    people_vocabulary,
)

OUT_COLUMNS = (
    "period",
    "home_area",
    "kind",
    "wage_band",
    "equity_group",
    "headcount",
    "fte",
    "payroll",
)
UNKNOWN_AREA = "unknown"


@dataclass
class AggregateResult:
    file: str
    out: str
    period: int
    people: int = 0
    counted: int = 0
    rows_written: int = 0
    living_wage: str | None = None
    by_kind: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _date_order(sheet: Sheet) -> str:
    return date_order(
        [sheet.cell(c, col) for _n, c in sheet.rows for col in ("hire_date", "end_date")]
    )


def aggregate_people(
    path: Path | str,
    out: Path | str,
    *,
    period: int,
    year_start: tuple[int, int] = (4, 1),
    living_wage: Decimal | None = None,
    full_time_hours: float = 1950.0,
    area: str = "fsa",
    regions: Sequence[Region] = (),
    country: str | None = None,
) -> AggregateResult:
    """Count the people of ``path`` into ``out`` (CSV, the columns `workforce import` reads).

    ``period``: the fiscal year (starting ``year_start``, month and day) to count. ``area``:
    ``fsa`` (FSA / outcode / ZIP) or ``neighbourhood`` (needs ``regions``; a postal code outside
    every neighbourhood falls back to its FSA). ``living_wage``: the hourly rate pay is judged
    by (None: every wage band is unknown).
    """
    path, out = Path(path), Path(out)
    if area not in ("fsa", "neighbourhood"):
        raise WorkforceError(f"--area must be fsa or neighbourhood; got {area!r}.")
    if area == "neighbourhood" and not regions:
        raise WorkforceError(
            "--area neighbourhood needs a region pack: give --region (e.g. toronto)."
        )
    if out.resolve() == path.resolve():
        raise WorkforceError("--out must be a new file, not the export itself.")
    start = dt.date(period, *year_start)
    end = dt.date(period + 1, *year_start) - dt.timedelta(days=1)
    result = AggregateResult(file=str(path), out=str(out), period=period)
    if living_wage is not None:
        result.living_wage = f"{living_wage:.2f} an hour"
    with DuckDBEngine(None) as engine:  # private and in memory: nothing of the export is kept
        table = read_table(engine, path, people_vocabulary(), needs_one_of=("home_postcode",))
    counts: dict[tuple[str, str, str, str | None], list[Decimal]] = defaultdict(
        lambda: [Decimal(0), Decimal(0), Decimal(0)]
    )
    has_fte = has_pay = False
    for sheet in table.sheets:
        order = _date_order(sheet)
        dated = "hire_date" in sheet.columns or "end_date" in sheet.columns
        if not dated:
            result.notes.append(
                "no hire or end dates: everyone listed is counted as employed at the period's end "
                "(no new hires or leavers)"
            )
        postcodes = [sheet.cell(c, "home_postcode") for _n, c in sheet.rows]
        homes = _homes(postcodes, area, regions, country)
        for (_n, cells), home in zip(sheet.rows, homes, strict=True):
            result.people += 1
            hired = parse_date(sheet.cell(cells, "hire_date"), order)
            left = parse_date(sheet.cell(cells, "end_date"), order)
            employed = (hired is None or hired <= end) and (left is None or left > end)
            kinds = []
            if employed:
                kinds.append(kind_of(sheet.cell(cells, "kind")) or "staff")
            if hired is not None and start <= hired <= end:
                kinds.append("new_hire")
            if left is not None and start <= left <= end:
                kinds.append("leaver")
            if not kinds:
                result.skipped["not employed in the period"] = (
                    result.skipped.get("not employed in the period", 0) + 1
                )
                continue
            result.counted += 1
            fte, _ = number_of(sheet.cell(cells, "fte"), "FTE")
            pay, _ = number_of(sheet.cell(cells, "annual_pay"), "pay", money=True)
            rate, _ = number_of(sheet.cell(cells, "hourly_rate"), "rate", money=True)
            has_fte |= fte is not None
            has_pay |= pay is not None
            band = _band(rate, pay, fte, living_wage, full_time_hours)
            group = equity_of(sheet.cell(cells, "equity_group"))
            for kind in kinds:
                result.by_kind[kind] = result.by_kind.get(kind, 0) + 1
                staff_like = kind not in ("new_hire", "leaver")
                keys: list[tuple[str, str, str, str | None]] = [(home, kind, band, None)]
                if group is not None:
                    keys.append(("", kind, band, group))
                for key in keys:
                    cell = counts[key]
                    cell[0] += 1
                    cell[1] += fte if fte is not None else Decimal(0)
                    cell[2] += pay if (pay is not None and staff_like) else Decimal(0)
    if result.people == 0:
        raise WorkforceError(f"{path.name}: no people found under the header row.")
    if living_wage is None:
        result.notes.append("no living wage given: every wage band is 'unknown'")
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(OUT_COLUMNS)
        for (home, kind, band, group), (n, fte_sum, pay_sum) in sorted(
            counts.items(), key=lambda kv: tuple(str(x) for x in kv[0])
        ):
            writer.writerow(
                [
                    period,
                    home,
                    kind,
                    band,
                    group or "",
                    int(n),
                    f"{fte_sum:.2f}" if has_fte else "",
                    f"{pay_sum:.2f}" if has_pay and kind not in ("new_hire", "leaver") else "",
                ]
            )
            result.rows_written += 1
    return result


def _band(
    rate: Decimal | None,
    pay: Decimal | None,
    fte: Decimal | None,
    living_wage: Decimal | None,
    hours: float,
) -> str:
    if living_wage is None:
        return UNKNOWN
    if rate is None and pay is not None:
        share = fte if fte is not None and fte > 0 else Decimal(1)
        rate = pay / (share * Decimal(str(hours)))
    if rate is None:
        return UNKNOWN
    return ABOVE if rate >= living_wage else BELOW


def _homes(
    postcodes: list[str | None], area: str, regions: Sequence[Region], country: str | None
) -> list[str]:
    """Each person's home area: the coarse code, or the neighbourhood of the full code."""
    coarse = [coarse_area(p)[0] if p else UNKNOWN_AREA for p in postcodes]
    if area == "fsa":
        return coarse
    placed = locate_many(postcodes, country=country, regions=regions).column("neighbourhood")
    return [hood or code for hood, code in zip(placed.to_pylist(), coarse, strict=True)]

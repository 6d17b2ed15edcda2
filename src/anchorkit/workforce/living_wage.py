"""Living-wage rates by area and year, with their sources: a table shipped as data
(``anchorkit/data/living_wage.csv``: the Living Wage Foundation's UK and London rates, the Ontario
Living Wage Network's Greater Toronto rate) that a network replaces with its own file (setting
``workforce.living_wage_file``: area, year, hourly_rate, currency, source, url).

Which rate judges a period: the latest announced *before* the period's fiscal year — both
organisations announce in the autumn, and employers adopt a new rate over the following months,
so fiscal year 2024 (April 2024 – March 2025) is judged by the rate announced in late 2023.
"""

from __future__ import annotations

import csv
from dataclasses import asdict, dataclass
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any

from anchorkit.errors import WorkforceError
from anchorkit.settings import Settings

SHIPPED = "living_wage.csv"
COLUMNS = ("area", "year", "hourly_rate")


@dataclass(frozen=True)
class LivingWage:
    area: str
    year: int  # the year it was announced
    hourly_rate: Decimal
    currency: str
    source: str
    url: str

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["hourly_rate"] = f"{self.hourly_rate:.2f}"
        return data


def _rows(text: str, where: str) -> list[LivingWage]:
    reader = csv.DictReader(text.splitlines())
    missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
    if missing:
        raise WorkforceError(
            f"{where}: a living-wage table needs the columns {', '.join(COLUMNS)} (and currency, "
            f"source, url); {', '.join(missing)} missing."
        )
    out = []
    for number, row in enumerate(reader, start=2):
        try:
            out.append(
                LivingWage(
                    area=row["area"].strip(),
                    year=int(row["year"]),
                    hourly_rate=Decimal(row["hourly_rate"].strip()),
                    currency=(row.get("currency") or "").strip(),
                    source=(row.get("source") or "").strip(),
                    url=(row.get("url") or "").strip(),
                )
            )
        except (ValueError, InvalidOperation) as exc:
            raise WorkforceError(
                f"{where}, line {number}: year must be a whole number and hourly_rate an amount "
                f"({exc})."
            ) from exc
    return out


def rates(settings: Settings, root: Path | None = None) -> list[LivingWage]:
    """The table in force: the workspace's file when the setting names one, else the shipped."""
    own = str(settings["workforce.living_wage_file"])
    if own:
        path = Path(own) if root is None else root / own
        try:
            return _rows(path.read_text(encoding="utf-8-sig"), str(path))
        except OSError as exc:
            raise WorkforceError(
                f"workforce.living_wage_file: cannot read {path} ({exc.strerror})."
            ) from exc
    text = resources.files("anchorkit.data").joinpath(SHIPPED).read_text("utf-8")
    return _rows(text, SHIPPED)


def rate_for(table: list[LivingWage], area: str, period: int) -> LivingWage | None:
    """The rate judging fiscal year ``period`` in ``area`` (case ignored): the latest announced
    before that year, else (a period before any announcement) None."""
    mine = [r for r in table if r.area.lower() == area.strip().lower() and r.year < period]
    return max(mine, key=lambda r: r.year) if mine else None


def areas(table: list[LivingWage]) -> list[str]:
    return sorted({r.area for r in table})

"""Stored values derived from a setting follow the setting.

A spend line's ``fiscal_year`` is derived from its payment date and the setting
``fiscal_year.start``; it is stored (queries group and the Spark warehouse partitions by it), so a
change of the setting must reach the stored lines. The workspace records, in ``derived_setting``,
the value each derived column was computed with; when a workspace opens with another value (in
``anchorkit.toml`` or the environment), the column is derived again, in one transaction, before
anything reads it. Nothing stays silently stale.
"""

from __future__ import annotations

import datetime as dt

from anchorkit.engine import Engine
from anchorkit.settings import Settings


def fiscal_year_sql(date_expr: str, start_month: int, start_day: int) -> str:
    """INTEGER: the calendar year in which the fiscal year containing the date starts.

    April-start: 2023-03-31 -> 2022, 2023-04-01 -> 2023; a January-1 start is the calendar
    year. The date is shifted back by the start's offset from 1 January, so that the year of the
    shifted date is the answer and `date_expr` (often a big parse) is written only once.
    """
    try:
        dt.date(2001, start_month, start_day)  # a non-leap year: 29 February cannot start one
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"fiscal year start must be a month and day of every year, "
            f"not {start_month!r}-{start_day!r}"
        ) from exc
    d = f"CAST(({date_expr}) AS DATE)"
    if (start_month, start_day) == (1, 1):
        return f"CAST(year({d}) AS INTEGER)"
    shifted = f"{d} - INTERVAL '{start_month - 1}' MONTH - INTERVAL '{start_day - 1}' DAY"
    return f"CAST(year({shifted}) AS INTEGER)"


def refresh_derived(engine: Engine, settings: Settings) -> list[str]:
    """Derive again the stored columns whose setting changed; returns what was re-derived.

    A store that predates the record (no value recorded) holding lines is derived again once,
    as nothing says which value its lines were computed with.
    """
    name = "fiscal_year.start"
    current = str(settings[name])
    rows = engine.query(
        "derived_setting", "SELECT value FROM derived_setting WHERE name = ?", [name]
    )
    stored = rows[0][0] if rows else None
    if stored == current:
        return []
    (lines,) = engine.query_one("count_lines", "SELECT count(*) FROM spend_line")
    month, day = settings.fiscal_year_start
    with engine.transaction():
        if lines:
            engine.run(
                "rederive_fiscal_year",
                f"UPDATE spend_line SET fiscal_year = {fiscal_year_sql('paid_on', month, day)}",
            )
        engine.run(
            "record_derived_setting",
            "INSERT OR REPLACE INTO derived_setting (name, value) VALUES (?, ?)",
            [name, current],
        )
    return ["spend_line.fiscal_year"] if lines else []

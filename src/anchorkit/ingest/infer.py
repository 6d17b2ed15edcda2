"""Guess the columns of a file that has no header row, from what its cells look like.

Some finance systems export bare rows. Before asking the user, anchorkit looks at a sample: the
column that is nearly all dates is the payment date, the one that is nearly all money is the
amount, the one that looks like postcodes is the postcode, and among text columns the one whose
values most often end in a legal suffix (Ltd, Inc, LLP...) is the supplier. The guess is reported
in the ingest notes so a person can check it and save a mapping if it is wrong.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from anchorkit.ingest.mapping import ColumnMapping

_DATE = re.compile(
    r"^\s*(\d{4}[-/.]\d{1,2}[-/.]\d{1,2}([ T].*)?|\d{1,2}[-/. ]\d{1,2}[-/. ]\d{2,4}"
    r"|\d{1,2}[- ][A-Za-z]{3,9}[- ]\d{2,4}|[A-Za-z]{3,9} \d{1,2},? \d{4})\s*$"
)
_AMOUNT = re.compile(r"^\s*[-(]?\s*[£$€]?\s*-?\d{1,3}(,?\d{3})*(\.\d+)?\s*\)?-?\s*$")
_POSTCODE = re.compile(
    r"^\s*([A-Za-z]\d[A-Za-z] ?\d[A-Za-z]\d|[A-Za-z]{1,2}\d[A-Za-z\d]? ?\d[A-Za-z]{2}"
    r"|\d{5}(-\d{4})?)\s*$"
)
_LEGAL = re.compile(
    r"\b(ltd|limited|inc|incorporated|llc|llp|lp|plc|corp|corporation|co|company|ltee|ltée|"
    r"group|services|cic|gmbh|sa|ulc)\b\.?",
    re.IGNORECASE,
)
_LETTERS = re.compile(r"[A-Za-z]")
_DIGITS_ONLY = re.compile(r"^\s*\d+\s*$")
_MONEY_MARKS = re.compile(r"\.\d\d\b|\d,\d{3}|^\s*[(-]|[£$€]")


def _share(values: Sequence[str], pattern: re.Pattern[str]) -> float:
    return sum(1 for v in values if pattern.search(v)) / len(values) if values else 0.0


def _amount_score(values: Sequence[str]) -> float:
    score = _share(values, _AMOUNT) + 0.25 * _share(values, _MONEY_MARKS)
    plain = [v for v in values if _DIGITS_ONLY.match(v)]
    if values and len(plain) == len(values) and len({len(v) for v in plain}) == 1:
        score -= 0.15  # every value the same number of plain digits: more like an id than money
    return score


def infer_columns(rows: Sequence[Sequence[str | None]], width: int) -> ColumnMapping:
    """Assign canonical columns to positions from a sample of data rows."""
    samples: list[list[str]] = [
        [str(r[i]).strip() for r in rows if i < len(r) and r[i] not in (None, "")]
        for i in range(width)
    ]
    columns: dict[str, int] = {}
    free = [i for i in range(width) if samples[i]]

    def take(name: str, ranked: list[tuple[float, int]], floor: float) -> None:
        for share, i in sorted(ranked, key=lambda t: (-t[0], t[1])):
            if share >= floor and i in free:
                columns[name] = i
                free.remove(i)
                return

    take("paid_on", [(_share(samples[i], _DATE), i) for i in free], 0.8)
    # money has cents, thousands separators or signs more often than ids do, and ids are plain
    # digits of one width: a column of those loses to one of money with a few blanks or "N/A"
    take("amount", [(_amount_score(samples[i]), i) for i in free], 0.8)
    # five digits may be a ZIP code or a vendor number: letters-and-digits postcodes win
    take(
        "supplier_postcode",
        [(_share(samples[i], _POSTCODE) - 0.5 * _share(samples[i], _DIGITS_ONLY), i) for i in free],
        0.3,
    )
    text = [i for i in free if _share(samples[i], _LETTERS) >= 0.8]
    take("supplier_name", [(_share(samples[i], _LEGAL) + 0.01, i) for i in text], 0.0)
    for name in ("description", "raw_category", "cost_centre"):
        take(name, [(1.0, i) for i in free if i in text], 0.0)
    ids = [i for i in free if _share(samples[i], re.compile(r"^[A-Za-z]{0,4}[-#]?\d+$")) >= 0.8]
    take("supplier_ref", [(1.0, i) for i in ids], 0.0)
    mapping = ColumnMapping(["" for _ in range(width)], columns, "inferred from content")
    shown = ", ".join(
        f"{c} = column {i + 1}" for c, i in sorted(columns.items(), key=lambda t: t[1])
    )
    mapping.notes.append(
        f"no header row: columns inferred from their content ({shown}); if this is wrong, "
        "pass a mapping file with --mapping and it will be remembered for this anchor"
    )
    return mapping

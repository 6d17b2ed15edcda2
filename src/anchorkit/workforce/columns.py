"""What the cells of a workforce file mean: kinds of worker, wage bands, periods, counts — and the
signs that a file lists people rather than counting them.

The words are data (``anchorkit/data/workforce_columns.toml``), so a network can see and extend
them; the checks on values are here.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Sequence
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any

from anchorkit.ingest.mapping import normalise_header
from anchorkit.ingest.tabular import Sheet, Vocabulary
from anchorkit.place.postcodes import normalise_postcode

KINDS = ("staff", "new_hire", "leaver", "apprentice", "contractor_staff")
KIND_LABELS = {
    "staff": "staff",
    "new_hire": "new hires",
    "leaver": "leavers",
    "apprentice": "apprentices / trainees",
    "contractor_staff": "contractors' staff",
}
BELOW, ABOVE, UNKNOWN = "below_living_wage", "living_wage_or_above", "unknown"
WAGE_BANDS = (BELOW, ABOVE, UNKNOWN)
EVERYONE = ("", "all", "everyone", "total", "all staff", "all people", "any")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
_YEAR = re.compile(r"(19|20)\d\d")
_WHOLE = re.compile(r"^\d{1,3}(,\d{3})*(\.0+)?$|^\d+(\.0+)?$")
_SUPPRESSED = re.compile(r"^\s*(<|&lt;|fewer than|less than|under)\s*\d+|^\s*[*x~-]\s*$", re.I)


@cache
def _toml() -> dict[str, Any]:
    text = resources.files("anchorkit.data").joinpath("workforce_columns.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def vocabulary() -> Vocabulary:
    return Vocabulary.load("workforce_columns.toml", "workforce", skip=("person", "values"))


@cache
def people_vocabulary() -> Vocabulary:
    return Vocabulary.load("workforce_people_columns.toml", "person-level workforce")


@cache
def _phrases(table: str) -> dict[str, tuple[str, ...]]:
    raw = _toml()["values"][table]
    return {key: tuple(normalise_header(p) for p in phrases) for key, phrases in raw.items()}


def _has(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


@cache
def kind_of(text: str | None) -> str | None:
    """A kind column's value as one of :data:`KINDS` (None: not recognised)."""
    norm = normalise_header(text)
    for kind, phrases in _phrases("kind").items():
        if any(_has(norm, p) for p in phrases):
            return kind
    return None


@cache
def wage_band_of(text: str | None) -> str | None:
    """A wage-band cell as one of :data:`WAGE_BANDS`; blank is unknown; None: not recognised."""
    norm = normalise_header(text)
    if not norm:
        return UNKNOWN
    phrases = _phrases("wage_band")
    for band in (UNKNOWN, BELOW, ABOVE):  # "not known" before "no", "below" before "at"
        if any(_has(norm, p) for p in phrases[band]):
            return band
    return None


def period_of(text: str | None) -> int | None:
    """A period cell (2024, "2024-25", "FY2024/25") as its first year."""
    found = _YEAR.search(text or "")
    return int(found.group(0)) if found else None


def count_of(text: str | None) -> tuple[int | None, str | None]:
    """(whole number of people, None) or (None, why not)."""
    if text is None:
        return None, "no count"
    t = text.strip()
    if _SUPPRESSED.match(t):
        return None, (
            f"count {t!r} is suppressed in the file: give exact counts (anchorkit suppresses "
            "small counts itself wherever they are shown)"
        )
    if not _WHOLE.match(t):
        return None, f"count {t!r} is not a whole number of people"
    return int(Decimal(t.replace(",", ""))), None


def equity_of(text: str | None) -> str | None:
    """A self-identified group as written (spaces tidied); None for everyone."""
    if text is None or normalise_header(text) in EVERYONE:
        return None
    return " ".join(text.split())


def coarse_area(text: str) -> tuple[str, bool]:
    """A home area as stored: a full postcode is cut to its FSA, outcode or 5-digit ZIP (an
    aggregate keeps no finer place than that); returns (area, whether it was cut)."""
    found = normalise_postcode(text)
    if found is None:
        return text.strip(), False
    code, country, precision = found
    if precision != "full":
        return code, False
    if country == "CA":
        return code[:3], True
    if country == "GB":
        return code.split(" ")[0], True
    return code[:5], True


# --- person-level files ------------------------------------------------------------------------


@cache
def _person_headers() -> tuple[tuple[str, ...], tuple[str, ...]]:
    raw = _toml()["person"]
    return (
        tuple(normalise_header(h) for h in raw["exact"]),
        tuple(normalise_header(h) for h in raw.get("keywords", [])),
    )


def person_headers(headers: Sequence[str], used: set[int]) -> list[str]:
    """Headers, not read as an aggregate column, that only a list of people carries."""
    exact, keywords = _person_headers()
    found = []
    for i, header in enumerate(headers):
        norm = normalise_header(header)
        if i in used or not norm:
            continue
        if norm in exact or any(_has(norm, k) for k in keywords):
            found.append(header)
    return found


def person_signs(sheet: Sheet, counts: Sequence[str]) -> list[str]:
    """Why this sheet looks like one row per person (empty: it does not).

    Signs: a header only people lists have (name, e-mail, employee number, date of birth...); a
    column of e-mail addresses; home areas that are full postcodes with one person each (or no
    count column at all).
    """
    signs: list[str] = []
    found = person_headers(sheet.headers, set(sheet.columns.values()))
    if found:
        signs.append(f"columns {', '.join(repr(h) for h in found)}")
    rows = [cells for _n, cells in sheet.rows[:2000]]
    for i, header in enumerate(sheet.headers):
        cells = [str(c[i]).strip() for c in rows if i < len(c) and c[i] not in (None, "")]
        if cells and sum(bool(_EMAIL.match(c)) for c in cells) >= max(1, len(cells) // 2):
            signs.append(f"e-mail addresses in column {header or i + 1!r}")
    areas = [a for c in rows if (a := sheet.cell(c, "home_area"))]
    full = [a for a in areas if (p := normalise_postcode(a)) is not None and p[2] == "full"]
    if areas and len(full) >= max(1, len(areas) // 2):
        ones = [count_of(sheet.cell(c, k))[0] for c in rows for k in counts if sheet.cell(c, k)]
        if not ones or sum(1 for n in ones if n == 1) >= 0.8 * len(ones):
            signs.append(f"full postcodes with one person each ({len(full)} rows)")
    return signs

"""Postal codes as written → normalised codes, by shape alone (no data is read here).

Canada (``A1A 1A1`` and the three-character FSA), the UK (full postcodes and outcodes) and the US
(ZIP and ZIP+4) are told apart by their shapes, which do not overlap except for one case: a
three-character code such as ``N1C`` can be both a Canadian FSA and a London-style UK outcode.
`parse_postcode` then returns both candidates and the lookup decides by which one exists.

A country hint (``country="GB"``) says where a code is expected to be. Full Canadian and UK
postcodes are unmistakable and are read as what they are whatever the hint; every other shape
(an FSA, an outcode, five digits) is read only as the hinted country's, since five digits are as
likely a French or German code as a US ZIP.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

SUPPORTED = ("CA", "GB", "US")

NO_POSTCODE = "no postcode"
NOT_A_POSTCODE = "not a postcode"
UNKNOWN_POSTCODE = "unknown postcode"
FOREIGN_POSTCODE = "foreign postcode"
AMBIGUOUS_POSTCODE = "ambiguous postcode"

_COUNTRY_ALIASES = {
    "UK": "GB",
    "GBR": "GB",
    "ENGLAND": "GB",
    "SCOTLAND": "GB",
    "WALES": "GB",
    "NORTHERN IRELAND": "GB",
    "UNITED KINGDOM": "GB",
    "GREAT BRITAIN": "GB",
    "CAN": "CA",
    "CANADA": "CA",
    "USA": "US",
    "UNITED STATES": "US",
    "UNITED STATES OF AMERICA": "US",
}

# International licence-plate style prefixes written before European postcodes ("F-75008").
_FOREIGN_PREFIXES = {
    "A": "AT",
    "AT": "AT",
    "B": "BE",
    "BE": "BE",
    "CH": "CH",
    "D": "DE",
    "DE": "DE",
    "DK": "DK",
    "E": "ES",
    "ES": "ES",
    "F": "FR",
    "FR": "FR",
    "FI": "FI",
    "FIN": "FI",
    "I": "IT",
    "IT": "IT",
    "IE": "IE",
    "IRL": "IE",
    "L": "LU",
    "LU": "LU",
    "N": "NO",
    "NL": "NL",
    "NO": "NO",
    "P": "PT",
    "PL": "PL",
    "PT": "PT",
    "S": "SE",
    "SE": "SE",
}

_CA_L1 = "ABCEGHJ-NPRSTVXY"  # letters that start a Canadian postal code
_CA_L = "ABCEGHJ-NPRSTV-Z"  # letters in the other two letter positions
_CA_FULL = re.compile(rf"([{_CA_L1}]\d[{_CA_L}])(\d[{_CA_L}]\d)")
_CA_FSA = re.compile(rf"[{_CA_L1}]\d[{_CA_L}]")
# Outcodes as Royal Mail's rules allow, except that the trailing letter of 'A9A' and 'AA9A'
# outcodes may be any letter: the ONS directory keeps terminated London districts (W1M, W1X...).
_UK_OUT = re.compile(
    r"[A-PR-UWYZ]\d{1,2}|[A-PR-UWYZ][A-HK-Y]\d{1,2}|[A-PR-UWYZ]\d[A-Z]|[A-PR-UWYZ][A-HK-Y]\d[A-Z]"
)
_UK_IN = re.compile(r"\d[ABD-HJLNP-UW-Z]{2}")
_US_ZIP = re.compile(r"(\d{5})(\d{4})?")
_EIRCODE = re.compile(r"(?:[AC-FHKNPRTV-Y]\d{2}|D6W)[0-9AC-FHKNPRTV-Y]{4}")
_NL = re.compile(r"[1-9]\d{3}[A-Z]{2}")
_PREFIXED = re.compile(r"([A-Z]{1,3})\s*[-‐–]\s*(\d[\dA-Z ]{2,8})|([A-Z]{1,3})\s+(\d{4,5})")
_SEPARATORS = re.compile(r"[\s\-‐–]+")
_ALNUM = re.compile(r"[0-9A-Z]+")


@dataclass(frozen=True)
class Candidate:
    """One reading of a code: the normalised code, its country and its precision."""

    code: str
    country: str
    precision: str  # "full" | "fsa" | "outcode" | "zip"


@dataclass(frozen=True)
class Parsed:
    """What a code's shape says: one or two candidates, or none and the reason why."""

    candidates: tuple[Candidate, ...]
    reason: str | None = None
    country: str | None = None  # for a foreign code, its country when the shape tells


def normalise_country(country: str | None) -> str | None:
    """ISO 3166 alpha-2 for a country hint ("uk" → "GB", "Canada" → "CA"); None for none."""
    if country is None:
        return None
    text = " ".join(country.strip().upper().split())
    if not text:
        return None
    return _COUNTRY_ALIASES.get(text, text)


def _readings(compact: str) -> list[Candidate]:
    """Every supported reading of an upper-case code with separators removed."""
    out: list[Candidate] = []
    m = _CA_FULL.fullmatch(compact)
    if m:
        out.append(Candidate(f"{m[1]} {m[2]}", "CA", "full"))
    if _CA_FSA.fullmatch(compact):
        out.append(Candidate(compact, "CA", "fsa"))
    if compact == "GIR0AA":
        out.append(Candidate("GIR 0AA", "GB", "full"))
    if (
        5 <= len(compact) <= 7
        and _UK_IN.fullmatch(compact[-3:])
        and _UK_OUT.fullmatch(compact[:-3])
    ):
        out.append(Candidate(f"{compact[:-3]} {compact[-3:]}", "GB", "full"))
    if 2 <= len(compact) <= 4 and _UK_OUT.fullmatch(compact):
        out.append(Candidate(compact, "GB", "outcode"))
    m = _US_ZIP.fullmatch(compact)
    if m:
        out.append(Candidate(m[1], "US", "zip"))
    return out


def _foreign(upper: str, compact: str) -> str | None:
    """The country of a code that is plainly not Canadian, British or American, if it says."""
    m = _PREFIXED.fullmatch(upper)
    if m:
        prefix = m[1] or m[3]
        if prefix in _FOREIGN_PREFIXES:
            return _FOREIGN_PREFIXES[prefix]
    if _EIRCODE.fullmatch(compact):
        return "IE"
    if _NL.fullmatch(compact):
        return "NL"
    return None


def parse_postcode(text: str | None, country: str | None = None) -> Parsed:
    """Read a postal code's shape; see the module docstring for the rules."""
    hint = normalise_country(country)
    if text is None or not str(text).strip():
        return Parsed((), NO_POSTCODE)
    upper = " ".join(str(text).upper().split())
    if hint is not None and hint not in SUPPORTED:
        return Parsed((), f"{FOREIGN_POSTCODE} ({hint})", hint)
    compact = _SEPARATORS.sub("", upper)
    if not _ALNUM.fullmatch(compact):
        return Parsed((), NOT_A_POSTCODE)
    readings = _readings(compact)
    if not readings:
        foreign = _foreign(upper, compact)
        if foreign:
            return Parsed((), f"{FOREIGN_POSTCODE} ({foreign})", foreign)
        if compact.isdigit() and len(compact) == 4 and hint in (None, "US"):
            return Parsed((), f"{NOT_A_POSTCODE}: 4 digits (a ZIP has 5; leading zero lost?)")
        return Parsed((), NOT_A_POSTCODE)
    if hint is None:
        return Parsed(tuple(readings))
    mine = [r for r in readings if r.country == hint]
    if mine:
        return Parsed(tuple(mine))
    unmistakable = [r for r in readings if r.precision == "full"]
    if unmistakable:
        return Parsed(tuple(unmistakable))
    other = readings[0]
    names = {"CA": "Canadian", "GB": "UK", "US": "US"}
    return Parsed(
        (),
        f"{FOREIGN_POSTCODE} (not a {names[hint]} postcode; "
        f"reads as a {names[other.country]} {_KIND[other.precision]})",
        None,
    )


_KIND = {"full": "postcode", "fsa": "FSA", "outcode": "outcode", "zip": "ZIP"}


def normalise_postcode(text: str, country: str | None = None) -> tuple[str, str, str] | None:
    """``(code, country, precision)`` when the shape has exactly one reading, else None.

    >>> normalise_postcode(" m5v2t6 ")
    ('M5V 2T6', 'CA', 'full')
    >>> normalise_postcode("pr12ab")
    ('PR1 2AB', 'GB', 'full')
    >>> normalise_postcode("20743-1234")
    ('20743', 'US', 'zip')

    A shape that is valid in two countries (``N1C``: a Canadian FSA and a UK outcode) gives None
    unless a country is given; `locate` settles it by looking both up.
    """
    parsed = parse_postcode(text, country)
    if len(parsed.candidates) != 1:
        return None
    c = parsed.candidates[0]
    return (c.code, c.country, c.precision)


def parse_full_codes(
    texts: Any, country: str | None = None
) -> dict[tuple[str, str], tuple[NDArray[np.intp], Any]]:
    """The fast, vectorised part of `parse_postcode`, for a column of distinct texts.

    Returns ``{(country, precision): (row indices, normalised codes)}`` for the texts whose shape
    is a full Canadian or UK postcode or a US ZIP (when no other country is hinted): those have
    exactly one reading, the same that `parse_postcode` gives. Every other text is left to
    `parse_postcode`.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    hint = normalise_country(country)
    if hint is not None and hint not in SUPPORTED:
        return {}
    compact = pc.replace_substring_regex(pc.utf8_upper(texts), r"[\s\-‐–]+", "")
    out: dict[tuple[str, str], tuple[NDArray[np.intp], Any]] = {}
    Shape = tuple[str, str, str, tuple[int, int], tuple[int, int | None] | None]
    shapes: list[Shape] = [
        ("CA", "full", f"^{_CA_FULL.pattern}$", (0, 3), (3, None)),
        ("GB", "full", rf"^(?:{_UK_OUT.pattern}){_UK_IN.pattern}$", (0, -3), (-3, None)),
    ]
    if hint in (None, "US"):
        shapes.append(("US", "zip", r"^\d{5}(?:\d{4})?$", (0, 5), None))
    for ctry, precision, pattern, head, tail in shapes:
        mask = pc.match_substring_regex(compact, pattern).fill_null(False)
        rows = np.flatnonzero(np.asarray(mask.to_numpy(zero_copy_only=False), dtype=bool))
        if not len(rows):
            continue
        picked = compact.take(pa.array(rows))
        code = pc.utf8_slice_codeunits(picked, head[0], head[1])
        if tail is not None:
            code = pc.binary_join_element_wise(
                code, pc.utf8_slice_codeunits(picked, tail[0], tail[1] or 2**31 - 1), " "
            )
        out[(ctry, precision)] = (rows, code)
    return out

"""From a file's own headers to anchorkit's canonical columns.

Finance systems name the same column a hundred ways ("Supplier Name", "* SUPPLIER FINAL", "Payee",
"Successful Supplier"). The synonyms live as data (``data/column_synonyms.toml``) so a network can
extend them without code; this module scores headers against them, explains what it could not use
("did you mean …?"), reads a user's mapping file, and, for files with no header row at all, infers
the columns from what the cells look like.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from anchorkit.errors import MappingError

CANONICAL = (
    "supplier_name",
    "amount",
    "paid_on",
    "description",
    "raw_category",
    "cost_centre",
    "supplier_postcode",
    "supplier_ref",
    "transaction_ref",
    "currency",
)
REQUIRED = ("supplier_name", "amount", "paid_on")
LABELS = {
    "supplier_name": "supplier name",
    "amount": "amount",
    "paid_on": "payment date",
    "description": "description",
    "raw_category": "category",
    "cost_centre": "cost centre / department",
    "supplier_postcode": "supplier postcode",
    "supplier_ref": "vendor id",
    "transaction_ref": "transaction reference",
    "currency": "currency",
}


@dataclass(frozen=True)
class Synonyms:
    exact: tuple[str, ...]
    keywords: tuple[str, ...]
    exclude: tuple[str, ...]


@cache
def synonyms() -> dict[str, Synonyms]:
    text = resources.files("anchorkit.data").joinpath("column_synonyms.toml").read_text("utf-8")
    raw = tomllib.loads(text)
    return {
        name: Synonyms(
            tuple(normalise_header(h) for h in raw[name].get("exact", [])),
            tuple(normalise_header(h) for h in raw[name].get("keywords", [])),
            tuple(normalise_header(h) for h in raw[name].get("exclude", [])),
        )
        for name in CANONICAL
    }


def normalise_header(text: object) -> str:
    """Lower case, no accents, only letters and digits separated by single spaces."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


def _contains(header: str, phrase: str) -> bool:
    return f" {phrase} " in f" {header} "


def score(header: str, column: str) -> float:
    """How strongly a normalised header means a canonical column: 0 (not at all) to 4."""
    syn = synonyms()[column]
    if not header:
        return 0.0
    if header in syn.exact:
        return 3.0 + 1.0 - syn.exact.index(header) / len(syn.exact)
    if any(_contains(header, k) for k in syn.keywords) and not any(
        _contains(header, x) for x in syn.exclude
    ):
        return 2.0
    return 0.0


@dataclass
class ColumnMapping:
    """Which column (0-based position) holds each canonical field, and how that was decided."""

    headers: list[str]
    columns: dict[str, int]
    how: str  # "header", "mapping file", "saved mapping", "inferred from content"
    notes: list[str] = field(default_factory=list)

    @property
    def unmapped(self) -> list[int]:
        used = set(self.columns.values())
        return [i for i, h in enumerate(self.headers) if h and i not in used]

    def missing(self) -> list[str]:
        return [c for c in REQUIRED if c not in self.columns]

    def describe(self) -> dict[str, str]:
        return {c: self.headers[i] or f"column {i + 1}" for c, i in self.columns.items()}

    def to_json(self) -> dict[str, Any]:
        return {
            "how": self.how,
            "columns": self.describe(),
            "positions": self.columns,
            "headers": self.headers,
        }


def map_headers(headers: Sequence[object]) -> ColumnMapping:
    """Assign headers to canonical columns, best score first; each header used once."""
    texts = ["" if h is None else str(h).strip() for h in headers]
    normal = [normalise_header(h) for h in texts]
    pairs = sorted(
        (
            (-score(h, column), i, CANONICAL.index(column), column)
            for i, h in enumerate(normal)
            for column in CANONICAL
            if score(h, column) > 0
        ),
    )
    columns: dict[str, int] = {}
    used: set[int] = set()
    for _neg, i, _rank, column in pairs:
        if column in columns or i in used:
            continue
        columns[column] = i
        used.add(i)
    mapping = ColumnMapping(texts, columns, "header")
    for i in mapping.unmapped:
        taken = [c for c in CANONICAL if score(normal[i], c) > 0 and c in columns]
        if taken:
            other = texts[columns[taken[0]]]
            mapping.notes.append(
                f"column {texts[i]!r} also looks like the {LABELS[taken[0]]}, which is read from "
                f"{other!r}; it is kept as extra data"
            )
            continue
        hint = did_you_mean(texts[i])
        mapping.notes.append(
            f"column {texts[i]!r} is kept as extra data"
            + (f" (did you mean {hint}?)" if hint else "")
        )
    return mapping


def header_strength(cells: Sequence[object]) -> int:
    """How many distinct canonical columns a row's cells name: a header row names several."""
    return len(map_headers(cells).columns)


def did_you_mean(header: str) -> str | None:
    """The closest known header, quoted with the column it means, for an unmapped header."""
    norm = normalise_header(header)
    if not norm:
        return None
    known = {h: column for column, syn in synonyms().items() for h in syn.exact}
    close = difflib.get_close_matches(norm, list(known), n=1, cutoff=0.75)
    if not close:
        return None
    return f"'{close[0]}' ({LABELS[known[close[0]]]})"


def require(mapping: ColumnMapping, where: str) -> None:
    """Refuse a mapping without supplier, amount and date, saying what was found instead."""
    missing = mapping.missing()
    if not missing:
        return
    found = ", ".join(repr(h) for h in mapping.headers if h) or "none"
    hints = [
        f"{h!r} might be the {LABELS[c]}"
        for c in missing
        for h in mapping.headers
        if h and (hint := did_you_mean(h)) and LABELS[c] in hint
    ]
    error = MappingError(
        f"{where}: cannot find the {' and '.join(LABELS[c] for c in missing)} column. "
        f"Columns found: {found}. "
        + (" ".join(hints) + ". " if hints else "")
        + "Name the columns in a mapping file and pass it with --mapping (see docs/ingest.md)."
    )
    error.headers, error.recognised = list(mapping.headers), dict(mapping.columns)
    raise error


# --- user mapping files -----------------------------------------------------------------------


@dataclass(frozen=True)
class UserMapping:
    """A mapping file: canonical column -> header text or 1-based column number, plus options."""

    columns: dict[str, str | int]
    header_row: int | None = None
    has_header: bool | None = None
    date_order: str | None = None
    currency: str | None = None

    def apply(self, headers: Sequence[object], how: str) -> ColumnMapping:
        texts = ["" if h is None else str(h).strip() for h in headers]
        normal = [normalise_header(h) for h in texts]
        columns: dict[str, int] = {}
        for column, ref in self.columns.items():
            if isinstance(ref, int):
                if not 1 <= ref <= len(texts):
                    raise MappingError(
                        f"The mapping puts {column} in column {ref}, but the file has "
                        f"{len(texts)} columns."
                    )
                columns[column] = ref - 1
            elif normalise_header(ref) in normal:
                columns[column] = normal.index(normalise_header(ref))
            else:
                hint = difflib.get_close_matches(str(ref), [t for t in texts if t], n=1)
                raise MappingError(
                    f"The mapping names column {ref!r} for {column}, but the file has no such "
                    "header" + (f" (did you mean {hint[0]!r}?)" if hint else "") + "."
                )
        return ColumnMapping(texts, columns, how)

    def to_json(self) -> dict[str, Any]:
        return {
            "columns": dict(self.columns),
            "header_row": self.header_row,
            "has_header": self.has_header,
            "date_order": self.date_order,
            "currency": self.currency,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> UserMapping:
        return cls(
            columns=dict(data["columns"]),
            header_row=data.get("header_row"),
            has_header=data.get("has_header"),
            date_order=data.get("date_order"),
            currency=data.get("currency"),
        )


def read_mapping_toml(
    path: Path, columns_allowed: Sequence[str], what: str
) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The checks every mapping file gets (spend and registry alike): readable TOML, known
    columns, each a header text or a column number, a valid date order.

    Returns the whole TOML, its ``[columns]`` and its ``[options]``.
    """
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MappingError(f"Mapping file {path} does not exist.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"Mapping file {path} is not valid TOML: {exc}.") from exc
    columns = raw.get("columns", {})
    unknown = [c for c in columns if c not in columns_allowed]
    if unknown:
        raise MappingError(
            f"Mapping file {path} names unknown columns {unknown}; "
            f"{what} are: {', '.join(columns_allowed)}."
        )
    for column, ref in columns.items():
        if not isinstance(ref, str | int) or isinstance(ref, bool):
            raise MappingError(
                f"In {path}, {column} must be a header text or a column number, got {ref!r}."
            )
    options = raw.get("options", {})
    if options.get("date_order") not in (None, "dmy", "mdy"):
        raise MappingError(f"In {path}, options.date_order must be 'dmy' or 'mdy'.")
    return raw, columns, options


def load_mapping_file(path: Path) -> UserMapping:
    """Read a mapping TOML file; every problem is reported with the file's name."""
    _raw, columns, options = read_mapping_toml(path, CANONICAL, "anchorkit's columns")
    return UserMapping(
        columns=columns,
        header_row=options.get("header_row"),
        has_header=options.get("has_header"),
        date_order=options.get("date_order"),
        currency=options.get("currency"),
    )

"""A file's column mapping: what was recognised (:mod:`anchorkit.ingest.recognise`), what a
person named (``--map FIELD=HEADER`` or a mapping file), and how it is reported.

A mapping names headers, not positions, wherever the file has headers, so that it still holds
when a later file moves its columns about or puts its header on another row.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anchorkit.errors import MappingError, UncertainMappingError
from anchorkit.ingest.recognise import FIELDS, LABELS, REQUIRED, Recognition

#: anchorkit's columns of a spend line, as a spend file's columns are mapped to them
CANONICAL = FIELDS
__all__ = [
    "CANONICAL",
    "GIVEN",
    "LABELS",
    "RECOGNISED",
    "RECOGNISED_BY_VALUES",
    "REQUIRED",
    "SAVED",
    "ColumnMapping",
    "UserMapping",
    "load_mapping_file",
    "normalise_header",
    "parse_map_options",
    "read_mapping_toml",
    "require",
]
#: How a mapping was decided (ColumnMapping.how)
RECOGNISED = "recognised"
RECOGNISED_BY_VALUES = "recognised by values (no header row)"
GIVEN = "mapping given"
SAVED = "saved layout"


def normalise_header(text: object) -> str:
    """Lower case, no accents, only letters and digits separated by single spaces: how two
    spellings of one header ("Supplier  Name", "supplier_name") are told to be the same."""
    if text is None:
        return ""
    folded = unicodedata.normalize("NFKD", str(text)).encode("ascii", "ignore").decode()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", folded.lower()).split())


@dataclass
class ColumnMapping:
    """Which column (0-based position) holds each canonical field, how that was decided, how
    sure it is (``evidence``: field → (confidence, reason)), and what the other columns are."""

    headers: list[str]
    columns: dict[str, int]
    how: str  # "recognised", "mapping given", "saved layout", "no header: recognised by values"
    notes: list[str] = field(default_factory=list)
    evidence: dict[str, tuple[float, str]] = field(default_factory=dict)
    unused_why: dict[int, str] = field(default_factory=dict)
    samples: list[tuple[str, ...]] = field(default_factory=list)
    money_columns: tuple[int, ...] = ()
    ref_placeholders: tuple[str, ...] = ()
    refs_have_digits: bool = False
    date_period: str | None = None

    @classmethod
    def from_recognition(cls, rec: Recognition, how: str) -> ColumnMapping:
        return cls(
            headers=list(rec.headers),
            columns={f: c.column for f, c in rec.choices.items()},
            how=how,
            evidence={f: (c.confidence, c.reason) for f, c in rec.choices.items()},
            unused_why=dict(rec.unused),
            samples=list(rec.samples),
            money_columns=rec.money_columns,
            ref_placeholders=rec.ref_placeholders,
            refs_have_digits=rec.refs_have_digits,
            date_period=rec.date_period,
        )

    @property
    def unmapped(self) -> list[int]:
        used = set(self.columns.values())
        return [i for i, h in enumerate(self.headers) if h and i not in used]

    def missing(self) -> list[str]:
        return [c for c in REQUIRED if c not in self.columns]

    def name(self, i: int) -> str:
        return (self.headers[i] if i < len(self.headers) else "") or f"column {i + 1}"

    def describe(self) -> dict[str, str]:
        return {c: self.name(i) for c, i in self.columns.items()}

    def confidence(self) -> float:
        """The least sure of the required fields (1 for fields a person named)."""
        return min(
            (self.evidence.get(f, (1.0, ""))[0] if f in self.columns else 0.0) for f in REQUIRED
        )

    def report(self) -> dict[str, Any]:
        """What the ingest says it did: header → field with confidence and reason, and the
        columns left unused (with why)."""
        fields = {
            c: {
                "header": self.name(i),
                "column": i + 1,
                "confidence": self.evidence.get(c, (1.0, ""))[0],
                "reason": self.evidence.get(c, (1.0, "named in the mapping"))[1],
            }
            for c, i in sorted(self.columns.items(), key=lambda t: t[1])
        }
        used = set(self.columns.values())
        unused = [
            {
                "header": self.name(i),
                "column": i + 1,
                "why": self.unused_why.get(i, "kept as extra data"),
            }
            for i in range(len(self.headers))
            if i not in used and (self.headers[i] or i in self.unused_why)
        ]
        return {"how": self.how, "fields": fields, "unused": unused}

    def to_json(self) -> dict[str, Any]:
        return {
            "how": self.how,
            "columns": self.describe(),
            "positions": self.columns,
            "headers": self.headers,
            **{k: v for k, v in self.report().items() if k != "how"},
        }


def mapping_options(mapping: ColumnMapping, fields: Sequence[str]) -> str:
    """The exact ``--map`` options naming the best guess for each field."""
    parts = []
    for f in fields:
        i = mapping.columns.get(f)
        header = mapping.name(i) if i is not None else "HEADER"
        quoted = header if re.fullmatch(r"[\w.-]+", header) else f'"{header}"'
        parts.append(f"--map {f}={quoted}")
    return " ".join(parts)


def require(mapping: ColumnMapping, where: str, min_confidence: float | None = None) -> None:
    """Refuse a mapping without supplier, amount and date, or (when ``min_confidence`` is given)
    one not sure enough of them: the message lists the columns found, three values of each, and
    the exact option to pass."""
    missing = mapping.missing()
    unsure = [
        f
        for f in REQUIRED
        if f in mapping.columns
        and min_confidence is not None
        and mapping.evidence.get(f, (1.0, ""))[0] < min_confidence
    ]
    if not missing and not unsure:
        return
    found = (
        "; ".join(
            f"{mapping.name(i)!r} ({', '.join(repr(v) for v in mapping.samples[i]) or 'empty'})"
            if i < len(mapping.samples)
            else repr(mapping.name(i))
            for i in range(len(mapping.headers))
            if mapping.headers[i] or (i < len(mapping.samples) and mapping.samples[i])
        )
        or "none"
    )
    what = []
    if missing:
        what.append(f"cannot find the {' and '.join(LABELS[c] for c in missing)} column")
    for f in unsure:
        confidence, reason = mapping.evidence[f]
        what.append(
            f"is not sure which column is the {LABELS[f]} (best guess {reason}; "
            f"{confidence:.0%} sure, below ingest.min_confidence {min_confidence:.0%})"
        )
    error_type = MappingError if missing else UncertainMappingError
    error = error_type(
        f"{where}: {'; '.join(what)}. Columns found: {found}. Name the right columns, e.g. "
        f"{mapping_options(mapping, [*missing, *unsure])} (or a mapping file with --mapping; "
        "see docs/ingest.md). The other files still load."
    )
    error.headers, error.recognised = list(mapping.headers), dict(mapping.columns)
    error.samples = [list(s) for s in mapping.samples]
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

    def named_headers(self) -> list[str]:
        """The header texts this mapping names (not its column numbers)."""
        return [str(ref) for ref in self.columns.values() if isinstance(ref, str) and ref.strip()]

    def finds_headers_in(self, cells: Sequence[object]) -> bool:
        """Whether a row holds every header this mapping names (and names one at least)."""
        named = {normalise_header(h) for h in self.named_headers()}
        return bool(named) and named <= {normalise_header(c) for c in cells if c is not None}

    def apply(self, headers: Sequence[object], how: str) -> ColumnMapping:
        texts = ["" if h is None else str(h).strip() for h in headers]
        normal = [normalise_header(h) for h in texts]
        columns: dict[str, int] = {}
        for column, ref in self.columns.items():
            if isinstance(ref, str) and normalise_header(ref) in normal and normalise_header(ref):
                columns[column] = normal.index(normalise_header(ref))
                continue
            number = (
                ref if isinstance(ref, int) else int(ref) if str(ref).strip().isdigit() else None
            )
            if number is not None:
                if not 1 <= number <= len(texts):
                    raise MappingError(
                        f"The mapping puts {column} in column {number}, but the file has "
                        f"{len(texts)} columns."
                    )
                columns[column] = number - 1
                continue
            found = ", ".join(repr(t) for t in texts if t) or "none (the file has no header row)"
            hint = difflib.get_close_matches(str(ref), [t for t in texts if t], n=1)
            error = MappingError(
                f"The mapping names column {ref!r} for {column}, but the file has no such "
                "header"
                + (f" (did you mean {hint[0]!r}?)" if hint else "")
                + f". Headers found: {found}."
            )
            error.headers, error.recognised = texts, {}
            raise error
        if len(set(columns.values())) < len(columns):
            raise MappingError("The mapping names one column for two of anchorkit's columns.")
        return ColumnMapping(
            texts,
            columns,
            how,
            evidence={
                c: (1.0, f"{texts[i] or f'column {i + 1}'!r}: {how}") for c, i in columns.items()
            },
        )

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


def parse_map_options(options: Sequence[str]) -> UserMapping | None:
    """``--map FIELD=HEADER`` options (HEADER may be a 1-based column number) as a mapping."""
    if not options:
        return None
    columns: dict[str, str | int] = {}
    for option in options:
        name, sep, ref = option.partition("=")
        name, ref = name.strip(), ref.strip()
        if not sep or not name or not ref:
            raise MappingError(
                f"--map {option!r}: write FIELD=HEADER, e.g. --map supplier_name=Name "
                '(quote a header with spaces: --map "amount=Net Amount").'
            )
        if name not in CANONICAL:
            raise MappingError(
                f"--map {option!r}: {name!r} is not one of anchorkit's columns, which are: "
                f"{', '.join(CANONICAL)}."
            )
        columns[name] = ref
    return UserMapping(columns=columns)


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

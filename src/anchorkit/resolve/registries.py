"""Registries: lists of certified, owned or member businesses, imported as snapshots.

A supplier only counts as Indigenous-owned, a co-op or a social enterprise when a registry says
so, with the dates it says so. This module loads such lists (the BC Indigenous business
listings, Co-operatives UK's open data, Maryland's MBE/DBE directory, the SME and VCSE flags of
Contracts Finder's OCDS notices...) into ``registry_entry``; linkage later matches suppliers to
entries and copies their tags, with those dates, to ``supplier_tag``.

The guarantees are spend ingest's (see ``anchorkit.ingest.load``), for the same reasons:

* a file is identified by the SHA-256 of its bytes, so importing it again changes nothing;
* everything is written in one transaction: the ``registry_file`` record, the entries and the
  rejected rows land together or not at all;
* every data row is either an entry or a ``registry_rejected_row`` with its raw cells and every
  reason (``rows_read == rows_loaded + rows_rejected``), never dropped silently.

A registry is a snapshot of who is certified *now*, so a newer file of the same registry
replaces all of its entries (the older file's record and rejected rows are kept as history).

The named SQL steps, in order: ``registry_cells`` (each raw row's kind and its cells under the
registry's columns), ``parse_registry_rows`` (typed values, tags and reasons),
``key_registry_rows`` (entry ids and duplicates), then ``record_registry_file``,
``replace_registry_entries``, ``load_registry_entries`` and ``load_registry_rejected_rows``
inside the transaction.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import json
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import pyarrow as pa

from anchorkit.engine import Engine
from anchorkit.errors import (
    AnchorkitError,
    IngestError,
    MappingError,
    NoDataError,
    UnreadableFileError,
)
from anchorkit.ingest import values
from anchorkit.ingest.mapping import normalise_header
from anchorkit.ingest.readers import RAW, RawFile, column_names, drop_raw, read_file
from anchorkit.workspace import Workspace

__all__ = [
    "OCDS_REGISTRY",
    "REGISTRY_COLUMNS",
    "RegistryImportResult",
    "RegistryMapping",
    "RegistrySummary",
    "TagRule",
    "allowed_tags",
    "check_tags",
    "import_ocds_supplier_flags",
    "import_registry",
    "list_registries",
    "load_registry_mapping",
]

#: The registry columns, as named in ``registry_synonyms.toml`` and in mapping files.
REGISTRY_COLUMNS = (
    "name",
    "address",
    "postcode",
    "city",
    "registry_id",
    "certified_on",
    "expires_on",
    "status",
)
#: What a mapping file may name: the registry columns plus the per-row tag column.
MAPPABLE = (*REGISTRY_COLUMNS, "tags")
LABELS = {
    "name": "name",
    "address": "address",
    "postcode": "postcode",
    "city": "city",
    "registry_id": "registry id",
    "certified_on": "certification date",
    "expires_on": "expiry date",
    "status": "status",
    "tags": "tag column",
}
#: Columns that have a typed place in registry_entry; all others are kept in ``extra``.
TYPED = ("name", "address", "postcode", "city", "certified_on", "expires_on")
OCDS_REGISTRY = "contracts-finder"
DEFAULT_SPLIT = "[/;,|]"
SHEET_KEY = "(sheet)"

CELLS = "__anchorkit__reg_cells"
OCDS_ROWS = "__anchorkit__reg_ocds"
TAG_VALUES = "__anchorkit__reg_tag_values"
PARSED = "__anchorkit__reg_parsed"
FINAL = "__anchorkit__reg_final"

_REGISTRY_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")

#: Tests set this to a function that raises on a chosen step, to prove that a crash mid-import
#: leaves the store unchanged. It is called with the name of each write step in the transaction.
FAULT_HOOK: Callable[[str], None] | None = None


# --- results ------------------------------------------------------------------------------------


@dataclass
class RegistryImportResult:
    """What happened to one registry file; ``rows_read == rows_loaded + rows_rejected`` always.

    ``rows_read`` counts data rows only; title, header, blank rows (and, for OCDS, repeated
    or unflagged suppliers) are counted apart in ``rows_skipped``.
    """

    file: str
    registry: str
    file_id: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    already_loaded: bool = False
    error: str | None = None
    format: str | None = None
    tags: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    rows_skipped: dict[str, int] = field(default_factory=dict)
    date_order: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class RegistrySummary:
    """One registry as ``anchorkit registry list`` shows it: its current snapshot and history."""

    registry: str
    entries: int
    expired: int
    tags: dict[str, int]
    files: int
    last_file: str
    last_file_id: str
    last_imported_at: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- the data files: tags, vocabularies, synonyms -----------------------------------------------


def _data(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("anchorkit.data").joinpath(name).read_text("utf-8"))


@cache
def tag_definitions() -> dict[str, str]:
    """Every allowed tag with what it means (``registry_tags.toml``, section ``[tags]``)."""
    return dict(_data("registry_tags.toml")["tags"])


def allowed_tags() -> tuple[str, ...]:
    return tuple(tag_definitions())


def check_tags(tags: Iterable[str], where: str = "--tag") -> list[str]:
    """Tags as stored (lower case, ``-`` read as ``_``), or an error listing the allowed ones.

    Why strict: indicators add up spend per tag across registries, so a typo ("co-op",
    "women") must not become a tag of its own that nobody counts.
    """
    known = allowed_tags()
    clean: list[str] = []
    for tag in tags:
        norm = tag.strip().lower().replace("-", "_").replace(" ", "_")
        if norm not in known:
            close = difflib.get_close_matches(norm, known, n=1, cutoff=0.6)
            raise IngestError(
                f"{where}: {tag!r} is not a tag anchorkit knows"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f". Allowed tags: {', '.join(known)}."
            )
        if norm not in clean:
            clean.append(norm)
    return sorted(clean)


@dataclass(frozen=True)
class TagRule:
    """What one value of a tag column means: tags, and whether the --tag tags stop applying."""

    tags: tuple[str, ...]
    replaces_registry_tags: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """A kind of tag column: the headers it goes by and the meaning of its values."""

    name: str
    headers: tuple[str, ...]
    split: str
    values: Mapping[str, TagRule]


def _tag_rule(spec: object, where: str) -> TagRule:
    if isinstance(spec, list):
        return TagRule(tuple(check_tags([str(t) for t in spec], where)))
    if isinstance(spec, dict) and isinstance(spec.get("tags"), list):
        unknown = set(spec) - {"tags", "replaces_registry_tags"}
        if unknown:
            raise MappingError(f"{where}: unknown keys {sorted(unknown)}.")
        return TagRule(
            tuple(check_tags([str(t) for t in spec["tags"]], where)),
            bool(spec.get("replaces_registry_tags", False)),
        )
    raise MappingError(
        f"{where}: a value must map to a list of tags or to "
        f"{{ tags = [...], replaces_registry_tags = true }}, not {spec!r}."
    )


def _tag_rules(table: Mapping[str, object], where: str) -> dict[str, TagRule]:
    return {
        normalise_header(value): _tag_rule(spec, f"{where} value {value!r}")
        for value, spec in table.items()
    }


@cache
def vocabularies() -> dict[str, Vocabulary]:
    """The tag-column vocabularies of ``registry_tags.toml``, by name."""
    found: dict[str, Vocabulary] = {}
    for raw in _data("registry_tags.toml").get("vocabulary", []):
        name = str(raw["name"])
        found[name] = Vocabulary(
            name=name,
            headers=tuple(normalise_header(h) for h in raw["headers"]),
            split=str(raw.get("split", DEFAULT_SPLIT)),
            values=_tag_rules(raw.get("values", {}), f"registry_tags.toml [{name}]"),
        )
    return found


def _vocabulary_for(header: str) -> Vocabulary | None:
    norm = normalise_header(header)
    return next((v for v in vocabularies().values() if norm in v.headers), None)


@dataclass(frozen=True)
class _Synonyms:
    exact: tuple[str, ...]
    keywords: tuple[str, ...]
    exclude: tuple[str, ...]


@cache
def _synonyms() -> dict[str, _Synonyms]:
    raw = _data("registry_synonyms.toml")
    return {
        column: _Synonyms(
            tuple(normalise_header(h) for h in raw[column].get("exact", [])),
            tuple(normalise_header(h) for h in raw[column].get("keywords", [])),
            tuple(normalise_header(h) for h in raw[column].get("exclude", [])),
        )
        for column in REGISTRY_COLUMNS
    }


@cache
def ended_statuses() -> tuple[str, ...]:
    """Status values saying a certification or membership has ended (normalised)."""
    return tuple(normalise_header(s) for s in _data("registry_synonyms.toml")["status"]["ended"])


# --- registry names and mapping files -----------------------------------------------------------


def check_registry_name(registry: str) -> str:
    """A registry's name is its key in every table and in ``supplier_tag.source``: keep it plain."""
    name = registry.strip().lower()
    if not _REGISTRY_NAME.match(name):
        suggestion = re.sub(r"[^a-z0-9._-]+", "-", name).strip("-._") or "my-registry"
        raise IngestError(
            f"{registry!r} cannot be a registry name: use lower-case letters, digits, '-', '_' "
            f"or '.', at most 64 characters, e.g. {suggestion[:64]!r}."
        )
    return name


@dataclass(frozen=True)
class RegistryMapping:
    """A registry mapping file: column -> header text or 1-based column number, plus options.

    ``tag_values`` adds or overrides values of the tag column's vocabulary, for this file.
    """

    columns: Mapping[str, str | int] = field(default_factory=dict)
    header_row: int | None = None
    has_header: bool | None = None
    date_order: str | None = None
    tag_vocabulary: str | None = None
    tag_split: str | None = None
    tag_values: Mapping[str, TagRule] = field(default_factory=dict)


def load_registry_mapping(path: Path) -> RegistryMapping:
    """Read a registry mapping TOML; every problem is reported with the file's name."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise MappingError(f"Mapping file {path} does not exist.") from exc
    except tomllib.TOMLDecodeError as exc:
        raise MappingError(f"Mapping file {path} is not valid TOML: {exc}.") from exc
    columns = raw.get("columns", {})
    unknown = [c for c in columns if c not in MAPPABLE]
    if unknown:
        raise MappingError(
            f"Mapping file {path} names unknown columns {unknown}; registry columns are: "
            f"{', '.join(MAPPABLE)}."
        )
    for column, ref in columns.items():
        if not isinstance(ref, str | int) or isinstance(ref, bool):
            raise MappingError(
                f"In {path}, {column} must be a header text or a column number, got {ref!r}."
            )
    options = raw.get("options", {})
    date_order = options.get("date_order")
    if date_order not in (None, "dmy", "mdy"):
        raise MappingError(f"In {path}, options.date_order must be 'dmy' or 'mdy'.")
    vocabulary = options.get("tag_vocabulary")
    if vocabulary is not None and vocabulary not in vocabularies():
        raise MappingError(
            f"In {path}, options.tag_vocabulary {vocabulary!r} is not in registry_tags.toml; "
            f"known: {', '.join(vocabularies())}."
        )
    split = options.get("tag_split")
    if split is not None:
        try:
            re.compile(split)
        except re.error as exc:
            raise MappingError(
                f"In {path}, options.tag_split is not a regular expression: {exc}."
            ) from exc
    return RegistryMapping(
        columns=dict(columns),
        header_row=options.get("header_row"),
        has_header=options.get("has_header"),
        date_order=date_order,
        tag_vocabulary=vocabulary,
        tag_split=split,
        tag_values=_tag_rules(raw.get("tag_values", {}), f"In {path}, [tag_values]"),
    )


# --- headers ------------------------------------------------------------------------------------


def _contains(header: str, phrase: str) -> bool:
    return f" {phrase} " in f" {header} "


def header_score(header: str, column: str) -> float:
    """How strongly a normalised header means a registry column: 0 (not at all) to 4."""
    syn = _synonyms()[column]
    if not header:
        return 0.0
    if header in syn.exact:
        return 4.0 - syn.exact.index(header) / len(syn.exact)
    if any(_contains(header, k) for k in syn.keywords) and not any(
        _contains(header, x) for x in syn.exclude
    ):
        return 2.0
    return 0.0


@dataclass
class _Plan:
    """How one sheet is read: its header row and which raw column holds what."""

    sheet: str | None
    header_row: int  # 0: the sheet has no header row (a mapping gave column numbers)
    labels: list[str]  # a unique label per raw column, for extra / raw_cells
    named: list[bool]  # whether the column had a header (unnamed columns stay out of extra)
    columns: dict[str, int]  # registry column -> 0-based raw column
    tag_column: int | None = None
    vocabulary: Vocabulary | None = None
    header_texts: dict[int, str] = field(default_factory=dict)


def _labels(cells: Sequence[str | None], width: int) -> tuple[list[str], list[bool]]:
    labels: list[str] = []
    named: list[bool] = []
    seen: Counter[str] = Counter()
    for i in range(width):
        text = (cells[i] or "").strip() if i < len(cells) else ""
        base = text or f"column {i + 1}"
        seen[base] += 1
        labels.append(base if seen[base] == 1 else f"{base} ({seen[base]})")
        named.append(bool(text))
    return labels, named


def _auto_columns(cells: Sequence[str | None], taken: Mapping[str, int]) -> dict[str, int]:
    """Assign headers to registry columns, best score first; each header used once."""
    normal = [normalise_header(c) for c in cells]
    used = set(taken.values())
    pairs = sorted(
        (-header_score(h, column), i, REGISTRY_COLUMNS.index(column), column)
        for i, h in enumerate(normal)
        for column in REGISTRY_COLUMNS
        if column not in taken and i not in used and header_score(h, column) > 0
    )
    columns = dict(taken)
    for _neg, i, _rank, column in pairs:
        if column in columns or i in used:
            continue
        columns[column] = i
        used.add(i)
    return columns


def _tag_column(
    cells: Sequence[str | None], used: Iterable[int], mapping: RegistryMapping | None
) -> tuple[int | None, Vocabulary | None]:
    """The first column whose header is a known tag column (mapping files may name another)."""
    skip = set(used)
    for i, cell in enumerate(cells):
        vocabulary = _vocabulary_for(cell or "")
        if vocabulary is not None and i not in skip:
            return i, vocabulary
    if mapping is not None and mapping.tag_vocabulary:
        return None, vocabularies()[mapping.tag_vocabulary]
    return None, None


def _resolve_ref(
    ref: str | int, column: str, cells: Sequence[str | None], width: int, where: str
) -> int:
    """A mapping file's reference (header text or 1-based number) as a 0-based column."""
    if isinstance(ref, int):
        if not 1 <= ref <= width:
            raise MappingError(
                f"{where}: the mapping puts {column} in column {ref}, but the file has {width} "
                "columns."
            )
        return ref - 1
    normal = [normalise_header(c) for c in cells]
    if normalise_header(ref) in normal:
        return normal.index(normalise_header(ref))
    texts = [c for c in cells if c]
    hint = difflib.get_close_matches(ref, texts, n=1)
    raise MappingError(
        f"{where}: the mapping names column {ref!r} for {column}, but the header row has no such "
        "header" + (f" (did you mean {hint[0]!r}?)" if hint else "") + "."
    )


def _plan_for_row(
    sheet: str | None,
    header_row: int,
    cells: Sequence[str | None],
    width: int,
    mapping: RegistryMapping | None,
    where: str,
) -> _Plan:
    """Read one header row: the mapping file's columns first, then the synonyms for the rest."""
    refs = dict(mapping.columns) if mapping else {}
    tag_ref = refs.pop("tags", None)
    fixed = {c: _resolve_ref(r, c, cells, width, where) for c, r in refs.items()}
    columns = _auto_columns(cells, fixed) if header_row else fixed
    tag_column: int | None
    vocabulary: Vocabulary | None
    if tag_ref is not None:
        tag_column = _resolve_ref(tag_ref, "tags", cells, width, where)
        if mapping is not None and mapping.tag_vocabulary:
            vocabulary = vocabularies()[mapping.tag_vocabulary]
        else:
            vocabulary = _vocabulary_for(cells[tag_column] or "") if header_row else None
    else:
        tag_column, vocabulary = _tag_column(cells if header_row else [], columns.values(), mapping)
    labels, named = _labels(cells if header_row else [], width)
    texts = {i: str(cells[i]).strip() for i in columns.values() if header_row and cells[i]}
    return _Plan(sheet, header_row, labels, named, columns, tag_column, vocabulary, texts)


def _strength(plan: _Plan) -> int:
    return len(plan.columns) + (1 if plan.tag_column is not None else 0)


def _head(
    engine: Engine, raw: RawFile, sheet: str | None, rows: int
) -> list[tuple[int, list[str | None]]]:
    cols = ", ".join(column_names(raw.width))
    found = engine.query(
        "registry_head",
        f"SELECT source_row, {cols} FROM {RAW} WHERE sheet IS NOT DISTINCT FROM ? "
        f"ORDER BY source_row LIMIT {int(rows)}",
        [sheet],
    )
    return [(int(r[0]), list(r[1:])) for r in found]


def _plan_sheet(
    engine: Engine,
    raw: RawFile,
    sheet: str | None,
    search_rows: int,
    mapping: RegistryMapping | None,
    where: str,
) -> _Plan | None:
    """The header row of a sheet: the mapping file's, else the row naming the most columns.

    A row counts only if it names the name column; among those the strongest wins and ties go
    to the first, so a title row above the header ("BC Indigenous Business Listings") is
    skipped as a title.
    """
    if mapping is not None and mapping.has_header is False:
        return _plan_for_row(sheet, 0, [], raw.width, mapping, where)
    head = _head(engine, raw, sheet, search_rows)
    if mapping is not None and mapping.header_row:
        cells = next((c for n, c in head if n == mapping.header_row), None)
        if cells is None:
            raise MappingError(f"{where}: the mapping's header_row {mapping.header_row} is empty.")
        return _plan_for_row(sheet, mapping.header_row, cells, raw.width, mapping, where)
    texts = [r for r in (mapping.columns.values() if mapping else []) if isinstance(r, str)]
    best: _Plan | None = None
    for number, cells in head:
        normal = {normalise_header(c) for c in cells}
        if texts and not all(normalise_header(t) in normal for t in texts):
            continue
        plan = _plan_for_row(sheet, number, cells, raw.width, mapping, where)
        if "name" in plan.columns and (best is None or _strength(plan) > _strength(best)):
            best = plan
    return best


def _plan_file(
    engine: Engine, raw: RawFile, search_rows: int, mapping: RegistryMapping | None, where: str
) -> list[_Plan]:
    plans = [
        p
        for sheet in raw.sheets
        if (p := _plan_sheet(engine, raw, sheet, search_rows, mapping, where)) is not None
    ]
    if not plans:
        first = _head(engine, raw, raw.sheets[0], 1)
        found = ", ".join(repr(c) for c in (first[0][1] if first else []) if c) or "none"
        raise MappingError(
            f"{where}: cannot find the name column in the first {search_rows} rows. First row: "
            f"{found}. Name the columns in a mapping file and pass it with --mapping "
            "(see docs/registries.md)."
        )
    return plans


# --- SQL fragments ------------------------------------------------------------------------------


def _lit(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _list_lit(items: Sequence[str]) -> str:
    return "[" + ", ".join(_lit(i) for i in items) + "]::VARCHAR[]"


def _per_sheet(plans: Sequence[_Plan], pick: Callable[[_Plan], str]) -> str:
    """One expression when every sheet reads alike, else a CASE on the sheet."""
    picks = [pick(p) for p in plans]
    if len(set(picks)) == 1 and len(plans) == 1:
        return picks[0]
    whens = " ".join(
        f"WHEN sheet IS NOT DISTINCT FROM {_lit(p.sheet)} THEN {x}"
        for p, x in zip(plans, picks, strict=True)
    )
    return f"CASE {whens} END"


def _cell(plan: _Plan, column: str) -> str:
    i = plan.columns.get(column)
    return "NULL::VARCHAR" if i is None else f"c{i + 1}"


def _column_sql(plans: Sequence[_Plan], column: str) -> str:
    return _per_sheet(plans, lambda p: _cell(p, column))


def _json_of(pairs: Sequence[tuple[str, str]]) -> str:
    if not pairs:
        return "NULL::JSON"
    return "json_object(" + ", ".join(f"{_lit(k)}, {v}" for k, v in pairs) + ")"


def _extra_json(plan: _Plan, with_sheet: bool) -> str:
    """Cells without a typed place in registry_entry (trading name, registry id, tags, ...)."""
    typed = {plan.columns[c] for c in TYPED if c in plan.columns}
    pairs = [
        (plan.labels[i], f"c{i + 1}")
        for i in range(len(plan.labels))
        if i not in typed and (plan.named[i] or plan.header_row == 0)
    ]
    if with_sheet:
        pairs.insert(0, (SHEET_KEY, "sheet"))
    return _json_of(pairs)


def _raw_json(plan: _Plan, with_sheet: bool) -> str:
    pairs = [(plan.labels[i], f"c{i + 1}") for i in range(len(plan.labels))]
    if with_sheet:
        pairs.insert(0, (SHEET_KEY, "sheet"))
    return _json_of(pairs)


def _kind_sql(plans: Sequence[_Plan], width: int) -> str:
    """Each raw row's kind: title (above the header), header (or a repeat of it), blank, data."""
    blank = " AND ".join(f"coalesce(trim(c{i}), '') = ''" for i in range(1, width + 1))

    def repeat(plan: _Plan) -> str:
        if not plan.header_texts:
            return "false"
        return " AND ".join(
            f"coalesce(lower(trim(c{i + 1})), '') = {_lit(t.lower())}"
            for i, t in plan.header_texts.items()
        )

    whens = " ".join(
        f"WHEN sheet IS NOT DISTINCT FROM {_lit(p.sheet)} THEN CASE "
        f"WHEN source_row < {p.header_row} THEN 'title' "
        f"WHEN source_row = {p.header_row} OR ({repeat(p)}) THEN 'header' "
        f"WHEN {blank} THEN 'blank' ELSE 'data' END"
        for p in plans
    )
    return f"CASE {whens} ELSE 'no_header' END"


def _norm_sql(col: str) -> str:
    """SQL twin of ``normalise_header``, for cell values looked up in the vocabularies."""
    return f"trim(regexp_replace(lower(strip_accents({col})), '[^a-z0-9]+', ' ', 'g'))"


# --- the shared pipeline: cells -> parsed -> keyed -> loaded ------------------------------------


def _register_tag_values(
    engine: Engine, plans: Sequence[_Plan], mapping: RegistryMapping | None
) -> None:
    """The vocabularies in use (plus the mapping's own values) as a small lookup table."""
    rows: dict[tuple[str, str], TagRule] = {}
    for plan in plans:
        if plan.tag_column is None:
            continue
        vocab = plan.vocabulary.name if plan.vocabulary else ""
        if plan.vocabulary is not None:
            rows.update({(vocab, v): r for v, r in plan.vocabulary.values.items()})
        if mapping is not None:
            rows.update({(vocab, v): r for v, r in mapping.tag_values.items()})
    table = pa.table(
        {
            "vocabulary": pa.array([k[0] for k in rows], pa.string()),
            "value": pa.array([k[1] for k in rows], pa.string()),
            "tags": pa.array([list(r.tags) for r in rows.values()], pa.list_(pa.string())),
            "replaces": pa.array([r.replaces_registry_tags for r in rows.values()], pa.bool_()),
        }
    )
    engine.register(TAG_VALUES, table)


def _parse(engine: Engine, file_tags: Sequence[str], order: str) -> None:
    """Typed values, tags and every reason a data row cannot be an entry, in one pass."""
    ended = ", ".join(_lit(s) for s in ended_statuses())
    cert, expiry = "certified_on", "expires_on"
    no_tag = (
        "'no tag: ' || CASE "
        "WHEN tag_text IS NULL OR trim(tag_text) = '' THEN 'no --tag was given and the tag column is empty' "
        "WHEN coalesce(replaces, false) THEN '''' || trim(tag_text) || ''' replaces the registry''s tags with none' "
        "ELSE 'no --tag was given and ''' || trim(tag_text) || ''' is not in registry_tags.toml' END"
    )
    engine.run(
        "parse_registry_rows",
        f"""
        CREATE OR REPLACE TEMP TABLE {PARSED} AS
        WITH cells AS (SELECT * FROM {CELLS} WHERE kind = 'data'),
        parts AS (
            SELECT sheet, source_row, tag_vocab, trim(part) AS part, {_norm_sql("part")} AS value
            FROM (
                SELECT sheet, source_row, tag_vocab,
                       unnest(regexp_split_to_array(tag_text, tag_split)) AS part
                FROM cells WHERE tag_text IS NOT NULL
            )
            WHERE {_norm_sql("part")} <> ''
        ),
        looked_up AS (
            SELECT p.sheet, p.source_row,
                   flatten(list(v.tags) FILTER (WHERE v.tags IS NOT NULL)) AS value_tags,
                   bool_and(coalesce(v.replaces, false)) AS replaces,
                   list(p.part) FILTER (WHERE v.value IS NULL) AS unknown
            FROM parts p LEFT JOIN {TAG_VALUES} v
              ON v.vocabulary = coalesce(p.tag_vocab, '') AND v.value = p.value
            GROUP BY p.sheet, p.source_row
        ),
        typed AS (
            SELECT c.*, l.value_tags, l.replaces, l.unknown,
                nullif(trim(c.name), '') AS name_value,
                {values.date_sql(cert, order)} AS certified_value,
                {values.date_sql(expiry, order)} AS expires_value,
                coalesce(trim({cert}), '') = '' AS no_cert,
                coalesce(trim({expiry}), '') = '' AS no_expiry,
                coalesce({_norm_sql("status")} IN ({ended or "NULL"}), false) AS ended
            FROM cells c LEFT JOIN looked_up l
              ON l.sheet IS NOT DISTINCT FROM c.sheet AND l.source_row = c.source_row
        ),
        tagged AS (
            SELECT *, list_sort(list_distinct(
                CASE WHEN coalesce(replaces, false) THEN []::VARCHAR[] ELSE {_list_lit(file_tags)} END
                || coalesce(value_tags, []::VARCHAR[]) || coalesce(row_tags, []::VARCHAR[])
            )) AS tags
            FROM typed
        )
        SELECT sheet, source_row, name_value AS name,
            nullif(trim(address), '') AS address,
            nullif(upper(regexp_replace(trim(postcode), '\\s+', ' ', 'g')), '') AS postcode,
            nullif(trim(city), '') AS city,
            nullif(trim(registry_id), '') AS registry_id,
            certified_value AS certified_on, expires_value AS expires_on,
            tags, unknown, extra, raw_cells,
            list_filter([
                CASE WHEN name_value IS NULL THEN 'name is empty' END,
                CASE WHEN NOT no_cert AND certified_value IS NULL
                     THEN 'certification ' || {values.date_problem_sql(cert, order)} END,
                CASE WHEN NOT no_expiry AND expires_value IS NULL
                     THEN 'expiry ' || {values.date_problem_sql(expiry, order)} END,
                CASE WHEN expires_value < certified_value
                     THEN 'expiry date ''' || expires_value || ''' is before the certification date '''
                          || certified_value || '''' END,
                CASE WHEN ended AND no_expiry
                     THEN 'status ''' || trim(status) || ''' says it has ended, but the expiry '
                          || '(or dissolved) date is empty' END,
                CASE WHEN len(tags) = 0 THEN {no_tag} END
            ], lambda x: x IS NOT NULL) AS problems
        FROM tagged
        """,
    )


def _key(engine: Engine) -> None:
    """Entry ids, and duplicates among the rows that are otherwise good.

    The registry id is the entry id when it is present and unique in the file (so linkage can
    match it exactly and a newer snapshot keeps the same id); otherwise a stable hash of the
    name and postcode (or city, for registries without postcodes). Two good rows with the same
    hash are the same business listed twice: the later one is rejected, naming the first.
    """
    place = "coalesce(upper(replace(postcode, ' ', '')), 'city:' || lower(city), '')"
    key = f"lower(regexp_replace(coalesce(name, ''), '\\s+', ' ', 'g')) || '|' || {place}"
    engine.run(
        "key_registry_rows",
        f"""
        CREATE OR REPLACE TEMP TABLE {FINAL} AS
        WITH counted AS (
            SELECT *, count(*) OVER (PARTITION BY registry_id) AS id_rows FROM {PARSED}
        ), keyed AS (
            SELECT *, CASE WHEN registry_id IS NOT NULL AND id_rows = 1 THEN registry_id
                           ELSE 'h-' || left(sha256({key}), 16) END AS entry_id
            FROM counted
        ), good AS (
            SELECT sheet, source_row,
                row_number() OVER w AS copy, first_value(source_row) OVER w AS first_row
            FROM keyed WHERE len(problems) = 0
            WINDOW w AS (PARTITION BY entry_id ORDER BY sheet NULLS FIRST, source_row)
        )
        SELECT k.*,
            CASE WHEN len(k.problems) > 0 THEN k.problems
                 WHEN g.copy > 1 THEN ['duplicate: same name and '
                      || CASE WHEN k.postcode IS NOT NULL THEN 'postcode'
                              WHEN k.city IS NOT NULL THEN 'city' ELSE 'no place' END
                      || ' as row ' || g.first_row] END AS reasons
        FROM keyed k LEFT JOIN good g
          ON g.sheet IS NOT DISTINCT FROM k.sheet AND g.source_row = k.source_row
        """,
    )


def _date_order(
    engine: Engine, ws: Workspace, mapping: RegistryMapping | None, has_dates: bool
) -> tuple[str, str | None]:
    """Day- or month-first, once for the file, from all its date cells (as spend ingest does)."""
    default = str(ws.settings["ingest.date_order"])
    if mapping is not None and mapping.date_order:
        return mapping.date_order, f"dates read as {mapping.date_order} (mapping file)"
    if not has_dates:
        return default, None
    row = engine.query_one(
        "registry_date_evidence",
        f"SELECT {values.date_order_evidence_sql('d')} FROM ("
        f"SELECT certified_on AS d FROM {CELLS} WHERE kind = 'data' "
        f"UNION ALL SELECT expires_on FROM {CELLS} WHERE kind = 'data')",
    )
    iso, dmy, mdy, total = (int(v or 0) for v in row)
    if iso and iso == total:
        return default, f"dates: all {iso} year-first (ISO), no day/month order needed"
    order, explanation = values.decide_date_order(iso, dmy, mdy, default)
    return order, f"dates: {explanation}"


def _fault(step: str) -> None:
    if FAULT_HOOK is not None:
        FAULT_HOOK(step)


def _summarise_reasons(engine: Engine) -> list[tuple[str, int]]:
    """Rejection reasons with their counts, cell values blanked so alike reasons group."""
    rows = engine.query(
        "registry_reason_counts",
        f"SELECT regexp_replace(reason, '''[^'']*''', '''…''', 'g') AS r, count(*) AS n "
        f"FROM (SELECT unnest(reasons) AS reason FROM {FINAL} WHERE reasons IS NOT NULL) "
        "GROUP BY r ORDER BY n DESC, r LIMIT 8",
    )
    return [(str(r), int(n)) for r, n in rows]


def _finish(
    ws: Workspace,
    path: Path,
    file_tags: Sequence[str],
    order: str,
    result: RegistryImportResult,
) -> None:
    """Parse, key, check the ledger, and write everything in one transaction."""
    engine = ws.engine
    _parse(engine, file_tags, order)
    _key(engine)
    loaded, rejected = (
        int(n)
        for n in engine.query_one(
            "count_registry_outcomes",
            f"SELECT count(*) FILTER (WHERE reasons IS NULL), "
            f"count(*) FILTER (WHERE reasons IS NOT NULL) FROM {FINAL}",
        )
    )
    result.rows_loaded, result.rows_rejected = loaded, rejected
    if result.rows_read != loaded + rejected:  # the ledger's promise
        raise IngestError(
            f"{path.name}: {result.rows_read} data rows but {loaded} loaded and {rejected} "
            "rejected; nothing was written. Please report this file."
        )
    reasons = _summarise_reasons(engine)
    if loaded == 0:
        top = "; ".join(f"{n} × {r}" for r, n in reasons) or "no data rows"
        raise IngestError(
            f"{path.name}: no row could be used ({top}), so registry {result.registry!r} keeps "
            "its current entries. Fix the file (or the --tag / --mapping) and import it again."
        )
    result.notes.extend(_notes(engine, reasons))
    _load(ws, path, result)


def _notes(engine: Engine, reasons: Sequence[tuple[str, int]]) -> list[str]:
    notes: list[str] = []
    unknown = engine.query(
        "registry_unknown_tag_values",
        f"SELECT v, count(*) AS n FROM (SELECT unnest(unknown) AS v FROM {FINAL}) "
        "GROUP BY v ORDER BY n DESC, v LIMIT 6",
    )
    if unknown:
        shown = ", ".join(f"{v!r} ({n})" for v, n in unknown[:5])
        notes.append(
            f"tag column values not in registry_tags.toml add no tag: {shown}"
            + (" and more" if len(unknown) > 5 else "")
            + "; add them there or in the mapping's [tag_values]"
        )
    (repeated,) = engine.query_one(
        "registry_repeated_ids",
        f"SELECT count(DISTINCT registry_id) FROM {FINAL} WHERE id_rows > 1 AND registry_id IS NOT NULL",
    )
    if repeated:
        notes.append(
            f"{repeated} registry ids appear on more than one row; those rows are keyed by name "
            "and postcode instead (the id stays in extra)"
        )
    if reasons:
        notes.append("rejected: " + "; ".join(f"{n} × {r}" for r, n in reasons))
    return notes


def _load(ws: Workspace, path: Path, result: RegistryImportResult) -> None:
    """The file's record, the registry's new snapshot and its rejected rows: all or nothing."""
    engine = ws.engine
    previous = engine.query(
        "previous_registry_snapshot",
        "SELECT count(*), any_value(f.name), any_value(f.imported_at) FROM registry_entry e "
        "JOIN registry_file f USING (file_id) WHERE e.registry = ?",
        [result.registry],
    )
    replaced, old_name, old_at = previous[0]
    with engine.transaction():
        _fault("registry_file")
        engine.run(
            "record_registry_file",
            "INSERT INTO registry_file (file_id, registry, name, rows_read, rows_loaded, "
            "rows_rejected) VALUES (?, ?, ?, ?, ?, ?)",
            [
                result.file_id,
                result.registry,
                path.name,
                result.rows_read,
                result.rows_loaded,
                result.rows_rejected,
            ],
        )
        _fault("replace")
        engine.run(
            "replace_registry_entries",
            "DELETE FROM registry_entry WHERE registry = ?",
            [result.registry],
        )
        _fault("registry_entry")
        engine.run(
            "load_registry_entries",
            f"""
            INSERT INTO registry_entry (registry, entry_id, name, address, postcode, city, tags,
                certified_on, expires_on, file_id, source_row, extra)
            SELECT ?, entry_id, name, address, postcode, city, tags, certified_on, expires_on, ?,
                source_row, extra
            FROM {FINAL} WHERE reasons IS NULL
            """,
            [result.registry, result.file_id],
        )
        _fault("registry_rejected_row")
        engine.run(
            "load_registry_rejected_rows",
            f"INSERT INTO registry_rejected_row (file_id, registry, source_row, raw_cells, reasons) "
            f"SELECT ?, ?, source_row, raw_cells, reasons FROM {FINAL} WHERE reasons IS NOT NULL",
            [result.file_id, result.registry],
        )
        _fault("commit")
    if replaced:
        when = old_at.strftime("%Y-%m-%d %H:%M") if isinstance(old_at, dt.datetime) else old_at
        result.notes.append(
            f"replaced the registry's {replaced:,} entries from {old_name} (imported {when}); "
            f"that file's record is kept"
        )


def _drop_work(engine: Engine) -> None:
    """Free the temporary tables of the last import, whatever happened to it."""
    drop_raw(engine)
    for view in (CELLS,):
        engine.run("drop_registry_work", f"DROP VIEW IF EXISTS {view}")
    for table in (PARSED, FINAL):
        engine.run("drop_registry_work", f"DROP TABLE IF EXISTS {table}")
    for name in (TAG_VALUES, OCDS_ROWS):
        try:
            engine.unregister(name)
        except Exception:  # not registered on this path
            pass


# --- entry points -------------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(1 << 24):
                digest.update(chunk)
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot open the file ({exc.strerror}).") from exc
    return digest.hexdigest()


def _already_imported(ws: Workspace, path: Path, result: RegistryImportResult) -> bool:
    """Same bytes, same registry: a no-op. Same bytes under another registry: an error."""
    rows = ws.engine.query(
        "find_registry_file",
        "SELECT registry, rows_read, rows_loaded, rows_rejected FROM registry_file "
        "WHERE file_id = ?",
        [result.file_id],
    )
    if not rows:
        return False
    owner, read, loaded, rejected = rows[0]
    if owner != result.registry:
        raise IngestError(
            f"{path.name}: these exact bytes were already imported as registry {owner!r}, not "
            f"{result.registry!r}."
        )
    result.rows_read, result.rows_loaded, result.rows_rejected = read, loaded, rejected
    result.already_loaded = True
    result.notes.append("already imported (same SHA-256): nothing changed")
    return True


def _looks_like_json(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError:
        return False  # the reader will say why it cannot open it
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))


def import_registry(
    ws: Workspace,
    path: Path | str,
    registry: str,
    tags: Sequence[str],
    mapping: RegistryMapping | None = None,
) -> RegistryImportResult:
    """Import one registry file (CSV/TSV/XLSX/XLS, or an OCDS JSON package) as a snapshot.

    Bad arguments (an unknown tag, a bad registry name) raise ``IngestError`` at once; a file
    that cannot be imported comes back with ``error`` set and the store unchanged, as
    ``ingest_files`` does for spend. A JSON file is read as an OCDS release package: see
    :func:`import_ocds_supplier_flags`.
    """
    path = Path(path)
    name = check_registry_name(registry)
    file_tags = check_tags(tags)
    if _looks_like_json(path):
        if file_tags or mapping is not None:
            raise IngestError(
                f"{path.name} is JSON, which is read as an OCDS package: its tags come from each "
                "supplier's SME and VCSE flags, so --tag and --mapping do not apply. Import it "
                "without them."
            )
        return import_ocds_supplier_flags(ws, path, registry=name)
    result = RegistryImportResult(file=str(path), registry=name, tags=file_tags)
    try:
        result.file_id = _sha256(path)
        if not _already_imported(ws, path, result):
            _import_table(ws, path, file_tags, mapping, result)
    except AnchorkitError as exc:
        result.error = str(exc)
    finally:
        _drop_work(ws.engine)
    return result


def _import_table(
    ws: Workspace,
    path: Path,
    file_tags: Sequence[str],
    mapping: RegistryMapping | None,
    result: RegistryImportResult,
) -> None:
    engine = ws.engine
    raw = read_file(engine, path)
    result.format = raw.format
    plans = _plan_file(
        engine, raw, int(ws.settings["ingest.header_search_rows"]), mapping, path.name
    )
    if not file_tags and all(p.tag_column is None for p in plans):
        raise IngestError(
            f"{path.name}: give at least one --tag (what the registry certifies) or a tag column; "
            f"allowed tags: {', '.join(allowed_tags())}."
        )
    result.columns = {
        c: plans[0].labels[i] for c, i in sorted(plans[0].columns.items(), key=lambda x: x[1])
    }
    if plans[0].tag_column is not None:
        vocab = plans[0].vocabulary.name if plans[0].vocabulary else "the mapping's [tag_values]"
        result.columns["tags"] = plans[0].labels[plans[0].tag_column]
        result.notes.append(
            f"per-row tags from column {result.columns['tags']!r} (vocabulary: {vocab})"
        )
    skipped = [s for s in raw.sheets if s not in {p.sheet for p in plans}]
    if skipped:
        result.notes.append(f"sheets without a header row, skipped: {skipped}")
    _register_tag_values(engine, plans, mapping)
    _cells_view(engine, raw, plans, mapping)
    counts = dict(
        engine.query("count_registry_kinds", f"SELECT kind, count(*) FROM {CELLS} GROUP BY kind")
    )
    result.rows_read = int(counts.pop("data", 0))
    result.rows_skipped = {k: int(v) for k, v in sorted(counts.items())}
    if result.rows_read == 0:
        raise NoDataError(f"{path.name}: the file has a header row but no data rows.")
    has_dates = any(c in p.columns for p in plans for c in ("certified_on", "expires_on"))
    order, explanation = _date_order(engine, ws, mapping, has_dates)
    if explanation:
        result.date_order = order
        result.notes.append(explanation)
    _finish(ws, path, file_tags, order, result)


def _cells_view(
    engine: Engine, raw: RawFile, plans: Sequence[_Plan], mapping: RegistryMapping | None
) -> None:
    """Every raw row with its kind and its cells under the registry columns; nothing copied."""
    with_sheet = any(s is not None for s in raw.sheets)
    own_split = mapping.tag_split if mapping else None

    def tag_cell(p: _Plan) -> str:
        return "NULL::VARCHAR" if p.tag_column is None else f"c{p.tag_column + 1}"

    def tag_vocab(p: _Plan) -> str:
        return _lit(p.vocabulary.name if p.vocabulary else "")

    def tag_split(p: _Plan) -> str:
        return _lit(own_split or (p.vocabulary.split if p.vocabulary else DEFAULT_SPLIT))

    def extra(p: _Plan) -> str:
        return _extra_json(p, with_sheet)

    def raw_cells(p: _Plan) -> str:
        return _raw_json(p, with_sheet)

    columns = ", ".join(f"{_column_sql(plans, c)} AS {c}" for c in REGISTRY_COLUMNS)
    engine.run(
        "registry_cells",
        f"""
        CREATE OR REPLACE TEMP VIEW {CELLS} AS
        SELECT sheet, source_row, {_kind_sql(plans, raw.width)} AS kind, {columns},
            {_per_sheet(plans, tag_cell)} AS tag_text,
            {_per_sheet(plans, tag_vocab)} AS tag_vocab,
            {_per_sheet(plans, tag_split)} AS tag_split,
            NULL::VARCHAR[] AS row_tags,
            {_per_sheet(plans, extra)} AS extra,
            {_per_sheet(plans, raw_cells)} AS raw_cells
        FROM {RAW}
        """,
    )


# --- OCDS: Contracts Finder's SME and VCSE flags ------------------------------------------------

#: OCDS ``details.scale`` values (partyScale codelist and Contracts Finder's) that mean an SME.
SME_SCALES = frozenset({"sme", "micro", "small", "medium", "selfemployed"})
_UK_POSTCODE = re.compile(r"(?<![A-Z0-9])([A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2})")


@dataclass
class _Occurrence:
    """One supplier party in one release: where it is in the file and what it says."""

    number: int  # 1-based, in file order: the "row" of an OCDS file
    release: Mapping[str, Any]
    party: Mapping[str, Any]

    @property
    def date(self) -> str:
        return str(self.release.get("date") or "")

    @property
    def details(self) -> Mapping[str, Any]:
        details = self.party.get("details")
        return details if isinstance(details, dict) else {}

    @property
    def stated(self) -> bool:
        return self.details.get("scale") is not None or self.details.get("vcse") is not None

    @property
    def tags(self) -> tuple[str, ...]:
        scale = str(self.details.get("scale") or "").replace("-", "").replace("_", "").lower()
        vcse = self.details.get("vcse")
        is_vcse = vcse is True or str(vcse).strip().lower() in ("true", "yes", "1")
        return tuple(
            t for t, on in (("sme", scale in SME_SCALES), ("social_enterprise", is_vcse)) if on
        )

    @property
    def identifier(self) -> Mapping[str, Any]:
        ident = self.party.get("identifier")
        return ident if isinstance(ident, dict) else {}

    @property
    def name(self) -> str:
        """The legal name when given (what Companies House and invoices say), else the name."""
        return str(self.identifier.get("legalName") or self.party.get("name") or "").strip()

    @property
    def address(self) -> Mapping[str, Any]:
        address = self.party.get("address")
        return address if isinstance(address, dict) else {}

    @property
    def postcode(self) -> str | None:
        """``postalCode``, else the last UK postcode in the street address (Contracts Finder
        leaves postalCode empty and writes the postcode into the street text)."""
        if self.address.get("postalCode"):
            return str(self.address["postalCode"]).strip().upper()
        found = _UK_POSTCODE.findall(str(self.address.get("streetAddress") or ""))
        return found[-1] if found else None

    @property
    def coh(self) -> str | None:
        """The Companies House number as an org-id (``GB-COH-01234567``), zero-padded to 8."""
        if self.identifier.get("scheme") != "GB-COH" or not self.identifier.get("id"):
            return None
        number = re.sub(r"\s+", "", str(self.identifier["id"])).upper()
        if number.isdigit() and len(number) < 8:
            number = number.zfill(8)
        return f"GB-COH-{number}"

    def group(self) -> tuple[str, ...]:
        """Which occurrences are the same supplier: its company number, else name and postcode."""
        if self.coh:
            return ("coh", self.coh)
        if not self.name:
            return ("row", str(self.number))
        return ("name", " ".join(self.name.lower().split()), (self.postcode or "").replace(" ", ""))


def _ocds_occurrences(path: Path) -> list[_Occurrence]:
    try:
        data = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UnreadableFileError(
            f"{path.name}: looks like JSON but cannot be read as JSON ({exc})."
        ) from exc
    releases: list[Any] = []
    if isinstance(data, dict) and isinstance(data.get("releases"), list):
        releases = data["releases"]
    elif isinstance(data, dict) and isinstance(data.get("records"), list):
        releases = [r.get("compiledRelease") for r in data["records"] if isinstance(r, dict)]
    else:
        raise UnreadableFileError(
            f"{path.name}: a JSON file, but not an OCDS release or record package (no "
            "'releases' or 'records' list). Registries in JSON are read only as OCDS."
        )
    found: list[_Occurrence] = []
    for release in releases:
        if not isinstance(release, dict):
            continue
        for party in release.get("parties") or []:
            if isinstance(party, dict) and "supplier" in (party.get("roles") or []):
                found.append(_Occurrence(len(found) + 1, release, party))
    if not found:
        raise NoDataError(f"{path.name}: the OCDS package names no supplier party.")
    return found


def _ocds_row(chosen: _Occurrence, group: Sequence[_Occurrence]) -> dict[str, Any]:
    """One registry row for one supplier: the latest notice stating its flags decides them."""
    same = [o for o in group if o.stated and o.tags == chosen.tags]
    since = min(o.date for o in same)[:10] or None
    other_name = str(chosen.party.get("name") or "").strip()
    extra = {
        "party_id": chosen.party.get("id"),
        "identifier_scheme": chosen.identifier.get("scheme"),
        "identifier_id": chosen.identifier.get("id"),
        "other_name": other_name if other_name and other_name != chosen.name else None,
        "scale": chosen.details.get("scale"),
        "vcse": chosen.details.get("vcse"),
        "ocid": chosen.release.get("ocid"),
        "release_id": chosen.release.get("id"),
        "release_date": chosen.release.get("date"),
        "notices": len(group),
        "first_seen": min(o.date for o in group) or None,
        "last_seen": max(o.date for o in group) or None,
    }
    raw = {
        "ocid": chosen.release.get("ocid"),
        "release_id": chosen.release.get("id"),
        "party": chosen.party,
    }
    return {
        "source_row": chosen.number,
        "name": chosen.name or None,
        "address": str(chosen.address.get("streetAddress") or "").strip() or None,
        "postcode": chosen.postcode,
        "city": str(chosen.address.get("locality") or "").strip() or None,
        "registry_id": chosen.coh,
        "certified_on": since,
        "row_tags": list(chosen.tags),
        "extra": json.dumps(extra, ensure_ascii=False),
        "raw_cells": json.dumps(raw, ensure_ascii=False),
    }


def _ocds_rows(
    occurrences: Sequence[_Occurrence], result: RegistryImportResult
) -> list[dict[str, Any]]:
    """Group occurrences by supplier; a supplier is a data row when its flags give a tag."""
    groups: dict[tuple[str, ...], list[_Occurrence]] = {}
    for occurrence in occurrences:
        groups.setdefault(occurrence.group(), []).append(occurrence)
    rows: list[dict[str, Any]] = []
    repeated = unflagged = conflicting = 0
    for group in groups.values():
        stated = [o for o in group if o.stated]
        chosen = max(stated, key=lambda o: (o.date, o.number)) if stated else None
        if chosen is None or not chosen.tags:
            unflagged += len(group)
            continue
        conflicting += len({o.tags for o in stated}) > 1
        repeated += len(group) - 1
        rows.append(_ocds_row(chosen, group))
    result.rows_skipped = {"not_sme_or_vcse": unflagged, "repeated_supplier": repeated}
    result.notes.append(
        f"{len(occurrences)} supplier parties, {len(groups)} suppliers (by Companies House "
        "number, else name and postcode); suppliers flagged neither SME nor VCSE are skipped"
    )
    if conflicting:
        result.notes.append(
            f"{conflicting} suppliers have different SME/VCSE flags in different notices; the "
            "latest notice's flags are used"
        )
    odd = sorted({o.coh for o in occurrences if o.coh and len(o.coh) != len("GB-COH-") + 8})
    if odd:
        result.notes.append(
            f"Companies House numbers that are not 8 characters, kept as given: {odd}"
        )
    return rows


def import_ocds_supplier_flags(
    ws: Workspace, path: Path | str, registry: str = OCDS_REGISTRY
) -> RegistryImportResult:
    """Record the suppliers an OCDS package flags as SME or VCSE as a registry's entries.

    Contracts Finder publishes, per supplier party, ``details.scale`` ('sme' or 'large') and
    ``details.vcse`` (voluntary, community and social enterprise): the closest thing the UK has
    to a register of small and social suppliers. Each supplier (by Companies House number, else
    by name and postcode) becomes one entry tagged ``sme`` and/or ``social_enterprise``, its
    ``entry_id`` the ``GB-COH-…`` org-id where it has one; the latest notice stating its flags
    decides them, and ``certified_on`` is the first notice in the file stating those flags.
    """
    path = Path(path)
    name = check_registry_name(registry)
    result = RegistryImportResult(file=str(path), registry=name, format="ocds")
    try:
        result.file_id = _sha256(path)
        if not _already_imported(ws, path, result):
            rows = _ocds_rows(_ocds_occurrences(path), result)
            result.rows_read = len(rows)
            if not rows:
                raise NoDataError(f"{path.name}: no supplier is flagged SME or VCSE.")
            _ocds_cells(ws.engine, rows)
            _register_tag_values(ws.engine, [], None)
            _finish(ws, path, [], "dmy", result)
    except AnchorkitError as exc:
        result.error = str(exc)
    finally:
        _drop_work(ws.engine)
    return result


def _ocds_cells(engine: Engine, rows: Sequence[Mapping[str, Any]]) -> None:
    """The OCDS suppliers in the same shape as a table file's cells, for the shared pipeline."""
    text = pa.string()
    table = pa.table(
        {
            "source_row": pa.array([r["source_row"] for r in rows], pa.int64()),
            **{
                c: pa.array([r.get(c) for r in rows], text)
                for c in ("name", "address", "postcode", "city", "registry_id", "certified_on")
            },
            "row_tags": pa.array([r["row_tags"] for r in rows], pa.list_(text)),
            "extra": pa.array([r["extra"] for r in rows], text),
            "raw_cells": pa.array([r["raw_cells"] for r in rows], text),
        }
    )
    engine.register(OCDS_ROWS, table)
    engine.run(
        "registry_cells",
        f"""
        CREATE OR REPLACE TEMP VIEW {CELLS} AS
        SELECT NULL::VARCHAR AS sheet, source_row, 'data' AS kind, name, address, postcode, city,
            registry_id, certified_on, NULL::VARCHAR AS expires_on, NULL::VARCHAR AS status,
            NULL::VARCHAR AS tag_text, '' AS tag_vocab, '{DEFAULT_SPLIT}' AS tag_split,
            row_tags, extra::JSON AS extra, raw_cells::JSON AS raw_cells
        FROM {OCDS_ROWS}
        """,
    )


# --- listing ------------------------------------------------------------------------------------


def list_registries(ws: Workspace) -> list[RegistrySummary]:
    """Every registry imported: its current entries, tags, expired entries and last import."""
    engine = ws.engine
    tag_rows = engine.query(
        "registry_tag_counts",
        "SELECT registry, tag, count(*) FROM (SELECT registry, unnest(tags) AS tag "
        "FROM registry_entry) GROUP BY ALL ORDER BY registry, count(*) DESC, tag",
    )
    tags: dict[str, dict[str, int]] = {}
    for registry, tag, n in tag_rows:
        tags.setdefault(registry, {})[tag] = int(n)
    rows = engine.query(
        "list_registries",
        """
        WITH files AS (
            SELECT registry, count(*) AS files,
                arg_max(name, imported_at) AS last_file, arg_max(file_id, imported_at) AS last_id,
                max(imported_at) AS last_at, arg_max(rows_read, imported_at) AS rows_read,
                arg_max(rows_loaded, imported_at) AS rows_loaded,
                arg_max(rows_rejected, imported_at) AS rows_rejected
            FROM registry_file GROUP BY registry
        ), entries AS (
            SELECT registry, count(*) AS entries,
                count(*) FILTER (WHERE expires_on < current_date) AS expired
            FROM registry_entry GROUP BY registry
        )
        SELECT f.registry, coalesce(e.entries, 0), coalesce(e.expired, 0), f.files, f.last_file,
            f.last_id, f.last_at, f.rows_read, f.rows_loaded, f.rows_rejected
        FROM files f LEFT JOIN entries e USING (registry)
        ORDER BY f.registry
        """,
    )
    return [
        RegistrySummary(
            registry=r[0],
            entries=int(r[1]),
            expired=int(r[2]),
            tags=tags.get(r[0], {}),
            files=int(r[3]),
            last_file=r[4],
            last_file_id=r[5],
            last_imported_at=r[6].isoformat(sep=" ", timespec="seconds")
            if isinstance(r[6], dt.datetime)
            else str(r[6]),
            rows_read=int(r[7]),
            rows_loaded=int(r[8]),
            rows_rejected=int(r[9]),
        )
        for r in rows
    ]

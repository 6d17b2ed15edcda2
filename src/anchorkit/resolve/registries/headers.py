"""Header rows: where each sheet's header is and which raw column holds which registry column.

A registry file may have a title row above its header, several sheets, repeated headers or no
header at all (a mapping file then gives column numbers); a ``_Plan`` per sheet records how it
is read, for the SQL steps that follow.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from anchorkit.engine import Engine
from anchorkit.errors import MappingError
from anchorkit.ingest.mapping import normalise_header
from anchorkit.ingest.readers import RAW, RawFile, column_names
from anchorkit.resolve.registries.columns import REGISTRY_COLUMNS, RegistryMapping, header_score
from anchorkit.resolve.registries.tags import Vocabulary, _vocabulary_for, vocabularies


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

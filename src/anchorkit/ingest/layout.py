"""Find where the data is: header rows, sections, title, blank and total rows.

Real exports put a report title above the header, repeat the header every page, switch to a
different layout half-way down a sheet (Lancashire Fire's 2022-23 file does), add empty spacer
columns and end with a total. This module decides, per sheet, which row is the header and which
rows start a new *section* (a header that differs from the one above), so every data row is read
with the header that governs it. Rows that are not data — title, blank, header, total — are
counted apart, never loaded and never silently dropped.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from anchorkit.engine import Engine
from anchorkit.errors import MappingError
from anchorkit.ingest.infer import infer_columns
from anchorkit.ingest.mapping import (
    ColumnMapping,
    UserMapping,
    header_strength,
    map_headers,
    normalise_header,
    require,
    score,
    synonyms,
)
from anchorkit.ingest.readers import RAW, RawFile, column_names

TOTAL_LABEL = r"^\s*(grand\s+|sub-?\s*)?totals?\b"


@dataclass
class Section:
    """Rows of one sheet from ``header_row`` (exclusive) to the next section, read by ``mapping``."""

    sheet: str | None
    header_row: int  # 0 when the sheet has no header row
    mapping: ColumnMapping

    @property
    def signature(self) -> str:
        if not any(self.mapping.headers):
            return f"width:{len(self.mapping.headers)}"
        return "|".join(normalise_header(h) for h in self.mapping.headers).rstrip("|")


def sql_literal(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _sheet_filter(sheet: str | None) -> str:
    return f"sheet IS NOT DISTINCT FROM {sql_literal(sheet)}"


def _head(engine: Engine, raw: RawFile, sheet: str | None, rows: int) -> list[list[str | None]]:
    cols = ", ".join(column_names(raw.width))
    result = engine.query(
        "sample_head",
        f"SELECT source_row, {cols} FROM {RAW} WHERE {_sheet_filter(sheet)} "
        f"ORDER BY source_row LIMIT {int(rows)}",
    )
    return [[str(r[0]), *r[1:]] for r in result]


def _row_strength(cells: Sequence[str | None]) -> tuple[int, float]:
    mapping = map_headers(cells)
    total = sum(score(normalise_header(cells[i]), c) for c, i in mapping.columns.items())
    return len(mapping.columns), total


def _exact_hits(cells: Sequence[str | None]) -> int:
    exact = {h for syn in synonyms().values() for h in syn.exact}
    return sum(1 for c in cells if c and normalise_header(c) in exact)


def _header_candidates(
    engine: Engine, raw: RawFile
) -> list[tuple[str | None, int, list[str | None]]]:
    """Rows anywhere that could be a header: several text cells and no number or date cell."""
    cols = column_names(raw.width)
    filled = " + ".join(
        f"(CASE WHEN trim(coalesce({c}, '')) <> '' THEN 1 ELSE 0 END)" for c in cols
    )
    tokens = sorted(
        {
            word
            for syn in synonyms().values()
            for phrase in syn.exact + syn.keywords
            for word in phrase.split()
            if len(word) >= 4
        }
    )
    pattern = "(?i)\\b(" + "|".join(re.escape(t) for t in tokens) + ")"
    worded = " + ".join(
        f"(CASE WHEN regexp_matches(coalesce({c}, ''), {sql_literal(pattern)}) THEN 1 ELSE 0 END)"
        for c in cols
    )
    # no header cell starts with a digit, a sign, a bracket or a currency symbol: this test on
    # one character code (measured ten times cheaper than GLOB or a regex) discards nearly every
    # data row before the regular expressions run
    digits = " OR ".join(
        f"coalesce(ascii({c}) BETWEEN 48 AND 57 OR ascii({c}) IN (36, 40, 45, 163, 8364), false)"
        for c in cols
    )
    rows = engine.query(
        "header_candidates",
        f"SELECT sheet, source_row, {', '.join(cols)} FROM {RAW} "
        f"WHERE NOT ({digits}) AND ({filled}) >= 2 AND ({worded}) >= 2 "
        f"ORDER BY sheet, source_row LIMIT 100000",
    )
    return [(r[0], int(r[1]), list(r[2:])) for r in rows]


def find_sections(
    engine: Engine,
    raw: RawFile,
    *,
    file_name: str,
    search_rows: int,
    user: UserMapping | None,
    saved: dict[str, UserMapping],
) -> tuple[list[Section], list[str]]:
    """Every section of every sheet, and notes for the ingest report."""
    notes: list[str] = []
    candidates = (
        _header_candidates(engine, raw) if user is None or user.has_header is not False else []
    )
    sections: list[Section] = []
    for sheet in raw.sheets:
        where = file_name if sheet is None else f"{file_name}, sheet {sheet!r}"
        head = _head(engine, raw, sheet, search_rows)
        first = _first_header(head, user)
        if first is None:
            mapping = _headerless_mapping(engine, raw, sheet, user, saved, head)
            if mapping is None:
                notes.append(f"{where}: no spend columns found; its {len(head)}+ rows were skipped")
                continue
            require(mapping, where)
            notes.extend(f"{where}: {n}" for n in mapping.notes)
            sections.append(Section(sheet, 0, mapping))
            continue
        header_row, header_cells = first
        sheet_sections = [Section(sheet, header_row, _mapping_for(header_cells, user, saved))]
        for cand_sheet, row, cells in candidates:
            if cand_sheet != sheet or row <= header_row:
                continue
            same = [normalise_header(c) for c in cells] == [
                normalise_header(c) for c in sheet_sections[-1].mapping.headers
            ]
            if same or (_exact_hits(cells) >= 2 and header_strength(cells) >= 2):
                mapping = sheet_sections[-1].mapping if same else _mapping_for(cells, None, saved)
                if not same:
                    notes.append(
                        f"{where}: a different header at row {row} starts a new layout "
                        f"({', '.join(f'{k}={v!r}' for k, v in mapping.describe().items())})"
                    )
                sheet_sections.append(Section(sheet, row, mapping))
        for section in sheet_sections:
            require(section.mapping, f"{where}, header at row {section.header_row}")
            notes.extend(f"{where}: {n}" for n in section.mapping.notes)
        if header_row > 1:
            notes.append(f"{where}: header found at row {header_row}; rows above it are titles")
        sections.extend(sheet_sections)
    if not sections:
        raise MappingError(
            f"{file_name}: cannot find the columns of a spend file (supplier name, amount, "
            "payment date) in any header row, nor recognise them from the cells. Name them in a "
            "mapping file and pass it with --mapping (see docs/ingest.md)."
        )
    return sections, _dedupe(notes)


def _dedupe(notes: list[str]) -> list[str]:
    return list(dict.fromkeys(notes))


def _first_header(
    head: list[list[str | None]], user: UserMapping | None
) -> tuple[int, list[str | None]] | None:
    if user is not None and user.has_header is False:
        return None
    if user is not None and user.header_row is not None:
        for row in head:
            if int(str(row[0])) == user.header_row:
                return user.header_row, row[1:]
        raise MappingError(
            f"The mapping says the header is on row {user.header_row}, past the top rows."
        )
    best: tuple[tuple[int, float], int, list[str | None]] | None = None
    for row in head:
        cells = row[1:]
        strength = _row_strength(cells)
        if strength[0] < 2 or not any(
            c in map_headers(cells).columns for c in ("supplier_name", "amount")
        ):
            continue
        if best is None or strength > best[0]:
            best = (strength, int(str(row[0])), cells)
    if best is None:
        return None
    return best[1], best[2]


def _mapping_for(
    cells: list[str | None], user: UserMapping | None, saved: dict[str, UserMapping]
) -> ColumnMapping:
    signature = "|".join(normalise_header(c) for c in cells).rstrip("|")
    if user is not None and user.columns:
        auto = map_headers(cells)
        chosen = user.apply(cells, "mapping file")
        for column, i in auto.columns.items():  # the file fills what the user left unsaid
            if column not in chosen.columns and i not in chosen.columns.values():
                chosen.columns[column] = i
        return chosen
    if signature in saved:
        return saved[signature].apply(cells, "saved mapping")
    return map_headers(cells)


def _headerless_mapping(
    engine: Engine,
    raw: RawFile,
    sheet: str | None,
    user: UserMapping | None,
    saved: dict[str, UserMapping],
    head: list[list[str | None]],
) -> ColumnMapping | None:
    blank = ["" for _ in range(raw.width)]
    if user is not None and user.columns:
        return user.apply(blank, "mapping file")
    key = f"width:{raw.width}"
    if key in saved:
        return saved[key].apply(blank, "saved mapping")
    mapping = infer_columns([r[1:] for r in head], raw.width)
    return mapping if not mapping.missing() else None


def section_case(sections: Sequence[Section]) -> str:
    """SQL giving each raw row the index of the section that governs it (NULL above any header)."""
    if len(sections) == 1 and sections[0].sheet is None:
        return f"CASE WHEN source_row >= {sections[0].header_row} THEN 0 END"
    order = sorted(range(len(sections)), key=lambda i: -sections[i].header_row)
    whens = " ".join(
        f"WHEN {_sheet_filter(sections[i].sheet)} AND source_row >= {sections[i].header_row} THEN {i}"
        for i in order
    )
    return f"CASE {whens} END"


def column_case(sections: Sequence[Section], column: str) -> str:
    """SQL picking, for each row, the raw cell that holds ``column`` under its section's mapping."""
    picks = [s.mapping.columns.get(column) for s in sections]
    if all(p is None for p in picks):
        return "NULL::VARCHAR"
    if len(set(picks)) == 1:
        return f"c{picks[0] + 1}" if picks[0] is not None else "NULL::VARCHAR"
    whens = " ".join(f"WHEN {i} THEN c{p + 1}" for i, p in enumerate(picks) if p is not None)
    return f"CASE section_id {whens} END"


def _json_object(pairs: Sequence[tuple[str, str]]) -> str:
    if not pairs:
        return "NULL::JSON"
    return "json_object(" + ", ".join(f"{sql_literal(k)}, {v}" for k, v in pairs) + ")"


def cells_json_case(sections: Sequence[Section], *, unmapped_only: bool) -> str:
    """SQL building a JSON object header -> cell, for rejected rows or for unmapped extra columns."""
    objects = []
    for section in sections:
        headers = section.mapping.headers
        positions = section.mapping.unmapped if unmapped_only else range(len(headers))
        pairs = []
        for i in positions:
            label = headers[i] if i < len(headers) and headers[i] else f"column {i + 1}"
            pairs.append((label, f"c{i + 1}"))
        objects.append(_json_object(pairs))
    if len(set(objects)) == 1:
        return objects[0]
    return (
        "CASE section_id " + " ".join(f"WHEN {i} THEN {o}" for i, o in enumerate(objects)) + " END"
    )


def header_rows_sql(sections: Sequence[Section]) -> str:
    """SQL true for the header row of any section."""
    rows = [s for s in sections if s.header_row > 0]
    if not rows:
        return "false"
    return (
        "("
        + " OR ".join(f"({_sheet_filter(s.sheet)} AND source_row = {s.header_row})" for s in rows)
        + ")"
    )


def describe_sections(sections: Sequence[Section]) -> list[dict[str, object]]:
    return [{"sheet": s.sheet, "header_row": s.header_row, **s.mapping.to_json()} for s in sections]


def mapping_json(sections: Sequence[Section]) -> str:
    return json.dumps(describe_sections(sections))

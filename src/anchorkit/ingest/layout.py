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
from anchorkit.errors import MappingError, NoDataError
from anchorkit.ingest.mapping import (
    GIVEN,
    RECOGNISED,
    RECOGNISED_BY_VALUES,
    REQUIRED,
    SAVED,
    ColumnMapping,
    UserMapping,
    normalise_header,
    require,
)
from anchorkit.ingest.readers import RAW, RawFile, column_names
from anchorkit.ingest.recognise import (
    FIELDS,
    header_score,
    header_strength,
    looks_like_value,
    period_kind,
    profile,
    recognise,
    ref_placeholders,
    value_score,
    vocabulary,
)

TOTAL_LABEL = r"^\s*(grand\s+|sub-?\s*)?totals?\b"
#: The sample a section's columns are recognised on: its first SAMPLE_RUN rows (consecutive, so
#: that a counter shows) and about SAMPLE_SPREAD more, evenly spread over its first ``span``
#: rows. The caller's span is the head the big-file reader decides on first
#: (load.EVIDENCE_SAMPLE), so that its decision and the whole file's are made on the same rows.
SAMPLE_RUN = 1000
SAMPLE_SPREAD = 1000


@dataclass
class Section:
    """Rows of one sheet from ``start_row`` to the next section, read by ``mapping``.

    ``header_row`` is the row holding the section's header (0 when the sheet has none); rows
    above it are data too when the header sits below its data (``start_row`` < ``header_row``),
    as when a file's only header is its last line.
    """

    sheet: str | None
    header_row: int
    mapping: ColumnMapping
    start_row: int = -1

    def __post_init__(self) -> None:
        if self.start_row < 0:
            self.start_row = self.header_row

    @property
    def signature(self) -> str:
        return signature(self.mapping.headers)


def signature(headers: Sequence[object]) -> str:
    """A layout's key: its normalised headers, or its width when it has none."""
    texts = ["" if h is None else str(h) for h in headers]
    if not any(t.strip() for t in texts):
        return f"width:{len(texts)}"
    return "|".join(normalise_header(h) for h in texts).rstrip("|")


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


Samples = dict[tuple[object, ...], tuple[list[list[str | None]], int]]


def _sample(
    engine: Engine,
    raw: RawFile,
    sheet: str | None,
    first: int,
    until: int | None,
    skip: int,
    span: int,
    cache: Samples,
) -> tuple[list[list[str | None]], int]:
    """Sample rows of a section (see SAMPLE_RUN), and how many of them are consecutive.

    ``cache`` keeps samples for a second look at the same file: the big-file reader decides on
    the file's head first, and the whole file's sample is then the very same rows.
    """
    key = (sheet, first, until, skip, span)
    if key in cache:
        return cache[key]
    cols = ", ".join(column_names(raw.width))
    bound = f"AND source_row < {int(until)}" if until is not None else ""
    step = max(1, span // SAMPLE_SPREAD)
    rows = engine.query(
        "sample_rows",
        f"SELECT source_row, {cols} FROM {RAW} WHERE {_sheet_filter(sheet)} "
        f"AND source_row >= {int(first)} {bound} AND source_row <> {int(skip)} "
        f"AND source_row < {int(first) + span} "
        f"AND (source_row < {int(first) + SAMPLE_RUN} OR source_row % {step} = 0) "
        "ORDER BY source_row",
    )
    run = sum(1 for r in rows if int(r[0]) < first + SAMPLE_RUN)
    cache[key] = ([list(r[1:]) for r in rows], run)
    return cache[key]


def _filled(cells: Sequence[str | None]) -> list[str]:
    return [c.strip() for c in cells if c is not None and c.strip()]


def _recognised(cells: Sequence[str | None]) -> bool:
    """A header row: two or more of anchorkit's fields named, one of them a required one, and
    not two values (dates, amounts) among its cells, as a data row has."""
    if sum(1 for c in _filled(cells) if looks_like_value(c)) >= 2:
        return False
    count, _ = header_strength(cells)
    if count < 2:
        return False
    return any(
        header_score(str(c), f)[0] >= 0.5
        for c in cells
        if c and not looks_like_value(c)
        for f in REQUIRED
    )


def _strong(cells: Sequence[str | None]) -> bool:
    """A header surely enough to start a section anywhere in a sheet: two cells at least that
    are whole headers of anchorkit's fields, and no cell that is a value."""
    if any(looks_like_value(c) for c in _filled(cells)):
        return False
    exact = sum(1 for c in _filled(cells) if max(header_score(c, f)[0] for f in FIELDS) >= 0.85)
    return exact >= 2 and _recognised(cells)


def _structural(head: list[list[str | None]], index: int) -> bool:
    """A header whose words are unknown: a row of text only, with values below it."""
    cells = head[index][1:]
    filled = _filled(cells)
    if len(filled) < 2 or any(looks_like_value(c) for c in filled):
        return False
    for row in head[index + 1 : index + 4]:
        below = row[1:]
        if len(_filled(below)) < 2:
            continue
        valued = [
            i
            for i, c in enumerate(below)
            if c and looks_like_value(c.strip()) and i < len(cells) and cells[i]
        ]
        return bool(valued) and len(filled) >= 0.6 * len(_filled(below))
    return False


def _first_header(
    head: list[list[str | None]], user: UserMapping | None
) -> tuple[int, list[str | None]] | None:
    """The sheet's first header row within its head, or None."""
    if user is not None and user.has_header is False:
        return None
    if user is not None and user.header_row is not None:
        for row in head:
            if int(str(row[0])) == user.header_row:
                return user.header_row, row[1:]
        raise MappingError(
            f"The mapping says the header is on row {user.header_row}, past the top rows."
        )
    if user is not None and user.named_headers():
        for row in head:
            if user.finds_headers_in(row[1:]):
                return int(str(row[0])), row[1:]
        # not every named header is in one row: the row holding most of them, so that the
        # mapping's error can list the headers there are
        named = {normalise_header(h) for h in user.named_headers()}
        hits = [
            (len(named & {normalise_header(c) for c in r[1:] if c}), -i) for i, r in enumerate(head)
        ]
        most, where = max(hits, default=(0, 0))
        if most:
            return int(str(head[-where][0])), head[-where][1:]
        # none of them: the header the file seems to have (the mapping's error lists it)
    best: tuple[tuple[int, float], int, list[str | None]] | None = None
    for row in head:
        cells = row[1:]
        if not _recognised(cells):
            continue
        strength = header_strength(cells)
        if best is None or strength > best[0]:
            best = (strength, int(str(row[0])), cells)
    if best is not None:
        return best[1], best[2]
    for index, row in enumerate(head):
        if _structural(head, index):
            return int(str(row[0])), row[1:]
    return None


def _header_elsewhere(
    candidates: list[tuple[int, list[str | None]]], user: UserMapping | None
) -> tuple[int, list[str | None]] | None:
    """A header below the head (a header at the end of its data, or after a long preamble)."""
    for row, cells in candidates:
        if user is not None and user.named_headers():
            if user.finds_headers_in(cells):
                return row, cells
        elif _strong(cells):
            return row, cells
    return None


def _data_start(head: list[list[str | None]], header_row: int, header: list[str | None]) -> int:
    """The first row the header governs: the header's own row, or the first of the data rows
    above it when the header sits below its data."""
    width = len(_filled(header))
    start = header_row
    for row in reversed([r for r in head if int(str(r[0])) < header_row]):
        filled = _filled(row[1:])
        if not filled:
            continue
        if len(filled) >= max(2, 0.5 * width) and any(looks_like_value(c) for c in filled):
            start = int(str(row[0]))
        else:
            break
    return start


def _header_candidates(
    engine: Engine,
    raw: RawFile,
    known: Sequence[Sequence[str | None]],
    named: Sequence[str] = (),
) -> list[tuple[str | None, int, list[str | None]]]:
    """Rows anywhere that could be a header: several text cells naming anchorkit's fields and
    no number or date cell, a copy of a header already found, or a row holding a header a
    mapping names (in whatever words)."""
    cols = column_names(raw.width)
    filled = " + ".join(
        f"(CASE WHEN trim(coalesce({c}, '')) <> '' THEN 1 ELSE 0 END)" for c in cols
    )
    vocab = vocabulary()
    tokens = sorted(
        {w for w in vocab.words if len(w) >= 4 and w.isalpha()}
        | {a for a in vocab.abbreviations if len(a) >= 3 and a.isalpha()}
    )
    # no \b before the word: CamelCase headers (VendorName) hide it inside a longer one
    pattern = "(?i)(" + "|".join(re.escape(t) for t in tokens) + ")"
    worded = " + ".join(
        f"(CASE WHEN regexp_matches(coalesce({c}, ''), {sql_literal(pattern)}) THEN 1 ELSE 0 END)"
        for c in cols
    )
    copies = [
        "("
        + " AND ".join(
            f"{c} = {sql_literal(str(v))}" if v is not None else f"{c} IS NULL"
            for c, v in zip(cols, cells, strict=False)
        )
        + ")"
        for cells in known
        if _filled(cells)
    ]
    # no header cell starts with a digit, a sign, a bracket or a currency symbol: this test on
    # one character code (measured ten times cheaper than GLOB or a regex) discards nearly every
    # data row before the regular expressions run
    digits = " OR ".join(
        f"coalesce(ascii({c}) BETWEEN 48 AND 57 OR ascii({c}) IN (36, 40, 45, 163, 8364), false)"
        for c in cols
    )
    if named:
        wanted = ", ".join(sql_literal(h.strip().lower()) for h in named)
        copies.append(
            "("
            + " OR ".join(f"coalesce(lower(trim({c})) IN ({wanted}), false)" for c in cols)
            + ")"
        )
    either = f"({worded}) >= 2" + "".join(f" OR {c}" for c in copies)
    rows = engine.query(
        "header_candidates",
        f"SELECT sheet, source_row, {', '.join(cols)} FROM {RAW} "
        f"WHERE NOT ({digits}) AND ({filled}) >= 2 AND ({either}) "
        f"ORDER BY sheet, source_row LIMIT 100000",
    )
    return [(r[0], int(r[1]), list(r[2:])) for r in rows]


def _same(a: Sequence[object], b: Sequence[object]) -> bool:
    return [normalise_header(c) for c in a] == [normalise_header(c) for c in b]


def find_sections(
    engine: Engine,
    raw: RawFile,
    *,
    file_name: str,
    search_rows: int,
    user: UserMapping | None,
    saved: dict[str, UserMapping],
    min_confidence: float = 0.0,
    sample_span: int = 200_000,
    samples: Samples | None = None,
) -> tuple[list[Section], list[str]]:
    """Every section of every sheet, and notes for the ingest report.

    Columns are recognised on a sample of each section's first ``sample_span`` rows.
    """
    notes: list[str] = []
    cache: Samples = {} if samples is None else samples
    heads = {sheet: _head(engine, raw, sheet, search_rows) for sheet in raw.sheets}
    firsts = {sheet: _first_header(heads[sheet], user) for sheet in raw.sheets}
    wants_header = user is None or user.has_header is not False
    candidates = (
        _header_candidates(
            engine,
            raw,
            [f[1] for f in firsts.values() if f is not None],
            user.named_headers() if user is not None else (),
        )
        if wants_header
        else []
    )
    sections: list[Section] = []
    for sheet in raw.sheets:
        where = file_name if sheet is None else f"{file_name}, sheet {sheet!r}"
        head = heads[sheet]
        mine = [(row, cells) for s, row, cells in candidates if s == sheet]
        first = firsts[sheet]
        if first is None and wants_header:
            first = _header_elsewhere(mine, user)
        if first is None:
            rows, run = _sample(engine, raw, sheet, 1, None, 0, sample_span, cache)
            mapping = _headerless_mapping(raw.width, rows, run, user, saved)
            if not any(f in mapping.columns for f in REQUIRED) and len(raw.sheets) > 1:
                notes.append(f"{where}: no spend columns found; its rows were skipped")
                continue
            require(mapping, where, min_confidence if mapping.how == RECOGNISED_BY_VALUES else None)
            notes.extend(f"{where}: {n}" for n in mapping.notes)
            sections.append(Section(sheet, 0, mapping, start_row=1))
            continue
        header_row, header_cells = first
        starts = [(header_row, header_cells)]
        for row, cells in mine:
            if row <= header_row:
                continue
            if _same(cells, starts[-1][1]) or (_strong(cells) and not _same(cells, header_cells)):
                starts.append((row, cells))
        start = _data_start(head, header_row, header_cells)
        sheet_sections: list[Section] = []
        for k, (row, cells) in enumerate(starts):
            if k and _same(cells, starts[k - 1][1]):
                sheet_sections.append(Section(sheet, row, sheet_sections[-1].mapping))
                continue
            until = next((r for r, c in starts[k + 1 :] if not _same(c, cells)), None)
            first_row = start if k == 0 else row + 1
            rows, run = _sample(engine, raw, sheet, first_row, until, row, sample_span, cache)
            if k == 0 and not any(_filled(r) for r in rows):
                break  # a header with nothing below it
            mapping = _mapping_for(
                cells, rows, run, user if k == 0 or _named(user, cells) else None, saved
            )
            if k:
                notes.append(
                    f"{where}: a different header at row {row} starts a new layout "
                    f"({', '.join(f'{f}={h!r}' for f, h in mapping.describe().items())})"
                )
            sheet_sections.append(Section(sheet, row, mapping, start_row=start if k == 0 else row))
        if not sheet_sections:
            if len(raw.sheets) > 1:
                notes.append(f"{where}: a header on row {header_row} but no data below it")
                continue
            raise NoDataError(
                f"{where}: the header is on row {header_row}, but there are no data rows below it."
            )
        for section in sheet_sections:
            auto = section.mapping.how == RECOGNISED
            require(
                section.mapping,
                f"{where}, header at row {section.header_row}",
                min_confidence if auto else None,
            )
            notes.extend(f"{where}: {n}" for n in section.mapping.notes)
        if start < header_row:
            notes.append(
                f"{where}: the header is on row {header_row}, below its data (rows {start} on)"
            )
        elif header_row > 1:
            notes.append(f"{where}: header found at row {header_row}; rows above it are titles")
        sections.extend(sheet_sections)
    if not sections:
        raise MappingError(
            f"{file_name}: cannot find the columns of a spend file (supplier name, amount, "
            "payment date) in any sheet. Name them with --map FIELD=HEADER or a mapping file "
            "(see docs/ingest.md)."
        )
    return sections, _dedupe(notes)


def _named(user: UserMapping | None, cells: Sequence[str | None]) -> bool:
    return user is not None and bool(user.named_headers()) and user.finds_headers_in(cells)


def _dedupe(notes: list[str]) -> list[str]:
    return list(dict.fromkeys(notes))


def _fill(
    chosen: ColumnMapping, auto: ColumnMapping, rows: list[list[str | None]]
) -> ColumnMapping:
    """A mapping named by a person or saved, completed with what was recognised for the fields it
    leaves unsaid, and with the recognition's report of the other columns."""
    used = set(chosen.columns.values())
    for name, column in auto.columns.items():
        if chosen.columns.get(name) == column:
            # named and recognised alike: say both, so a confirmed preview keeps its reasons
            said = chosen.evidence.get(name, (1.0, chosen.how))[1]
            why = auto.evidence[name][1].removeprefix(f"{chosen.name(column)!r}: ")
            chosen.evidence[name] = (1.0, f"{said}; recognised too: {why}")
        if name not in chosen.columns and column not in used:
            chosen.columns[name] = column
            chosen.evidence[name] = auto.evidence[name]
            used.add(column)
    chosen.unused_why = {i: w for i, w in auto.unused_why.items() if i not in used}
    for name, column in auto.columns.items():
        if chosen.columns.get(name) != column and column not in used:
            chosen.unused_why[column] = "recognised, but the mapping reads this field elsewhere"
    chosen.samples = auto.samples
    if chosen.columns.get("paid_on") == auto.columns.get("paid_on"):
        chosen.date_period = auto.date_period
    elif "paid_on" in chosen.columns:
        column = chosen.columns["paid_on"]
        values = profile([r[column] if column < len(r) else None for r in rows])
        chosen.date_period = period_kind(values, chosen.name(column))
    chosen.money_columns = tuple(i for i in auto.money_columns if i not in used)
    if "supplier_ref" in chosen.columns:
        chosen.ref_placeholders, chosen.refs_have_digits = ref_placeholders(
            rows, chosen.columns["supplier_ref"], chosen.columns.get("supplier_name")
        )
    return chosen


def _fits(mapping: ColumnMapping, rows: list[list[str | None]]) -> bool:
    """Whether a saved layout's required columns still hold what they should."""
    for name in REQUIRED:
        column = mapping.columns.get(name)
        if column is None:
            return False
        values = profile([r[column] if column < len(r) else None for r in rows])
        if values.filled and value_score(values, name)[0] < 0.3:
            return False
    return True


def _mapping_for(
    cells: list[str | None],
    rows: list[list[str | None]],
    run: int,
    user: UserMapping | None,
    saved: dict[str, UserMapping],
) -> ColumnMapping:
    worded = any(
        header_score(str(c), f)[0] > 0
        for c in cells
        if c and not looks_like_value(c)
        for f in FIELDS
    )
    auto = ColumnMapping.from_recognition(
        recognise(cells, rows, contiguous=run, has_header=worded), RECOGNISED
    )
    if user is not None and user.columns:
        return _fill(user.apply(cells, GIVEN), auto, rows)
    exact = saved.get(signature(cells))
    if exact is not None and exact.columns:
        chosen = exact.apply(cells, SAVED)
        if _fits(chosen, rows):
            return _fill(chosen, auto, rows)
        auto.notes.append(
            "the anchor's saved layout for these headers does not fit the values; recognised afresh"
        )
        return auto
    for layout in saved.values():
        named = layout.named_headers()
        if (
            not named
            or not layout.finds_headers_in(cells)
            or not all(f in layout.columns for f in REQUIRED)
        ):
            continue
        chosen = layout.apply(cells, SAVED)
        if _fits(chosen, rows):
            return _fill(chosen, auto, rows)
    return auto


def _headerless_mapping(
    width: int,
    rows: list[list[str | None]],
    run: int,
    user: UserMapping | None,
    saved: dict[str, UserMapping],
) -> ColumnMapping:
    blank: list[str | None] = [None] * width
    auto = ColumnMapping.from_recognition(
        recognise(blank, rows, contiguous=run, has_header=False),
        RECOGNISED_BY_VALUES,
    )
    shown = ", ".join(
        f"{c} = column {i + 1}" for c, i in sorted(auto.columns.items(), key=lambda t: t[1])
    )
    if user is not None and user.columns:
        return _fill(user.apply(blank, GIVEN), auto, rows)
    key = f"width:{width}"
    if key in saved and saved[key].columns:
        chosen = saved[key].apply(blank, SAVED)
        if _fits(chosen, rows):
            return _fill(chosen, auto, rows)
    auto.notes.append(
        f"no header row: columns recognised by their values ({shown}); if this is wrong, "
        "re-read it with anchorkit ingest --replace FILE --map FIELD=COLUMN_NUMBER"
    )
    return auto


def section_case(sections: Sequence[Section]) -> str:
    """SQL giving each raw row the index of the section that governs it (NULL above any)."""
    if len(sections) == 1 and sections[0].sheet is None:
        return f"CASE WHEN source_row >= {sections[0].start_row} THEN 0 END"
    order = sorted(range(len(sections)), key=lambda i: -sections[i].start_row)
    whens = " ".join(
        f"WHEN {_sheet_filter(sections[i].sheet)} AND source_row >= {sections[i].start_row} THEN {i}"
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
    """Each distinct layout once (a header repeated down a sheet is the same layout)."""
    described: list[dict[str, object]] = []
    seen: set[tuple[str | None, str]] = set()
    for s in sections:
        key = (s.sheet, s.signature)
        if key in seen:
            continue
        seen.add(key)
        described.append(
            {
                "sheet": s.sheet,
                "header_row": s.header_row,
                "start_row": s.start_row,
                **s.mapping.to_json(),
            }
        )
    return described


def mapping_json(sections: Sequence[Section]) -> str:
    return json.dumps(describe_sections(sections))

"""Any small table-shaped file (a workforce aggregate, an investment register, neighbourhood
statistics), read with ingest's own readers and recognised by a caller's header synonyms.

Why here: spend files get the full treatment of :mod:`anchorkit.ingest.layout` (sections, totals,
header drift); the other files anchorkit reads are short registers that a person keeps in a
spreadsheet. They still arrive as CSV in any encoding and delimiter, or as XLSX/XLS with a title
row above the header — so they go through the same :func:`~anchorkit.ingest.readers.read_file`,
and their header is found the same way (the row of the first rows that names the most known
columns, each header scored against synonyms kept as data). What a column *means* and which
values it accepts is the caller's business: this module only says where each column is, which
rows are data, and which were skipped (title, header, blank, total) and why.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path

from anchorkit.engine import Engine
from anchorkit.errors import MappingError
from anchorkit.ingest.mapping import normalise_header
from anchorkit.ingest.readers import RAW, column_names, drop_raw, read_file

#: a row whose first filled cell is only this ("Total", "Grand total:", "Sub-total") is a total;
#: "Total Energies Ltd" is not
_TOTAL = re.compile(r"\s*(grand\s+|sub-?\s*)?totals?\s*:?\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Synonyms:
    exact: tuple[str, ...]
    keywords: tuple[str, ...]
    exclude: tuple[str, ...]


@dataclass(frozen=True)
class Vocabulary:
    """Header synonyms for one kind of file: for each column, whole headers that mean it
    (``exact``, best first), words that do (``keywords``) unless another word says otherwise
    (``exclude``) — the format of ``data/column_synonyms.toml``."""

    name: str
    columns: Mapping[str, Synonyms]
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, resource: str, name: str, skip: Sequence[str] = ()) -> Vocabulary:
        """A vocabulary shipped in ``anchorkit/data`` (one TOML table per column; the tables
        named in ``skip`` hold something else)."""
        text = resources.files("anchorkit.data").joinpath(resource).read_text("utf-8")
        raw = {k: v for k, v in tomllib.loads(text).items() if k not in skip}
        columns = {
            column: Synonyms(
                tuple(normalise_header(h) for h in spec.get("exact", [])),
                tuple(normalise_header(h) for h in spec.get("keywords", [])),
                tuple(normalise_header(h) for h in spec.get("exclude", [])),
            )
            for column, spec in raw.items()
            if isinstance(spec, dict) and ("exact" in spec or "keywords" in spec)
        }
        labels = {c: str(raw[c].get("label", c.replace("_", " "))) for c in columns}
        return cls(name, columns, labels)

    def score(self, header: str, column: str) -> float:
        """How strongly a normalised header means ``column``: 0 (not at all) to 4."""
        syn = self.columns[column]
        if not header:
            return 0.0
        if header in syn.exact:
            return 4.0 - syn.exact.index(header) / len(syn.exact)
        padded = f" {header} "
        if any(f" {k} " in padded for k in syn.keywords) and not any(
            f" {x} " in padded for x in syn.exclude
        ):
            return 2.0
        return 0.0

    def assign(self, cells: Sequence[str | None]) -> dict[str, int]:
        """Headers to columns, best score first; each header and each column used once."""
        normal = [normalise_header(c) for c in cells]
        order = list(self.columns)
        pairs = sorted(
            (-self.score(h, column), i, order.index(column), column)
            for i, h in enumerate(normal)
            for column in order
            if self.score(h, column) > 0
        )
        columns: dict[str, int] = {}
        used: set[int] = set()
        for _neg, i, _rank, column in pairs:
            if column not in columns and i not in used:
                columns[column] = i
                used.add(i)
        return columns

    def hint(self, header: str) -> str | None:
        """The closest known header, for a column nobody recognised ("did you mean ...?")."""
        known = {h: c for c, syn in self.columns.items() for h in syn.exact}
        close = difflib.get_close_matches(normalise_header(header), list(known), n=1, cutoff=0.75)
        return (
            f"{close[0]!r} ({self.labels.get(known[close[0]], known[close[0]])})" if close else None
        )


@dataclass
class Sheet:
    """One sheet (or the whole CSV): its header row, which raw column holds what, its data rows."""

    sheet: str | None
    header_row: int
    headers: list[str]
    columns: dict[str, int]
    rows: list[tuple[int, list[str | None]]]  # (row number as a person sees it, cells)

    def cell(self, cells: Sequence[str | None], column: str) -> str | None:
        """A data row's cell under ``column``, trimmed; None when absent or blank."""
        i = self.columns.get(column)
        if i is None or i >= len(cells) or cells[i] is None:
            return None
        text = str(cells[i]).strip()
        return text or None

    def raw_cells(self, cells: Sequence[str | None]) -> dict[str, str | None]:
        """The row as it was, by header (for a rejected row)."""
        out: dict[str, str | None] = {}
        for i, value in enumerate(cells):
            label = (
                self.headers[i] if i < len(self.headers) and self.headers[i] else f"column {i + 1}"
            )
            if label in out:
                label = f"{label} ({i + 1})"
            out[label] = value
        if self.sheet is not None:
            out = {"(sheet)": self.sheet, **out}
        return out


@dataclass
class Table:
    """What :func:`read_table` found: the file's format and each sheet with a header."""

    format: str
    sheets: list[Sheet]
    skipped: dict[str, int] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def describe(self) -> dict[str, str]:
        """Column → the header it was read from (first sheet), for reports and the ledger."""
        first = self.sheets[0]
        return {c: first.headers[i] or f"column {i + 1}" for c, i in sorted(first.columns.items())}


def _header_for(
    head: list[tuple[int, list[str | None]]],
    vocabulary: Vocabulary,
    needs_one_of: Sequence[str],
    mapping: Mapping[str, str | int] | None,
    min_columns: int,
) -> tuple[int, list[str | None], dict[str, int]] | None:
    """The header row of a sheet: the first of its top rows naming the most columns (at least
    two, one of ``needs_one_of``); with a mapping, the row holding every header it names."""
    named = [normalise_header(r) for r in (mapping or {}).values() if isinstance(r, str)]
    best: tuple[int, int, list[str | None], dict[str, int]] | None = None
    for number, cells in head:
        normal = [normalise_header(c) for c in cells]
        if named and not all(n in normal for n in named):
            continue
        columns = vocabulary.assign(cells)
        for column, ref in (mapping or {}).items():
            if isinstance(ref, str):
                columns = {
                    c: i for c, i in columns.items() if i != normal.index(normalise_header(ref))
                }
                columns[column] = normal.index(normalise_header(ref))
        strong = len(columns) >= min_columns or (named and columns)
        if not strong or not any(c in columns for c in needs_one_of):
            continue
        if best is None or len(columns) > best[0]:
            best = (len(columns), number, cells, columns)
    return None if best is None else (best[1], best[2], best[3])


def read_table(
    engine: Engine,
    path: Path,
    vocabulary: Vocabulary,
    *,
    needs_one_of: Sequence[str],
    search_rows: int = 30,
    mapping: Mapping[str, str | int] | None = None,
    min_columns: int = 2,
) -> Table:
    """Read ``path`` (CSV/TSV/XLSX/XLS, any encoding) and find each sheet's header and columns.

    ``needs_one_of``: a header row must name at least one of these columns, and at least
    ``min_columns`` known columns in all (a file with one known column: 1). ``mapping`` names
    columns the synonyms do not know (header text, or 1-based number for a file with no header).
    Rows above the header are titles; blank rows, repeats of the header and rows labelled as
    totals are counted in ``skipped``, never read as data. The raw cells are dropped afterwards.

    Raises :class:`MappingError` when no sheet has a header naming the columns needed.
    """
    raw = read_file(engine, path)
    try:
        names = ", ".join(column_names(raw.width))
        found = engine.query(
            "tabular_rows",
            f"SELECT sheet, source_row, {names} FROM {RAW} ORDER BY sheet NULLS FIRST, source_row",
        )
    finally:
        drop_raw(engine)
    by_sheet: dict[str | None, list[tuple[int, list[str | None]]]] = {}
    for row in found:
        by_sheet.setdefault(row[0], []).append((int(row[1]), list(row[2:])))
    table = Table(format=raw.format, sheets=[])
    numbered = {c: r for c, r in (mapping or {}).items() if isinstance(r, int)}
    for sheet in raw.sheets:
        rows = by_sheet.get(sheet, [])
        if numbered and len(numbered) == len(mapping or {}):  # no header: columns by number
            header_row = 0
            header_cells: list[str | None] = [None] * raw.width
            columns = {c: r - 1 for c, r in numbered.items()}
        else:
            chosen = _header_for(rows[:search_rows], vocabulary, needs_one_of, mapping, min_columns)
            if chosen is None:
                if sheet is not None:
                    table.notes.append(f"sheet {sheet!r}: no header row found; skipped")
                continue
            header_row, header_cells, columns = chosen
            columns.update({c: r - 1 for c, r in numbered.items()})
        headers = ["" if c is None else str(c).strip() for c in header_cells]
        header_key = [normalise_header(h) for h in headers]
        data: list[tuple[int, list[str | None]]] = []
        for number, cells in rows:
            kind = _kind(number, cells, header_row, header_key)
            if kind == "data":
                data.append((number, cells))
            else:
                table.skipped[kind] = table.skipped.get(kind, 0) + 1
        table.sheets.append(Sheet(sheet, header_row, headers, columns, data))
        where = path.name if sheet is None else f"{path.name}, sheet {sheet!r}"
        if header_row > 1:
            table.notes.append(f"{where}: header found at row {header_row}; rows above are titles")
        unread = [h for i, h in enumerate(headers) if h and i not in columns.values()]
        for header in unread:
            hint = vocabulary.hint(header)
            table.notes.append(
                f"{where}: column {header!r} is not used"
                + (f" (did you mean {hint}?)" if hint else "")
            )
    if not table.sheets:
        wanted = " or ".join(vocabulary.labels.get(c, c) for c in needs_one_of)
        raise MappingError(
            f"{path.name}: cannot find the header row of a {vocabulary.name} file (a row naming "
            f"the {wanted} column{' and at least one other' if min_columns > 1 else ''}) in the first {search_rows} rows. "
            "Check the file, or name its columns with --column NAME=HEADER."
        )
    return table


def _kind(number: int, cells: Sequence[str | None], header_row: int, header: list[str]) -> str:
    if number < header_row:
        return "title"
    if number == header_row:
        return "header"
    texts = [("" if c is None else str(c).strip()) for c in cells]
    if not any(texts):
        return "blank"
    if header_row and [normalise_header(t) for t in texts][: len(header)] == header:
        return "header"
    first = next((t for t in texts if t), "")
    if _TOTAL.fullmatch(first):
        return "total"
    return "data"


# --- dates in small tables ----------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})")
_SLASHED = re.compile(r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{2,4})$")


def date_order(texts: Sequence[str | None], default: str = "dmy") -> str:
    """Day-first (dmy) or month-first (mdy) for a column of slashed dates, from the dates whose
    first or second part is above 12; ``default`` when none says."""
    dmy = mdy = 0
    for text in texts:
        m = _SLASHED.match((text or "").strip())
        if m:
            dmy += int(m.group(1)) > 12
            mdy += int(m.group(2)) > 12
    if dmy == mdy:
        return default
    return "mdy" if mdy > dmy else "dmy"


def parse_date(text: str | None, order: str = "dmy") -> dt.date | None:
    """An ISO date (``2024-05-01``, a spreadsheet's date as read) or a slashed one in ``order``;
    None when the text is none of these."""
    t = (text or "").strip()
    try:
        if m := _ISO.match(t):
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        if m := _SLASHED.match(t):
            a, b, year = int(m.group(1)), int(m.group(2)), int(m.group(3))
            year += 2000 if year < 100 else 0
            day, month = (a, b) if order == "dmy" else (b, a)
            return dt.date(year, month, day)
    except ValueError:
        return None
    return None


# --- numbers in small tables --------------------------------------------------------------------


def number_of(
    text: str | None, what: str, *, money: bool = False
) -> tuple[Decimal | None, str | None]:
    """A non-negative number (an FTE, an amount of money with its sign or code): (value to the
    cent, None), (None, None) when blank, or (None, why not)."""
    if text is None or not text.strip():
        return None, None
    t = text.strip().replace("\u00a0", "").replace(" ", "")
    if money:
        t = re.sub(r"^[A-Z]{3}|[A-Z]{3}$|[$£€]", "", t, flags=re.I)
    try:
        value = Decimal(t.replace(",", ""))
    except InvalidOperation:
        return None, f"{what} {text.strip()!r} is not a number"
    if value < 0 or not value.is_finite():
        return None, f"{what} {text.strip()!r} is negative"
    return value.quantize(Decimal("0.01")), None

"""Open any spend file and expose its cells, untouched, as one SQL table of text.

Whatever the format (CSV with any delimiter, TSV, XLSX, XLS) and encoding, the result is the same
shape — ``sheet, source_row, c1 … cN``, every cell VARCHAR as it was written — so the layout,
mapping and validation steps that follow are written once, in SQL. ``source_row`` is the row
number a person sees: the line in a text editor (or record, when a quoted cell spans lines) and
the row number in a spreadsheet, counting title, blank and header rows.

Two CSV paths, one result: small files go through Python's ``csv`` module, which knows the exact
line of every record; big files go through DuckDB's parallel reader, which is several times
faster but skips blank lines, so it is used only when a count shows every record is one line.

The big-file reader can also do a caller's work while it reads (a :class:`TypedRead`): the caller
is shown the file's first lines, and returns a SELECT over the file that adds its own columns
(typed values) next to the raw cells, so a 10M-line file is materialised once, not twice.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from anchorkit.engine import Engine
from anchorkit.errors import EngineError, NoDataError, UnreadableFileError
from anchorkit.ingest.workbook_guard import check_workbook

RAW = "__anchorkit__raw"
RAW_CELLS = f"{RAW}_cells"  # the big-file reader's table; RAW is a view of it
DELIMITERS = (",", ";", "\t", "|")
PYTHON_CSV_MAX_BYTES = 32 * 1024 * 1024
_CHUNK = 1 << 24


@dataclass
class RawFile:
    """What the reader found out about a file; the cells themselves are in the ``RAW`` table."""

    format: str
    width: int
    sheets: list[str | None]
    encoding: str | None = None
    delimiter: str | None = None
    notes: list[str] = field(default_factory=list)
    typed: bool = False  # RAW_CELLS also holds the columns of a TypedRead


def column_names(width: int) -> list[str]:
    return [f"c{i}" for i in range(1, width + 1)]


@dataclass
class TypedRead:
    """A caller's request to add its own columns while the big-file reader reads.

    ``select`` is called with the file's first ``head_lines`` lines exposed as ``RAW`` (so the
    caller can find the layout with the same code as for a whole file) and the FROM-fragment that
    scans the whole file; it returns a SELECT over that scan giving the raw cells ``c1 … cN``
    (same names, same order) and any other columns, or None to keep only the raw cells. When
    the read succeeds with it, ``RawFile.typed`` is True and the extra columns are in
    ``RAW_CELLS`` (the ``RAW`` view still shows only the raw cells).
    """

    head_lines: int
    select: Callable[[RawFile, str], str | None]


def read_file(
    engine: Engine,
    path: Path,
    *,
    force_python_csv: bool = False,
    line_count: Callable[[], int] | None = None,
    typed: TypedRead | None = None,
) -> RawFile:
    """Expose the file's cells as the ``RAW`` table; raise a clear error if it cannot be read.

    ``line_count`` may supply the file's line count from a pass the caller makes anyway (the
    SHA-256), saving the big-file reader one more read of the file. ``typed`` is used only by
    the big-file reader (spreadsheets and small files ignore it: see ``RawFile.typed``).
    """
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot open the file ({exc.strerror}).") from exc
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        return _read_workbook(engine, path)
    return _read_delimited(
        engine,
        path,
        force_python=force_python_csv,
        line_count=line_count or (lambda: count_lines(path)),
        typed=typed,
    )


# --- spreadsheets ------------------------------------------------------------------------------


def _cell_text(value: object) -> str | None:
    """A spreadsheet cell as the text a person would read; floats keep their shortest form."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    return str(value)


def _read_workbook(engine: Engine, path: Path) -> RawFile:
    from python_calamine import CalamineWorkbook

    check_workbook(path)  # before calamine allocates a sheet's grid (see workbook_guard)
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # calamine raises its own error types for every corruption
        raise UnreadableFileError(
            f"{path.name}: the file looks like an Excel workbook but cannot be opened "
            f"({type(exc).__name__}: {exc}). Re-save it from Excel, or export it as CSV."
        ) from exc
    sheets: list[str | None] = []
    columns: dict[str, list[object]] = {"sheet": [], "source_row": []}
    width = 0
    rows_by_sheet: list[tuple[str, list[list[str | None]]]] = []
    for name in book.sheet_names:
        try:
            data = book.get_sheet_by_name(name).to_python(skip_empty_area=False)
        except Exception as exc:
            raise UnreadableFileError(
                f"{path.name}: sheet {name!r} cannot be read ({type(exc).__name__}: {exc})."
            ) from exc
        rows = [[_cell_text(v) for v in row] for row in data]
        if not any(any(c is not None for c in row) for row in rows):
            continue
        sheets.append(name)
        rows_by_sheet.append((name, rows))
        width = max(width, max(len(r) for r in rows))
    if not sheets:
        raise NoDataError(f"{path.name}: every sheet in the workbook is empty.")
    cells: list[list[str | None]] = [[] for _ in range(width)]
    for name, rows in rows_by_sheet:
        for number, row in enumerate(rows, start=1):
            columns["sheet"].append(name)
            columns["source_row"].append(number)
            for i in range(width):
                cells[i].append(row[i] if i < len(row) else None)
    table = pa.table(
        {
            "sheet": pa.array(columns["sheet"], pa.string()),
            "source_row": pa.array(columns["source_row"], pa.int64()),
            **{
                name: pa.array(col, pa.string())
                for name, col in zip(column_names(width), cells, strict=False)
            },
        }
    )
    engine.register(RAW, table)
    fmt = "xls" if path.read_bytes()[:4] == b"\xd0\xcf\x11\xe0" else "xlsx"
    return RawFile(format=fmt, width=width, sheets=sheets)


# --- delimited text ----------------------------------------------------------------------------


def _cp1252_or_latin1(error: UnicodeError) -> tuple[str, int]:
    """cp1252 leaves five bytes undefined; read those as latin-1 rather than fail."""
    assert isinstance(error, UnicodeDecodeError)
    bad = error.object[error.start : error.end]
    return bytes(bad).decode("latin-1"), error.end


codecs.register_error("anchorkit_latin1", _cp1252_or_latin1)


def detect_encoding(path: Path) -> str:
    """BOM first, then strict UTF-8 over the whole file, else Windows-1252 (per file)."""
    with path.open("rb") as handle:
        start = handle.read(4)
        if start.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        if start.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16"
        handle.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        try:
            while chunk := handle.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8"


def _decode(data: bytes, encoding: str) -> str:
    errors = "anchorkit_latin1" if encoding == "cp1252" else "strict"
    return data.decode(encoding, errors=errors)


def _check_text(path: Path, sample: bytes, encoding: str) -> None:
    if not encoding.startswith("utf-16") and b"\x00" in sample[:4096]:
        raise UnreadableFileError(
            f"{path.name}: this is not a spreadsheet or a delimited text file (it holds binary "
            "data). Export the spend as CSV or Excel (.xlsx/.xls) and ingest that."
        )


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the most lines into the same number (>1) of fields."""
    lines = [line for line in text.splitlines()[:200] if line.strip()]
    best, best_score = ",", -1.0
    for delimiter in DELIMITERS:
        counts = [len(r) for r in csv.reader(lines, delimiter=delimiter)]
        multi = [c for c in counts if c > 1]
        if not multi:
            continue
        modal = max(set(multi), key=multi.count)
        consistency = multi.count(modal) / len(lines)
        candidate = consistency * 10 + min(modal, 50) / 50
        if candidate > best_score:
            best, best_score = delimiter, candidate
    return best


def _sample_encoding(sample: bytes) -> str:
    """The encoding a file's first bytes show; big files are checked in full by the reader."""
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample)
    except UnicodeDecodeError:
        return "cp1252"
    return "utf-8"


def _read_delimited(
    engine: Engine,
    path: Path,
    *,
    force_python: bool,
    line_count: Callable[[], int],
    typed: TypedRead | None,
) -> RawFile:
    size = path.stat().st_size
    if size == 0:
        raise NoDataError(f"{path.name}: the file is empty.")
    big = size > PYTHON_CSV_MAX_BYTES and not force_python
    with path.open("rb") as handle:
        sample_bytes = handle.read(1 << 18)
    # a big file's encoding is taken from its start and checked by DuckDB as it reads (invalid
    # UTF-8 is an error there, and then the whole file is decoded); a small one is checked now
    encoding = _sample_encoding(sample_bytes) if big else detect_encoding(path)
    _check_text(path, sample_bytes, encoding)
    cut = sample_bytes.rfind(b"\n") if len(sample_bytes) == 1 << 18 else len(sample_bytes)
    sample = _decode(sample_bytes[: cut if cut > 0 else None], encoding).lstrip("\ufeff")
    delimiter = sniff_delimiter(sample)
    raw = RawFile(format="csv" if delimiter != "\t" else "tsv", width=0, sheets=[None])
    raw.encoding, raw.delimiter = encoding, delimiter
    if big:
        width = max(len(r) for r in csv.reader(sample.splitlines()[:1000], delimiter=delimiter))
        if _read_with_engine(engine, path, raw, encoding, delimiter, width, line_count, typed):
            return raw
        full = detect_encoding(path)
        if full != encoding:
            raw.encoding = encoding = full
            if _read_with_engine(engine, path, raw, encoding, delimiter, width, line_count, typed):
                return raw
    _read_with_python(engine, path, raw, encoding, delimiter)
    return raw


def _records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    """Yield (first line number, fields) for every record, blank lines included."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    line = 1
    for fields in reader:
        yield line, fields
        line = reader.line_num + 1


def _read_with_python(
    engine: Engine, path: Path, raw: RawFile, encoding: str, delimiter: str
) -> None:
    try:
        text = _decode(path.read_bytes(), encoding).lstrip("\ufeff")
        records = list(_records(text, delimiter))
    except (UnicodeDecodeError, csv.Error) as exc:
        raise UnreadableFileError(f"{path.name}: cannot be read as text: {exc}.") from exc
    width = max((len(f) for _, f in records), default=0)
    if width == 0:
        raise NoDataError(f"{path.name}: the file holds no rows.")
    cells: list[list[str | None]] = [[] for _ in range(width)]
    for _, fields in records:
        for i in range(width):
            cells[i].append(fields[i] if i < len(fields) and fields[i] != "" else None)
    table = pa.table(
        {
            "sheet": pa.nulls(len(records), pa.string()),
            "source_row": pa.array([n for n, _ in records], pa.int64()),
            **{
                name: pa.array(col, pa.string())
                for name, col in zip(column_names(width), cells, strict=False)
            },
        }
    )
    engine.register(RAW, table)
    raw.width = width


def count_lines(path: Path) -> int:
    with path.open("rb") as handle:
        count, last = 0, b""
        while chunk := handle.read(_CHUNK):
            count += chunk.count(b"\n")
            last = chunk
    return count + (1 if last and not last.endswith(b"\n") else 0)


def _read_with_engine(
    engine: Engine,
    path: Path,
    raw: RawFile,
    encoding: str,
    delimiter: str,
    width: int,
    line_count: Callable[[], int],
    typed: TypedRead | None,
) -> bool:
    """DuckDB's parallel reader; False when its record count shows blank or multi-line records."""
    source: Path | str = path
    tmp: str | None = None
    if encoding not in ("utf-8", "utf-8-sig"):
        tmp = _transcode(path, encoding)
        source = tmp
    names = column_names(width)
    scan = engine.csv_scan_sql(str(source), delimiter=delimiter, quote='"', columns=names)
    raw.width = width
    plain = f"SELECT * FROM {scan}"
    try:
        select = None
        if typed is not None:
            head = f"{plain} LIMIT {int(typed.head_lines)}"
            if not _engine_read(engine, "read_csv_head", head):
                return False
            select = _typed_select(engine, raw, scan, typed)
        # should the caller's columns fail on some cell, the raw cells alone may still be read
        if select is not None and not _engine_read(engine, "read_csv", select):
            select = None
        if select is None and not _engine_read(engine, "read_csv", plain):
            return False
    finally:
        if tmp is not None:
            os.unlink(tmp)
    (records,) = engine.query_one("count_records", f"SELECT count(*) FROM {RAW_CELLS}")
    if records != line_count():
        engine.run("drop_raw_cells", f"DROP TABLE {RAW_CELLS}")
        return False
    _raw_view(engine, names)
    raw.typed = select is not None
    return True


def _raw_view(engine: Engine, names: list[str]) -> None:
    """``RAW`` over ``RAW_CELLS``: a row's number is its place in the table (DuckDB keeps the
    file's order, preserve_insertion_order), which is its line, as every record is one line."""
    engine.run(
        "raw_view",
        f"CREATE OR REPLACE TEMP VIEW {RAW} AS SELECT NULL::VARCHAR AS sheet, "
        f"rowid + 1 AS source_row, {', '.join(names)} FROM {RAW_CELLS}",
    )


def _engine_read(engine: Engine, step: str, select: str) -> bool:
    """``RAW_CELLS`` from a SELECT over the file's scan; False when DuckDB cannot read the file."""
    try:
        engine.run(step, f"CREATE OR REPLACE TEMP TABLE {RAW_CELLS} AS {select}")
    except EngineError:
        raise
    except Exception:  # malformed rows, ragged widths: the exact Python reader will say which
        return False
    return True


def _typed_select(engine: Engine, raw: RawFile, scan: str, typed: TypedRead) -> str | None:
    """Show the caller the file's first lines (read into ``RAW_CELLS``) as ``RAW``, and return
    its SELECT over ``scan``."""
    _raw_view(engine, column_names(raw.width))
    try:
        return typed.select(raw, scan)
    finally:
        drop_raw(engine)


def adopt_cells(engine: Engine, table: str) -> None:
    """Hand the big-file reader's table (raw cells and a TypedRead's columns) to the caller,
    renamed ``table`` (replacing any table of that name, as CREATE OR REPLACE would); the
    ``RAW`` view over it is dropped."""
    engine.run("drop_raw_view", f"DROP VIEW IF EXISTS {RAW}")
    engine.run("adopt_cells", f"DROP TABLE IF EXISTS {table}")
    engine.run("adopt_cells", f"ALTER TABLE {RAW_CELLS} RENAME TO {table}")


def _transcode(path: Path, encoding: str) -> str:
    fd, name = tempfile.mkstemp(suffix=".csv")
    errors = "anchorkit_latin1" if encoding == "cp1252" else "strict"
    with (
        os.fdopen(fd, "w", encoding="utf-8", newline="") as out,
        path.open("r", encoding=encoding, errors=errors, newline="") as src,
    ):
        while chunk := src.read(_CHUNK):
            out.write(chunk)
    return name


def drop_raw(engine: Engine) -> None:
    """Forget the raw cells of the last file read (either path)."""
    for statement in (f"DROP VIEW IF EXISTS {RAW}", f"DROP TABLE IF EXISTS {RAW_CELLS}"):
        try:
            engine.run("drop_raw", statement)
        except Exception:  # a registered Arrow table is not a view
            pass
    try:
        engine.unregister(RAW)
    except Exception:
        pass

"""Check a workbook's size before the Excel reader opens it.

Why: the Excel reader (calamine) builds every sheet as a dense grid from A1 to the last cell it
is told about — the sheet's claimed ``<dimension>`` or its farthest cell. A 1.6 KB file with a
header in A1:C2 and one cell at XFD1048576 asks for 17 billion cells (hundreds of GB); the
allocation fails inside Rust and the process aborts — no exception, so the dashboard dies with it.
The size cannot be caught afterwards, so it is read first, from the file itself, with bounded
work: the sheets of an XLSX are scanned as a stream of bytes (never parsed into a tree, never
more than :data:`MAX_XML_BYTES` unpacked), the cells of an XLS are read record by record from
its compound-file stream. A workbook whose grid would exceed :data:`MAX_CELLS` is refused with a
message naming the sheet and its size.

Used by :mod:`anchorkit.ingest.readers` for every workbook, so the CLI and the dashboard refuse
the same files.
"""

from __future__ import annotations

import re
import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from anchorkit.errors import UnreadableFileError

#: the largest grid (rows × columns, from A1) the reader may build: Excel's full 1,048,576 rows
#: by 28 columns, far beyond any spend export, yet a few GB at most in memory
MAX_CELLS = 30_000_000
#: the most sheet and shared-string XML read from an XLSX (unpacked): ~100 bytes per allowed cell
MAX_XML_BYTES = MAX_CELLS * 100
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384
_CHUNK = 1 << 20
_MAX_TAG = 1 << 16  # no tag of a sheet is this long; a longer one is not a sheet


@dataclass(frozen=True)
class SheetSize:
    sheet: str
    rows: int
    columns: int

    @property
    def cells(self) -> int:
        return self.rows * self.columns


def check_workbook(path: Path, *, max_cells: int = MAX_CELLS) -> list[SheetSize]:
    """The size of every sheet of an XLSX or XLS; raises UnreadableFileError if one is too big."""
    with path.open("rb") as handle:
        head = handle.read(8)
    sizes = _xlsx_sizes(path) if head.startswith(b"PK\x03\x04") else _xls_sizes(path)
    for size in sizes:
        if size.cells > max_cells:
            raise UnreadableFileError(
                f"{path.name}: sheet {size.sheet!r} claims {size.rows:,} rows × "
                f"{size.columns:,} columns ({_column_name(size.columns)}{size.rows}), "
                f"{size.cells:,} cells, more than the {max_cells:,} anchorkit reads from a "
                "workbook. Delete the stray cells far from the data (or save the sheet as CSV) "
                "and try again."
            )
    return sizes


# --- XLSX: zip of XML parts --------------------------------------------------------------------

_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\s[^>]*?\bref="([^"]*)"')
_ROW_TAG = re.compile(rb"<(?:[\w.-]+:)?row[\s/>]")
_ROW_REF = re.compile(rb'<(?:[\w.-]+:)?row\s[^>]*?\br="([0-9]{1,10})"')
_CELL_TAG = re.compile(rb"<(?:[\w.-]+:)?c[\s/>]")
_CELL_REF = re.compile(rb'<(?:[\w.-]+:)?c\s[^>]*?\br="([A-Za-z]{1,4})([0-9]{1,10})"')
# one element at a time, for sheets whose cells do not all say where they are
_ELEMENT = re.compile(rb"<(?:[\w.-]+:)?(row|c)(?=[\s/>])([^>]*)>")
_R_ATTR = re.compile(rb'\br="([A-Za-z]{0,4})([0-9]{1,10})"')
_SHEET = re.compile(rb"<(?:[\w.-]+:)?sheet\s[^>]*>")
_ATTR = re.compile(rb'([\w:.-]+)="([^"]*)"')
_REL = re.compile(rb"<(?:[\w.-]+:)?Relationship\s[^>]*>")


def _xlsx_sizes(path: Path) -> list[SheetSize]:
    try:
        with zipfile.ZipFile(path) as book:
            names = _sheet_names(book)
            parts = [
                i
                for i in book.infolist()
                if re.fullmatch(r"xl/(worksheets|chartsheets|dialogsheets)/[^/]+\.xml", i.filename)
            ]
            budget = MAX_XML_BYTES
            strings = [i for i in book.infolist() if i.filename == "xl/sharedStrings.xml"]
            for info in strings:
                budget -= _drain(book, info, budget, path.name)
            sizes = []
            for info in parts:
                size, used = _scan_sheet(
                    book, info, names.get(info.filename, info.filename), budget, path.name
                )
                budget -= used
                sizes.append(size)
            return sizes
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
        raise UnreadableFileError(
            f"{path.name}: the file looks like an Excel workbook but cannot be opened ({exc}). "
            "Re-save it from Excel, or export it as CSV."
        ) from exc


def _read_part(book: zipfile.ZipFile, name: str, limit: int = 1 << 24) -> bytes:
    with book.open(name) as part:
        return part.read(limit)


def _sheet_names(book: zipfile.ZipFile) -> dict[str, str]:
    """Worksheet part → the sheet's name (as shown on its tab), for messages."""
    try:
        workbook = _read_part(book, "xl/workbook.xml")
        rels = _read_part(book, "xl/_rels/workbook.xml.rels")
    except KeyError:
        return {}
    targets: dict[bytes, str] = {}
    for tag in _REL.findall(rels):
        rel = dict(_ATTR.findall(tag))
        target = rel.get(b"Target", b"").decode("utf-8", "replace")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl", target))
        targets[rel.get(b"Id", b"")] = part
    names: dict[str, str] = {}
    for tag in _SHEET.findall(workbook):
        attrs = _ATTR.findall(tag)
        name = next((v for k, v in attrs if k == b"name"), b"")
        rid = next((v for k, v in attrs if k.endswith(b":id")), b"")
        if rid in targets:
            names[targets[rid]] = _unescape(name.decode("utf-8", "replace"))
    return names


def _unescape(text: str) -> str:
    return (
        text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", '"')
        .replace("&apos;", "'")
        .replace("&amp;", "&")
    )


def _drain(book: zipfile.ZipFile, info: zipfile.ZipInfo, budget: int, file: str) -> int:
    """Read a part to its end (the reader will), counting its unpacked bytes against the budget."""
    used = 0
    with book.open(info) as part:
        while chunk := part.read(_CHUNK):
            used += len(chunk)
            _check_budget(used, budget, file, info.filename)
    return used


def _check_budget(used: int, budget: int, file: str, part: str) -> None:
    if used > budget:
        raise UnreadableFileError(
            f"{file}: {part} unpacks to more than {MAX_XML_BYTES / 1e9:,.0f} GB of XML, more "
            "than any spend workbook holds. Save the sheet as CSV and ingest that."
        )


class _Extent:
    """The farthest row and column a sheet's cells reach (1-based), and its claimed dimension."""

    def __init__(self) -> None:
        self.rows = self.columns = 0
        self.claimed_rows = self.claimed_columns = 0
        self.all_placed = True  # every row and cell says where it is (r="...")

    def cell(self, column: int, row: int) -> None:
        self.rows = max(self.rows, row)
        self.columns = max(self.columns, column)


def _scan_sheet(
    book: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: int, file: str
) -> tuple[SheetSize, int]:
    """Stream one sheet's XML: its dimension and the farthest cell, without building a tree."""
    extent = _Extent()
    used = 0
    carry = b""
    with book.open(info) as part:
        while True:
            chunk = part.read(_CHUNK)
            used += len(chunk)
            _check_budget(used, budget, file, info.filename)
            data = carry + chunk
            if not chunk:
                _scan_block(data, extent)
                break
            cut = data.rfind(b">") + 1  # whole tags only; the rest waits for the next chunk
            if cut == 0 and len(data) > _MAX_TAG:
                raise UnreadableFileError(f"{file}: sheet {name!r} is not a valid worksheet.")
            _scan_block(data[:cut], extent)
            carry = data[cut:]
    if not extent.all_placed:
        extent = _exact_extent(book, info, extent)
    rows = max(extent.rows, extent.claimed_rows)
    columns = max(extent.columns, extent.claimed_columns)
    return SheetSize(name, rows, columns), used


def _scan_block(data: bytes, extent: _Extent) -> None:
    """The fast path, at C speed: the largest references in a block of whole tags."""
    if not extent.claimed_rows and (found := _DIMENSION.search(data)):
        for ref in found.group(1).split(b":"):
            column, row = _parse_ref(ref)
            extent.claimed_rows = max(extent.claimed_rows, row)
            extent.claimed_columns = max(extent.claimed_columns, column)
    rows = _ROW_REF.findall(data)
    if rows:
        extent.rows = max(extent.rows, max(map(int, rows)))
    cells = _CELL_REF.findall(data)
    if cells:
        letters = {c.upper() for c, _ in cells}  # a sheet has few distinct columns
        extent.columns = max(extent.columns, max(_column_number(c) for c in letters))
        extent.rows = max(extent.rows, max(map(int, (r for _, r in cells))))
    if len(rows) != len(_ROW_TAG.findall(data)) or len(cells) != len(_CELL_TAG.findall(data)):
        extent.all_placed = False


def _exact_extent(book: zipfile.ZipFile, info: zipfile.ZipInfo, seen: _Extent) -> _Extent:
    """Element by element, as the reader places them: a row or cell without ``r`` follows the
    previous one. Slower (a Python step per cell), so only for sheets that need it."""
    extent = _Extent()
    extent.claimed_rows, extent.claimed_columns = seen.claimed_rows, seen.claimed_columns
    row = column = 0
    carry = b""
    with book.open(info) as part:
        while True:
            chunk = part.read(_CHUNK)
            data = carry + chunk
            cut = len(data) if not chunk else data.rfind(b">") + 1
            for match in _ELEMENT.finditer(data, 0, cut):
                ref = _R_ATTR.search(match.group(2))
                if match.group(1) == b"row":
                    row = int(ref.group(2)) if ref else row + 1
                    column = 0
                    continue
                if ref and ref.group(1):
                    column = _column_number(ref.group(1).upper())
                    extent.cell(column, int(ref.group(2)))
                else:
                    column += 1
                    extent.cell(column, max(row, 1))
            if not chunk:
                break
            carry = data[cut:]
    return extent


def _parse_ref(ref: bytes) -> tuple[int, int]:
    found = re.fullmatch(rb"\$?([A-Za-z]{1,4})\$?([0-9]{1,10})", ref.strip())
    if not found:
        return 0, 0
    return _column_number(found.group(1).upper()), int(found.group(2))


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters:
        number = number * 26 + (letter - 64)
    return number


def _column_name(number: int) -> str:
    name = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        name = chr(65 + rest) + name
    return name or "A"


# --- XLS: BIFF records in an OLE2 compound file ------------------------------------------------

_CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_CHAIN = 0xFFFFFFFE
_FREE = 0xFFFFFFFF
#: BIFF records that hold one cell: they start with its row and column (u16 each)
_ONE_CELL = {0x0006, 0x00FD, 0x0203, 0x027E, 0x0201, 0x0204, 0x0205, 0x00D6, 0x0406, 0x0206}
_MULTI_CELL = {0x00BD, 0x00BE}  # MULRK, MULBLANK: row, first column, ..., last column (last u16)
_DIMENSIONS, _BOF, _EOF, _BOUNDSHEET = 0x0200, 0x0809, 0x000A, 0x0085


def _xls_sizes(path: Path) -> list[SheetSize]:
    data = path.read_bytes()
    try:
        stream = _workbook_stream(data)
    except (ValueError, IndexError, struct.error) as exc:
        raise UnreadableFileError(
            f"{path.name}: the file looks like an Excel 97-2003 workbook but cannot be opened "
            f"({exc}). Re-save it from Excel as .xlsx, or export it as CSV."
        ) from exc
    return _biff_sizes(stream)


def _workbook_stream(data: bytes) -> bytes:
    """The ``Workbook`` (or ``Book``) stream of a compound file, read along its sector chain."""
    if not data.startswith(_CFB_MAGIC):
        raise ValueError("not a compound file")
    sector_shift, mini_shift = struct.unpack_from("<HH", data, 30)
    if sector_shift not in (9, 12) or mini_shift != 6:
        raise ValueError("unknown sector size")
    size = 1 << sector_shift
    (fat_sectors, directory_start, _, mini_cutoff, mini_fat_start, _, difat_start, difat_count) = (
        struct.unpack_from("<IIIIIIII", data, 44)
    )
    sectors = (len(data) - 512) // size + 1

    def sector(n: int) -> bytes:
        if n >= sectors:
            raise ValueError("sector out of range")
        start = 512 + n * size
        return data[start : start + size]

    fat_list = list(struct.unpack_from("<109I", data, 76))
    seen = 0
    while difat_start not in (_END_OF_CHAIN, _FREE) and seen < difat_count and seen < sectors:
        block = struct.unpack(f"<{size // 4}I", sector(difat_start))
        fat_list += block[:-1]
        difat_start = block[-1]
        seen += 1
    fat: list[int] = []
    for n in fat_list[:fat_sectors]:
        fat += struct.unpack(f"<{size // 4}I", sector(n))

    def chain(start: int, table: list[int], limit: int) -> list[int]:
        out: list[int] = []
        while start not in (_END_OF_CHAIN, _FREE) and len(out) <= limit:
            if start >= len(table):
                raise ValueError("broken sector chain")
            out.append(start)
            start = table[start]
        return out

    directory = b"".join(sector(n) for n in chain(directory_start, fat, sectors))
    entries = []
    for offset in range(0, len(directory) - 127, 128):
        name_len = struct.unpack_from("<H", directory, offset + 64)[0]
        name = directory[offset : offset + max(0, min(name_len, 64) - 2)].decode(
            "utf-16-le", "replace"
        )
        kind = directory[offset + 66]
        start, stream_size = struct.unpack_from("<IQ", directory, offset + 116)
        entries.append((name, kind, start, stream_size))
    root = next(e for e in entries if e[1] == 5)
    found = next((e for e in entries if e[1] == 2 and e[0] in ("Workbook", "Book")), None)
    if found is None:
        raise ValueError("no Workbook stream")
    _, _, start, stream_size = found
    stream_size &= 0xFFFFFFFF if sector_shift == 9 else stream_size
    if stream_size >= mini_cutoff:
        return b"".join(sector(n) for n in chain(start, fat, sectors))[:stream_size]
    mini_fat: list[int] = []
    for n in chain(mini_fat_start, fat, sectors):
        mini_fat += struct.unpack(f"<{size // 4}I", sector(n))
    mini_stream = b"".join(sector(n) for n in chain(root[2], fat, sectors))
    parts = [mini_stream[n * 64 : n * 64 + 64] for n in chain(start, mini_fat, len(mini_fat))]
    return b"".join(parts)[:stream_size]


def _biff_sizes(stream: bytes) -> list[SheetSize]:
    """Each worksheet substream's claimed DIMENSIONS and farthest cell."""
    names: list[str] = []
    sizes: list[SheetSize] = []
    depth = 0
    sheet = -1
    rows = columns = 0
    offset = 0
    while offset + 4 <= len(stream):
        record, length = struct.unpack_from("<HH", stream, offset)
        body = stream[offset + 4 : offset + 4 + length]
        offset += 4 + length
        if record == _BOUNDSHEET and len(body) >= 8:
            names.append(_biff_sheet_name(body))
        elif record == _BOF:
            depth += 1
            if depth == 1 and sheet >= -1:
                sheet += 1
                rows = columns = 0
        elif record == _EOF:
            if depth == 1 and sheet >= 1:
                label = names[sheet - 1] if sheet - 1 < len(names) else f"sheet {sheet}"
                sizes.append(SheetSize(label, rows, columns))
            depth = max(0, depth - 1)
        elif record == _DIMENSIONS and len(body) >= 14:
            _first_row, last_row, _first_col, last_col = struct.unpack_from("<IIHH", body, 0)
            rows, columns = max(rows, last_row), max(columns, last_col)
        elif record == _DIMENSIONS and len(body) >= 10:  # BIFF5 and older: u16 rows
            _first_row, last_row, _first_col, last_col = struct.unpack_from("<HHHH", body, 0)
            rows, columns = max(rows, last_row), max(columns, last_col)
        elif record in _ONE_CELL and len(body) >= 4:
            row, column = struct.unpack_from("<HH", body, 0)
            rows, columns = max(rows, row + 1), max(columns, column + 1)
        elif record in _MULTI_CELL and len(body) >= 6:
            row, _first = struct.unpack_from("<HH", body, 0)
            (last,) = struct.unpack_from("<H", body, len(body) - 2)
            rows, columns = max(rows, row + 1), max(columns, last + 1)
    return sizes


def _biff_sheet_name(body: bytes) -> str:
    length, flags = body[6], body[7] if len(body) > 7 else 0
    raw = body[8:]
    if flags & 1:
        return raw[: 2 * length].decode("utf-16-le", "replace")
    return raw[:length].decode("latin-1")

"""Workbooks whose grid would not fit in memory are refused before the Excel reader opens them.

The Excel reader (calamine) allocates a sheet's whole grid from A1 to its farthest cell; a
1.6 KB file with one cell at XFD1048576 made it ask for hundreds of GB and abort the process
(no exception: the dashboard died with it). Each case here would have crashed or been read.
"""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path

import pytest
import xlsxwriter
import xlwt

from anchorkit.errors import UnreadableFileError
from anchorkit.ingest import ingest_files
from anchorkit.ingest.workbook_guard import MAX_CELLS, check_workbook
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ANCHOR


def sparse_xlsx(path: Path) -> Path:
    """A header and one line in A1:C2, and one stray cell at the last cell Excel has."""
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Spend")
    sheet.write_row(0, 0, ["Supplier", "Amount", "Date"])
    sheet.write_row(1, 0, ["Acme Ltd", 12.5, "2024-05-01"])
    sheet.write(1_048_575, 16_383, "x")
    book.close()
    return path


def test_the_sparse_workbook_is_refused_by_ingest_naming_the_sheet(
    ws: Workspace, tmp_path: Path
) -> None:
    path = sparse_xlsx(tmp_path / "sparse.xlsx")
    assert path.stat().st_size < 8_000
    (result,) = ingest_files(ws, [path], ANCHOR)  # on old code: the process aborts here
    assert result.error is not None
    assert "'Spend'" in result.error and "XFD1048576" in result.error
    assert "1,048,576 rows × 16,384 columns" in result.error
    (lines,) = ws.engine.query_one("n", "SELECT count(*) FROM spend_line")
    assert lines == 0


def _zip_sheet(path: Path, sheet_xml: str, dimension: str = "") -> Path:
    """A minimal XLSX by hand: cells may lack their r="..." (the reader places them in order)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="xml" ContentType="application/xml"/>'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName='
            '"/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        book.writestr(
            "_rels/.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>",
        )
        book.writestr(
            "xl/workbook.xml",
            '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
            'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships"><sheets><sheet name="Payments &amp; more" sheetId="1" '
            'r:id="rId1"/></sheets></workbook>',
        )
        book.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/'
            'officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            "</Relationships>",
        )
        book.writestr(
            "xl/worksheets/sheet1.xml",
            '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
            f'spreadsheetml/2006/main">{dimension}<sheetData>{sheet_xml}</sheetData></worksheet>',
        )
    return path


def test_cells_without_references_are_placed_as_the_reader_places_them(tmp_path: Path) -> None:
    # one wide row of 20,000 unnumbered cells, then 2,000 unnumbered rows: 40 million cells
    wide = "<row>" + '<c t="inlineStr"><is><t>x</t></is></c>' * 20_000 + "</row>"
    path = _zip_sheet(tmp_path / "noref.xlsx", wide + "<row><c><v>1</v></c></row>" * 1_999)
    assert path.stat().st_size < 100_000
    with pytest.raises(UnreadableFileError, match=r"'Payments & more' claims 2,000 rows × 20,000"):
        check_workbook(path)
    # a small one of the same shape is read as it is
    small = _zip_sheet(tmp_path / "small.xlsx", "<row><c><v>1</v></c><c><v>2</v></c></row>" * 3)
    (size,) = check_workbook(small)
    assert (size.rows, size.columns) == (3, 2)


def test_a_claimed_dimension_alone_is_enough_to_refuse(tmp_path: Path) -> None:
    path = _zip_sheet(
        tmp_path / "claims.xlsx",
        '<row r="1"><c r="A1"><v>1</v></c></row>',
        dimension='<dimension ref="A1:ZZ999999"/>',
    )
    with pytest.raises(UnreadableFileError, match=r"999,999 rows × 702 columns \(ZZ999999\)"):
        check_workbook(path)


def test_an_xls_cell_far_away_is_refused(tmp_path: Path) -> None:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Pay")
    sheet.write(0, 0, "Supplier")
    sheet.write(1, 1, 12345.678)
    book.save(str(tmp_path / "ok.xls"))
    (size,) = check_workbook(tmp_path / "ok.xls")
    assert (size.sheet, size.rows, size.columns) == ("Pay", 2, 2)
    # the same file with the number's cell moved to row 65,536, column 65,521 (BIFF allows it)
    data = bytearray((tmp_path / "ok.xls").read_bytes())
    at = data.find(struct.pack("<d", 12345.678))
    assert struct.unpack_from("<HH", data, at - 10) == (0x0203, 14)  # a NUMBER record
    struct.pack_into("<HH", data, at - 6, 0xFFFF, 0xFFF0)
    (tmp_path / "far.xls").write_bytes(bytes(data))
    with pytest.raises(UnreadableFileError, match=r"sheet 'Pay' claims 65,536 rows × 65,521"):
        check_workbook(tmp_path / "far.xls")


def test_real_workbooks_pass_with_their_true_size(shared_data: Path) -> None:
    from python_calamine import CalamineWorkbook

    path = shared_data / "uk-lancashire-fire-police-spend" / "xlsx" / "fire-2022-23.xlsx"
    (size,) = check_workbook(path)
    grid = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert (size.rows, size.columns) == (len(grid), max(len(r) for r in grid))
    assert size.cells < MAX_CELLS

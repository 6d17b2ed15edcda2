"""Uploads from the dashboard: receive, check, preview, confirm.

The preview is a real ingest run inside a transaction that is then rolled back: the numbers a user
confirms (rows loaded, rejected rows and why, the column mapping) are exactly what the load will
do, and nothing is written until they confirm. Confirming loads the file with the mapping they
saw (or corrected), which is also saved for the anchor's future files of the same layout.

A file is refused before it reaches the ingest when it is too big (``web.max_upload_mb``), its
name tries to leave the upload folder, or it is not a spreadsheet by name and by its first bytes.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from anchorkit.errors import AnchorkitError
from anchorkit.ingest.load import _drop_work, ingest_file
from anchorkit.ingest.mapping import CANONICAL, LABELS, UserMapping
from anchorkit.ocds.read import starts_like_json
from anchorkit.source_files import FileResult
from anchorkit.workspace import Workspace

UPLOAD_DIR = "uploads"
SPREADSHEET_SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xlsm", ".xls")
#: OCDS release or record packages, single releases, JSON lines (see docs/ocds.md)
OCDS_SUFFIXES = (".json", ".jsonl")
ACCEPTED_SUFFIXES = SPREADSHEET_SUFFIXES + OCDS_SUFFIXES
CHUNK = 1 << 20
PREVIEW_REJECTS = 50


class UploadRefused(Exception):
    """An upload that never reaches the store; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


def safe_name(name: str | None) -> str:
    """The file name as given, if it is a plain name; anything with a path in it is refused."""
    if not name or not name.strip():
        raise UploadRefused("The upload has no file name. Choose a file and try again.", 400)
    name = name.strip()
    if (
        "/" in name
        or "\\" in name
        or "\x00" in name
        or name in (".", "..")
        or name.startswith("..")
        or re.match(r"^[A-Za-z]:", name)
    ):
        raise UploadRefused(
            f"The file name {name!r} contains a folder path, which is not allowed. Rename the "
            "file to a plain name such as spend-2025.csv and upload it again.",
            400,
        )
    if len(name) > 200:
        raise UploadRefused("The file name is longer than 200 characters; shorten it.", 400)
    return name


def _contents_match_name(head: bytes, suffix: str) -> bool:
    """Whether the first bytes are what the name says: a workbook, text, or JSON for OCDS."""
    if suffix in OCDS_SUFFIXES:
        return starts_like_json(head)
    if suffix in (".xlsx", ".xlsm"):
        return head.startswith(b"PK\x03\x04")
    if suffix == ".xls":
        return head.startswith(b"\xd0\xcf\x11\xe0")
    # text: no NUL bytes (UTF-16 files carry a BOM); `receive` checks every block, not just this
    return b"\x00" not in head or head[:2] in (b"\xff\xfe", b"\xfe\xff")


def receive(
    source: BinaryIO, name: str | None, folder: Path, upload_id: int, max_mb: int
) -> tuple[Path, int]:
    """Stream an upload into a new folder of ``folder``; refuse it whole or keep it."""
    original = safe_name(name)
    suffix = Path(original).suffix.lower()
    if suffix not in ACCEPTED_SUFFIXES:
        raise UploadRefused(
            f"{original} is not a file anchorkit can read. Upload spend as CSV or Excel "
            f"({', '.join(SPREADSHEET_SUFFIXES)}), or awards as OCDS JSON "
            f"({', '.join(OCDS_SUFFIXES)}).",
            415,
        )
    # a folder per upload, named by us; inside it the user's own (checked) file name, which the
    # ledger then records as the file's name
    home = folder / f"{upload_id:06d}"
    home.mkdir(parents=True, exist_ok=True)
    target = home / original
    limit = max_mb * 1024 * 1024
    size = 0
    head = b""
    text = suffix in (".csv", ".tsv", ".txt")
    binary = False  # a text file with a NUL byte anywhere in it (not just in its first block)
    try:
        with target.open("wb") as out:
            while chunk := source.read(CHUNK):
                if not head:
                    head = chunk[:8192]
                    text = text and head[:2] not in (b"\xff\xfe", b"\xfe\xff")  # UTF-16
                binary = binary or (text and b"\x00" in chunk)
                size += len(chunk)
                if size > limit:
                    raise UploadRefused(
                        f"{original} is larger than the {max_mb} MB the dashboard accepts. "
                        "Split it by year, or load it with `anchorkit ingest` on the server "
                        "(an admin can raise web.max_upload_mb).",
                        413,
                    )
                out.write(chunk)
        if size == 0:
            raise UploadRefused(f"{original} is empty: there is nothing to load.", 400)
        if (
            binary
            or not _contents_match_name(head, suffix)
            or (suffix in (".xlsx", ".xlsm") and not zipfile.is_zipfile(target))
        ):
            ocds = suffix in OCDS_SUFFIXES
            raise UploadRefused(
                f"{original} is named {suffix} but its contents are not "
                + (
                    "OCDS JSON. Export the awards again as an OCDS release package."
                    if ocds
                    else "a spreadsheet. Export the spend again from the finance system as "
                    "CSV or Excel."
                ),
                415,
            )
    except BaseException:
        target.unlink(missing_ok=True)
        home.rmdir()
        raise
    return target, size


class _Rollback(Exception):
    pass


@dataclass
class Preview:
    result: FileResult
    rejected: list[dict[str, Any]]

    def to_json(self) -> dict[str, Any]:
        return {"result": self.result.to_json(), "rejected": self.rejected}


def preview(ws: Workspace, path: Path, anchor_name: str, mapping: UserMapping | None) -> Preview:
    """Ingest inside a transaction, read what it did, roll it all back."""
    anchor = ws.anchor(anchor_name)
    rejected: list[dict[str, Any]] = []
    result: FileResult | None = None
    try:
        with ws.engine.transaction():
            result = ingest_file(ws, path, anchor, mapping=mapping)
            rejected = rejected_rows_of(ws, result.file_id)
            raise _Rollback
    except _Rollback:
        pass
    finally:
        _drop_work(ws)
    assert result is not None
    return Preview(result, rejected)


def rejected_rows_of(ws: Workspace, file_id: str | None) -> list[dict[str, Any]]:
    """The first rejected rows of one file, with their reasons, for an upload's report."""
    return [
        {"sheet": sheet, "source_row": row, "reasons": list(reasons), "cells": cells}
        for sheet, row, reasons, cells in ws.engine.query(
            "upload_rejected",
            "SELECT sheet, source_row, reasons, raw_cells FROM rejected_row "
            f"WHERE file_id = ? ORDER BY sheet, source_row LIMIT {PREVIEW_REJECTS}",
            [file_id],
        )
    ]


def load(
    ws: Workspace,
    path: Path,
    anchor_name: str,
    mapping: UserMapping | None,
    by: str,
    *,
    replace: bool = False,
) -> FileResult:
    """Load (``replace``: re-read, in place of what it gave) a file with a mapping."""
    try:
        return ingest_file(
            ws, path, ws.anchor(anchor_name), mapping=mapping, uploaded_by=by, replace=replace
        )
    finally:
        _drop_work(ws)


def mapping_choices(result: FileResult) -> list[dict[str, Any]]:
    """For the confirm form (the dashboard's ``--map``): each anchorkit column, the header
    chosen for it with how sure and why, and the options."""
    if not result.columns:
        return []
    section = result.columns[0]
    headers = [str(h) for h in section.get("headers") or []]
    positions: dict[str, int] = section.get("positions") or {}
    fields: dict[str, dict[str, Any]] = section.get("fields") or {}
    options = [h or f"column {i + 1}" for i, h in enumerate(headers)]
    return [
        {
            "column": column,
            "label": LABELS.get(column, column),
            "chosen": options[positions[column]] if column in positions else "",
            "options": options,
            "confidence": fields.get(column, {}).get("confidence"),
            "reason": fields.get(column, {}).get("reason", ""),
        }
        for column in CANONICAL
    ]


def mapping_from_form(result: FileResult, form: dict[str, str]) -> UserMapping:
    """The mapping the user confirmed: header texts (or column numbers for unnamed columns)."""
    section = result.columns[0] if result.columns else {}
    headers = [str(h) for h in section.get("headers") or []]
    options = [h or f"column {i + 1}" for i, h in enumerate(headers)]
    columns: dict[str, str | int] = {}
    for column in CANONICAL:
        chosen = (form.get(f"map_{column}") or "").strip()
        if not chosen:
            continue
        if chosen not in options:
            raise AnchorkitError(f"{chosen!r} is not a column of this file.")
        index = options.index(chosen)
        columns[column] = headers[index] if headers[index] else index + 1
    return UserMapping(columns=columns)

"""The ledger of the other two levers' files — workforce aggregates and investment registers —
with the promises spend files have: a file is known by its SHA-256 (the same bytes again change
nothing), every data row is loaded or rejected with its reasons (``rows_read == rows_loaded +
rows_rejected``, checked before anything is written), and a file's record, its rows, its rejected
rows and whatever it replaces land in one transaction (a crash leaves the store as it was).

Shared by :mod:`anchorkit.workforce` and :mod:`anchorkit.investment`, which differ in what a row
means, not in how a file is accounted for.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from anchorkit.errors import IngestError
from anchorkit.source_files import fault, file_digest
from anchorkit.workspace import Anchor, Workspace

KINDS = ("workforce", "investment")
REJECTS = "__anchorkit__lever_rejects"
SHOWN_REJECTS = 50


@dataclass
class Rejected:
    """A data row that cannot be used, with every reason (and where it was)."""

    sheet: str | None
    source_row: int
    raw_cells: dict[str, str | None]
    reasons: list[str]


@dataclass
class LeverResult:
    """What importing one file did; ``rows_read == rows_loaded + rows_rejected`` always."""

    file: str
    kind: str
    anchor: str
    file_id: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    already_loaded: bool = False
    error: str | None = None
    format: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    rows_skipped: dict[str, int] = field(default_factory=dict)
    periods: list[int] = field(default_factory=list)
    replaced: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rejected: list[dict[str, Any]] = field(default_factory=list)  # the first few, for a report

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def identify(ws: Workspace, kind: str, path: Path, anchor: Anchor, result: LeverResult) -> bool:
    """Set ``result.file_id``; True (and what the file gave then) when these bytes are loaded
    already for this anchor. The same bytes for another anchor are refused."""
    try:
        result.file_id = file_digest(path)[0]
    except OSError as exc:
        raise IngestError(f"{path.name}: cannot open the file ({exc.strerror}).") from exc
    found = ws.engine.query(
        f"find_{kind}_file",
        "SELECT f.rows_read, f.rows_loaded, f.rows_rejected, f.anchor_id, a.name, f.periods "
        "FROM lever_file f JOIN anchor a USING (anchor_id) WHERE f.file_id = ? AND f.kind = ?",
        [result.file_id, kind],
    )
    if not found:
        return False
    read, loaded, rejected, owner_id, owner, periods = found[0]
    if owner_id != anchor.anchor_id:
        raise IngestError(
            f"{path.name}: these exact bytes were already imported for {owner!r}, not "
            f"{anchor.name!r}. If that was a mistake, import the right anchor's file instead."
        )
    result.rows_read, result.rows_loaded, result.rows_rejected = (
        int(read),
        int(loaded),
        int(rejected),
    )
    result.periods = list(json.loads(periods) if isinstance(periods, str) else periods or [])
    result.already_loaded = True
    result.notes.append("already imported (same SHA-256): nothing changed")
    return True


def check_ledger(path: Path, result: LeverResult) -> None:
    if result.rows_read != result.rows_loaded + result.rows_rejected:
        raise IngestError(
            f"{path.name}: {result.rows_read} data rows but {result.rows_loaded} loaded and "
            f"{result.rows_rejected} rejected; nothing was written. Please report this file."
        )


def write(
    ws: Workspace,
    kind: str,
    path: Path,
    anchor: Anchor,
    result: LeverResult,
    rejected: Sequence[Rejected],
    *,
    uploaded_by: str | None,
    replace: Callable[[], None],
    insert: Callable[[], None],
) -> None:
    """One transaction: ``replace`` (delete what this file supersedes), ``insert`` (its rows),
    its rejected rows, its record; then forget the records of files left with no rows."""
    check_ledger(path, result)
    result.rejected = [asdict(r) for r in rejected[:SHOWN_REJECTS]]
    engine = ws.engine
    table = pa.table(
        {
            "sheet": pa.array([r.sheet for r in rejected], pa.string()),
            "source_row": pa.array([r.source_row for r in rejected], pa.int64()),
            "raw_cells": pa.array([json.dumps(r.raw_cells) for r in rejected], pa.string()),
            "reasons": pa.array([r.reasons for r in rejected], pa.list_(pa.string())),
        }
    )
    engine.register(REJECTS, table)
    try:
        with engine.transaction():
            fault(f"{kind}_replace")
            replace()
            fault(f"{kind}_rows")
            insert()
            fault(f"{kind}_rejected_rows")
            engine.run(
                f"load_{kind}_rejected_rows",
                f"INSERT INTO lever_rejected_row (file_id, kind, anchor_id, sheet, source_row, "
                f"raw_cells, reasons) SELECT ?, ?, ?, sheet, source_row, raw_cells, reasons "
                f"FROM {REJECTS}",
                [result.file_id, kind, anchor.anchor_id],
            )
            engine.run(
                f"record_{kind}_file",
                "INSERT INTO lever_file (file_id, kind, anchor_id, name, format, columns, notes, "
                "periods, uploaded_by, rows_read, rows_loaded, rows_rejected) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    result.file_id,
                    kind,
                    anchor.anchor_id,
                    path.name,
                    result.format,
                    json.dumps(result.columns),
                    json.dumps(result.notes),
                    json.dumps(result.periods),
                    uploaded_by,
                    result.rows_read,
                    result.rows_loaded,
                    result.rows_rejected,
                ],
            )
            fault(f"{kind}_commit")
    finally:
        engine.unregister(REJECTS)


def forget_files(ws: Workspace, kind: str, anchor: Anchor, table: str, keep: str) -> list[str]:
    """Delete the records (and rejected rows) of ``kind`` files of ``anchor`` that no row of
    ``table`` comes from any more, other than ``keep``: a file wholly replaced by a later one.
    Its bytes imported again then load again (the latest import wins). Returns their names."""
    gone = ws.engine.query(
        f"superseded_{kind}_files",
        f"SELECT file_id, name FROM lever_file WHERE kind = ? AND anchor_id = ? AND file_id <> ? "
        f"AND file_id NOT IN (SELECT DISTINCT file_id FROM {table} WHERE anchor_id = ?)",
        [kind, anchor.anchor_id, keep, anchor.anchor_id],
    )
    for file_id, _name in gone:
        for target in ("lever_rejected_row", "lever_file"):
            ws.engine.run(
                f"forget_{kind}_file",
                f"DELETE FROM {target} WHERE file_id = ? AND kind = ?",
                [file_id, kind],
            )
    return [str(n) for _f, n in gone]


def list_files(ws: Workspace, kind: str, anchor_id: int | None = None) -> list[dict[str, Any]]:
    where, params = ("AND f.anchor_id = ?", [kind, anchor_id]) if anchor_id else ("", [kind])
    rows = ws.engine.query(
        f"list_{kind}_files",
        "SELECT a.name, f.name, f.file_id, f.periods, f.rows_read, f.rows_loaded, f.rows_rejected, "
        f"f.imported_at, f.uploaded_by FROM lever_file f JOIN anchor a USING (anchor_id) "
        f"WHERE f.kind = ? {where} ORDER BY f.imported_at, f.name",
        params,
    )
    return [
        {
            "anchor": r[0],
            "file": r[1],
            "file_id": r[2],
            "periods": json.loads(r[3]) if isinstance(r[3], str) else r[3],
            "rows_read": int(r[4]),
            "rows_loaded": int(r[5]),
            "rows_rejected": int(r[6]),
            "imported_at": str(r[7]),
            "uploaded_by": r[8],
        }
        for r in rows
    ]


def rejected_rows(ws: Workspace, kind: str, anchor_id: int | None = None) -> list[dict[str, Any]]:
    """Every rejected row of ``kind`` files (of one anchor), with its file, place and reasons."""
    where, params = ("AND r.anchor_id = ?", [kind, anchor_id]) if anchor_id else ("", [kind])
    rows = ws.engine.query(
        f"{kind}_rejects",
        "SELECT f.name, r.sheet, r.source_row, r.reasons, r.raw_cells FROM lever_rejected_row r "
        "JOIN lever_file f ON f.file_id = r.file_id AND f.kind = r.kind "
        f"WHERE r.kind = ? {where} ORDER BY f.name, r.sheet NULLS FIRST, r.source_row",
        params,
    )
    return [
        {
            "file": r[0],
            "sheet": r[1],
            "row": int(r[2]),
            "reasons": list(r[3]),
            "cells": json.loads(r[4]) if isinstance(r[4], str) else r[4],
        }
        for r in rows
    ]

"""A loaded file's record: its identity (SHA-256), its row in ``source_file``, what ingesting it
gave (:class:`FileResult`), and the fault hook tests use to crash a load mid-transaction.

Shared by the two readers of spend files — :mod:`anchorkit.ingest` (spreadsheets) and
:mod:`anchorkit.ocds` (awards) — and by registry imports (the same identity), so that neither
package imports the other for them: ingest hands a JSON file to OCDS, never the reverse.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from anchorkit.errors import IngestError
from anchorkit.workspace import Anchor, Workspace

#: Tests set this to a function that raises on a chosen step, to prove a crash mid-file leaves
#: the store unchanged. It is called with the name of each write step inside the transaction.
FAULT_HOOK: Callable[[str], None] | None = None


@dataclass
class FileResult:
    """What happened to one file; ``rows_read == rows_loaded + rows_rejected`` always."""

    file: str
    file_id: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    already_loaded: bool = False
    error: str | None = None
    rows_skipped: dict[str, int] = field(default_factory=dict)
    format: str | None = None
    encoding: str | None = None
    date_order: str | None = None
    notes: list[str] = field(default_factory=list)
    columns: list[dict[str, Any]] = field(default_factory=list)
    replaced: bool = False
    #: the settings the stored lines depend on, as they were when read (see ingest.sources)
    settings_used: dict[str, str] = field(default_factory=dict)

    @property
    def mapping(self) -> list[dict[str, Any]]:
        """What the ingest did with the columns, per layout: header → field with confidence and
        reason, and the columns left unused (see ingest.mapping.ColumnMapping.report)."""
        return [
            {
                "sheet": c.get("sheet"),
                "header_row": c.get("header_row"),
                "how": c.get("how"),
                "fields": c.get("fields", {}),
                "unused": c.get("unused", []),
            }
            for c in self.columns
        ]

    def to_json(self) -> dict[str, Any]:
        """The fields, as FileResult(**...) takes them back (``mapping`` is in ``columns``)."""
        return asdict(self)


def file_digest(path: Path) -> tuple[str, int]:
    """SHA-256 and line count, in one read: the hash is the file's identity, the count lets the
    big-file reader prove that each record is one line."""
    digest = hashlib.sha256()
    lines, last = 0, b""
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
            lines += chunk.count(b"\n")
            last = chunk
    return digest.hexdigest(), lines + (1 if last and not last.endswith(b"\n") else 0)


def already_loaded(ws: Workspace, path: Path, anchor: Anchor, result: FileResult) -> bool:
    """Whether these bytes (``result.file_id``) are in the store already; if so ``result`` says
    what they gave then. The same bytes for another anchor are refused."""
    existing = ws.engine.query(
        "find_file",
        "SELECT s.rows_read, s.rows_loaded, s.rows_rejected, a.name, s.anchor_id "
        "FROM source_file s JOIN anchor a USING (anchor_id) WHERE file_id = ?",
        [result.file_id],
    )
    if not existing:
        return False
    read, loaded, rejected, owner, owner_id = existing[0]
    if owner_id != anchor.anchor_id:
        raise IngestError(
            f"{path.name}: these exact bytes were already loaded for {owner!r}, not "
            f"{anchor.name!r}. If that was a mistake, ask an admin to remove the file first."
        )
    result.rows_read, result.rows_loaded, result.rows_rejected = read, loaded, rejected
    result.already_loaded = True
    result.notes.append("already loaded (same SHA-256): nothing changed")
    return True


def record_source_file(
    ws: Workspace,
    path: Path,
    anchor: Anchor,
    result: FileResult,
    uploaded_by: str | None,
    *,
    delimiter: str | None = None,
) -> None:
    """The file's row in ``source_file``: its identity (the SHA-256), how it was read and what
    it gave. Written inside the caller's transaction, with the lines."""
    ws.engine.run(
        "record_source_file",
        "INSERT INTO source_file (file_id, anchor_id, name, format, encoding, delimiter, "
        "date_order, mapping, notes, uploaded_by, rows_read, rows_loaded, rows_rejected, "
        "rows_skipped, settings_used) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            result.file_id,
            anchor.anchor_id,
            path.name,
            result.format,
            result.encoding,
            delimiter,
            result.date_order,
            json.dumps(result.columns),
            json.dumps(result.notes),
            uploaded_by,
            result.rows_read,
            result.rows_loaded,
            result.rows_rejected,
            json.dumps(result.rows_skipped),
            json.dumps(result.settings_used),
        ],
    )


def fault(step: str) -> None:
    """Call :data:`FAULT_HOOK` (when a test set one) at the write step ``step``."""
    if FAULT_HOOK is not None:
        FAULT_HOOK(step)

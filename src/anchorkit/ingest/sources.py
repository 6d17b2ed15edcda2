"""The files in the store: list them, remove one, all or nothing.

A file is known by its ``file_id`` (the SHA-256 of its bytes; any unique prefix will do). Removing
it takes away, in one transaction, everything it put in the ledger: its spend lines (and their
OCDS award records and line categories) and its rejected rows, then its ``source_file`` record.
What was *derived* from many files (suppliers, review queues) is not touched here: the next
``resolve`` and ``classify`` work from the lines that remain.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from anchorkit.engine import Engine
from anchorkit.errors import SourceError
from anchorkit.workspace import Workspace


@dataclass
class Source:
    """One loaded file, as ``anchorkit source list`` shows it."""

    file_id: str
    anchor: str
    name: str
    format: str
    uploaded_at: str
    uploaded_by: str | None
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    amount: str  # the sum of its loaded lines, as text (several currencies are added as numbers)
    mapping: list[dict[str, Any]]
    #: settings the file was read under that have changed since (setting: "was X, now Y")
    stale: dict[str, str] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def list_sources(ws: Workspace, *, anchor: str | None = None) -> list[Source]:
    """Every loaded file, by anchor and upload time."""
    where, params = "", []
    if anchor:
        where, params = "WHERE lower(a.name) = lower(?)", [anchor]
    rows = ws.engine.query(
        "list_sources",
        f"""
        SELECT f.file_id, a.name, f.name, f.format, f.uploaded_at, f.uploaded_by, f.rows_read,
            f.rows_loaded, f.rows_rejected, coalesce(t.amount, 0), f.mapping, f.settings_used
        FROM source_file f JOIN anchor a USING (anchor_id)
        LEFT JOIN (SELECT file_id, sum(amount) AS amount FROM spend_line GROUP BY file_id) t
            USING (file_id)
        {where}
        ORDER BY a.name, f.uploaded_at, f.name
        """,
        params,
    )
    return [
        Source(
            fid,
            anc,
            name,
            fmt,
            str(at),
            by,
            int(read),
            int(loaded),
            int(rejected),
            f"{amount:.2f}",
            json.loads(mapping) if mapping else [],
            stale(ws, json.loads(used) if used else {}),
        )
        for fid, anc, name, fmt, at, by, read, loaded, rejected, amount, mapping, used in rows
    ]


def stale(ws: Workspace, used: dict[str, str]) -> dict[str, str]:
    """The settings a file's lines were read under (the currency of amounts without one, a date
    order assumed for want of evidence) that differ now: its lines keep the old reading until
    it is read again (``anchorkit ingest --replace FILE``)."""
    return {
        name: f"read with {value!r}, now {ws.settings[name]!r}"
        for name, value in used.items()
        if str(ws.settings[name]) != value
    }


def find_source(ws: Workspace, prefix: str) -> Source:
    """The one file whose id starts with ``prefix``; a clear error for none or several."""
    wanted = prefix.strip().lower()
    if len(wanted) < 4:
        raise SourceError(
            f"File id {prefix!r} is too short: give at least 4 characters of it "
            "(anchorkit source list shows them)."
        )
    found = [s for s in list_sources(ws) if s.file_id.startswith(wanted)]
    if not found:
        raise SourceError(
            f"No loaded file has an id starting with {prefix!r}. "
            "anchorkit source list shows the files and their ids."
        )
    if len(found) > 1:
        names = ", ".join(f"{s.file_id[:12]} ({s.name})" for s in found)
        raise SourceError(
            f"File id {prefix!r} matches {len(found)} files: {names}. Give more of it."
        )
    return found[0]


def delete_file_rows(engine: Engine, file_id: str) -> None:
    """Delete everything one file put in the ledger; the caller holds the transaction.

    A file's lines have consecutive ids (each load numbers its lines from the highest id in the
    store), so its line categories are those in its lines' id range.
    """
    first, last = engine.query_one(
        "file_line_ids",
        "SELECT min(line_id), max(line_id) FROM spend_line WHERE file_id = ?",
        [file_id],
    )
    if first is not None:
        engine.run(
            "remove_line_categories",
            "DELETE FROM line_category WHERE line_id BETWEEN ? AND ?",
            [first, last],
        )
    engine.run("remove_ocds_awards", "DELETE FROM ocds_award WHERE file_id = ?", [file_id])
    engine.run("remove_spend_lines", "DELETE FROM spend_line WHERE file_id = ?", [file_id])
    engine.run("remove_rejected_rows", "DELETE FROM rejected_row WHERE file_id = ?", [file_id])
    engine.run("remove_source_file", "DELETE FROM source_file WHERE file_id = ?", [file_id])


def remove_source(ws: Workspace, prefix: str) -> Source:
    """Remove one loaded file and all it gave, atomically; returns what was removed."""
    source = find_source(ws, prefix)
    with ws.engine.transaction():
        delete_file_rows(ws.engine, source.file_id)
    return source

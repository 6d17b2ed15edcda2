"""The ledger and the write: a file's identity and result, and one transaction for all of it.

A file is identified by the SHA-256 of its bytes; every data row is an entry or a rejected row
(``rows_read == rows_loaded + rows_rejected``, checked before writing); the file's record, the
registry's new snapshot and its rejected rows land together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from anchorkit.engine import Engine
from anchorkit.errors import IngestError, UnreadableFileError
from anchorkit.ingest.readers import drop_raw
from anchorkit.resolve.registries.parse import _key, _parse
from anchorkit.resolve.registries.sql import CELLS, FINAL, OCDS_ROWS, PARSED, TAG_VALUES
from anchorkit.source_files import file_digest
from anchorkit.workspace import Workspace

# --- results ------------------------------------------------------------------------------------


@dataclass
class RegistryImportResult:
    """What happened to one registry file; ``rows_read == rows_loaded + rows_rejected`` always.

    ``rows_read`` counts data rows only; title, header, blank rows (and, for OCDS, repeated
    or unflagged suppliers) are counted apart in ``rows_skipped``.
    """

    file: str
    registry: str
    file_id: str | None = None
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    already_loaded: bool = False
    error: str | None = None
    format: str | None = None
    tags: list[str] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)
    rows_skipped: dict[str, int] = field(default_factory=dict)
    date_order: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


# --- the write ----------------------------------------------------------------------------------


def _fault(step: str) -> None:
    """Call the package's ``FAULT_HOOK``, read when called: tests set it on the package."""
    from anchorkit.resolve import registries

    hook = registries.FAULT_HOOK
    if hook is not None:
        hook(step)


def _summarise_reasons(engine: Engine) -> list[tuple[str, int]]:
    """Rejection reasons with their counts, cell values blanked so alike reasons group."""
    rows = engine.query(
        "registry_reason_counts",
        f"SELECT regexp_replace(reason, '''[^'']*''', '''…''', 'g') AS r, count(*) AS n "
        f"FROM (SELECT unnest(reasons) AS reason FROM {FINAL} WHERE reasons IS NOT NULL) "
        "GROUP BY r ORDER BY n DESC, r LIMIT 8",
    )
    return [(str(r), int(n)) for r, n in rows]


def _finish(
    ws: Workspace,
    path: Path,
    file_tags: Sequence[str],
    order: str,
    result: RegistryImportResult,
) -> None:
    """Parse, key, check the ledger, and write everything in one transaction."""
    engine = ws.engine
    _parse(engine, file_tags, order)
    _key(engine)
    loaded, rejected = (
        int(n)
        for n in engine.query_one(
            "count_registry_outcomes",
            f"SELECT count(*) FILTER (WHERE reasons IS NULL), "
            f"count(*) FILTER (WHERE reasons IS NOT NULL) FROM {FINAL}",
        )
    )
    result.rows_loaded, result.rows_rejected = loaded, rejected
    if result.rows_read != loaded + rejected:  # the ledger's promise
        raise IngestError(
            f"{path.name}: {result.rows_read} data rows but {loaded} loaded and {rejected} "
            "rejected; nothing was written. Please report this file."
        )
    reasons = _summarise_reasons(engine)
    if loaded == 0:
        top = "; ".join(f"{n} × {r}" for r, n in reasons) or "no data rows"
        raise IngestError(
            f"{path.name}: no row could be used ({top}), so registry {result.registry!r} keeps "
            "its current entries. Fix the file (or the --tag / --mapping) and import it again."
        )
    result.notes.extend(_notes(engine, reasons))
    _load(ws, path, result)


def _notes(engine: Engine, reasons: Sequence[tuple[str, int]]) -> list[str]:
    notes: list[str] = []
    unknown = engine.query(
        "registry_unknown_tag_values",
        f"SELECT v, count(*) AS n FROM (SELECT unnest(unknown) AS v FROM {FINAL}) "
        "GROUP BY v ORDER BY n DESC, v LIMIT 6",
    )
    if unknown:
        shown = ", ".join(f"{v!r} ({n})" for v, n in unknown[:5])
        notes.append(
            f"tag column values not in registry_tags.toml add no tag: {shown}"
            + (" and more" if len(unknown) > 5 else "")
            + "; add them there or in the mapping's [tag_values]"
        )
    (repeated,) = engine.query_one(
        "registry_repeated_ids",
        f"SELECT count(DISTINCT registry_id) FROM {FINAL} WHERE id_rows > 1 AND registry_id IS NOT NULL",
    )
    if repeated:
        notes.append(
            f"{repeated} registry ids appear on more than one row; those rows are keyed by name "
            "and postcode instead (the id stays in extra)"
        )
    if reasons:
        notes.append("rejected: " + "; ".join(f"{n} × {r}" for r, n in reasons))
    return notes


def _load(ws: Workspace, path: Path, result: RegistryImportResult) -> None:
    """The file's record, the registry's new snapshot and its rejected rows: all or nothing."""
    engine = ws.engine
    previous = engine.query(
        "previous_registry_snapshot",
        "SELECT count(*), any_value(f.name), any_value(f.imported_at) FROM registry_entry e "
        "JOIN registry_file f USING (file_id) WHERE e.registry = ?",
        [result.registry],
    )
    replaced, old_name, old_at = previous[0]
    with engine.transaction():
        _fault("registry_file")
        engine.run(
            "record_registry_file",
            "INSERT INTO registry_file (file_id, registry, name, rows_read, rows_loaded, "
            "rows_rejected) VALUES (?, ?, ?, ?, ?, ?)",
            [
                result.file_id,
                result.registry,
                path.name,
                result.rows_read,
                result.rows_loaded,
                result.rows_rejected,
            ],
        )
        _fault("replace")
        engine.run(
            "replace_registry_entries",
            "DELETE FROM registry_entry WHERE registry = ?",
            [result.registry],
        )
        _fault("registry_entry")
        engine.run(
            "load_registry_entries",
            f"""
            INSERT INTO registry_entry (registry, entry_id, name, address, postcode, city, tags,
                certified_on, expires_on, file_id, source_row, extra)
            SELECT ?, entry_id, name, address, postcode, city, tags, certified_on, expires_on, ?,
                source_row, extra
            FROM {FINAL} WHERE reasons IS NULL
            """,
            [result.registry, result.file_id],
        )
        _fault("registry_rejected_row")
        engine.run(
            "load_registry_rejected_rows",
            f"INSERT INTO registry_rejected_row (file_id, registry, source_row, raw_cells, reasons) "
            f"SELECT ?, ?, source_row, raw_cells, reasons FROM {FINAL} WHERE reasons IS NOT NULL",
            [result.file_id, result.registry],
        )
        _fault("commit")
    if replaced:
        when = old_at.strftime("%Y-%m-%d %H:%M") if isinstance(old_at, dt.datetime) else old_at
        result.notes.append(
            f"replaced the registry's {replaced:,} entries from {old_name} (imported {when}); "
            f"that file's record is kept"
        )


def _drop_work(engine: Engine) -> None:
    """Free the temporary tables of the last import, whatever happened to it."""
    drop_raw(engine)
    for view in (CELLS,):
        engine.run("drop_registry_work", f"DROP VIEW IF EXISTS {view}")
    for table in (PARSED, FINAL):
        engine.run("drop_registry_work", f"DROP TABLE IF EXISTS {table}")
    for name in (TAG_VALUES, OCDS_ROWS):
        try:
            engine.unregister(name)
        except Exception:  # not registered on this path
            pass


# --- a file's identity --------------------------------------------------------------------------


def _sha256(path: Path) -> str:
    """A registry file's identity, as for spend files (:func:`anchorkit.source_files.file_digest`)."""
    try:
        return file_digest(path)[0]
    except OSError as exc:
        raise UnreadableFileError(f"{path.name}: cannot open the file ({exc.strerror}).") from exc


def _already_imported(ws: Workspace, path: Path, result: RegistryImportResult) -> bool:
    """Same bytes, same registry: a no-op. Same bytes under another registry: an error."""
    rows = ws.engine.query(
        "find_registry_file",
        "SELECT registry, rows_read, rows_loaded, rows_rejected FROM registry_file "
        "WHERE file_id = ?",
        [result.file_id],
    )
    if not rows:
        return False
    owner, read, loaded, rejected = rows[0]
    if owner != result.registry:
        raise IngestError(
            f"{path.name}: these exact bytes were already imported as registry {owner!r}, not "
            f"{result.registry!r}."
        )
    result.rows_read, result.rows_loaded, result.rows_rejected = read, loaded, rejected
    result.already_loaded = True
    result.notes.append("already imported (same SHA-256): nothing changed")
    return True

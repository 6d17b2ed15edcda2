"""Listing registries: each one's current snapshot (entries, tags, expired) and its last import."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from anchorkit.workspace import Workspace


@dataclass
class RegistrySummary:
    """One registry as ``anchorkit registry list`` shows it: its current snapshot and history."""

    registry: str
    entries: int
    expired: int
    tags: dict[str, int]
    files: int
    last_file: str
    last_file_id: str
    last_imported_at: str
    rows_read: int
    rows_loaded: int
    rows_rejected: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def list_registries(ws: Workspace) -> list[RegistrySummary]:
    """Every registry imported: its current entries, tags, expired entries and last import."""
    engine = ws.engine
    tag_rows = engine.query(
        "registry_tag_counts",
        "SELECT registry, tag, count(*) FROM (SELECT registry, unnest(tags) AS tag "
        "FROM registry_entry) GROUP BY ALL ORDER BY registry, count(*) DESC, tag",
    )
    tags: dict[str, dict[str, int]] = {}
    for registry, tag, n in tag_rows:
        tags.setdefault(registry, {})[tag] = int(n)
    rows = engine.query(
        "list_registries",
        """
        WITH files AS (
            SELECT registry, count(*) AS files,
                arg_max(name, imported_at) AS last_file, arg_max(file_id, imported_at) AS last_id,
                max(imported_at) AS last_at, arg_max(rows_read, imported_at) AS rows_read,
                arg_max(rows_loaded, imported_at) AS rows_loaded,
                arg_max(rows_rejected, imported_at) AS rows_rejected
            FROM registry_file GROUP BY registry
        ), entries AS (
            SELECT registry, count(*) AS entries,
                count(*) FILTER (WHERE expires_on < current_date) AS expired
            FROM registry_entry GROUP BY registry
        )
        SELECT f.registry, coalesce(e.entries, 0), coalesce(e.expired, 0), f.files, f.last_file,
            f.last_id, f.last_at, f.rows_read, f.rows_loaded, f.rows_rejected
        FROM files f LEFT JOIN entries e USING (registry)
        ORDER BY f.registry
        """,
    )
    return [
        RegistrySummary(
            registry=r[0],
            entries=int(r[1]),
            expired=int(r[2]),
            tags=tags.get(r[0], {}),
            files=int(r[3]),
            last_file=r[4],
            last_file_id=r[5],
            last_imported_at=r[6].isoformat(sep=" ", timespec="seconds")
            if isinstance(r[6], dt.datetime)
            else str(r[6]),
            rows_read=int(r[7]),
            rows_loaded=int(r[8]),
            rows_rejected=int(r[9]),
        )
        for r in rows
    ]

"""Rejected rows: every row that could not become a spend line, with where it came from and why."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from anchorkit.workspace import Workspace


@dataclass
class RejectedRow:
    file_id: str
    file: str
    anchor: str
    sheet: str | None
    source_row: int
    reasons: list[str]
    raw_cells: dict[str, Any]

    def to_json(self) -> dict[str, Any]:
        return self.__dict__.copy()


def list_rejects(
    ws: Workspace,
    *,
    file_id: str | None = None,
    anchor: str | None = None,
    limit: int | None = None,
) -> list[RejectedRow]:
    """Rejected rows in file and row order; ``file_id`` may be a unique prefix of the SHA-256."""
    where, params = [], []
    if file_id:
        where.append("r.file_id LIKE ?")
        params.append(file_id.lower() + "%")
    if anchor:
        where.append("lower(a.name) = lower(?)")
        params.append(anchor)
    sql = (
        "SELECT r.file_id, f.name, a.name, r.sheet, r.source_row, r.reasons, r.raw_cells "
        "FROM rejected_row r JOIN source_file f USING (file_id) JOIN anchor a ON a.anchor_id = r.anchor_id "
        + ("WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY f.name, r.file_id, r.sheet NULLS FIRST, r.source_row"
        + (f" LIMIT {int(limit)}" if limit else "")
    )
    return [
        RejectedRow(fid, name, anc, sheet, int(row), list(reasons), json.loads(cells))
        for fid, name, anc, sheet, row, reasons, cells in ws.engine.query(
            "list_rejects", sql, params
        )
    ]

"""Small helpers for ingest tests: write a file, ingest it, read back what was stored."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from anchorkit.ingest import FileResult, UserMapping, ingest_files
from anchorkit.workspace import Workspace

ANCHOR = "Test Hospital"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def ingest_one(ws: Workspace, path: Path, mapping: UserMapping | None = None) -> FileResult:
    (result,) = ingest_files(ws, [path], ANCHOR, mapping=mapping)
    assert result.error is None, result.error
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    return result


def lines(ws: Workspace, file_id: str | None = None) -> list[dict[str, Any]]:
    where = "WHERE file_id = ?" if file_id else ""
    cols = [
        "sheet",
        "source_row",
        "supplier_name",
        "amount",
        "currency",
        "paid_on",
        "fiscal_year",
        "description",
        "raw_category",
        "cost_centre",
        "department",
        "supplier_postcode",
        "supplier_ref",
    ]
    rows = ws.engine.query(
        "t",
        f"SELECT {', '.join(cols)} FROM spend_line {where} ORDER BY sheet NULLS FIRST, source_row",
        [file_id] if file_id else None,
    )
    return [dict(zip(cols, r, strict=False)) for r in rows]


def rejected(ws: Workspace) -> list[tuple[Any, ...]]:
    return ws.engine.query(
        "t",
        "SELECT sheet, source_row, reasons FROM rejected_row ORDER BY sheet NULLS FIRST, source_row",
    )


def total(ws: Workspace) -> Decimal:
    (value,) = ws.engine.query_one("t", "SELECT coalesce(sum(amount), 0) FROM spend_line")
    return Decimal(value)


def store_snapshot(ws: Workspace) -> dict[str, list[tuple[Any, ...]]]:
    return {
        t: ws.engine.query("t", f"SELECT * EXCLUDE (uploaded_at) FROM {t} ORDER BY ALL")
        if t == "source_file"
        else ws.engine.query("t", f"SELECT * FROM {t} ORDER BY ALL")
        for t in ("source_file", "spend_line", "rejected_row", "anchor_mapping")
    }

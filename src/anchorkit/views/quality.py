"""Data quality: counts (never amounts) of what each anchor sent and what it lacks."""

from __future__ import annotations

from typing import Any

from anchorkit.workspace import Workspace


def data_quality(ws: Workspace, anchor_id: int | None) -> dict[str, Any]:
    """Counts (never amounts) of one anchor's (or, None, every anchor's) files, rows read /
    loaded / rejected and lines lacking a resolved supplier, a postcode or a category."""
    where, params = ("WHERE anchor_id = ?", [anchor_id]) if anchor_id is not None else ("", [])
    files, read, loaded, rejected, last = ws.engine.query_one(
        "data_quality_files",
        "SELECT count(*), coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), "
        f"coalesce(sum(rows_rejected), 0), max(uploaded_at) FROM source_file {where}",
        params,
    )
    no_supplier, no_postcode, no_category = ws.engine.query_one(
        "data_quality_lines",
        f"""
        SELECT count(*) FILTER (WHERE supplier_id IS NULL),
               count(*) FILTER (WHERE nullif(trim(supplier_postcode), '') IS NULL),
               count(*) FILTER (WHERE category IS NULL AND raw_category IS NULL)
        FROM spend_line {where}
        """,
        params,
    )
    return {
        "files": int(files),
        "rows_read": int(read),
        "rows_loaded": int(loaded),
        "rows_rejected": int(rejected),
        "rejected_share": int(rejected) / int(read) if read else None,
        "last_upload": last,
        "lines_without_supplier_id": int(no_supplier),
        "lines_without_postcode": int(no_postcode),
        "lines_without_category": int(no_category),
    }

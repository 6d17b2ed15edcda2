"""Importing a registry file: read it, find its columns, check its tags, then parse and write.

``import_registry`` is the entry point for table files (CSV/TSV/XLSX/XLS); a JSON file is
handed to :func:`anchorkit.resolve.registries.ocds.import_ocds_supplier_flags`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from anchorkit.engine import Engine
from anchorkit.errors import AnchorkitError, IngestError, NoDataError
from anchorkit.ingest import values
from anchorkit.ingest.readers import RAW, RawFile, read_file
from anchorkit.resolve.registries.columns import (
    REGISTRY_COLUMNS,
    RegistryMapping,
    check_registry_name,
)
from anchorkit.resolve.registries.headers import _Plan, _plan_file
from anchorkit.resolve.registries.ocds import import_ocds_supplier_flags
from anchorkit.resolve.registries.parse import _register_tag_values
from anchorkit.resolve.registries.sql import (
    CELLS,
    _column_sql,
    _extra_json,
    _kind_sql,
    _lit,
    _per_sheet,
    _raw_json,
)
from anchorkit.resolve.registries.store import (
    RegistryImportResult,
    _already_imported,
    _drop_work,
    _finish,
    _sha256,
)
from anchorkit.resolve.registries.tags import DEFAULT_SPLIT, allowed_tags, check_tags
from anchorkit.workspace import Workspace

# --- entry points -------------------------------------------------------------------------------


def _looks_like_json(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            head = handle.read(1024)
    except OSError:
        return False  # the reader will say why it cannot open it
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith((b"{", b"["))


def import_registry(
    ws: Workspace,
    path: Path | str,
    registry: str,
    tags: Sequence[str],
    mapping: RegistryMapping | None = None,
) -> RegistryImportResult:
    """Import one registry file (CSV/TSV/XLSX/XLS, or an OCDS JSON package) as a snapshot.

    Bad arguments (an unknown tag, a bad registry name) raise ``IngestError`` at once; a file
    that cannot be imported comes back with ``error`` set and the store unchanged, as
    ``ingest_files`` does for spend. A JSON file is read as an OCDS release package: see
    :func:`import_ocds_supplier_flags`.
    """
    path = Path(path)
    name = check_registry_name(registry)
    file_tags = check_tags(tags)
    if _looks_like_json(path):
        if file_tags or mapping is not None:
            raise IngestError(
                f"{path.name} is JSON, which is read as an OCDS package: its tags come from each "
                "supplier's SME and VCSE flags, so --tag and --mapping do not apply. Import it "
                "without them."
            )
        return import_ocds_supplier_flags(ws, path, registry=name)
    result = RegistryImportResult(file=str(path), registry=name, tags=file_tags)
    try:
        result.file_id = _sha256(path)
        if not _already_imported(ws, path, result):
            _import_table(ws, path, file_tags, mapping, result)
    except AnchorkitError as exc:
        result.error = str(exc)
    finally:
        _drop_work(ws.engine)
    return result


def _import_table(
    ws: Workspace,
    path: Path,
    file_tags: Sequence[str],
    mapping: RegistryMapping | None,
    result: RegistryImportResult,
) -> None:
    engine = ws.engine
    raw = read_file(engine, path)
    result.format = raw.format
    plans = _plan_file(
        engine, raw, int(ws.settings["ingest.header_search_rows"]), mapping, path.name
    )
    if not file_tags and all(p.tag_column is None for p in plans):
        raise IngestError(
            f"{path.name}: give at least one --tag (what the registry certifies) or a tag column; "
            f"allowed tags: {', '.join(allowed_tags())}."
        )
    result.columns = {
        c: plans[0].labels[i] for c, i in sorted(plans[0].columns.items(), key=lambda x: x[1])
    }
    if plans[0].tag_column is not None:
        vocab = plans[0].vocabulary.name if plans[0].vocabulary else "the mapping's [tag_values]"
        result.columns["tags"] = plans[0].labels[plans[0].tag_column]
        result.notes.append(
            f"per-row tags from column {result.columns['tags']!r} (vocabulary: {vocab})"
        )
    skipped = [s for s in raw.sheets if s not in {p.sheet for p in plans}]
    if skipped:
        result.notes.append(f"sheets without a header row, skipped: {skipped}")
    _register_tag_values(engine, plans, mapping)
    _cells_view(engine, raw, plans, mapping)
    counts = dict(
        engine.query("count_registry_kinds", f"SELECT kind, count(*) FROM {CELLS} GROUP BY kind")
    )
    result.rows_read = int(counts.pop("data", 0))
    result.rows_skipped = {k: int(v) for k, v in sorted(counts.items())}
    if result.rows_read == 0:
        raise NoDataError(f"{path.name}: the file has a header row but no data rows.")
    has_dates = any(c in p.columns for p in plans for c in ("certified_on", "expires_on"))
    order, explanation = _date_order(engine, ws, mapping, has_dates)
    if explanation:
        result.date_order = order
        result.notes.append(explanation)
    _finish(ws, path, file_tags, order, result)


def _cells_view(
    engine: Engine, raw: RawFile, plans: Sequence[_Plan], mapping: RegistryMapping | None
) -> None:
    """Every raw row with its kind and its cells under the registry columns; nothing copied."""
    with_sheet = any(s is not None for s in raw.sheets)
    own_split = mapping.tag_split if mapping else None

    def tag_cell(p: _Plan) -> str:
        return "NULL::VARCHAR" if p.tag_column is None else f"c{p.tag_column + 1}"

    def tag_vocab(p: _Plan) -> str:
        return _lit(p.vocabulary.name if p.vocabulary else "")

    def tag_split(p: _Plan) -> str:
        return _lit(own_split or (p.vocabulary.split if p.vocabulary else DEFAULT_SPLIT))

    def extra(p: _Plan) -> str:
        return _extra_json(p, with_sheet)

    def raw_cells(p: _Plan) -> str:
        return _raw_json(p, with_sheet)

    columns = ", ".join(f"{_column_sql(plans, c)} AS {c}" for c in REGISTRY_COLUMNS)
    engine.run(
        "registry_cells",
        f"""
        CREATE OR REPLACE TEMP VIEW {CELLS} AS
        SELECT sheet, source_row, {_kind_sql(plans, raw.width)} AS kind, {columns},
            {_per_sheet(plans, tag_cell)} AS tag_text,
            {_per_sheet(plans, tag_vocab)} AS tag_vocab,
            {_per_sheet(plans, tag_split)} AS tag_split,
            NULL::VARCHAR[] AS row_tags,
            {_per_sheet(plans, extra)} AS extra,
            {_per_sheet(plans, raw_cells)} AS raw_cells
        FROM {RAW}
        """,
    )


def _date_order(
    engine: Engine, ws: Workspace, mapping: RegistryMapping | None, has_dates: bool
) -> tuple[str, str | None]:
    """Day- or month-first, once for the file, from all its date cells (as spend ingest does)."""
    default = str(ws.settings["ingest.date_order"])
    if mapping is not None and mapping.date_order:
        return mapping.date_order, f"dates read as {mapping.date_order} (mapping file)"
    if not has_dates:
        return default, None
    row = engine.query_one(
        "registry_date_evidence",
        f"SELECT {values.date_order_evidence_sql('d')} FROM ("
        f"SELECT certified_on AS d FROM {CELLS} WHERE kind = 'data' "
        f"UNION ALL SELECT expires_on FROM {CELLS} WHERE kind = 'data')",
    )
    iso, dmy, mdy, total = (int(v or 0) for v in row)
    if iso and iso == total:
        return default, f"dates: all {iso} year-first (ISO), no day/month order needed"
    order, explanation = values.decide_date_order(iso, dmy, mdy, default)
    return order, f"dates: {explanation}"

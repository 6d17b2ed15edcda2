"""Ingest: read → find layout → map columns → validate → load, for each file, all or nothing.

A reader can follow one spend line through the named SQL steps below: ``read_csv`` (or the
spreadsheet reader) exposes raw cells; ``classify_rows`` gives each row its section and kind
(title, header, blank, total, data); ``parse_rows`` turns text into dates and DECIMAL money and
lists every reason a row cannot be used; ``load_spend_lines`` and ``load_rejected_rows`` write the
two outcomes inside one transaction, together with the ``source_file`` record, so a crash leaves
the store as it was and a re-ingest of the same bytes (same SHA-256) changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from anchorkit.errors import AnchorkitError, IngestError
from anchorkit.ingest import values
from anchorkit.ingest.layout import (
    TOTAL_LABEL,
    Section,
    cells_json_case,
    column_case,
    describe_sections,
    find_sections,
    header_rows_sql,
    section_case,
)
from anchorkit.ingest.mapping import CANONICAL, UserMapping
from anchorkit.ingest.readers import RAW, RawFile, column_names, drop_raw, read_file
from anchorkit.workspace import Anchor, Workspace

CLASSIFIED = "__anchorkit__classified"
PARSED = "__anchorkit__parsed"
REJECTED = "__anchorkit__rejected"

#: Tests set this to a function that raises on a chosen step, to prove a crash mid-file leaves
#: the store unchanged. It is called with the name of each write step inside the transaction.
FAULT_HOOK: Callable[[str], None] | None = None

Progress = Callable[[str], None]


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

    def to_json(self) -> dict[str, Any]:
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


def saved_mappings(ws: Workspace, anchor: Anchor) -> dict[str, UserMapping]:
    rows = ws.engine.query(
        "saved_mappings",
        "SELECT signature, mapping FROM anchor_mapping WHERE anchor_id = ?",
        [anchor.anchor_id],
    )
    return {sig: UserMapping.from_json(json.loads(m)) for sig, m in rows}


def ingest_files(
    ws: Workspace,
    paths: Sequence[Path],
    anchor_name: str,
    *,
    mapping: UserMapping | None = None,
    uploaded_by: str | None = None,
    progress: Callable[[Path, str], None] | None = None,
) -> list[FileResult]:
    """Ingest each file; one file's failure is reported in its result and never stops the others."""
    anchor = ws.anchor(anchor_name)
    results = []
    for path in paths:
        step: Progress | None = (lambda s, p=path: progress(p, s)) if progress else None
        try:
            results.append(
                ingest_file(
                    ws, Path(path), anchor, mapping=mapping, uploaded_by=uploaded_by, progress=step
                )
            )
        except AnchorkitError as exc:
            results.append(FileResult(file=str(path), error=str(exc)))
        finally:
            _drop_work(ws)
    return results


def ingest_file(
    ws: Workspace,
    path: Path,
    anchor: Anchor,
    *,
    mapping: UserMapping | None = None,
    uploaded_by: str | None = None,
    progress: Progress | None = None,
    force_python_csv: bool = False,
) -> FileResult:
    """Ingest one file for one anchor; raise IngestError when the file as a whole is unusable."""
    say = progress or (lambda _step: None)
    engine = ws.engine
    say("reading")
    # the SHA-256 (and line count) is computed on another thread while DuckDB reads the file:
    # both release the GIL, so on a big file the hash costs almost nothing
    with ThreadPoolExecutor(max_workers=1) as pool:
        digest = pool.submit(file_digest, path)
        try:
            raw = read_file(
                engine,
                path,
                force_python_csv=force_python_csv,
                line_count=lambda: digest.result()[1],
            )
        finally:
            try:
                file_id = digest.result()[0]
            except OSError as exc:
                raise IngestError(f"{path.name}: cannot open the file ({exc.strerror}).") from exc
    result = FileResult(file=str(path), file_id=file_id)
    existing = engine.query(
        "find_file",
        "SELECT s.rows_read, s.rows_loaded, s.rows_rejected, a.name, s.anchor_id "
        "FROM source_file s JOIN anchor a USING (anchor_id) WHERE file_id = ?",
        [file_id],
    )
    if existing:
        read, loaded, rejected, owner, owner_id = existing[0]
        if owner_id != anchor.anchor_id:
            raise IngestError(
                f"{path.name}: these exact bytes were already loaded for {owner!r}, not "
                f"{anchor.name!r}. If that was a mistake, ask an admin to remove the file first."
            )
        result.rows_read, result.rows_loaded, result.rows_rejected = read, loaded, rejected
        result.already_loaded = True
        result.notes.append("already loaded (same SHA-256): nothing changed")
        return result
    result.format, result.encoding = raw.format, raw.encoding
    say("finding the layout")
    sections, notes = find_sections(
        engine,
        raw,
        file_name=path.name,
        search_rows=int(ws.settings["ingest.header_search_rows"]),
        user=mapping,
        saved=saved_mappings(ws, anchor),
    )
    result.notes.extend(notes)
    result.columns = describe_sections(sections)
    _classify(engine, raw, sections)
    say("checking values")
    order, explanation = _date_order(ws, mapping)
    result.date_order = order
    result.notes.append(explanation)
    currency = (mapping.currency if mapping and mapping.currency else None) or ws.settings[
        "currency"
    ]
    _parse(engine, ws, sections, order, str(currency))
    _mark_unlabelled_totals(engine)
    counts = {
        kind: int(n)
        for kind, n in engine.query(
            "count_kinds", f"SELECT kind, count(*) FROM {PARSED} GROUP BY kind"
        )
    }
    (loaded, rejected) = engine.query_one(
        "count_outcomes",
        f"SELECT count(*) FILTER (WHERE reasons IS NULL), count(*) FILTER (WHERE reasons IS NOT NULL) "
        f"FROM {PARSED} WHERE kind = 'data'",
    )
    result.rows_loaded, result.rows_rejected = int(loaded), int(rejected)
    result.rows_read = counts.pop("data", 0)
    result.rows_skipped = dict(sorted(counts.items()))
    if result.rows_read != result.rows_loaded + result.rows_rejected:  # the ledger's promise
        raise IngestError(
            f"{path.name}: {result.rows_read} data rows but {result.rows_loaded} loaded and "
            f"{result.rows_rejected} rejected; nothing was written. Please report this file."
        )
    say("loading")
    _load(ws, path, anchor, raw, sections, result, mapping, uploaded_by)
    return result


def _classify(engine: Any, raw: RawFile, sections: Sequence[Section]) -> None:
    """A view giving every raw row its section and kind; nothing is copied."""
    cols = column_names(raw.width)
    blank = " AND ".join(f"coalesce(trim({c}), '') = ''" for c in cols)
    supplier = column_case(sections, "supplier_name")
    labels = dict.fromkeys(
        [
            "c1",
            *(
                column_case(sections, c)
                for c in ("transaction_ref", "description", "raw_category", "cost_centre")
            ),
        ]
    )
    labelled = " OR ".join(
        f"regexp_matches({c}, '(?i){TOTAL_LABEL}')" for c in labels if c != "NULL::VARCHAR"
    )
    total = (
        f"(coalesce(trim({supplier}), '') = '' "
        f"OR regexp_matches({supplier}, '(?i){TOTAL_LABEL}\\s*:?\\s*$')) AND ({labelled})"
    )
    engine.run(
        "classify_rows",
        f"""
        CREATE OR REPLACE TEMP VIEW {CLASSIFIED} AS
        WITH sectioned AS (SELECT *, {section_case(sections)} AS section_id FROM {RAW})
        SELECT *,
            CASE
                WHEN section_id IS NULL THEN 'title'
                WHEN {header_rows_sql(sections)} THEN 'header'
                WHEN {blank} THEN 'blank'
                WHEN {total} THEN 'total'
                ELSE 'data'
            END AS kind
        FROM sectioned
        """,
    )
    engine.run(
        "canonical_cells",
        f"""
        CREATE OR REPLACE TEMP VIEW {CLASSIFIED}_cells AS
        SELECT sheet, source_row, section_id, kind,
            {", ".join(f"{column_case(sections, c)} AS {c}" for c in CANONICAL)},
            {cells_json_case(sections, unmapped_only=True)} AS extra
        FROM {CLASSIFIED}
        """,
    )


def _mark_unlabelled_totals(engine: Any) -> None:
    """Rows with only an amount, equal to the sum of the amounts above them, are totals.

    Only data rows with no supplier and no date are candidates, so a clean file pays for one
    cheap filter and no sums. The sum covers every readable amount above in the same section
    (rejected rows included: that is what the exporting system added up).
    """
    candidates = engine.query(
        "unlabelled_total_candidates",
        f"SELECT sheet, source_row, section_id, amount FROM {PARSED} "
        "WHERE kind = 'data' AND no_supplier AND no_date AND amount IS NOT NULL "
        "ORDER BY sheet, source_row LIMIT 10000",
    )
    for sheet, source_row, section_id, value in candidates:
        (above,) = engine.query_one(
            "sum_above_candidate",
            f"SELECT sum(amount) FROM {PARSED} WHERE kind = 'data' AND section_id = ? "
            "AND sheet IS NOT DISTINCT FROM ? AND source_row < ? AND NOT (no_supplier AND no_date)",
            [section_id, sheet, source_row],
        )
        if above is not None and above == value:
            engine.run(
                "mark_total",
                f"UPDATE {PARSED} SET kind = 'total', reasons = NULL "
                "WHERE sheet IS NOT DISTINCT FROM ? AND source_row = ?",
                [sheet, source_row],
            )


EVIDENCE_SAMPLE = 200_000


def _date_order(ws: Workspace, mapping: UserMapping | None) -> tuple[str, str]:
    """Day-first or month-first, once for the whole file, from its own dates.

    The first ``EVIDENCE_SAMPLE`` data rows are looked at first; only when they hold no date
    that proves an order (a part above 12) is the whole column read.
    """
    if mapping is not None and mapping.date_order:
        return mapping.date_order, f"dates read as {mapping.date_order} (mapping file)"
    sql = (
        f"SELECT {values.date_order_evidence_sql('paid_on')} FROM "
        f"(SELECT paid_on FROM {CLASSIFIED}_cells WHERE kind = 'data' /*limit*/)"
    )
    row = ws.engine.query_one(
        "date_order_sample", sql.replace("/*limit*/", f"LIMIT {EVIDENCE_SAMPLE}")
    )
    iso, dmy, mdy, total = (int(v or 0) for v in row)
    if dmy == mdy == 0 and total >= EVIDENCE_SAMPLE:
        row = ws.engine.query_one("date_order_evidence", sql)
        iso, dmy, mdy, total = (int(v or 0) for v in row)
    return values.decide_date_order(iso, dmy, mdy, str(ws.settings["ingest.date_order"]))


def _parse(
    engine: Any, ws: Workspace, sections: Sequence[Section], order: str, currency: str
) -> None:
    """Typed values for every data row; reasons and raw cells only for the rows that fail."""
    month, day = ws.settings.fiscal_year_start
    currency_sql = f"coalesce(upper(trim(currency)), {values.currency_sql('amount', currency)})"
    engine.run(
        "parse_rows",
        f"""
        CREATE OR REPLACE TEMP TABLE {PARSED} AS
        WITH typed AS (
            SELECT *, {values.amount_sql("amount")} AS amount_value,
                   {values.date_sql("paid_on", order)} AS paid_on_value,
                   coalesce(trim(supplier_name), '') = '' AS no_supplier,
                   coalesce(trim(paid_on), '') = '' AS no_date
            FROM {CLASSIFIED}_cells
        )
        SELECT sheet, source_row, section_id, kind, no_supplier, no_date,
            paid_on_value AS paid_on,
            {values.fiscal_year_sql("paid_on_value", month, day)} AS fiscal_year,
            amount_value AS amount,
            {currency_sql} AS currency,
            trim(supplier_name) AS supplier_name,
            nullif(trim(supplier_ref), '') AS supplier_ref,
            nullif(upper(trim(supplier_postcode)), '') AS supplier_postcode,
            nullif(trim(description), '') AS description,
            nullif(trim(raw_category), '') AS raw_category,
            nullif(trim(cost_centre), '') AS cost_centre,
            nullif(trim(transaction_ref), '') AS transaction_ref,
            extra,
            CASE WHEN kind = 'data' AND (no_supplier OR amount_value IS NULL OR paid_on_value IS NULL) THEN
                list_filter([
                    CASE WHEN no_supplier THEN 'supplier is empty' END,
                    CASE WHEN amount_value IS NULL THEN {values.amount_problem_sql("amount")} END,
                    CASE WHEN paid_on_value IS NULL THEN {values.date_problem_sql("paid_on", order)} END
                ], lambda x: x IS NOT NULL)
            END AS reasons
        FROM typed
        """,
    )


def _drop_work(ws: Workspace) -> None:
    """Free the temporary tables of the last file, whatever happened to it."""
    drop_raw(ws.engine)
    for table in (PARSED, REJECTED):
        ws.engine.run("drop_work", f"DROP TABLE IF EXISTS {table}")


def _fault(step: str) -> None:
    if FAULT_HOOK is not None:
        FAULT_HOOK(step)


def _load(
    ws: Workspace,
    path: Path,
    anchor: Anchor,
    raw: RawFile,
    sections: Sequence[Section],
    result: FileResult,
    mapping: UserMapping | None,
    uploaded_by: str | None,
) -> None:
    engine = ws.engine
    # the raw cells of rejected rows are set aside, so the raw copy of the file can be freed
    # before the big insert (on a 10M-line file that halves peak memory)
    engine.run(
        "set_aside_rejected_rows",
        f"""
        CREATE OR REPLACE TEMP TABLE {REJECTED} AS
        SELECT p.sheet, p.source_row, {cells_json_case(sections, unmapped_only=False)} AS raw_cells,
            p.reasons
        FROM (SELECT * FROM {PARSED} WHERE kind = 'data' AND reasons IS NOT NULL) p
        JOIN {RAW} r ON r.sheet IS NOT DISTINCT FROM p.sheet AND r.source_row = p.source_row
        """,
    )
    drop_raw(engine)
    with engine.transaction():
        (first_line_id,) = engine.query_one(
            "next_line_id", "SELECT coalesce(max(line_id), 0) + 1 FROM spend_line"
        )
        _fault("source_file")
        engine.run(
            "record_source_file",
            "INSERT INTO source_file (file_id, anchor_id, name, format, encoding, delimiter, "
            "date_order, mapping, notes, uploaded_by, rows_read, rows_loaded, rows_rejected, "
            "rows_skipped) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                result.file_id,
                anchor.anchor_id,
                path.name,
                raw.format,
                raw.encoding,
                raw.delimiter,
                result.date_order,
                json.dumps(result.columns),
                json.dumps(result.notes),
                uploaded_by,
                result.rows_read,
                result.rows_loaded,
                result.rows_rejected,
                json.dumps(result.rows_skipped),
            ],
        )
        _fault("spend_line")
        # line order within the table does not matter (source_row says it); letting DuckDB
        # write out of order lets both cores work on the insert
        engine.run("unordered_insert", "SET preserve_insertion_order = false")
        try:
            engine.run(
                "load_spend_lines",
                f"""
            INSERT INTO spend_line
            SELECT ? + rowid, ?, sheet, source_row, ?, paid_on, fiscal_year, amount, currency,
                supplier_name, supplier_ref, supplier_postcode, description, raw_category,
                cost_centre, transaction_ref, NULL, NULL, extra
            FROM {PARSED} WHERE kind = 'data' AND reasons IS NULL
            """,
                [first_line_id, result.file_id, anchor.anchor_id],
            )
        finally:
            engine.run("ordered_again", "SET preserve_insertion_order = true")
        _fault("rejected_row")
        engine.run(
            "load_rejected_rows",
            f"INSERT INTO rejected_row SELECT ?, ?, sheet, source_row, raw_cells, reasons "
            f"FROM {REJECTED}",
            [result.file_id, anchor.anchor_id],
        )
        if mapping is not None and mapping.columns:
            for signature in {s.signature for s in sections}:
                engine.run(
                    "save_mapping",
                    "INSERT OR REPLACE INTO anchor_mapping (anchor_id, signature, mapping) "
                    "VALUES (?, ?, ?)",
                    [anchor.anchor_id, signature, json.dumps(mapping.to_json())],
                )
        _fault("commit")

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
    sql_literal,
)
from anchorkit.ingest.mapping import UserMapping
from anchorkit.ingest.readers import RAW, RawFile, column_names, drop_raw, read_file
from anchorkit.workspace import Anchor, Workspace

CLASSIFIED = "__anchorkit__classified"
PARSED = "__anchorkit__parsed"

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


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 24):
            digest.update(chunk)
    return digest.hexdigest()


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
            drop_raw(ws.engine)
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
    say("hashing")
    try:
        file_id = file_sha256(path)
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

    say("reading")
    raw = read_file(engine, path, force_python_csv=force_python_csv)
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
    counts, evidence, candidates = _survey(engine)
    if candidates:
        totals = _unlabelled_totals(engine)
        if totals:
            _classify(engine, raw, sections, totals)
            counts["data"] -= len(totals)
            counts["total"] = counts.get("total", 0) + len(totals)
    order, explanation = _date_order(ws, mapping, evidence)
    result.date_order = order
    result.notes.append(explanation)
    currency = (mapping.currency if mapping and mapping.currency else None) or ws.settings[
        "currency"
    ]
    _parse(engine, ws, sections, order, str(currency))
    (loaded, rejected) = engine.query_one(
        "count_outcomes",
        f"SELECT count(*) FILTER (WHERE reasons IS NULL), count(*) FILTER (WHERE reasons IS NOT NULL) "
        f"FROM {PARSED}",
    )
    result.rows_loaded, result.rows_rejected = int(loaded), int(rejected)
    result.rows_read = int(counts.get("data", 0))
    result.rows_skipped = {k: int(v) for k, v in counts.items() if k != "data"}
    assert result.rows_read == result.rows_loaded + result.rows_rejected
    say("loading")
    _load(ws, path, anchor, raw, sections, result, mapping, uploaded_by)
    return result


def _classify(
    engine: Any, raw: RawFile, sections: Sequence[Section], totals: Sequence[tuple[Any, int]] = ()
) -> None:
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
    marked = (
        " OR ".join(
            f"(sheet IS NOT DISTINCT FROM {sql_literal(sheet)} AND source_row = {int(row)})"
            for sheet, row in totals
        )
        or "false"
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
                WHEN {total} OR {marked} THEN 'total'
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
            {", ".join(f"{column_case(sections, c)} AS {c}" for c in _CANONICAL_TEXT)},
            {cells_json_case(sections, unmapped_only=True)} AS extra
        FROM {CLASSIFIED}
        """,
    )


_CANONICAL_TEXT = (
    "supplier_name",
    "amount",
    "paid_on",
    "description",
    "raw_category",
    "cost_centre",
    "supplier_postcode",
    "supplier_ref",
    "transaction_ref",
    "currency",
)


def _unlabelled_totals(engine: Any) -> list[tuple[Any, int]]:
    """Rows with only an amount that equals the sum of the data rows above it are totals.

    Only rows with no supplier and no date are candidates, so on a clean file this costs one
    cheap filter and no sums.
    """
    rows = engine.query(
        "unlabelled_total_candidates",
        f"""
        SELECT sheet, source_row, section_id, {values.amount_sql("amount")} AS value
        FROM {CLASSIFIED}_cells
        WHERE kind = 'data' AND coalesce(trim(supplier_name), '') = ''
          AND coalesce(trim(paid_on), '') = '' AND coalesce(trim(amount), '') <> ''
        LIMIT 10000
        """,
    )
    totals = []
    for sheet, source_row, section_id, value in rows:
        if value is None:
            continue
        (above,) = engine.query_one(
            "sum_above_candidate",
            f"SELECT sum({values.amount_sql('amount')}) FROM {CLASSIFIED}_cells "
            "WHERE kind = 'data' AND section_id = ? AND sheet IS NOT DISTINCT FROM ? "
            "AND source_row < ? AND coalesce(trim(supplier_name), '') <> ''",
            [section_id, sheet, source_row],
        )
        if above is not None and above == value:
            totals.append((sheet, int(source_row)))
    return totals


KINDS = ("title", "header", "blank", "total", "data")


def _survey(engine: Any) -> tuple[dict[str, int], tuple[int, int, int], int]:
    """One pass over the rows: how many of each kind, the date-order evidence, total candidates."""
    data_dates = "CASE WHEN kind = 'data' THEN paid_on END"
    row = engine.query_one(
        "survey_rows",
        f"""
        SELECT {", ".join(f"count(*) FILTER (WHERE kind = '{k}')" for k in KINDS)},
            count(*) FILTER (WHERE kind = 'data' AND coalesce(trim(supplier_name), '') = ''
                AND coalesce(trim(paid_on), '') = '' AND coalesce(trim(amount), '') <> ''),
            {values.date_order_evidence_sql(data_dates)}
        FROM {CLASSIFIED}_cells
        """,
    )
    counts = {k: int(n) for k, n in zip(KINDS, row[: len(KINDS)], strict=True) if n or k == "data"}
    candidates = int(row[len(KINDS)])
    iso, dmy, mdy = (int(v or 0) for v in row[len(KINDS) + 1 : len(KINDS) + 4])
    return counts, (iso, dmy, mdy), candidates


def _date_order(
    ws: Workspace, mapping: UserMapping | None, evidence: tuple[int, int, int]
) -> tuple[str, str]:
    if mapping is not None and mapping.date_order:
        return mapping.date_order, f"dates read as {mapping.date_order} (mapping file)"
    return values.decide_date_order(*evidence, str(ws.settings["ingest.date_order"]))


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
                   coalesce(trim(supplier_name), '') = '' AS no_supplier
            FROM {CLASSIFIED}_cells WHERE kind = 'data'
        )
        SELECT sheet, source_row, section_id,
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
            CASE WHEN no_supplier OR amount_value IS NULL OR paid_on_value IS NULL THEN
                list_filter([
                    CASE WHEN no_supplier THEN 'supplier is empty' END,
                    CASE WHEN amount_value IS NULL THEN {values.amount_problem_sql("amount")} END,
                    CASE WHEN paid_on_value IS NULL THEN {values.date_problem_sql("paid_on", order)} END
                ], lambda x: x IS NOT NULL)
            END AS reasons
        FROM typed
        """,
    )


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
        engine.run(
            "load_spend_lines",
            f"""
            INSERT INTO spend_line
            SELECT ? + rowid, ?, sheet, source_row, ?, paid_on, fiscal_year, amount, currency,
                supplier_name, supplier_ref, supplier_postcode, description, raw_category,
                cost_centre, transaction_ref, NULL, NULL, extra
            FROM {PARSED} WHERE reasons IS NULL
            """,
            [first_line_id, result.file_id, anchor.anchor_id],
        )
        _fault("rejected_row")
        engine.run(
            "load_rejected_rows",
            f"""
            INSERT INTO rejected_row
            SELECT ?, ?, p.sheet, p.source_row, {cells_json_case(sections, unmapped_only=False)},
                p.reasons
            FROM {PARSED} p JOIN {RAW} r
              ON r.sheet IS NOT DISTINCT FROM p.sheet AND r.source_row = p.source_row
            WHERE p.reasons IS NOT NULL
            """,
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

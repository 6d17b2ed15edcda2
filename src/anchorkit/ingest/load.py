"""Ingest: read → find layout → map columns → validate → load, for each file, all or nothing.

A reader can follow one spend line through the named SQL steps below: ``read_csv`` (or the
spreadsheet reader) exposes raw cells; ``classify_rows`` gives each row its section and kind
(title, header, blank, total, data); ``parse_rows`` keeps the raw cells and adds, next to them,
dates and DECIMAL money; ``parsed_view`` numbers the rows and lists every reason a row cannot be
used (worked out for those rows only); ``load_spend_lines`` (which picks and trims the text from
the raw cells) and ``load_rejected_rows`` write the two outcomes inside one transaction, with the
``source_file`` record, so a crash leaves the store as it was and a re-ingest of the same bytes
(same SHA-256) changes nothing.

A big CSV (DuckDB's reader) takes a shorter road to the same rows: the layout and the date order
are read off its first lines, and ``read_csv`` parses as it reads, into one table holding raw cells
*and* typed values (:class:`_OneTable`), so 10M lines are materialised once, not twice. The whole
file's layout and date order are then found exactly as for any file; when they are the ones
assumed, ``mark_layout_rows`` only re-labels the title and header rows, and otherwise the general
``parse_rows`` runs on the raw cells already read. Either way the rows are the same.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from anchorkit.engine import Engine
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
from anchorkit.ingest.mapping import CANONICAL, ColumnMapping, UserMapping
from anchorkit.ingest.readers import (
    RAW,
    RawFile,
    TypedRead,
    adopt_cells,
    column_names,
    drop_raw,
    read_file,
)
from anchorkit.ocds.read import looks_like_json
from anchorkit.source_files import (
    FileResult,
    already_loaded,
    fault,
    file_digest,
    record_source_file,
)
from anchorkit.workspace import Anchor, Workspace

CLASSIFIED = "__anchorkit__classified"
WORK = "__anchorkit__work"  # raw cells, kinds and typed values: one row per row of the file
PARSED = "__anchorkit__parsed"  # WORK with each row's place, number, section, and reasons

Progress = Callable[[str], None]


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
    one_table: bool = True,
) -> FileResult:
    """Ingest one file for one anchor; raise IngestError when the file as a whole is unusable.

    OCDS JSON is told apart by its first character and read as awards (:mod:`anchorkit.ocds`).

    ``one_table=False`` keeps a big CSV on the general path (tests compare the two).
    """
    if looks_like_json(path):  # OCDS: awards, not rows of cells
        from anchorkit.ocds.load import ingest_ocds

        return ingest_ocds(ws, path, anchor, uploaded_by=uploaded_by)
    say = progress or (lambda _step: None)
    engine = ws.engine
    currency = str(
        (mapping.currency if mapping and mapping.currency else None) or ws.settings["currency"]
    )
    saved = saved_mappings(ws, anchor)
    plan = _OneTable(ws, path.name, mapping, saved, currency) if one_table else None
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
                typed=plan.request() if plan else None,
            )
        finally:
            try:
                file_id = digest.result()[0]
            except OSError as exc:
                raise IngestError(f"{path.name}: cannot open the file ({exc.strerror}).") from exc
    result = FileResult(file=str(path), file_id=file_id)
    if already_loaded(ws, path, anchor, result):
        return result
    result.format, result.encoding = raw.format, raw.encoding
    say("finding the layout")
    sections, notes = _layout(ws, raw, path.name, mapping, saved)
    result.notes.extend(notes)
    result.columns = describe_sections(sections)
    _classify(engine, raw, sections)
    say("checking values")
    order, explanation = _date_order(ws, mapping)
    result.date_order = order
    result.notes.append(explanation)
    if raw.typed and plan is not None and plan.holds_for(sections, order):
        _keep_one_table(engine, sections, order)
    else:
        _parse(engine, ws, raw, sections, order, currency)
    _mark_unlabelled_totals(engine)
    counts, outcomes = {}, {"data": (0, 0)}
    for kind, n, usable, unusable in engine.query(
        "count_rows",
        f"SELECT kind, count(*), count(*) FILTER (WHERE usable), "
        f"count(*) FILTER (WHERE NOT usable) FROM {PARSED} GROUP BY kind",
    ):
        counts[kind], outcomes[kind] = int(n), (int(usable), int(unusable))
    result.rows_loaded, result.rows_rejected = outcomes["data"]
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


def _layout(
    ws: Workspace,
    raw: RawFile,
    file_name: str,
    mapping: UserMapping | None,
    saved: dict[str, UserMapping],
) -> tuple[list[Section], list[str]]:
    """The sections of whatever ``RAW`` shows now: the whole file, or its head (_OneTable)."""
    return find_sections(
        ws.engine,
        raw,
        file_name=file_name,
        search_rows=int(ws.settings["ingest.header_search_rows"]),
        user=mapping,
        saved=saved,
    )


def _kind_sql(width: int, sections: Sequence[Section], *, numbered: bool = True) -> str:
    """SQL giving a row its kind: title, header, blank, total or data.

    Title and header rows are known by their number and section; ``numbered=False`` leaves those
    two tests out, for the one-table read, where rows have no number yet (_keep_one_table fixes
    the few such rows afterwards).
    """
    blank = values.all_blank_sql(column_names(width))
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
    # a total row's supplier cell is empty or a label, which starts (after any spaces) with g, s
    # or t ("Grand total", "Sub-total", "Total"): the first byte of nearly every other supplier
    # says it is neither, which spares every data row the regex
    unlike_label = (
        f"({values.starts_visible_sql(supplier)} "
        f"AND ascii({supplier}) NOT IN (71, 83, 84, 103, 115, 116))"
    )
    total = (
        f"CASE WHEN {unlike_label} THEN false ELSE ({values.blank_sql(supplier)} "
        f"OR regexp_matches({supplier}, '(?i){TOTAL_LABEL}\\s*:?\\s*$')) AND ({labelled}) END"
    )
    tests = [(blank, "blank"), (total, "total")]
    if numbered:
        tests = [("section_id IS NULL", "title"), (header_rows_sql(sections), "header"), *tests]
    whens = " ".join(f"WHEN {test} THEN '{kind}'" for test, kind in tests)
    return f"CASE {whens} ELSE 'data' END"


def _classify(engine: Engine, raw: RawFile, sections: Sequence[Section]) -> None:
    """Views giving every raw row its section and kind, and its cells under anchorkit's names;
    nothing is copied."""
    engine.run(
        "classify_rows",
        f"""
        CREATE OR REPLACE TEMP VIEW {CLASSIFIED} AS
        WITH sectioned AS (SELECT *, {section_case(sections)} AS section_id FROM {RAW})
        SELECT *, {_kind_sql(raw.width, sections)} AS kind
        FROM sectioned
        """,
    )
    engine.run(
        "canonical_cells",
        f"""
        CREATE OR REPLACE TEMP VIEW {CLASSIFIED}_cells AS
        SELECT sheet, source_row, section_id, kind,
            {", ".join(f"{column_case(sections, c)} AS {c}" for c in CANONICAL)}
        FROM {CLASSIFIED}
        """,
    )


def _mark_unlabelled_totals(engine: Engine) -> None:
    """Rows with only an amount, equal to the sum of the amounts above them, are totals.

    Only data rows with no supplier and no date are candidates, so a clean file pays for one
    cheap filter and no sums. The sum covers every readable amount above in the same section
    (rejected rows included: that is what the exporting system added up).
    """
    candidates = engine.query(
        "unlabelled_total_candidates",
        f"SELECT work_row, sheet, source_row, section_id, amount FROM {PARSED} "
        "WHERE kind = 'data' AND no_supplier AND no_date AND amount IS NOT NULL "
        "ORDER BY sheet, source_row LIMIT 10000",
    )
    for work_row, sheet, source_row, section_id, value in candidates:
        (above,) = engine.query_one(
            "sum_above_candidate",
            f"SELECT sum(amount) FROM {PARSED} WHERE kind = 'data' AND section_id = ? "
            "AND sheet IS NOT DISTINCT FROM ? AND source_row < ? AND NOT (no_supplier AND no_date)",
            [section_id, sheet, source_row],
        )
        if above is not None and above == value:
            engine.run(
                "mark_total",
                f"UPDATE {WORK} SET kind = 'total' WHERE rowid = ?",
                [work_row],
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


def _typed_select(
    ws: Workspace,
    source: str,
    keep: Sequence[str],
    width: int,
    sections: Sequence[Section],
    order: str,
    currency: str,
) -> str:
    """The SELECT filling the work table from ``source`` (raw cells ``c1 … cN`` and a kind):
    the ``keep`` columns, the raw cells (the load picks and trims the text columns from them,
    and keeps them whole for rejected rows), and typed values. The reasons a row cannot be used
    are left to the PARSED view, which works them out for those few rows only.
    """
    month, day = ws.settings.fiscal_year_start
    picked = ", ".join(
        f"{column_case(sections, c)} AS {c}"
        for c in ("supplier_name", "amount", "paid_on", "currency")
    )
    currency_sql = f"coalesce(upper(trim(currency)), {values.currency_sql('amount', currency)})"
    return f"""
        WITH cells AS (SELECT *, {picked} FROM {source}),
        typed AS (
            SELECT *, {values.amount_sql("amount")} AS amount_value,
                   {values.date_sql("paid_on", order)} AS paid_on_value
            FROM cells
        )
        SELECT {", ".join([*keep, *column_names(width)])}, kind,
            {values.blank_sql("supplier_name")} AS no_supplier,
            {values.blank_sql("paid_on")} AS no_date,
            paid_on_value AS paid_on,
            {values.fiscal_year_sql("paid_on_value", month, day)} AS fiscal_year,
            amount_value AS amount,
            {currency_sql} AS currency
        FROM typed
        """


def _parsed_view(
    engine: Engine, sections: Sequence[Section], order: str, *, numbered: bool
) -> None:
    """PARSED: each row of WORK with its place there (``work_row``), its sheet, number and
    section (stored by the general path; from its place for the one-table read), whether it
    can be loaded, and, for a data row that cannot, every reason.

    The reasons are worked out here, when read, so only the rejected rows pay for them: written
    in the work table's SELECT, their CASE cost every row (measured: 0.25 s per 2M rows).
    """
    rows = f"SELECT rowid AS work_row, * FROM {WORK}"
    sectioned = "SELECT * FROM rows"
    if not numbered:
        rows = (
            f"SELECT rowid AS work_row, NULL::VARCHAR AS sheet, rowid + 1 AS source_row, * "
            f"FROM {WORK}"
        )
        sectioned = f"SELECT *, {section_case(sections)} AS section_id FROM rows"
    amount = column_case(sections, "amount")
    paid_on = column_case(sections, "paid_on")
    unusable = "no_supplier OR amount IS NULL OR paid_on IS NULL"
    engine.run(
        "parsed_view",
        f"""
        CREATE OR REPLACE TEMP VIEW {PARSED} AS
        WITH rows AS ({rows}), sectioned AS ({sectioned})
        SELECT *, NOT ({unusable}) AS usable,
            CASE WHEN kind = 'data' AND ({unusable}) THEN
                list_filter([
                    CASE WHEN no_supplier THEN 'supplier is empty' END,
                    CASE WHEN amount IS NULL THEN {values.amount_problem_sql(amount)} END,
                    CASE WHEN paid_on IS NULL THEN {values.date_problem_sql(paid_on, order)} END
                ], lambda x: x IS NOT NULL)
            END AS reasons
        FROM sectioned
        """,
    )


def _parse(
    engine: Engine,
    ws: Workspace,
    raw: RawFile,
    sections: Sequence[Section],
    order: str,
    currency: str,
) -> None:
    """The general path: the work table from the classified raw rows; the raw copy is then freed
    (the work table keeps the cells), which keeps peak memory at about two copies of the file."""
    select = _typed_select(
        ws, CLASSIFIED, ("sheet", "source_row", "section_id"), raw.width, sections, order, currency
    )
    engine.run("parse_rows", f"CREATE OR REPLACE TEMP TABLE {WORK} AS {select}")
    drop_raw(engine)
    _parsed_view(engine, sections, order, numbered=True)


class _OneTable:
    """The big-CSV plan: parse while reading, into one table of raw cells and typed values.

    Before the read, the layout and date order are decided from the file's first
    ``head_lines`` lines, with the very functions used for a whole file. The table's kinds leave
    title and header rows out (rows have no number while DuckDB reads in parallel); afterwards,
    :meth:`holds_for` checks the whole file's layout and date order against these assumptions.
    """

    def __init__(
        self,
        ws: Workspace,
        file_name: str,
        mapping: UserMapping | None,
        saved: dict[str, UserMapping],
        currency: str,
    ) -> None:
        self.ws, self.file_name, self.mapping, self.saved = ws, file_name, mapping, saved
        self.currency = currency
        self.assumed: tuple[ColumnMapping, str] | None = None

    def request(self) -> TypedRead:
        search_rows = int(self.ws.settings["ingest.header_search_rows"])
        return TypedRead(head_lines=EVIDENCE_SAMPLE + search_rows, select=self.select)

    def select(self, raw: RawFile, scan: str) -> str | None:
        """The typed read of the whole file, or None (raw cells only) when the head already
        shows more than one layout, or no usable one (the general path will say why)."""
        try:
            sections, _ = _layout(self.ws, raw, self.file_name, self.mapping, self.saved)
        except AnchorkitError:
            return None
        if any(s.mapping != sections[0].mapping for s in sections):
            return None
        _classify(self.ws.engine, raw, sections)
        order, _ = _date_order(self.ws, self.mapping)
        self.assumed = (sections[0].mapping, order)
        kind = _kind_sql(raw.width, sections, numbered=False)
        source = f"(SELECT *, {kind} AS kind FROM {scan})"
        return _typed_select(self.ws, source, (), raw.width, sections, order, self.currency)

    def holds_for(self, sections: Sequence[Section], order: str) -> bool:
        """Whether the whole file is read as assumed: one mapping throughout (a header repeated
        mid-file is fine, a different one is not) and the same date order."""
        if self.assumed is None:
            return False
        mapping, assumed_order = self.assumed
        return order == assumed_order and all(
            s.sheet is None and s.mapping == mapping for s in sections
        )


def _keep_one_table(engine: Engine, sections: Sequence[Section], order: str) -> None:
    """The one-table read becomes the work table; its rows get their numbers (a row's place in
    the table is its line) and section, and title and header rows their kind."""
    adopt_cells(engine, WORK)
    _parsed_view(engine, sections, order, numbered=False)
    last = max(s.header_row for s in sections)
    engine.run(
        "mark_layout_rows",
        f"""
        UPDATE {WORK} SET kind = layout.kind
        FROM (
            SELECT work_row, CASE WHEN section_id IS NULL THEN 'title' ELSE 'header' END AS kind
            FROM {PARSED}
            WHERE source_row <= {last} AND (section_id IS NULL OR {header_rows_sql(sections)})
        ) layout
        WHERE {WORK}.rowid = layout.work_row
        """,
    )


def _drop_work(ws: Workspace) -> None:
    """Free the temporary tables of the last file, whatever happened to it."""
    drop_raw(ws.engine)
    ws.engine.run("drop_work", f"DROP VIEW IF EXISTS {PARSED}")
    ws.engine.run("drop_work", f"DROP TABLE IF EXISTS {WORK}")


def _text_columns(sections: Sequence[Section]) -> str:
    """The text columns of a spend line, picked from the raw cells and trimmed."""

    def text(column: str) -> str:
        return values.trim_sql(column_case(sections, column))

    return f"""{text("supplier_name")},
        nullif({text("supplier_ref")}, ''),
        nullif(upper({text("supplier_postcode")}), ''),
        nullif({text("description")}, ''),
        nullif({text("raw_category")}, ''),
        nullif({text("cost_centre")}, ''),
        nullif({text("transaction_ref")}, '')"""


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
        fault("source_file")
        record_source_file(ws, path, anchor, result, uploaded_by, delimiter=raw.delimiter)
        fault("spend_line")
        # line order within the table does not matter (source_row says it); letting DuckDB
        # write out of order lets both cores work on the insert
        engine.run("unordered_insert", "SET preserve_insertion_order = false")
        try:
            engine.run(
                "load_spend_lines",
                f"""
            INSERT INTO spend_line
            SELECT ? + work_row, ?, sheet, source_row, ?, paid_on, fiscal_year, amount, currency,
                {_text_columns(sections)}, NULL, NULL,
                {cells_json_case(sections, unmapped_only=True)}
            FROM {PARSED} WHERE kind = 'data' AND usable
            """,
                [first_line_id, result.file_id, anchor.anchor_id],
            )
        finally:
            engine.run("ordered_again", "SET preserve_insertion_order = true")
        fault("rejected_row")
        engine.run(
            "load_rejected_rows",
            f"""
            INSERT INTO rejected_row
            SELECT ?, ?, sheet, source_row, {cells_json_case(sections, unmapped_only=False)}, reasons
            FROM {PARSED} WHERE kind = 'data' AND NOT usable
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
        fault("commit")

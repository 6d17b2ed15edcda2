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
from decimal import Decimal
from pathlib import Path
from typing import Any

from anchorkit.engine import Engine
from anchorkit.errors import AnchorkitError, IngestError, MappingError, SourceError
from anchorkit.ingest import values
from anchorkit.ingest.layout import (
    TOTAL_LABEL,
    Samples,
    Section,
    cells_json_case,
    column_case,
    describe_sections,
    find_sections,
    header_rows_sql,
    section_case,
    sql_literal,
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
from anchorkit.ingest.sources import delete_file_rows
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
    replace: bool = False,
) -> list[FileResult]:
    """Ingest each file; one file's failure is reported in its result and never stops the others.

    ``replace``: the files are loaded already, and are read again (with ``mapping``) in place of
    what they gave, each in one transaction.
    """
    anchor = ws.anchor(anchor_name)
    results = []
    for path in paths:
        step: Progress | None = (lambda s, p=path: progress(p, s)) if progress else None
        try:
            results.append(
                ingest_file(
                    ws,
                    Path(path),
                    anchor,
                    mapping=mapping,
                    uploaded_by=uploaded_by,
                    progress=step,
                    replace=replace,
                )
            )
        except AnchorkitError as exc:
            results.append(FileResult(file=str(path), error=str(exc), columns=_found(exc)))
        finally:
            _drop_work(ws)
    return results


def _found(exc: AnchorkitError) -> list[dict[str, Any]]:
    """For a file stopped at its columns: the columns found and a few values of each, so that a
    person (or the dashboard's form) can name the right ones."""
    if not isinstance(exc, MappingError) or not exc.headers:
        return []
    samples = exc.samples or []
    return [
        {
            "how": "stopped: name the columns with --map",
            "headers": exc.headers,
            "positions": exc.recognised or {},
            "columns": {
                f: exc.headers[i] or f"column {i + 1}" for f, i in (exc.recognised or {}).items()
            },
            "fields": {},
            "unused": [
                {
                    "header": h or f"column {i + 1}",
                    "column": i + 1,
                    "samples": list(samples[i]) if i < len(samples) else [],
                }
                for i, h in enumerate(exc.headers)
            ],
        }
    ]


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
    replace: bool = False,
) -> FileResult:
    """Ingest one file for one anchor; raise IngestError when the file as a whole is unusable.

    OCDS JSON is told apart by its first character and read as awards (:mod:`anchorkit.ocds`).

    ``replace``: the same bytes are loaded already; they are read again and, in one transaction,
    what they gave before (lines, rejected rows, the file's record) is replaced by what they give
    now. ``one_table=False`` keeps a big CSV on the general path (tests compare the two).
    """
    if looks_like_json(path):  # OCDS: awards, not rows of cells
        if replace:
            raise IngestError(
                f"{path.name}: an OCDS file has no columns to map, so it cannot be re-read with "
                "--replace. Remove it (anchorkit source remove FILE_ID) and ingest it again."
            )
        from anchorkit.ocds.load import ingest_ocds

        return ingest_ocds(ws, path, anchor, uploaded_by=uploaded_by)
    say = progress or (lambda _step: None)
    engine = ws.engine
    currency = str(
        (mapping.currency if mapping and mapping.currency else None) or ws.settings["currency"]
    )
    saved = saved_mappings(ws, anchor)
    samples: Samples = {}
    plan = _OneTable(ws, path.name, mapping, saved, currency, samples) if one_table else None
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
    if replace:
        if not already_loaded(ws, path, anchor, FileResult(file=str(path), file_id=file_id)):
            raise SourceError(
                f"{path.name}: --replace re-reads a file that is loaded already, and these bytes "
                "are not (a changed file has new bytes). Ingest it without --replace; to drop an "
                "older version first: anchorkit source list, then anchorkit source remove FILE_ID."
            )
        result.replaced = True
    elif already_loaded(ws, path, anchor, result):
        return result
    result.format, result.encoding = raw.format, raw.encoding
    say("finding the layout")
    sections, notes = _layout(ws, raw, path.name, mapping, saved, samples)
    result.notes.extend(notes)
    result.columns = describe_sections(sections)
    _classify(engine, raw, sections)
    say("checking values")
    order, explanation = _date_order(ws, mapping)
    result.date_order = order
    result.notes.append(explanation)
    if "setting ingest.date_order" in explanation:
        result.settings_used["ingest.date_order"] = order
    if not (mapping and mapping.currency):
        result.settings_used["currency"] = currency
    if raw.typed and plan is not None and plan.holds_for(sections, order):
        _keep_one_table(engine, sections, order, ws.settings.fiscal_year_start)
    else:
        _parse(engine, ws, raw, sections, order, currency)
    _mark_unlabelled_totals(engine, sections, result.notes)
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
    if counts.get("empty"):
        result.notes.append(
            f"{counts['empty']:,} rows hold no supplier, amount or date: skipped as empty"
        )
    if result.rows_read != result.rows_loaded + result.rows_rejected:  # the ledger's promise
        raise IngestError(
            f"{path.name}: {result.rows_read} data rows but {result.rows_loaded} loaded and "
            f"{result.rows_rejected} rejected; nothing was written. Please report this file."
        )
    say("loading")
    _load(ws, path, anchor, raw, sections, result, mapping, uploaded_by)
    return result


def saved_layouts(ws: Workspace, anchor: Anchor) -> list[dict[str, Any]]:
    """The layouts remembered for an anchor: per header signature, the header each field was
    read from (column numbers for files without a header), how it was decided and from which
    file; newest first."""
    rows = ws.engine.query(
        "saved_layouts",
        "SELECT signature, mapping, saved_at FROM anchor_mapping WHERE anchor_id = ? "
        "ORDER BY saved_at DESC, signature",
        [anchor.anchor_id],
    )
    return [{"signature": sig, **json.loads(m), "saved_at": str(at)} for sig, m, at in rows]


def _save_layouts(
    ws: Workspace,
    anchor: Anchor,
    sections: Sequence[Section],
    mapping: UserMapping | None,
    file_name: str,
) -> None:
    """Remember each layout of the file for the anchor's next files (tried first there)."""
    done: set[str] = set()
    for section in sections:
        if section.signature in done:
            continue
        done.add(section.signature)
        used = section.mapping
        headers = used.headers
        columns: dict[str, str | int] = {
            f: (headers[i] if i < len(headers) and headers[i] else i + 1)
            for f, i in used.columns.items()
        }
        layout = {
            "columns": columns,
            "has_header": section.header_row > 0 if mapping is None else mapping.has_header,
            "header_row": mapping.header_row if mapping is not None else None,
            "date_order": mapping.date_order if mapping is not None else None,
            "currency": mapping.currency if mapping is not None else None,
            "how": used.how,
            "confidence": round(used.confidence(), 3),
            "file": file_name,
        }
        ws.engine.run(
            "save_layout",
            "INSERT OR REPLACE INTO anchor_mapping (anchor_id, signature, mapping, saved_at) "
            "VALUES (?, ?, ?, current_timestamp)",
            [anchor.anchor_id, section.signature, json.dumps(layout)],
        )


def _layout(
    ws: Workspace,
    raw: RawFile,
    file_name: str,
    mapping: UserMapping | None,
    saved: dict[str, UserMapping],
    samples: Samples,
) -> tuple[list[Section], list[str]]:
    """The sections of whatever ``RAW`` shows now: the whole file, or its head (_OneTable);
    ``samples`` keeps the rows sampled from the head for the look at the whole file."""
    return find_sections(
        ws.engine,
        raw,
        file_name=file_name,
        search_rows=int(ws.settings["ingest.header_search_rows"]),
        user=mapping,
        saved=saved,
        min_confidence=float(ws.settings["ingest.min_confidence"]),
        sample_span=EVIDENCE_SAMPLE,
        samples=samples,
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
    # a row with no supplier, amount or date holds no payment (a note, a template's constant
    # columns dragged down): counted apart as 'empty', like a blank row
    empty = " AND ".join(
        values.blank_sql(column_case(sections, c)) for c in ("supplier_name", "amount", "paid_on")
    )
    tests = [(blank, "blank"), (total, "total"), (empty, "empty")]
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


#: A last row holding only an amount within this share of the sum of the rows above it is a
#: control total that does not reconcile (a publisher's error), not a payment.
FOOTER_TOLERANCE = Decimal("0.01")


def _mark_unlabelled_totals(engine: Engine, sections: Sequence[Section], notes: list[str]) -> None:
    """Rows naming no supplier whose amount adds up the rows above them are totals.

    A subtotal adds up the rows since the previous total, a grand total all the rows of its
    section (totals left out); either may add up only the rows of its own group (the rows with
    its category, cost centre and department: a file sorted by supplier lists its groups'
    subtotals together at the end). The total may sit in the amount column or in another column
    of money (a file can keep its subtotals in a column of their own). A last row holding
    nothing but an amount close to the sum above (within FOOTER_TOLERANCE) is a total that does
    not reconcile: it is skipped too, and the report says by how much it is off.

    Only rows naming no supplier are candidates, so a clean file pays for one cheap count; the
    sums cover every readable amount above, rejected rows included (that is what the exporting
    system added up).
    """
    (count,) = engine.query_one(
        "unlabelled_total_candidates",
        f"SELECT count(*) FROM {PARSED} WHERE kind = 'data' AND no_supplier",
    )
    if not count:
        return
    money = sorted({i for s in sections for i in s.mapping.money_columns})
    others = "".join(
        f", CASE WHEN no_supplier THEN {values.amount_sql(f'c{i + 1}')} END AS m{i}" for i in money
    )
    filled = " + ".join(
        f"(CASE WHEN {values.blank_sql(c)} THEN 0 ELSE 1 END)"
        for c in (f"c{i + 1}" for i in range(_width(sections)))
    )
    group = " || '|' || ".join(
        f"coalesce(trim({column_case(sections, f)}), '')"
        for f in ("raw_category", "cost_centre", "department")
    )
    above = "ORDER BY source_row ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
    rows = engine.query(
        "sums_above_candidates",
        f"""
        WITH d AS (
            SELECT work_row, sheet, source_row, section_id, no_supplier, no_date, amount,
                {group} AS grp,
                coalesce(sum(amount) OVER (PARTITION BY sheet, section_id {above}), 0) AS above,
                coalesce(sum(amount) OVER (PARTITION BY sheet, section_id, {group} {above}), 0)
                    AS group_above,
                max(source_row) OVER (PARTITION BY sheet, section_id) AS last_row,
                CASE WHEN no_supplier THEN {filled} END AS filled
                {others}
            FROM {PARSED} WHERE kind = 'data'
        )
        SELECT work_row, sheet, source_row, section_id, grp, amount, above, group_above,
            last_row, no_date, filled {"".join(f", m{i}" for i in money)}
        FROM d WHERE no_supplier ORDER BY sheet NULLS FIRST, source_row LIMIT 10000
        """,
    )
    totals: list[int] = []
    # per section, and per group of a section: (totals counted so far, the sum at the last one)
    state: dict[tuple[object, ...], tuple[Decimal, Decimal]] = {}
    for row in rows:
        work_row, sheet, source_row, section, grp, amount, above, group_above = row[:8]
        last_row, no_date, filled = row[8:11]
        found = [Decimal(v) for v in (amount, *row[11:]) if v is not None]
        own = Decimal(amount) if amount is not None else Decimal(0)
        sums = {}
        for key, cumulative in (((sheet, section), above), ((sheet, section, grp), group_above)):
            counted, at_last = state.get(key, (Decimal(0), Decimal(0)))
            real = Decimal(cumulative) - counted  # the rows above, totals left out
            sums[key] = (counted, real, real - at_last)  # ...and since the last total
        matched = any(
            v and v in (real, since) for v in found for _counted, real, since in sums.values()
        )
        counted, real, _ = sums[(sheet, section)]
        footer = (
            amount is not None
            and no_date
            and filled == 1
            and source_row == last_row
            and real
            and abs(own - real) <= FOOTER_TOLERANCE * abs(real)
        )
        if not (matched or footer):
            continue
        totals.append(work_row)
        for key, (so_far, sum_above, _since) in sums.items():
            state[key] = (so_far + own, sum_above)
        if footer and not matched:
            notes.append(
                f"row {source_row} holds only an amount, {own:,.2f}, close to the sum of the rows "
                f"above ({real:,.2f}) but {own - real:+,.2f} off: skipped as a total that does not "
                "reconcile"
            )
    if totals:
        engine.run(
            "mark_totals",
            f"UPDATE {WORK} SET kind = 'total' WHERE rowid IN ({', '.join(map(str, totals))})",
        )


def _width(sections: Sequence[Section]) -> int:
    return max(len(s.mapping.headers) for s in sections)


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


def _periods(sections: Sequence[Section], fiscal_start: tuple[int, int]) -> values.Periods | None:
    """How the file's payment dates are read when they are periods (fiscal years, months)."""
    kind = next((s.mapping.date_period for s in sections if s.mapping.date_period), None)
    return values.Periods(kind, fiscal_start) if kind else None


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
                   {values.date_sql("paid_on", order, _periods(sections, (month, day)))}
                       AS paid_on_value
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
    engine: Engine,
    sections: Sequence[Section],
    order: str,
    periods: tuple[int, int],
    *,
    numbered: bool,
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
                    CASE WHEN paid_on IS NULL THEN
                        {values.date_problem_sql(paid_on, order, _periods(sections, periods))}
                    END
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
    _parsed_view(engine, sections, order, ws.settings.fiscal_year_start, numbered=True)


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
        samples: Samples,
    ) -> None:
        self.ws, self.file_name, self.mapping, self.saved = ws, file_name, mapping, saved
        self.samples = samples
        self.currency = currency
        self.assumed: tuple[ColumnMapping, str] | None = None

    def request(self) -> TypedRead:
        search_rows = int(self.ws.settings["ingest.header_search_rows"])
        return TypedRead(head_lines=EVIDENCE_SAMPLE + search_rows, select=self.select)

    def select(self, raw: RawFile, scan: str) -> str | None:
        """The typed read of the whole file, or None (raw cells only) when the head already
        shows more than one layout, or no usable one (the general path will say why)."""
        try:
            sections, _ = _layout(
                self.ws, raw, self.file_name, self.mapping, self.saved, self.samples
            )
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


def _keep_one_table(
    engine: Engine, sections: Sequence[Section], order: str, periods: tuple[int, int]
) -> None:
    """The one-table read becomes the work table; its rows get their numbers (a row's place in
    the table is its line) and section, and title and header rows their kind."""
    adopt_cells(engine, WORK)
    _parsed_view(engine, sections, order, periods, numbered=False)
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


#: The columns load_spend_lines writes, in the order _text_columns gives the text ones.
LINE_COLUMNS = (
    "line_id",
    "file_id",
    "sheet",
    "source_row",
    "anchor_id",
    "paid_on",
    "fiscal_year",
    "amount",
    "currency",
    "supplier_name",
    "supplier_ref",
    "supplier_postcode",
    "description",
    "raw_category",
    "cost_centre",
    "department",
    "transaction_ref",
    "extra",
)


def _vendor_id(sections: Sequence[Section]) -> str:
    """The vendor id cell, trimmed; placeholder values (one value standing for many names, such
    as 'Redacted') and, where every real id holds a digit, values without one, are no id."""
    cell = values.trim_sql(column_case(sections, "supplier_ref"))
    mappings = [s.mapping for s in sections if "supplier_ref" in s.mapping.columns]
    held = sorted({v for m in mappings for v in m.ref_placeholders})
    tests = []
    if held:
        tests.append(f"{cell} IN ({', '.join(sql_literal(v) for v in held)})")
    if mappings and all(m.refs_have_digits for m in mappings) and held:
        # the sample showed digit-less stand-ins among digit ids: later ones are no ids either
        tests.append(f"NOT ({cell} GLOB '*[0-9]*')")
    if not tests:
        return f"nullif({cell}, '')"
    return f"CASE WHEN {' OR '.join(tests)} THEN NULL ELSE nullif({cell}, '') END"


def _text_columns(sections: Sequence[Section]) -> str:
    """The text columns of a spend line, picked from the raw cells and trimmed."""

    def text(column: str) -> str:
        return values.trim_sql(column_case(sections, column))

    return f"""{text("supplier_name")},
        {_vendor_id(sections)},
        nullif(upper({text("supplier_postcode")}), ''),
        nullif({text("description")}, ''),
        nullif({text("raw_category")}, ''),
        nullif({text("cost_centre")}, ''),
        nullif({text("department")}, ''),
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
        if result.replaced:
            assert result.file_id is not None
            fault("replace")
            delete_file_rows(engine, result.file_id)
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
            INSERT INTO spend_line ({", ".join(LINE_COLUMNS)})
            SELECT ? + work_row, ?, sheet, source_row, ?, paid_on, fiscal_year, amount, currency,
                {_text_columns(sections)},
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
        _save_layouts(ws, anchor, sections, mapping, path.name)
        fault("commit")

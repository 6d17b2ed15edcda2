"""``anchorkit workforce import``: an anchor's workforce, counted by home area, into the store.

A file is read with ingest's readers (:mod:`anchorkit.ingest.tabular`), long or wide:

- long: a home-area column, a count column, and optionally kind (staff, new hires, leavers,
  apprentices / trainees, contractors' staff), wage band (relative to the living wage), a
  self-identified group, FTE, payroll and the period;
- wide: a home-area column and one count column per kind (``Staff``, ``New hires``,
  ``Leavers``...), each cell one count; FTE and payroll then describe the staff.

A file that lists people (a name, e-mail or employee-number column, full postcodes with one
person each) is refused whole (:class:`~anchorkit.errors.PersonLevelError`); ``workforce
aggregate`` turns such an export into counts on the user's machine. A full postcode in an
aggregate is kept only as its FSA / outcode / ZIP.

Rows: each loaded or rejected with its reasons; rows of everyone (no self-identified group) need
a home area; a self-identified group's rows may give none (a count for the whole anchor). The
file replaces what the anchor's earlier files said for the same periods, in one transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from anchorkit import lever_files
from anchorkit.errors import AnchorkitError, PersonLevelError, WorkforceError
from anchorkit.ingest.tabular import Sheet, number_of, read_table
from anchorkit.lever_files import LeverResult, Rejected
from anchorkit.workforce.columns import (
    KIND_LABELS,
    KINDS,
    UNKNOWN,
    coarse_area,
    count_of,
    equity_of,
    kind_of,
    period_of,
    person_signs,
    vocabulary,
    wage_band_of,
)
from anchorkit.workspace import Anchor, Workspace

KIND = "workforce"
ROWS = "__anchorkit__workforce_rows"


@dataclass
class _Count:
    sheet: str | None
    source_row: int
    period: int
    home_area: str | None
    kind: str
    wage_band: str
    equity_group: str | None
    headcount: int
    fte: Decimal | None
    payroll: Decimal | None


def import_workforce(
    ws: Workspace,
    path: Path | str,
    anchor_name: str,
    *,
    period: int | None = None,
    kind: str | None = None,
    columns: Mapping[str, str | int] | None = None,
    uploaded_by: str | None = None,
) -> LeverResult:
    """Import one aggregate workforce file for one anchor; see the module docstring.

    ``period``: the fiscal year the counts describe, for a file without a period column (a
    period column wins where it has a value). ``kind``: the kind of every row of a long file
    without a kind column (default staff). ``columns``: column → header (or 1-based number) for
    headers the synonyms do not know. A file that cannot be read at all comes back with
    ``error`` set and the store unchanged; a person-level file raises PersonLevelError.
    """
    path = Path(path)
    anchor = ws.anchor(anchor_name)
    result = LeverResult(file=str(path), kind=KIND, anchor=anchor.name)
    if kind is not None and kind not in KINDS:
        raise WorkforceError(f"--kind must be one of {', '.join(KINDS)}; got {kind!r}.")
    try:
        if lever_files.identify(ws, KIND, path, anchor, result):
            return result
        _import(ws, path, anchor, result, period, kind or "staff", columns, uploaded_by)
    except PersonLevelError:
        raise
    except AnchorkitError as exc:
        result.error = str(exc)
    return result


def _import(
    ws: Workspace,
    path: Path,
    anchor: Anchor,
    result: LeverResult,
    period: int | None,
    default_kind: str,
    columns: Mapping[str, str | int] | None,
    uploaded_by: str | None,
) -> None:
    table = read_table(
        ws.engine,
        path,
        vocabulary(),
        needs_one_of=("home_area", "headcount", *KINDS),
        search_rows=int(ws.settings["ingest.header_search_rows"]),
        mapping=columns,
        # one known column is enough to find the header: a list of people may name no other
        # (and must still be recognised, to be refused)
        min_columns=1,
    )
    result.format, result.columns = table.format, table.describe()
    result.rows_skipped, result.notes = dict(table.skipped), list(table.notes)
    counts: list[_Count] = []
    rejected: list[Rejected] = []
    cut = 0
    currency = str(ws.settings["currency"])
    for sheet in table.sheets:
        wide = [k for k in KINDS if k in sheet.columns]
        long_count = "headcount" in sheet.columns
        signs = person_signs(sheet, ["headcount", *wide])
        if signs:
            raise PersonLevelError(
                f"{path.name} looks like a list of people ({'; '.join(signs)}), and anchorkit "
                "keeps workforce figures as counts only. Turn it into counts on your own machine "
                f"with: anchorkit workforce aggregate {path.name} --period YEAR --out "
                "counts.csv, then import counts.csv."
            )
        if not wide and not long_count:
            raise WorkforceError(
                f"{path.name}: no column of counts found (headcount, or one per kind: staff, new "
                f"hires, leavers...). Columns found: {', '.join(repr(h) for h in sheet.headers if h)}."
            )
        if period is None and "period" not in sheet.columns:
            raise WorkforceError(
                f"{path.name}: which year do these counts describe? The file has no period column: "
                "give --period (the fiscal year, e.g. 2024)."
            )
        if wide and long_count:
            result.notes.append(
                f"counts read from the kind columns ({', '.join(KIND_LABELS[k] for k in wide)}); "
                f"the column {sheet.headers[sheet.columns['headcount']]!r} is not used"
            )
        for number, cells in sheet.rows:
            result.rows_read += 1
            found, reasons, was_cut = _row(sheet, cells, wide, default_kind, period)
            if reasons:
                rejected.append(Rejected(sheet.sheet, number, sheet.raw_cells(cells), reasons))
                continue
            result.rows_loaded += 1
            cut += was_cut
            for c in found:
                c.sheet, c.source_row = sheet.sheet, number
            counts.extend(found)
    result.rows_rejected = len(rejected)
    if cut:
        result.notes.append(
            f"{cut} full postcodes kept only as their FSA / outcode / ZIP (an aggregate keeps no "
            "finer place)"
        )
    if not counts:
        lever_files.check_ledger(path, result)
        raise WorkforceError(
            f"{path.name}: no row could be used; "
            + "; ".join(sorted({r for x in rejected[:20] for r in x.reasons})[:5])
            + ". Nothing was imported."
        )
    result.periods = sorted({c.period for c in counts})
    rows = pa.table(
        {
            "period": pa.array([c.period for c in counts], pa.int32()),
            "sheet": pa.array([c.sheet for c in counts], pa.string()),
            "source_row": pa.array([c.source_row for c in counts], pa.int64()),
            "home_area": pa.array([c.home_area for c in counts], pa.string()),
            "kind": pa.array([c.kind for c in counts], pa.string()),
            "wage_band": pa.array([c.wage_band for c in counts], pa.string()),
            "equity_group": pa.array([c.equity_group for c in counts], pa.string()),
            "headcount": pa.array([c.headcount for c in counts], pa.int64()),
            "fte": pa.array([c.fte for c in counts], pa.decimal128(12, 2)),
            "payroll": pa.array([c.payroll for c in counts], pa.decimal128(18, 2)),
        }
    )
    engine = ws.engine
    periods = ", ".join(str(int(p)) for p in result.periods)

    def replace() -> None:
        engine.run(
            "replace_workforce_periods",
            f"DELETE FROM workforce_count WHERE anchor_id = ? AND period IN ({periods})",
            [anchor.anchor_id],
        )

    def insert() -> None:
        engine.run(
            "load_workforce_counts",
            "INSERT INTO workforce_count (file_id, anchor_id, period, sheet, source_row, "
            "home_area, kind, wage_band, equity_group, headcount, fte, payroll, currency) "
            f"SELECT ?, ?, period, sheet, source_row, home_area, kind, wage_band, equity_group, "
            f"headcount, fte, payroll, ? FROM {ROWS}",
            [result.file_id, anchor.anchor_id, currency],
        )
        result.replaced = lever_files.forget_files(
            ws, KIND, anchor, "workforce_count", str(result.file_id)
        )

    engine.register(ROWS, rows)
    try:
        lever_files.write(
            ws,
            KIND,
            path,
            anchor,
            result,
            rejected,
            uploaded_by=uploaded_by,
            replace=replace,
            insert=insert,
        )
    finally:
        engine.unregister(ROWS)
    if result.replaced:
        result.notes.append(
            f"replaces {', '.join(result.replaced)} (the same periods: the latest import wins)"
        )


def _row(
    sheet: Sheet,
    cells: list[str | None],
    wide: list[str],
    default_kind: str,
    period: int | None,
) -> tuple[list[_Count], list[str], bool]:
    """A data row as counts, or every reason it cannot be used; and whether its home area was a
    full postcode, cut to its FSA / outcode / ZIP."""
    reasons: list[str] = []
    period_text = sheet.cell(cells, "period")
    year = period_of(period_text) if period_text else period
    if year is None:
        reasons.append(f"period {period_text!r} is not a year")
    group = equity_of(sheet.cell(cells, "equity_group"))
    area_text = sheet.cell(cells, "home_area")
    area: str | None = None
    was_cut = False
    if area_text is not None and area_text.strip().lower() not in ("all", "all areas", "total"):
        area, was_cut = coarse_area(area_text)
    elif group is None:
        reasons.append("no home area (only a self-identified group's count may be for all areas)")
    band_text = sheet.cell(cells, "wage_band")
    band = wage_band_of(band_text)
    if band is None:
        reasons.append(
            f"wage band {band_text!r} is not recognised (below the living wage, at or above it, "
            "or unknown)"
        )
    fte, why = number_of(sheet.cell(cells, "fte"), "FTE")
    if why:
        reasons.append(why)
    payroll, why = number_of(sheet.cell(cells, "payroll"), "payroll", money=True)
    if why:
        reasons.append(why)
    found: list[tuple[str, int]] = []
    if wide:
        for kind in wide:
            text = sheet.cell(cells, kind)
            if text is None:
                continue  # not reported for this row: nothing, not zero
            n, why = count_of(text)
            if why:
                reasons.append(f"{KIND_LABELS[kind]}: {why}")
            elif n is not None:
                found.append((kind, n))
        if not found and not reasons:
            reasons.append("no count in any kind column")
    else:
        kind_text = sheet.cell(cells, "kind")
        one_kind = kind_of(kind_text) if kind_text else default_kind
        if one_kind is None:
            reasons.append(f"kind {kind_text!r} is not one of: {', '.join(KIND_LABELS.values())}")
        n, why = count_of(sheet.cell(cells, "headcount"))
        if why:
            reasons.append(why)
        elif one_kind is not None and n is not None:
            found.append((one_kind, n))
    if reasons or year is None or band is None:
        return [], reasons or ["cannot be read"], False
    return (
        [
            _Count(
                sheet=None,
                source_row=0,
                period=year,
                home_area=area,
                kind=kind,
                wage_band=band if band else UNKNOWN,
                equity_group=group,
                headcount=n,
                # FTE and payroll describe the staff of a wide row, the row's one count in a long one
                fte=fte if (not wide or kind == "staff") else None,
                payroll=payroll if (not wide or kind == "staff") else None,
            )
            for kind, n in found
        ],
        [],
        was_cut,
    )

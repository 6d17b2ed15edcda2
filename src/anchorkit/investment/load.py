"""``anchorkit investment import``: an anchor's investment register into the store.

One row per holding: the investee, the amount held (outstanding or market value), its type
(deposit, loan, bond, equity, fund, other), start and end dates, the investee's postcode, and
flags (community development finance, community bond, co-op, affordable housing, social
enterprise) — from a column listing them or one yes/no column each. Columns are found by their
headers (``data/investment_columns.toml``), values are checked, and every row is loaded or
rejected with its reasons.

A register is the anchor's whole portfolio as its treasury keeps it, so importing one replaces
the anchor's previous holdings (in one transaction; the same bytes again change nothing).
Investees are matched to known suppliers (:func:`anchorkit.resolve.match.match_suppliers`): the
co-op an anchor buys from and invests in is one organisation, with one place and one set of tags.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pyarrow as pa

from anchorkit import lever_files
from anchorkit.errors import AnchorkitError, InvestmentError
from anchorkit.ingest.tabular import Sheet, date_order, number_of, parse_date, read_table
from anchorkit.investment.columns import FLAGS, flags_in, truthy, type_of, vocabulary
from anchorkit.lever_files import LeverResult, Rejected
from anchorkit.resolve.match import match_suppliers
from anchorkit.workspace import Anchor, Workspace

KIND = "investment"
ROWS = "__anchorkit__investment_rows"
MATCHES = "__anchorkit__investment_matches"


@dataclass
class _Holding:
    sheet: str | None
    source_row: int
    investee: str
    investee_ref: str | None
    investee_postcode: str | None
    amount: Decimal
    currency: str
    type: str
    start_on: object
    end_on: object
    flags: list[str]


def import_investment(
    ws: Workspace,
    path: Path | str,
    anchor_name: str,
    *,
    columns: Mapping[str, str | int] | None = None,
    uploaded_by: str | None = None,
    match: bool = True,
) -> LeverResult:
    """Import an anchor's investment register; see the module docstring. A file that cannot be
    read at all comes back with ``error`` set and the store unchanged.

    ``match=False`` leaves investees unmatched (a caller importing many registers matches them
    all at once afterwards with :func:`rematch_investees`)."""
    path = Path(path)
    anchor = ws.anchor(anchor_name)
    result = LeverResult(file=str(path), kind=KIND, anchor=anchor.name)
    try:
        if lever_files.identify(ws, KIND, path, anchor, result):
            return result
        _import(ws, path, anchor, result, columns, uploaded_by, match)
    except AnchorkitError as exc:
        result.error = str(exc)
    return result


def _import(
    ws: Workspace,
    path: Path,
    anchor: Anchor,
    result: LeverResult,
    columns: Mapping[str, str | int] | None,
    uploaded_by: str | None,
    match: bool = True,
) -> None:
    table = read_table(
        ws.engine,
        path,
        vocabulary(),
        needs_one_of=("investee",),
        search_rows=int(ws.settings["ingest.header_search_rows"]),
        mapping=columns,
    )
    result.format, result.columns = table.format, table.describe()
    result.rows_skipped, result.notes = dict(table.skipped), list(table.notes)
    default_currency = str(ws.settings["currency"])
    holdings: list[_Holding] = []
    rejected: list[Rejected] = []
    unknown_flags: set[str] = set()
    for sheet in table.sheets:
        if "amount" not in sheet.columns:
            raise InvestmentError(
                f"{path.name}: no amount column found (amount, value, balance, principal...). "
                f"Columns found: {', '.join(repr(h) for h in sheet.headers if h)}."
            )
        order = date_order(
            [sheet.cell(c, k) for _n, c in sheet.rows for k in ("start_on", "end_on")],
            str(ws.settings["ingest.date_order"]),
        )
        for number, cells in sheet.rows:
            result.rows_read += 1
            holding, reasons, unknown = _row(sheet, cells, order, default_currency)
            unknown_flags.update(unknown)
            if holding is None:
                rejected.append(Rejected(sheet.sheet, number, sheet.raw_cells(cells), reasons))
                continue
            holding.sheet, holding.source_row = sheet.sheet, number
            holdings.append(holding)
            result.rows_loaded += 1
    result.rows_rejected = len(rejected)
    if unknown_flags:
        result.notes.append(
            f"flags not recognised, ignored: {', '.join(sorted(unknown_flags))} (known: "
            f"{', '.join(FLAGS)})"
        )
    if not holdings:
        lever_files.check_ledger(path, result)
        raise InvestmentError(
            f"{path.name}: no holding could be used; "
            + "; ".join(sorted({r for x in rejected[:20] for r in x.reasons})[:5])
            + ". Nothing was imported."
        )
    asked = [
        (str(i), h.investee, h.investee_ref, h.investee_postcode) for i, h in enumerate(holdings)
    ]
    matches = match_suppliers(ws, asked) if match else {}
    if matches:
        result.notes.append(
            f"{len(matches)} of {len(holdings)} holdings are with known suppliers (matched by "
            "registry id, name or the resolution model)"
        )
    rows = pa.table(
        {
            "sheet": pa.array([h.sheet for h in holdings], pa.string()),
            "source_row": pa.array([h.source_row for h in holdings], pa.int64()),
            "investee": pa.array([h.investee for h in holdings], pa.string()),
            "investee_ref": pa.array([h.investee_ref for h in holdings], pa.string()),
            "investee_postcode": pa.array([h.investee_postcode for h in holdings], pa.string()),
            "amount": pa.array([h.amount for h in holdings], pa.decimal128(18, 2)),
            "currency": pa.array([h.currency for h in holdings], pa.string()),
            "type": pa.array([h.type for h in holdings], pa.string()),
            "start_on": pa.array([h.start_on for h in holdings], pa.date32()),
            "end_on": pa.array([h.end_on for h in holdings], pa.date32()),
            "flags": pa.array([h.flags for h in holdings], pa.list_(pa.string())),
            "supplier_id": pa.array(
                [
                    m.supplier_id if (m := matches.get(str(i))) else None
                    for i in range(len(holdings))
                ],
                pa.string(),
            ),
            "match_probability": pa.array(
                [
                    m.probability if (m := matches.get(str(i))) else None
                    for i in range(len(holdings))
                ],
                pa.float64(),
            ),
            "matched_by": pa.array(
                [m.how if (m := matches.get(str(i))) else None for i in range(len(holdings))],
                pa.string(),
            ),
        }
    )
    engine = ws.engine

    def replace() -> None:
        engine.run(
            "replace_holdings",
            "DELETE FROM investment_holding WHERE anchor_id = ?",
            [anchor.anchor_id],
        )

    def insert() -> None:
        engine.run(
            "load_holdings",
            "INSERT INTO investment_holding (file_id, anchor_id, sheet, source_row, investee, "
            "investee_ref, investee_postcode, amount, currency, type, start_on, end_on, flags, "
            "supplier_id, match_probability, matched_by) "
            "SELECT ?, ?, sheet, source_row, investee, investee_ref, investee_postcode, amount, "
            f"currency, type, start_on, end_on, flags, supplier_id, match_probability, matched_by "
            f"FROM {ROWS}",
            [result.file_id, anchor.anchor_id],
        )
        result.replaced = lever_files.forget_files(
            ws, KIND, anchor, "investment_holding", str(result.file_id)
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
        result.notes.append(f"replaces {', '.join(result.replaced)} (the anchor's register)")


def _row(
    sheet: Sheet, cells: list[str | None], order: str, default_currency: str
) -> tuple[_Holding | None, list[str], list[str]]:
    """A data row as a holding, or every reason it cannot be used; and unrecognised flags."""
    reasons: list[str] = []
    investee = sheet.cell(cells, "investee")
    if investee is None:
        reasons.append("no investee")
    amount_text = sheet.cell(cells, "amount")
    amount, why = number_of(amount_text, "amount", money=True)
    if why:
        reasons.append(why.replace("is negative", "is negative (a holding is what is held)"))
    elif amount is None:
        reasons.append("no amount")
    kind_text = sheet.cell(cells, "type")
    kind = type_of(kind_text)
    if kind is None:
        reasons.append(f"type {kind_text!r} is not one of deposit, loan, bond, equity, fund, other")
    dates = {}
    for column, label in (("start_on", "start date"), ("end_on", "end date")):
        text = sheet.cell(cells, column)
        dates[column] = parse_date(text, order) if text else None
        if text and dates[column] is None:
            reasons.append(f"{label} {text!r} is not a date")
    start, end = dates["start_on"], dates["end_on"]
    if start is not None and end is not None and end < start:
        reasons.append(f"end date {end} is before the start date {start}")
    currency = (sheet.cell(cells, "currency") or default_currency).upper()
    if len(currency) != 3 or not currency.isalpha():
        reasons.append(f"currency {currency!r} is not a three-letter code")
    flags, unknown = flags_in(sheet.cell(cells, "flags"))
    for flag in FLAGS:
        said = truthy(sheet.cell(cells, flag))
        if said and flag not in flags:
            flags.append(flag)
    if (
        kind == "bond"
        and "community_bond" not in flags
        and "community" in (kind_text or "").lower()
    ):
        flags.append("community_bond")
    if reasons or investee is None or amount is None or kind is None:
        return None, reasons, unknown
    ref = sheet.cell(cells, "investee_ref")
    postcode = sheet.cell(cells, "investee_postcode")
    return (
        _Holding(
            sheet=None,
            source_row=0,
            investee=investee,
            investee_ref=ref,
            investee_postcode=postcode.upper() if postcode else None,
            amount=amount,
            currency=currency,
            type=kind,
            start_on=start,
            end_on=end,
            flags=sorted(flags),
        ),
        [],
        unknown,
    )


def rematch_investees(ws: Workspace) -> int:
    """Match every holding again to the suppliers resolution knows now (run after ``resolve``:
    supplier ids and registries may have changed). Returns how many holdings match one."""
    engine = ws.engine
    rows = engine.query(
        "holdings_to_match",
        "SELECT file_id || ':' || source_row || ':' || coalesce(sheet, ''), investee, "
        "investee_ref, investee_postcode FROM investment_holding",
    )
    matches = match_suppliers(ws, [(str(r[0]), str(r[1]), r[2], r[3]) for r in rows])
    table = pa.table(
        {
            "key": pa.array([str(r[0]) for r in rows], pa.string()),
            "supplier_id": pa.array(
                [m.supplier_id if (m := matches.get(str(r[0]))) else None for r in rows],
                pa.string(),
            ),
            "match_probability": pa.array(
                [m.probability if (m := matches.get(str(r[0]))) else None for r in rows],
                pa.float64(),
            ),
            "matched_by": pa.array(
                [m.how if (m := matches.get(str(r[0]))) else None for r in rows], pa.string()
            ),
        }
    )
    engine.register(MATCHES, table)
    try:
        with engine.transaction():
            engine.run(
                "rematch_holdings",
                f"""
                UPDATE investment_holding AS h SET supplier_id = m.supplier_id,
                    match_probability = m.match_probability, matched_by = m.matched_by
                FROM {MATCHES} m
                WHERE m.key = h.file_id || ':' || h.source_row || ':' || coalesce(h.sheet, '')
                """,
            )
    finally:
        engine.unregister(MATCHES)
    return len(matches)

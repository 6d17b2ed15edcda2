"""Contracts, their social-value commitments and the suppliers' quarterly actuals.

A contract (entered, read from a CSV, or named by an OCDS award already loaded) carries what its
supplier committed to deliver — a measure of a framework pack (``national-toms``/``NT1``), a
quantity and a period. Each quarter of that period the supplier (in the portal) or the anchor (a
CSV) returns what was delivered, with evidence. Why measures of a framework pack: the same
commitment is then shown with the pack's £ proxy value, in that framework's report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from anchorkit.errors import CommitmentError, FrameworkError
from anchorkit.frameworks.packs import Framework, load_frameworks
from anchorkit.resolve.normalise import normalise_name
from anchorkit.workspace import Workspace

CONTRACT_COLUMNS = ("contract_id", "anchor", "supplier", "framework", "measure", "quantity",
                    "period_start", "period_end")  # fmt: skip
ACTUAL_COLUMNS = ("contract_id", "framework", "measure", "quarter", "quantity")


@dataclass(frozen=True)
class Loaded:
    rows: int
    contracts: int

    def to_json(self) -> dict[str, Any]:
        return {"rows": self.rows, "contracts": self.contracts}


def read_rows(path: Path, required: Iterable[str]) -> list[dict[str, str]]:
    """A small CSV's rows by lower-case header, every required column present."""
    try:
        text = path.read_text("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise CommitmentError(f"{path} cannot be read as UTF-8 text ({exc}).") from exc
    reader = csv.DictReader(io.StringIO(text))
    headers = [h.strip().lower() for h in reader.fieldnames or []]
    missing = [c for c in required if c not in headers]
    if missing:
        raise CommitmentError(
            f"{path.name} needs the columns {', '.join(required)}; missing: {', '.join(missing)}."
        )
    rows = [
        {k.strip().lower(): (v or "").strip() for k, v in row.items() if k is not None}
        for row in reader
    ]
    if not rows:
        raise CommitmentError(f"{path.name} has a header but no rows.")
    return rows


def parse_date(text: str, where: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise CommitmentError(f"{where}: {text!r} is not a date (write YYYY-MM-DD).") from exc


def parse_quantity(text: str, where: str) -> float:
    try:
        value = float(text.replace(",", ""))
    except ValueError as exc:
        raise CommitmentError(f"{where}: {text!r} is not a number.") from exc
    if value < 0 or value != value:
        raise CommitmentError(f"{where}: a quantity cannot be negative.")
    return value


def parse_quarter(text: str, where: str) -> str:
    """``2024Q1`` (also ``2024-Q1``, ``Q1 2024``): a calendar quarter."""
    cleaned = text.upper().replace("-", "").replace(" ", "")
    if cleaned.startswith("Q") and len(cleaned) == 6:
        cleaned = cleaned[2:] + cleaned[:2]
    year, q, n = cleaned[:4], cleaned[4:5], cleaned[5:]
    if not (year.isdigit() and q == "Q" and n in ("1", "2", "3", "4") and len(cleaned) == 6):
        raise CommitmentError(f"{where}: {text!r} is not a quarter (write e.g. 2024Q1).")
    return f"{year}Q{n}"


def loaded_packs(ws: Workspace) -> dict[str, Framework]:
    try:
        return load_frameworks(ws.root, ws.settings)
    except FrameworkError as exc:
        raise CommitmentError(f"The framework packs cannot be read: {exc}") from exc


def check_measure(packs: dict[str, Framework], framework: str, measure: str, where: str) -> None:
    """The commitment names a measure of a loaded framework pack."""
    if framework not in packs:
        raise CommitmentError(
            f"{where}: there is no framework {framework!r} (loaded: {', '.join(packs)})."
        )
    ids = [m.id for m in packs[framework].measures]
    if measure not in ids:
        raise CommitmentError(
            f"{where}: {framework} has no measure {measure!r} (its measures: {', '.join(ids)})."
        )


def supplier_ids(ws: Workspace, names: Iterable[str]) -> dict[str, str | None]:
    """Each name's resolved supplier, when its normalised name is one a supplier is known by
    (its record's name, or any spelling an anchor or registry used): the same normalisation as
    resolution, so "ACME Ltd." and "Acme Limited" find the same supplier. A name two suppliers
    are known by (two firms of one name in different places) finds none: give the id."""
    wanted = {n: normalise_name(n).name for n in names}
    if not wanted:
        return {}
    known: dict[str, set[str]] = {}
    for raw, supplier_id in ws.engine.query(
        "supplier_names",
        "SELECT raw_name, supplier_id FROM supplier_alias UNION SELECT name, supplier_id FROM supplier",
    ):
        key = normalise_name(str(raw)).name
        if key:
            known.setdefault(key, set()).add(str(supplier_id))
    return {n: _only(known.get(k, set())) for n, k in wanted.items()}


def _only(ids: set[str]) -> str | None:
    return next(iter(ids)) if len(ids) == 1 else None


def check_supplier_id(ws: Workspace, supplier_id: str, where: str) -> str:
    found = ws.engine.query(
        "find_supplier", "SELECT 1 FROM supplier WHERE supplier_id = ?", [supplier_id]
    )
    if not found:
        raise CommitmentError(
            f"{where}: there is no supplier {supplier_id!r} (anchorkit supplier list)."
        )
    return supplier_id


def _ocds_contract(ws: Workspace, contract_id: str) -> tuple[int, str, str] | None:
    """(anchor_id, supplier_name, ocid) of a loaded OCDS award whose id or ocid is ``contract_id``."""
    rows = ws.engine.query(
        "ocds_contract",
        "SELECT anchor_id, supplier_name, ocid FROM ocds_award "
        "WHERE award_id = ? OR ocid = ? ORDER BY supplier_index LIMIT 1",
        [contract_id, contract_id],
    )
    return (int(rows[0][0]), str(rows[0][1]), str(rows[0][2])) if rows else None


def import_commitments(ws: Workspace, path: Path) -> Loaded:
    """Contracts and their commitments from a CSV, one commitment a row (a contract's rows share
    its ``contract_id``). ``anchor`` and ``supplier`` may be left empty when ``contract_id`` is a
    loaded OCDS award's id or ocid: they are read from the award. A contract already recorded is
    replaced by the file's rows, so a corrected file can be loaded again."""
    rows = read_rows(path, ("contract_id", "framework", "measure", "quantity", "period_start",
                            "period_end"))  # fmt: skip
    contracts: dict[str, tuple[int, str, str, str]] = {}
    commitments: list[list[Any]] = []
    packs = loaded_packs(ws)
    given: dict[str, str] = {}  # supplier name → the id the file gives
    for number, row in enumerate(rows, start=2):
        where = f"{path.name} row {number}"
        contract_id = row.get("contract_id", "")
        if not contract_id:
            raise CommitmentError(f"{where}: contract_id is empty.")
        anchor, supplier = row.get("anchor", ""), row.get("supplier", "")
        if anchor and supplier:
            anchor_id, source = ws.anchor(anchor).anchor_id, f"csv:{path.name}"
        else:
            award = _ocds_contract(ws, contract_id)
            if award is None:
                raise CommitmentError(
                    f"{where}: give the anchor and the supplier, or a contract_id that is a "
                    "loaded OCDS award's id or ocid (anchorkit ingest the OCDS file first)."
                )
            anchor_id, supplier, source = award[0], award[1], f"ocds:{award[2]}"
        if row.get("supplier_id"):
            given[supplier] = check_supplier_id(ws, row["supplier_id"], where)
        contracts[contract_id] = (anchor_id, supplier, row.get("title", ""), source)
        framework, measure = row["framework"], row["measure"]
        check_measure(packs, framework, measure, where)
        start = parse_date(row["period_start"], where)
        end = parse_date(row["period_end"], where)
        if end < start:
            raise CommitmentError(f"{where}: the period ends before it starts.")
        quantity = parse_quantity(row["quantity"], where)
        commitments.append([contract_id, framework, measure, quantity, start, end])
    keys = [(c[0], c[1], c[2]) for c in commitments]
    twice = sorted({"/".join(k) for k in keys if keys.count(k) > 1})
    if twice:
        raise CommitmentError(f"{path.name}: one commitment per contract and measure: {twice}.")
    matched = {**supplier_ids(ws, [c[1] for c in contracts.values()]), **given}
    with ws.engine.transaction():
        for contract_id, (anchor_id, supplier, title, source) in contracts.items():
            for table in ("sv_commitment", "sv_contract"):
                ws.engine.run(
                    f"replace_{table}", f"DELETE FROM {table} WHERE contract_id = ?", [contract_id]
                )
            ws.engine.run(
                "add_contract",
                "INSERT INTO sv_contract (contract_id, anchor_id, supplier_name, supplier_id, "
                "title, source) VALUES (?, ?, ?, ?, ?, ?)",
                [contract_id, anchor_id, supplier, matched[supplier], title or None, source],
            )
        for values in commitments:
            ws.engine.run(
                "add_commitment",
                "INSERT INTO sv_commitment (contract_id, framework, measure, quantity, "
                "period_start, period_end) VALUES (?, ?, ?, ?, ?, ?)",
                values,
            )
    return Loaded(rows=len(commitments), contracts=len(contracts))


def record_actual(
    ws: Workspace,
    contract_id: str,
    framework: str,
    measure: str,
    quarter: str,
    quantity: float | str,
    *,
    by: str,
    evidence: str | None = None,
    received: date | None = None,
) -> dict[str, Any]:
    """One quarter's delivered quantity against a commitment (a later return for the same
    quarter replaces the earlier one)."""
    where = f"the return for {contract_id} {framework}/{measure} {quarter}"
    quarter = parse_quarter(quarter, where)
    amount = parse_quantity(str(quantity), where)
    found = ws.engine.query(
        "find_commitment",
        "SELECT period_start, period_end FROM sv_commitment "
        "WHERE contract_id = ? AND framework = ? AND measure = ?",
        [contract_id, framework, measure],
    )
    if not found:
        raise CommitmentError(
            f"{where}: contract {contract_id} has no commitment to {framework}/{measure} "
            "(record the commitment first: anchorkit commitment import)."
        )
    start, end = found[0]
    first, last = quarter_of(start), quarter_of(end)
    if not first <= quarter <= last:
        raise CommitmentError(f"{where}: the commitment runs from {first} to {last}.")
    key = [contract_id, framework, measure, quarter]
    with ws.engine.transaction():
        ws.engine.run(
            "replace_actual",
            "DELETE FROM sv_actual WHERE contract_id = ? AND framework = ? AND measure = ? "
            "AND quarter = ?",
            key,
        )
        ws.engine.run(
            "add_actual",
            "INSERT INTO sv_actual (contract_id, framework, measure, quarter, quantity, evidence, "
            "reported_by, reported_on) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [*key, amount, evidence, by, received or date.today()],
        )
    return {"contract_id": contract_id, "framework": framework, "measure": measure,
            "quarter": quarter, "quantity": amount}  # fmt: skip


def import_actuals(ws: Workspace, path: Path, *, by: str) -> int:
    """Quarterly actuals from a CSV (the anchor uploads them for its suppliers): contract_id,
    framework, measure, quarter, quantity, and optionally evidence and received (YYYY-MM-DD)."""
    rows = read_rows(path, ACTUAL_COLUMNS)
    for number, row in enumerate(rows, start=2):
        received = row.get("received")
        try:
            record_actual(
                ws, row["contract_id"], row["framework"], row["measure"], row["quarter"],
                row["quantity"], by=by, evidence=row.get("evidence") or None,
                received=parse_date(received, f"{path.name} row {number}") if received else None,
            )  # fmt: skip
        except CommitmentError as exc:
            raise CommitmentError(f"{path.name} row {number}: {exc}") from exc
    return len(rows)


def quarter_of(day: date) -> str:
    return f"{day.year}Q{(day.month - 1) // 3 + 1}"


def quarter_end(quarter: str) -> date:
    year, n = int(quarter[:4]), int(quarter[5])
    month = 3 * n
    return date(year + (month == 12), month % 12 + 1, 1) - timedelta(days=1)


def quarters(first: str, last: str) -> list[str]:
    out, year, n = [], int(first[:4]), int(first[5])
    while f"{year}Q{n}" <= last:
        out.append(f"{year}Q{n}")
        year, n = (year + 1, 1) if n == 4 else (year, n + 1)
    return out


def rows_as_dicts(columns: Iterable[str], rows: Iterable[Iterable[Any]]) -> list[dict[str, Any]]:
    names = list(columns)
    return [dict(zip(names, r, strict=True)) for r in rows]

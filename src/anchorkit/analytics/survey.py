"""Supplier survey answers for LM3: how much of its spending a local supplier keeps local.

``anchorkit survey import FILE`` reads a CSV or spreadsheet (any format ingest reads) with the
columns ``supplier`` (a supplier id such as S000123, or a name), ``local_spend_share`` and,
optionally, ``local_staff_share`` (0–1 or a percentage such as 45%). A name is matched on the
resolver's normalised name key, so "Preston Bakery Ltd." finds "PRESTON BAKERY LIMITED". Every
data row is either stored or rejected with its line number and every reason (a share over
100 %, a negative share, an unknown or ambiguous supplier, a supplier answered twice): nothing
is dropped silently. A supplier's answer replaces its earlier one.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from anchorkit.errors import SurveyError
from anchorkit.workspace import Workspace

COLUMNS = ("supplier", "local_spend_share", "local_staff_share")


def parse_share(text: object, what: str) -> float:
    """A share as 0.45 or 45%; refuses anything outside 0–100 %."""
    raw = str(text).strip().replace(" ", "")
    percent = raw.endswith("%")
    try:
        value = float(raw.rstrip("%"))
    except ValueError as exc:
        raise SurveyError(f"{what} {text!r} is not a number (give 0.45 or 45%)") from exc
    if percent:
        value /= 100
    if value < 0:
        raise SurveyError(f"{what} {text!r} is negative")
    if value > 1:
        hint = f" (did you mean {raw}%?)" if not percent and value <= 100 else ""
        raise SurveyError(f"{what} {text!r} is over 100 %{hint}")
    return value


@dataclass
class SurveyImport:
    file: str
    rows_read: int = 0
    rows_loaded: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def _cells(ws: Workspace, path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header (lower-cased) and each data row with the line / row number a person sees."""
    # the readers only here: LM3, which reads parse_share, needs none of them
    from anchorkit.ingest.readers import RAW, read_file

    raw = read_file(ws.engine, path)
    names = ", ".join(f"c{i}" for i in range(1, raw.width + 1))
    rows = ws.engine.query(
        "survey_cells", f"SELECT source_row, {names} FROM {RAW} ORDER BY sheet, source_row"
    )
    filled = [(int(r[0]), [(c or "").strip() for c in r[1:]]) for r in rows if any(r[1:])]
    if not filled:
        raise SurveyError(f"{path.name}: the file holds no rows.")
    header = [c.lower().replace(" ", "_") for c in filled[0][1]]
    missing = [c for c in COLUMNS[:2] if c not in header]
    if missing:
        raise SurveyError(
            f"{path.name}: no column {', '.join(missing)} in the header row "
            f"({', '.join(h for h in header if h)}). Expected: {', '.join(COLUMNS)}."
        )
    return header, filled[1:]


def _suppliers(ws: Workspace) -> tuple[dict[str, str], dict[str, list[str]]]:
    by_id: dict[str, str] = {}
    by_key: dict[str, list[str]] = {}
    for supplier_id, key in ws.engine.query(
        "survey_suppliers", "SELECT supplier_id, name_key FROM supplier ORDER BY supplier_id"
    ):
        by_id[supplier_id.upper()] = supplier_id
        by_key.setdefault(key, []).append(supplier_id)
    return by_id, by_key


def import_survey(ws: Workspace, path: Path) -> SurveyImport:
    """Store the file's answers; return what was loaded and every rejected row with reasons."""
    header, rows = _cells(ws, path)
    by_id, by_key = _suppliers(ws)
    if not by_id:
        raise SurveyError("No suppliers yet: run `anchorkit resolve` before importing a survey.")
    result = SurveyImport(path.name, rows_read=len(rows))
    answers: dict[str, tuple[float, float | None, int]] = {}
    for line, cells in rows:
        cell = dict(zip(header, cells, strict=False))
        reasons: list[str] = []
        supplier = cell.get("supplier", "")
        found = _match(supplier, by_id, by_key, reasons)
        shares: list[float | None] = []
        for column in COLUMNS[1:]:
            text = cell.get(column, "")
            if not text:
                if column == "local_spend_share":
                    reasons.append("local_spend_share is empty")
                shares.append(None)
                continue
            try:
                shares.append(parse_share(text, column))
            except SurveyError as exc:
                reasons.append(str(exc))
                shares.append(None)
        if found in answers:
            reasons.append(f"{found} was already answered on line {answers[found][2]}")
        if reasons or found is None or shares[0] is None:
            result.rejected.append({"line": line, "supplier": supplier, "reasons": reasons})
            continue
        answers[found] = (shares[0], shares[1], line)
    with ws.engine.transaction():
        for supplier_id, (spend_share, staff_share, line) in answers.items():
            ws.engine.run(
                "survey_replace",
                "DELETE FROM supplier_survey WHERE supplier_id = ?",
                [supplier_id],
            )
            ws.engine.run(
                "survey_insert",
                "INSERT INTO supplier_survey (supplier_id, local_spend_share, local_staff_share, "
                "source_file, source_row) VALUES (?, ?, ?, ?, ?)",
                [supplier_id, spend_share, staff_share, path.name, line],
            )
    result.rows_loaded = len(answers)
    return result


def _match(
    supplier: str, by_id: dict[str, str], by_key: dict[str, list[str]], reasons: list[str]
) -> str | None:
    if not supplier:
        reasons.append("supplier is empty")
        return None
    if supplier.upper() in by_id:
        return by_id[supplier.upper()]
    from anchorkit.resolve.normalise import normalise_name  # the resolver's key: only here

    candidates = by_key.get(normalise_name(supplier).name, [])
    if len(candidates) == 1:
        return candidates[0]
    if candidates:
        reasons.append(
            f"{supplier!r} matches several suppliers ({', '.join(candidates)}): give the id"
        )
    else:
        reasons.append(
            f"no supplier {supplier!r} (by id or name; see `anchorkit indicators --by supplier`)"
        )
    return None

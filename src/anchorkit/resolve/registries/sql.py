"""SQL fragments built from the sheets' plans, and the names of an import's temporary tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from anchorkit.resolve.registries.columns import TYPED
from anchorkit.resolve.registries.headers import _Plan

SHEET_KEY = "(sheet)"

CELLS = "__anchorkit__reg_cells"
OCDS_ROWS = "__anchorkit__reg_ocds"
TAG_VALUES = "__anchorkit__reg_tag_values"
PARSED = "__anchorkit__reg_parsed"
FINAL = "__anchorkit__reg_final"


# --- SQL fragments ------------------------------------------------------------------------------


def _lit(value: str | None) -> str:
    return "NULL" if value is None else "'" + value.replace("'", "''") + "'"


def _list_lit(items: Sequence[str]) -> str:
    return "[" + ", ".join(_lit(i) for i in items) + "]::VARCHAR[]"


def _per_sheet(plans: Sequence[_Plan], pick: Callable[[_Plan], str]) -> str:
    """One expression when every sheet reads alike, else a CASE on the sheet."""
    picks = [pick(p) for p in plans]
    if len(set(picks)) == 1 and len(plans) == 1:
        return picks[0]
    whens = " ".join(
        f"WHEN sheet IS NOT DISTINCT FROM {_lit(p.sheet)} THEN {x}"
        for p, x in zip(plans, picks, strict=True)
    )
    return f"CASE {whens} END"


def _cell(plan: _Plan, column: str) -> str:
    i = plan.columns.get(column)
    return "NULL::VARCHAR" if i is None else f"c{i + 1}"


def _column_sql(plans: Sequence[_Plan], column: str) -> str:
    return _per_sheet(plans, lambda p: _cell(p, column))


def _json_of(pairs: Sequence[tuple[str, str]]) -> str:
    if not pairs:
        return "NULL::JSON"
    return "json_object(" + ", ".join(f"{_lit(k)}, {v}" for k, v in pairs) + ")"


def _extra_json(plan: _Plan, with_sheet: bool) -> str:
    """Cells without a typed place in registry_entry (trading name, registry id, tags, ...)."""
    typed = {plan.columns[c] for c in TYPED if c in plan.columns}
    pairs = [
        (plan.labels[i], f"c{i + 1}")
        for i in range(len(plan.labels))
        if i not in typed and (plan.named[i] or plan.header_row == 0)
    ]
    if with_sheet:
        pairs.insert(0, (SHEET_KEY, "sheet"))
    return _json_of(pairs)


def _raw_json(plan: _Plan, with_sheet: bool) -> str:
    pairs = [(plan.labels[i], f"c{i + 1}") for i in range(len(plan.labels))]
    if with_sheet:
        pairs.insert(0, (SHEET_KEY, "sheet"))
    return _json_of(pairs)


def _kind_sql(plans: Sequence[_Plan], width: int) -> str:
    """Each raw row's kind: title (above the header), header (or a repeat of it), blank, data."""
    blank = " AND ".join(f"coalesce(trim(c{i}), '') = ''" for i in range(1, width + 1))

    def repeat(plan: _Plan) -> str:
        if not plan.header_texts:
            return "false"
        return " AND ".join(
            f"coalesce(lower(trim(c{i + 1})), '') = {_lit(t.lower())}"
            for i, t in plan.header_texts.items()
        )

    whens = " ".join(
        f"WHEN sheet IS NOT DISTINCT FROM {_lit(p.sheet)} THEN CASE "
        f"WHEN source_row < {p.header_row} THEN 'title' "
        f"WHEN source_row = {p.header_row} OR ({repeat(p)}) THEN 'header' "
        f"WHEN {blank} THEN 'blank' ELSE 'data' END"
        for p in plans
    )
    return f"CASE {whens} ELSE 'no_header' END"


def _norm_sql(col: str) -> str:
    """SQL twin of ``normalise_header``, for cell values looked up in the vocabularies."""
    return f"trim(regexp_replace(lower(strip_accents({col})), '[^a-z0-9]+', ' ', 'g'))"

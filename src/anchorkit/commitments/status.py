"""Committed against delivered, and the returns that are late or missing.

A commitment's delivered quantity is the sum of its quarterly actuals; "due" is the part of the
committed quantity that falls in the quarters already over (committed × quarters over ÷ quarters
in the period), so a five-year commitment is not "behind" in its first year. A quarter is over
once ``commitments.return_days`` have passed since its end: its return is then *missing* if none
was received, *late* if it was received after that day.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from anchorkit.commitments.records import quarter_end, quarter_of, quarters
from anchorkit.workspace import Workspace

#: what a summary adds up by, and the columns that name each group
LABELS = {
    "measure": ("framework", "measure"),
    "supplier": ("supplier", "supplier_id"),
    "anchor": ("anchor",),
    "framework": ("framework",),
}
GROUPINGS = tuple(LABELS)


def commitment_rows(
    ws: Workspace,
    *,
    anchor_ids: Sequence[int] | None = None,
    supplier_id: str | None = None,
    today: date | None = None,
) -> list[dict[str, Any]]:
    """Every commitment with its committed, due and delivered quantities and its returns.

    ``anchor_ids``: only those anchors' contracts (None: all); ``supplier_id``: only that
    supplier's (a supplier in the portal sees its own, nothing else).
    """
    today = today or date.today()
    days = int(ws.settings["commitments.return_days"])
    conditions, params = [], []
    if anchor_ids is not None:
        conditions.append(
            f"c.anchor_id IN ({', '.join(str(int(i)) for i in anchor_ids) or 'NULL'})"
        )
    if supplier_id is not None:
        conditions.append("c.supplier_id = ?")
        params.append(supplier_id)
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    commitments = ws.engine.query(
        "commitments",
        f"""
        SELECT c.contract_id, c.anchor_id, a.name, c.supplier_name, c.supplier_id, c.title,
               k.framework, k.measure, k.quantity, k.period_start, k.period_end
        FROM sv_contract c JOIN sv_commitment k USING (contract_id)
        JOIN anchor a USING (anchor_id) {where}
        ORDER BY a.name, c.supplier_name, c.contract_id, k.framework, k.measure
        """,
        params,
    )
    actuals: dict[tuple[str, str, str], dict[str, tuple[float, date, str | None]]] = defaultdict(
        dict
    )
    for contract_id, framework, measure, quarter, quantity, received, evidence in ws.engine.query(
        "actuals",
        "SELECT contract_id, framework, measure, quarter, quantity, reported_on, evidence "
        "FROM sv_actual",
    ):
        actuals[(contract_id, framework, measure)][quarter] = (float(quantity), received, evidence)
    out = []
    for (contract_id, anchor_id, anchor, supplier, supplier_id_, title, framework, measure,
         committed, start, end) in commitments:  # fmt: skip
        period = quarters(quarter_of(start), quarter_of(end))
        returns = actuals.get((contract_id, framework, measure), {})
        over = [q for q in period if quarter_end(q) + timedelta(days=days) < today]
        missing = [q for q in over if q not in returns]
        late = [
            q
            for q in period
            if q in returns and returns[q][1] > quarter_end(q) + timedelta(days=days)
        ]
        delivered = sum(v[0] for v in returns.values())
        due = float(committed) * len(over) / len(period)
        out.append(
            {
                "contract_id": contract_id,
                "anchor_id": anchor_id,
                "anchor": anchor,
                "supplier": supplier,
                "supplier_id": supplier_id_,
                "title": title,
                "framework": framework,
                "measure": measure,
                "committed": float(committed),
                "due_so_far": round(due, 4),
                "delivered": round(delivered, 4),
                "delivered_share": None
                if committed == 0
                else round(delivered / float(committed), 6),
                "period": [period[0], period[-1]],
                "quarters_over": len(over),
                "returns": [
                    {"quarter": q, "quantity": v[0], "received": v[1].isoformat(), "evidence": v[2]}
                    for q, v in sorted(returns.items())
                ],
                "missing": missing,
                "late": late,
            }
        )
    return out


def summarise(rows: Sequence[dict[str, Any]], by: str) -> list[dict[str, Any]]:
    """Committed, due and delivered added up by measure, supplier, anchor or framework (a
    measure is always its framework's: NT1 of two packs is two rows)."""
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {', '.join(GROUPINGS)}")
    labels = LABELS[by]
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for r in rows:
        g = groups.setdefault(
            tuple(r[c] for c in labels),
            {
                **{c: r[c] for c in labels},
                "commitments": 0,
                "committed": 0.0,
                "due_so_far": 0.0,
                "delivered": 0.0,
                "missing_returns": 0,
                "late_returns": 0,
            },
        )
        g["commitments"] += 1
        for field in ("committed", "due_so_far", "delivered"):
            g[field] = round(g[field] + r[field], 4)
        g["missing_returns"] += len(r["missing"])
        g["late_returns"] += len(r["late"])
    return list(groups.values())


def overdue(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every late or missing return, one row each, oldest first."""
    out = []
    for r in rows:
        for state in ("missing", "late"):
            for q in r[state]:
                out.append(
                    {
                        "quarter": q,
                        "state": state,
                        "contract_id": r["contract_id"],
                        "anchor": r["anchor"],
                        "supplier": r["supplier"],
                        "framework": r["framework"],
                        "measure": r["measure"],
                    }
                )
    return sorted(out, key=lambda o: (o["quarter"], o["anchor"], o["supplier"], o["measure"]))


def by_measure_for_framework(
    rows: Sequence[dict[str, Any]], framework: str
) -> dict[str, dict[str, Any]]:
    """What a framework report needs for its commitment measures: per measure id, the committed,
    due and delivered totals (only measures with at least one commitment)."""
    return {
        g["measure"]: g
        for g in summarise([r for r in rows if r["framework"] == framework], "measure")
    }

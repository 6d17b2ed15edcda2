"""Tier-2: what prime suppliers spent with diverse or local subcontractors, for each anchor.

A prime supplier reports, per anchor and fiscal year, each subcontractor and the amount allocated
to that anchor's work (a portal form or a CSV). Subcontractors are matched to suppliers with the
same name normalisation as resolution, so a subcontractor a registry certifies counts as verified
diverse; one only the prime describes counts as *declared*, shown apart. Tier-2 spend is reported
beside Tier-1 and never added to it: it was paid by the prime, out of money the anchor already
counted as Tier-1 spend with that prime.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from anchorkit.analytics.indicators import compute_breakdowns
from anchorkit.analytics.model import fresh_model
from anchorkit.commitments.records import check_supplier_id, read_rows, supplier_ids
from anchorkit.data import tag_vocabulary
from anchorkit.errors import CommitmentError
from anchorkit.workspace import Workspace

TIER2_COLUMNS = ("prime", "anchor", "year", "subcontractor", "amount")
TOP_VENDORS = 20  # HAN's Impact Purchasing Commitment asks the top 20 vendors


def _amount(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", "").replace("$", "").replace("£", ""))
    except InvalidOperation as exc:
        raise CommitmentError(f"{where}: {text!r} is not an amount.") from exc
    if value < 0 or not value.is_finite():
        raise CommitmentError(f"{where}: an amount cannot be negative.")
    return value.quantize(Decimal("0.01"))


def _tags(text: str, where: str) -> str | None:
    tags = [
        t.strip().lower().replace("-", "_") for t in text.replace(";", ",").split(",") if t.strip()
    ]
    unknown = [t for t in tags if t not in tag_vocabulary()]
    if unknown:
        raise CommitmentError(
            f"{where}: {', '.join(unknown)} is not a tag ({', '.join(tag_vocabulary())})."
        )
    return ",".join(dict.fromkeys(tags)) or None


def record_tier2(
    ws: Workspace,
    rows: Sequence[dict[str, str]],
    *,
    by: str,
    where: str,
    prime_id: str | None = None,
    append: bool = False,
) -> int:
    """Tier-2 rows (prime, anchor, year, subcontractor, amount; optionally postcode and tags):
    a prime's return for an anchor and year replaces its earlier one (``append``: adds to it, as
    the portal's form does one subcontractor at a time). ``prime_id``: the prime is known (a
    supplier's own account), not matched by name."""
    parsed: list[list[Any]] = []
    given: dict[str, str] = {}  # prime name → the id the file gives
    for number, row in enumerate(rows, start=2):
        at = f"{where} row {number}"
        if not row.get("prime") or not row.get("subcontractor"):
            raise CommitmentError(f"{at}: name the prime supplier and the subcontractor.")
        try:
            year = int(row["year"])
        except (KeyError, ValueError) as exc:
            raise CommitmentError(f"{at}: year must be a fiscal year, e.g. 2024.") from exc
        anchor_id = ws.anchor(row["anchor"]).anchor_id
        if row.get("prime_id"):
            given[row["prime"]] = check_supplier_id(ws, row["prime_id"], at)
        parsed.append(
            [row["prime"], anchor_id, year, row["subcontractor"], row.get("postcode") or None,
             _tags(row.get("tags", ""), at), _amount(row.get("amount", ""), at)]
        )  # fmt: skip
    ids = supplier_ids(ws, {p[0] for p in parsed} | {p[3] for p in parsed})
    ids.update(given)
    if prime_id is not None:
        ids.update({p[0]: prime_id for p in parsed})
    with ws.engine.transaction():
        for prime, anchor_id, year in set() if append else {(p[0], p[1], p[2]) for p in parsed}:
            ws.engine.run(
                "replace_tier2",
                "DELETE FROM tier2_return WHERE prime_name = ? AND anchor_id = ? AND year = ?",
                [prime, anchor_id, year],
            )
        for prime, anchor_id, year, sub, postcode, tags, amount in parsed:
            ws.engine.run(
                "add_tier2",
                "INSERT INTO tier2_return (prime_name, prime_id, anchor_id, year, subcontractor, "
                "postcode, subcontractor_id, declared_tags, amount, reported_by, reported_on) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [prime, ids[prime], anchor_id, year, sub, postcode, ids[sub], tags, amount, by,
                 date.today()],
            )  # fmt: skip
    return len(parsed)


def import_tier2(ws: Workspace, path: Path, *, by: str) -> int:
    return record_tier2(ws, read_rows(path, TIER2_COLUMNS), by=by, where=path.name)


def tier2_summary(
    ws: Workspace,
    *,
    anchor: str | None = None,
    year: int | None = None,
    prime_id: str | None = None,
    top: int = TOP_VENDORS,
) -> dict[str, Any]:
    """Tier-1 and Tier-2 diverse spend side by side (never added), each subcontractor's return,
    and which of the anchor's top vendors have reported.

    ``prime_id``: only that prime's returns (what a supplier sees of its own).
    """
    conditions: list[str] = []
    params: list[Any] = []
    if anchor is not None:
        conditions.append("r.anchor_id = ?")
        params.append(ws.anchor(anchor).anchor_id)
    if year is not None:
        conditions.append("r.year = ?")
        params.append(int(year))
    if prime_id is not None:
        conditions.append("r.prime_id = ?")
        params.append(prime_id)
    where = ("WHERE " + " AND ".join(conditions)) if conditions else ""
    rows = ws.engine.query(
        "tier2_returns",
        f"""
        SELECT r.prime_name, r.prime_id, a.name, r.year, r.subcontractor, r.subcontractor_id,
               r.declared_tags, r.amount,
               (SELECT string_agg(DISTINCT g.tag, ',') FROM supplier_tag g
                WHERE g.supplier_id = r.subcontractor_id) AS verified_tags
        FROM tier2_return r JOIN anchor a USING (anchor_id) {where}
        ORDER BY a.name, r.year, r.prime_name, r.subcontractor
        """,
        params,
    )
    returns = []
    verified = declared = total = Decimal(0)
    for prime, pid, anchor_name, yr, sub, sid, tags, amount, vtags in rows:
        amount = Decimal(amount)
        total += amount
        if vtags:
            verified += amount
        elif tags:
            declared += amount
        returns.append(
            {"prime": prime, "prime_id": pid, "anchor": anchor_name, "year": yr,
             "subcontractor": sub, "subcontractor_id": sid, "amount": amount,
             "verified_tags": sorted(vtags.split(",")) if vtags else [],
             "declared_tags": tags.split(",") if tags else []}
        )  # fmt: skip
    out: dict[str, Any] = {
        "anchor": anchor,
        "year": year,
        "tier2_spend": total.quantize(Decimal("0.01")),
        "tier2_diverse_spend": verified.quantize(Decimal("0.01")),
        "tier2_declared_diverse_spend": declared.quantize(Decimal("0.01")),
        "returns": returns,
    }
    if prime_id is None:
        network = compute_breakdowns(ws, [], anchor=anchor, year=year, details=False)[None].network
        out["tier1_diverse_spend"] = network["impact_spend"]
        out["tier1_addressable_spend"] = network["addressable_spend"]
        out["tracker"] = tracker(ws, anchor=anchor, year=year, top=top)
        out["note"] = "Tier-2 is shown beside Tier-1 and never added to it."
    return out


def tracker(
    ws: Workspace, *, anchor: str | None, year: int | None, top: int = TOP_VENDORS
) -> list[dict[str, Any]]:
    """Each anchor's top vendors by addressable spend (in ``year``, or every year; resolved
    suppliers) and whether each has returned Tier-2 data for that anchor (and year)."""
    cells = fresh_model(ws).cells_where(ws, anchor=anchor, year=year)
    same_year = f"AND r.year = {int(year)}" if year is not None else ""
    rows = ws.engine.query(
        "tier2_tracker",
        f"""
        WITH spend AS (
            SELECT c.anchor_id, c.supplier_id, sum(c.amount) AS spend
            FROM {cells} c WHERE c.addressable AND c.supplier_id IS NOT NULL
            GROUP BY c.anchor_id, c.supplier_id
        ), ranked AS (
            SELECT *, row_number() OVER (PARTITION BY anchor_id ORDER BY spend DESC, supplier_id)
                AS rank
            FROM spend
        )
        SELECT a.name, k.rank, sp.name, k.supplier_id, k.spend,
               EXISTS (SELECT 1 FROM tier2_return r WHERE r.prime_id = k.supplier_id
                       AND r.anchor_id = k.anchor_id {same_year}) AS reported
        FROM ranked k JOIN anchor a USING (anchor_id) JOIN supplier sp USING (supplier_id)
        WHERE k.rank <= {int(top)}
        ORDER BY a.name, k.rank
        """,
    )
    return [
        {"anchor": a, "rank": int(rank), "supplier": name, "supplier_id": sid,
         "spend": Decimal(spend).quantize(Decimal("0.01")), "reported": bool(reported)}
        for a, rank, name, sid, spend, reported in rows
    ]  # fmt: skip

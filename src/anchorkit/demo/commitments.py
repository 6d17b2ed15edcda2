"""Social-value commitments, quarterly actuals and Tier-2 returns for the demo network, with truth.

Why: the commitments report and the frameworks' commitment and Tier-2 measures can only be
checked against an answer written before anchorkit reads the files. For the three anchors that
spend most, the top vendors (by addressable spend in the latest fiscal year) get a contract with
National TOMs commitments (NT1 local hires, NT10 apprenticeship weeks) over that year; each
quarter's return is received on time, late, or never, decided by the seed. Some top vendors
return Tier-2 spend: a subcontractor a registry certifies (verified diverse), one the prime only
describes (declared), and one plain. ``files/commitments/*.csv`` are what an anchor would upload;
``truth/commitments.json`` says what every figure must be.
"""

from __future__ import annotations

import csv
import json
import random
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from anchorkit.analytics.model import fresh_model
from anchorkit.commitments.records import (
    import_actuals,
    import_commitments,
    quarter_end,
    quarter_of,
    quarters,
    supplier_ids,
)
from anchorkit.commitments.tier2 import import_tier2
from anchorkit.workspace import Workspace

ANCHORS = 3  # the anchors that spend most
VENDORS = 4  # top vendors with a contract, per anchor
MEASURES = (("NT1", 6, 14), ("NT10", 20, 80))  # measure, committed quantity range


def _write(path: Path, header: list[str], rows: list[list[Any]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(rows)


def plant_commitments(ws: Workspace, root: Path, seed: int) -> dict[str, int]:
    """Write and import the demo's commitments, actuals and Tier-2 returns; write the truth."""
    rng = random.Random(seed * 7919 + 15)
    days = int(ws.settings["commitments.return_days"])
    (latest,) = ws.engine.query("demo_latest_year", "SELECT max(fiscal_year) FROM spend_line")[0]
    year = int(latest) - 1  # the last whole fiscal year
    cells = fresh_model(ws).cells_where(ws, year=year)
    top = ws.engine.query(
        "demo_top_vendors",
        f"""
        WITH spend AS (
            SELECT anchor_id, supplier_id, sum(amount) AS spend FROM {cells} c
            WHERE addressable AND supplier_id IS NOT NULL GROUP BY anchor_id, supplier_id
        ), anchors AS (
            SELECT anchor_id, sum(spend) AS total FROM spend GROUP BY anchor_id
            ORDER BY total DESC, anchor_id LIMIT {ANCHORS}
        )
        SELECT anchor_name, supplier_id, supplier_name, spend, rank FROM (
            SELECT a.name AS anchor_name, s.supplier_id, sp.name AS supplier_name, s.spend,
                row_number() OVER (PARTITION BY s.anchor_id ORDER BY s.spend DESC, s.supplier_id)
                    AS rank
            FROM spend s JOIN anchors USING (anchor_id) JOIN anchor a USING (anchor_id)
            JOIN supplier sp USING (supplier_id)
        ) ranked
        WHERE rank <= {VENDORS}
        ORDER BY anchor_name, rank
        """,
    )
    certified = [
        name
        for (name,) in ws.engine.query(
            "demo_certified",
            "SELECT DISTINCT sp.name FROM supplier sp JOIN supplier_tag g USING (supplier_id) "
            "WHERE g.valid_to IS NULL ORDER BY sp.name LIMIT 40",
        )
    ]
    unique = supplier_ids(ws, certified)  # a name two suppliers share would match neither
    certified = [name for name in certified if unique[name] is not None]
    start, end = date(year, 4, 1), date(year + 1, 3, 31)
    period = quarters(quarter_of(start), quarter_of(end))
    contracts, actuals, tier2, truth = [], [], [], []
    amounts = {"verified": 0, "declared": 0, "plain": 0}
    primes: list[dict[str, Any]] = []
    for anchor, supplier_id, supplier, _spend, rank in top:
        contract_id = f"DEMO-{anchor[:3].upper()}-{int(rank)}"
        for measure, low, high in MEASURES:
            committed = rng.randint(low, high)
            contracts.append([contract_id, anchor, supplier, supplier_id, "Demo services",
                              "national-toms", measure, committed, start, end])  # fmt: skip
            delivered, missing, late = 0.0, [], []
            for q in period:
                fate = rng.random()
                if fate < 0.15:
                    missing.append(q)
                    continue
                received = quarter_end(q) + timedelta(days=rng.randint(3, days - 1))
                if fate < 0.30:
                    late.append(q)
                    received = quarter_end(q) + timedelta(days=days + rng.randint(5, 60))
                quantity = round(committed / len(period) * rng.uniform(0.5, 1.2), 1)
                delivered += quantity
                actuals.append([contract_id, "national-toms", measure, q, quantity,
                                f"{contract_id}-{q}.pdf", received])  # fmt: skip
            truth.append({"contract_id": contract_id, "anchor": anchor, "supplier": supplier,
                          "measure": measure, "committed": committed,
                          "delivered": round(delivered, 4), "missing": missing, "late": late})  # fmt: skip
        if int(rank) <= 2 and certified:  # the two largest vendors of each anchor return Tier-2
            verified, declared, plain = (rng.randint(5, 60) * 1000 for _ in range(3))
            sub = certified[rng.randrange(len(certified))]
            tier2 += [
                [supplier, supplier_id, anchor, year, sub, verified, ""],
                [supplier, supplier_id, anchor, year, f"Demo Subcontractor {contract_id} Ltd",
                 declared, "women_owned"],
                [supplier, supplier_id, anchor, year, f"Plain Trades {contract_id} Inc", plain, ""],
            ]  # fmt: skip
            amounts["verified"] += verified
            amounts["declared"] += declared
            amounts["plain"] += plain
            primes.append({"anchor": anchor, "supplier_id": supplier_id})
    folder = root / "files" / "commitments"
    _write(folder / "commitments.csv", ["contract_id", "anchor", "supplier", "supplier_id", "title",
           "framework", "measure", "quantity", "period_start", "period_end"], contracts)  # fmt: skip
    _write(folder / "actuals.csv", ["contract_id", "framework", "measure", "quarter", "quantity",
           "evidence", "received"], actuals)  # fmt: skip
    _write(folder / "tier2.csv", ["prime", "prime_id", "anchor", "year", "subcontractor", "amount",
           "tags"], tier2)  # fmt: skip
    loaded = import_commitments(ws, folder / "commitments.csv")
    returns = import_actuals(ws, folder / "actuals.csv", by="demo")
    rows = import_tier2(ws, folder / "tier2.csv", by="demo")
    (root / "truth").mkdir(exist_ok=True)
    (root / "truth" / "commitments.json").write_text(
        json.dumps(
            {"year": year, "commitments": truth, "tier2": {**amounts, "primes": primes}},
            indent=1,
            default=str,
        )
    )
    return {"contracts": loaded.contracts, "commitments": loaded.rows, "returns": returns,
            "tier-2 rows": rows}  # fmt: skip

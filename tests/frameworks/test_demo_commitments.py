"""The demo network's commitments, quarterly returns and Tier-2 returns against its truth."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from anchorkit.commitments.status import commitment_rows
from anchorkit.commitments.tier2 import tier2_summary
from anchorkit.views.frameworks import framework_report
from anchorkit.workspace import Workspace


def test_the_demo_commitments_match_their_truth(demo_template: Path) -> None:
    truth = json.loads((demo_template / "truth" / "commitments.json").read_text())
    assert truth["commitments"] and truth["tier2"]["primes"]
    with Workspace.open(demo_template) as ws:
        rows = {(r["contract_id"], r["measure"]): r for r in commitment_rows(ws)}
        assert len(rows) == len(truth["commitments"])
        for t in truth["commitments"]:
            r = rows[(t["contract_id"], t["measure"])]
            assert r["committed"] == t["committed"] and r["supplier"] == t["supplier"]
            assert abs(r["delivered"] - t["delivered"]) < 1e-6, t
            assert (r["missing"], r["late"]) == (t["missing"], t["late"]), t
        assert any(t["late"] for t in truth["commitments"])  # some returns are late
        summary = tier2_summary(ws, year=truth["year"])
        t2 = truth["tier2"]
        assert summary["tier2_diverse_spend"] == Decimal(t2["verified"])
        assert summary["tier2_declared_diverse_spend"] == Decimal(t2["declared"])
        assert summary["tier2_spend"] == Decimal(t2["verified"] + t2["declared"] + t2["plain"])
        reported = {(t["anchor"], t["supplier_id"]) for t in summary["tracker"] if t["reported"]}
        assert reported == {(p["anchor"], p["supplier_id"]) for p in t2["primes"]}
        ipc = {m["id"]: m for m in framework_report(ws, "han-ipc", year=truth["year"])["measures"]}
        assert Decimal(ipc["ipc-tier2-top20"]["value"]) == Decimal(t2["verified"])
        toms = {m["id"]: m for m in framework_report(ws, "national-toms")["measures"]}
        delivered = sum(t["delivered"] for t in truth["commitments"] if t["measure"] == "NT1")
        assert abs(toms["NT1"]["value"] - delivered) < 1e-6

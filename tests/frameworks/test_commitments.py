"""Commitments against actuals and Tier-2 returns on the small network of conftest.py, by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from anchorkit.analytics import compute_indicators
from anchorkit.commitments.records import import_actuals, import_commitments, record_actual
from anchorkit.commitments.status import commitment_rows, overdue, summarise
from anchorkit.commitments.tier2 import import_tier2, tier2_summary
from anchorkit.errors import AnchorError, CommitmentError
from anchorkit.views.frameworks import framework_report
from anchorkit.workspace import Workspace
from tests.frameworks.conftest import build

COMMITMENTS = (
    "contract_id,anchor,supplier,title,framework,measure,quantity,period_start,period_end\n"
    "C1,Hospital,Maple Builders Inc,New wing,national-toms,NT1,8,2023-04-01,2024-03-31\n"
    "C1,Hospital,Maple Builders Inc,New wing,national-toms,NT10,52,2023-04-01,2024-03-31\n"
    "C2,University,Sweetgrass Catering Ltd,,toronto-spp,spp-workforce-construction,4,"
    "2023-07-01,2023-12-31\n"
)
ACTUALS = (
    "contract_id,framework,measure,quarter,quantity,evidence,received\n"
    "C1,national-toms,NT1,2023Q2,2,payroll-q2.pdf,2023-07-15\n"  # on time (due 2023-07-30)
    "C1,national-toms,NT1,2023-Q3,3,payroll-q3.pdf,2023-11-15\n"  # late (due 2023-10-30)
    "C2,toronto-spp,spp-workforce-construction,Q3 2023,1,,2023-10-01\n"
)
TIER2 = (
    "prime,anchor,year,subcontractor,amount,tags\n"
    "Concrete Corp,Hospital,2023,Riverside Workers Co-operative,10000,\n"  # verified: a co-op
    "Concrete Corp,Hospital,2023,Newco Framing,5000,women-owned\n"  # declared only
    "Concrete Corp,Hospital,2023,Plain Subs Ltd,2000,\n"
)


@pytest.fixture(scope="module")
def net(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    root = tmp_path_factory.mktemp("commitments")
    ws = build(root / "ws")
    for name, text in (("c.csv", COMMITMENTS), ("a.csv", ACTUALS), ("t2.csv", TIER2)):
        (root / name).write_text(text)
    assert import_commitments(ws, root / "c.csv").to_json() == {"rows": 3, "contracts": 2}
    assert import_actuals(ws, root / "a.csv", by="anchor@example.org") == 3
    assert import_tier2(ws, root / "t2.csv", by="prime@example.org") == 3
    yield ws
    ws.close()


def test_committed_due_and_delivered_by_hand(net: Workspace) -> None:
    rows = commitment_rows(net, today=date(2024, 2, 15))
    c1 = next(r for r in rows if r["contract_id"] == "C1" and r["measure"] == "NT1")
    assert c1["supplier_id"] is not None  # matched to the resolved supplier
    # 2023Q2..2024Q1: three quarters over by 2024-02-15 (2023Q4's return was due 2024-01-30)
    assert c1["period"] == ["2023Q2", "2024Q1"] and c1["quarters_over"] == 3
    assert c1["due_so_far"] == 6.0 and c1["delivered"] == 5.0 and c1["committed"] == 8.0
    assert c1["missing"] == ["2023Q4"] and c1["late"] == ["2023Q3"]
    assert [r["evidence"] for r in c1["returns"]] == ["payroll-q2.pdf", "payroll-q3.pdf"]
    nt10 = next(r for r in rows if r["measure"] == "NT10")
    assert nt10["delivered"] == 0 and nt10["missing"] == ["2023Q2", "2023Q3", "2023Q4"]
    c2 = next(r for r in rows if r["contract_id"] == "C2")
    assert c2["missing"] == ["2023Q4"] and c2["late"] == [] and c2["due_so_far"] == 4.0
    by_anchor = {g["anchor"]: g for g in summarise(rows, "anchor")}
    assert by_anchor["Hospital"]["committed"] == 60.0 and by_anchor["Hospital"]["delivered"] == 5
    assert (
        by_anchor["Hospital"]["missing_returns"] == 4 and by_anchor["Hospital"]["late_returns"] == 1
    )
    assert len(overdue(rows)) == 6  # 5 missing + 1 late
    assert overdue(rows)[0]["quarter"] == "2023Q2"


def test_an_anchor_sees_its_own_and_a_supplier_its_own(net: Workspace) -> None:
    university = net.anchor("University").anchor_id
    assert {r["contract_id"] for r in commitment_rows(net, anchor_ids=[university])} == {"C2"}
    assert commitment_rows(net, anchor_ids=[]) == []
    maple = next(r for r in commitment_rows(net) if r["contract_id"] == "C1")["supplier_id"]
    assert {r["contract_id"] for r in commitment_rows(net, supplier_id=maple)} == {"C1"}


def test_a_bad_commitment_or_return_is_refused(net: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    header = COMMITMENTS.splitlines()[0]
    for row, message in (
        ("C9,Hospital,X,,national-toms,NT99,1,2023-04-01,2024-03-31", "has no measure 'NT99'"),
        ("C9,Hospital,X,,toms,NT1,1,2023-04-01,2024-03-31", "there is no framework 'toms'"),
        ("C9,Hospital,X,,national-toms,NT1,-1,2023-04-01,2024-03-31", "cannot be negative"),
        ("C9,Hospital,X,,national-toms,NT1,1,2024-04-01,2023-03-31", "ends before it starts"),
        ("C9,,,,national-toms,NT1,1,2023-04-01,2024-03-31", "loaded OCDS award"),
    ):
        bad.write_text(f"{header}\n{row}\n")
        with pytest.raises(CommitmentError, match=message):
            import_commitments(net, bad)
    bad.write_text(f"{header}\nC9,Nowhere,X,,national-toms,NT1,1,2023-04-01,2024-03-31\n")
    with pytest.raises(AnchorError):
        import_commitments(net, bad)
    with pytest.raises(CommitmentError, match="runs from 2023Q2 to 2024Q1"):
        record_actual(net, "C1", "national-toms", "NT1", "2025Q1", 1, by="x")
    with pytest.raises(CommitmentError, match="is not a quarter"):
        record_actual(net, "C1", "national-toms", "NT1", "2023Q5", 1, by="x")
    with pytest.raises(CommitmentError, match="has no commitment to national-toms/NT3"):
        record_actual(net, "C1", "national-toms", "NT3", "2023Q2", 1, by="x")
    assert len(commitment_rows(net)) == 3  # nothing half-written


def test_tier2_beside_tier1_never_added(net: Workspace) -> None:
    summary = tier2_summary(net, anchor="Hospital", year=2023)
    assert summary["tier2_spend"] == Decimal("17000.00")
    assert summary["tier2_diverse_spend"] == Decimal("10000.00")  # Riverside: a certified co-op
    assert summary["tier2_declared_diverse_spend"] == Decimal("5000.00")  # Newco: declared only
    # Tier-1 diverse spend at the Hospital in 2023: Sweetgrass 1,000 + Riverside 2,000 + Maple 50,000
    assert summary["tier1_diverse_spend"] == Decimal("53000.00")
    assert compute_indicators(net, anchor="Hospital").network["impact_spend"] == Decimal("53500.00")
    tracker = {t["rank"]: t for t in summary["tracker"]}
    assert tracker[1]["supplier"].lower().startswith("concrete") and tracker[1]["reported"]
    assert tracker[2]["supplier"].lower().startswith("maple") and not tracker[2]["reported"]
    assert tier2_summary(net, anchor="University")["returns"] == []
    concrete = tracker[1]["supplier_id"]
    own = tier2_summary(net, prime_id=concrete)
    assert len(own["returns"]) == 3 and "tracker" not in own  # a prime sees its own returns only


def test_a_bad_tier2_return_is_refused(net: Workspace, tmp_path: Path) -> None:
    bad = tmp_path / "t2.csv"
    for row, message in (
        ("Concrete Corp,Hospital,2023,Sub,10,purple_owned", "purple_owned is not a tag"),
        ("Concrete Corp,Hospital,2023,Sub,-5,", "cannot be negative"),
        ("Concrete Corp,Hospital,last year,Sub,5,", "year must be a fiscal year"),
        ("Concrete Corp,Hospital,2023,Sub,lots,", "is not an amount"),
    ):
        bad.write_text(f"prime,anchor,year,subcontractor,amount,tags\n{row}\n")
        with pytest.raises(CommitmentError, match=message):
            import_tier2(net, bad, by="x")
    assert tier2_summary(net, anchor="Hospital", year=2023)["tier2_spend"] == Decimal("17000.00")


def test_frameworks_read_commitments_and_tier2(net: Workspace) -> None:
    toms = {m["id"]: m for m in framework_report(net, "national-toms")["measures"]}
    assert toms["NT1"]["status"] == "computed" and toms["NT1"]["value"] == 5.0
    assert toms["NT1"]["detail"]["committed"] == 8.0
    assert toms["NT10"]["value"] == 0.0
    assert toms["NT3"]["status"] == "not_computable"  # nobody committed to NT3
    spp = {m["id"]: m for m in framework_report(net, "toronto-spp")["measures"]}
    assert spp["spp-workforce-construction"]["value"] == 1.0
    ipc = {m["id"]: m for m in framework_report(net, "han-ipc", anchor="Hospital")["measures"]}
    tier2 = ipc["ipc-tier2-top20"]
    assert tier2["status"] == "computed" and tier2["value"] == "10000.00"
    assert tier2["detail"]["declared_diverse_spend"] == "5000.00"
    # Tier-1 measures are unchanged by Tier-2
    assert ipc["ipc-women-owned"]["value"] == "50000.00"

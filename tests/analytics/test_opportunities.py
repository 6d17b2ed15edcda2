"""Opportunities on a hand-made network: each expected one is planted in the lines below."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from anchorkit.analytics.opportunities import find_opportunities
from anchorkit.ingest import ingest_files
from anchorkit.workspace import Workspace
from tests.ingest.helpers import write

# local = postcodes starting PR
HOSPITAL = (
    "Supplier,Amount,Date,Postcode,Category\n"
    "National Catering plc,5000.00,2023-05-01,M1 1AA,Catering\n"  # non-local
    "Northern Print Ltd,800.00,2023-05-02,PR3 3CC,Printing\n"  # local printing
)
COLLEGE = (
    "Supplier,Amount,Date,Postcode,Category\n"
    "National Catering plc,3000.00,2023-05-03,M1 1AA,Catering\n"  # same non-local supplier
    "Preston Bakery Ltd,500.00,2023-05-04,PR1 2AB,Catering\n"  # a local caterer exists
    "Big City Print plc,1200.00,2023-05-05,M2 2BB,Printing\n"  # printing only non-local
)


@pytest.fixture
def network(tmp_path: Path) -> Workspace:
    ws = Workspace.init(
        tmp_path / "ws", settings={"currency": "GBP", "local.postcode_prefixes": ["PR"]}
    )
    ws.add_anchor("Hospital", "hospital")
    ws.add_anchor("College", "college")
    assert ingest_files(ws, [write(tmp_path, "h.csv", HOSPITAL)], "Hospital")[0].error is None
    assert ingest_files(ws, [write(tmp_path, "c.csv", COLLEGE)], "College")[0].error is None
    return ws


def _by_kind(found: list) -> dict[str, list]:  # type: ignore[type-arg]
    out: dict[str, list] = {}  # type: ignore[type-arg]
    for o in found:
        out.setdefault(o.kind, []).append(o)
    return out


def test_the_planted_opportunities_are_found(network: Workspace) -> None:
    kinds = _by_kind(find_opportunities(network))
    # Catering: 8000 of 8500 non-local (94 %), and Preston Bakery sells it locally
    (catering,) = [o for o in kinds["local_supplier_exists"] if o.category == "Catering"]
    assert catering.spend_at_stake == Decimal("8000.00")
    assert [s["name"] for s in catering.suppliers] == ["Preston Bakery Ltd"]
    assert catering.anchors == ["College", "Hospital"]
    # Printing: 1200 of 2000 non-local (60 %), Northern Print sells it locally to the Hospital
    (printing,) = [o for o in kinds["local_supplier_exists"] if o.category == "Printing"]
    assert printing.spend_at_stake == Decimal("1200.00")
    # both anchors buy Catering from National Catering plc: 5000 + 3000
    (joint,) = kinds["joint_procurement"]
    assert (joint.category, joint.spend_at_stake) == ("Catering", Decimal("8000.00"))
    assert joint.suppliers[0]["name"] == "National Catering plc"
    # the College buys Printing only non-locally; the Hospital uses Northern Print locally
    shares = {(o.category, o.anchors[0]) for o in kinds["share_a_supplier"]}
    assert ("Printing", "College") in shares
    # the Hospital's catering is all non-local and the College uses Preston Bakery
    assert ("Catering", "Hospital") in shares
    ranked = [o.spend_at_stake for o in find_opportunities(network)]
    assert ranked == sorted(ranked, reverse=True)


def test_one_anchor_sees_opportunities_for_its_own_spend(network: Workspace) -> None:
    mine = find_opportunities(network, anchor="College")
    assert mine and all("College" in o.evidence.get("buyers", o.anchors) for o in mine)
    assert not any(
        o.kind == "share_a_supplier" and o.category == "Catering" for o in mine
    )  # the College already buys catering locally


def test_a_threshold_above_every_category_finds_none_of_that_kind(network: Workspace) -> None:
    found = find_opportunities(network, min_nonlocal_share=0.99)
    assert not [o for o in found if o.kind == "local_supplier_exists"]


def test_cli_lists_them(network: Workspace) -> None:
    import json

    from typer.testing import CliRunner

    from anchorkit.cli import app

    root = str(network.root)
    network.close()
    result = CliRunner().invoke(app, ["-w", root, "opportunities", "--json"])
    assert result.exit_code == 0, result.output
    kinds = {o["kind"] for o in json.loads(result.stdout)}
    assert kinds == {"local_supplier_exists", "joint_procurement", "share_a_supplier"}

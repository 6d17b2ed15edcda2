"""The demo network's planted opportunities are found: the generator names them in
``truth/opportunities.json`` (see :mod:`anchorkit.demo.planted`) and ``find_opportunities`` must
list them — the joint procurement with its incumbent, category and anchors, and the local
(social-enterprise) supplier as a candidate to buy from and to share."""

from __future__ import annotations

import csv
import json
import shutil
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from anchorkit.analytics.opportunities import Opportunity, category_label, find_opportunities
from anchorkit.workspace import Workspace


@pytest.fixture(scope="module")
def demo(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the session's demo (tests/conftest.py: 3 anchors, 6,000 lines, seed 7)."""
    root = tmp_path_factory.mktemp("demo") / "net"
    shutil.copytree(demo_template, root)
    return root


def planted(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((root / "truth" / "opportunities.json").read_text("utf-8"))
    # opportunities name a category with its parent: "Facilities & Management Services – Security"
    data["label"] = category_label(data["category_parent"], data["category"])
    return data


def keys_of(ws: Workspace, root: Path, truth_id: str) -> set[str]:
    """The workspace's supplier keys (as opportunities name suppliers) for a true supplier: the
    keys of the lines written under any of its spellings."""
    with (root / "truth" / "lines.csv").open(encoding="utf-8", newline="") as f:
        written = sorted(
            {
                r["name_written"].strip().upper()
                for r in csv.DictReader(f)
                if r["supplier_id"] == truth_id
            }
        )
    rows = ws.engine.query(
        "t",
        "SELECT DISTINCT coalesce(supplier_id, upper(trim(supplier_name))) FROM spend_line "
        "WHERE list_contains(?, upper(trim(supplier_name)))",
        [written],
    )
    return {k for (k,) in rows}


def found(root: Path) -> tuple[dict[str, Any], list[Opportunity], set[str], set[str]]:
    truth = planted(root)
    with Workspace.open(root) as ws:
        ops = find_opportunities(ws, limit=1000)
        incumbent = keys_of(ws, root, truth["joint_procurement"]["supplier_id"])
        local = keys_of(ws, root, truth["local_supplier"]["supplier_id"])
    return truth, ops, incumbent, local


def test_the_truth_names_a_planted_network(demo: Path) -> None:
    truth = planted(demo)
    joint, local = truth["joint_procurement"], truth["local_supplier"]
    assert joint["is_local"] is False and local["is_local"] is True
    assert len(joint["anchors"]) == 3 and local["anchors"] == [local["used_by"]]
    assert set(truth["buy_only_non_local"]) == set(joint["anchors"]) - {local["used_by"]}
    with (demo / "truth" / "registry_tags.csv").open(encoding="utf-8", newline="") as f:
        tags = {(r["supplier_id"], r["tag"]) for r in csv.DictReader(f)}
    assert (local["supplier_id"], local["tag"]) in tags
    assert not any(s == joint["supplier_id"] for s, _ in tags)


def test_the_planted_joint_procurement_is_found(demo: Path) -> None:
    truth, ops, incumbent, _ = found(demo)
    joint = truth["joint_procurement"]
    assert len(incumbent) == 1  # every spelling resolved to one supplier
    hits = [
        o
        for o in ops
        if o.kind == "joint_procurement" and o.suppliers[0]["supplier_id"] in incumbent
    ]
    assert [o.category for o in hits] == [truth["label"]]
    (hit,) = hits
    assert sorted(hit.anchors) == joint["anchors"]
    assert hit.spend_at_stake == Decimal(joint["spend"])


def test_the_planted_local_supplier_is_a_candidate(demo: Path) -> None:
    truth, ops, _, local_keys = found(demo)
    local = truth["local_supplier"]
    assert len(local_keys) == 1
    exists = [
        o
        for o in ops
        if o.kind == "local_supplier_exists"
        and o.category == truth["label"]
        and any(s["supplier_id"] in local_keys for s in o.suppliers)
    ]
    assert len(exists) == 1
    (candidate,) = [s for s in exists[0].suppliers if s["supplier_id"] in local_keys]
    assert candidate["impact"] is True  # the social-enterprise registry lists it
    assert candidate["sells_to"] == [local["used_by"]]
    assert candidate["spend"] == Decimal(local["spend"])
    shares = [
        o
        for o in ops
        if o.kind == "share_a_supplier" and o.suppliers[0]["supplier_id"] in local_keys
    ]
    assert {o.category for o in shares} == {truth["label"]}
    assert {o.evidence["used_by"] for o in shares} == {local["used_by"]}
    assert sorted(b for o in shares for b in o.evidence["buyers"]) == sorted(
        truth["buy_only_non_local"]
    )


def test_catch_alls_are_not_ranked_and_every_category_names_its_parent(demo: Path) -> None:
    """ "17 anchors buy Not Elsewhere Classified from..." told a coordinator nothing: a catch-all
    is marked to classify first and comes after every opportunity that can be acted on."""
    from anchorkit.classify.taxonomy import load_taxonomy

    _, ops, _, _ = found(demo)
    taxonomy = load_taxonomy()
    flags = [o.needs_classification for o in ops]
    assert flags == sorted(flags), "an opportunity to classify first is ranked above one to act on"
    assert not flags[0]
    for o in ops:
        assert (o.code in taxonomy.catch_alls) == o.needs_classification or o.code is None
        if o.code is not None:
            c = taxonomy.get(o.code)
            assert o.category == category_label(c.level1, c.level2 if c.level > 1 else None)
        assert o.next_steps, o
        if o.needs_classification:
            assert "classify" in o.next_steps[0].lower()
    assert any(o.needs_classification for o in ops), "the demo classifies some lines as NEC"
    assert not any(o.category == "Not Elsewhere Classified" for o in ops)


def test_next_steps_name_whom_to_talk_to_and_the_portal_postings(demo: Path) -> None:
    from anchorkit.records.appdb import database_url, open_app_db
    from anchorkit.views.opportunities import opportunity_list
    from anchorkit.views.store import Store

    truth, _, incumbent, _ = found(demo)
    joint = truth["joint_procurement"]
    with Workspace.open(demo) as ws:
        rows = opportunity_list(Store(ws), None, open_app_db(database_url(demo)))
    (hit,) = [
        o
        for o in rows
        if o["kind"] == "joint_procurement" and o["suppliers"][0]["supplier_id"] in incumbent
    ]
    steps = " ".join(hit["next_steps"])
    assert all(a in steps for a in joint["anchors"])
    assert truth["local_supplier"]["name"].split()[0].lower() in steps.lower()
    # the demo posts a security purchase in the portal: it is named as the moment to act
    postings = json.loads((demo / "truth" / "postings.json").read_text("utf-8"))
    titles = {p["title"] for p in postings if p["sector"] == truth["sector"]}
    assert titles and {p["title"] for p in hit["postings"]} >= titles
    assert "Upcoming in the portal" in steps

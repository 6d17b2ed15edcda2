"""Supplier resolution end to end: clusters, stable ids, people's decisions, demo truth."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.cli import app
from anchorkit.errors import ResolveError, ReviewError
from anchorkit.ingest import UserMapping, ingest_files
from anchorkit.resolve.quality import pairwise_scores
from anchorkit.resolve.review import list_items, merge, split
from anchorkit.resolve.run import resolve
from anchorkit.workspace import Workspace

HEADER = "Supplier,Amount,Date,Postcode\n"
HOSPITAL = HEADER + (
    "ACME Cleaning Inc.,100.00,2023-04-03,M5V 2T6\n"
    "Blue Kitchen Co-operative,50.00,2023-04-04,M4C 1A1\n"
    "Northern Lights Electrical Ltd,75.00,2023-04-05,L1V 5L6\n"
)
COLLEGE = HEADER + (
    "Acme Cleaning,200.00,2023-05-03,M5V2T6\n"
    "BLUE KITCHEN CO-OPERATIVE,60.00,2023-05-04,M4C 1A1\n"
    "Harbour Print Shop,10.00,2023-05-05,M6K 3P1\n"
)
CITY = HEADER + (
    "ACME CLEANING LIMITED,300.00,2023-06-03,M5V 2T6\n"
    "Northern Lights Electrical Limited,80.00,2023-06-05,L1V 5L6\n"
    "Harbour Print Shop Inc,20.00,2023-06-06,M6K 3P1\n"
)


def _network(tmp_path: Path) -> Workspace:
    ws = Workspace.init(tmp_path / "ws")
    for name, kind, text in (
        ("Hospital", "hospital", HOSPITAL),
        ("College", "college", COLLEGE),
        ("City", "municipality", CITY),
    ):
        ws.add_anchor(name, kind)
        path = tmp_path / f"{name}.csv"
        path.write_text(text)
        assert ingest_files(ws, [path], name)[0].error is None
    return ws


def _supplier_of(ws: Workspace) -> dict[str, str]:
    rows = ws.engine.query(
        "t", "SELECT supplier_name, any_value(supplier_id) FROM spend_line GROUP BY supplier_name"
    )
    return dict(rows)


def test_spellings_across_anchors_become_one_supplier(tmp_path: Path) -> None:
    ws = _network(tmp_path)
    result = resolve(ws)
    assert result.lines_assigned == 9
    s = _supplier_of(ws)
    assert s["ACME Cleaning Inc."] == s["Acme Cleaning"] == s["ACME CLEANING LIMITED"]
    assert s["Blue Kitchen Co-operative"] == s["BLUE KITCHEN CO-OPERATIVE"]
    assert s["Northern Lights Electrical Ltd"] == s["Northern Lights Electrical Limited"]
    assert s["Harbour Print Shop"] == s["Harbour Print Shop Inc"]
    assert len(set(s.values())) == 4
    assert Path(str(result.model_path)).exists()
    model = json.loads(Path(str(result.model_path)).read_text())
    assert model["link_type"] == "dedupe_only"


def test_supplier_ids_are_stable_across_reruns_and_new_files(tmp_path: Path) -> None:
    ws = _network(tmp_path)
    resolve(ws)
    before = _supplier_of(ws)
    again = resolve(ws)
    assert _supplier_of(ws) == before
    assert again.new_suppliers == 0
    extra = tmp_path / "more.csv"
    extra.write_text(
        HEADER + "Acme Cleaning Ltd,5.00,2023-07-01,M5V 2T6\nBrand New Co,1.00,2023-07-02,\n"
    )
    ingest_files(ws, [extra], "City")
    third = resolve(ws)
    after = _supplier_of(ws)
    assert {k: after[k] for k in before} == before
    assert after["Acme Cleaning Ltd"] == before["Acme Cleaning"]
    assert third.new_suppliers == 1


def test_decisions_survive_every_rerun(tmp_path: Path) -> None:
    ws = _network(tmp_path)
    resolve(ws)
    s = _supplier_of(ws)
    # a person says Harbour Print Shop and Blue Kitchen are one (say, an acquisition)...
    merge(ws, s["Harbour Print Shop"], s["Blue Kitchen Co-operative"], by="person:test")
    for _ in range(2):
        resolve(ws)
        merged = _supplier_of(ws)
        assert merged["Harbour Print Shop"] == merged["Blue Kitchen Co-operative"]
        assert merged["Harbour Print Shop Inc"] == merged["Harbour Print Shop"]
    # ...then changes their mind: the latest word wins, on every later run
    split(ws, merged["Harbour Print Shop"], "Harbour Print Shop", by="person:test")
    for _ in range(2):
        resolve(ws)
        now = _supplier_of(ws)
        assert now["Harbour Print Shop"] != now["Blue Kitchen Co-operative"]
        assert now["Harbour Print Shop Inc"] == now["Harbour Print Shop"]


def test_split_refuses_what_cannot_be_told_apart(tmp_path: Path) -> None:
    ws = _network(tmp_path)
    resolve(ws)
    s = _supplier_of(ws)
    with pytest.raises(ReviewError, match="cannot be told apart, nothing to split"):
        split(ws, s["Harbour Print Shop"], "Harbour Print Shop Inc", by="person:test")


def test_cli_resolve_review_and_supplier(tmp_path: Path) -> None:
    ws = _network(tmp_path)
    root = str(ws.root)
    ws.close()
    runner = CliRunner()
    result = runner.invoke(app, ["-w", root, "resolve", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["suppliers"] == 4 and data["lines_assigned"] == 9
    listed = json.loads(runner.invoke(app, ["-w", root, "supplier", "list", "--json"]).stdout)
    acme = next(s for s in listed if "acme" in s["name"].lower())
    assert acme["lines"] == 3 and acme["anchors"] == 3 and acme["spend"] == "600.00"
    shown = json.loads(
        runner.invoke(app, ["-w", root, "supplier", "show", acme["supplier_id"], "--json"]).stdout
    )
    assert len(shown["spellings"]) == 3
    assert runner.invoke(app, ["-w", root, "review", "list"]).exit_code == 0
    bad = runner.invoke(app, ["-w", root, "review", "accept", "nope"])
    assert bad.exit_code == 1 and "No review item" in bad.output


def test_dedupe_cli(tmp_path: Path) -> None:
    src = tmp_path / "names.csv"
    src.write_text(
        "id,name,postcode\n1,ACME Cleaning Inc.,M5V 2T6\n2,Acme Cleaning,M5V2T6\n"
        "3,Blue Kitchen,M4C 1A1\n4,The Blue Kitchen,M4C 1A1\n5,Zed Holdings,\n"
    )
    out = tmp_path / "out.csv"
    result = CliRunner().invoke(
        app,
        [
            "dedupe",
            str(src),
            "--column",
            "name",
            "--id-column",
            "id",
            "--extra-columns",
            "postcode",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    with out.open() as handle:
        rows = list(csv.DictReader(handle))
    assert [r["id"] for r in rows] == ["1", "2", "3", "4", "5"]
    assert set(rows[0]) >= {"id", "name", "postcode", "cluster_id", "match_probability"}
    cluster = {r["id"]: r["cluster_id"] for r in rows}
    assert cluster["1"] == cluster["2"] != cluster["3"] == cluster["4"] != cluster["5"]
    assert rows[4]["match_probability"] == ""


def test_pairwise_scores_worked_by_hand() -> None:
    # truth: {a,b,c} {d}; predicted: {a,b} {c,d} -> correct pairs: ab; made: ab, cd; true: ab ac bc
    scores = pairwise_scores(
        {"a": 1, "b": 1, "c": 2, "d": 2}, {"a": "x", "b": "x", "c": "x", "d": "y"}
    )
    assert (scores.correct_pairs, scores.predicted_pairs, scores.true_pairs) == (1, 2, 3)
    assert scores.precision == 0.5 and scores.recall == pytest.approx(1 / 3)


def test_a_registry_id_used_as_vendor_id_settles_the_match(tmp_path: Path) -> None:
    from anchorkit.resolve.registries import import_registry

    ws = Workspace.init(tmp_path / "ws")
    ws.add_anchor("City", "municipality")
    spend = tmp_path / "spend.csv"
    spend.write_text(
        "Supplier,Company Number,Amount,Date\nAcme FM Services,07689604,10.00,2023-04-01\n"
    )
    assert ingest_files(ws, [spend], "City")[0].error is None
    coops = tmp_path / "coops.csv"
    coops.write_text(
        "Registered Name,Registered Number,Registered Postcode\n"
        "Acme Facilities Management Co-operative,GB-COH-07689604,PR1 2AB\n"
        "Other Workers Co-operative,GB-COH-01234567,BB5 1AA\n"
    )
    assert import_registry(ws, coops, "test-coops", ["co_op"]).error is None
    resolve(ws)
    (tags,) = ws.engine.query_one(
        "t",
        "SELECT list(DISTINCT g.tag) FROM spend_line l JOIN supplier_tag g USING (supplier_id)",
    )
    assert tags == ["co_op"]


def test_a_shared_vendor_id_never_merges_names_that_disagree(tmp_path: Path) -> None:
    """Issue 10: a running counter read as the vendor id must not chain unrelated suppliers.

    Two rows of one anchor carry the same "vendor id" 3 under names that have nothing in common;
    a third row repeats the first name under the same id. The two suppliers stay apart, the pair
    waits for a person with the reason, and ``supplier show`` says what tied each spelling.
    """
    ws = Workspace.init(tmp_path / "ws")
    ws.add_anchor("Council", "municipality")
    spend = tmp_path / "spend.csv"
    spend.write_text(
        "Supplier,Vendor ID,Amount,Date\n"
        "Acme Cleaning Inc,3,10.00,2023-04-01\n"
        "Harbour Print Shop,3,20.00,2023-04-02\n"
        "ACME CLEANING,3,30.00,2023-04-03\n"
        "Northern Lights Electrical,4,40.00,2023-04-04\n"
    )
    # the ingest would not read a value standing for two names as a vendor id (see
    # tests/ingest/test_recognition.py); a person names it: resolve must still hold
    mapping = UserMapping(columns={"supplier_ref": "Vendor ID"})
    assert ingest_files(ws, [spend], "Council", mapping=mapping)[0].error is None
    assert {r[0] for r in ws.engine.query("r", "SELECT supplier_ref FROM spend_line")} == {"3", "4"}
    resolve(ws)
    supplier = _supplier_of(ws)
    assert supplier["Acme Cleaning Inc"] == supplier["ACME CLEANING"]
    assert supplier["Acme Cleaning Inc"] != supplier["Harbour Print Shop"]
    items = list_items(ws)
    waiting = [
        {i.left["name"], i.right["name"]} for i in items if i.reason and "names differ" in i.reason
    ]
    assert any("Harbour Print Shop" in names for names in waiting), [i.to_json() for i in items]
    ws.close()
    shown = CliRunner().invoke(
        app,
        ["--workspace", str(ws.root), "supplier", "show", supplier["Harbour Print Shop"], "--json"],
    )
    assert shown.exit_code == 0, shown.output
    (spelling,) = json.loads(shown.stdout)["spellings"]
    assert spelling["name"] == "Harbour Print Shop"
    assert spelling["merged_by"]


def test_blocking_guard_stops_before_memory_runs_out(tmp_path: Path) -> None:
    ws = _network(tmp_path)
    typo = tmp_path / "typo.csv"
    typo.write_text(HEADER + "Acme Claening,1.00,2023-08-01,M5V 2T6\n")
    ingest_files(ws, [typo], "City")
    ws.close()
    toml = ws.root / "anchorkit.toml"
    toml.write_text(toml.read_text() + "\nresolve.max_comparisons = 0\n")
    with Workspace.open(ws.root) as again, pytest.raises(ResolveError, match="max_comparisons"):
        resolve(again)
    with Workspace.open(ws.root) as again:
        assert again.engine.query_one("t", "SELECT count(*) FROM supplier") == (0,)

"""The analytic model is never read stale: every change of the data or of a setting that decides a
line shows in the next figure, and only the anchors whose lines changed are built again. Worked on
tests/analytics/test_indicators.py's small network, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pytest

from anchorkit.analytics import compute_indicators, model
from anchorkit.analytics.indicators import compute_breakdowns
from anchorkit.ingest import ingest_files
from anchorkit.settings import Settings, write_setting
from anchorkit.workspace import SETTINGS_FILE, Workspace
from tests.analytics.test_indicators import _network
from tests.ingest.helpers import write


@pytest.fixture
def network(tmp_path: Path) -> Iterator[Workspace]:
    yield from _network(tmp_path)


@pytest.fixture
def engine_network(engine: str, tmp_path: Path) -> Iterator[Workspace]:
    yield from _network(tmp_path)


def built(monkeypatch: pytest.MonkeyPatch) -> list[list[int] | None]:
    """Each build's anchors from now on (None: every anchor)."""
    calls: list[list[int] | None] = []
    real = model.build

    def spy(ws: Workspace, anchors: list[int] | None, **kwargs: object) -> None:
        calls.append(None if anchors is None else list(anchors))
        real(ws, anchors, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(model, "build", spy)
    return calls


def with_settings(ws: Workspace, **changed: object) -> Workspace:
    """The workspace as a command sees it after ``changed`` was written to anchorkit.toml."""
    values = {**ws.settings.values, **{k.replace("__", "."): v for k, v in changed.items()}}
    return Workspace(ws.root, Settings(values), ws.engine)


def test_a_setting_that_decides_a_line_shows_at_once(engine_network: Workspace) -> None:
    ws = engine_network
    assert compute_indicators(ws).network["local_spend"] == Decimal("1600.00")
    # BB1 joins the local area: Blackburn Print's 1200 becomes local
    wider = with_settings(ws, local__postcode_prefixes=["PR", "BB5", "BB1"])
    assert compute_indicators(wider).network["local_spend"] == Decimal("2800.00")
    # and the old setting again: the model follows it back
    assert compute_indicators(ws).network["local_spend"] == Decimal("1600.00")
    # a January fiscal year: 2023-04-10 … 2023-09-02 stay 2023, 2024-04-02 stays 2024, but the
    # April start put nothing in 2022; with a July start the April-June 2023 lines fall in 2022
    july = with_settings(ws, fiscal_year__start="07-01")
    years = {r["year"]: r["lines"] for r in compute_indicators(july, by="year").rows}
    # 2023-04-10, 05-10, 06-10, 06-11 → 2022; 07-01, 09-01, 09-02 → 2023; 2024-04-02 → 2023
    assert years == {2022: 4, 2023: 4}
    # excluded categories are read from the settings too
    less = with_settings(ws, indicators__excluded_categories=[])
    assert compute_indicators(less).network["addressable_spend"] == Decimal("16499.00")


def test_a_setting_written_to_the_file_shows_in_the_next_command(network: Workspace) -> None:
    root = network.root
    assert compute_indicators(network).network["local_spend"] == Decimal("1600.00")
    network.close()
    write_setting(root / SETTINGS_FILE, "local.postcode_prefixes", ["PR", "BB5", "BB1"])
    with Workspace.open(root) as ws:
        assert compute_indicators(ws).network["local_spend"] == Decimal("2800.00")


def test_only_the_anchor_whose_lines_changed_is_built_again(
    network: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = network
    compute_indicators(ws)
    calls = built(monkeypatch)
    compute_indicators(ws)
    assert calls == []  # nothing changed: nothing built
    college = ws.anchor("College").anchor_id
    more = "Supplier,Amount,Date,Postcode\nPreston Bakery Ltd,50.00,2023-10-01,PR1 2AB\n"
    assert ingest_files(ws, [write(tmp_path, "more.csv", more)], "College")[0].error is None
    rows = {r["anchor"]: r for r in compute_indicators(ws, by="anchor").rows}
    assert calls == [[college]]
    assert rows["College"]["local_spend"] == Decimal("350.00")
    assert rows["Hospital"]["local_spend"] == Decimal("1300.00")
    # a line removed (as `anchorkit remove` would): the figure drops at once
    ws.engine.run("t", "DELETE FROM spend_line WHERE supplier_name = 'Blackburn Print'")
    rows = {r["anchor"]: r for r in compute_indicators(ws, by="anchor").rows}
    assert calls == [[college], [college]]
    assert rows["College"]["total_spend"] == Decimal("350.00")


def test_categories_resolution_and_tags_are_seen(
    network: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = network
    hospital = ws.anchor("Hospital").anchor_id
    compute_indicators(ws)
    calls = built(monkeypatch)
    # a category for one hospital line, as `anchorkit classify` writes them: only its anchor
    ws.engine.run(
        "t",
        "INSERT INTO line_category SELECT line_id, 'X', 'Payroll', NULL, 'rule', 1, 'test' "
        "FROM spend_line WHERE supplier_name = 'National Supplies plc'",
    )
    ws.engine.run("t", "UPDATE spend_line SET supplier_id = NULL")  # no-op on content
    with_payroll = with_settings(ws, indicators__excluded_categories=["taxes", "payroll"])
    assert compute_indicators(with_payroll).network["excluded_spend"] == Decimal("12999.00")
    assert calls[0] is None  # a setting that decides lines changed: every anchor
    compute_indicators(ws)
    calls.clear()
    ws.engine.run("t", "DELETE FROM line_category")
    assert compute_indicators(ws).network["excluded_spend"] == Decimal("9999.00")
    assert calls == [[hospital]]
    # a tag (resolution and registries write these): impact spend follows
    ws.engine.run(
        "t", "UPDATE spend_line SET supplier_id = 'S1' WHERE supplier_name LIKE 'Preston%'"
    )
    ws.engine.run("t", "INSERT INTO supplier (supplier_id, name, name_key) VALUES ('S1', 'P', 'P')")
    ws.engine.run(
        "t",
        "INSERT INTO supplier_tag VALUES ('S1', 'social_enterprise', 'test', NULL, "
        "DATE '2023-05-01', NULL)",
    )
    net = compute_indicators(ws).network
    # from 2023-05-01: the credit (-200, 05-10) and the college's 300 (09-01), not 04-10's 1000
    assert net["impact_spend"] == Decimal("100.00")
    assert net["tag_shares"] == {"social_enterprise": round(100 / 6500, 6)}


def test_another_connection_to_the_store_is_seen(network: Workspace) -> None:
    """Two workspaces open on one store in one process: a write through one is seen by the
    other's next figure (their changes are counted together)."""
    before = compute_indicators(network).network["total_spend"]
    other = Workspace.open(network.root)
    try:
        other.engine.run("t", "DELETE FROM spend_line WHERE supplier_name = 'HMRC'")
    finally:
        other.close()
    assert compute_indicators(network).network["total_spend"] == before - Decimal("9999.00")


def test_the_model_holds_every_line_once(network: Workspace) -> None:
    compute_breakdowns(network, [])
    lines, kinds = network.engine.query_one(
        "t",
        "SELECT count(*), count(DISTINCT l.kind) FROM model_line l "
        "JOIN model_cell c ON c.anchor_id = l.anchor_id AND c.kind = l.kind",
    )
    (cells, summed) = network.engine.query_one("t", "SELECT count(*), sum(lines) FROM model_cell")
    assert lines == summed == 8 and kinds == cells

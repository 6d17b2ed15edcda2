"""Classification: evidence weighed together, the reasons kept, confirmed mappings, unsure lines.

Hand-made lines against the shipped taxonomy, rules and examples; every expected code is read off
``data/taxonomy/categories.csv`` (371000 Utilities > Electricity, 371100 Utilities > Gas, 321000
Social Care - Adult, 321100 Social Care - Children, 901000 Not a Purchase > Precepts & Levies).
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.analytics import compute_indicators
from anchorkit.classify import (
    Classifier,
    LineKey,
    classify,
    explain_line,
    make_classifier,
    map_category,
)
from anchorkit.classify.decide import Mapping
from anchorkit.classify.run import sector_of
from anchorkit.cli import app
from anchorkit.errors import CategoryError
from anchorkit.workspace import Workspace
from tests.classify.lines import key
from tests.ingest.helpers import ingest_one, write


def family(classifier: Classifier, code: str | None) -> str | None:
    return classifier.taxonomy.categories[code].level1_code if code else None


def test_mapping_beats_the_evidence_for_its_anchor_only(classifier: Classifier) -> None:
    classifier.mappings = {(1, "utilities"): Mapping("371100", "Utilities", "person:ana")}
    try:
        mapped, other_anchor = classifier.decide(
            [
                key(" UTILITIES ", "Hydro electric - March"),
                LineKey(2, "Utilities", "Hydro electric - March", None, None),
            ]
        )
    finally:
        classifier.mappings = {}
    assert (mapped.code, mapped.method, mapped.confidence) == ("371100", "mapping", 1.0)
    assert "confirmed mapping of raw category 'Utilities' (person:ana)" in mapped.evidence
    # another anchor's lines are not covered by this anchor's mapping: the evidence decides
    assert (other_anchor.code, other_anchor.method) == ("371000", "rule")


def test_the_evidence_is_kept_in_words(classifier: Classifier) -> None:
    (d,) = classifier.decide([key(None, "Hydro electric - March", "Acme")])
    assert d.code == "371000" and d.method == "rule"
    assert "rule 'electricity' matched 'hydro electric' in the description" in d.evidence
    assert d.scored is not None and {e.source for e in d.scored.evidence} >= {"rule", "text_model"}


def test_neighbours_in_other_fields_are_context(classifier: Classifier) -> None:
    """'Residential care fees' is adult care, unless the cost centre says children's homes."""
    adult, children = classifier.decide(
        [
            key(None, "Residential care fees", "Care Ltd", "Older People 85+"),
            key(None, "Residential care fees", "Care Ltd", "Children's Homes"),
        ]
    )
    assert family(classifier, adult.code) == "321000"
    assert family(classifier, children.code) == "321100"


def test_the_suppliers_other_lines_speak_for_a_line_with_no_words(classifier: Classifier) -> None:
    lines = [
        LineKey(1, "Electricity", None, "S1", "Northern Power Co", lines=5),
        LineKey(1, "Electricity - street lighting", None, "S1", "Northern Power Co", lines=3),
        LineKey(1, "GL 52310", None, "S1", "Northern Power Co"),  # nothing the text says
    ]
    *_, quiet = classifier.decide(lines)
    assert family(classifier, quiet.code) == "370000" and quiet.method == "supplier"
    assert "100% of the supplier's other lines read as Utilities" in quiet.evidence


def test_a_registry_sector_is_evidence(classifier: Classifier) -> None:
    sector = sector_of("uk_sic", "35110", classifier.taxonomy)  # production of electricity
    assert sector is not None and family(classifier, sector.code) == "370000"
    classifier.sectors = {"S9": [sector]}
    try:
        (d,) = classifier.decide([LineKey(1, "GL 52310", None, "S9", "Zed Ltd")])
    finally:
        classifier.sectors = {}
    assert family(classifier, d.code) == "370000"
    assert "registry sector UK SIC 35110" in d.evidence


def test_unsure_stays_unclassified_with_the_best_guess(classifier: Classifier) -> None:
    strict = make_classifier(classifier.taxonomy, model=classifier.model, min_confidence=0.95)
    sure, unsure = strict.decide([LineKey(1, "GL 52310", None, None, None), key("Natural gas")])
    assert (sure.code, sure.method) == (None, "none")
    assert unsure.code is None and unsure.evidence.startswith("unclassified (best guess Utilities")


SPEND = (
    "Supplier,Amount,Date,Category,Description\n"
    "Toronto Hydro,100.00,2023-04-10,Utilities,Hydro electric\n"
    "Toronto Hydro,110.00,2023-05-10,Utilities,Hydro electric\n"
    "Enbridge,50.00,2023-05-10,Utilities,Natural gas\n"
    "Sparkle Ltd,70.00,2023-05-11,Janitorial Svcs,Monthly\n"
    "Acme,80.00,2023-05-12,GL 52310,\n"
    "Acme,90.00,2023-05-13,gl  52310,\n"
    "Upton Parish Council,400.00,2023-05-14,Parish precept,First half\n"
)


def _categories(ws: Workspace) -> dict[int, tuple[object, ...]]:
    rows = ws.engine.query("t", "SELECT line_id, code, method, evidence FROM line_category")
    return {r[0]: r[1:] for r in rows}


def test_confirmed_mapping_changes_exactly_the_lines_it_covers(
    ws: Workspace, tmp_path: Path
) -> None:
    ingest_one(ws, write(tmp_path, "spend.csv", SPEND))
    first = classify(ws)
    assert first.lines == 7 and first.model_retrained
    assert (first.not_a_purchase, first.not_a_purchase_spend) == (1, "400.00")
    before = _categories(ws)
    assert len(before) == 7  # every line has a row, classified or not
    result = map_category(ws, "GL 52310", "201400", "Test Hospital", by="person:test")
    assert (
        result.lines_covered == 2
        and result.path == "Financial Services > Council Tax & Business Rates"
    )
    second = classify(ws)
    assert not second.model_retrained
    after = _categories(ws)
    changed = {line for line in before if before[line] != after[line]}
    covered = {
        r[0]
        for r in ws.engine.query(
            "t",
            "SELECT line_id FROM spend_line WHERE upper(replace(raw_category, ' ', '')) = 'GL52310'",
        )
    }
    assert changed == covered and len(covered) == 2
    assert all(after[line][:2] == ("201400", "mapping") for line in covered)
    # and a third run changes nothing; --retrain teaches the model the mapping
    classify(ws)
    assert _categories(ws) == after
    assert classify(ws, retrain=True).model_retrained


def test_unclassified_lines_are_reported_with_their_spend(ws: Workspace, tmp_path: Path) -> None:
    ingest_one(ws, write(tmp_path, "spend.csv", SPEND))
    ws.settings = replace(
        ws.settings, values={**ws.settings.values, "classify.min_confidence": 0.99}
    )
    result = classify(ws)
    assert result.unclassified == 7 and result.unclassified_spend == "900.00"
    (rows,) = ws.engine.query_one("t", "SELECT count(*) FROM line_category WHERE code IS NULL")
    assert rows == 7


def test_explain_shows_the_evidence_and_scores(ws: Workspace, tmp_path: Path) -> None:
    ingest_one(ws, write(tmp_path, "spend.csv", SPEND))
    classify(ws)
    (line_id,) = ws.engine.query_one(
        "t", "SELECT line_id FROM spend_line WHERE description = 'Natural gas'"
    )
    found = explain_line(ws, line_id)
    assert (found["code"], found["stored"]["code"]) == ("371100", "371100")
    assert found["families"][0]["code"] == "370000"
    sources = {e["source"] for e in found["evidence"]}
    assert {"rules on the text", "text model"} <= sources
    assert any(
        e["detail"].startswith("rule 'gas' matched 'natural gas'") for e in found["evidence"]
    )
    with pytest.raises(CategoryError, match="no spend line 999999"):
        explain_line(ws, 999_999)


def test_not_a_purchase_is_left_out_of_addressable_spend(ws: Workspace, tmp_path: Path) -> None:
    ingest_one(ws, write(tmp_path, "spend.csv", SPEND))
    classify(ws)
    network = compute_indicators(ws).network
    assert network["not_a_purchase_spend"] == Decimal("400.00")
    assert network["addressable_spend"] == network["total_spend"] - Decimal("400.00")
    ws.settings = replace(
        ws.settings, values={**ws.settings.values, "indicators.exclude_not_a_purchase": False}
    )
    kept = compute_indicators(ws).network
    assert kept["addressable_spend"] == kept["total_spend"]
    assert kept["not_a_purchase_spend"] == Decimal("400.00")  # shown apart either way


def test_unknown_code_is_refused_with_a_hint(ws: Workspace) -> None:
    with pytest.raises(CategoryError, match="category list"):
        map_category(ws, "Snacks", "999998", "Test Hospital", by="person:test")


def test_the_cli_classifies_and_explains(ws: Workspace, tmp_path: Path) -> None:
    ingest_one(ws, write(tmp_path, "spend.csv", SPEND))
    runner = CliRunner()
    base = ["--workspace", str(ws.root)]
    done = runner.invoke(app, [*base, "classify", "--json"])
    assert done.exit_code == 0, done.output
    result = json.loads(done.output)
    assert result["lines"] == 7 and result["not_a_purchase_spend"] == "400.00"
    assert {"unclassified", "unclassified_spend", "min_confidence"} <= set(result)
    (line_id,) = ws.engine.query_one(
        "t", "SELECT line_id FROM spend_line WHERE raw_category = 'Parish precept'"
    )
    explained = runner.invoke(app, [*base, "classify", "--explain", str(line_id), "--json"])
    assert explained.exit_code == 0, explained.output
    found = json.loads(explained.output)
    assert found["code"] == "901000" and found["families"][0]["name"] == "Not a Purchase"
    text = runner.invoke(
        app, [*base, "classify", "--explain", str(line_id)], env={"COLUMNS": "200"}
    )
    assert text.exit_code == 0 and "rule 'precepts' matched 'parish precept'" in text.output

"""Classification: the order of the stages, the explanation of each decision, confirmed mappings.

Hand-made lines against the shipped taxonomy and rules; every expected code is read off
``data/taxonomy/categories.csv`` (371000 Utilities > Electricity, 371100 Utilities > Gas,
381400 Vehicle Management > Maintenance, 391100 Works > Buildings).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from anchorkit.classify import Classifier, LineKey, classify, load_taxonomy, map_category
from anchorkit.classify.decide import Mapping
from anchorkit.classify.model import TextModel
from anchorkit.classify.rules import RuleSet
from anchorkit.errors import CategoryError
from anchorkit.workspace import Workspace
from tests.ingest.helpers import ingest_one, write


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    tax = load_taxonomy()
    clf = Classifier(tax, RuleSet.from_taxonomy(tax))
    clf.model = TextModel.fit(
        ["electricity | npower", "gas | british gas", "training | college"],
        ["371000", "371100", "261500"],
        tax,
    )
    return clf


def key(raw: str | None, desc: str | None = None, supplier: str | None = None) -> LineKey:
    return LineKey(1, raw, desc, supplier.upper() if supplier else None, supplier)


def test_mapping_beats_rule(classifier: Classifier) -> None:
    classifier.mappings = {(1, "utilities"): Mapping("371100", "Utilities", "person:ana")}
    try:
        mapped, other_anchor = classifier.decide(
            [
                key(" UTILITIES ", "Hydro electric - March"),
                LineKey(2, "Utilities", "Hydro electric", None, None),
            ]
        )
    finally:
        classifier.mappings = {}
    assert (mapped.code, mapped.method, mapped.confidence) == ("371100", "mapping", 1.0)
    assert "confirmed mapping of raw category 'Utilities' (person:ana)" in mapped.evidence
    # another anchor's lines are not covered by this anchor's mapping: the rule decides
    assert (other_anchor.code, other_anchor.method) == ("371000", "rule")


def test_rule_explains_the_word_and_the_field(classifier: Classifier) -> None:
    (d,) = classifier.decide([key(None, "Hydro electric - March", "Acme")])
    assert (d.code, d.method, d.confidence) == ("371000", "rule", 0.9)
    assert d.evidence == "rule 'electricity' matched 'hydro electric' in the description"


def test_specific_rule_beats_generic_and_abbreviations_expand(classifier: Classifier) -> None:
    (vehicle, generic, abbreviated) = classifier.decide(
        [
            key("Vehicle repairs and maintenance"),
            key("Repairs & Maintenance"),
            key("Janitorial Svcs"),
        ]
    )
    assert (vehicle.code, vehicle.method) == ("381400", "rule")
    assert (generic.code, generic.confidence) == ("391100", 0.6)
    assert (
        abbreviated.evidence
        == "rule 'cleaning-service' matched 'janitorial services' in the raw category"
    )


def test_supplier_name_rule_only_when_the_text_says_nothing(classifier: Classifier) -> None:
    (named, text_wins) = classifier.decide(
        [key("GL 52310", None, "Toronto Hydro"), key("Natural gas", None, "Toronto Hydro")]
    )
    assert (named.code, named.method, named.confidence) == ("371000", "rule", 0.7)
    assert named.evidence.endswith("in the supplier name")
    assert text_wins.code == "371100"


def test_supplier_sector_then_model_then_none(classifier: Classifier) -> None:
    lines = [
        LineKey(1, "Electricity", None, "S1", "Northern Power Co", lines=3),
        LineKey(1, "Gas", None, "S1", "Northern Power Co", lines=1),
        LineKey(1, "GL 52310", None, "S1", "Northern Power Co"),  # nothing a rule knows
        LineKey(1, "GL 52311", None, "S2", "Zed"),  # unknown supplier: the model guesses
        LineKey(1, None, None, None, None),  # nothing at all
    ]
    *_, sector, model, nothing = classifier.decide(lines)
    assert (sector.code, sector.method, sector.confidence) == ("371000", "supplier", 0.6)
    assert sector.evidence == "the supplier's sector: 75% of its 4 rule-classified lines are 371000"
    assert model.method in ("model", "none") and model.evidence.startswith("text model")
    assert (nothing.code, nothing.method) == (None, "none")


SPEND = (
    "Supplier,Amount,Date,Category,Description\n"
    "Toronto Hydro,100.00,2023-04-10,Utilities,Hydro electric\n"
    "Toronto Hydro,110.00,2023-05-10,Utilities,Hydro electric\n"
    "Enbridge,50.00,2023-05-10,Utilities,Natural gas\n"
    "Sparkle Ltd,70.00,2023-05-11,Janitorial Svcs,Monthly\n"
    "Acme,80.00,2023-05-12,GL 52310,\n"
    "Acme,90.00,2023-05-13,gl  52310,\n"
)


def _categories(ws: Workspace) -> dict[int, tuple[object, ...]]:
    rows = ws.engine.query("t", "SELECT line_id, code, method, evidence FROM line_category")
    return {r[0]: r[1:] for r in rows}


def test_confirmed_mapping_changes_exactly_the_lines_it_covers(
    ws: Workspace, tmp_path: Path
) -> None:
    ingest_one(ws, write(tmp_path, "spend.csv", SPEND))
    first = classify(ws)
    assert first.lines == 6 and first.model_retrained
    before = _categories(ws)
    assert len(before) == 6  # every line has a row, classified or not
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
    # and a third run changes nothing
    classify(ws)
    assert _categories(ws) == after


def test_unknown_code_is_refused_with_a_hint(ws: Workspace) -> None:
    with pytest.raises(CategoryError, match="category list"):
        map_category(ws, "Snacks", "999998", "Test Hospital", by="person:test")

"""``anchorkit classify``: every spend line gets a taxonomy category (or "unclassified"), with why.

Lines are decided once per distinct (anchor, raw category, description, supplier) — ledgers repeat
themselves, so ten million lines are a few hundred thousand decisions — and the decisions are
joined back to every line in one SQL step. The table ``line_category`` is rewritten whole on each
run, so running twice gives the same store.

The text model is trained on the first run (and with ``retrain=True``) from the lines confirmed
mappings and rules decided, and kept in ``models/classify.pkl``; later runs reuse it, so confirming
a mapping changes exactly the lines that mapping covers until the model is retrained.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from anchorkit.classify.decide import Classifier, LineKey, Mapping, raw_key
from anchorkit.classify.model import TextModel
from anchorkit.classify.rules import RuleSet
from anchorkit.classify.taxonomy import Taxonomy, taxonomy_for
from anchorkit.errors import CategoryError
from anchorkit.workspace import Workspace

SUPPLIER_KEY = "coalesce(supplier_id, upper(trim(supplier_name)))"
LINE_KEY = (
    "md5(concat_ws(chr(31), anchor_id::VARCHAR, coalesce(raw_category, chr(1)), "
    f"coalesce(description, chr(1)), coalesce({SUPPLIER_KEY}, chr(1)), "
    "coalesce(upper(trim(supplier_name)), chr(1))))"
)
KEYS_TABLE = "__anchorkit__category_keys"


@dataclass
class ClassifyResult:
    lines: int = 0
    decisions: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    unclassified: int = 0
    low_confidence: int = 0
    review_threshold: float = 0.0
    model_trained_on: int | None = None
    model_retrained: bool = False
    taxonomy: str = ""
    seconds: float = 0.0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


def model_path(ws: Workspace) -> Path:
    return ws.root / "models" / "classify.pkl"


def load_mappings(ws: Workspace) -> dict[tuple[int, str], Mapping]:
    rows = ws.engine.query(
        "category_mappings",
        "SELECT anchor_id, raw_key, raw_category, code, decided_by FROM category_mapping",
    )
    return {(a, k): Mapping(code, raw, by) for a, k, raw, code, by in rows}


def _keys(ws: Workspace) -> tuple[list[str], list[LineKey]]:
    table = ws.engine.query_arrow(
        "category_line_keys",
        f"""
        SELECT {LINE_KEY} AS key, anchor_id, raw_category, description,
               {SUPPLIER_KEY} AS supplier_key, any_value(supplier_name) AS supplier_name,
               count(*) AS lines
        FROM spend_line
        GROUP BY ALL
        ORDER BY key
        """,
    )
    cols = table.to_pydict()
    keys = [
        LineKey(a, r, d, s, n, int(c))
        for a, r, d, s, n, c in zip(
            cols["anchor_id"],
            cols["raw_category"],
            cols["description"],
            cols["supplier_key"],
            cols["supplier_name"],
            cols["lines"],
            strict=True,
        )
    ]
    return list(cols["key"]), keys


def build_classifier(ws: Workspace, taxonomy: Taxonomy | None = None) -> Classifier:
    taxonomy = taxonomy or taxonomy_for(ws.settings, ws.root)
    return Classifier(
        taxonomy,
        RuleSet.from_taxonomy(taxonomy),
        mappings=load_mappings(ws),
        min_confidence=float(ws.settings["classify.min_confidence"]),
    )


def classify(ws: Workspace, *, retrain: bool = False) -> ClassifyResult:
    """Classify every spend line and rewrite ``line_category``; returns counts by method."""
    start = time.perf_counter()
    classifier = build_classifier(ws)
    taxonomy = classifier.taxonomy
    threshold = float(ws.settings["classify.review_threshold"])
    result = ClassifyResult(review_threshold=threshold, taxonomy=taxonomy.source)
    ids, keys = _keys(ws)
    path = model_path(ws)
    model = None if retrain else TextModel.load(path)
    if model is None or model.taxonomy_digest != taxonomy.digest:
        texts, codes = classifier.training_data(keys, classifier.first_pass(keys))
        model = TextModel.fit(texts, codes, taxonomy, classifier.rules.examples())
        model.save(path)
        result.model_retrained = True
    classifier.model = model
    result.model_trained_on = model.trained_on
    decisions = classifier.decide(keys)
    level1: list[str | None] = []
    level2: list[str | None] = []
    for d in decisions:
        category = taxonomy.categories.get(d.code) if d.code else None
        level1.append(category.level1 if category else None)
        level2.append(category.level2 if category else None)
    table = pa.table(
        {
            "key": pa.array(ids, pa.string()),
            "code": pa.array([d.code for d in decisions], pa.string()),
            "level1": pa.array(level1, pa.string()),
            "level2": pa.array(level2, pa.string()),
            "method": pa.array([d.method for d in decisions], pa.string()),
            "confidence": pa.array([d.confidence for d in decisions], pa.float64()),
            "evidence": pa.array([d.evidence for d in decisions], pa.string()),
        }
    )
    engine = ws.engine
    engine.register(KEYS_TABLE, table)
    try:
        with engine.transaction():
            engine.run("clear_line_category", "DELETE FROM line_category")
            engine.run(
                "write_line_category",
                f"""
                INSERT INTO line_category
                SELECT s.line_id, k.code, k.level1, k.level2, k.method, k.confidence, k.evidence
                FROM spend_line s JOIN {KEYS_TABLE} k ON k.key = {LINE_KEY}
                """,
            )
            # the code also sits on the ledger line itself, so that pages can sort and filter
            # millions of lines by category without joining the two tables
            engine.run(
                "category_on_spend_line",
                "UPDATE spend_line SET category = c.code FROM line_category c "
                "WHERE c.line_id = spend_line.line_id "
                "AND spend_line.category IS DISTINCT FROM c.code",
            )
    finally:
        engine.unregister(KEYS_TABLE)
    by_method: Counter[str] = Counter()
    for key, d in zip(keys, decisions, strict=True):
        by_method[d.method] += key.lines
        result.lines += key.lines
        if d.code is not None and d.confidence < threshold:
            result.low_confidence += key.lines
    result.by_method = dict(sorted(by_method.items()))
    result.unclassified = by_method.get("none", 0)
    result.decisions = len(keys)
    result.seconds = round(time.perf_counter() - start, 3)
    return result


@dataclass
class MapResult:
    anchor: str
    raw_category: str
    code: str
    path: str
    lines_covered: int


def map_category(ws: Workspace, raw: str, code: str, anchor: str, *, by: str) -> MapResult:
    """Confirm that ``anchor``'s raw category ``raw`` means taxonomy ``code`` (applied at classify)."""
    taxonomy = taxonomy_for(ws.settings, ws.root)
    category = taxonomy.get(code)
    found = ws.anchor(anchor)
    key = raw_key(raw)
    if not key:
        raise CategoryError("Give the raw category to map, as it appears in the anchor's files.")
    engine = ws.engine
    with engine.transaction():
        engine.run(
            "drop_category_mapping",
            "DELETE FROM category_mapping WHERE anchor_id = ? AND raw_key = ?",
            [found.anchor_id, key],
        )
        engine.run(
            "add_category_mapping",
            "INSERT INTO category_mapping (anchor_id, raw_key, raw_category, code, decided_by) "
            "VALUES (?, ?, ?, ?, ?)",
            [found.anchor_id, key, " ".join(raw.split()), category.code, by],
        )
    (covered,) = engine.query_one(
        "mapping_lines_covered",
        "SELECT count(*) FROM spend_line WHERE anchor_id = ? "
        "AND lower(regexp_replace(trim(coalesce(raw_category, '')), '\\s+', ' ', 'g')) = ?",
        [found.anchor_id, key],
    )
    return MapResult(found.name, raw, category.code, category.path, int(covered))


def review_lines(
    ws: Workspace,
    *,
    threshold: float | None = None,
    limit: int | None = 50,
    anchor_id: int | None = None,
) -> list[dict[str, Any]]:
    """Lines below the confidence threshold (and unclassified ones), grouped, most spend first;
    ``anchor_id`` keeps one anchor's (the dashboard shows an anchor user only its own)."""
    cut = float(ws.settings["classify.review_threshold"] if threshold is None else threshold)
    only = "" if anchor_id is None else f"AND s.anchor_id = {int(anchor_id)}"
    rows = ws.engine.query(
        "category_review",
        f"""
        SELECT a.name, s.raw_category, s.description, any_value(s.supplier_name), c.code,
               c.level1, c.level2, c.method, c.confidence, any_value(c.evidence),
               count(*) AS lines, sum(s.amount) AS spend
        FROM line_category c JOIN spend_line s USING (line_id) JOIN anchor a USING (anchor_id)
        WHERE (c.code IS NULL OR c.confidence < ?) {only}
        GROUP BY a.name, s.raw_category, s.description, {SUPPLIER_KEY},
                 c.code, c.level1, c.level2, c.method, c.confidence
        ORDER BY abs(spend) DESC, lines DESC, a.name LIMIT {int(limit) if limit else 1_000_000_000}
        """,
        [cut],
    )
    names = (
        "anchor", "raw_category", "description", "supplier", "code", "level1", "level2",
        "method", "confidence", "evidence", "lines", "spend",
    )  # fmt: skip
    return [dict(zip(names, r, strict=True)) for r in rows]

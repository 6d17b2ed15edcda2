"""``anchorkit classify``: every spend line gets a taxonomy category (or "unclassified"), with why.

Lines are decided once per distinct evidence key — (anchor, raw category, description, cost
centre, supplier): ledgers repeat themselves, so ten million lines are tens of thousands of
decisions — and the decisions are joined back to every line in one SQL step on the key's columns.
The table ``line_category`` is rewritten whole on each run, so running twice gives the same store.

The models are trained on the first run (and with ``retrain=True``) from the labelled examples
shipped with the taxonomy plus the anchors' confirmed mappings, and kept in
``models/classify.pkl``; later runs reuse them, so confirming a mapping changes exactly the lines
that mapping covers until the models are retrained.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from anchorkit.classify.combine import SOURCE_WORDS, explain_rows
from anchorkit.classify.decide import (
    Classifier,
    LineKey,
    Mapping,
    Sector,
    make_classifier,
    model_for,
    raw_key,
)
from anchorkit.classify.examples import Example
from anchorkit.classify.model import TextModel, model_digest, train
from anchorkit.classify.rules import RuleSet
from anchorkit.classify.taxonomy import Taxonomy, crosswalk_rows, taxonomy_for
from anchorkit.errors import CategoryError
from anchorkit.workspace import Workspace

SUPPLIER_KEY = "coalesce(supplier_id, upper(trim(supplier_name)))"
KEYS_TABLE = "__anchorkit__category_keys"
DECISIONS_TABLE = "__anchorkit__category_decisions"
#: The columns that make a line's evidence key (with the supplier key).
KEY_COLUMNS = ("anchor_id", "raw_category", "description", "cost_centre")
NOT_A_PURCHASE = "900000"  # the shipped taxonomy's family of payments that buy nothing
MAPPING_WEIGHT = 5.0  # a confirmed mapping counts as this many labelled lines when retraining
EVIDENCE_CHARS = 240  # what line_category.evidence keeps of a decision's reasons


@dataclass
class ClassifyResult:
    lines: int = 0
    decisions: int = 0
    by_method: dict[str, int] = field(default_factory=dict)
    unclassified: int = 0
    unclassified_spend: str = "0.00"
    not_a_purchase: int = 0
    not_a_purchase_spend: str = "0.00"
    low_confidence: int = 0
    review_threshold: float = 0.0
    min_confidence: float = 0.0
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


# --- the supplier's registry sector -----------------------------------------------------------

_SECTOR_KEY = re.compile(r"(?<![a-z])(sic|naics)(?![a-z])|industry.?code|sector.?code")
_CODE = re.compile(r"(?<!\d)(\d{2,6})(?!\d)")


def _sector_tables() -> dict[str, dict[str, tuple[str, str]]]:
    out: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for r in crosswalk_rows("sector"):
        out[r["scheme"]][r["sector"]] = (r["code"], r["sector_title"])
    return out


def sector_of(scheme: str, code: str, taxonomy: Taxonomy) -> Sector | None:
    """The taxonomy code the sector crosswalk gives a registry code (longest prefix that is in it)."""
    table = _sector_tables().get(scheme, {})
    for n in range(len(code), 1, -1):
        found = table.get(code[:n])
        if found and found[0] in taxonomy.categories:
            return Sector(scheme, code, found[1], found[0])
    return None


def load_sectors(ws: Workspace, taxonomy: Taxonomy) -> dict[str, list[Sector]]:
    """Supplier id → the sectors its linked registry entries carry (a column naming SIC or NAICS
    codes, kept in ``registry_entry.extra`` by the registry import)."""
    rows = ws.engine.query(
        "category_registry_sectors",
        """
        SELECT DISTINCT a.supplier_id, CAST(e.extra AS VARCHAR)
        FROM registry_entry e JOIN supplier_alias a
          ON a.registry = e.registry AND a.supplier_ref = e.entry_id
        WHERE e.extra IS NOT NULL
          AND (lower(CAST(e.extra AS VARCHAR)) LIKE '%sic%'
               OR lower(CAST(e.extra AS VARCHAR)) LIKE '%naics%'
               OR lower(CAST(e.extra AS VARCHAR)) LIKE '%industry%'
               OR lower(CAST(e.extra AS VARCHAR)) LIKE '%sector%')
        ORDER BY 1, 2
        """,
    )
    out: dict[str, list[Sector]] = defaultdict(list)
    for supplier_id, extra in rows:
        try:
            cells = json.loads(extra)
        except (TypeError, ValueError):
            continue
        if not isinstance(cells, dict):
            continue
        for header, value in cells.items():
            name = str(header).lower()
            if value is None or not _SECTOR_KEY.search(name):
                continue
            scheme = "naics" if "naics" in name else "uk_sic"
            for code in _CODE.findall(str(value)):
                found = sector_of(scheme, code, taxonomy)
                if found and found not in out[supplier_id]:
                    out[supplier_id].append(found)
    return dict(out)


# --- building the classifier ------------------------------------------------------------------


def _mapping_examples(mappings: dict[tuple[int, str], Mapping]) -> list[Example]:
    return [
        Example(f"mapping:{anchor}", m.raw_category, None, None, None, m.code, MAPPING_WEIGHT)
        for (anchor, _), m in sorted(mappings.items())
    ]


def _model(
    ws: Workspace, taxonomy: Taxonomy, rules: RuleSet, mappings: dict[tuple[int, str], Mapping],
    *, retrain: bool,
) -> tuple[TextModel | None, bool]:  # fmt: skip
    """The workspace's saved model unless stale or ``retrain``; else trained (and saved).

    The saved model is reused while the taxonomy, its examples and its rules are unchanged — not
    retrained for each new confirmed mapping, so a mapping changes only its own lines until
    ``--retrain``, which teaches the model every confirmed mapping.
    """
    digest = model_digest(taxonomy, taxonomy.examples, rules.examples())
    path = model_path(ws)
    saved = None if retrain else TextModel.load(path, digest)
    if saved is not None:
        return saved, False
    extra = _mapping_examples(mappings)
    model = (
        train(taxonomy, rules.normalise, [*taxonomy.examples, *extra], rules.examples())
        if extra
        else model_for(taxonomy, rules)
    )
    if model is not None:
        model.digest = digest
        model.save(path)
    return model, True


def build_classifier(
    ws: Workspace, taxonomy: Taxonomy | None = None, *, retrain: bool = False
) -> Classifier:
    """The workspace's classifier: its taxonomy, rules, models, mappings and registry sectors."""
    classifier, _ = _build(ws, taxonomy, retrain=retrain)
    return classifier


def _build(
    ws: Workspace, taxonomy: Taxonomy | None = None, *, retrain: bool = False
) -> tuple[Classifier, bool]:
    taxonomy = taxonomy or taxonomy_for(ws.settings, ws.root)
    mappings = load_mappings(ws)
    rules = RuleSet.from_taxonomy(taxonomy)
    model, retrained = _model(ws, taxonomy, rules, mappings, retrain=retrain)
    classifier = make_classifier(
        taxonomy,
        model=model,
        mappings=mappings,
        sectors=load_sectors(ws, taxonomy),
        min_confidence=float(ws.settings["classify.min_confidence"]),
    )
    return classifier, retrained


# --- classifying every line ----------------------------------------------------------------------


def _key_match(line: str, key: str) -> str:
    """SQL: line ``line`` has the evidence key row ``key`` (NULLs equal)."""
    return " AND ".join(
        [f"{line}.anchor_id = {key}.anchor_id"]
        + [f"{line}.{c} IS NOT DISTINCT FROM {key}.{c}" for c in KEY_COLUMNS[1:]]
        + [
            f"coalesce({line}.supplier_id, upper(trim({line}.supplier_name))) "
            f"IS NOT DISTINCT FROM {key}.supplier_key"
        ]
    )


def _line_keys(rows: dict[str, list[Any]]) -> list[LineKey]:
    return [
        LineKey(a, r, d, s, n, int(c), cc)
        for a, r, d, cc, s, n, c in zip(
            rows["anchor_id"],
            rows["raw_category"],
            rows["description"],
            rows["cost_centre"],
            rows["supplier_key"],
            rows["supplier_name"],
            rows["lines"],
            strict=True,
        )
    ]


def classify(ws: Workspace, *, retrain: bool = False) -> ClassifyResult:
    """Classify every spend line and rewrite ``line_category``; returns counts by method."""
    start = time.perf_counter()
    classifier, retrained = _build(ws, retrain=retrain)
    taxonomy = classifier.taxonomy
    threshold = float(ws.settings["classify.review_threshold"])
    result = ClassifyResult(
        review_threshold=threshold,
        min_confidence=classifier.combiner.min_confidence,
        taxonomy=taxonomy.source,
        model_retrained=retrained,
        model_trained_on=classifier.model.trained_on if classifier.model else 0,
    )
    engine = ws.engine
    engine.run(
        "category_keys",
        f"""
        CREATE OR REPLACE TEMP TABLE {KEYS_TABLE} AS
        SELECT row_number() OVER (ORDER BY anchor_id, raw_category, description, cost_centre,
                                           supplier_key) AS key_no, *
        FROM (SELECT anchor_id, raw_category, description, cost_centre,
                     {SUPPLIER_KEY} AS supplier_key, min(supplier_name) AS supplier_name,
                     count(*) AS lines, sum(amount) AS spend
              FROM spend_line GROUP BY ALL)
        """,
    )
    try:
        rows = engine.query_arrow(
            "category_key_rows", f"SELECT * FROM {KEYS_TABLE} ORDER BY key_no"
        ).to_pydict()
        keys = _line_keys(rows)
        decisions = classifier.decide(keys)
        cats = taxonomy.categories
        table = pa.table(
            {
                "key_no": pa.array(rows["key_no"], pa.int64()),
                "code": pa.array([d.code for d in decisions], pa.string()),
                "level1": pa.array(
                    [cats[d.code].level1 if d.code else None for d in decisions], pa.string()
                ),
                "level2": pa.array(
                    [cats[d.code].level2 if d.code else None for d in decisions], pa.string()
                ),
                "method": pa.array([d.method for d in decisions], pa.string()),
                "confidence": pa.array([d.confidence for d in decisions], pa.float64()),
                "evidence": pa.array([_short(d.evidence) for d in decisions], pa.string()),
            }
        )
        engine.register(DECISIONS_TABLE, table)
        try:
            with engine.transaction():
                engine.run("clear_line_category", "DELETE FROM line_category")
                engine.run(
                    "write_line_category",
                    f"""
                    INSERT INTO line_category
                    SELECT s.line_id, d.code, d.level1, d.level2, d.method, d.confidence,
                           d.evidence
                    FROM spend_line s JOIN {KEYS_TABLE} k ON {_key_match("s", "k")}
                    JOIN {DECISIONS_TABLE} d ON d.key_no = k.key_no
                    """,
                )
                # the code also sits on the ledger line itself, so that pages can sort and filter
                # millions of lines by category without joining the two tables
                # (joined to the distinct keys, not to line_category: ten million lines against
                # tens of thousands of keys, not against ten million rows)
                engine.run(
                    "category_on_spend_line",
                    f"""
                    UPDATE spend_line SET category = k.code
                    FROM (SELECT keys.*, d.code FROM {KEYS_TABLE} keys
                          JOIN {DECISIONS_TABLE} d ON d.key_no = keys.key_no) k
                    WHERE {_key_match("spend_line", "k")}
                      AND spend_line.category IS DISTINCT FROM k.code
                    """,
                )
        finally:
            engine.unregister(DECISIONS_TABLE)
    finally:
        engine.run("drop_category_keys", f"DROP TABLE IF EXISTS {KEYS_TABLE}")
    _count(result, keys, rows["spend"], decisions, taxonomy, threshold)
    result.seconds = round(time.perf_counter() - start, 3)
    return result


def _short(evidence: str) -> str:
    return evidence if len(evidence) <= EVIDENCE_CHARS else evidence[: EVIDENCE_CHARS - 1] + "…"


def _count(
    result: ClassifyResult,
    keys: list[LineKey],
    spends: list[Any],
    decisions: list[Any],
    taxonomy: Taxonomy,
    threshold: float,
) -> None:
    by_method: Counter[str] = Counter()
    unclassified = not_a_purchase = Decimal(0)
    for key, spend, d in zip(keys, spends, decisions, strict=True):
        by_method[d.method] += key.lines
        result.lines += key.lines
        amount = Decimal(spend or 0)
        if d.code is None:
            unclassified += amount
        elif taxonomy.categories[d.code].level1_code == NOT_A_PURCHASE:
            result.not_a_purchase += key.lines
            not_a_purchase += amount
        if d.code is not None and d.confidence < threshold:
            result.low_confidence += key.lines
    result.by_method = dict(sorted(by_method.items()))
    result.unclassified = by_method.get("none", 0)
    result.unclassified_spend = f"{unclassified:.2f}"
    result.not_a_purchase_spend = f"{not_a_purchase:.2f}"
    result.decisions = len(keys)


# --- explaining one line ------------------------------------------------------------------------


def explain_line(ws: Workspace, line_id: int) -> dict[str, Any]:
    """The evidence and scores behind one line's category, recomputed with the saved models
    (``classify --explain``), beside what the last run stored."""
    found = ws.engine.query(
        "explain_line",
        """
        SELECT s.line_id, a.name, s.anchor_id, s.raw_category, s.description, s.cost_centre,
               coalesce(s.supplier_id, upper(trim(s.supplier_name))) AS supplier_key, s.supplier_name,
               s.amount, s.paid_on, c.code, c.method, c.confidence, c.evidence
        FROM spend_line s JOIN anchor a USING (anchor_id)
        LEFT JOIN line_category c USING (line_id)
        WHERE s.line_id = ?
        """,
        [int(line_id)],
    )
    if not found:
        raise CategoryError(
            f"There is no spend line {line_id}. Line ids are shown by anchorkit export lines "
            "and on the dashboard's line pages."
        )
    (lid, anchor, anchor_id, raw, desc, cc, supplier_key, supplier, amount, paid_on,
     stored_code, stored_method, stored_conf, stored_evidence) = found[0]  # fmt: skip
    classifier = build_classifier(ws)
    # the supplier's other lines are evidence: decide this line among them
    rows = ws.engine.query_arrow(
        "explain_supplier_keys",
        f"""
        SELECT anchor_id, raw_category, description, cost_centre,
               {SUPPLIER_KEY} AS supplier_key, min(supplier_name) AS supplier_name,
               count(*) AS lines
        FROM spend_line WHERE {SUPPLIER_KEY} IS NOT DISTINCT FROM ?
        GROUP BY ALL ORDER BY 1, 2, 3, 4
        """,
        [supplier_key],
    ).to_pydict()
    keys = _line_keys(rows)
    decisions = classifier.decide(keys)
    mine = (anchor_id, raw, desc, cc)
    index = next(
        i for i, k in enumerate(keys) if (k.anchor_id, k.raw_category, k.description,
                                          k.cost_centre) == mine
    )  # fmt: skip
    decision = decisions[index]
    taxonomy = classifier.taxonomy
    out: dict[str, Any] = {
        "line_id": lid,
        "anchor": anchor,
        "paid_on": str(paid_on),
        "amount": f"{amount:.2f}",
        "raw_category": raw,
        "description": desc,
        "cost_centre": cc,
        "supplier": supplier,
        "stored": {
            "code": stored_code,
            "path": taxonomy.categories[stored_code].path
            if stored_code in taxonomy.categories
            else None,
            "method": stored_method,
            "confidence": stored_conf,
            "evidence": stored_evidence,
        },
        "code": decision.code,
        "path": taxonomy.categories[decision.code].path if decision.code else None,
        "method": decision.method,
        "confidence": decision.confidence,
        "min_confidence": classifier.combiner.min_confidence,
        "summary": decision.evidence,
    }
    scored = decision.scored
    if scored is not None:
        weights = classifier.combiner.weights
        out["score"] = scored.score
        out["families"] = [
            {"code": c, "name": taxonomy.categories[c].name, "score": round(s, 4)}
            for c, s in scored.families[:5]
        ]
        out["candidates"] = explain_rows(scored, taxonomy)
        out["evidence"] = [
            {
                "source": SOURCE_WORDS.get(e.source, e.source),
                "source_weight": weights.get(e.source, 0.0),
                "code": e.code,
                "strength": round(e.strength, 4),
                "detail": e.detail,
            }
            for e in scored.evidence
        ]
        out["unknown_weight"] = weights.get("unknown", 0.0)
    return out


# --- confirmed mappings and review ---------------------------------------------------------------


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

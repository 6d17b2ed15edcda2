"""Deciding a line's category, in a fixed order, with the reason kept (no database here).

The order is the product: (a) the anchor's own confirmed mapping of its raw category, (b) a rule
on the raw category or description (or, failing those, the supplier's name), (c) the supplier's
known sector — what the rules decided for most of its other lines, (d) the text model. The first
that speaks decides; each decision keeps its method, a confidence and a sentence of evidence.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from anchorkit.classify.model import TextModel, line_text
from anchorkit.classify.rules import RuleMatch, RuleSet
from anchorkit.classify.taxonomy import Taxonomy

METHODS = ("mapping", "rule", "supplier", "model", "none")
SUPPLIER_MIN_LINES = 2
SUPPLIER_MIN_SHARE = 0.6
SUPPLIER_CONFIDENCE = 0.8  # times the share of the supplier's lines in its main category


def raw_key(raw: str | None) -> str:
    """How a raw category is matched to a confirmed mapping: case and spacing ignored."""
    return " ".join((raw or "").casefold().split())


@dataclass(frozen=True)
class LineKey:
    """Everything that decides a category; lines sharing it are decided once."""

    anchor_id: int
    raw_category: str | None
    description: str | None
    supplier_key: str | None
    supplier_name: str | None
    lines: int = 1


@dataclass(frozen=True)
class Mapping:
    code: str
    raw_category: str
    decided_by: str


@dataclass
class Decision:
    code: str | None
    method: str
    confidence: float
    evidence: str
    by_supplier_name: bool = False  # a rule on the supplier's name: weak, never taught onward


@dataclass
class Classifier:
    taxonomy: Taxonomy
    rules: RuleSet
    model: TextModel | None = None
    mappings: dict[tuple[int, str], Mapping] = field(default_factory=dict)
    min_confidence: float = 0.2
    _rule_cache: dict[tuple[str | None, str | None, str | None], RuleMatch | None] = field(
        default_factory=dict
    )

    def rule(self, key: LineKey) -> RuleMatch | None:
        text = (key.raw_category, key.description, key.supplier_name)
        if text not in self._rule_cache:
            self._rule_cache[text] = self.rules.match(*text)
        return self._rule_cache[text]

    def first_pass(self, keys: Sequence[LineKey]) -> list[Decision | None]:
        """Stages (a) and (b): what a person or a rule says."""
        out: list[Decision | None] = []
        for key in keys:
            mapped = self.mappings.get((key.anchor_id, raw_key(key.raw_category)))
            if mapped is not None:
                out.append(
                    Decision(
                        mapped.code,
                        "mapping",
                        1.0,
                        f"the anchor's confirmed mapping of raw category {mapped.raw_category!r} "
                        f"({mapped.decided_by})",
                    )
                )
                continue
            hit = self.rule(key)
            if hit is None:
                out.append(None)
                continue
            weak = hit.field == "supplier"
            out.append(Decision(hit.code, "rule", hit.confidence, hit.evidence, weak))
        return out

    def decide(self, keys: Sequence[LineKey]) -> list[Decision]:
        decided = self.first_pass(keys)
        sectors = supplier_sectors(keys, decided)
        todo: list[int] = []
        for i, key in enumerate(keys):
            if decided[i] is not None:
                continue
            sector = sectors.get(key.supplier_key) if key.supplier_key else None
            if sector is not None:
                code, share, n = sector
                decided[i] = Decision(
                    code,
                    "supplier",
                    round(SUPPLIER_CONFIDENCE * share, 3),
                    f"the supplier's sector: {share:.0%} of its {n} rule-classified lines are {code}",
                )
            elif not any((key.raw_category, key.description, key.supplier_name)):
                decided[i] = Decision(None, "none", 0.0, "no raw category, description or supplier")
            else:
                todo.append(i)
        if todo and self.model is not None:
            texts = [
                line_text(keys[i].raw_category, keys[i].description, keys[i].supplier_name)
                for i in todo
            ]
            for i, p in zip(todo, self.model.predict(texts), strict=True):
                guess = f"p={p.confidence:.2f} for {p.code}"
                if p.runner_up:
                    guess += f", next {p.runner_up} p={p.runner_up_confidence:.2f}"
                if p.confidence < self.min_confidence:
                    decided[i] = Decision(
                        None, "none", round(p.confidence, 3), f"text model unsure ({guess})"
                    )
                else:
                    decided[i] = Decision(
                        p.code,
                        "model",
                        round(p.confidence, 3),
                        f"text model ({guess}; trained on {self.model.trained_on:,} lines)",
                    )
        return [d or Decision(None, "none", 0.0, "no rule matched and no model") for d in decided]

    def training_data(
        self, keys: Sequence[LineKey], decided: Sequence[Decision | None]
    ) -> tuple[list[str], list[str]]:
        """Texts and codes of lines a person or a rule on the text decided (not supplier words)."""
        texts: list[str] = []
        codes: list[str] = []
        for key, d in zip(keys, decided, strict=True):
            if d is None or d.code is None or d.by_supplier_name:
                continue
            texts.append(line_text(key.raw_category, key.description, key.supplier_name))
            codes.append(d.code)
        return texts, codes


def supplier_sectors(
    keys: Sequence[LineKey], decided: Sequence[Decision | None]
) -> dict[str, tuple[str, float, int]]:
    """Supplier → (code, share, lines) where rules on the text put most of its lines in one code.

    Only rules on the raw category or description count (not confirmed mappings, so confirming a
    mapping changes exactly the lines it covers; not supplier-name rules, which would be circular).
    """
    tally: dict[str, Counter[str]] = defaultdict(Counter)
    for key, d in zip(keys, decided, strict=True):
        if key.supplier_key and d is not None and d.method == "rule" and d.code:
            if not d.by_supplier_name:
                tally[key.supplier_key][d.code] += key.lines
    out: dict[str, tuple[str, float, int]] = {}
    for supplier, counts in tally.items():
        total = sum(counts.values())
        code, n = counts.most_common(1)[0]
        if total >= SUPPLIER_MIN_LINES and n / total >= SUPPLIER_MIN_SHARE:
            out[supplier] = (code, n / total, total)
    return out

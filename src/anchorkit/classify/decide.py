"""Deciding lines' categories from all their evidence, with the reasons kept (no database here).

A line's evidence comes from what identifies it: its text (raw category, description, cost
centre), its supplier (name, registry sector, other lines) and its anchor (a confirmed mapping of
its raw category). Each is decided once per distinct value — a ledger of ten million lines has a
few thousand distinct texts and tens of thousands of suppliers — and joined to the lines:

1. **mapping** — the anchor's own confirmed mapping of the raw category decides (confidence 1);
2. otherwise every source speaks and :class:`~anchorkit.classify.combine.Combiner` weighs them:
   rules on the text fields, the text model, rules on the supplier's name (weak), the
   supplier's registry sector (SIC / NAICS through the sector crosswalk), and what the
   text says about the supplier's *other* lines.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping as MappingType
from collections.abc import Sequence
from dataclasses import dataclass, field

from anchorkit.classify.combine import Calibration, Combiner, Evidence, Scored
from anchorkit.classify.examples import Example
from anchorkit.classify.model import TextModel, model_digest, text_document, train
from anchorkit.classify.rules import FIELD_WORDS, RuleSet
from anchorkit.classify.taxonomy import Taxonomy

METHODS = ("mapping", "rule", "supplier", "model", "none")
#: How much a rule's phrase counts in each field (the cost centre names where, not what).
FIELD_FACTOR = {"raw_category": 1.0, "description": 1.0, "cost_centre": 0.5, "supplier": 1.0}
MODEL_FLOOR = 0.03  # model guesses below this are not evidence
SUPPLIER_LINES_MIN = 2  # other lines needed before they say anything about a supplier
SUPPLIER_LINES_SURE = 0.5  # a text-only score above which another line counts as decided


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
    cost_centre: str | None = None

    @property
    def text(self) -> tuple[str | None, str | None, str | None]:
        return (self.raw_category, self.description, self.cost_centre)


@dataclass(frozen=True)
class Mapping:
    code: str
    raw_category: str
    decided_by: str


@dataclass(frozen=True)
class Sector:
    """A supplier's registry sector and the code the crosswalk gives it."""

    scheme: str  # uk_sic or naics
    sector: str
    title: str
    code: str


@dataclass
class Decision:
    code: str | None
    method: str
    confidence: float
    evidence: str
    scored: Scored | None = field(default=None, repr=False)


@dataclass
class Classifier:
    taxonomy: Taxonomy
    rules: RuleSet
    combiner: Combiner
    model: TextModel | None = None
    mappings: dict[tuple[int, str], Mapping] = field(default_factory=dict)
    sectors: MappingType[str, Sequence[Sector]] = field(default_factory=dict)
    _text: dict[tuple[str | None, ...], list[Evidence]] = field(default_factory=dict)
    _context: dict[tuple[str | None, ...], str] = field(default_factory=dict)
    _said: dict[tuple[str, str, str, float], Evidence] = field(default_factory=dict)
    _memo: dict[tuple[object, ...], Decision] = field(default_factory=dict)

    # --- evidence from each source -----------------------------------------------------------

    def _path(self, code: str) -> str:
        return self.taxonomy.categories[code].path

    def _rule_evidence(
        self, field_name: str, text: str | None, context: str | None = None
    ) -> list[Evidence]:
        return [
            self._evidence_of(field_name, hit.rule_id, hit.phrase, hit.code, hit.weight)
            for hit in self.rules.hits(field_name, text, context)
        ]

    def _evidence_of(
        self, field_name: str, rule_id: str, phrase: str, code: str, weight: float
    ) -> Evidence:
        """A rule's hit as evidence (made once per rule, phrase and field: lines share them)."""
        said = (field_name, rule_id, phrase, weight)
        found = self._said.get(said)
        if found is None:
            found = self._said[said] = Evidence(
                "supplier_rule" if field_name == "supplier" else "rule",
                code,
                weight * FIELD_FACTOR[field_name],
                f"rule {rule_id!r} matched {phrase!r} in the {FIELD_WORDS[field_name]} "
                f"→ {self._path(code)}",
            )
        return found

    def _prepare(self, keys: Sequence[LineKey]) -> None:
        """Evidence of every distinct text among ``keys`` (the model predicts them in batches)."""
        texts = [t for t in dict.fromkeys(k.text for k in keys) if t not in self._text]
        norm = self.rules.normalise
        guesses = (
            self.model.predict([text_document(*(norm(t) for t in text)) for text in texts])
            if self.model is not None and texts
            else [[] for _ in texts]
        )
        for text, guess in zip(texts, guesses, strict=True):
            found: list[Evidence] = []
            context = self._context[text] = self.rules.context(*text)
            for name, value in zip(
                ("raw_category", "description", "cost_centre"), text, strict=True
            ):
                found.extend(self._rule_evidence(name, value, context))
            if any(text):
                found.extend(
                    Evidence(
                        "text_model",
                        g.code,
                        g.probability,
                        f"text model p={g.probability:.2f} → {self._path(g.code)}",
                    )  # fmt: skip
                    for g in guess
                    if g.probability >= MODEL_FLOOR
                )
            self._text[text] = found

    def _sector_evidence(self, supplier_key: str | None) -> list[Evidence]:
        if not supplier_key:
            return []
        return [
            Evidence(
                "registry_sector",
                s.code,
                1.0,
                f"registry sector {s.scheme.upper().replace('_', ' ')} {s.sector} ({s.title}) "
                f"→ {self._path(s.code)}",
            )
            for s in self.sectors.get(supplier_key, ())
        ]

    # --- decisions ---------------------------------------------------------------------------

    def decide(self, keys: Sequence[LineKey]) -> list[Decision]:
        """A decision per key; the supplier's other lines are those among ``keys``."""
        self._prepare(keys)
        text_only = {text: self.combiner.combine(ev) for text, ev in self._text_of(keys).items()}
        others = _SupplierLines(self.taxonomy)
        for key in keys:
            scored = text_only[key.text]
            if key.supplier_key:
                others.add(key, scored)
        out: list[Decision] = []
        if len(self._memo) > 200_000:
            self._memo.clear()
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
            about_supplier = (
                tuple(self._rule_evidence("supplier", key.supplier_name, self._context[key.text]))
                if key.supplier_name
                else ()
            )
            sector = tuple(self._sector_evidence(key.supplier_key))
            lines = tuple(others.evidence(key, text_only[key.text]))
            # lines whose evidence is the same get the same decision: weigh it once
            said = (key.text, about_supplier, sector, lines)
            decision = self._memo.get(said)
            if decision is None:
                scored = self.combiner.combine(
                    [*self._text[key.text], *about_supplier, *sector, *lines]
                )
                decision = self._memo[said] = Decision(
                    scored.code,
                    scored.method,
                    scored.confidence,
                    scored.summary(self.taxonomy),
                    scored,
                )
            out.append(decision)
        return out

    def _text_of(self, keys: Sequence[LineKey]) -> dict[tuple[str | None, ...], list[Evidence]]:
        return {k.text: self._text[k.text] for k in keys}


class _SupplierLines:
    """What the text of a supplier's lines says, to speak about its other lines."""

    def __init__(self, taxonomy: Taxonomy) -> None:
        self.taxonomy = taxonomy
        self.lines: dict[str, int] = defaultdict(int)
        self.decided: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    @staticmethod
    def _sure(scored: Scored) -> str | None:
        return scored.family if scored.score >= SUPPLIER_LINES_SURE else None

    def add(self, key: LineKey, scored: Scored) -> None:
        assert key.supplier_key
        self.lines[key.supplier_key] += key.lines
        family = self._sure(scored)
        if family:
            self.decided[key.supplier_key][family] += key.lines

    def evidence(self, key: LineKey, scored: Scored) -> list[Evidence]:
        if not key.supplier_key:
            return []
        own = self._sure(scored)
        n = self.lines[key.supplier_key] - key.lines
        if n < SUPPLIER_LINES_MIN:
            return []
        out: list[Evidence] = []
        for family, count in self.decided[key.supplier_key].items():
            count -= key.lines if family == own else 0
            # a share in whole percent: lines whose evidence reads the same are decided once
            share = round(count / n, 2)
            if share >= 0.2:
                name = self.taxonomy.categories[family].name
                out.append(
                    Evidence(
                        "supplier_lines",
                        family,
                        share,
                        f"{share:.0%} of the supplier's other lines read as {name}",
                    )
                )
        return out


_TRAINED: dict[str, TextModel | None] = {}  # models trained in this process, by training data


def model_for(
    taxonomy: Taxonomy, rules: RuleSet, examples: Sequence[Example] | None = None
) -> TextModel | None:
    """The text model trained on ``examples`` (the taxonomy's shipped ones by default) plus the
    rules' phrases; trained once per process for the same data."""
    examples = taxonomy.examples if examples is None else examples
    seeds = rules.examples()
    digest = model_digest(taxonomy, examples, seeds)
    if digest not in _TRAINED:
        if len(_TRAINED) > 4:
            _TRAINED.clear()
        _TRAINED[digest] = train(taxonomy, rules.normalise, examples, seeds)
    return _TRAINED[digest]


def make_classifier(
    taxonomy: Taxonomy,
    *,
    model: TextModel | None | bool = True,
    examples: Sequence[Example] | None = None,
    mappings: dict[tuple[int, str], Mapping] | None = None,
    sectors: MappingType[str, Sequence[Sector]] | None = None,
    min_confidence: float = 0.3,
) -> Classifier:
    """A classifier for ``taxonomy``: its rules, weights and calibration, and a text model —
    ``model`` if given (None or False for none), else trained on ``examples`` (the shipped ones
    by default)."""
    rules = RuleSet.from_taxonomy(taxonomy)
    calibration = (
        Calibration.from_csv(taxonomy.calibration_text)
        if taxonomy.calibration_text
        else Calibration()
    )
    combiner = Combiner(taxonomy, rules.weights, calibration, min_confidence)
    if model is True:
        model = model_for(taxonomy, rules, examples)
    return Classifier(taxonomy, rules, combiner, model or None, mappings or {}, sectors or {})

"""Classification rules as data (``rules.toml`` beside the taxonomy): phrases in context → a code.

Why rules beside the learned model: a rule is read and corrected by a person, and it says exactly
why it spoke ("rule 'water-supply' matched 'metered water' in the description"). Why phrases *in
context*, not single words: one word misleads as often as it helps — "maintenance" is building
work in "planned maintenance" but software in "software maintenance", "water" is a utility bill in
"water charges" but civil engineering in "water main renewal". So a rule lists its phrases, the
neighbours that must not be in the same field (``unless``), optionally neighbours one of which must
be (``requires``), and a ``weight`` saying how much the phrase alone says. Rules never decide on
their own: each match is one piece of evidence that :mod:`anchorkit.classify.combine` weighs with
the others (the text model, the supplier's registry sector, its other lines).

Text is normalised the same way for rules and lines (lower case, ``&`` → ``and``, punctuation →
space, ledger abbreviations expanded), so ``Bldg R&M`` and ``building repairs and maintenance`` meet.
Where phrases overlap, the longest one found first at each place in the text is the match, so
"water main" is read before "water" can be.

Example::

    >>> rules = RuleSet.from_taxonomy(load_taxonomy())
    >>> [h.rule_id for h in rules.hits("description", "Software maint & licensing")]
    ['ict-software']
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from anchorkit.classify.combine import DEFAULT_WEIGHTS, weights_from
from anchorkit.classify.taxonomy import Taxonomy
from anchorkit.errors import CategoryError

_NON_WORD = re.compile(r"[^a-z0-9]+")
_POSSESSIVE = re.compile(r"['’`]s\b")
#: The fields a line's text comes in, in the order evidence is listed.
FIELDS = ("raw_category", "description", "cost_centre", "supplier")
FIELD_WORDS = {
    "raw_category": "raw category",
    "description": "description",
    "cost_centre": "cost centre",
    "supplier": "supplier name",
}
TEXT_FIELDS = FIELDS[:3]


def basic_normalise(text: str | None) -> str:
    """Lower case, ``&`` → ``and``, everything but letters and digits → one space."""
    if not text:
        return ""
    lowered = text.lower().replace("&", " and ").replace("_", " ")
    lowered = _POSSESSIVE.sub("s", lowered)  # "children's homes" → "childrens homes"
    return _NON_WORD.sub(" ", lowered).strip()


def _alternation(phrases: Iterable[str]) -> re.Pattern[str] | None:
    """One regex finding any of ``phrases`` as whole words (a plural ``s`` allowed), longest first."""
    ordered = sorted(set(phrases), key=lambda w: (-len(w), w))
    if not ordered:
        return None
    body = "|".join(re.escape(w) for w in ordered)
    return re.compile(rf"(?<![a-z0-9])({body})s?(?![a-z0-9])")


@dataclass(frozen=True)
class Hit:
    """One rule speaking about one field of a line."""

    rule_id: str
    code: str
    field: str  # raw_category, description, cost_centre or supplier
    phrase: str  # the phrase that matched
    weight: float

    @property
    def evidence(self) -> str:
        return f"rule {self.rule_id!r} matched {self.phrase!r} in the {FIELD_WORDS[self.field]}"


@dataclass(frozen=True)
class Rule:
    rule_id: str
    code: str
    weight: float
    supplier_weight: float
    unless: re.Pattern[str] | None
    requires: re.Pattern[str] | None
    order: int

    def applies(self, text: str) -> bool:
        """The phrase's field ``text`` has none of the forbidden neighbours and, if the rule
        needs one, one of the required ones."""
        if self.unless is not None and self.unless.search(text):
            return False
        return self.requires is None or bool(self.requires.search(text))


@dataclass
class RuleSet:
    rules: dict[str, Rule] = field(default_factory=dict)
    abbreviations: dict[str, str] = field(default_factory=dict)
    owners: dict[str, list[str]] = field(default_factory=dict)  # phrase → rules (text fields)
    supplier_owners: dict[str, list[str]] = field(default_factory=dict)  # phrase → rules
    _abbreviation_re: re.Pattern[str] | None = None
    _phrases: re.Pattern[str] | None = None
    _supplier_phrases: re.Pattern[str] | None = None
    weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    _cache: dict[tuple[str, str], tuple[str, tuple[tuple[str, str], ...]] | None] = field(
        default_factory=dict
    )

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> RuleSet:
        """The taxonomy's rules; every code they name must be in the taxonomy."""
        try:
            data: dict[str, Any] = tomllib.loads(taxonomy.rules_text) if taxonomy.rules_text else {}
        except tomllib.TOMLDecodeError as exc:
            raise CategoryError(
                f"The rules of {taxonomy.source} are not valid TOML: {exc}"
            ) from exc
        return cls.from_data(data, taxonomy)

    @classmethod
    def from_data(cls, data: dict[str, Any], taxonomy: Taxonomy) -> RuleSet:
        default = float(data.get("default_weight", 1.0))
        supplier_default = float(data.get("supplier_weight", 0.5))
        rules = cls(
            abbreviations={
                basic_normalise(k): basic_normalise(v)
                for k, v in data.get("abbreviations", {}).items()
            },
            weights=weights_from(data.get("weights", {})),
        )
        for n, spec in enumerate(data.get("rule", [])):
            rule_id, code = str(spec.get("id", f"rule-{n + 1}")), str(spec.get("code", ""))
            if code not in taxonomy:
                raise CategoryError(
                    f"Rule {rule_id!r} in {taxonomy.source} names code {code!r}, which is not in "
                    "the taxonomy. Fix the code in rules.toml (anchorkit category list shows them)."
                )
            if rule_id in rules.rules:
                raise CategoryError(f"Rule id {rule_id!r} appears twice in {taxonomy.source}.")
            rules.rules[rule_id] = Rule(
                rule_id,
                code,
                float(spec.get("weight", default)),
                float(spec.get("supplier_weight", supplier_default)),
                _alternation(rules.normalise(w) for w in spec.get("unless", [])),
                _alternation(rules.normalise(w) for w in spec.get("requires", [])),
                n,
            )
            for index, key in ((rules.owners, "phrases"), (rules.supplier_owners, "suppliers")):
                for phrase in spec.get(key, []):
                    owners = index.setdefault(rules.normalise(phrase), [])
                    if rule_id not in owners:
                        owners.append(rule_id)
        rules._phrases = _alternation(rules.owners)
        rules._supplier_phrases = _alternation(rules.supplier_owners)
        return rules

    def normalise(self, text: str | None) -> str:
        """The text rules see: basic normalisation, then ledger abbreviations expanded."""
        out = basic_normalise(text)
        if not out or not self.abbreviations:
            return out
        if self._abbreviation_re is None:
            self._abbreviation_re = _alternation(self.abbreviations)
            assert self._abbreviation_re is not None
        # abbreviations match as whole words; a trailing plural "s" is kept off the expansion
        return self._abbreviation_re.sub(
            lambda m: (
                self.abbreviations.get(m.group(1), m.group(0))
                + (m.group(0)[len(m.group(1)) :] if m.group(1) in self.abbreviations else "")
            ),
            out,
        )

    def hits(self, field_name: str, text: str | None, context: str | None = None) -> list[Hit]:
        """Every rule that speaks about ``text`` found in field ``field_name``.

        ``context`` is the normalised text of the line's other fields (see :meth:`context`): a
        rule's ``unless`` and ``requires`` neighbours are looked for in the field and there, so
        "residential care fees" says nothing about adults on a line whose cost centre is
        "Children's Homes". The phrases found in a text are cached; the context check is cheap.
        """
        if not text:
            return []
        key = (field_name, text)
        found = self._cache.get(key)
        if found is None:
            found = self._find(field_name, self.normalise(text))
            if len(self._cache) > 500_000:
                self._cache.clear()
            self._cache[key] = found
        if not found:
            return []
        norm, candidates = found
        around = f"{norm} | {context}" if context else norm
        supplier = field_name == "supplier"
        out: list[Hit] = []
        for rule_id, phrase in candidates:
            rule = self.rules[rule_id]
            if rule.applies(around):
                weight = rule.supplier_weight if supplier else rule.weight
                out.append(Hit(rule_id, rule.code, field_name, phrase, weight))
        return out

    def _find(self, field_name: str, norm: str) -> tuple[str, tuple[tuple[str, str], ...]] | None:
        """The normalised text and the (rule, phrase) pairs its phrases name, or None."""
        supplier = field_name == "supplier"
        regex = self._supplier_phrases if supplier else self._phrases
        owners = self.supplier_owners if supplier else self.owners
        if regex is None or not norm:
            return None
        seen: dict[str, str] = {}
        for m in regex.finditer(norm):
            for rule_id in owners[m.group(1)]:
                seen.setdefault(rule_id, m.group(1))
        return (norm, tuple(seen.items())) if seen else None

    def context(self, *texts: str | None) -> str:
        """The normalised text of several fields, as the context of a rule's neighbours."""
        return " | ".join(self.normalise(t) for t in texts if t)

    def examples(self) -> list[tuple[str, str]]:
        """(phrase, code) pairs of the rules' text phrases, to seed the text model."""
        return [
            (phrase, self.rules[owners[0]].code)
            for phrase, owners in self.owners.items()
            if len({self.rules[r].code for r in owners}) == 1
        ]

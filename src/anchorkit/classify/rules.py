"""Classification rules as data (``rules.toml`` beside the taxonomy): words and patterns → a code.

Why rules before the model: a rule is read and corrected by a person, and it says exactly why a
line got its category ("rule 'electricity' matched 'hydro' in the description"). Text is
normalised the same way for rules and lines (lower case, ``&`` → ``and``, punctuation → space,
ledger abbreviations expanded), so ``Bldg R&M`` and ``building repairs and maintenance`` meet.

Example::

    >>> rules = RuleSet.from_taxonomy(load_taxonomy())
    >>> rules.match("Utilities", "Hydro electric - March", "Toronto Hydro").rule_id
    'electricity'
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from typing import Any

from anchorkit.classify.taxonomy import Taxonomy
from anchorkit.errors import CategoryError

_NON_WORD = re.compile(r"[^a-z0-9]+")
FIELDS = ("raw_category", "description")
FIELD_WORDS = {
    "raw_category": "raw category",
    "description": "description",
    "supplier": "supplier name",
}


def basic_normalise(text: str | None) -> str:
    """Lower case, ``&`` → ``and``, everything but letters and digits → one space."""
    if not text:
        return ""
    lowered = text.lower().replace("&", " and ").replace("_", " ")
    return _NON_WORD.sub(" ", lowered).strip()


@dataclass(frozen=True)
class RuleMatch:
    rule_id: str
    code: str
    confidence: float
    field: str  # raw_category, description or supplier
    matched: str  # the word or pattern text that matched

    @property
    def evidence(self) -> str:
        return f"rule {self.rule_id!r} matched {self.matched!r} in the {FIELD_WORDS[self.field]}"


@dataclass
class _Index:
    """One alternation of every word (longest first), and which rule each word belongs to."""

    owner: dict[str, str] = field(default_factory=dict)
    regex: re.Pattern[str] | None = None

    def build(self) -> None:
        if self.owner:
            words = sorted(self.owner, key=lambda w: (-len(w), w))
            alternation = "|".join(re.escape(w) for w in words)
            self.regex = re.compile(rf"(?<![a-z0-9])({alternation})s?(?![a-z0-9])")

    def find(self, text: str) -> tuple[str, str] | None:
        """The longest word found in ``text`` and its rule."""
        if self.regex is None or not text:
            return None
        best = max((m.group(1) for m in self.regex.finditer(text)), key=len, default=None)
        return None if best is None else (best, self.owner[best])


@dataclass
class RuleSet:
    codes: dict[str, str]
    confidence: dict[str, float]
    supplier_confidence: float
    abbreviations: list[tuple[re.Pattern[str], str]]
    words: _Index
    supplier_words: _Index
    patterns: list[tuple[re.Pattern[str], str]]
    order: dict[str, int]
    generic: set[str] = field(default_factory=set)

    @classmethod
    def from_taxonomy(cls, taxonomy: Taxonomy) -> RuleSet:
        """The taxonomy's rules; every code they name must be in the taxonomy."""
        try:
            data: dict[str, Any] = tomllib.loads(taxonomy.rules_text) if taxonomy.rules_text else {}
        except tomllib.TOMLDecodeError as exc:
            raise CategoryError(
                f"The rules of {taxonomy.source} are not valid TOML: {exc}"
            ) from exc
        default = float(data.get("default_confidence", 0.9))
        rules = cls(
            codes={},
            confidence={},
            supplier_confidence=float(data.get("supplier_confidence", 0.7)),
            abbreviations=[
                (re.compile(rf"(?<![a-z0-9]){re.escape(basic_normalise(k))}(?![a-z0-9])"), v)
                for k, v in data.get("abbreviations", {}).items()
            ],
            words=_Index(),
            supplier_words=_Index(),
            patterns=[],
            order={},
        )
        for n, rule in enumerate(data.get("rule", [])):
            rule_id, code = str(rule.get("id", f"rule-{n + 1}")), str(rule.get("code", ""))
            if code not in taxonomy:
                raise CategoryError(
                    f"Rule {rule_id!r} in {taxonomy.source} names code {code!r}, which is not in "
                    "the taxonomy. Fix the code in rules.toml (anchorkit category list shows them)."
                )
            rules.codes[rule_id], rules.order[rule_id] = code, n
            rules.confidence[rule_id] = float(rule.get("confidence", default))
            if rule.get("generic"):
                rules.generic.add(rule_id)
            for index, key in ((rules.words, "words"), (rules.supplier_words, "supplier_words")):
                for word in rule.get(key, []):
                    index.owner.setdefault(basic_normalise(word), rule_id)
            for pattern in rule.get("patterns", []):
                rules.patterns.append((re.compile(pattern), rule_id))
        rules.words.build()
        rules.supplier_words.build()
        return rules

    def normalise(self, text: str | None) -> str:
        """The text rules see: basic normalisation, then abbreviations expanded."""
        out = basic_normalise(text)
        for pattern, expansion in self.abbreviations:
            if pattern.search(out):
                out = pattern.sub(expansion, out)
        return out

    def match(
        self, raw_category: str | None, description: str | None, supplier_name: str | None
    ) -> RuleMatch | None:
        """The most specific rule that matches: not generic, the longest word, then listed first.

        Words on the raw category and description beat words in the supplier's name, which only
        decide when the text says nothing a rule knows.
        """
        # (generic?, -len, order, rule, field, matched): the smallest wins
        found: list[tuple[bool, int, int, str, str, str]] = []
        for name, text in (("raw_category", raw_category), ("description", description)):
            norm = self.normalise(text)
            hit = self.words.find(norm)
            if hit:
                found.append(self._candidate(hit[1], name, hit[0]))
            for pattern, rule_id in self.patterns:
                m = pattern.search(norm)
                if m:
                    found.append(self._candidate(rule_id, name, m.group(0)))
        if found:
            *_, rule_id, name, matched = min(found)
            return RuleMatch(rule_id, self.codes[rule_id], self.confidence[rule_id], name, matched)
        hit = self.supplier_words.find(self.normalise(supplier_name))
        if hit:
            confidence = min(self.supplier_confidence, self.confidence[hit[1]])
            return RuleMatch(hit[1], self.codes[hit[1]], confidence, "supplier", hit[0])
        return None

    def _candidate(
        self, rule_id: str, name: str, matched: str
    ) -> tuple[bool, int, int, str, str, str]:
        return (rule_id in self.generic, -len(matched), self.order[rule_id], rule_id, name, matched)

    def examples(self) -> list[tuple[str, str]]:
        """(word, code) pairs: the rules' vocabulary, to seed the text model."""
        return [(w, self.codes[r]) for w, r in self.words.owner.items()] + [
            (w, self.codes[r]) for w, r in self.supplier_words.owner.items()
        ]

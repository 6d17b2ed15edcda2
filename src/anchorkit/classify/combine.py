"""Weighing the evidence about one line together: every source speaks, none decides alone.

Why a combination and not a first-that-speaks order: single clues misfire on files nobody tuned
them to — "maintenance" in SOFTWARE MAINT & LICENSING, "water" in a water-main construction
contract, "healthcare" in the name of an insurer paying staff medical claims. Each clue is kept as a
piece of evidence with the source it came from, and the sources are pooled:

    P(code) = Σ_s  w_s · p_s(code)  /  (unknown + Σ_s w_s)        (over the sources that spoke)

where ``p_s`` is what source ``s`` says (a rule's weight, a model's probability, the share of the
supplier's other lines) and ``w_s`` how much that source is trusted (``[weights]`` in rules.toml).
``unknown`` is the weight of "none of these": a line only a weak source speaks about (the supplier's
name) cannot reach a high score. The family (level 1) with the most probability wins; the code is
as deep as the evidence inside that family agrees on. The score is then *calibrated* — mapped to the
share of lines with that score that were right when each publisher of the labelled examples was
left out (``calibration.csv`` beside the taxonomy, written by ``bench/classify.py``) — so a
confidence of 0.8 means about four in five such lines are right. Below ``classify.min_confidence``
the line stays unclassified, with the evidence kept.
"""

from __future__ import annotations

import bisect
import csv
import io
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from anchorkit.classify.taxonomy import Taxonomy

#: The sources of evidence, in the order they are explained.
SOURCES = ("rule", "text_model", "supplier_rule", "registry_sector", "supplier_lines")
SOURCE_WORDS = {
    "rule": "rules on the text",
    "text_model": "text model",
    "supplier_rule": "rules on the supplier's name",
    "registry_sector": "supplier's registry sector",
    "supplier_lines": "supplier's other lines",
}
#: How a decision is reported (``line_category.method``): the source that gave the most weight.
METHOD_OF = {
    "rule": "rule",
    "text_model": "model",
    "supplier_rule": "supplier",
    "registry_sector": "supplier",
    "supplier_lines": "supplier",
}
DEFAULT_WEIGHTS = {
    "rule": 1.0,
    "text_model": 0.8,
    "supplier_rule": 0.3,
    "registry_sector": 0.4,
    "supplier_lines": 0.5,
    "unknown": 0.35,
}


@dataclass(frozen=True)
class Evidence:
    """One source saying ``strength`` (0–1) for ``code``, and why, in words."""

    source: str
    code: str
    strength: float
    detail: str

    @property
    def short(self) -> str:
        """The detail without the category it points to (said once, in the summary's head)."""
        return self.detail.split(" → ", 1)[0]


@dataclass(frozen=True)
class Calibration:
    """Raw pooled score → share right, as increasing breakpoints (identity when empty)."""

    raw: tuple[float, ...] = ()
    right: tuple[float, ...] = ()

    @classmethod
    def from_csv(cls, text: str) -> Calibration:
        rows = sorted(
            (float(r["score"]), float(r["share_right"])) for r in csv.DictReader(io.StringIO(text))
        )
        return cls(tuple(r for r, _ in rows), tuple(s for _, s in rows))

    def __call__(self, score: float) -> float:
        if not self.raw:
            return score
        i = bisect.bisect_left(self.raw, score)
        if i == 0:
            return self.right[0] * score / self.raw[0] if self.raw[0] > 0 else self.right[0]
        if i == len(self.raw):
            return self.right[-1]
        x0, x1, y0, y1 = self.raw[i - 1], self.raw[i], self.right[i - 1], self.right[i]
        return y0 + (y1 - y0) * (score - x0) / (x1 - x0) if x1 > x0 else y1


@dataclass
class Scored:
    """The outcome of weighing one line's evidence."""

    code: str | None  # None: unclassified
    family: str | None  # the level-1 code that won (kept for unclassified lines too)
    score: float  # pooled probability of the family, before calibration
    confidence: float  # calibrated
    method: str
    evidence: list[Evidence]
    families: list[tuple[str, float]] = field(default_factory=list)  # level 1 → score, best first
    codes: list[tuple[str, float]] = field(default_factory=list)  # code → score, best first

    def summary(self, taxonomy: Taxonomy, limit: int = 2) -> str:
        """The decision and its strongest evidence in one short line (what
        ``line_category.evidence`` keeps for every line; ``classify --explain`` shows it all)."""
        if not self.evidence:
            return (
                "no evidence: no raw category, description, cost centre or supplier a source knows"
            )
        winning = {c for c, _ in self.codes if _family(taxonomy, c) == self.family}
        pieces = sorted(
            (e for e in self.evidence if e.code in winning),
            key=lambda e: -e.strength * DEFAULT_WEIGHTS.get(e.source, 0.0),
        )
        said = "; ".join(e.short for e in pieces[:limit])
        against = [e for e in self.evidence if e.code not in winning]
        if against:
            other = max(against, key=lambda e: e.strength * DEFAULT_WEIGHTS.get(e.source, 0.0))
            said += f" (against: {other.short} → {taxonomy.categories[other.code].name})"
        name = taxonomy.categories[self.family].name if self.family else "?"
        head = f"{name} {self.score:.2f} → confidence {self.confidence:.2f}"
        if self.code is None:
            head = f"unclassified (best guess {head})"
        return f"{head}: {said}"


def _family(taxonomy: Taxonomy, code: str) -> str:
    return taxonomy.categories[code].level1_code


@dataclass
class Combiner:
    """Pools evidence with source weights and calibrates the result (see the module docstring)."""

    taxonomy: Taxonomy
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    calibration: Calibration = field(default_factory=Calibration)
    min_confidence: float = 0.3

    def combine(self, evidence: Sequence[Evidence]) -> Scored:
        tax = self.taxonomy.categories
        by_source: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        for e in evidence:
            if e.strength > 0 and e.code in tax:
                by_source[e.source][e.code] += e.strength
        if not by_source:
            return Scored(None, None, 0.0, 0.0, "none", list(evidence))
        total = self.weights.get("unknown", 0.0)
        pooled: dict[str, float] = defaultdict(float)
        credit: dict[str, float] = defaultdict(float)  # source → weight given to the winner
        shares: dict[str, dict[str, float]] = {}
        for source, strengths in by_source.items():
            w = self.weights.get(source, 0.0)
            if w <= 0:
                continue
            total += w
            mass = sum(strengths.values())
            scale = w / max(1.0, mass)  # a source's strengths share at most its weight
            shares[source] = {c: s * scale for c, s in strengths.items()}
            for code, part in shares[source].items():
                pooled[code] += part
        if not pooled:
            return Scored(None, None, 0.0, 0.0, "none", list(evidence))
        families: dict[str, float] = defaultdict(float)
        for code, part in pooled.items():
            families[tax[code].level1_code] += part / total
        ranked = sorted(families.items(), key=lambda kv: (-kv[1], kv[0]))
        family, score = ranked[0]
        code = self._depth(family, {c: p / total for c, p in pooled.items()}, score)
        for source, parts in shares.items():
            credit[source] = sum(p for c, p in parts.items() if tax[c].level1_code == family)
        top_source = max(credit, key=lambda s: (credit[s], -SOURCES.index(s)))
        confidence = round(min(1.0, max(0.0, self.calibration(score))), 3)
        codes = sorted(((c, p / total) for c, p in pooled.items()), key=lambda kv: (-kv[1], kv[0]))
        if confidence < self.min_confidence:
            return Scored(
                None, family, round(score, 4), confidence, "none", list(evidence), ranked, codes
            )
        return Scored(
            code,
            family,
            round(score, 4),
            confidence,
            METHOD_OF[top_source],
            list(evidence),
            ranked,
            codes,
        )

    def _depth(self, family: str, scores: Mapping[str, float], family_score: float) -> str:
        """The deepest code inside ``family`` that holds at least half the family's score."""
        tax = self.taxonomy.categories
        level2: dict[str, float] = defaultdict(float)
        for code, p in scores.items():
            c = tax[code]
            if c.level1_code == family and c.level2_code:
                level2[c.level2_code] += p
        if not level2:
            return family
        best2, p2 = max(level2.items(), key=lambda kv: (kv[1], kv[0]))
        if p2 < 0.5 * family_score:
            return family
        deeper = [
            (p, code)
            for code, p in scores.items()
            if tax[code].level2_code == best2 and tax[code].level >= 3
        ]
        if deeper:
            p3, code3 = max(deeper)
            if p3 >= 0.5 * p2:
                return code3
        return best2


def weights_from(data: Mapping[str, object]) -> dict[str, float]:
    """The source weights of a rules file's ``[weights]`` table over the defaults."""
    out = dict(DEFAULT_WEIGHTS)
    for key, value in data.items():
        if key in out and isinstance(value, int | float):
            out[key] = float(value)
    return out


def explain_rows(scored: Scored, taxonomy: Taxonomy, top: int = 5) -> list[dict[str, object]]:
    """Per candidate code: what each source gave it (for ``classify --explain``)."""
    rows: list[dict[str, object]] = []
    for code, score in scored.codes[:top]:
        c = taxonomy.categories[code]
        rows.append(
            {
                "code": code,
                "path": c.path,
                "score": round(score, 4),
                "evidence": [e.detail for e in scored.evidence if e.code == code],
            }
        )
    return rows


def strongest(evidence: Iterable[Evidence]) -> dict[str, float]:
    """Code → the summed strength of the evidence for it (one source's view)."""
    out: dict[str, float] = defaultdict(float)
    for e in evidence:
        out[e.code] += e.strength
    return dict(out)

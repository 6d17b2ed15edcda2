"""Pairwise precision, recall and F1 of a clustering against known true groups.

Entity-resolution quality is judged on pairs: of the pairs of records put together, how many
truly belong together (precision), and of the pairs that truly belong together, how many were put
together (recall). Counting from the contingency table of (predicted, true) group sizes avoids
listing pairs, so it works at a million records.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class PairwiseScores:
    precision: float
    recall: float
    f1: float
    predicted_pairs: int
    true_pairs: int
    correct_pairs: int

    def to_json(self) -> dict[str, float | int]:
        return asdict(self)


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def pairwise_scores(
    predicted: Mapping[str, Hashable], truth: Mapping[str, Hashable]
) -> PairwiseScores:
    """Scores over the records present in both mappings (record id -> group label)."""
    common = [r for r in predicted if r in truth]
    cells = Counter((predicted[r], truth[r]) for r in common)
    correct = sum(_pairs(n) for n in cells.values())
    made = sum(_pairs(n) for n in Counter(predicted[r] for r in common).values())
    true = sum(_pairs(n) for n in Counter(truth[r] for r in common).values())
    precision = correct / made if made else 1.0
    recall = correct / true if true else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return PairwiseScores(precision, recall, f1, made, true, correct)

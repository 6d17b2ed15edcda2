"""Spend classification: one shared category taxonomy for every anchor's lines (issue 5).

``classify(ws)`` decides every line's category in a fixed, explainable order — the anchor's
confirmed mappings, rules as data, the supplier's known sector, a text model — and keeps the
method, confidence and evidence of each decision in ``line_category``. See docs/classification.md.
"""

from anchorkit.classify.decide import Classifier, Decision, LineKey
from anchorkit.classify.run import ClassifyResult, classify, map_category, review_lines
from anchorkit.classify.taxonomy import Category, Taxonomy, crosswalk, load_taxonomy, taxonomy_for

__all__ = [
    "Category",
    "Classifier",
    "ClassifyResult",
    "Decision",
    "LineKey",
    "Taxonomy",
    "classify",
    "crosswalk",
    "load_taxonomy",
    "map_category",
    "review_lines",
    "taxonomy_for",
]

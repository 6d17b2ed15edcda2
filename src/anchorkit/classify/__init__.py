"""Spend classification: one shared category taxonomy for every anchor's lines (issues 5 and 11).

``classify(ws)`` gives every line a category by weighing its evidence together — the anchor's
confirmed mappings, rules as data (phrases in context), models learnt from labelled examples, the
supplier's registry sector and other lines — and keeps the method, a calibrated confidence and the
evidence of each decision in ``line_category``; below ``classify.min_confidence`` a line stays
unclassified. See docs/classification.md.
"""

from anchorkit.classify.decide import Classifier, Decision, LineKey, make_classifier
from anchorkit.classify.run import (
    ClassifyResult,
    build_classifier,
    classify,
    explain_line,
    map_category,
    review_lines,
)
from anchorkit.classify.taxonomy import Category, Taxonomy, crosswalk, load_taxonomy, taxonomy_for

__all__ = [
    "Category",
    "Classifier",
    "ClassifyResult",
    "Decision",
    "LineKey",
    "Taxonomy",
    "build_classifier",
    "classify",
    "crosswalk",
    "explain_line",
    "load_taxonomy",
    "make_classifier",
    "map_category",
    "review_lines",
    "taxonomy_for",
]

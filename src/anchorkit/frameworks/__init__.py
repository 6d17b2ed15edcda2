"""Reporting frameworks as data: packs (:mod:`.packs`) and their measures evaluated (:mod:`.evaluate`)."""

from anchorkit.frameworks.evaluate import MeasureResult, evaluate
from anchorkit.frameworks.packs import Framework, Measure, find_framework, load_frameworks

__all__ = ["Framework", "Measure", "MeasureResult", "evaluate", "find_framework", "load_frameworks"]

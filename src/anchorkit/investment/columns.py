"""What the cells of an investment register mean: types of holding and impact flags.

The words are data (``anchorkit/data/investment_columns.toml``); the checks on values are here.
"""

from __future__ import annotations

import re
import tomllib
from functools import cache
from importlib import resources
from typing import Any

from anchorkit.ingest.mapping import normalise_header
from anchorkit.ingest.tabular import Vocabulary

TYPES = ("deposit", "loan", "bond", "equity", "fund", "other")
FLAGS = ("cdfi", "community_bond", "co_op", "affordable_housing", "social_enterprise")
FLAG_LABELS = {
    "cdfi": "community development finance",
    "community_bond": "community bond",
    "co_op": "co-op",
    "affordable_housing": "affordable housing",
    "social_enterprise": "social enterprise",
}
_TRUE = {"yes", "y", "true", "t", "1", "x", "✓", "✔", "oui"}
_FALSE = {"no", "n", "false", "f", "0", "", "non", "-"}
_SPLIT = re.compile(r"[;,/|+]|\band\b")


@cache
def _toml() -> dict[str, Any]:
    text = resources.files("anchorkit.data").joinpath("investment_columns.toml").read_text("utf-8")
    return tomllib.loads(text)


@cache
def vocabulary() -> Vocabulary:
    return Vocabulary.load("investment_columns.toml", "investment register", skip=("values",))


@cache
def _phrases(table: str) -> dict[str, tuple[str, ...]]:
    return {
        key: tuple(normalise_header(p) for p in phrases)
        for key, phrases in _toml()["values"][table].items()
    }


def _has(text: str, phrase: str) -> bool:
    return f" {phrase} " in f" {text} "


@cache
def type_of(text: str | None) -> str | None:
    """A type cell as one of :data:`TYPES` (blank: other); None when not recognised."""
    norm = normalise_header(text)
    if not norm:
        return "other"
    for kind, phrases in _phrases("type").items():
        if any(_has(norm, p) for p in phrases):
            return kind
    return "other" if norm in ("other", "misc", "miscellaneous") else None


def flags_in(text: str | None) -> tuple[list[str], list[str]]:
    """The flags a cell lists ("CDFI; co-op"): (flags, parts not recognised)."""
    found: list[str] = []
    unknown: list[str] = []
    phrases = _phrases("flags")
    for part in _SPLIT.split(text or ""):
        norm = normalise_header(part)
        if not norm or norm in ("none", "n a", "na"):
            continue
        hits = [flag for flag, ps in phrases.items() if any(_has(norm, p) for p in ps)]
        if hits:
            found += [h for h in hits if h not in found]
        else:
            unknown.append(part.strip())
    return found, unknown


def truthy(text: str | None) -> bool | None:
    """A yes/no cell: True, False, or None when it is neither."""
    norm = (text or "").strip().lower()
    if norm in _TRUE:
        return True
    if norm in _FALSE:
        return False
    return None

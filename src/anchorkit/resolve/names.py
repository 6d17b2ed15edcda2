"""How alike two supplier names are, judged the way a person reading them would.

A name key ("canadian corps of commissionaires ottawa") is compared with another word by word and
letter by letter: how much of the *rarer* words they share (a word most suppliers use, "services",
says little; a word few use, "commissionaires", says a lot: term-frequency adjustment), whether
one is the other's initials ("cbie"), whether the words agree in any order (token set and token
sort similarity), how many letter triples they share (TF-IDF trigram cosine), whether only generic
words ("group", "services", listed in ``data/normalise_rules.toml``) tell them apart, and whether
numbers in them disagree ("unit 12" / "unit 14").

These measurements are turned into one number, the *name score*: the probability that the two
names are one supplier, from a logistic model whose weights (one per range of each measurement)
are data (``data/name_model.toml``), fitted on labelled name pairs by
:mod:`anchorkit.resolve.train`. A weight per range, not per measurement, lets the model learn that
a Jaro-Winkler of 0.95 means much more than one of 0.85 without being told how much.

Word weights come from the names being resolved (a word's rarity among *these* suppliers), so the
model carries no list of words from the names it was trained on. Everything here is plain Python
and NumPy on the driver, so DuckDB and Spark workspaces get the same scores to the last bit.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process
from rapidfuzz.distance import OSA, JaroWinkler

from anchorkit.resolve.normalise import comparison_words
from anchorkit.resolve.places import place_words

MODEL_FILE = "name_model.toml"

#: Every measurement the name model reads, in the order of its feature matrix.
FEATURES = (
    "jaro_winkler",  # the whole keys, letter by letter, weighted to the start
    "token_set",  # the words, in any order, one name's words allowed to be a subset
    "token_sort",  # the words, in any order, all of them
    "partial",  # the best-matching stretch of the longer key (cut-off names)
    "trigram_cosine",  # letter triples, TF-IDF weighted by their rarity among these names
    "weighted_containment",  # rarity-weighted share of the smaller name's words found in the other
    "weighted_jaccard",  # rarity-weighted shared words over all words of both
    "rarest_shared",  # each name's rarest word is found in the other (0, 0.5 or 1)
    "first_word",  # the first words agree
    "first_word_only",  # ...but neither name's rarest word is found in the other
    "heads_found",  # each name's first non-generic word is found in the other (0, 0.5 or 1)
    "both_own_words",  # each name has a word of its own that is not generic and not a place
    "acronym",  # one is the initials of the other
    "core_equal",  # equal once generic words are set aside
    "one_word",  # one of the names is a single word
    "number_conflict",  # both carry numbers, and not the same ones (a rule, not a weight)
)
#: Measurements that are yes/no (one weight each); the others get a weight per range.
BINARY = frozenset(
    {
        "first_word",
        "first_word_only",
        "both_own_words",
        "acronym",
        "core_equal",
        "one_word",
        "number_conflict",
    }
)
#: Measured but not weighed: numbers in names are identifiers of their own ("Unit 12" / "Unit
#: 14", two numbered companies), so names whose numbers disagree score at most CONFLICT_CAP,
#: whatever else they share (a labelled list that files numbered companies under one parent
#: must not teach the model otherwise).
RULES = frozenset({"number_conflict"})
#: Names in conflict score at most this: their numbers disagree, or each carries a word of its
#: own that is neither generic nor a place ("Lakefront Foods" / "Lakefront Mechanical", "Red
#: Maple Furniture" / "Red Oak Furniture"). Below the review threshold, so such pairs neither
#: merge on their names nor flood the review queue; a person can still merge them.
CONFLICT_CAP = 0.3
_CONFLICTS = ("number_conflict", "both_own_words")
#: Range edges for the graded measurements (each lies in [0, 1]).
EDGES = (0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.999)

_DIGIT = re.compile("[0-9]")


@dataclass(frozen=True, slots=True)
class _Profile:
    """What comparing a key needs, worked out once per key."""

    content: tuple[str, ...]  # its words without stop words, each once, in order
    core: frozenset[str]  # the content words without generic words
    weighed: tuple[str, ...]  # the words rarity is weighed on: the core ones, if any
    head: str | None  # the first non-generic word: usually the one that names the supplier
    squashed: str  # the key without spaces
    branch: frozenset[str]  # places at the end of the name: "Sysco Calgary", "Commissionaires
    # Nova Scotia" (a branch or an office), never one joined by "and" ("Wilson and Thompson")
    numbers: frozenset[str]  # words with a digit in them
    initials: frozenset[str]  # initials of the content words, and of the core words
    heads: frozenset[str]  # what initials can stand for: the squashed key, its first words


def _profile(
    key: str, stop: frozenset[str], generic: frozenset[str], places: frozenset[str]
) -> _Profile:
    words = [w for w in dict.fromkeys(key.split(" ")) if w]
    content = tuple(w for w in words if w not in stop) or tuple(words)
    core = [w for w in content if w not in generic]
    lettered = [w for w in content if not _DIGIT.search(w)]
    head = list(lettered)
    while head and head[-1] in generic:  # "IBM" is "International Business Machines Canada"
        head.pop()
    initials = {
        "".join(w[0] for w in ws) for ws in (lettered, head, [w for w in core if w in lettered])
    }
    heads = {key.replace(" ", "")} | {ws[0] for ws in (content, core) if ws}
    return _Profile(
        content=content,
        core=frozenset(core),
        weighed=tuple(core) or content,
        head=(core or content)[0] if core or content else None,
        squashed=key.replace(" ", ""),
        branch=_branch(key.split(" "), stop | generic, places),
        numbers=frozenset(w for w in content if _DIGIT.search(w)),
        initials=frozenset(i for i in initials if len(i) >= 2),  # a name of 2+ words
        heads=frozenset(h for h in heads if len(h) >= 2),
    )


def _branch(words: list[str], quiet: frozenset[str], places: frozenset[str]) -> frozenset[str]:
    """The places a name ends with (stop and generic words around them aside)."""
    found: set[str] = set()
    for i in range(len(words) - 1, 0, -1):  # never the first word: "Kingston Plumbing"
        word = words[i]
        if word in quiet:
            continue
        if word not in places or words[i - 1] in ("and", "et"):
            break
        found.add(word)
    return frozenset(found)


def same_word(a: str, b: str) -> bool:
    """Two words a person would read as one: equal, or one slip apart.

    A slip is a letter missing, added, changed or two swapped in a word of 5+ letters
    ("commissionaires" / "commissionnaires", "petrolium" / "petroleum", "canadain" /
    "canadian", "omtors" / "motors"), or two letters swapped in a 4-letter word ("pien" /
    "pine"). Otherwise the first letters must agree, and words with digits must be equal:
    "ford" is not "fort", "mason" is not "jason".
    """
    if a == b:
        return True
    if min(len(a), len(b)) < 4 or _DIGIT.search(a) or _DIGIT.search(b):
        return False
    if len(a) == len(b) and _swapped(a, b):
        return True
    if min(len(a), len(b)) < 5 or a[0] != b[0]:
        return False
    return OSA.distance(a, b, score_cutoff=1) <= 1


def _swapped(a: str, b: str) -> bool:
    """``b`` is ``a`` with two neighbouring letters swapped."""
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    return (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and a[diff[0]] == b[diff[1]]
        and a[diff[1]] == b[diff[0]]
    )


def _cut_off(word: str, other: str) -> bool:
    """``word`` is ``other`` cut short by a field length ("consultan", "cate", "servi")."""
    return len(word) >= 4 and len(other) > len(word) and other.startswith(word)


class NameSpace:
    """The distinct name keys of one run, with their word weights and trigram vectors.

    A word's weight is its inverse document frequency among these keys (``ln((n + 1) / (df +
    1)) + 1``), so the same model weighs "services" lightly in any list and a supplier's own
    word heavily, whatever language or sector the list is in.
    """

    def __init__(self, keys: Iterable[str]) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        words = comparison_words()
        self.generic = words.generic
        self.qualifiers = words.qualifiers
        self.legal = words.legal
        places = place_words()
        self.keys: list[str] = sorted({k for k in keys if k})
        self.position = {k: i for i, k in enumerate(self.keys)}
        self.profiles = [_profile(k, words.stop, words.generic, places) for k in self.keys]
        self.df: Counter[str] = Counter()
        self.weight: dict[str, float] = {}
        self._unknown = 1.0
        self.reweight(range(len(self.keys)))
        vectorizer = TfidfVectorizer(analyzer="char", ngram_range=(3, 3), lowercase=False)
        self.trigrams = (
            vectorizer.fit_transform([f" {k} " for k in self.keys]).tocsr() if self.keys else None
        )

    def __len__(self) -> int:
        return len(self.keys)

    def reweight(self, supplier: Iterable[int]) -> None:
        """Count each word once per *supplier* (``supplier[i]``: the supplier of key ``i``).

        A word is rare when few suppliers use it, not when few spellings do: the 300 spellings
        of one organisation should not make its own name look like a common word.
        """
        words: dict[int, set[str]] = {}
        for profile, who in zip(self.profiles, supplier, strict=True):
            words.setdefault(who, set()).update(profile.content)
        df = Counter(w for found in words.values() for w in found)
        n = len(words)
        self.df = df
        self.weight = {w: math.log((n + 1) / (c + 1)) + 1 for w, c in df.items()}
        self._unknown = math.log(n + 1) + 1

    def index(self, keys: Sequence[str]) -> np.ndarray:
        """Positions of ``keys`` (each must be one of this space's keys)."""
        return np.fromiter((self.position[k] for k in keys), dtype=np.int64, count=len(keys))

    def features(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """One row of :data:`FEATURES` per pair of key positions ``(a[i], b[i])``."""
        out = np.zeros((len(a), len(FEATURES)), dtype=np.float64)
        if len(a) == 0:
            return out
        left = [self.keys[i] for i in a]
        right = [self.keys[j] for j in b]
        scorers: tuple[Any, ...] = (
            JaroWinkler.similarity,
            fuzz.token_set_ratio,
            fuzz.token_sort_ratio,
            fuzz.partial_ratio,
        )
        for col, scorer in enumerate(scorers):
            values = process.cpdist(left, right, scorer=scorer, workers=1)
            out[:, col] = values if col == 0 else values / 100.0
        assert self.trigrams is not None
        out[:, 4] = np.asarray(self.trigrams[a].multiply(self.trigrams[b]).sum(axis=1)).ravel()
        out[:, 5:] = [self._words(i, j) for i, j in zip(a.tolist(), b.tolist(), strict=True)]
        return np.clip(out, 0.0, 1.0)

    def _words(self, i: int, j: int) -> tuple[float, ...]:
        """The word-level measurements of one pair (``FEATURES[5:]``)."""
        pa, pb = self.profiles[i], self.profiles[j]
        weight = self.weight
        unknown = self._unknown
        words_a, words_b = pa.weighed, pb.weighed
        wa = [weight.get(w, unknown) for w in words_a]
        wb = [weight.get(w, unknown) for w in words_b]
        free = list(range(len(words_b)))
        matched_a = [False] * len(words_a)
        matched_b = [False] * len(words_b)
        shared = 0.0
        last_a, last_b = len(words_a) - 1, len(words_b) - 1
        for x, word in enumerate(words_a):
            hit = next((y for y in free if words_b[y] == word), None)
            if hit is None:
                hit = next((y for y in free if same_word(word, words_b[y])), None)
            if hit is None:  # the last word of a name cut short by a field length
                hit = next(
                    (
                        y
                        for y in free
                        if (x == last_a and _cut_off(word, words_b[y]))
                        or (y == last_b and _cut_off(words_b[y], word))
                    ),
                    None,
                )
            if hit is not None:
                free.remove(hit)
                matched_a[x] = matched_b[hit] = True
                shared += min(wa[x], wb[hit])
        total_a, total_b = sum(wa), sum(wb)
        smaller = min(total_a, total_b)
        rarest = (
            (matched_a[wa.index(max(wa))] if wa else False)
            + (matched_b[wb.index(max(wb))] if wb else False)
        ) / 2
        first = bool(pa.content and pb.content and same_word(pa.content[0], pb.content[0]))
        heads = (_found(pa.head, pb.content) + _found(pb.head, pa.content)) / 2
        # "Lakefront Foods" / "Lakefront Mechanical": each says what it is, and they differ;
        # "Commissionaires Ottawa" / "Commissionaires Hamilton": only the places differ
        acronym = bool(pa.initials & pb.heads or pb.initials & pa.heads)
        own = not acronym and self._own(pa, pb) and self._own(pb, pa)
        return (
            shared / smaller if smaller else 0.0,
            shared / (total_a + total_b - shared) if total_a + total_b - shared else 0.0,
            rarest,
            float(first),
            float(first and rarest == 0),
            heads,
            float(own),
            float(acronym),
            float(bool(pa.core) and pa.core == pb.core),
            float(min(len(pa.content), len(pb.content)) <= 1),
            float(bool(pa.numbers and pb.numbers and pa.numbers != pb.numbers)),
        )

    def _own(self, mine: _Profile, other: _Profile) -> bool:
        """Some word of ``mine`` is not in ``other`` (typos and cut-off words allowed), and is
        neither a qualifier ("canada"), nor a branch's place, nor a number, nor one letter, nor
        written inside the other's letters ("greenshoots" / "green shoots", "walmart" / "wal
        mart"), nor a legal form cut short. Generic words count: "Ossington Partners" is not
        "Ossington Enterprises"."""
        last = len(mine.content) - 1
        theirs = other.content
        return any(
            len(w) > 1
            and w not in mine.branch
            and w not in self.qualifiers
            and not _DIGIT.search(w)
            and not (len(w) >= 3 and w in other.squashed)
            and not (i == last and w not in self.generic and self._legal_cut(w))
            and not any(
                same_word(w, u) or (i == last and _cut_off(w, u)) or _cut_off(u, w) for u in theirs
            )
            for i, w in enumerate(mine.content)
        )

    def _legal_cut(self, word: str) -> bool:
        """A legal form cut short at the end of a name ("Incorporate", "Corporati", "Lt")."""
        return any(form.startswith(word) for form in self.legal if len(form) > len(word))


def _found(word: str | None, words: tuple[str, ...]) -> bool:
    return word is not None and any(same_word(word, w) for w in words)


@dataclass(frozen=True)
class NameModel:
    """A logistic model over :data:`FEATURES`: one weight per range of each graded measurement.

    ``score`` is the probability that two names are one supplier, as measured on the labelled
    pairs the model was fitted on (see ``trained_on``).
    """

    intercept: float
    weights: dict[str, tuple[float, ...]]
    trained_on: str = ""
    notes: tuple[str, ...] = ()

    def score(self, features: np.ndarray) -> np.ndarray:
        logit = self.intercept + design(features) @ self.coefficients()
        return np.asarray(1.0 / (1.0 + np.exp(-np.clip(logit, -60.0, 60.0))), dtype=np.float64)

    def coefficients(self) -> np.ndarray:
        return np.concatenate(
            [np.asarray(self.weights[f], dtype=np.float64) for f in FEATURES if f not in RULES]
        )


def design(features: np.ndarray) -> np.ndarray:
    """The model's inputs: a one-hot column per range of each graded measurement, the yes/no
    measurements as they are (the layout :meth:`NameModel.coefficients` follows)."""
    columns = []
    edges = np.asarray(EDGES)
    eye = np.eye(len(EDGES) + 1)
    for col, name in enumerate(FEATURES):
        values = features[:, col]
        if name in RULES:
            continue
        if name in BINARY:
            columns.append(values[:, None])
        else:
            columns.append(eye[np.searchsorted(edges, values, side="right")])
    return np.hstack(columns) if columns else np.zeros((len(features), 0))


def width(name: str) -> int:
    """How many weights a measurement has."""
    return 0 if name in RULES else 1 if name in BINARY else len(EDGES) + 1


@cache
def load_model(path: Path | None = None) -> NameModel:
    """The shipped model (``data/name_model.toml``) or the one at ``path``."""
    text = (
        path.read_text("utf-8")
        if path is not None
        else resources.files("anchorkit.data").joinpath(MODEL_FILE).read_text("utf-8")
    )
    raw = tomllib.loads(text)
    weights = {k: tuple(float(x) for x in v) for k, v in raw["weights"].items()}
    for name in FEATURES:
        if name not in RULES and len(weights.get(name, ())) != width(name):
            raise ValueError(f"{MODEL_FILE}: {name!r} needs {width(name)} weights")
    return NameModel(
        intercept=float(raw["intercept"]),
        weights=weights,
        trained_on=str(raw.get("trained_on", "")),
        notes=tuple(raw.get("notes", ())),
    )


def model_toml(model: NameModel) -> str:
    """``model`` as the TOML :func:`load_model` reads."""
    lines = [
        "# The name model of anchorkit.resolve.names: one weight per range of each measurement",
        "# (ranges: below " + ", ".join(f"{e:g}" for e in EDGES) + " and above), added to the",
        "# intercept and turned into a probability (logistic). Regenerate with",
        "# `python -m anchorkit.resolve.train` (see docs/resolution.md); do not edit by hand.",
        f"trained_on = {_toml_string(model.trained_on)}",
        "notes = [" + ", ".join(_toml_string(n) for n in model.notes) + "]",
        f"intercept = {model.intercept:.6f}",
        "",
        "[weights]",
    ]
    for name in FEATURES:
        if name not in RULES:
            values = ", ".join(f"{w:.4f}" for w in model.weights[name])
            lines.append(f"{name} = [{values}]")
    return "\n".join(lines) + "\n"


def _toml_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


class NameScorer:
    """Name scores of pairs of keys of one :class:`NameSpace`, by one :class:`NameModel`."""

    def __init__(self, space: NameSpace, model: NameModel | None = None) -> None:
        self.space = space
        self.model = model or load_model()

    def scores(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """The name score of each pair of key positions; identical keys score 1."""
        return self.judge(a, b)[0]

    def judge(self, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each pair's name score, and whether the names are in conflict (see CONFLICT_CAP):
        two names in conflict are never one supplier on their names alone."""
        if len(a) == 0:
            return np.zeros(0), np.zeros(0, dtype=bool)
        features = self.space.features(a, b)
        result = self.model.score(features)
        columns = [FEATURES.index(f) for f in _CONFLICTS]
        conflict = np.asarray((features[:, columns] > 0).any(axis=1), dtype=bool)
        conflict[a == b] = False
        result[conflict] = np.minimum(result[conflict], CONFLICT_CAP)
        result[a == b] = 1.0
        return result, conflict

"""Fitting the name model on labelled names: the same candidates and measurements as resolution.

A labelled list is names with the supplier (or parent company) each belongs to. Every candidate
pair :mod:`anchorkit.resolve.candidates` proposes among them is a training example, labelled
"same" when the two names share a label; the model (see :mod:`anchorkit.resolve.names`) is a
regularised logistic regression over the ranges of each measurement. Training on the pairs
resolution would propose, rather than on every pair, teaches the model the cases it will meet.

The shipped ``data/name_model.toml`` is rebuilt by ``python bench/name_model.py`` from the
labelled sets listed there (see docs/resolution.md for how it was measured on names it never saw).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence

import numpy as np

from anchorkit.resolve.candidates import candidate_pairs
from anchorkit.resolve.names import FEATURES, NameModel, NameSpace, design, width
from anchorkit.resolve.normalise import normalise_name

#: Candidate pairs drawn per labelled list at most (a fixed, evenly spread subset beyond it).
MAX_PAIRS = 400_000


def labelled_pairs(
    names: Sequence[str], labels: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Measurements, "same supplier" labels and weights of the candidate pairs among ``names``.

    A pair's weight is 1 / (names of its supplier - 1) for a pair of one supplier, so that a
    supplier with 300 spellings (44,850 pairs) teaches the model as much per spelling as one
    with 3, not a hundred times more: the model learns names, not one conglomerate.
    """
    keys: dict[str, set[str]] = defaultdict(set)
    for name, label in zip(names, labels, strict=True):
        n = normalise_name(name)
        for key in (n.name, n.trade_name):
            if key:
                keys[key].add(label)
    space = NameSpace(keys)
    # words counted once per supplier, as resolution counts them once per found supplier
    label_id = {label: i for i, label in enumerate(sorted(set(labels)))}
    space.reweight([label_id[min(keys[k])] for k in space.keys])
    found = candidate_pairs(
        space, np.ones(len(space), dtype=bool), budget=max(200_000, 40 * len(space))
    )
    a, b = found.a, found.b
    if len(a) > MAX_PAIRS:
        keep = np.linspace(0, len(a) - 1, MAX_PAIRS).astype(np.int64)
        a, b = a[keep], b[keep]
    same = np.fromiter(
        (bool(keys[space.keys[i]] & keys[space.keys[j]]) for i, j in zip(a, b, strict=True)),
        dtype=bool,
        count=len(a),
    )
    size = Counter(label for found in keys.values() for label in found)
    weight = np.ones(len(a))
    for k, (i, j) in enumerate(zip(a.tolist(), b.tolist(), strict=True)):
        if same[k]:
            common = keys[space.keys[i]] & keys[space.keys[j]]
            weight[k] = 1.0 / max(1, max(size[x] for x in common) - 1)
    return space.features(a, b), same, weight


def fit(
    sets: Sequence[tuple[Sequence[str], Sequence[str]]], *, trained_on: str, c: float = 1.0
) -> NameModel:
    """A name model fitted on labelled lists of (names, labels)."""
    from sklearn.linear_model import LogisticRegression

    parts = [labelled_pairs(names, labels) for names, labels in sets]
    features = np.vstack([p[0] for p in parts])
    same = np.concatenate([p[1] for p in parts])
    weight = np.concatenate([p[2] for p in parts])
    # the two classes weigh alike in total: the model's 0.5 is "as likely the same as not"
    weight[same] *= weight[~same].sum() / max(weight[same].sum(), 1e-9)
    regression = LogisticRegression(C=c, max_iter=5000)
    regression.fit(design(features), same, sample_weight=weight)
    coef = regression.coef_[0]
    weights: dict[str, tuple[float, ...]] = {}
    at = 0
    for name in FEATURES:
        if width(name):
            weights[name] = tuple(float(x) for x in coef[at : at + width(name)])
            at += width(name)
    notes = (f"{len(same):,} candidate pairs, {int(same.sum()):,} of them the same supplier",)
    return NameModel(
        intercept=float(regression.intercept_[0]),
        weights=weights,
        trained_on=trained_on,
        notes=notes,
    )

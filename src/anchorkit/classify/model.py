"""The text model: what labelled spend text says about a line's category.

It reads a line's raw category and description (and, weaker, its cost centre) and gives a
probability per level-2 code — one source of evidence among others
(:mod:`anchorkit.classify.combine`), never a decision on its own.

Why learned from labelled examples and not from the rules' own output: a model taught by the
rules can only repeat them. The examples ship beside the taxonomy (``examples.csv.gz``, see
:mod:`anchorkit.classify.examples`): several public bodies' own labels of their ledger lines,
Contracts Finder notice titles through their CPV codes, Companies House SIC texts through the
sector crosswalk; plus the taxonomy's own names, the rules' phrases and the anchors' confirmed
mappings. Nothing is downloaded and nothing is read from outside the package.

Why this model: ledger text is short, abbreviated and misspelt ("Bldg Mats&Svcs Gen"), so
character n-grams carry as much as words. Complement naive Bayes on TF-IDF was as accurate as a
logistic model on publishers left out of training (bench/classify.py), trains in about a second
rather than a minute — it is trained at a workspace's first ``classify`` — and its probabilities
are about as high as it is right (mean top 0.29 against 0.24 right at level 2, held out). The
supplier's name is not a model input: names carry little beyond what the rules on names say (a
name model scored one in ten at level 2 on held-out publishers).
"""

from __future__ import annotations

import hashlib
import math
import pickle
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchorkit.classify.examples import Example
from anchorkit.classify.taxonomy import Taxonomy

TOP = 5  # codes kept per prediction (the rest are noise for the combination)
SEED_WEIGHT = 0.5  # a taxonomy name or a rule's phrase counts half a labelled line
_SEP = "\x1f"


def text_document(raw_category: str, description: str, cost_centre: str) -> str:
    """What the text model reads of a line (already normalised): the words that describe the
    purchase, then the cost centre, kept apart so it can weigh less."""
    main = " ".join(t for t in (raw_category, description) if t)
    return f"{main}{_SEP}{cost_centre}"


def _main_part(doc: str) -> str:
    return doc.split(_SEP, 1)[0]


def _cost_centre_part(doc: str) -> str:
    parts = doc.split(_SEP, 1)
    # a constant first word keeps the vocabulary non-empty when no example has a cost centre
    return "costcentre " + (parts[1] if len(parts) > 1 else "")


def _features() -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion

    return FeatureUnion(
        [
            (
                "words",
                TfidfVectorizer(preprocessor=_main_part, ngram_range=(1, 2), sublinear_tf=True),
            ),
            (
                "chars",
                # n-grams seen in fewer than three documents add memory, not accuracy (measured)
                TfidfVectorizer(
                    preprocessor=_main_part,
                    analyzer="char_wb",
                    ngram_range=(3, 5),
                    sublinear_tf=True,
                    min_df=3,
                ),
            ),
            ("cost_centre", TfidfVectorizer(preprocessor=_cost_centre_part, sublinear_tf=True)),
        ],
        transformer_weights={"words": 1.0, "chars": 1.0, "cost_centre": 0.5},
    )


@dataclass(frozen=True)
class Guess:
    code: str
    probability: float


class TextModel:
    """A fitted scikit-learn pipeline, how many documents it learnt from and from what data."""

    def __init__(self, pipeline: Any, trained_on: int, digest: str) -> None:
        self.pipeline = pipeline
        self.trained_on = trained_on
        self.digest = digest

    @classmethod
    def fit(
        cls, documents: Sequence[str], codes: Sequence[str], weights: Sequence[float], digest: str
    ) -> TextModel:
        """Train on normalised ``documents`` (see :func:`text_document`)."""
        import numpy as np
        from sklearn.naive_bayes import ComplementNB
        from sklearn.pipeline import Pipeline

        pipeline = Pipeline([("features", _features()), ("classifier", ComplementNB(alpha=0.3))])
        pipeline.fit(list(documents), list(codes), classifier__sample_weight=list(weights))
        # prediction needs only the vocabularies and the log weights: drop the counts and the
        # n-grams left out, keep the weights in single precision (~30 MB rather than 300)
        nb = pipeline.named_steps["classifier"]
        nb.feature_log_prob_ = nb.feature_log_prob_.astype(np.float32)
        del nb.feature_count_, nb.feature_all_
        for _, vectorizer in pipeline.named_steps["features"].transformer_list:
            vectorizer.stop_words_ = None
        return cls(pipeline, len(documents), digest)

    def predict(self, documents: Sequence[str], batch: int = 5_000) -> list[list[Guess]]:
        """The most likely codes of each document, with probabilities."""
        import numpy as np

        out: list[list[Guess]] = []
        classes = self.pipeline.classes_
        for start in range(0, len(documents), batch):
            probs = self.pipeline.predict_proba(list(documents[start : start + batch]))
            top = np.argsort(-probs, axis=1, kind="stable")[:, :TOP]
            for row, idx in zip(probs, top, strict=True):
                out.append([Guess(str(classes[i]), float(row[i])) for i in idx if row[i] > 0.01])
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(self))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path, digest: str) -> TextModel | None:
        """The model an earlier run saved for the same training data, or None."""
        if not path.exists():
            return None
        try:
            model = pickle.loads(path.read_bytes())  # noqa: S301 - the workspace's own file
        except Exception:  # an old or foreign file: retrain rather than fail
            return None
        return model if isinstance(model, cls) and model.digest == digest else None


def fold(taxonomy: Taxonomy, code: str) -> str:
    """The code the model predicts for ``code``: its level 2 (level 1 stays level 1)."""
    category = taxonomy.categories[code]
    return category.level2_code or category.code


def model_digest(
    taxonomy: Taxonomy, examples: Sequence[Example], seeds: Sequence[tuple[str, str]]
) -> str:
    """What :func:`train` depends on, as a short digest (a saved model is reused only for it)."""
    parts = (taxonomy.digest, sorted(map(_example_key, examples)), sorted(seeds))
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def train(
    taxonomy: Taxonomy,
    normalise: Callable[[str | None], str],
    examples: Sequence[Example],
    seeds: Sequence[tuple[str, str]] = (),
) -> TextModel | None:
    """Fit the text model on ``examples`` plus the taxonomy's names and ``seeds`` ((phrase, code)
    pairs such as the rules' phrases, so every code has some vocabulary); None when fewer than
    two codes are known."""
    data: dict[tuple[str, str], float] = defaultdict(float)
    for e in examples:
        doc = text_document(
            normalise(e.raw_category), normalise(e.description), normalise(e.cost_centre)
        )
        if doc.strip(_SEP + " "):
            data[(doc, fold(taxonomy, e.code))] += e.weight
    # an example's weight is how many lines carried it: a logarithm keeps one ledger's commonest
    # line from drowning the rest
    weights = {k: 1.0 + math.log(max(1.0, w)) for k, w in data.items()}
    names = [
        (" ".join(n for n in (c.level2, c.name if c.level >= 3 else None) if n), c.code)
        for c in taxonomy.categories.values()
    ]
    for phrase, code in [*names, *seeds]:
        if phrase and code in taxonomy.categories:
            key = (text_document(normalise(phrase), "", ""), fold(taxonomy, code))
            weights.setdefault(key, SEED_WEIGHT)
    if len({code for _, code in weights}) < 2:
        return None
    items = sorted(weights.items())
    return TextModel.fit(
        [d for (d, _), _ in items],
        [c for (_, c), _ in items],
        [w for _, w in items],
        model_digest(taxonomy, examples, seeds),
    )


def _example_key(e: Example) -> tuple[str, ...]:
    return (e.source, e.code, e.raw_category or "", e.description or "", e.cost_centre or "",
            e.supplier or "", f"{e.weight:g}")  # fmt: skip

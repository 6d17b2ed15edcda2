"""The text model (stage d): TF-IDF on words and character n-grams, and a linear classifier.

Why this model: ledger text is short, abbreviated and misspelt ("Bldg Mats&Svcs Gen"), so character
n-grams carry as much as words; a linear model trains in seconds on a laptop, needs no download,
and its probability is a usable confidence. It learns from lines a person confirmed and lines a
rule decided, seeded with the taxonomy's own names and the rules' words so it can guess at
categories no line has reached yet.
"""

from __future__ import annotations

import pickle
import random
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchorkit.classify.taxonomy import Taxonomy

MAX_TRAINING = 60_000  # distinct texts; more adds little and costs memory


def line_text(raw_category: str | None, description: str | None, supplier: str | None) -> str:
    """What the model reads of a line (the same for training and prediction)."""
    return " | ".join(part for part in (raw_category, description, supplier) if part)


@dataclass
class Prediction:
    code: str
    confidence: float
    runner_up: str | None
    runner_up_confidence: float


class TextModel:
    """A fitted scikit-learn pipeline plus what it was trained on (for the evidence string)."""

    def __init__(self, pipeline: Any, trained_on: int, taxonomy_digest: str) -> None:
        self.pipeline = pipeline
        self.trained_on = trained_on
        self.taxonomy_digest = taxonomy_digest

    @classmethod
    def fit(
        cls,
        texts: Sequence[str],
        codes: Sequence[str],
        taxonomy: Taxonomy,
        seeds: Sequence[tuple[str, str]] = (),
        *,
        seed: int = 0,
    ) -> TextModel:
        """Train on ``texts``/``codes`` (confirmed or rule-decided lines) plus seed examples."""
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import SGDClassifier
        from sklearn.pipeline import make_pipeline, make_union

        pairs = list(dict.fromkeys(zip(texts, codes, strict=True)))
        if len(pairs) > MAX_TRAINING:
            pairs = random.Random(seed).sample(pairs, MAX_TRAINING)
        names = [
            (f"{c.level1} {c.level2 or ''} {c.name}".strip(), c.code)
            for c in taxonomy.categories.values()
            if c.level >= 2
        ]
        data = pairs + list(seeds) + names
        features = make_union(
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True, min_df=1),
            TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True, min_df=1),
        )
        classifier = SGDClassifier(
            loss="log_loss", alpha=2e-6, max_iter=6, tol=None, random_state=seed, n_jobs=1
        )
        pipeline = make_pipeline(features, classifier)
        pipeline.fit([t.lower() for t, _ in data], [c for _, c in data])
        return cls(pipeline, len(pairs), taxonomy.digest)

    def predict(self, texts: Sequence[str], batch: int = 20_000) -> list[Prediction]:
        out: list[Prediction] = []
        classes = self.pipeline.classes_
        for start in range(0, len(texts), batch):
            chunk = [t.lower() for t in texts[start : start + batch]]
            probs = self.pipeline.predict_proba(chunk)
            top2 = probs.argsort(axis=1)[:, -2:]
            for row, (second, first) in zip(probs, top2, strict=True):
                out.append(
                    Prediction(
                        str(classes[first]),
                        float(row[first]),
                        str(classes[second]) if len(classes) > 1 else None,
                        float(row[second]) if len(classes) > 1 else 0.0,
                    )
                )
        return out

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(pickle.dumps(self))
        tmp.replace(path)

    @classmethod
    def load(cls, path: Path) -> TextModel | None:
        """The model saved by an earlier run (a file this workspace wrote), or None."""
        if not path.exists():
            return None
        try:
            model = pickle.loads(path.read_bytes())  # noqa: S301 - the workspace's own file
        except Exception:  # an old or foreign file: retrain rather than fail
            return None
        return model if isinstance(model, cls) else None

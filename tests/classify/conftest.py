"""The classification tests' shared fixture: the shipped classifier."""

from __future__ import annotations

import pytest

from anchorkit.classify import Classifier, load_taxonomy, make_classifier


@pytest.fixture(scope="module")
def classifier() -> Classifier:
    """The shipped taxonomy's classifier (its text model is trained once per process)."""
    return make_classifier(load_taxonomy())

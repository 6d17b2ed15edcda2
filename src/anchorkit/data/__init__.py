"""Bundled data files (taxonomy, region packs, registry vocabularies, framework packs...).

The one tag vocabulary lives here (``tags.toml``) because every layer above reads it: registry
imports, portal certifications, settings and framework packs must all mean the same thing by a
tag, so there is one list and one function that reads it.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources


@cache
def tag_vocabulary() -> dict[str, str]:
    """Every supplier tag anchorkit knows, with what it means (``tags.toml``, ``[tags]``)."""
    text = resources.files("anchorkit.data").joinpath("tags.toml").read_text("utf-8")
    return dict(tomllib.loads(text)["tags"])

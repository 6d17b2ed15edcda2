"""Allowed tags and tag-column vocabularies: the TOML data files that say what a tag means.

Tags are strict (``check_tags``) because indicators add up spend per tag across registries; a
tag column's values (``"Yes"``, ``"Black-owned / Women-owned"``) mean tags only through a
vocabulary of ``registry_tags.toml``, or a mapping file's ``[tag_values]``. The tags themselves are
the one list of ``data/tags.toml``.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from anchorkit.data import tag_vocabulary
from anchorkit.errors import IngestError, MappingError
from anchorkit.ingest.mapping import normalise_header

DEFAULT_SPLIT = "[/;,|]"


def _data(name: str) -> dict[str, Any]:
    return tomllib.loads(resources.files("anchorkit.data").joinpath(name).read_text("utf-8"))


def tag_definitions() -> dict[str, str]:
    """Every allowed tag with what it means: the one vocabulary of ``data/tags.toml``."""
    return tag_vocabulary()


def allowed_tags() -> tuple[str, ...]:
    return tuple(tag_definitions())


def check_tags(tags: Iterable[str], where: str = "--tag") -> list[str]:
    """Tags as stored (lower case, ``-`` read as ``_``), or an error listing the allowed ones.

    Why strict: indicators add up spend per tag across registries, so a typo ("co-op",
    "women") must not become a tag of its own that nobody counts.
    """
    known = allowed_tags()
    clean: list[str] = []
    for tag in tags:
        norm = tag.strip().lower().replace("-", "_").replace(" ", "_")
        if norm not in known:
            close = difflib.get_close_matches(norm, known, n=1, cutoff=0.6)
            raise IngestError(
                f"{where}: {tag!r} is not a tag anchorkit knows"
                + (f" (did you mean {close[0]!r}?)" if close else "")
                + f". Allowed tags: {', '.join(known)}."
            )
        if norm not in clean:
            clean.append(norm)
    return sorted(clean)


@dataclass(frozen=True)
class TagRule:
    """What one value of a tag column means: tags, and whether the --tag tags stop applying."""

    tags: tuple[str, ...]
    replaces_registry_tags: bool = False


@dataclass(frozen=True)
class Vocabulary:
    """A kind of tag column: the headers it goes by and the meaning of its values."""

    name: str
    headers: tuple[str, ...]
    split: str
    values: Mapping[str, TagRule]


def _tag_rule(spec: object, where: str) -> TagRule:
    if isinstance(spec, list):
        return TagRule(tuple(check_tags([str(t) for t in spec], where)))
    if isinstance(spec, dict) and isinstance(spec.get("tags"), list):
        unknown = set(spec) - {"tags", "replaces_registry_tags"}
        if unknown:
            raise MappingError(f"{where}: unknown keys {sorted(unknown)}.")
        return TagRule(
            tuple(check_tags([str(t) for t in spec["tags"]], where)),
            bool(spec.get("replaces_registry_tags", False)),
        )
    raise MappingError(
        f"{where}: a value must map to a list of tags or to "
        f"{{ tags = [...], replaces_registry_tags = true }}, not {spec!r}."
    )


def _tag_rules(table: Mapping[str, object], where: str) -> dict[str, TagRule]:
    return {
        normalise_header(value): _tag_rule(spec, f"{where} value {value!r}")
        for value, spec in table.items()
    }


@cache
def vocabularies() -> dict[str, Vocabulary]:
    """The tag-column vocabularies of ``registry_tags.toml``, by name."""
    found: dict[str, Vocabulary] = {}
    for raw in _data("registry_tags.toml").get("vocabulary", []):
        name = str(raw["name"])
        found[name] = Vocabulary(
            name=name,
            headers=tuple(normalise_header(h) for h in raw["headers"]),
            split=str(raw.get("split", DEFAULT_SPLIT)),
            values=_tag_rules(raw.get("values", {}), f"registry_tags.toml [{name}]"),
        )
    return found


def _vocabulary_for(header: str) -> Vocabulary | None:
    norm = normalise_header(header)
    return next((v for v in vocabularies().values() if norm in v.headers), None)


@cache
def ended_statuses() -> tuple[str, ...]:
    """Status values saying a certification or membership has ended (normalised)."""
    return tuple(normalise_header(s) for s in _data("registry_synonyms.toml")["status"]["ended"])

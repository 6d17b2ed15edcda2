"""Registry columns: names, header synonyms, registry names and mapping files.

A registry file's headers are scored against ``registry_synonyms.toml`` (``header_score``); a
mapping file names the columns the synonyms cannot find, and ``load_registry_mapping`` reports
every problem in it with the file's name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from anchorkit.errors import IngestError, MappingError
from anchorkit.ingest.mapping import normalise_header, read_mapping_toml
from anchorkit.resolve.registries.tags import TagRule, _data, _tag_rules, vocabularies

#: The registry columns, as named in ``registry_synonyms.toml`` and in mapping files.
REGISTRY_COLUMNS = (
    "name",
    "address",
    "postcode",
    "city",
    "registry_id",
    "certified_on",
    "expires_on",
    "status",
)
#: What a mapping file may name: the registry columns plus the per-row tag column.
MAPPABLE = (*REGISTRY_COLUMNS, "tags")
LABELS = {
    "name": "name",
    "address": "address",
    "postcode": "postcode",
    "city": "city",
    "registry_id": "registry id",
    "certified_on": "certification date",
    "expires_on": "expiry date",
    "status": "status",
    "tags": "tag column",
}
#: Columns that have a typed place in registry_entry; all others are kept in ``extra``.
TYPED = ("name", "address", "postcode", "city", "certified_on", "expires_on")

_REGISTRY_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")


@dataclass(frozen=True)
class _Synonyms:
    exact: tuple[str, ...]
    keywords: tuple[str, ...]
    exclude: tuple[str, ...]


@cache
def _synonyms() -> dict[str, _Synonyms]:
    raw = _data("registry_synonyms.toml")
    return {
        column: _Synonyms(
            tuple(normalise_header(h) for h in raw[column].get("exact", [])),
            tuple(normalise_header(h) for h in raw[column].get("keywords", [])),
            tuple(normalise_header(h) for h in raw[column].get("exclude", [])),
        )
        for column in REGISTRY_COLUMNS
    }


# --- registry names and mapping files -----------------------------------------------------------


def check_registry_name(registry: str) -> str:
    """A registry's name is its key in every table and in ``supplier_tag.source``: keep it plain."""
    name = registry.strip().lower()
    if not _REGISTRY_NAME.match(name):
        suggestion = re.sub(r"[^a-z0-9._-]+", "-", name).strip("-._") or "my-registry"
        raise IngestError(
            f"{registry!r} cannot be a registry name: use lower-case letters, digits, '-', '_' "
            f"or '.', at most 64 characters, e.g. {suggestion[:64]!r}."
        )
    return name


@dataclass(frozen=True)
class RegistryMapping:
    """A registry mapping file: column -> header text or 1-based column number, plus options.

    ``tag_values`` adds or overrides values of the tag column's vocabulary, for this file.
    """

    columns: Mapping[str, str | int] = field(default_factory=dict)
    header_row: int | None = None
    has_header: bool | None = None
    date_order: str | None = None
    tag_vocabulary: str | None = None
    tag_split: str | None = None
    tag_values: Mapping[str, TagRule] = field(default_factory=dict)


def load_registry_mapping(path: Path) -> RegistryMapping:
    """Read a registry mapping TOML; every problem is reported with the file's name."""
    raw, columns, options = read_mapping_toml(Path(path), MAPPABLE, "registry columns")
    date_order = options.get("date_order")
    vocabulary = options.get("tag_vocabulary")
    if vocabulary is not None and vocabulary not in vocabularies():
        raise MappingError(
            f"In {path}, options.tag_vocabulary {vocabulary!r} is not in registry_tags.toml; "
            f"known: {', '.join(vocabularies())}."
        )
    split = options.get("tag_split")
    if split is not None:
        try:
            re.compile(split)
        except re.error as exc:
            raise MappingError(
                f"In {path}, options.tag_split is not a regular expression: {exc}."
            ) from exc
    return RegistryMapping(
        columns=dict(columns),
        header_row=options.get("header_row"),
        has_header=options.get("has_header"),
        date_order=date_order,
        tag_vocabulary=vocabulary,
        tag_split=split,
        tag_values=_tag_rules(raw.get("tag_values", {}), f"In {path}, [tag_values]"),
    )


def _contains(header: str, phrase: str) -> bool:
    return f" {phrase} " in f" {header} "


def header_score(header: str, column: str) -> float:
    """How strongly a normalised header means a registry column: 0 (not at all) to 4."""
    syn = _synonyms()[column]
    if not header:
        return 0.0
    if header in syn.exact:
        return 4.0 - syn.exact.index(header) / len(syn.exact)
    if any(_contains(header, k) for k in syn.keywords) and not any(
        _contains(header, x) for x in syn.exclude
    ):
        return 2.0
    return 0.0

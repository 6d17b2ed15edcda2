"""The spend category taxonomy, as data: a tree of codes in a CSV file, with crosswalk files.

Why data: a network compares anchors only if every line speaks one language, and which language is
a choice (ProClass for UK councils, the network's own elsewhere). The shipped tree is ProClass
v17.1 plus a Fire & Rescue family (``data/taxonomy/SOURCE.md``); a network replaces it by pointing
the setting ``classify.taxonomy`` at a folder holding its own ``categories.csv`` (columns ``code``,
``parent``, ``name``; levels and level names are worked out from the parents), optionally with its
own ``rules.toml`` and crosswalk files.

Example::

    >>> tax = load_taxonomy()
    >>> tax.get("371000").path
    'Utilities > Electricity'
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path

from anchorkit.classify.examples import Example, examples_bytes, read_examples
from anchorkit.errors import CategoryError
from anchorkit.settings import Settings

CATEGORIES_FILE = "categories.csv"
#: words that name a residual bucket rather than a kind of purchase
RESIDUAL = re.compile(
    r"\b(other|others|general|miscellaneous|misc|sundry|sundries|various|unspecified|"
    r"unclassified|uncategori[sz]ed|not elsewhere|n\.?e\.?c\.?|n\.?e\.?s\.?)\b",
    re.IGNORECASE,
)
RULES_FILE = "rules.toml"
CALIBRATION_FILE = "calibration.csv"
#: The level-1 name of payments that buy nothing (precepts, taxes, refunds, transfers...): the
#: shipped family 900000; a network's own taxonomy gets the same treatment by using this name.
NOT_A_PURCHASE = "Not a Purchase"


@dataclass(frozen=True)
class Category:
    code: str
    level: int
    parent: str | None
    name: str
    level1: str  # the level-1 name (the category itself at level 1)
    level2: str | None  # the level-2 name, None at level 1
    level2_code: str | None
    level1_code: str

    @property
    def path(self) -> str:
        return " > ".join(n for n in (self.level1, self.level2, self._level3) if n)

    @property
    def _level3(self) -> str | None:
        return self.name if self.level >= 3 else None


@dataclass(frozen=True)
class Taxonomy:
    """Every category by code, where it came from, and a digest of its bytes (models note it)."""

    categories: dict[str, Category]
    source: str
    digest: str
    rules_text: str
    examples: tuple[Example, ...] = ()
    calibration_text: str = ""  # score → share right (classify/combine.py), "" for none

    def get(self, code: str) -> Category:
        found = self.categories.get(code.strip())
        if found is None:
            near = [
                c.code for c in self.categories.values() if code.strip().lower() in c.path.lower()
            ]
            hint = f" Did you mean {', '.join(near[:5])}?" if near else ""
            raise CategoryError(
                f"There is no category {code!r} in the taxonomy ({self.source}).{hint} "
                "See every code with: anchorkit category list --level 2"
            )
        return found

    def __contains__(self, code: object) -> bool:
        return code in self.categories

    def level(self, n: int) -> list[Category]:
        return sorted(
            (c for c in self.categories.values() if c.level == n), key=lambda c: c.path.lower()
        )

    def is_within(self, code: str, under: str) -> bool:
        """Whether category ``code`` is ``under`` or one of its descendants."""
        found = self.categories.get(code)
        if found is None:
            return code == under
        return under in (found.code, found.level1_code, found.level2_code, found.parent)

    @cached_property
    def catch_alls(self) -> frozenset[str]:
        """The codes of residual buckets — "Not Elsewhere Classified", "General Support",
        "Other ..." — at level 1 or 2: they say what a line is not, so spend in them cannot be
        matched to suppliers until it is classified further.

        Found from the tree itself, so a network's own taxonomy is read the same way: a level-2
        name that recurs under at least a quarter of the level-1 families (a bucket every family
        keeps, whatever it is called), or a name with residual words (:data:`RESIDUAL`) on a
        category with no sub-categories of its own (ProClass's "Stationery > Sundries" has
        desktop equipment, filing...: a branch, not a bucket)."""
        families = {c.level1_code for c in self.categories.values()}
        parents = {c.parent for c in self.categories.values()}
        under: dict[str, set[str]] = {}
        for c in self.categories.values():
            if c.level == 2:
                under.setdefault(c.name.strip().lower(), set()).add(c.level1_code)
        recurring = max(3, len(families) // 4)
        return frozenset(
            c.code
            for c in self.categories.values()
            if c.level <= 2
            and (
                (RESIDUAL.search(c.name) is not None and c.code not in parents)
                or (c.level == 2 and len(under[c.name.strip().lower()]) >= recurring)
            )
        )


def _parse(text: str, source: str) -> dict[str, Category]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or not {"code", "parent", "name"} <= set(rows[0]):
        raise CategoryError(
            f"{source} must be a CSV with at least the columns code, parent and name "
            "(parent empty for a top-level category)."
        )
    raw = {r["code"].strip(): (r["parent"].strip() or None, r["name"].strip()) for r in rows}
    out: dict[str, Category] = {}

    def chain(code: str) -> list[str]:
        seen = [code]
        parent = raw[code][0]
        while parent is not None:
            if parent not in raw:
                raise CategoryError(f"{source}: category {code} has unknown parent {parent}.")
            if parent in seen:
                raise CategoryError(f"{source}: category {code} is its own ancestor.")
            seen.append(parent)
            parent = raw[parent][0]
        return seen[::-1]

    for code, (parent, name) in raw.items():
        path = chain(code)
        out[code] = Category(
            code=code,
            level=len(path),
            parent=parent,
            name=name,
            level1=raw[path[0]][1],
            level2=raw[path[1]][1] if len(path) > 1 else None,
            level2_code=path[1] if len(path) > 1 else None,
            level1_code=path[0],
        )
    return out


@cache
def _shipped() -> Taxonomy:
    folder = resources.files("anchorkit.data").joinpath("taxonomy")
    text = folder.joinpath(CATEGORIES_FILE).read_text("utf-8")
    rules = folder.joinpath(RULES_FILE).read_text("utf-8")
    examples = examples_bytes(None)
    calibration = folder.joinpath(CALIBRATION_FILE)
    categories = _parse(text, "shipped taxonomy")
    return Taxonomy(
        categories,
        "shipped ProClass v17.1",
        _digest(text, rules, examples),
        rules,
        tuple(e for e in read_examples(examples) if e.code in categories),
        calibration.read_text("utf-8") if calibration.is_file() else "",
    )


def _digest(text: str, rules: str, examples: bytes = b"") -> str:
    digest = hashlib.sha256("\x00".join((text, rules)).encode())
    digest.update(examples)
    return digest.hexdigest()[:16]


def load_taxonomy(folder: Path | None = None) -> Taxonomy:
    """The shipped taxonomy, or a network's own from ``folder`` (its rules.toml, if any, too)."""
    if folder is None:
        return _shipped()
    path = folder / CATEGORIES_FILE
    if not path.exists():
        raise CategoryError(
            f"The taxonomy folder {folder} has no {CATEGORIES_FILE}. Point classify.taxonomy at a "
            "folder holding categories.csv (code, parent, name), or leave it empty for the shipped one."
        )
    text = path.read_text("utf-8-sig")
    rules_path = folder / RULES_FILE
    rules = rules_path.read_text("utf-8") if rules_path.exists() else ""
    examples = examples_bytes(folder)
    calibration = folder / CALIBRATION_FILE
    categories = _parse(text, str(path))
    return Taxonomy(
        categories,
        str(folder),
        _digest(text, rules, examples),
        rules,
        tuple(e for e in read_examples(examples) if e.code in categories),
        calibration.read_text("utf-8") if calibration.exists() else "",
    )


def taxonomy_for(settings: Settings, root: Path) -> Taxonomy:
    """The taxonomy a workspace uses: ``classify.taxonomy`` (relative to the workspace) or shipped."""
    name = str(settings["classify.taxonomy"]).strip()
    return load_taxonomy((root / name) if name else None)


def crosswalk(name: str) -> dict[str, dict[str, str]]:
    """A shipped crosswalk file by name (``naics`` or ``uk_sic``): code → its row."""
    return {r["code"]: r for r in crosswalk_rows(name)}


@cache
def crosswalk_rows(name: str) -> tuple[dict[str, str], ...]:
    """Every row of a shipped crosswalk file (``naics``, ``uk_sic``, ``cpv``, ``sector``)."""
    text = resources.files("anchorkit.data").joinpath("taxonomy", f"crosswalk_{name}.csv")
    return tuple(csv.DictReader(io.StringIO(text.read_text("utf-8"))))

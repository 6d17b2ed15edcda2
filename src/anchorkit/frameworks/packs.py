"""Framework packs: what a reporting framework asks, and how each answer is computed — as data.

A framework (HAN's Impact Purchasing Commitment, the National TOMs, Toronto's Social Procurement
Program, the Anchor Dashboard, or a user's own) is one TOML file: its source and version, its
business categories mapped onto anchorkit's one tag vocabulary (``data/tags.toml``), named groups
of spend categories, and its measures. Each measure says how it is computed (``compute``):

- ``spend`` / ``share`` / ``suppliers``: spend lines, filtered by tags, spend categories, local,
  priority area and line amount — read from the same classified lines as every indicator;
- ``lever``: a hiring or investment figure (``hiring.local_hire_share``), when that data exists;
- ``commitment``: suppliers' reported actuals against their contract commitments;
- ``tier2``: Tier-2 spend reported by prime suppliers (beside Tier-1, never added to it);
- ``none``: not computable from anchorkit's data, with the reason.

Why data and not code: frameworks change edition by edition, and a collaborative reports to ones
nobody here has seen; a finance officer can copy a pack, edit it and drop it in
``frameworks.folder`` without a release. Every mistake in a pack is refused at load, naming the
file and the measure, so a pack never silently computes something else.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

from anchorkit.data import tag_vocabulary
from anchorkit.errors import FrameworkError
from anchorkit.settings import Settings

COMPUTES = ("spend", "share", "suppliers", "lever", "commitment", "tier2", "none")
DENOMINATORS = ("addressable", "filtered", "total", "influenceable")
LEVERS = ("hiring", "investment")
_FRAMEWORK_KEYS = {"id", "name", "publisher", "source", "version", "description"}
_MEASURE_KEYS = {
    "id",
    "name",
    "compute",
    "tags",
    "categories",
    "exclude_categories",
    "local",
    "priority_area",
    "min_amount",
    "max_amount",
    "of",
    "lever",
    "commitment",
    "reason",
    "unit",
    "target",
    "proxy_value",
    "proxy_unit",
    "caveat",
    "estimated",
}


@dataclass(frozen=True)
class Measure:
    """One measure of a framework, its filters resolved (tags are vocabulary tags, categories
    are spend-category names)."""

    id: str
    name: str
    compute: str
    tags: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    exclude_categories: tuple[str, ...] = ()
    local: bool = False
    priority_area: bool = False
    min_amount: float | None = None
    max_amount: float | None = None
    of: str = "addressable"
    lever: str | None = None
    commitment: str | None = None
    reason: str | None = None
    unit: str = ""
    target: float | None = None
    proxy_value: float | None = None
    proxy_unit: str | None = None
    caveat: str | None = None
    estimated: bool = False

    def how(self) -> str:
        """How the measure is computed, in words (the report and the docs show it)."""
        if self.compute == "none":
            return "Not computable from this data."
        if self.compute == "lever":
            return f"The {self.lever} figure of the {str(self.lever).split('.')[0]} data."
        if self.compute == "commitment":
            return f"Suppliers' reported actuals against their commitments to {self.commitment}."
        if self.compute == "tier2":
            return "Tier-2 diverse spend reported by prime suppliers (beside Tier-1)."
        parts = ["addressable spend"]
        if self.tags:
            parts.append(f"with suppliers tagged {' or '.join(self.tags)}")
        if self.categories:
            parts.append(f"in categories {', '.join(self.categories)}")
        if self.exclude_categories:
            parts.append(f"outside categories {', '.join(self.exclude_categories)}")
        if self.local:
            parts.append("with local suppliers")
        if self.priority_area:
            parts.append("with suppliers in priority areas")
        if self.min_amount is not None or self.max_amount is not None:
            low = "" if self.min_amount is None else f"from {self.min_amount:,.0f}"
            high = "" if self.max_amount is None else f"up to {self.max_amount:,.0f}"
            parts.append(f"on lines {' '.join(p for p in (low, high) if p)}")
        text = " ".join(parts)
        if self.compute == "suppliers":
            return f"Suppliers paid: {text}."
        if self.compute == "share":
            base = {
                "addressable": "addressable spend",
                "filtered": "the same spend whatever the supplier's tags",
                "total": "total spend",
                "influenceable": "influenceable spend",
            }[self.of]
            return f"Share: {text}, divided by {base}."
        return f"Sum of {text}."


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    publisher: str
    source: str
    version: str
    description: str
    measures: tuple[Measure, ...]
    categories: dict[str, tuple[str, ...]] = field(default_factory=dict)
    path: str = ""
    shipped: bool = True

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "publisher": self.publisher,
            "source": self.source,
            "version": self.version,
            "measures": len(self.measures),
            "shipped": self.shipped,
            "path": self.path,
        }


def _fail(where: str, problem: str) -> FrameworkError:
    return FrameworkError(f"Framework pack {where}: {problem}")


def _strings(value: Any, where: str, key: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _fail(where, f'{key} must be a list of names, e.g. {key} = ["..."].')
    return tuple(v.strip() for v in value)


def _number(value: Any, where: str, key: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(where, f"{key} must be a number, got {value!r}.")
    return float(value)


def parse_pack(text: str, where: str, *, shipped: bool = False) -> Framework:
    """A framework from a pack's TOML text, every name checked (``where`` names the file in
    errors)."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(where, f"is not valid TOML ({exc}).") from exc
    head = raw.get("framework")
    if not isinstance(head, dict):
        raise _fail(where, "has no [framework] table (id, name, source, version).")
    unknown = set(head) - _FRAMEWORK_KEYS
    if unknown:
        raise _fail(where, f"[framework] has unknown keys {', '.join(sorted(unknown))}.")
    for key in ("id", "name", "source", "version"):
        if not isinstance(head.get(key), str) or not head[key].strip():
            raise _fail(where, f"[framework] needs {key} (a framework must say where it is from).")
    vocabulary = tag_vocabulary()
    categories: dict[str, tuple[str, ...]] = {}
    for name, tags in dict(raw.get("categories", {})).items():
        tags = _strings(tags, where, f"[categories] {name!r}")
        bad = [t for t in tags if t not in vocabulary]
        if bad:
            raise _fail(
                where,
                f"[categories] {name!r} maps onto {', '.join(bad)}, not in anchorkit's tag list "
                f"({', '.join(vocabulary)}).",
            )
        categories[name] = tags
    groups = {
        name: _strings(names, where, f"[spend_groups] {name!r}")
        for name, names in dict(raw.get("spend_groups", {})).items()
    }
    rows = raw.get("measures")
    if not isinstance(rows, list) or not rows:
        raise _fail(where, "lists no [[measures]].")
    measures: list[Measure] = []
    for i, row in enumerate(rows, start=1):
        measures.append(_measure(row, f"{where}, measure {row.get('id', i)!r}", categories, groups))
    ids = [m.id for m in measures]
    twice = sorted({i for i in ids if ids.count(i) > 1})
    if twice:
        raise _fail(where, f"measure ids must be unique: {', '.join(twice)} appear twice.")
    return Framework(
        id=head["id"].strip(),
        name=head["name"].strip(),
        publisher=str(head.get("publisher", "")).strip(),
        source=head["source"].strip(),
        version=head["version"].strip(),
        description=" ".join(str(head.get("description", "")).split()),
        measures=tuple(measures),
        categories=categories,
        path=where,
        shipped=shipped,
    )


def _measure(
    row: dict[str, Any],
    where: str,
    categories: dict[str, tuple[str, ...]],
    groups: dict[str, tuple[str, ...]],
) -> Measure:
    unknown = set(row) - _MEASURE_KEYS
    if unknown:
        raise _fail(
            where,
            f"unknown keys {', '.join(sorted(unknown))} (known: {', '.join(sorted(_MEASURE_KEYS))}).",
        )
    for key in ("id", "name"):
        if not isinstance(row.get(key), str) or not row[key].strip():
            raise _fail(where, f"needs {key}.")
    compute = row.get("compute")
    if compute not in COMPUTES:
        raise _fail(where, f"compute must be one of {', '.join(COMPUTES)}, got {compute!r}.")
    vocabulary = tag_vocabulary()
    tags: list[str] = []
    for name in _strings(row.get("tags", []), where, "tags"):
        if name in categories:
            tags.extend(categories[name])
        elif name in vocabulary:
            tags.append(name)
        else:
            raise _fail(
                where,
                f"tag {name!r} is neither one of the pack's [categories] "
                f"({', '.join(categories) or 'none'}) nor an anchorkit tag ({', '.join(vocabulary)}).",
            )

    def spend_categories(key: str) -> tuple[str, ...]:
        out: list[str] = []
        for name in _strings(row.get(key, []), where, key):
            out.extend(groups.get(name, (name,)))
        return tuple(dict.fromkeys(out))

    of = row.get("of", "addressable")
    if of not in DENOMINATORS:
        raise _fail(where, f"of must be one of {', '.join(DENOMINATORS)}, got {of!r}.")
    lever = row.get("lever")
    if compute == "lever":
        if not isinstance(lever, str) or lever.split(".")[0] not in LEVERS or "." not in lever:
            raise _fail(
                where, 'a lever measure names its figure, e.g. lever = "hiring.local_hire_share".'
            )
    if compute == "commitment" and not (
        isinstance(row.get("commitment"), str) and row["commitment"]
    ):
        raise _fail(
            where, 'a commitment measure names the commitment it counts, e.g. commitment = "NT1".'
        )
    if compute == "none" and not (isinstance(row.get("reason"), str) and row["reason"].strip()):
        raise _fail(where, 'a measure that cannot be computed must say why (reason = "...").')
    for key in ("local", "priority_area", "estimated"):
        if not isinstance(row.get(key, False), bool):
            raise _fail(where, f"{key} must be true or false.")
    low, high = (
        _number(row.get("min_amount"), where, "min_amount"),
        _number(row.get("max_amount"), where, "max_amount"),
    )
    if low is not None and high is not None and low > high:
        raise _fail(where, "min_amount is above max_amount.")
    default_unit = {"share": "share", "suppliers": "count", "spend": "money"}.get(compute, "")
    return Measure(
        id=row["id"].strip(),
        name=row["name"].strip(),
        compute=compute,
        tags=tuple(dict.fromkeys(tags)),
        categories=spend_categories("categories"),
        exclude_categories=spend_categories("exclude_categories"),
        local=bool(row.get("local", False)),
        priority_area=bool(row.get("priority_area", False)),
        min_amount=low,
        max_amount=high,
        of=of,
        lever=lever,
        commitment=row.get("commitment"),
        reason=" ".join(str(row["reason"]).split()) if row.get("reason") else None,
        unit=str(row.get("unit", default_unit)),
        target=_number(row.get("target"), where, "target"),
        proxy_value=_number(row.get("proxy_value"), where, "proxy_value"),
        proxy_unit=row.get("proxy_unit"),
        caveat=" ".join(str(row["caveat"]).split()) if row.get("caveat") else None,
        estimated=bool(row.get("estimated", False)),
    )


def shipped_packs() -> list[Framework]:
    folder = resources.files("anchorkit.data").joinpath("frameworks")
    return [
        parse_pack(p.read_text("utf-8"), f"(shipped) {p.name}", shipped=True)
        for p in sorted(folder.iterdir(), key=lambda p: p.name)
        if p.name.endswith(".toml")
    ]


def user_folder(root: Path, settings: Settings) -> Path:
    folder = Path(str(settings["frameworks.folder"])).expanduser()
    return folder if folder.is_absolute() else root / folder


def load_frameworks(root: Path, settings: Settings) -> dict[str, Framework]:
    """Every framework by id: the shipped packs, then the user's (``frameworks.folder``), a
    user pack replacing a shipped one of the same id; proxy values from the settings applied."""
    packs = {f.id: f for f in shipped_packs()}
    folder = user_folder(root, settings)
    if folder.is_dir():
        seen: dict[str, Path] = {}
        for path in sorted(folder.glob("*.toml")):
            try:
                text = path.read_text("utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                raise _fail(str(path), f"cannot be read ({exc}).") from exc
            pack = parse_pack(text, str(path))
            if pack.id in seen:
                raise _fail(
                    str(path), f"has id {pack.id!r}, like {seen[pack.id]}: give each its own id."
                )
            seen[pack.id] = path
            packs[pack.id] = pack
    return {i: _with_proxies(f, settings) for i, f in sorted(packs.items())}


def _with_proxies(framework: Framework, settings: Settings) -> Framework:
    overrides = proxy_overrides(settings)
    if not any(k[0] == framework.id for k in overrides):
        return framework
    ids = {m.id for m in framework.measures}
    for pack, measure in overrides:
        if pack == framework.id and measure not in ids:
            raise FrameworkError(
                f"frameworks.proxy_values names {pack}/{measure}, but {pack} has no measure "
                f"{measure!r} (its measures: {', '.join(sorted(ids))})."
            )
    measures = tuple(
        replace(m, proxy_value=overrides[(framework.id, m.id)])
        if (framework.id, m.id) in overrides
        else m
        for m in framework.measures
    )
    return replace(framework, measures=measures)


def proxy_overrides(settings: Settings) -> dict[tuple[str, str], float]:
    """``frameworks.proxy_values`` read: (framework, measure) → £ per unit."""
    out: dict[tuple[str, str], float] = {}
    for item in settings["frameworks.proxy_values"]:
        key, sep, value = str(item).partition("=")
        pack, slash, measure = key.strip().partition("/")
        try:
            number = float(value)
        except ValueError:
            number = float("nan")
        if not sep or not slash or not pack or not measure or number != number:
            raise FrameworkError(
                f"frameworks.proxy_values: {item!r} should read 'framework/measure = value', e.g. "
                "'national-toms/NT18 = 0.5'."
            )
        out[(pack.strip(), measure.strip())] = number
    return out


def find_framework(root: Path, settings: Settings, name: str) -> Framework:
    """One framework by id (or its name, case ignored), or an error listing the loaded ones."""
    packs = load_frameworks(root, settings)
    wanted = name.strip().lower()
    for framework in packs.values():
        if wanted in (framework.id.lower(), framework.name.lower()):
            return framework
    raise FrameworkError(
        f"There is no framework {name!r}. Loaded: {', '.join(packs)} "
        "(see `anchorkit framework list`; add your own in the frameworks.folder setting's folder)."
    )

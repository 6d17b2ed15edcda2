"""What-if: move a share of a category's spend to local (or tagged) suppliers and see what changes.

docs/indicators.md ("What-if") says the same, for people. Every "before" figure is exactly what
``indicators`` (:func:`compute_breakdowns`), ``lm3`` (:func:`compute_lm3`) and ``impact``
(:func:`local_impact`) report; a shift only adds to them:

- **local shift** (``Catering:20``): ``percent`` × the category's influenceable spend with
  *non-local* suppliers (known to be non-local: unknown-location spend is not moved) goes to local
  suppliers. R2 / ``local_spend`` grow by it; R3 by it × the default re-spend rate of each line's
  level-1 category (the suppliers it goes to are not surveyed); local output and jobs by it × the
  sector multipliers of its category in the newest multiplier table (none loaded: null, a note).
- **tag shift** (``Catering:20:social_enterprise``): ``percent`` × the category's influenceable
  spend with suppliers *lacking* the tag goes to suppliers carrying it. ``impact_spend`` grows by
  the part of it that had no tag at all, the tag's share by all of it; local share, LM3, output
  and jobs do not change (whether the tagged suppliers are local is not assumed).

Ranges for ``after`` where inputs are uncertain: LM3 with the moved spend's assumed re-spend
rates × (1 ± :data:`RATE_BAND`), capped at 1; output and jobs from direct effects only (low) to
direct + indirect + induced (high, the point estimate, itself an upper bound).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from anchorkit.analytics.indicators import _share, compute_breakdowns
from anchorkit.analytics.lm3 import compute_lm3, load_rates
from anchorkit.analytics.model import CATEGORY_SQL, MATCH_COLUMNS, fresh_model
from anchorkit.analytics.model import literal as _literal
from anchorkit.analytics.multipliers import CAVEAT, ImpactResult, local_impact
from anchorkit.classify.taxonomy import taxonomy_for
from anchorkit.errors import MultiplierError, WhatIfError
from anchorkit.workspace import Workspace

#: relative band around an assumed (default) re-spend rate: 0.35 → 0.175 … 0.525
RATE_BAND = 0.5
CENT = Decimal("0.01")
LM3_CAVEAT = (
    "LM3 default re-spend rates are assumptions, not measurements: the spend moved goes to "
    f"suppliers nobody surveyed, so its round-3 effect is shown with a ±{RATE_BAND:.0%} band."
)
SPEC = "CATEGORY:PERCENT[:TAG], e.g. Catering:20 (20 %), Catering:20% or Catering:0.2"
_NUMBER = re.compile(r"^\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(%?)\s*$")


@dataclass(frozen=True)
class Shift:
    category: str
    percent: float  # 0..1
    tag: str | None = None


def _percent(text: str) -> float | None:
    """A share: ``20%`` and bare numbers above 1 are percents, bare numbers below 1 fractions;
    a bare ``1`` is refused (1 % or 100 %?). None when ``text`` is not a number at all."""
    found = _NUMBER.match(text)
    if found is None:
        return None
    value, sign = float(found.group(1)), found.group(2)
    if value < 0:
        raise WhatIfError(f"The share {text.strip()!r} is negative: give 0–100 %.")
    if sign:
        value /= 100
    elif value == 1:
        raise WhatIfError(
            f"The share {text.strip()!r} is ambiguous: write 1% or 100% (a bare number above 1 "
            "is a percent, below 1 a fraction)."
        )
    elif value > 1:
        value /= 100
    if value > 1:
        raise WhatIfError(f"The share {text.strip()!r} is over 100 %.")
    return value


def parse_shift(text: str) -> Shift:
    """``CATEGORY:PERCENT[:TAG]`` → a :class:`Shift` (the category and tag are checked against
    the workspace by :func:`what_if`). Percent: ``20%`` or a bare number above 1 is a percent,
    a bare number below 1 a fraction; a bare ``1`` is ambiguous and refused."""
    head, _, last = text.rpartition(":")
    if head.strip():
        share = _percent(last)
        if share is not None:
            return Shift(head.strip(), share)
        category, _, middle = head.rpartition(":")
        share = _percent(middle) if category.strip() else None
        if share is not None and last.strip():
            return Shift(category.strip(), share, last.strip())
    raise WhatIfError(f"Cannot read the shift {text!r}: give {SPEC}, optionally :TAG.")


@dataclass
class Measure:
    before: Any
    after: Any
    change: Any
    low: Any = None
    high: Any = None
    ranged: bool = False

    def to_json(self) -> dict[str, Any]:
        out = {"before": _j(self.before), "after": _j(self.after), "change": _j(self.change)}
        if self.ranged:
            out |= {"low": _j(self.low), "high": _j(self.high)}
        return out


def _j(value: Any) -> Any:
    return f"{value:.2f}" if isinstance(value, Decimal) else value


@dataclass
class WhatIfResult:
    anchor: str | None
    year: int | None
    measures: dict[str, Measure]
    tag_shares: dict[str, Measure]
    shifts: list[dict[str, Any]]
    caveats: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {
            "anchor": self.anchor,
            "year": self.year,
            **{name: m.to_json() for name, m in self.measures.items()},
            "tag_shares": {tag: m.to_json() for tag, m in self.tag_shares.items()},
            "shifts": self.shifts,
            "caveats": self.caveats,
            "notes": self.notes,
        }


def _matches(category: str) -> str:
    value = _literal(category.strip().lower())
    return (
        "(" + " OR ".join(f"lower(trim(coalesce({c}, ''))) = {value}" for c in MATCH_COLUMNS) + ")"
    )


def _check(ws: Workspace, shifts: Sequence[Shift]) -> None:
    if not shifts:
        raise WhatIfError(f"Give at least one shift: --shift {SPEC}.")
    seen: set[tuple[str, str | None]] = set()
    for s in shifts:
        if not 0 <= s.percent <= 1:
            raise WhatIfError(f"{s.category}: the share {s.percent!r} is not between 0 and 100 %.")
        key = (s.category.strip().lower(), s.tag)
        if key in seen:
            what = f"to the tag {s.tag!r}" if s.tag else "to local suppliers"
            raise WhatIfError(f"The category {s.category!r} is shifted {what} twice: give it once.")
        seen.add(key)
    taxonomy = taxonomy_for(ws.settings, ws.root)
    known = {c.code.lower() for c in taxonomy.categories.values()}
    known |= {c.name.strip().lower() for c in taxonomy.categories.values()}
    raw = {
        str(r).strip().lower()
        for (r,) in ws.engine.query(
            "whatif_raw_categories",
            f"SELECT DISTINCT raw_category FROM {fresh_model(ws).cells} "
            "WHERE raw_category IS NOT NULL",
        )
    }
    for s in shifts:
        if s.category.strip().lower() not in known | raw:
            raise WhatIfError(
                f"No category {s.category!r}: give a taxonomy code, a level-1 or level-2 name "
                "(anchorkit category list --level 2) or a raw category in the spend."
            )
    tags = set(known_tags(ws))
    for s in shifts:
        if s.tag is not None and s.tag not in tags:
            raise WhatIfError(
                f"No supplier carries the tag {s.tag!r}. Tags known here: "
                f"{', '.join(sorted(tags)) or 'none yet (import a registry first)'}."
            )


def _spend(
    ws: Workspace, shifts: Sequence[Shift], anchor: str | None, year: int | None
) -> tuple[list[list[tuple[Any, ...]]], dict[str, Decimal]]:
    """Per shift, the spend it can move as (category for multipliers, level-1, spend, untagged
    spend) rows; and each shifted tag's addressable spend before. From the model's cells."""
    per_shift: list[list[tuple[Any, ...]]] = []
    source = f"{fresh_model(ws).cells_where(ws, anchor=anchor, year=year)} l"
    for kind in {s.tag for s in shifts}:
        same = [s for s in shifts if s.tag == kind]
        if len(same) > 1:
            overlap = " + ".join(f"{_matches(s.category)}::INT" for s in same)
            (count,) = ws.engine.query_one(
                "whatif_overlap",
                f"SELECT coalesce(sum(lines), 0) FROM {source} WHERE {overlap} > 1",
            )
            if count:
                names = ", ".join(repr(s.category) for s in same)
                raise WhatIfError(
                    f"The categories {names} overlap ({count} line(s) in more than one, e.g. a "
                    "level-1 name and a level-2 name inside it): shift each line once."
                )
    for s in shifts:
        if s.tag is None:
            moveable = "l.location_class = 'non_local'"
        else:
            moveable = f"(l.tags IS NULL OR NOT list_contains(l.tags, {_literal(s.tag)}))"
        per_shift.append(
            ws.engine.query(
                "whatif_moveable_spend",
                f"""
                SELECT {CATEGORY_SQL} AS category, l.category_level1, sum(l.amount),
                    coalesce(sum(l.amount) FILTER (WHERE l.tags IS NULL), 0)
                FROM {source}
                WHERE l.influenceable AND {moveable} AND {_matches(s.category)}
                GROUP BY 1, 2 ORDER BY 1, 2
                """,
            )
        )
    tag_spend = {
        t: Decimal(v or 0)
        for t in sorted({s.tag for s in shifts if s.tag})
        for (v,) in [
            ws.engine.query_one(
                "whatif_tag_spend",
                f"SELECT sum(amount) FROM {source} "
                f"WHERE addressable AND list_contains(tags, {_literal(t)})",
            )
        ]
    }
    return per_shift, tag_spend


def _diff(before: Any, after: Any) -> Any:
    if before is None or after is None:
        return None
    if isinstance(before, float) or isinstance(after, float):
        return round(after - before, 6)
    return after - before


def what_if(
    ws: Workspace,
    shifts: Sequence[Shift],
    *,
    anchor: str | None = None,
    year: int | None = None,
) -> WhatIfResult:
    """Before, after and change of each measure when ``shifts`` apply together."""
    _check(ws, shifts)
    per_shift, tag_before = _spend(ws, shifts, anchor, year)
    # the sums before, read once: LM3's R1 and R2 and the jobs' local spend by category are
    # these (as `lm3` and `impact` would read them)
    found = compute_breakdowns(ws, ["category"], anchor=anchor, year=year, details=False)
    network = found[None].network
    lm3 = compute_lm3(ws, anchor=anchor, year=year, totals=network)
    rates, _ = load_rates(ws)
    notes: list[str] = []
    impact: ImpactResult | None
    try:
        impact = local_impact(ws, anchor=anchor, year=year, by_category=found["category"].rows)
    except MultiplierError:
        impact = None
        notes.append(
            "No multiplier table is loaded, so local output and jobs are null: anchorkit "
            "multipliers load FILE (or --example)."
        )
    multipliers, mapping = _multipliers(ws, impact.table) if impact else ({}, {})

    addressable = network["addressable_spend"]
    moved_local = moved_impact = Decimal(0)
    r3_add = r3_low = r3_high = Decimal(0)
    out_add = out_direct = Decimal(0)
    jobs_add = jobs_direct = 0.0
    moved_tag: dict[str, Decimal] = {}
    echoed: list[dict[str, Any]] = []
    unmapped: set[str] = set()
    for s, rows in zip(shifts, per_shift, strict=True):
        share = Decimal(repr(s.percent))
        moved = Decimal(0)
        for category, level1, spend, untagged in rows:
            part = (Decimal(spend) * share).quantize(CENT)
            moved += part
            if s.tag is not None:
                moved_impact += (Decimal(untagged) * share).quantize(CENT)
                continue
            rate = rates.get((level1 or "").lower(), rates["default"])
            band = Decimal(repr(RATE_BAND))
            r3_add += part * rate
            r3_low += part * rate * (1 - band)
            r3_high += part * min(Decimal(1), rate * (1 + band))
            sector = mapping.get(str(category).upper())
            if impact is not None and (sector is None or sector not in multipliers):
                unmapped.add(str(category))
                continue
            if sector is not None:
                output, jobs = multipliers[sector]
                out_add += sum((part * Decimal(repr(x)) for x in output), Decimal(0))
                out_direct += part * Decimal(repr(output[0]))
                jobs_add += float(part) / 1_000_000 * sum(jobs)
                jobs_direct += float(part) / 1_000_000 * jobs[0]
        if s.tag is None:
            moved_local += moved
        else:
            moved_tag[s.tag] = moved_tag.get(s.tag, Decimal(0)) + moved
        echoed.append(
            {
                "category": s.category,
                "percent": s.percent,
                "tag": s.tag,
                "kind": "tag" if s.tag else "local",
                "spend_moved": f"{moved:.2f}",
            }
        )
        if not rows:
            what = f"lacking the tag {s.tag!r}" if s.tag else "with non-local suppliers"
            notes.append(f"{s.category}: no influenceable spend {what} in scope, so nothing moves.")
    if unmapped:
        notes.append(
            f"No sector in multiplier table {impact.table if impact else ''} for "
            f"{', '.join(sorted(unmapped))}: the spend moved there adds no output or jobs."
        )

    local_before = network["local_spend"]
    impact_before = network["impact_spend"]
    measures = {
        "local_share": Measure(
            network["local_share"],
            _share(local_before + moved_local, addressable),
            None,
        ),
        "impact_share": Measure(
            network["impact_share"],
            _share(impact_before + moved_impact, addressable),
            None,
        ),
        "local_spend": Measure(local_before, local_before + moved_local, moved_local),
        "impact_spend": Measure(impact_before, impact_before + moved_impact, moved_impact),
    }
    r1, r2 = lm3.r1, lm3.r2 + moved_local

    def lm3_of(r3: Decimal) -> float | None:
        return None if r1 == 0 else round(float((r1 + r2 + r3.quantize(CENT)) / r1), 4)

    measures["lm3"] = Measure(
        lm3.lm3,
        lm3_of(lm3.r3 + r3_add),
        None,
        lm3_of(lm3.r3 + r3_low),
        lm3_of(lm3.r3 + r3_high),
        ranged=True,
    )
    if impact is not None:
        before_out, before_jobs = impact.output["total"], impact.jobs["total"]
        after_out = before_out + out_add.quantize(CENT)
        measures["local_output"] = Measure(
            before_out,
            after_out,
            None,
            impact.output["direct"] + out_direct.quantize(CENT),
            after_out,
            ranged=True,
        )
        after_jobs = round(before_jobs + jobs_add, 2)
        measures["jobs"] = Measure(
            before_jobs,
            after_jobs,
            None,
            round(impact.jobs["direct"] + jobs_direct, 2),
            after_jobs,
            ranged=True,
        )
    else:
        for name in ("local_output", "jobs"):
            measures[name] = Measure(None, None, None, None, None, ranged=True)
    for m in measures.values():
        m.change = _diff(m.before, m.after)
    tag_shares = {
        t: Measure(
            _share(spend, addressable),
            _share(spend + moved_tag.get(t, Decimal(0)), addressable),
            None,
        )
        for t, spend in tag_before.items()
    }
    for m in tag_shares.values():
        m.change = _diff(m.before, m.after)
    notes += [
        "Local shifts move influenceable spend known to be non-local; unknown-location spend "
        "is not moved. Tag shifts change impact and tag shares only: the tagged suppliers are "
        "not assumed local.",
        f"LM3 low/high: the moved spend's re-spend rates × (1 ± {RATE_BAND:g}); output and jobs "
        "low/high: direct effects only / direct + indirect + induced.",
    ]
    return WhatIfResult(
        anchor, year, measures, tag_shares, echoed, caveats=[CAVEAT, LM3_CAVEAT], notes=notes
    )


def _multipliers(
    ws: Workspace, table: str
) -> tuple[dict[str, tuple[tuple[float, ...], tuple[float, ...]]], dict[str, str]]:
    """The table ``local_impact`` used: sector → (output, jobs per million); CATEGORY → sector."""
    multipliers: dict[str, tuple[tuple[float, ...], tuple[float, ...]]] = {
        str(s): ((float(od), float(oi), float(on)), (float(jd), float(ji), float(jn)))
        for s, od, oi, on, jd, ji, jn in ws.engine.query(
            "whatif_multipliers",
            "SELECT sector, output_direct, output_indirect, output_induced, "
            "jobs_direct_per_million, jobs_indirect_per_million, jobs_induced_per_million "
            "FROM multiplier WHERE table_name = ?",
            [table],
        )
    }
    mapping = {
        str(c).upper(): str(s)
        for c, s in ws.engine.query(
            "whatif_multiplier_map",
            "SELECT category, sector FROM multiplier_sector_map WHERE table_name = ?",
            [table],
        )
    }
    return multipliers, mapping


@dataclass
class Choice:
    """A taxonomy category a shift can name, with the spend a local shift of it could move."""

    name: str
    level: int
    level1: str
    nonlocal_spend: Decimal
    influenceable_spend: Decimal

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "level": self.level,
            "level1": self.level1,
            "nonlocal_spend": f"{self.nonlocal_spend:.2f}",
            "influenceable_spend": f"{self.influenceable_spend:.2f}",
        }


def category_choices(
    ws: Workspace, *, anchor: str | None = None, year: int | None = None
) -> list[Choice]:
    """The taxonomy's level-1 categories in the spend, each followed by its level-2 ones, with
    their influenceable spend and the part of it with non-local suppliers (what a local shift
    of 100 % moves); largest non-local spend first at each level."""
    cells = fresh_model(ws).cells_where(ws, anchor=anchor, year=year)
    rows = ws.engine.query(
        "whatif_choices",
        f"""
        SELECT category_level1, category_level2,
            coalesce(sum(amount) FILTER (WHERE location_class = 'non_local'), 0), sum(amount)
        FROM {cells} WHERE influenceable AND category_level1 IS NOT NULL
        GROUP BY 1, 2
        """,
    )
    level1: dict[str, list[Decimal]] = {}
    level2: dict[str, list[Choice]] = {}
    for top, sub, nonlocal_spend, spend in rows:
        totals = level1.setdefault(top, [Decimal(0), Decimal(0)])
        totals[0] += Decimal(nonlocal_spend)
        totals[1] += Decimal(spend)
        if sub is not None and sub != top:
            level2.setdefault(top, []).append(
                Choice(sub, 2, top, Decimal(nonlocal_spend), Decimal(spend))
            )
    out: list[Choice] = []
    for top, (nonlocal_spend, spend) in sorted(level1.items(), key=lambda kv: (-kv[1][0], kv[0])):
        out.append(Choice(top, 1, top, nonlocal_spend, spend))
        out += sorted(level2.get(top, []), key=lambda c: (-c.nonlocal_spend, c.name))
    return out


def known_tags(ws: Workspace) -> list[str]:
    """Every tag a supplier carries here or a loaded registry gives: what a tag shift can name."""
    tags = {t for (t,) in ws.engine.query("whatif_tags", "SELECT DISTINCT tag FROM supplier_tag")}
    tags |= {
        t
        for (t,) in ws.engine.query(
            "whatif_registry_tags", "SELECT DISTINCT unnest(tags) FROM registry_entry"
        )
    }
    return sorted(tags)

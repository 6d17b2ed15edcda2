"""A ranked shortlist of local and impact suppliers for an opportunity, with the reasons.

Why these signals, and why a plain weighted sum: a buyer must be able to check every line of a
shortlist, so each supplier's score is four numbers between 0 and 1 the page shows as sentences:

- **category fit** (weight 0.4): the share of the supplier's classified invoices to anchors that
  fall in the opportunity's category (or under it), or 1 when its portal profile says it sells
  that category. Below ``MIN_FIT`` a supplier is not shortlisted at all: a good neighbour that
  sells something else is no match.
- **distance** (0.25): 1 within ``portal.match_radius_km`` of the opportunity's location, falling
  to 0 at twice that; 0 when either place is unknown.
- **tags** (0.25): the share of the social-value asks the supplier meets; with no asks, 0.5 for
  any impact tag. Tags come from registries (within ``tags.grace_days`` of their expiry) and
  from verified portal certifications (the same grace) — an expired certification past its
  grace no longer counts.
- **past work** (0.1): how many *other* anchors already buy the category from it (up to 3):
  proof it delivers to institutions. Only the count is shown — never which anchor, nor amounts.

The list is of local and impact suppliers: one that is neither within twice the radius nor holds
any tag is left out (an opportunity without a location keeps everyone, its distance unknown).

The store's part (places, tags, classified lines per supplier) is read once per data generation
and cached; the portal's part (profiles, certifications) is read per request.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from anchorkit.classify.taxonomy import Taxonomy
from anchorkit.portal.certifications import counting_tags
from anchorkit.portal.postings import in_category
from anchorkit.portal.profiles import profiles
from anchorkit.records.appdb import PortalPosting
from anchorkit.views import formatting as fmt
from anchorkit.views.store import Store

WEIGHTS = {"fit": 0.4, "near": 0.25, "tags": 0.25, "past": 0.1}
MIN_FIT = 0.1
PAST_CAP = 3


@dataclass
class Match:
    supplier_id: str
    name: str
    score: float
    parts: dict[str, float]
    reasons: list[str]
    tags: list[str]
    distance_km: float | None
    diverse: bool = False
    invited: bool = False


@dataclass
class _Supplier:
    supplier_id: str
    name: str
    lat: float | None
    lon: float | None
    neighbourhood: str | None
    priority_area: bool | None
    lines: int = 0
    by_code: dict[str, tuple[int, frozenset[int]]] = field(default_factory=dict)
    registry_tags: list[tuple[str, date | None]] = field(default_factory=list)


def _features(store: Store) -> dict[str, _Supplier]:
    def build() -> dict[str, _Supplier]:
        engine = store.reader().engine
        out = {
            sid: _Supplier(sid, str(name), lat, lon, hood, prio)
            for sid, name, lat, lon, hood, prio in engine.query(
                "portal_match_suppliers",
                "SELECT supplier_id, name, lat, lon, neighbourhood, priority_area FROM supplier",
            )
        }
        for sid, code, n, anchors in engine.query(
            "portal_match_lines",
            """
            SELECT l.supplier_id, c.code, count(*), list(DISTINCT l.anchor_id)
            FROM spend_line l JOIN line_category c USING (line_id)
            WHERE l.supplier_id IS NOT NULL AND c.code IS NOT NULL
            GROUP BY ALL
            """,
        ):
            found = out.get(sid)
            if found is not None:
                found.by_code[str(code)] = (int(n), frozenset(int(a) for a in anchors))
                found.lines += int(n)
        for sid, tag, valid_to in engine.query(
            "portal_match_tags", "SELECT supplier_id, tag, valid_to FROM supplier_tag"
        ):
            found = out.get(sid)
            if found is not None:
                found.registry_tags.append((str(tag), valid_to))
        return out

    return store.cached(("portal_match_features",), build, keep=True)


def _anchor_id(store: Store, name: str | None) -> int | None:
    if not name:
        return None
    rows = store.reader().engine.query(
        "portal_anchor_id", "SELECT anchor_id FROM anchor WHERE name = ?", [name]
    )
    return int(rows[0][0]) if rows else None


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(a))


def supplier_tags(
    store: Store, db: sessionmaker[Session], today: date, settings: Any
) -> dict[str, dict[str, str]]:
    """Supplier id → tag → where it comes from ("registry" or "certified"), counting only tags
    within their grace period."""
    grace = timedelta(days=int(settings["tags.grace_days"]))
    out: dict[str, dict[str, str]] = defaultdict(dict)
    for sid, s in _features(store).items():
        for tag, valid_to in s.registry_tags:
            if valid_to is None or today <= valid_to + grace:
                out[sid][tag] = "registry"
    for sid, tags in counting_tags(db, today, settings).items():
        for tag in tags:
            out[sid].setdefault(tag, "certified")
    return out


def shortlist(
    store: Store,
    db: sessionmaker[Session],
    taxonomy: Taxonomy,
    posting: PortalPosting,
    *,
    today: date | None = None,
    size: int | None = None,
) -> list[Match]:
    """The best ``size`` (``portal.shortlist_size``) suppliers for ``posting``, best first."""
    settings = store.settings
    today = today or date.today()
    size = size or int(settings["portal.shortlist_size"])
    radius = float(settings["portal.match_radius_km"])
    diverse_tags = set(settings["portal.diverse_tags"])
    features = _features(store)
    tags = supplier_tags(store, db, today, settings)
    portal_profiles = profiles(db)
    own_anchor = _anchor_id(store, posting.anchor_name)
    code = posting.category_code
    label = taxonomy.categories[code].name if code in taxonomy else code
    asks = list(posting.asks or [])
    out = []
    for sid, s in features.items():
        lines_in = [v for c, v in s.by_code.items() if in_category(taxonomy, c, code)]
        share = sum(n for n, _ in lines_in) / s.lines if s.lines else 0.0
        profile = portal_profiles.get(sid)
        says = profile is not None and any(
            in_category(taxonomy, code, c) or in_category(taxonomy, c, code)
            for c in profile.sells or []
        )
        fit = 1.0 if says else share
        if fit < MIN_FIT:
            continue
        reasons = []
        if says:
            reasons.append(f"category: its profile says it sells {label}")
        if share > 0:
            reasons.append(f"category: {fmt.percent(share)} of its invoices to anchors are {label}")
        km = None
        near = 0.0
        if None not in (s.lat, s.lon, posting.lat, posting.lon):
            km = distance_km(s.lat, s.lon, posting.lat, posting.lon)  # type: ignore[arg-type]
            near = 1.0 if km <= radius else max(0.0, 1.0 - (km - radius) / radius)
            reasons.append(f"distance: {km:.1f} km" + (" (local)" if km <= radius else ""))
        else:
            reasons.append("distance: unknown (no place for the supplier or the opportunity)")
        if s.priority_area:
            reasons.append(f"in a priority neighbourhood ({s.neighbourhood})")
        held = tags.get(sid, {})
        if asks:
            met = [a for a in asks if a in held]
            tag_score = len(met) / len(asks)
        else:
            met = sorted(held)
            tag_score = 0.5 if held else 0.0
        if held:
            reasons.append(
                "tags: "
                + ", ".join(f"{t} ({held[t]})" for t in sorted(held))
                + (f" — meets {len(met)} of {len(asks)} asks" if asks else "")
            )
        located = posting.lat is not None and posting.lon is not None
        if located and near == 0 and not held:
            continue  # neither local nor an impact supplier: not what this list is for
        others = set().union(*(a for _, a in lines_in)) - {own_anchor} if lines_in else set()
        past = min(len(others), PAST_CAP) / PAST_CAP
        if others:
            n = len(others)
            verb = "anchors buy" if n > 1 else "anchor buys"
            reasons.append(f"past work: {n} other {verb} this from it")
        parts = {"fit": fit, "near": near, "tags": tag_score, "past": past}
        score = sum(WEIGHTS[k] * v for k, v in parts.items())
        out.append(
            Match(
                supplier_id=sid,
                name=s.name,
                score=round(score, 4),
                parts=parts,
                reasons=reasons,
                tags=sorted(held),
                distance_km=km,
                diverse=bool(diverse_tags & set(held)),
            )
        )
    out.sort(key=lambda m: (-m.score, m.name, m.supplier_id))
    return out[:size]

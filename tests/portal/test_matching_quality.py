"""Matching quality on the demo network: do the planted good suppliers reach the top 5?

The demo generator plants one posting per (trade, tag) that has local suppliers of that trade
holding the tag (``truth/postings.json``); those suppliers are the **good** ones, known from the
generator's truth alone. The shortlist sees only what the pipeline made of the files: resolved
suppliers, their places, registry tags and classified lines.

Why recall@5 ≥ 0.8: a buyer reads the first five names; each posting has one or two good
suppliers. What can legitimately miss is upstream of matching — a good supplier's few invoices
classified into a neighbouring category (on this network Fernandes Graphics' six printing lines
read as Marketing and Periodicals), or a registry entry resolution did not link. On the session
demo (14 postings, 15 good suppliers) the matcher finds 14 (0.93); 0.8 allows one more such
upstream miss and fails on two. The same test shows the threshold means something: ranking by
category fit alone finds 0.53, and without the tag signal 0.60.
"""

from __future__ import annotations

import csv
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from anchorkit.classify.taxonomy import taxonomy_for
from anchorkit.portal.matching import Match, shortlist
from anchorkit.records.appdb import PortalPosting
from tests.web.conftest import Site

K = 5
MIN_RECALL = 0.8


def _resolved(site: Site) -> Callable[[str], str | None]:
    """True supplier id → the resolved supplier most of its spellings went to."""
    with (site.root / "truth" / "suppliers.csv").open(encoding="utf-8") as f:
        truth = {r["supplier_id"]: r["variants"].split("|") for r in csv.DictReader(f)}
    alias: dict[str, Counter[str]] = defaultdict(Counter)
    for raw, sid in site.ws.engine.query(
        "aliases", "SELECT raw_name, supplier_id FROM supplier_alias WHERE anchor_id IS NOT NULL"
    ):
        alias[str(raw).strip()][str(sid)] += 1

    def resolved(true_id: str) -> str | None:
        votes: Counter[str] = Counter()
        for variant in truth[true_id]:
            votes.update(alias.get(variant.strip(), Counter()))
        return votes.most_common(1)[0][0] if votes else None

    return resolved


def _recall(site: Site, rank: Callable[[list[Match]], list[Match]]) -> tuple[float, list[str]]:
    st = site.app.state.anchorkit  # type: ignore[attr-defined]
    planted = json.loads((site.root / "truth" / "postings.json").read_text(encoding="utf-8"))
    taxonomy = taxonomy_for(site.ws.settings, site.root)
    resolved = _resolved(site)
    with st.db() as s:
        postings = {
            p.source_id: p
            for p in s.scalars(select(PortalPosting).where(PortalPosting.source == "demo"))
        }
    hits = total = 0
    missed = []
    for t in planted:
        ranked = rank(shortlist(st.store, st.db, taxonomy, postings[t["key"]], size=1000))[:K]
        top = {m.supplier_id for m in ranked}
        for good in t["good_suppliers"]:
            total += 1
            if resolved(good["supplier_id"]) in top:
                hits += 1
            else:
                missed.append(f"{t['key']}: {good['name']}")
    return hits / total, missed


def test_planted_good_suppliers_are_in_the_top_five(site: Site) -> None:
    planted = json.loads((site.root / "truth" / "postings.json").read_text(encoding="utf-8"))
    assert len(planted) >= 10, "the demo plants a posting per (trade, tag) with good suppliers"
    recall, missed = _recall(site, lambda ms: ms)
    print(f"recall@{K} = {recall:.3f}; missed: {missed}")  # noqa: T201
    assert recall >= MIN_RECALL, missed
    fit_only, _ = _recall(site, lambda ms: sorted(ms, key=lambda m: (-m.parts["fit"], m.name)))
    assert recall - fit_only >= 0.2, "the place and tag signals must earn their weight"


def test_planted_postings_are_open_and_local(site: Site) -> None:
    st = site.app.state.anchorkit  # type: ignore[attr-defined]
    with st.db() as s:
        rows = list(s.scalars(select(PortalPosting).where(PortalPosting.source == "demo")))
    assert rows and all(p.closes_on and p.closes_on > date.today() for p in rows)
    assert all(p.lat is not None and p.area == "Toronto" and p.asks for p in rows)

"""Opportunities: purchases an anchor will make soon, posted in the portal or imported.

Why post them: a local supplier rarely hears of a purchase before it is awarded. A posting says
what (a category of the shared taxonomy, so it can be matched and filtered), how much (a value
band, which also decides whether the diverse-quote rule applies), by when, where, and what social
value the buyer asks for (tags such as ``social_enterprise``). Published postings are public.

Importing: a Contracts Finder notices CSV (the UK's public tender notices, e.g.
``uk-lancashire-contracts-finder``) becomes postings with the notice's values, closing date and
link; the category is the taxonomy's reading of the notice's CPV description and title (the same
rules that classify spend lines). Importing again updates the same postings (by notice id).
Notices that cannot be read are listed with their row number; the others are imported.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.classify.decide import LineKey
from anchorkit.classify.run import build_classifier
from anchorkit.classify.taxonomy import Taxonomy
from anchorkit.errors import PortalError
from anchorkit.place.locate import locate
from anchorkit.place.network import regions
from anchorkit.portal.certifications import TAGS
from anchorkit.records.accounts import Actor
from anchorkit.records.appdb import PortalPosting
from anchorkit.records.audit import audit
from anchorkit.views import formatting as fmt
from anchorkit.workspace import Workspace

BAND_EDGES = (10_000.0, 25_000.0, 500_000.0)  # with the diverse-quote thresholds added
AREA_KEYS = ("city", "local_authority", "county", "province", "state")
CF_COLUMNS = {"id", "organisation", "title", "status", "deadline_date", "value_low", "value_high"}


def value_bands(settings: Any) -> list[tuple[float, float | None]]:
    """The bands a buyer picks from; the diverse-quote thresholds are always band edges, so a
    band is either inside the rule or outside it."""
    edges = sorted(
        {
            *BAND_EDGES,
            float(settings["portal.diverse_quote_min"]),
            float(settings["portal.diverse_quote_max"]),
        }
    )
    lows = [0.0, *edges]
    return [(low, edges[i] if i < len(edges) else None) for i, low in enumerate(lows)]


def band_label(low: float, high: float | None) -> str:
    if high is None:
        return f"over {fmt.money(low)}"
    if low <= 0:
        return f"under {fmt.money(high)}"
    if low == high:
        return fmt.money(low)
    return f"{fmt.money(low)} – {fmt.money(high)}"


@dataclass(frozen=True)
class PostingForm:
    title: str
    category_code: str
    band: int  # index into value_bands
    closes_on: date | None
    postcode: str | None = None
    description: str | None = None
    asks: tuple[str, ...] = ()


def place_of(ws: Workspace, postcode: str | None) -> dict[str, Any]:
    """Point and area name of a posting's location (nothing when it is unknown)."""
    if not postcode or not postcode.strip():
        return {"postcode": None, "lat": None, "lon": None, "area": None}
    where = locate(postcode, str(ws.settings["place.country"]) or None, regions(ws))
    area = next((where.areas[k] for k in AREA_KEYS if where.areas.get(k)), None)
    return {
        "postcode": where.postcode or postcode.strip().upper(),
        "lat": where.lat,
        "lon": where.lon,
        "area": area,
    }


def create_posting(
    db: sessionmaker[Session],
    ws: Workspace,
    taxonomy: Taxonomy,
    actor: Actor,
    anchor_name: str,
    form: PostingForm,
    *,
    today: date | None = None,
    source: str = "posted",
    client: str | None = None,
) -> PortalPosting:
    """Check and publish a posting for ``anchor_name``; in the audit log."""
    today = today or date.today()
    if not form.title.strip():
        raise PortalError("Give the opportunity a title (what you will buy).")
    if form.category_code not in taxonomy:
        raise PortalError(
            f"Unknown category {form.category_code!r}: pick one from the list, so suppliers "
            "can find and be matched to it."
        )
    bands = value_bands(ws.settings)
    if not 0 <= form.band < len(bands):
        raise PortalError("Pick the value band of the purchase.")
    if form.closes_on is not None and form.closes_on < today:
        raise PortalError("The closing date is in the past; give a date from today on.")
    unknown = [a for a in form.asks if a not in TAGS]
    if unknown:
        raise PortalError(f"Unknown social-value ask {unknown[0]!r}; pick from the list.")
    low, high = bands[form.band]
    place = place_of(ws, form.postcode)
    with db() as s, s.begin():
        posting = PortalPosting(
            anchor_name=anchor_name,
            buyer=anchor_name,
            title=form.title.strip()[:400],
            description=(form.description or "").strip()[:4000] or None,
            category_code=form.category_code,
            value_low=low,
            value_high=high,
            closes_on=form.closes_on,
            asks=sorted(set(form.asks)),
            source=source,
            created_by=actor.email,
            **place,
        )
        s.add(posting)
        s.flush()
        audit(s, actor.email, "posting", anchor_name, {"posting_id": posting.posting_id}, client)
    return posting


def get_posting(db: sessionmaker[Session], posting_id: int) -> PortalPosting | None:
    with db() as s:
        return s.get(PortalPosting, posting_id)


def in_category(taxonomy: Taxonomy, code: str, under: str) -> bool:
    """Whether category ``code`` is ``under`` or one of its descendants."""
    return taxonomy.is_within(code, under)


@dataclass(frozen=True)
class Filters:
    q: str | None = None
    category: str | None = None
    area: str | None = None
    ask: str | None = None
    include_closed: bool = False
    anchor_name: str | None = None


def list_postings(
    db: sessionmaker[Session], taxonomy: Taxonomy, filters: Filters, today: date | None = None
) -> list[PortalPosting]:
    """Postings, soonest closing first; closed ones (status, or past the closing date) only
    with ``include_closed``."""
    today = today or date.today()
    with db() as s:
        query = select(PortalPosting)
        if filters.anchor_name:
            query = query.where(PortalPosting.anchor_name == filters.anchor_name)
        if filters.area:
            query = query.where(PortalPosting.area == filters.area)
        rows = list(s.scalars(query))
    out = []
    q = (filters.q or "").strip().lower()
    for p in rows:
        if not filters.include_closed and not is_open(p, today):
            continue
        if q and q not in f"{p.title} {p.description or ''} {p.buyer}".lower():
            continue
        if filters.category and not in_category(taxonomy, p.category_code, filters.category):
            continue
        if filters.ask and filters.ask not in (p.asks or []):
            continue
        out.append(p)
    return sorted(out, key=lambda p: (p.closes_on or date.max, p.posting_id))


def is_open(posting: PortalPosting, today: date) -> bool:
    return posting.is_open(today)


def areas(db: sessionmaker[Session]) -> list[str]:
    with db() as s:
        found = s.scalars(select(PortalPosting.area).where(PortalPosting.area.is_not(None)))
        return sorted({str(a) for a in found})


# --- Contracts Finder -----------------------------------------------------------------------


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    skipped: int = 0  # not the council asked for
    rejected: list[tuple[int, str]] = field(default_factory=list)  # (row, reason)


def _money(text: str | None) -> float | None:
    try:
        value = float(text or "")
    except ValueError:
        return None
    return value if value > 0 else None


def _date(text: str | None) -> date | None:
    try:
        return date.fromisoformat((text or "")[:10])
    except ValueError:
        return None


def import_contracts_finder(
    db: sessionmaker[Session],
    ws: Workspace,
    path: Path,
    actor: Actor,
    *,
    anchor_name: str | None = None,
    council: str | None = None,
    today: date | None = None,
) -> ImportResult:
    """Import a Contracts Finder notices CSV as postings (see the module docstring).

    A notice is published when Contracts Finder says it is open (or a pipeline / pre-procurement
    notice) and its deadline has not passed; the others are kept as closed, for the record.
    """
    today = today or date.today()
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise PortalError(f"Cannot read {path}: {exc}. Export the notices as a UTF-8 CSV.") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = CF_COLUMNS - set(reader.fieldnames or [])
    if missing:
        raise PortalError(
            f"{path.name} is not a Contracts Finder notices CSV: it has no "
            f"{', '.join(sorted(missing))} column. See docs/portal.md#importing-notices."
        )
    classifier = build_classifier(ws)
    result = ImportResult()
    rows = list(enumerate(reader, start=2))
    keys = [
        LineKey(
            anchor_id=-1,
            raw_category=r.get("cpv_description") or None,
            description=f"{r.get('title') or ''} {r.get('description') or ''}"[:500],
            supplier_key=None,
            supplier_name=None,
        )
        for _, r in rows
    ]
    decisions = classifier.decide(keys) if keys else []
    with db() as s, s.begin():
        known = {
            p.source_id: p
            for p in s.scalars(
                select(PortalPosting).where(PortalPosting.source == "contracts-finder")
            )
        }
        for (number, row), decision in zip(rows, decisions, strict=True):
            if council and (row.get("council_id") or "") != council:
                result.skipped += 1
                continue
            notice = (row.get("id") or "").strip()
            title = (row.get("title") or "").strip()
            if not notice or not title:
                result.rejected.append((number, "no notice id or no title"))
                continue
            if decision.code is None:
                result.rejected.append(
                    (number, f"no category for {row.get('cpv_description') or title!r}")
                )
                continue
            low, high = _money(row.get("value_low")), _money(row.get("value_high"))
            if low is None and high is None:
                low = _money(row.get("awarded_value"))
            closes = _date(row.get("deadline_date"))
            is_live = (row.get("status") == "open" or row.get("notice_type") != "Contract") and (
                closes is None or closes >= today
            )
            fields = {
                "anchor_name": anchor_name,
                "buyer": (row.get("organisation") or anchor_name or "")[:200],
                "title": title[:400],
                "description": (row.get("description") or "").strip()[:4000] or None,
                "category_code": decision.code,
                "value_low": low or 0.0,
                "value_high": high if high is not None else low,
                "closes_on": closes,
                "status": "published" if is_live else "closed",
                "url": (row.get("url") or "")[:1000] or None,
                **_cf_place(ws, row),
            }
            posting = known.get(notice)
            if posting is None:
                posting = PortalPosting(
                    source="contracts-finder", source_id=notice, created_by=actor.email, asks=[]
                )
                s.add(posting)
                known[notice] = posting
                result.imported += 1
            else:
                result.updated += 1
            for key, value in fields.items():
                setattr(posting, key, value)
        audit(
            s,
            actor.email,
            "postings_imported",
            path.name,
            {"imported": result.imported, "updated": result.updated},
            None,
        )
    return result


def _cf_place(ws: Workspace, row: dict[str, str]) -> dict[str, Any]:
    place = place_of(ws, row.get("postcode"))
    if place["area"] is None:  # no delivery postcode: the buying council's area
        council = (row.get("council_id") or "").replace("_cc", "").replace("_", " ").strip()
        place["area"] = council.title() or None
    return place

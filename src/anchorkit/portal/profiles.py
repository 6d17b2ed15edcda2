"""A supplier's own profile: what it sells, where it works, who owns it, who it employs.

Why the shared taxonomy: an opportunity is posted in the network's category codes and a
supplier's past sales are classified in them; a profile saying what it sells in the same codes
lets a supplier that has never sold to an anchor be matched too.

A profile counts (matching, the partners' directory) only once an account speaks for the
supplier — an approved claim or an admin's link; ``listed`` is the supplier's consent to appear
in the community partners' directory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.analytics.indicators import supplier_spend_by_year
from anchorkit.classify.taxonomy import Taxonomy
from anchorkit.errors import PortalError
from anchorkit.records.accounts import Actor
from anchorkit.records.appdb import PortalProfile, User, utcnow
from anchorkit.records.audit import audit
from anchorkit.views.store import Store


@dataclass(frozen=True)
class ProfileForm:
    summary: str | None = None
    sells: tuple[str, ...] = ()
    works_in: str | None = None
    ownership: str | None = None
    staff: int | None = None
    local_staff: int | None = None
    listed: bool = False


def get_profile(db: sessionmaker[Session], supplier_id: str) -> PortalProfile | None:
    with db() as s:
        return s.get(PortalProfile, supplier_id)


def save_profile(
    db: sessionmaker[Session],
    taxonomy: Taxonomy,
    actor: Actor,
    supplier_id: str,
    form: ProfileForm,
    client: str | None = None,
) -> PortalProfile:
    """Check and save the profile; every change is in the audit log."""
    unknown = [c for c in form.sells if c not in taxonomy]
    if unknown:
        raise PortalError(
            f"Unknown category code {unknown[0]!r}: pick what you sell from the list."
        )
    for label, value in (("Staff", form.staff), ("Staff living locally", form.local_staff)):
        if value is not None and value < 0:
            raise PortalError(f"{label} cannot be negative.")
    if form.staff is not None and form.local_staff is not None and form.local_staff > form.staff:
        raise PortalError("Staff living locally cannot be more than all staff.")
    with db() as s, s.begin():
        profile = s.get(PortalProfile, supplier_id)
        if profile is None:
            profile = PortalProfile(supplier_id=supplier_id)
            s.add(profile)
        profile.summary = (form.summary or "").strip()[:2000] or None
        profile.sells = sorted(set(form.sells))
        profile.works_in = (form.works_in or "").strip()[:400] or None
        profile.ownership = (form.ownership or "").strip()[:200] or None
        profile.staff = form.staff
        profile.local_staff = form.local_staff
        profile.listed = form.listed
        profile.updated_by = actor.email
        profile.updated_at = utcnow()
        audit(s, actor.email, "profile_saved", supplier_id, {"sells": profile.sells}, client)
    return profile


def linked_suppliers(db: sessionmaker[Session]) -> set[str]:
    """Suppliers an account speaks for: their profiles and certifications count."""
    with db() as s:
        return {
            str(v) for v in s.scalars(select(User.supplier_id).where(User.supplier_id.is_not(None)))
        }


def profiles(db: sessionmaker[Session]) -> dict[str, PortalProfile]:
    """Every profile that counts (its supplier is linked to an account)."""
    linked = linked_suppliers(db)
    with db() as s:
        return {
            p.supplier_id: p for p in s.scalars(select(PortalProfile)) if p.supplier_id in linked
        }


def own_sales(store: Store, supplier_id: str) -> list[dict[str, Any]]:
    """The supplier's total sales to the whole network by fiscal year — never by anchor, so no
    anchor's purchases are revealed; the page shows it only when ``portal.show_own_sales``."""
    rows = supplier_spend_by_year(store.reader(), supplier_id)
    return [{"year": r["year"], "sales": r["spend"], "anchors": r["anchors"]} for r in rows]


def listed_suppliers(db: sessionmaker[Session], store: Store) -> list[dict[str, Any]]:
    """Suppliers that agreed to be listed, for community partners: profile facts only."""
    found = [p for p in profiles(db).values() if p.listed]
    if not found:
        return []
    rows = store.reader().engine.query(
        "portal_listed",
        "SELECT supplier_id, name, neighbourhood FROM supplier WHERE list_contains(?, supplier_id)",
        [[p.supplier_id for p in found]],
    )
    place = {r[0]: (r[1], r[2]) for r in rows}
    out = []
    for p in found:
        name, neighbourhood = place.get(p.supplier_id, (p.supplier_id, None))
        out.append(
            {
                "supplier_id": p.supplier_id,
                "name": name,
                "neighbourhood": neighbourhood,
                "summary": p.summary,
                "sells": p.sells,
                "works_in": p.works_in,
                "ownership": p.ownership,
            }
        )
    return sorted(out, key=lambda r: str(r["name"]).lower())

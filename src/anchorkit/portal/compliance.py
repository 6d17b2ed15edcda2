"""Invitations, and the diverse-quote rule checked over them.

The rule (e.g. Toronto's social procurement program): for purchases between
``portal.diverse_quote_min`` and ``portal.diverse_quote_max``, at least one certified diverse
supplier (a tag in ``portal.diverse_tags``, from a registry or a verified certification, within
its grace period) must be invited to quote. A posting is in scope when its value band overlaps
that range — a band straddling a threshold is in scope, since the purchase may fall inside.

Whether an invited supplier was diverse is decided and kept when it is invited: a certification
that lapses later does not turn a compliant purchase into a breach after the fact.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.errors import PortalError
from anchorkit.portal.matching import supplier_tags
from anchorkit.portal.postings import is_open
from anchorkit.records.accounts import Actor
from anchorkit.records.appdb import PortalInvitation, PortalPosting
from anchorkit.records.audit import audit
from anchorkit.views.store import Store


def in_scope(posting: PortalPosting, settings: Any) -> bool:
    low, high = (
        float(settings["portal.diverse_quote_min"]),
        float(settings["portal.diverse_quote_max"]),
    )
    top = posting.value_high if posting.value_high is not None else float("inf")
    return posting.value_low < high and top > low


def invitations(db: sessionmaker[Session], posting_id: int) -> list[PortalInvitation]:
    with db() as s:
        return list(
            s.scalars(
                select(PortalInvitation)
                .where(PortalInvitation.posting_id == posting_id)
                .order_by(PortalInvitation.invitation_id)
            )
        )


def invite(
    db: sessionmaker[Session],
    store: Store,
    actor: Actor,
    posting: PortalPosting,
    supplier_id: str,
    *,
    today: date | None = None,
    client: str | None = None,
) -> PortalInvitation:
    """Invite a supplier to quote; noted with whether it counts as diverse today."""
    today = today or date.today()
    rows = store.reader().engine.query(
        "portal_invite_supplier", "SELECT name FROM supplier WHERE supplier_id = ?", [supplier_id]
    )
    if not rows:
        raise PortalError(f"There is no supplier {supplier_id!r} to invite.")
    held = supplier_tags(store, db, today, store.settings).get(supplier_id, {})
    diverse = bool(set(store.settings["portal.diverse_tags"]) & set(held))
    with db() as s, s.begin():
        already = s.scalar(
            select(PortalInvitation).where(
                PortalInvitation.posting_id == posting.posting_id,
                PortalInvitation.supplier_id == supplier_id,
            )
        )
        if already is not None:
            return already
        invitation = PortalInvitation(
            posting_id=posting.posting_id, supplier_id=supplier_id, by=actor.email, diverse=diverse
        )
        s.add(invitation)
        audit(
            s,
            actor.email,
            "invitation",
            supplier_id,
            {"posting_id": posting.posting_id, "diverse": diverse},
            client,
        )
    return invitation


@dataclass(frozen=True)
class Gap:
    posting: PortalPosting
    invited: int
    diverse_invited: int


def diverse_quote_gaps(
    db: sessionmaker[Session],
    settings: Any,
    *,
    anchor_name: str | None = None,
    today: date | None = None,
    include_closed: bool = True,
) -> list[Gap]:
    """Postings under the rule with no diverse supplier invited (an anchor's own, or all)."""
    today = today or date.today()
    with db() as s:
        query = select(PortalPosting)
        if anchor_name is not None:
            query = query.where(PortalPosting.anchor_name == anchor_name)
        postings = [p for p in s.scalars(query) if in_scope(p, settings)]
        counts: dict[int, tuple[int, int]] = {}
        for inv in s.scalars(select(PortalInvitation)):
            n, d = counts.get(inv.posting_id, (0, 0))
            counts[inv.posting_id] = (n + 1, d + int(inv.diverse))
    gaps = []
    for p in postings:
        if not include_closed and not is_open(p, today):
            continue
        n, d = counts.get(p.posting_id, (0, 0))
        if d == 0:
            gaps.append(Gap(p, n, d))
    return sorted(gaps, key=lambda g: (g.posting.closes_on or date.max, g.posting.posting_id))

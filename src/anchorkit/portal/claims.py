"""A supplier account claims the supplier record resolution made of it; an admin decides.

Why claims: supplier resolution (issue 2) already knows each supplier — its spellings across
anchors, its place, its registry tags. A supplier joining the portal should speak for that record
rather than start a new one, and only a person at the backbone can tell that the account really
is that business (a phone call, a registry number). Until then the claimant may fill in its
profile, which nobody else sees and which counts for nothing.

One account speaks for one supplier; one supplier has one approved account. Approving sets the
account's ``supplier_id`` (the same link ``anchorkit user add --supplier`` makes).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.errors import PortalError
from anchorkit.records.accounts import Actor
from anchorkit.records.appdb import PortalCertification, PortalClaim, PortalProfile, User, utcnow
from anchorkit.records.audit import audit
from anchorkit.views.store import Store


def search_suppliers(store: Store, q: str, *, limit: int = 20) -> list[dict[str, Any]]:
    """Resolved suppliers whose name (or any spelling anchors or registries use) contains ``q``."""
    q = q.strip()
    if len(q) < 2:
        return []
    rows = store.reader().engine.query(
        "portal_claim_search",
        f"""
        SELECT s.supplier_id, s.name, s.postcode, s.neighbourhood
        FROM supplier s
        WHERE s.name ILIKE ? OR s.supplier_id = ? OR s.supplier_id IN (
            SELECT supplier_id FROM supplier_alias WHERE raw_name ILIKE ?)
        ORDER BY s.name, s.supplier_id LIMIT {int(limit)}
        """,
        [f"%{q}%", q, f"%{q}%"],
    )
    names = ("supplier_id", "name", "postcode", "neighbourhood")
    return [dict(zip(names, r, strict=True)) for r in rows]


def supplier_name(store: Store, supplier_id: str) -> str | None:
    rows = store.reader().engine.query(
        "portal_supplier_name", "SELECT name FROM supplier WHERE supplier_id = ?", [supplier_id]
    )
    return str(rows[0][0]) if rows else None


def latest_claim(db: sessionmaker[Session], email: str) -> PortalClaim | None:
    with db() as s:
        return s.scalar(
            select(PortalClaim)
            .where(PortalClaim.user_email == email)
            .order_by(PortalClaim.claim_id.desc())
            .limit(1)
        )


def acting_as(db: sessionmaker[Session], actor: Actor) -> Actor:
    """The actor, speaking for the supplier of its pending claim when it has no approved link:
    a claimant may prepare its profile while the backbone checks the claim."""
    if actor.role != "supplier" or actor.supplier_id:
        return actor
    claim = latest_claim(db, actor.email)
    if claim is None or claim.status != "pending":
        return actor
    return dataclasses.replace(actor, supplier_id=claim.supplier_id)


def make_claim(
    db: sessionmaker[Session],
    store: Store,
    actor: Actor,
    supplier_id: str,
    note: str | None = None,
    client: str | None = None,
) -> PortalClaim:
    """Ask to speak for ``supplier_id``; refused when the account already speaks for one, has a
    claim waiting, or the record already has its account."""
    if actor.supplier_id:
        raise PortalError(
            "Your account already speaks for a supplier record; ask the backbone admin if it "
            "is the wrong one."
        )
    if supplier_name(store, supplier_id) is None:
        raise PortalError(
            f"There is no supplier record {supplier_id!r}. Search for your business by name."
        )
    with db() as s, s.begin():
        waiting = s.scalar(
            select(PortalClaim).where(
                PortalClaim.user_email == actor.email, PortalClaim.status == "pending"
            )
        )
        if waiting is not None:
            raise PortalError(
                f"Your claim on {waiting.supplier_id} is waiting for the backbone admin; "
                "you can claim another record once it is decided."
            )
        taken = s.scalar(select(User).where(User.supplier_id == supplier_id))
        if taken is not None:
            raise PortalError(
                "Another account already speaks for this supplier. If that is wrong, contact "
                "the backbone organisation."
            )
        rival = s.scalar(
            select(PortalClaim).where(
                PortalClaim.supplier_id == supplier_id, PortalClaim.status == "pending"
            )
        )
        if rival is not None:  # two claimants would see each other's draft profile
            raise PortalError(
                "Another account's claim on this supplier is waiting for the backbone admin; "
                "contact the backbone organisation."
            )
        claim = PortalClaim(
            supplier_id=supplier_id, user_email=actor.email, note=(note or "")[:2000] or None
        )
        s.add(claim)
        s.flush()
        audit(s, actor.email, "claim", supplier_id, {"claim_id": claim.claim_id}, client)
    return claim


def pending_claims(db: sessionmaker[Session]) -> list[PortalClaim]:
    with db() as s:
        return list(
            s.scalars(
                select(PortalClaim)
                .where(PortalClaim.status == "pending")
                .order_by(PortalClaim.claim_id)
            )
        )


def record_decision(
    s: Session, model: type[Any], number: int, what: str, status: str, actor: Actor
) -> Any:
    """An admin's decision on a pending claim or certification: who, when, which way. A row
    that does not exist or was decided already is refused (one decision each)."""
    row = s.get(model, number)
    if row is None:
        raise PortalError(f"There is no {what} number {number}.")
    if row.status != "pending":
        raise PortalError(f"{what.capitalize()} {number} was already {row.status}.")
    row.status = status
    row.decided_by = actor.email
    row.decided_at = utcnow()
    return row


def decide_claim(
    db: sessionmaker[Session],
    actor: Actor,
    claim_id: int,
    approve: bool,
    client: str | None = None,
) -> PortalClaim:
    """Approve (link the account to the supplier, open its profile) or reject a claim."""
    with db() as s, s.begin():
        claim: PortalClaim = record_decision(
            s, PortalClaim, claim_id, "claim", "approved" if approve else "rejected", actor
        )
        if approve:
            taken = s.scalar(select(User).where(User.supplier_id == claim.supplier_id))
            if taken is not None and taken.email != claim.user_email:
                raise PortalError(
                    f"{taken.email} already speaks for {claim.supplier_id}; reject this claim."
                )
            user = s.scalar(select(User).where(User.email == claim.user_email))
            if user is None or user.role != "supplier":
                raise PortalError(f"{claim.user_email} is no longer a supplier account.")
            user.supplier_id = claim.supplier_id
            if s.get(PortalProfile, claim.supplier_id) is None:
                s.add(PortalProfile(supplier_id=claim.supplier_id, sells=[]))
        else:  # what the rejected claimant prepared must not greet the record's real owner
            profile = s.get(PortalProfile, claim.supplier_id)
            if profile is not None and profile.updated_by == claim.user_email:
                s.delete(profile)
            # ...nor what it declared: every certification made under the claim (or by the
            # claimant, for records made before certifications were tied to claims) is
            # withdrawn, verified or not, and its evidence is served to nobody but an admin
            for cert in s.scalars(
                select(PortalCertification).where(
                    PortalCertification.supplier_id == claim.supplier_id,
                    (PortalCertification.claim_id == claim.claim_id)
                    | (
                        PortalCertification.claim_id.is_(None)
                        & (PortalCertification.added_by == claim.user_email)
                    ),
                )
            ):
                cert.status = "withdrawn"
                cert.decided_by = actor.email
                cert.decided_at = utcnow()
        audit(
            s,
            actor.email,
            "claim_approved" if approve else "claim_rejected",
            claim.supplier_id,
            {"claim_id": claim_id, "account": claim.user_email},
            client,
        )
    return claim

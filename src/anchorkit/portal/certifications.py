"""Certifications a supplier declares in the portal, with their evidence and their expiry.

Why a certification is not a tag straight away: it is one supplier's word until a backbone admin
has looked at the evidence (``pending`` → ``verified`` or ``rejected``). A verified one counts
for matching and for the diverse-quote rule from then until its expiry plus the grace period
(``tags.grace_days``, the same grace the registries' tags get: renewals are often late);
reminders start ``portal.reminder_days`` before expiry.

Certifications do **not** feed the indicators: those count tags from registries (the certifying
bodies' own lists, imported with ``anchorkit registry import``), so that a published share never
rests on a self-declared form and never changes because someone clicked in the dashboard. A
network that wants a portal certification to count imports the issuing body's list.

Evidence files are kept under ``WORKSPACE/portal-evidence/`` by a name anchorkit makes
(``000042.pdf``), owner-only; the name the supplier gave is only shown. A file is refused when
it is too large, its name holds a folder, or it is not a PDF, PNG or JPEG by name *and* by its
first bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.data import tag_vocabulary
from anchorkit.errors import EvidenceRefused, PortalError
from anchorkit.portal.claims import record_decision
from anchorkit.records.accounts import Actor
from anchorkit.records.appdb import PortalCertification, PortalClaim, User
from anchorkit.records.audit import audit

EVIDENCE_DIR = "portal-evidence"
EVIDENCE_TYPES = {  # suffix → (first bytes, media type)
    ".pdf": (b"%PDF-", "application/pdf"),
    ".png": (b"\x89PNG\r\n\x1a\n", "image/png"),
    ".jpg": (b"\xff\xd8\xff", "image/jpeg"),
    ".jpeg": (b"\xff\xd8\xff", "image/jpeg"),
}
#: what a certification may say: the one tag vocabulary (data/tags.toml), as registries use
TAGS = tuple(tag_vocabulary())


@dataclass(frozen=True)
class Evidence:
    """An uploaded evidence file, as received (the page reads it; the library checks it)."""

    name: str
    data: bytes


def cert_state(
    status: str, expires_on: date | None, today: date, *, reminder_days: int, grace_days: int
) -> str:
    """``pending``, ``rejected``, ``valid``, ``expiring`` (reminders due), ``grace`` (expired,
    still counting) or ``expired`` (no longer counts).

    >>> cert_state("verified", date(2026, 3, 1), date(2026, 2, 1), reminder_days=60, grace_days=90)
    'expiring'
    """
    if status != "verified":
        return status
    if expires_on is None or today < expires_on - timedelta(days=reminder_days):
        return "valid"
    if today <= expires_on:
        return "expiring"
    if today <= expires_on + timedelta(days=grace_days):
        return "grace"
    return "expired"


def counts(state: str) -> bool:
    return state in ("valid", "expiring", "grace")


def _settings_days(settings: Any) -> dict[str, int]:
    return {
        "reminder_days": int(settings["portal.reminder_days"]),
        "grace_days": int(settings["tags.grace_days"]),
    }


def describe(cert: PortalCertification, today: date, settings: Any) -> dict[str, Any]:
    """A certification as pages show it, with its state and until when it counts."""
    days = _settings_days(settings)
    state = cert_state(cert.status, cert.expires_on, today, **days)
    until = cert.expires_on + timedelta(days=days["grace_days"]) if cert.expires_on else None
    return {
        "cert_id": cert.cert_id,
        "supplier_id": cert.supplier_id,
        "tag": cert.tag,
        "issuing_body": cert.issuing_body,
        "number": cert.number,
        "expires_on": cert.expires_on,
        "counts_until": until,
        "evidence_name": cert.evidence_name,
        "status": cert.status,
        "state": state,
        "counts": counts(state),
        "added_by": cert.added_by,
    }


def certifications(
    db: sessionmaker[Session],
    supplier_id: str,
    today: date,
    settings: Any,
    *,
    viewer: Actor | None = None,
) -> list[dict[str, Any]]:
    """A supplier's certifications, as ``viewer`` may see them (None: all of them)."""
    with db() as s:
        rows = list(
            s.scalars(
                select(PortalCertification)
                .where(PortalCertification.supplier_id == supplier_id)
                .order_by(PortalCertification.cert_id)
            )
        )
    return [describe(c, today, settings) for c in rows if viewer is None or may_see(db, viewer, c)]


def may_see(db: sessionmaker[Session], viewer: Actor, cert: PortalCertification) -> bool:
    """Whether ``viewer`` (who may view the supplier's profile) may see this certification and
    its evidence: an admin always; anyone else only what the supplier itself declared — not
    what a claimant declared under another claim (a rejected claimant's certificate and its
    file must never reach the next claimant of the record)."""
    if viewer.role == "admin":
        return True
    if cert.status == "withdrawn":
        return False
    if cert.claim_id is None:
        return True
    with db() as s:
        claim = s.get(PortalClaim, cert.claim_id)
    if claim is None:
        return False
    return claim.status == "approved" or (
        claim.status == "pending" and claim.user_email == viewer.email
    )


def get_certification(db: sessionmaker[Session], cert_id: int) -> PortalCertification | None:
    with db() as s:
        return s.get(PortalCertification, cert_id)


def add_certification(
    db: sessionmaker[Session],
    root: Path,
    actor: Actor,
    supplier_id: str,
    *,
    tag: str,
    issuing_body: str,
    number: str | None,
    expires_on: date | None,
    evidence: Evidence | None,
    max_mb: int,
    client: str | None = None,
) -> PortalCertification:
    """Record a certification (pending an admin's check) and keep its evidence file."""
    if tag not in TAGS:
        raise PortalError(f"Choose what the certification says from the list ({', '.join(TAGS)}).")
    if not issuing_body.strip():
        raise PortalError("Say which body issued the certification (e.g. CCAB, WBE Canada).")
    suffix = _check_evidence(evidence, max_mb) if evidence is not None else None
    with db() as s, s.begin():
        # declared by a claimant (no link yet, a claim pending): tied to that claim
        linked = s.scalar(select(User.supplier_id).where(User.email == actor.email))
        claim = (
            s.scalar(
                select(PortalClaim).where(
                    PortalClaim.user_email == actor.email,
                    PortalClaim.supplier_id == supplier_id,
                    PortalClaim.status == "pending",
                )
            )
            if actor.role == "supplier" and linked != supplier_id
            else None
        )
        cert = PortalCertification(
            supplier_id=supplier_id,
            claim_id=claim.claim_id if claim is not None else None,
            tag=tag,
            issuing_body=issuing_body.strip()[:200],
            number=(number or "").strip()[:100] or None,
            expires_on=expires_on,
            evidence_name=evidence.name[:400] if evidence else None,
            added_by=actor.email,
        )
        s.add(cert)
        s.flush()
        if evidence is not None and suffix is not None:
            cert.evidence_path = _store_evidence(root, cert.cert_id, suffix, evidence.data)
        audit(
            s,
            actor.email,
            "certification_added",
            supplier_id,
            {"cert_id": cert.cert_id, "tag": tag, "issuing_body": cert.issuing_body},
            client,
        )
    return cert


def _check_evidence(evidence: Evidence, max_mb: int) -> str:
    name = evidence.name or ""
    if not name or "/" in name or "\\" in name or name.startswith("."):
        raise EvidenceRefused(
            "The evidence file's name must be a plain file name (no folders). Rename it and "
            "upload it again."
        )
    if len(evidence.data) > max_mb * 1024 * 1024:
        raise EvidenceRefused(
            f"The evidence file is larger than {max_mb} MB; upload a smaller scan or a PDF."
        )
    suffix = Path(name).suffix.lower()
    magic = EVIDENCE_TYPES.get(suffix)
    if magic is None or not evidence.data.startswith(magic[0]):
        raise EvidenceRefused(
            "The evidence must be a PDF, PNG or JPEG file (by its name and its contents): "
            "scan or save the certificate as one of those."
        )
    return suffix


def _store_evidence(root: Path, cert_id: int, suffix: str, data: bytes) -> str:
    folder = root / EVIDENCE_DIR
    folder.mkdir(exist_ok=True)
    path = folder / f"{cert_id:06d}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return path.name


def evidence_file(root: Path, cert: PortalCertification) -> tuple[Path, str] | None:
    """The stored evidence file and its media type, if the certification has one."""
    if not cert.evidence_path:
        return None
    path = root / EVIDENCE_DIR / Path(cert.evidence_path).name
    suffix = path.suffix.lower()
    if not path.is_file() or suffix not in EVIDENCE_TYPES:
        return None
    return path, EVIDENCE_TYPES[suffix][1]


def decide_certification(
    db: sessionmaker[Session],
    actor: Actor,
    cert_id: int,
    verify: bool,
    client: str | None = None,
) -> PortalCertification:
    """An admin's check of the evidence: verified certifications count, rejected ones never."""
    status = "verified" if verify else "rejected"
    with db() as s, s.begin():
        cert: PortalCertification = record_decision(
            s, PortalCertification, cert_id, "certification", status, actor
        )
        audit(
            s,
            actor.email,
            "certification_verified" if verify else "certification_rejected",
            cert.supplier_id,
            {"cert_id": cert_id, "tag": cert.tag},
            client,
        )
    return cert


def pending_certifications(db: sessionmaker[Session]) -> list[PortalCertification]:
    with db() as s:
        return list(
            s.scalars(
                select(PortalCertification)
                .where(PortalCertification.status == "pending")
                .order_by(PortalCertification.cert_id)
            )
        )


def counting_tags(db: sessionmaker[Session], today: date, settings: Any) -> dict[str, set[str]]:
    """Supplier id → the tags its verified, unexpired (or in grace) certifications give it;
    only for suppliers an account speaks for (an approved claim or an admin's link)."""
    grace = timedelta(days=int(settings["tags.grace_days"]))
    out: dict[str, set[str]] = {}
    with db() as s:
        linked = set(s.scalars(select(User.supplier_id).where(User.supplier_id.is_not(None))))
        rows = s.scalars(
            select(PortalCertification).where(PortalCertification.status == "verified")
        )
        for cert in rows:
            if cert.supplier_id not in linked:
                continue
            if cert.expires_on is not None and today > cert.expires_on + grace:
                continue
            out.setdefault(cert.supplier_id, set()).add(cert.tag)
    return out


def reminders(
    db: sessionmaker[Session], today: date, settings: Any, supplier_id: str | None = None
) -> list[dict[str, Any]]:
    """Verified certifications expiring within ``portal.reminder_days`` or in their grace
    period: what the supplier (or, without ``supplier_id``, the backbone) should renew."""
    with db() as s:
        query = select(PortalCertification).where(PortalCertification.status == "verified")
        if supplier_id is not None:
            query = query.where(PortalCertification.supplier_id == supplier_id)
        rows = [describe(c, today, settings) for c in s.scalars(query)]
    return sorted(
        (r for r in rows if r["state"] in ("expiring", "grace")),
        key=lambda r: (r["expires_on"], r["cert_id"]),
    )

"""Certification states, the grace period, reminders and evidence checks (no demo needed)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.errors import EvidenceRefused, PortalError
from anchorkit.portal.certifications import (
    EVIDENCE_DIR,
    Evidence,
    add_certification,
    cert_state,
    counting_tags,
    decide_certification,
    reminders,
)
from anchorkit.records.accounts import Actor, add_user
from anchorkit.records.appdb import open_app_db
from tests.portal.helpers import PDF

TODAY = date(2026, 6, 1)
SETTINGS = {"portal.reminder_days": 60, "tags.grace_days": 90}
ADMIN = Actor(email="admin@x.org", role="admin")
SUPPLIER = Actor(email="s@x.org", role="supplier", supplier_id="S000001")


@pytest.mark.parametrize(
    ("expires", "state"),
    [
        (None, "valid"),
        (TODAY + timedelta(days=61), "valid"),
        (TODAY + timedelta(days=60), "expiring"),
        (TODAY, "expiring"),
        (TODAY - timedelta(days=1), "grace"),
        (TODAY - timedelta(days=90), "grace"),
        (TODAY - timedelta(days=91), "expired"),
    ],
)
def test_state_by_expiry(expires: date | None, state: str) -> None:
    assert cert_state("verified", expires, TODAY, reminder_days=60, grace_days=90) == state


def test_unverified_certifications_never_count() -> None:
    for status in ("pending", "rejected"):
        assert cert_state(status, None, TODAY, reminder_days=60, grace_days=90) == status


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    made = open_app_db(f"sqlite:///{tmp_path / 'app.sqlite'}")
    add_user(made, "s@x.org", "supplier", "a long enough password", supplier_id="S000001")
    yield made
    made.kw["bind"].dispose()


def _add(db: sessionmaker[Session], root: Path, tag: str, expires: date | None, **kw: Any) -> int:
    cert = add_certification(
        db,
        root,
        SUPPLIER,
        "S000001",
        tag=tag,
        issuing_body="CCAB",
        number="1",
        expires_on=expires,
        evidence=kw.get("evidence"),
        max_mb=kw.get("max_mb", 1),
    )
    return cert.cert_id


def test_grace_period_then_no_longer_counts(db: sessionmaker[Session], tmp_path: Path) -> None:
    in_grace = _add(db, tmp_path, "indigenous_owned", TODAY - timedelta(days=30))
    past_grace = _add(db, tmp_path, "women_owned", TODAY - timedelta(days=100))
    soon = _add(db, tmp_path, "co_op", TODAY + timedelta(days=10))
    pending = _add(db, tmp_path, "b_corp", None)
    for cert_id in (in_grace, past_grace, soon):
        decide_certification(db, ADMIN, cert_id, True)
    assert counting_tags(db, TODAY, SETTINGS) == {"S000001": {"indigenous_owned", "co_op"}}
    later = TODAY + timedelta(days=61)  # the indigenous_owned grace ends 60 days from TODAY
    assert counting_tags(db, later, SETTINGS) == {"S000001": {"co_op"}}
    due = [(r["tag"], r["state"]) for r in reminders(db, TODAY, SETTINGS)]
    assert due == [("indigenous_owned", "grace"), ("co_op", "expiring")]
    with pytest.raises(PortalError, match="already verified"):
        decide_certification(db, ADMIN, soon, False)
    assert pending not in (in_grace, past_grace, soon)


def test_unlinked_suppliers_certifications_do_not_count(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    cert = add_certification(
        db,
        tmp_path,
        Actor(email="nobody@x.org", role="supplier", supplier_id="S000009"),
        "S000009",
        tag="co_op",
        issuing_body="Co-op federation",
        number=None,
        expires_on=None,
        evidence=None,
        max_mb=1,
    )
    decide_certification(db, ADMIN, cert.cert_id, True)
    assert "S000009" not in counting_tags(db, TODAY, SETTINGS)


@pytest.mark.parametrize(
    ("name", "data", "max_mb", "why"),
    [
        ("cert.pdf", b"MZ\x90\x00 an executable", 1, "PDF, PNG or JPEG"),
        ("cert.exe", PDF, 1, "PDF, PNG or JPEG"),
        ("../cert.pdf", PDF, 1, "plain file name"),
        ("cert.pdf", PDF + b"x" * 2_000_000, 1, "larger than 1 MB"),
    ],
)
def test_evidence_refused(
    db: sessionmaker[Session], tmp_path: Path, name: str, data: bytes, max_mb: int, why: str
) -> None:
    with pytest.raises(EvidenceRefused, match=why):
        _add(db, tmp_path, "co_op", None, evidence=Evidence(name, data), max_mb=max_mb)
    assert not (tmp_path / EVIDENCE_DIR).exists() or not any((tmp_path / EVIDENCE_DIR).iterdir())


def test_evidence_kept_under_a_made_name_owner_only(
    db: sessionmaker[Session], tmp_path: Path
) -> None:
    cert_id = _add(db, tmp_path, "co_op", None, evidence=Evidence("My Cert (2026).pdf", PDF))
    stored = tmp_path / EVIDENCE_DIR / f"{cert_id:06d}.pdf"
    assert stored.read_bytes() == PDF
    assert stored.stat().st_mode & 0o077 == 0

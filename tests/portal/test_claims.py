"""Claims: one record, one claimant at a time; a rejected claimant's drafts do not linger."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from anchorkit.classify.taxonomy import load_taxonomy
from anchorkit.errors import PortalError
from anchorkit.portal.certifications import (
    Evidence,
    add_certification,
    counting_tags,
    decide_certification,
    get_certification,
    may_see,
)
from anchorkit.portal.claims import acting_as, decide_claim, make_claim
from anchorkit.portal.profiles import ProfileForm, get_profile, save_profile
from anchorkit.records.accounts import Actor, add_user
from anchorkit.records.appdb import PortalCertification, User, open_app_db
from tests.portal.helpers import PDF
from tests.web.conftest import Site

ADMIN = Actor(email="admin@x.org", role="admin")


@pytest.fixture
def db(tmp_path: Path) -> Iterator[sessionmaker[Session]]:
    made = open_app_db(f"sqlite:///{tmp_path / 'app.sqlite'}")
    for who in ("a", "b"):
        add_user(made, f"{who}@x.org", "supplier", "a long enough password")
    yield made
    made.kw["bind"].dispose()


def test_one_claimant_at_a_time_and_rejection_clears_drafts(
    site: Site, db: sessionmaker[Session], tmp_path: Path
) -> None:
    store = site.app.state.anchorkit.store  # type: ignore[attr-defined]
    target = site.supplier_id
    a, b = (Actor(email=f"{w}@x.org", role="supplier") for w in ("a", "b"))
    claim = make_claim(db, store, a, target)
    with pytest.raises(PortalError, match="Another account's claim"):
        make_claim(db, store, b, target)
    with pytest.raises(PortalError, match="no supplier record"):
        make_claim(db, store, b, "S-none")
    drafting = acting_as(db, a)
    assert drafting.supplier_id == target and acting_as(db, b).supplier_id is None
    taxonomy = load_taxonomy()
    save_profile(db, taxonomy, drafting, target, ProfileForm(summary="not really us"))
    add_certification(
        db,
        tmp_path,
        drafting,
        target,
        tag="co_op",
        issuing_body="X",
        number=None,
        expires_on=None,
        evidence=None,
        max_mb=1,
    )
    decide_claim(db, ADMIN, claim.claim_id, approve=False)
    assert get_profile(db, target) is None
    with db() as s:
        assert {c.status for c in s.scalars(select(PortalCertification))} == {"withdrawn"}
    assert acting_as(db, a).supplier_id is None
    with pytest.raises(PortalError, match="already rejected"):
        decide_claim(db, ADMIN, claim.claim_id, approve=True)
    # now b may claim it, and approval links b's account
    second = make_claim(db, store, b, target)
    decide_claim(db, ADMIN, second.claim_id, approve=True)
    with db() as s:
        linked = s.scalar(select(User).where(User.email == "b@x.org"))
        assert linked is not None and linked.supplier_id == target
    with pytest.raises(PortalError, match="already speaks for this supplier"):
        make_claim(db, store, a, target)


def test_a_rejected_claimants_verified_evidence_reaches_nobody_else(
    site: Site, db: sessionmaker[Session], tmp_path: Path
) -> None:
    """Once: claim, certify with evidence, verified by an admin, claim rejected — the record kept
    the verified certificate and the next (pending) claimant could download the first's file."""
    store = site.app.state.anchorkit.store  # type: ignore[attr-defined]
    target = site.supplier_id
    a, b = (Actor(email=f"{w}@x.org", role="supplier") for w in ("a", "b"))
    claim = make_claim(db, store, a, target)
    cert = add_certification(
        db,
        tmp_path,
        acting_as(db, a),
        target,
        tag="co_op",
        issuing_body="X",
        number=None,
        expires_on=None,
        evidence=Evidence("ours.pdf", PDF),
        max_mb=1,
    )
    decide_certification(db, ADMIN, cert.cert_id, verify=True)
    decide_claim(db, ADMIN, claim.claim_id, approve=False)
    make_claim(db, store, b, target)
    withdrawn = get_certification(db, cert.cert_id)
    assert withdrawn is not None and withdrawn.status == "withdrawn"
    assert not may_see(db, acting_as(db, b), withdrawn)  # the evidence route answers 404
    assert may_see(db, ADMIN, withdrawn)
    assert target not in counting_tags(db, date.today(), store.settings)

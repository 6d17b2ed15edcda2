"""The portal in a real browser (Playwright + Debian's chromium, as tests/web/test_browser.py).

A supplier account claims its record, says what it sells, adds a certification with its
evidence; an admin approves the claim and verifies the certification; the buyer of a posting
that asks for that certification finds the supplier in its shortlist, with the reason. Then
time passes (the pages' clock is moved): within the grace period the certification still
counts; past it, the reason is gone and the profile says it no longer counts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from anchorkit.classify.taxonomy import taxonomy_for
from anchorkit.portal.matching import distance_km, shortlist
from anchorkit.records.accounts import add_user
from anchorkit.records.appdb import PortalPosting
from anchorkit.web import pages_portal
from tests.portal.helpers import PDF
from tests.web.conftest import PASSWORD
from tests.web.test_browser import (  # noqa: F401
    LiveServer,
    browser,
    log_in,
    page,
    serve_demo_copy,
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def live(
    request: pytest.FixtureRequest,
    browser: Browser,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[LiveServer]:
    for server in serve_demo_copy(request, tmp_path_factory, "portal-browser"):
        add_user(server.site.app.state.anchorkit.db, "newsupplier@test.org", "supplier", PASSWORD)  # type: ignore[attr-defined]
        yield server


def _scenario(live: LiveServer) -> tuple[PortalPosting, str, str, str]:
    """A planted posting of the anchor user's own anchor, and a nearby supplier that does not
    sell its category yet (so only its portal profile and certification can shortlist it)."""
    site = live.site
    st = site.app.state.anchorkit  # type: ignore[attr-defined]
    own = next(n for n, i in st.anchor_ids().items() if i == site.anchors["own"])
    with st.db() as s:
        posting = s.scalars(
            select(PortalPosting)
            .where(PortalPosting.source == "demo", PortalPosting.anchor_name == own)
            .order_by(PortalPosting.posting_id)
        ).first()
    assert posting is not None
    taxonomy = taxonomy_for(site.ws.settings, site.root)
    candidates = {m.supplier_id for m in shortlist(st.store, st.db, taxonomy, posting, size=1000)}
    radius = float(site.ws.settings["portal.match_radius_km"])
    for sid, name, lat, lon in site.ws.engine.query(
        "nearby",
        "SELECT supplier_id, name, lat, lon FROM supplier WHERE lat IS NOT NULL "
        "AND supplier_id <> ? ORDER BY name",
        [site.supplier_id],
    ):
        near = distance_km(lat, lon, posting.lat, posting.lon) <= radius  # type: ignore[arg-type]
        if sid not in candidates and near:
            return posting, str(sid), str(name), posting.asks[0]
    raise AssertionError("no nearby supplier outside the shortlist")


def test_claim_certify_approve_match_then_expire(
    page: Page,  # noqa: F811
    live: LiveServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    posting, sid, name, ask = _scenario(live)
    expires = date.today() + timedelta(days=20)
    evidence = tmp_path / "certificate.pdf"
    evidence.write_bytes(PDF)

    # the supplier claims its record and prepares its profile
    log_in(page, "newsupplier", next_="/portal")
    expect(page.get_by_role("heading", name="Claim your supplier record")).to_be_visible()
    page.get_by_label("Business name").fill(name[:14])
    page.get_by_role("button", name="Search").click()
    page.locator("#claim-results tr", has_text=sid).get_by_role("button").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(sid)
    expect(page.get_by_role("status")).to_contain_text("waits for the backbone admin")
    page.get_by_label("What it sells").select_option(posting.category_code)
    page.get_by_label("About the business").fill("A neighbourhood business")
    page.get_by_role("button", name="Save the profile").click()
    page.get_by_label("Certified as").select_option(ask)
    page.get_by_label("Issuing body").fill("Canadian Co-operative Certifiers")
    page.get_by_label("Certificate number").fill("CC-2026-17")
    page.get_by_label("Expiry date").fill(expires.isoformat())
    page.get_by_label("Evidence (PDF, PNG or JPEG)").set_input_files(str(evidence))
    page.get_by_role("button", name="Add the certification").click()
    row = page.locator("#cert-table tbody tr", has_text="Canadian Co-operative Certifiers")
    expect(row.locator(".cert-state")).to_have_text("waiting for the backbone's check")
    page.get_by_role("button", name="Log out").click()

    # the admin approves the claim and verifies the certification
    log_in(page, "admin", next_="/portal/claims")
    claim = page.locator("#claims tbody tr", has_text="newsupplier@test.org")
    claim.get_by_role("button", name="Approve claim").click()
    expect(page.locator("#claims tbody tr", has_text="newsupplier@test.org")).to_have_count(0)
    cert = page.locator("#certifications tbody tr", has_text="Canadian Co-operative Certifiers")
    expect(cert.get_by_role("link", name="certificate.pdf")).to_be_visible()
    cert.get_by_role("button", name="Verify").click()
    expect(page.locator("#certifications")).not_to_contain_text("Canadian Co-operative")
    page.get_by_role("button", name="Log out").click()

    # the buyer finds it in the shortlist of its opportunity, with the reasons, and invites it
    log_in(page, "anchor", next_=f"/portal/opportunities/{posting.posting_id}")
    page.get_by_role("link", name="Shortlist of local and impact suppliers").click()
    match = page.locator(f"#match-{sid}")
    expect(match).to_be_visible()
    expect(match).to_contain_text("its profile says it sells")
    expect(match).to_contain_text(f"{ask} (certified)")
    expect(match).to_contain_text("(local)")
    match.get_by_role("button", name=f"Invite {name}").click()
    expect(page.locator(f"#match-{sid}")).to_contain_text("Invited")

    # 30 days after expiry: in the grace period, it still counts
    monkeypatch.setattr(pages_portal, "_today", lambda: expires + timedelta(days=30))
    page.reload()
    expect(page.locator(f"#match-{sid}")).to_contain_text(f"{ask} (certified)")
    # past the grace period (tags.grace_days = 90): it no longer counts
    monkeypatch.setattr(pages_portal, "_today", lambda: expires + timedelta(days=91))
    page.reload()
    expect(page.locator("#shortlist")).to_be_visible()
    # (with this demo it falls out of the top ten; elsewhere it may stay, without the reason)
    expect(page.locator(f"#match-{sid}", has_text=f"{ask} (certified)")).to_have_count(0)
    page.get_by_role("button", name="Log out").click()

    log_in(page, "newsupplier", next_="/portal")
    state = page.locator("#cert-table tbody tr", has_text="Canadian Co-operative").locator(
        ".cert-state"
    )
    expect(state).to_have_text("expired; no longer counts")

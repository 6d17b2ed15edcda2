"""The portal in-process: claims, profiles, certifications, postings, feeds, invitations, the
diverse-quote check and the partner role, on one writable copy of the session demo."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from sqlalchemy import select

from anchorkit.portal.compliance import diverse_quote_gaps
from anchorkit.portal.matching import supplier_tags
from anchorkit.records.accounts import add_user
from anchorkit.records.appdb import AuditEvent, PortalPosting, User
from tests.portal.helpers import PDF
from tests.web.conftest import PASSWORD, Site, _site

ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def portal_site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("portal") / "net"
    shutil.copytree(demo_template, root)
    for site in _site(root):
        db = site.app.state.anchorkit.db  # type: ignore[attr-defined]
        add_user(db, "newsupplier@test.org", "supplier", PASSWORD)
        add_user(db, "partner@test.org", "partner", PASSWORD)
        yield site


def _db(site: Site) -> object:
    return site.app.state.anchorkit.db  # type: ignore[attr-defined]


def _audit(site: Site, action: str) -> list[AuditEvent]:
    with _db(site)() as s:  # type: ignore[operator]
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def _other_supplier(site: Site) -> str:
    (other,) = site.ws.engine.query_one(
        "other", "SELECT max(supplier_id) FROM supplier WHERE supplier_id <> ?", [site.supplier_id]
    )
    return str(other)


def test_a_supplier_sees_and_edits_only_its_own_profile(portal_site: Site) -> None:
    site = portal_site
    own, other = site.supplier_id, _other_supplier(site)
    client = site.client("supplier")
    try:
        assert client.get(f"/portal/profile/{own}").status_code == 200
        assert client.get(f"/portal/profile/{other}").status_code == 403
        form = {"csrf_token": client.csrf, "summary": "We clean", "sells": "131310", "staff": "12"}
        form |= {"local_staff": "9", "listed": "1"}
        assert client.post(f"/portal/profile/{other}", data=form).status_code == 403
        assert client.post(f"/portal/profile/{other}/certifications", data=form).status_code == 403
        saved = client.post(f"/portal/profile/{own}", data=form)
        assert saved.status_code == 303
        page = client.get(f"/portal/profile/{own}").text
        assert "We clean" in page and 'value="12"' in page
        # more local staff than staff is refused, and nothing changes
        bad = client.post(f"/portal/profile/{own}", data=form | {"local_staff": "13"})
        assert bad.status_code == 400 and "cannot be more than all staff" in bad.text
        # the own sales table is off by default (portal.show_own_sales)
        assert 'id="own-sales"' not in page
        # without a CSRF token nothing is saved
        assert client.post(f"/portal/profile/{own}", data={"summary": "x"}).status_code == 403
    finally:
        client.close()
    assert _audit(site, "profile_saved")


def test_claim_certify_approve(portal_site: Site) -> None:
    site = portal_site
    target = _other_supplier(site)
    (name,) = site.ws.engine.query_one(
        "n", "SELECT name FROM supplier WHERE supplier_id = ?", [target]
    )
    newcomer = site.client("newsupplier")
    admin = site.client("admin")
    try:
        assert newcomer.get("/portal").headers["location"] == "/portal/claim"
        found = newcomer.get("/portal/claim", params={"q": str(name)[:12]})
        assert target in found.text
        # before claiming, the profile is not this account's
        assert newcomer.get(f"/portal/profile/{target}").status_code == 403
        claimed = newcomer.post(
            "/portal/claim", data={"csrf_token": newcomer.csrf, "supplier_id": target}
        )
        assert claimed.status_code == 303, claimed.text
        # a pending claimant may prepare its profile and certifications
        page = newcomer.get(f"/portal/profile/{target}")
        assert page.status_code == 200 and "waits for the backbone admin" in page.text
        again = newcomer.post(
            "/portal/claim", data={"csrf_token": newcomer.csrf, "supplier_id": site.supplier_id}
        )
        assert again.status_code == 400 and "waiting for the backbone admin" in again.text
        certificate = {
            "csrf_token": newcomer.csrf,
            "tag": "women_owned",
            "issuing_body": "WBE Canada",
            "number": "W-77",
            "expires_on": (date.today() + timedelta(days=30)).isoformat(),
        }
        add = f"/portal/profile/{target}/certifications"
        cert = newcomer.post(add, data=certificate, files={"evidence": ("../../etc/cert.pdf", PDF)})
        assert cert.status_code == 400 and "plain file name" in cert.text
        cert = newcomer.post(add, data=certificate, files={"evidence": ("wbe.pdf", PDF)})
        assert cert.status_code == 303, cert.text

        queue = admin.get("/portal/claims").text
        assert "newsupplier@test.org" in queue and "WBE Canada" in queue
        claim_id = int(queue.split('id="claim-')[1].split('"')[0])
        cert_id = int(queue.split('<tr id="cert-')[1].split('"')[0])
        evidence = admin.get(f"/portal/certifications/{cert_id}/evidence")
        assert evidence.status_code == 200 and evidence.content == PDF
        assert evidence.headers["content-disposition"].startswith("attachment")
        # another supplier cannot read the evidence
        other = site.client("supplier")
        assert other.get(f"/portal/certifications/{cert_id}/evidence").status_code == 403
        other.close()
        for url, decision in (
            (f"/portal/claims/{claim_id}", "approve"),
            (f"/portal/certifications/{cert_id}/decision", "verify"),
        ):
            done = admin.post(url, data={"csrf_token": admin.csrf, "decision": decision})
            assert done.status_code == 303, done.text
        with _db(site)() as s:  # type: ignore[operator]
            user = s.scalar(select(User).where(User.email == "newsupplier@test.org"))
            assert user is not None and user.supplier_id == target
        # the claimant now speaks for the record; the certification counts, and reminds
        page = newcomer.get(f"/portal/profile/{target}").text
        assert "waits for the backbone admin" not in page
        assert "expires on" in page and "renew it" in page
        store = site.app.state.anchorkit.store  # type: ignore[attr-defined]
        tags = supplier_tags(store, _db(site), date.today(), site.ws.settings)  # type: ignore[arg-type]
        assert tags[target]["women_owned"] == "certified"
    finally:
        newcomer.close()
        admin.close()
    for action in ("claim", "claim_approved", "certification_added", "certification_verified"):
        assert _audit(site, action), action


def test_post_browse_and_follow_an_opportunity(portal_site: Site) -> None:
    site = portal_site
    anchor = site.client("anchor")
    public = site.client("public")
    try:
        posted = anchor.post(
            "/portal/opportunities",
            data={
                "csrf_token": anchor.csrf,
                "title": "Window cleaning <& more>",
                "category": "131310",
                "band": "2",
                "closes_on": (date.today() + timedelta(days=40)).isoformat(),
                "postcode": "M4C 1B5",
                "asks": ["social_enterprise", "co_op"],
            },
        )
        assert posted.status_code == 303, posted.text
        url = posted.headers["location"]
        page = public.get(url)
        assert page.status_code == 200
        assert "Window cleaning &lt;&amp; more&gt;" in page.text and "Toronto" in page.text
        # the public browses and filters, and the shortlist needs the buyer's login
        listing = public.get("/portal/opportunities", params={"category": "130000"}).text
        assert "Window cleaning" in listing
        assert (
            "Window cleaning"
            not in public.get("/portal/opportunities", params={"category": "110000"}).text
        )
        assert (
            "Window cleaning"
            in public.get("/portal/opportunities", params={"ask": "co_op", "area": "Toronto"}).text
        )
        assert public.get(url + "/shortlist").status_code == 303
        # a date in the past is refused
        late = anchor.post(
            "/portal/opportunities",
            data={"csrf_token": anchor.csrf, "title": "Late", "category": "131310", "band": "1"}
            | {"closes_on": "2001-01-01"},
        )
        assert late.status_code == 400 and "in the past" in late.text
        # an Atom feed per category and area, for anyone
        feed = public.get(
            "/portal/feeds/opportunities.atom", params={"category": "130000", "area": "Toronto"}
        )
        assert feed.status_code == 200
        assert feed.headers["content-type"].startswith("application/atom+xml")
        root = ET.fromstring(feed.content)
        titles = [e.findtext(f"{ATOM}title") for e in root.iter(f"{ATOM}entry")]
        assert titles == ["Window cleaning <& more>"]
        entry = next(root.iter(f"{ATOM}entry"))
        assert entry.find(f"{ATOM}category").get("term") == "131310"  # type: ignore[union-attr]
        assert "social_enterprise" in (entry.findtext(f"{ATOM}summary") or "")
        empty = ET.fromstring(
            public.get("/portal/feeds/opportunities.atom", params={"area": "Nowhere"}).content
        )
        assert list(empty.iter(f"{ATOM}entry")) == []
    finally:
        anchor.close()
        public.close()
    assert _audit(site, "posting")


def test_diverse_quote_check_and_invitations(portal_site: Site) -> None:
    site = portal_site
    settings = site.ws.settings
    store = site.app.state.anchorkit.store  # type: ignore[attr-defined]
    with _db(site)() as s:  # type: ignore[operator]
        planted = list(s.scalars(select(PortalPosting).where(PortalPosting.source == "demo")))
    names = {v: k for k, v in site.anchors.items()}
    own_name = next(
        n
        for n, i in site.app.state.anchorkit.anchor_ids().items()
        if i == site.anchors["own"]  # type: ignore[attr-defined]
    )
    posting = next(p for p in planted if p.anchor_name == own_name)
    gaps = {g.posting.posting_id for g in diverse_quote_gaps(_db(site), settings)}  # type: ignore[arg-type]
    assert posting.posting_id in gaps, "planted postings sit inside the rule's value range"
    tags = supplier_tags(store, _db(site), date.today(), settings)  # type: ignore[arg-type]
    diverse = set(settings["portal.diverse_tags"])
    plain = next(sid for sid in sorted(tags) if not diverse & set(tags[sid])) if tags else None
    plain = plain or _other_supplier(site)
    certified = next(sid for sid in sorted(tags) if diverse & set(tags[sid]))
    anchor = site.client("anchor")
    other = site.client("other_anchor")
    try:
        shortlist = anchor.get(f"/portal/opportunities/{posting.posting_id}/shortlist")
        assert shortlist.status_code == 200 and 'id="shortlist"' in shortlist.text
        assert other.get(f"/portal/opportunities/{posting.posting_id}/shortlist").status_code == 403
        invite = f"/portal/opportunities/{posting.posting_id}/invite"
        refused = other.post(invite, data={"csrf_token": other.csrf, "supplier_id": certified})
        assert refused.status_code == 403
        for sid in (plain, certified):
            if sid == certified:
                page = anchor.get("/portal/compliance").text
                assert f'/portal/opportunities/{posting.posting_id}"' in page
            done = anchor.post(invite, data={"csrf_token": anchor.csrf, "supplier_id": sid})
            assert done.status_code == 303, done.text
        page = anchor.get("/portal/compliance").text
        assert f'/portal/opportunities/{posting.posting_id}"' not in page
        # an anchor's check lists only its own postings
        assert all(
            g.posting.anchor_name == own_name
            for g in diverse_quote_gaps(_db(site), settings, anchor_name=own_name)  # type: ignore[arg-type]
        )
        assert "Invited" in anchor.get(f"/portal/opportunities/{posting.posting_id}/shortlist").text
    finally:
        anchor.close()
        other.close()
    assert len(_audit(site, "invitation")) >= 2
    assert names  # the two anchors of the demo


PARTNER = {
    "/portal/opportunities": 200,
    "/portal/feeds/opportunities.atom": 200,
    "/portal/suppliers": 200,
    "/public": 200,
    "/portal/compliance": 403,
    "/portal/claims": 403,
    "/portal/claim": 403,
    "/suppliers": 403,
    "/overview": 403,
    "/api/v1/suppliers": 403,
}


def test_partner_reads_opportunities_and_listed_suppliers_only(portal_site: Site) -> None:
    site = portal_site
    partner = site.client("partner")
    try:
        got = {url: partner.get(url).status_code for url in PARTNER}
        assert got == PARTNER
        assert partner.get(f"/portal/profile/{site.supplier_id}").status_code == 403
        with _db(site)() as s:  # type: ignore[operator]
            posting_id = s.scalar(select(PortalPosting.posting_id).limit(1))
        assert partner.get(f"/portal/opportunities/{posting_id}").status_code == 200
        assert partner.get(f"/portal/opportunities/{posting_id}/shortlist").status_code == 403
        # a supplier that agreed to be listed appears, with its profile and no spend
        supplier = site.client("supplier")
        supplier.post(
            f"/portal/profile/{site.supplier_id}",
            data={"csrf_token": supplier.csrf, "summary": "Listed for partners", "listed": "1"},
        )
        supplier.close()
        listed = partner.get("/portal/suppliers").text
        assert "Listed for partners" in listed
    finally:
        partner.close()


def test_the_json_api(portal_site: Site) -> None:
    site = portal_site
    public = site.client("public")
    anchor = site.client("anchor")
    try:
        listed = public.get("/api/v1/opportunities", params={"ask": "co_op"}).json()
        assert listed and all("co_op" in p["asks"] for p in listed)
        own = next(p for p in listed if p["buyer"] == anchor.get("/api/v1/me").json()["anchor"])
        assert public.get(f"/api/v1/opportunities/{own['posting_id']}").json() == own
        assert public.get(f"/api/v1/opportunities/{own['posting_id']}/shortlist").status_code == 401
        ranked = anchor.get(f"/api/v1/opportunities/{own['posting_id']}/shortlist").json()
        assert ranked and ranked[0]["reasons"] and ranked[0]["score"] >= ranked[-1]["score"]
        assert set(ranked[0]["parts"]) == {"fit", "near", "tags", "past"}
        gaps = anchor.get("/api/v1/diverse-quote-gaps").json()
        assert all(g["buyer"] == own["buyer"] for g in gaps)
    finally:
        public.close()
        anchor.close()

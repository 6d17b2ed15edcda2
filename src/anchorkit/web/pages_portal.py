"""The supplier and community portal's pages (the library is :mod:`anchorkit.portal`).

Every handler asks :func:`need` first — with the posting's anchor or the profile's supplier as the
resource — then reads or writes through the portal library. Forms carry the session's CSRF
token; claims, decisions, certifications, postings and invitations are in the audit log.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.exceptions import HTTPException
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from anchorkit.access.policy import Resource, allowed
from anchorkit.classify.taxonomy import Taxonomy, taxonomy_for
from anchorkit.errors import PortalError
from anchorkit.portal import certifications as certs
from anchorkit.portal import claims, compliance, feeds, matching, postings, profiles
from anchorkit.web.deps import actor_of, need, public_url, render, state
from anchorkit.web.pages import checked_form
from anchorkit.web.security import client_address

router = APIRouter(include_in_schema=False)


def _taxonomy(request: Request) -> Taxonomy:
    store = state(request).store
    return store.cached(
        ("portal_taxonomy",), lambda: taxonomy_for(store.settings, store.workspace.root), keep=True
    )


def _categories(taxonomy: Taxonomy) -> list[Any]:
    """Levels 1 and 2, for pickers: fine enough to match on, short enough to choose from."""
    return sorted(
        (c for c in taxonomy.categories.values() if c.level <= 2), key=lambda c: c.path.lower()
    )


def _today() -> date:
    return date.today()


def _anchor_id(request: Request, name: str | None) -> int | None:
    return state(request).anchor_ids().get(name) if name else None


def _posting(request: Request, posting_id: int) -> Any:
    found = postings.get_posting(state(request).db, posting_id)
    if found is None:
        raise HTTPException(404, f"There is no opportunity number {posting_id}.")
    return found


def _date(value: Any) -> date | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise PortalError(f"{text!r} is not a date; use the date picker (YYYY-MM-DD).") from exc


def _number(value: Any, label: str) -> int | None:
    text = str(value or "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise PortalError(f"{label} must be a whole number.") from exc


def _list(form: Any, name: str) -> list[str]:
    return [str(v) for v in form.getlist(name) if str(v).strip()]


# --- home, opportunities (public) --------------------------------------------------------------


@router.get("/portal")
def portal_home(request: Request) -> Response:
    actor = claims.acting_as(state(request).db, actor_of(request))
    if actor.role == "supplier":
        target = f"/portal/profile/{actor.supplier_id}" if actor.supplier_id else "/portal/claim"
        return RedirectResponse(target, status_code=303)
    if allowed(actor, "view_claims"):
        return RedirectResponse("/portal/claims", status_code=303)
    return RedirectResponse("/portal/opportunities", status_code=303)


def _filters(request: Request) -> postings.Filters:
    q = request.query_params
    return postings.Filters(
        q=q.get("q") or None,
        category=q.get("category") or None,
        area=q.get("area") or None,
        ask=q.get("ask") or None,
        include_closed=q.get("closed") == "1",
    )


@router.get("/portal/opportunities")
def opportunities_page(request: Request) -> Response:
    actor = need(request, "view_postings")
    st = state(request)
    taxonomy = _taxonomy(request)
    filters = _filters(request)
    rows = postings.list_postings(st.db, taxonomy, filters, _today())
    feed = {k: v for k, v in (("category", filters.category), ("area", filters.area)) if v}
    return render(
        request,
        "portal/opportunities.html",
        rows=rows,
        filters=filters,
        categories=_categories(taxonomy),
        names={c: taxonomy.categories[c].path for c in taxonomy.categories},
        areas=postings.areas(st.db),
        tags=certs.TAGS,
        band=postings.band_label,
        feed_url="/portal/feeds/opportunities.atom" + (f"?{urlencode(feed)}" if feed else ""),
        may_post=actor.role == "admin" or (actor.role == "anchor" and actor.anchor_id),
    )


@router.get("/portal/feeds/opportunities.atom")
def opportunities_feed(request: Request) -> Response:
    need(request, "view_postings")
    taxonomy = _taxonomy(request)
    filters = _filters(request)
    rows = postings.list_postings(state(request).db, taxonomy, filters, _today())
    what = []
    if filters.category and filters.category in taxonomy:
        what.append(taxonomy.categories[filters.category].path)
    if filters.area:
        what.append(filters.area)
    site = public_url(request)
    query = request.url.query
    body = feeds.atom_feed(
        rows,
        title="Upcoming purchases" + (f": {' · '.join(what)}" if what else ""),
        self_url=site + request.url.path + (f"?{query}" if query else ""),
        site_url=site,
        category_names={c: taxonomy.categories[c].path for c in taxonomy.categories},
        currency=str(state(request).store.settings["currency"]),
    )
    return Response(body, media_type=feeds.ATOM_TYPE)


@router.get("/portal/opportunities/new")
def new_opportunity_page(request: Request) -> Response:
    actor = need(request, "post_opportunity", Resource(actor_of(request).anchor_id))
    taxonomy = _taxonomy(request)
    return render(
        request,
        "portal/posting_form.html",
        categories=_categories(taxonomy),
        bands=[
            postings.band_label(lo, hi)
            for lo, hi in postings.value_bands(state(request).store.settings)
        ],
        tags=certs.TAGS,
        anchors=sorted(state(request).anchor_ids())
        if actor.role == "admin"
        else [actor.anchor_name],
        message=None,
        form={},
    )


@router.post("/portal/opportunities")
async def create_opportunity(request: Request) -> Response:
    actor = actor_of(request)
    form = await request.form()
    anchor = str(form.get("anchor") or actor.anchor_name or "")
    need(request, "post_opportunity", Resource(_anchor_id(request, anchor) or actor.anchor_id))
    await checked_form(request)
    return await run_in_threadpool(_create_opportunity, request, actor, anchor, form)


def _create_opportunity(request: Request, actor: Any, anchor: str, form: Any) -> Response:
    if _anchor_id(request, anchor) is None:
        raise PortalError("Pick the anchor that will buy this.")
    band = _number(form.get("band"), "The value band")
    posting = postings.create_posting(
        state(request).db,
        state(request).store.reader(),
        _taxonomy(request),
        actor,
        anchor,
        postings.PostingForm(
            title=str(form.get("title") or ""),
            category_code=str(form.get("category") or ""),
            band=-1 if band is None else band,
            closes_on=_date(form.get("closes_on")),
            postcode=str(form.get("postcode") or "") or None,
            description=str(form.get("description") or "") or None,
            asks=tuple(_list(form, "asks")),
        ),
        today=_today(),
        client=client_address(request),
    )
    return RedirectResponse(f"/portal/opportunities/{posting.posting_id}", status_code=303)


@router.get("/portal/opportunities/{posting_id}")
def opportunity_page(request: Request, posting_id: int) -> Response:
    actor = need(request, "view_postings")
    posting = _posting(request, posting_id)
    taxonomy = _taxonomy(request)
    return render(
        request,
        "portal/opportunity.html",
        p=posting,
        category=taxonomy.categories[posting.category_code].path
        if posting.category_code in taxonomy
        else posting.category_code,
        band=postings.band_label(posting.value_low, posting.value_high),
        is_open=postings.is_open(posting, _today()),
        may_shortlist=allowed(actor, "view_shortlist", _shortlist_resource(request, posting)),
        in_scope=compliance.in_scope(posting, state(request).store.settings),
    )


def _shortlist_resource(request: Request, posting: Any) -> Resource:
    """A posting of an anchor is that anchor's; an imported one of no anchor is the network's
    (backbone only)."""
    anchor_id = _anchor_id(request, posting.anchor_name)
    return Resource(anchor_id if anchor_id is not None else -1)


@router.get("/portal/opportunities/{posting_id}/shortlist")
def shortlist_page(request: Request, posting_id: int) -> Response:
    actor = actor_of(request)
    posting = _posting(request, posting_id) if actor.logged_in else None
    resource = _shortlist_resource(request, posting) if posting is not None else Resource(-1)
    need(request, "view_shortlist", resource)
    assert posting is not None
    st = state(request)
    matches = matching.shortlist(st.store, st.db, _taxonomy(request), posting, today=_today())
    invited = {i.supplier_id: i for i in compliance.invitations(st.db, posting_id)}
    for m in matches:
        m.invited = m.supplier_id in invited
    return render(
        request,
        "portal/shortlist.html",
        p=posting,
        matches=matches,
        invited=list(invited.values()),
        may_invite=allowed(actor, "invite_supplier", resource),
        in_scope=compliance.in_scope(posting, st.store.settings),
        weights=matching.WEIGHTS,
    )


@router.post("/portal/opportunities/{posting_id}/invite")
async def invite_supplier(request: Request, posting_id: int) -> Response:
    actor = actor_of(request)
    posting = _posting(request, posting_id) if actor.logged_in else None
    resource = _shortlist_resource(request, posting) if posting is not None else Resource(-1)
    need(request, "invite_supplier", resource)
    assert posting is not None
    form = await checked_form(request)
    await run_in_threadpool(
        compliance.invite,
        state(request).db,
        state(request).store,
        actor,
        posting,
        str(form.get("supplier_id") or ""),
        today=_today(),
        client=client_address(request),
    )
    return RedirectResponse(f"/portal/opportunities/{posting_id}/shortlist", status_code=303)


@router.get("/portal/compliance")
def compliance_page(request: Request) -> Response:
    actor = need(request, "view_compliance")
    settings = state(request).store.settings
    own = actor.anchor_name if actor.role == "anchor" else None
    gaps = compliance.diverse_quote_gaps(
        state(request).db, settings, anchor_name=own, today=_today()
    )
    return render(
        request,
        "portal/compliance.html",
        gaps=gaps,
        band=postings.band_label,
        low=float(settings["portal.diverse_quote_min"]),
        high=float(settings["portal.diverse_quote_max"]),
        diverse_tags=list(settings["portal.diverse_tags"]),
        own=own,
    )


# --- claims ------------------------------------------------------------------------------------


@router.get("/portal/claim")
def claim_page(request: Request, q: str = "") -> Response:
    actor = need(request, "claim_supplier")
    st = state(request)
    return render(
        request,
        "portal/claim.html",
        q=q,
        found=claims.search_suppliers(st.store, q) if q else [],
        claim=claims.latest_claim(st.db, actor.email),
        linked=actor.supplier_id,
    )


@router.post("/portal/claim")
async def claim_submit(request: Request) -> Response:
    actor = need(request, "claim_supplier")
    form = await checked_form(request)
    st = state(request)
    claim = await run_in_threadpool(
        claims.make_claim,
        st.db,
        st.store,
        actor,
        str(form.get("supplier_id") or ""),
        str(form.get("note") or "") or None,
        client_address(request),
    )
    return RedirectResponse(f"/portal/profile/{claim.supplier_id}", status_code=303)


@router.get("/portal/claims")
def claims_page(request: Request) -> Response:
    need(request, "view_claims")
    st = state(request)
    pending = claims.pending_claims(st.db)
    waiting = certs.pending_certifications(st.db)
    ids = {c.supplier_id for c in pending} | {c.supplier_id for c in waiting}
    names = {sid: claims.supplier_name(st.store, sid) or sid for sid in ids}
    return render(
        request,
        "portal/claims.html",
        claims=pending,
        certs=[certs.describe(c, _today(), st.store.settings) for c in waiting],
        names=names,
        reminders=certs.reminders(st.db, _today(), st.store.settings),
    )


async def _decision(request: Request, yes: str) -> tuple[Any, bool]:
    """An admin's decision from a form: ``yes`` or reject (anything else changes nothing)."""
    actor = need(request, "decide_claim")
    form = await checked_form(request)
    decision = str(form.get("decision") or "")
    if decision not in (yes, "reject"):
        raise PortalError(f"Choose {yes} or reject.")
    return actor, decision == yes


@router.post("/portal/claims/{claim_id}")
async def decide_claim(request: Request, claim_id: int) -> Response:
    actor, approve = await _decision(request, "approve")
    await run_in_threadpool(
        claims.decide_claim, state(request).db, actor, claim_id, approve, client_address(request)
    )
    return RedirectResponse("/portal/claims", status_code=303)


@router.post("/portal/certifications/{cert_id}/decision")
async def decide_certification(request: Request, cert_id: int) -> Response:
    actor, verify = await _decision(request, "verify")
    await run_in_threadpool(
        certs.decide_certification,
        state(request).db,
        actor,
        cert_id,
        verify,
        client_address(request),
    )
    return RedirectResponse("/portal/claims", status_code=303)


@router.get("/portal/certifications/{cert_id}/evidence")
def evidence(request: Request, cert_id: int) -> Response:
    actor = claims.acting_as(state(request).db, actor_of(request))
    cert = certs.get_certification(state(request).db, cert_id) if actor.logged_in else None
    resource = Resource(supplier_id=cert.supplier_id if cert else "(none)")
    if not allowed(actor, "view_profile", resource):
        need(request, "view_profile", resource)  # 401 / 403, as every page
    if cert is None or not certs.may_see(state(request).db, actor, cert):
        raise HTTPException(404, f"There is no certification number {cert_id}.")
    found = certs.evidence_file(state(request).store.workspace.root, cert)
    if found is None:
        raise HTTPException(404, "This certification has no evidence file.")
    path, media = found
    return FileResponse(
        path,
        media_type=media,
        filename=f"certification-{cert_id}{path.suffix}",
        content_disposition_type="attachment",
    )


# --- a supplier's profile ------------------------------------------------------------------------


def _profile_actor(request: Request, supplier_id: str, action: str) -> Any:
    actor = claims.acting_as(state(request).db, actor_of(request))
    if not allowed(actor, action, Resource(supplier_id=supplier_id)):
        need(request, action, Resource(supplier_id=supplier_id))
    if claims.supplier_name(state(request).store, supplier_id) is None:
        raise HTTPException(404, f"There is no supplier {supplier_id}.")
    return actor


def _profile_page(request: Request, supplier_id: str, message: str | None = None) -> Response:
    actor = _profile_actor(request, supplier_id, "view_profile")
    st = state(request)
    settings = st.store.settings
    taxonomy = _taxonomy(request)
    linked = supplier_id in profiles.linked_suppliers(st.db)
    return render(
        request,
        "portal/profile.html",
        code=400 if message else 200,
        supplier_id=supplier_id,
        name=claims.supplier_name(st.store, supplier_id),
        profile=profiles.get_profile(st.db, supplier_id),
        linked=linked,
        certs=certs.certifications(st.db, supplier_id, _today(), settings, viewer=actor),
        reminders=certs.reminders(st.db, _today(), settings, supplier_id),
        categories=_categories(taxonomy),
        names={c: taxonomy.categories[c].path for c in taxonomy.categories},
        tags=certs.TAGS,
        sales=profiles.own_sales(st.store, supplier_id)
        if settings["portal.show_own_sales"]
        else None,
        may_edit=allowed(actor, "edit_profile", Resource(supplier_id=supplier_id)),
        grace_days=int(settings["tags.grace_days"]),
        message=message,
    )


@router.get("/portal/profile/{supplier_id}")
def profile_page(request: Request, supplier_id: str) -> Response:
    return _profile_page(request, supplier_id)


@router.post("/portal/profile/{supplier_id}")
async def profile_submit(request: Request, supplier_id: str) -> Response:
    actor = _profile_actor(request, supplier_id, "edit_profile")
    form = await checked_form(request)
    raw = await request.form()
    await run_in_threadpool(
        profiles.save_profile,
        state(request).db,
        _taxonomy(request),
        actor,
        supplier_id,
        profiles.ProfileForm(
            summary=str(form.get("summary") or ""),
            sells=tuple(_list(raw, "sells")),
            works_in=str(form.get("works_in") or ""),
            ownership=str(form.get("ownership") or ""),
            staff=_number(form.get("staff"), "Staff"),
            local_staff=_number(form.get("local_staff"), "Staff living locally"),
            listed=form.get("listed") == "1",
        ),
        client_address(request),
    )
    return RedirectResponse(f"/portal/profile/{supplier_id}", status_code=303)


@router.post("/portal/profile/{supplier_id}/certifications")
async def certification_submit(request: Request, supplier_id: str) -> Response:
    actor = _profile_actor(request, supplier_id, "edit_profile")
    st = state(request)
    max_mb = int(st.store.settings["portal.evidence_max_mb"])
    async with request.form() as posted:  # closes the spooled upload whatever happens
        form = await checked_form(request)
        upload = posted.get("evidence")
        evidence = None
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(max_mb * 1024 * 1024 + 1)
            evidence = certs.Evidence(upload.filename, data)
    await run_in_threadpool(
        certs.add_certification,
        st.db,
        st.store.workspace.root,
        actor,
        supplier_id,
        tag=str(form.get("tag") or ""),
        issuing_body=str(form.get("issuing_body") or ""),
        number=str(form.get("number") or "") or None,
        expires_on=_date(form.get("expires_on")),
        evidence=evidence,
        max_mb=max_mb,
        client=client_address(request),
    )
    return RedirectResponse(f"/portal/profile/{supplier_id}#certifications", status_code=303)


# --- community partners ------------------------------------------------------------------------


@router.get("/portal/suppliers")
def listed_page(request: Request) -> Response:
    need(request, "view_listed")
    st = state(request)
    taxonomy = _taxonomy(request)
    return render(
        request,
        "portal/listed.html",
        rows=profiles.listed_suppliers(st.db, st.store),
        names={c: taxonomy.categories[c].path for c in taxonomy.categories},
    )

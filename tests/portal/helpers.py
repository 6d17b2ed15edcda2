"""Records the portal's tests (and the authorisation matrix) need, made through the library."""

from __future__ import annotations

from datetime import date, timedelta

from anchorkit.classify.taxonomy import taxonomy_for
from anchorkit.portal.certifications import Evidence, add_certification
from anchorkit.portal.postings import PostingForm, create_posting
from anchorkit.records.accounts import Actor
from tests.web.conftest import Site

PDF = b"%PDF-1.4\n% a certificate\n%%EOF\n"


def portal_ids(site: Site) -> dict[str, int]:
    """Records the authorisation matrix needs: a posting of each anchor, a certification of the
    supplier account's own record."""
    st = site.app.state.anchorkit  # type: ignore[attr-defined]
    ws = st.store.reader()
    taxonomy_code = "110000"  # Catering
    names = {v: k for k, v in st.anchor_ids().items()}
    out: dict[str, int] = {}
    admin = Actor(email="admin@test.org", role="admin")
    for side in ("own", "other"):
        posting = create_posting(
            st.db,
            ws,
            taxonomy_for(ws.settings, ws.root),
            admin,
            names[site.anchors[side]],
            PostingForm(
                title=f"Lunches ({side})",
                category_code=taxonomy_code,
                band=1,
                closes_on=date.today() + timedelta(days=20),
                postcode="M5H 2N2",
            ),
        )
        out[f"posting_{side}"] = posting.posting_id
    cert = add_certification(
        st.db,
        site.root,
        Actor(email="supplier@test.org", role="supplier", supplier_id=site.supplier_id),
        site.supplier_id,
        tag="social_enterprise",
        issuing_body="Buy Social Canada",
        number="BSC-1",
        expires_on=None,
        evidence=Evidence("certificate.pdf", PDF),
        max_mb=10,
    )
    out["cert"] = cert.cert_id
    return out

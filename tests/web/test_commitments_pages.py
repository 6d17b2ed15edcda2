"""Frameworks, Commitments and Tier-2 pages: a supplier returns its actuals and Tier-2 in the
portal and the backbone sees them; a supplier sees only its own, an anchor user only its own
anchor's."""

from __future__ import annotations

from anchorkit.commitments.status import commitment_rows
from anchorkit.records.accounts import add_user
from anchorkit.records.appdb import database_url, open_app_db
from tests.web.conftest import PASSWORD, Site


def test_supplier_returns_and_backbone_sees_scoped_to_each(fresh_site: Site) -> None:
    site = fresh_site
    rows = commitment_rows(site.ws)
    names = {v: k for k, v in site.ws.engine.query("a", "SELECT name, anchor_id FROM anchor")}
    own_anchor, other_anchor = names[site.anchors["own"]], names[site.anchors["other"]]
    mine = next(r for r in rows if r["anchor"] == own_anchor and r["supplier_id"])
    theirs = next(
        r for r in rows if r["anchor"] == other_anchor and r["supplier_id"] != mine["supplier_id"]
    )
    db = open_app_db(database_url(site.root))
    add_user(db, "mine@test.org", "supplier", PASSWORD, supplier_id=mine["supplier_id"])
    add_user(db, "theirs@test.org", "supplier", PASSWORD, supplier_id=theirs["supplier_id"])
    supplier, other_supplier = site.client("mine"), site.client("theirs")
    admin, anchor, other_anchor_user = (
        site.client("admin"),
        site.client("anchor"),
        site.client("other_anchor"),
    )
    try:
        page = supplier.get("/commitments").text
        assert mine["contract_id"] in page and theirs["contract_id"] not in page
        assert 'id="actuals-form"' in page
        quarter = mine["period"][0]
        form = {"csrf_token": supplier.csrf, "contract_id": mine["contract_id"],  # type: ignore[attr-defined]
                "measure": f"{mine['framework']}/{mine['measure']}", "quarter": quarter,
                "quantity": "99.5", "evidence": "timesheets.pdf"}  # fmt: skip
        sent = supplier.post("/commitments/actuals", data=form)
        assert sent.status_code == 303, sent.text
        row = next(
            r
            for r in commitment_rows(site.ws)
            if (r["contract_id"], r["measure"]) == (mine["contract_id"], mine["measure"])
        )
        got = next(x for x in row["returns"] if x["quarter"] == quarter)
        assert got["quantity"] == 99.5 and got["evidence"] == "timesheets.pdf"
        # a supplier cannot return against another supplier's contract
        stolen = supplier.post(
            "/commitments/actuals", data={**form, "contract_id": theirs["contract_id"],
                                          "measure": f"{theirs['framework']}/{theirs['measure']}"}
        )  # fmt: skip
        assert stolen.status_code == 400 and "not among your commitments" in stolen.text
        # the backbone sees both; each anchor only its own
        backbone = admin.get("/commitments").text
        assert mine["contract_id"] in backbone and theirs["contract_id"] in backbone
        own_page = anchor.get("/commitments").text
        assert mine["contract_id"] in own_page and theirs["contract_id"] not in own_page
        assert mine["contract_id"] not in other_anchor_user.get("/commitments").text
        assert other_supplier.get("/commitments").text.count(mine["contract_id"]) == 0
        # Tier-2: the supplier reports a subcontractor for its anchor; only those who may see it do
        sent = supplier.post(
            "/tier2",
            data={"csrf_token": supplier.csrf, "anchor": own_anchor, "year": "2024",  # type: ignore[attr-defined]
                  "subcontractor": "Zephyr Test Subcontracting Ltd", "amount": "1234",
                  "tags": "women_owned"},
        )  # fmt: skip
        assert sent.status_code == 303, sent.text
        assert "Zephyr Test Subcontracting" in admin.get("/tier2").text
        assert "Zephyr Test Subcontracting" in anchor.get("/tier2").text
        assert "Zephyr Test Subcontracting" in supplier.get("/tier2").text
        assert "Zephyr Test Subcontracting" not in other_anchor_user.get("/tier2").text
        assert "Zephyr Test Subcontracting" not in other_supplier.get("/tier2").text
        assert 'id="tracker"' in admin.get("/tier2").text
        # the Frameworks page: every measure of the chosen framework, with its status
        frameworks = admin.get("/frameworks", params={"name": "national-toms"}).text
        assert 'id="measure-NT1"' in frameworks and "missing: not computable" in frameworks
        assert anchor.get("/frameworks").status_code == 200
        assert supplier.get("/frameworks").status_code == 403
    finally:
        for client in (supplier, other_supplier, admin, anchor, other_anchor_user):
            client.close()

"""The upload page lets an admin remove a loaded file or read it again with other columns
(``anchorkit source remove`` and ``ingest --replace --map``); nobody else may."""

from __future__ import annotations

from tests.web.conftest import Site
from tests.web.test_flows import _preview, confirm_as_previewed

CSV = (
    b"Supplier,Amount,Date,Expense Type,Service\n"
    b"Acme Cleaning Ltd,120.50,2024-05-01,Cleaning,Wards\n"
    b"Beta Foods Ltd,80.00,2024-05-02,Catering,Kitchens\n"
)


def _loaded_upload(site: Site) -> tuple[int, str]:
    admin = site.client("admin")
    upload = _preview(admin, site.anchors["own"], CSV)
    assert upload["status"] == "previewed", upload
    loaded = confirm_as_previewed(admin, int(str(upload["upload_id"])))
    admin.close()
    assert loaded["status"] == "loaded", loaded
    return int(str(upload["upload_id"])), str(loaded["report"]["loaded"]["file_id"])


def _categories(site: Site, file_id: str) -> set[str]:
    rows = site.ws.engine.query(
        "t", "SELECT raw_category FROM spend_line WHERE file_id = ?", [file_id]
    )
    return {r[0] for r in rows}


def test_an_admin_reads_a_loaded_file_again_then_removes_it(fresh_site: Site) -> None:
    upload_id, file_id = _loaded_upload(fresh_site)
    assert _categories(fresh_site, file_id) == {"Cleaning", "Catering"}
    admin = fresh_site.client("admin")
    page = admin.get(f"/uploads/{upload_id}").text
    assert "How the columns were read" in page and "header means supplier name" in page
    assert 'id="reread-form"' in page and 'id="remove-form"' in page
    # the service column is the category, the expense type only a description
    columns = ("Supplier", "Amount", "Date", "Service", "Expense Type")
    fields = ("supplier_name", "amount", "paid_on", "raw_category", "description")
    form = {f"map_{f}": c for f, c in zip(fields, columns, strict=True)}
    form["csrf_token"] = admin.csrf  # type: ignore[attr-defined]
    assert admin.post(f"/uploads/{upload_id}/reread", data=form).status_code == 303
    assert _categories(fresh_site, file_id) == {"Wards", "Kitchens"}
    listed = admin.get("/upload").text
    assert 'id="loaded-files"' in listed and "payments-q1.csv" in listed
    token = {"csrf_token": admin.csrf}  # type: ignore[attr-defined]
    assert admin.post(f"/files/{file_id}/remove", data=token).status_code == 303
    assert _categories(fresh_site, file_id) == set()
    assert "Loaded, then removed" in admin.get(f"/uploads/{upload_id}").text
    assert admin.post(f"/files/{file_id}/remove", data=token).status_code == 404
    admin.close()


def test_an_anchor_user_may_neither_reread_nor_remove(fresh_site: Site) -> None:
    upload_id, file_id = _loaded_upload(fresh_site)
    user = fresh_site.client("anchor")
    page = user.get(f"/uploads/{upload_id}").text
    assert 'id="reread-form"' not in page and 'id="remove-form"' not in page
    assert 'id="loaded-files"' not in user.get("/upload").text
    token = {"csrf_token": user.csrf}  # type: ignore[attr-defined]
    assert user.post(f"/files/{file_id}/remove", data=token).status_code == 403
    assert user.post(f"/uploads/{upload_id}/reread", data=token).status_code == 403
    user.close()
    assert _categories(fresh_site, file_id) == {"Cleaning", "Catering"}

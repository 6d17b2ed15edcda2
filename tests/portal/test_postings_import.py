"""Importing Contracts Finder notices as postings."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from anchorkit.errors import PortalError
from anchorkit.portal.postings import import_contracts_finder
from anchorkit.records.accounts import Actor
from anchorkit.records.appdb import PortalPosting
from tests.web.conftest import Site

NOTICES = Path(
    "/work/shared/data/uk-lancashire-contracts-finder/lancashire_contracts_finder_notices.csv"
)
ADMIN = Actor(email="admin@test.org", role="admin")
SAMPLE = """\
council_id,id,organisation,title,description,status,notice_type,published_date,deadline_date,awarded_date,value_low,value_high,awarded_value,awarded_supplier,awarded_to_sme,suitable_for_sme,cpv_codes,cpv_description,region,postcode,url
preston,n-1,Preston City Council,Grounds maintenance of parks,Grass cutting and planting,open,Contract,2026-01-10,2099-03-01,,20000.0,60000.0,,,,True,77310000,Planting and maintenance services of recreational areas,North West,PR1 2HE,https://example.org/n-1
preston,n-2,Preston City Council,Office cleaning,Cleaning of the town hall,closed,Contract,2024-01-10,2024-03-01,2024-04-01,0.0,0.0,45000.0,Spotless Ltd,True,True,90919200,Office cleaning services,North West,,https://example.org/n-2
preston,,Preston City Council,No id,,open,Contract,2026-01-10,2099-03-01,,1.0,2.0,,,,True,,,North West,,
"""


def test_import_sample_then_again(fresh_site: Site, tmp_path: Path) -> None:
    st = fresh_site.app.state.anchorkit  # type: ignore[attr-defined]
    path = tmp_path / "notices.csv"
    path.write_text(SAMPLE, encoding="utf-8")
    result = import_contracts_finder(st.db, fresh_site.ws, path, ADMIN, today=date(2026, 6, 1))
    assert (result.imported, result.updated) == (2, 0)
    assert result.rejected == [(4, "no notice id or no title")]
    with st.db() as s:
        rows = {
            p.source_id: p
            for p in s.scalars(
                select(PortalPosting).where(PortalPosting.source == "contracts-finder")
            )
        }
    open_, closed = rows["n-1"], rows["n-2"]
    assert open_.status == "published" and closed.status == "closed"
    assert open_.area == "Preston" and open_.lat is not None  # from the delivery postcode
    assert closed.area == "Preston"  # no postcode: the buying council
    assert (open_.value_low, open_.value_high) == (20000.0, 60000.0)
    assert (closed.value_low, closed.value_high) == (45000.0, 45000.0)  # the awarded value
    assert open_.category_code and open_.url == "https://example.org/n-1"
    again = import_contracts_finder(st.db, fresh_site.ws, path, ADMIN, today=date(2026, 6, 1))
    assert (again.imported, again.updated) == (0, 2)


def test_a_file_that_is_not_notices_is_refused(fresh_site: Site, tmp_path: Path) -> None:
    st = fresh_site.app.state.anchorkit  # type: ignore[attr-defined]
    path = tmp_path / "spend.csv"
    path.write_text("Supplier,Amount\nAcme,10\n", encoding="utf-8")
    with pytest.raises(PortalError, match="not a Contracts Finder notices CSV"):
        import_contracts_finder(st.db, fresh_site.ws, path, ADMIN)


@pytest.mark.skipif(not NOTICES.is_file(), reason="the shared Lancashire notices are not here")
def test_import_the_lancashire_notices(fresh_site: Site) -> None:
    st = fresh_site.app.state.anchorkit  # type: ignore[attr-defined]
    result = import_contracts_finder(
        st.db, fresh_site.ws, NOTICES, ADMIN, council="preston", today=date(2026, 3, 23)
    )
    assert result.imported + len(result.rejected) == 86  # SOURCE.md: Preston has 86 notices
    assert result.imported >= 0.8 * 86, result.rejected[:10]
    assert result.skipped == 1224 - 86

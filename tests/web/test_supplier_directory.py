"""The supplier directory says where each supplier is and whether the network counts it local.

Its "Local area" column was empty for every supplier of the demo (nothing wrote
``supplier.local_area``) while the overview counted 42 % local spend: a coordinator could not
see which suppliers made that share.
"""

from __future__ import annotations

import re

from anchorkit.views.store import Store
from anchorkit.views.suppliers import location_classes, supplier_directory
from tests.web.conftest import Site


def test_every_placed_supplier_has_a_local_area_and_the_networks_class(site: Site) -> None:
    page = supplier_directory(Store(site.ws), size=500)
    rows = page.rows
    placed = [r for r in rows if r["postcode"]]
    assert placed and all(r["local_area"] for r in placed if r["neighbourhood"]), [
        r for r in placed if not r["local_area"]
    ][:3]
    # the demo's rule: Toronto postcodes (prefix M) are local — the overview counts with it
    for r in rows:
        if r["location"] == "local":
            assert r["postcode"].startswith("M"), r
        elif r["location"] == "non_local":
            assert not r["postcode"].startswith("M"), r
    assert {r["location"] for r in rows} == {"local", "non_local", "unknown"}
    local_areas = {r["local_area"] for r in rows if r["location"] == "local"}
    assert local_areas and None not in local_areas


def test_the_directory_page_shows_them(site: Site) -> None:
    with site.client("analyst") as client:
        html = client.get("/suppliers", params={"size": 100}).text
    cells = re.findall(r'<tr><td><a href="/suppliers/[^"]+">[^<]*</a></td><td>([^<]*)', html)
    assert cells and sum(1 for c in cells if c.strip()) >= len(cells) // 2, cells[:10]
    assert '<span class="tag local">local</span>' in html and "not local" in html
    classes = location_classes(Store(site.ws))
    assert set(classes.values()) <= {"local", "non_local", "unknown"}

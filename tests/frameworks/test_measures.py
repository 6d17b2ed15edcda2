"""Every shipped framework's measures on the small network of conftest.py, worked out by hand.

The network: addressable spend 210,500 (payroll 9,000 excluded) —
  Sweetgrass (indigenous_owned, local M5):  1,000 + 500 (FY 2022) at the Hospital, 3,000 at the University
  Riverside (co_op, not local M4):          2,000
  Maple Builders (women_owned, local M5):  50,000 construction
  Big Office (no tag, L1V):                 4,000
  Concrete Corp (no tag, L4K):            150,000 construction
"""

from __future__ import annotations

from typing import Any

import pytest

from anchorkit.errors import AnchorError
from anchorkit.views.frameworks import framework_report
from anchorkit.workspace import Workspace

ADDRESSABLE = 210_500


def measures(ws: Workspace, name: str, **kwargs: Any) -> dict[str, dict[str, Any]]:
    report = framework_report(ws, name, **kwargs)
    assert report["measures"], report
    return {m["id"]: m for m in report["measures"]}


def test_han_ipc_by_hand(small: Workspace) -> None:
    m = measures(small, "han-ipc")
    # IPC businesses: Sweetgrass 4,500 (minority-owned: indigenous), Riverside 2,000 (co-op),
    # Maple 50,000 (women-owned)
    assert m["ipc-diverse-non-construction"]["value"] == "6500.00"
    non_construction = 1000 + 500 + 2000 + 4000 + 3000
    assert m["ipc-diverse-non-construction-share"]["value"] == round(6500 / non_construction, 6)
    assert m["ipc-diverse-non-construction-share"]["denominator"] == f"{non_construction}.00"
    assert m["ipc-diverse-construction"]["value"] == "50000.00"
    assert m["ipc-diverse-construction-share"]["value"] == 0.25  # 50,000 / 200,000
    assert m["ipc-minority-owned"]["value"] == "4500.00"
    assert m["ipc-women-owned"]["value"] == "50000.00"
    assert m["ipc-employee-owned"]["value"] == "2000.00"
    assert m["ipc-non-profit"]["value"] == "0.00"
    assert m["ipc-local"]["value"] == "54500.00"  # Sweetgrass 4,500 + Maple 50,000
    assert m["ipc-local-share"]["value"] == round(54500 / ADDRESSABLE, 6)
    assert m["ipc-diverse-suppliers"]["value"] == 3
    tier2 = m["ipc-tier2-top20"]
    assert tier2["status"] == "not_computable" and "Tier-2" in tier2["reason"]
    assert all(x["status"] == "computed" for k, x in m.items() if k != "ipc-tier2-top20")


def test_han_ipc_one_anchor_one_year(small: Workspace) -> None:
    m = measures(small, "han-ipc", anchor="Hospital", year=2023)
    # the University's 3,000 and the FY 2022 line of 500 drop out
    assert m["ipc-minority-owned"]["value"] == "1000.00"
    assert m["ipc-diverse-non-construction"]["value"] == "3000.00"
    assert m["ipc-diverse-non-construction-share"]["value"] == round(3000 / 7000, 6)
    assert m["ipc-local"]["value"] == "51000.00"
    with pytest.raises(AnchorError):
        framework_report(small, "han-ipc", anchor="Nowhere")


def test_toronto_spp_by_hand(small: Workspace) -> None:
    m = measures(small, "toronto-spp")
    # diverse suppliers: Sweetgrass (indigenous) 4,500 + Maple (women) 50,000; a co-op is not one
    assert m["spp-diverse-spend"]["value"] == "54500.00"
    assert m["spp-diverse-share"]["value"] == round(54500 / ADDRESSABLE, 6)
    # lines of 3,000 to 100,000: Maple 50,000, Big Office 4,000, Sweetgrass 3,000 (University)
    assert m["spp-diverse-invitational"]["value"] == "53000.00"
    assert m["spp-diverse-invitational-share"]["value"] == round(53000 / 57000, 6)
    assert m["spp-diverse-suppliers"]["value"] == 2
    assert m["spp-indigenous-spend"]["value"] == "4500.00"
    assert m["spp-diverse-quotes"]["status"] == "not_computable"
    assert "Quotes are not in spend data" in m["spp-diverse-quotes"]["reason"]
    assert m["spp-workforce-construction"]["reason"].startswith("not computable from this data")
    assert m["spp-local-hires"]["reason"] == (
        "not computable from this data (no workforce data loaded)"
    )


def test_anchor_dashboard_by_hand(small: Workspace) -> None:
    m = measures(small, "anchor-dashboard")
    assert m["ad-local-share"]["value"] == round(54500 / ADDRESSABLE, 6)
    assert m["ad-priority-area-share"]["value"] == 0.0  # no region pack: no priority area
    assert m["ad-mwbe-share"]["value"] == round(54500 / ADDRESSABLE, 6)
    assert m["ad-community-owned-share"]["value"] == round(2000 / ADDRESSABLE, 6)
    for lever in ("ad-local-hires", "ad-living-wage", "ad-local-investment"):
        assert m[lever]["status"] == "not_computable"
    assert m["ad-local-investment"]["reason"] == (
        "not computable from this data (no investment register loaded)"
    )
    assert "census" in m["ad-poverty"]["reason"]


def test_national_toms_by_hand(small: Workspace) -> None:
    m = measures(small, "national-toms")
    assert m["NT18"]["value"] == "54500.00"
    assert m["NT19"]["value"] == "0.00"  # no supplier is tagged sme
    assert m["NT20"]["value"] == "2000.00"  # Riverside, a co-op: a VCSE
    # no proxy value is shipped (not verified offline): no £ social value
    assert m["NT20"]["proxy_value"] is None and m["NT20"]["social_value"] is None
    for commitment in ("NT1", "NT3", "NT10"):
        assert m[commitment]["status"] == "not_computable"


def test_every_measure_has_a_value_or_a_reason(small: Workspace) -> None:
    for name in ("han-ipc", "national-toms", "toronto-spp", "anchor-dashboard"):
        for m in measures(small, name).values():
            if m["status"] == "not_computable":
                assert m["value"] is None and m["reason"], m
            else:
                assert m["value"] is not None and m["how"], m

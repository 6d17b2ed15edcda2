"""A small hand-made network every framework test reads (built once per module)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from anchorkit.ingest import ingest_files
from anchorkit.resolve.registries import import_registry
from anchorkit.resolve.run import resolve
from anchorkit.workspace import Workspace

HOSPITAL = (
    "Supplier,Amount,Date,Postcode,Category\n"
    "Sweetgrass Catering Ltd,1000.00,2023-05-01,M5V 2T6,Catering\n"  # indigenous, local
    "SWEETGRASS CATERING,500.00,2023-02-01,M5V 2T6,Catering\n"  # indigenous, local, FY 2022
    "Riverside Workers Co-operative,2000.00,2023-06-01,M4C 1A1,Cleaning\n"  # co-op, not local
    "Maple Builders Inc,50000.00,2023-07-01,M5A 1A1,Construction\n"  # women-owned, local
    "Big Office Supplies Inc,4000.00,2023-07-01,L1V 5L6,Stationery\n"  # no tag
    "Concrete Corp,150000.00,2023-08-01,L4K 1A1,Construction\n"  # no tag
    "Payroll,9000.00,2023-07-01,,Payroll\n"  # not addressable
)
UNIVERSITY = (
    "Supplier,Amount,Date,Postcode,Category\n"
    "Sweetgrass Catering Ltd,3000.00,2023-09-01,M5V 2T6,Catering\n"  # indigenous, local
)
REGISTRIES = (
    (
        "ind.csv",
        "business_name,postal_code\nSweetgrass Catering Ltd.,M5V 2T6\n",
        "indigenous_owned",
    ),
    (
        "coops.csv",
        "business_name,postal_code\nRiverside Workers Co-operative Limited,M4C 1A1\n",
        "co_op",
    ),
    ("wbe.csv", "business_name,postal_code\nMaple Builders Inc.,M5A 1A1\n", "women_owned"),
)


def build(root: Path) -> Workspace:
    ws = Workspace.init(
        root,
        settings={
            "indicators.excluded_categories": ["payroll"],
            "local.postcode_prefixes": ["M5"],
        },
    )
    for anchor, text in (("Hospital", HOSPITAL), ("University", UNIVERSITY)):
        ws.add_anchor(anchor, "hospital" if anchor == "Hospital" else "university")
        spend = root.parent / f"{anchor}.csv"
        spend.write_text(text)
        assert ingest_files(ws, [spend], anchor)[0].error is None
    for name, text, tag in REGISTRIES:
        path = root.parent / name
        path.write_text(text)
        result = import_registry(ws, path, f"test-{tag}", [tag])
        assert result.error is None and result.rows_loaded == 1, result
    resolve(ws)
    return ws


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = build(tmp_path_factory.mktemp("frameworks") / "ws")
    yield ws
    ws.close()

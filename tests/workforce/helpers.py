"""A small network for the levers' hand-worked tests: Toronto, local = a postcode starting M."""

from __future__ import annotations

from pathlib import Path

from anchorkit.workspace import Workspace

SETTINGS: dict[str, object] = {
    "currency": "CAD",
    "place.regions": ["toronto"],
    "local.postcode_prefixes": ["M"],
    "local.wider_areas": ["province: Ontario"],
    "workforce.living_wage_area": "Toronto",
}

# Hospital's people in 2024, worked by hand in tests/workforce/test_hiring.py:
# staff 40 + 20 + 30 + 5 and 10 apprentices = 105; living locally (an M postcode): 70;
# unknown place: 5 ("Not known"); new hires 20, 12 local; pay band known for 100, 70 at or above.
HOSPITAL_2024 = """\
Lakeside Hospital: where our people live (fiscal year 2024),,,,,
Home area,Type,Living wage band,Headcount,FTE,Payroll,Self-identified group
M3N,Staff,At or above,40,38.5,"$2,000,000",
M5R,Staff,Below,20,15,600000,
L4C,Staff,At or above,30,30,1800000,
Not known,Staff,,5,5,,
M3N,New hires,At or above,12,,,
L4C,New hires,Below,8,,,
M5R,Apprentices,Below,10,10,200000,
All,New hires,,4,,,Indigenous
M5V,Staff,Above,<5,,,
Annex,Janitors,Above,3,,,
,Staff,Above,7,,,
"""

# A clinic with small counts: everything about it is suppressed when shown.
CLINIC_2024 = """\
Home FSA,Staff,New hires,Leavers
M5V,6,3,1
M1B,2,,
"""


def network(root: Path) -> Workspace:
    ws = Workspace.init(root, settings=SETTINGS)
    ws.add_anchor("Lakeside Hospital", "hospital")
    ws.add_anchor("Harbour Clinic", "agency")
    return ws


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# People counted by neighbourhood: each placed whole, so priority areas are exact.
BY_NEIGHBOURHOOD = """\
Neighbourhood,Staff,New hires
Glenfield-Jane Heights,40,12
Annex,20,
Black Creek (24),15,5
"""

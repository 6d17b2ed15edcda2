"""Workforce files for the demo network: where each anchor's staff and new hires live, counted by
home FSA, as HR departments would send them — and the truth beside them.

Each anchor's people are drawn (seeded) over Toronto FSAs (local under the demo's postcode rule)
and FSAs elsewhere in Ontario, with a wage band against the Toronto living wage and a salary.
Three layouts take turns, so the import meets each: a long CSV with a title row (kind, band,
count, FTE, payroll), a wide XLSX (one count column per kind), and a long CSV with
self-identified groups' counts for the whole anchor. The first anchor's latest year arrives as a
person-level HR export with fictional names, which the demo turns into counts with ``workforce
aggregate`` (as the anchor would, on its own machine) before importing them.

``truth/workforce.csv``: per anchor and period, the figures the hiring indicators must give.
"""

from __future__ import annotations

import csv
import itertools
import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from anchorkit.demo.reference import load_places, load_vocabulary
from anchorkit.workspace import slugify

PERIODS = (2023, 2024)
STAFF_BY_KIND = {
    "hospital": 2400,
    "university": 1800,
    "municipality": 2600,
    "college": 900,
    "school_board": 2000,
    "housing": 350,
    "agency": 600,
}
GROUPS = ("Indigenous", "Black", "Racialized", "Person with a disability")
LIVING_WAGE = 25.05  # Toronto, announced late 2023 (the demo's living-wage area)
HOURS = 1950


@dataclass(frozen=True)
class LeverFile:
    """One file the demo writes for a lever, and what to do with it."""

    anchor: str
    path: Path
    period: int | None = None
    person_level: bool = False


@dataclass
class _Person:
    fsa: str
    kind: str  # staff, apprentice, contractor_staff
    below: bool
    fte: float
    salary: int
    hired: bool  # a new hire this period
    left: bool  # a leaver this period (not in the period-end staff)
    group: str | None


def _fsas() -> tuple[list[str], list[str]]:
    places = load_places()
    local = sorted({p.fsa for p in places["toronto"]})
    elsewhere = sorted({p.fsa for p in places["ontario"]})
    return local, elsewhere


def _people(rng: random.Random, kind: str, period: int) -> list[_Person]:
    """An anchor's people in a period: who they are is drawn, the files count them."""
    local, elsewhere = _fsas()
    total = STAFF_BY_KIND.get(kind, 500)
    local_weights = list(itertools.accumulate(rng.random() ** 2 for _ in local))
    far_weights = list(itertools.accumulate(rng.random() ** 2 for _ in elsewhere))
    local_share = rng.uniform(0.55, 0.8)
    hire_boost = 0.04 * (period - PERIODS[0])  # targeted local hiring starts to show
    below_share = rng.uniform(0.04, 0.14)
    people = []
    for i in range(int(total * 1.18)):  # staff, leavers and contractors' staff
        kind_of = "staff"
        if i >= total:
            kind_of = "contractor_staff" if rng.random() < 0.35 else "leaver"
        elif rng.random() < 0.02:
            kind_of = "apprentice"
        hired = kind_of != "contractor_staff" and rng.random() < 0.09
        near = local_share + (hire_boost if hired else 0.0)
        fsa = (
            rng.choices(local, cum_weights=local_weights)[0]
            if rng.random() < near
            else rng.choices(elsewhere, cum_weights=far_weights)[0]
        )
        below = rng.random() < (0.4 if kind_of == "contractor_staff" else below_share)
        fte = 1.0 if rng.random() < 0.8 else 0.6
        rate = rng.uniform(17.2, 24.9) if below else rng.lognormvariate(3.55, 0.3) + 25.05
        people.append(
            _Person(
                fsa=fsa,
                kind="staff" if kind_of == "leaver" else kind_of,
                below=below,
                fte=fte,
                salary=round(rate * fte * HOURS),
                hired=hired,
                left=kind_of == "leaver",
                group=rng.choice(GROUPS) if rng.random() < 0.3 else None,
            )
        )
    return people


def _band(p: _Person) -> str:
    return "Below" if p.below else "At or above"


def _long_rows(people: list[_Person], groups: bool) -> list[list[object]]:
    """Rows of a long file: home FSA, kind, band, count, FTE, payroll (staff rows)."""
    cells: Counter[tuple[str, str, str]] = Counter()
    fte: dict[tuple[str, str, str], float] = defaultdict(float)
    pay: Counter[tuple[str, str, str]] = Counter()
    for p in people:
        kinds = []
        if not p.left:
            kinds.append(
                {
                    "staff": "Staff",
                    "apprentice": "Apprentice",
                    "contractor_staff": "Contractor staff",
                }[p.kind]
            )
        if p.hired:
            kinds.append("New hire")
        if p.left:
            kinds.append("Leaver")
        for k in kinds:
            key = (p.fsa, k, _band(p))
            cells[key] += 1
            if k in ("Staff", "Apprentice"):
                fte[key] += p.fte
                pay[key] += p.salary
    rows: list[list[object]] = [
        [
            fsa,
            k,
            band,
            n,
            f"{fte[(fsa, k, band)]:.1f}" if (fsa, k, band) in fte else "",
            pay[(fsa, k, band)] if (fsa, k, band) in pay else "",
        ]
        for (fsa, k, band), n in sorted(cells.items())
    ]
    if groups:
        by_group: Counter[tuple[str, str]] = Counter()
        for p in people:
            if p.group is None:
                continue
            if not p.left and p.kind == "staff":
                by_group[("Staff", p.group)] += 1
            if p.hired:
                by_group[("New hire", p.group)] += 1
        rows += [["All", k, "", n, "", "", g] for (k, g), n in sorted(by_group.items())]
    return rows


def _truth(anchor: str, period: int, people: list[_Person]) -> dict[str, object]:
    employees = [p for p in people if not p.left and p.kind in ("staff", "apprentice")]
    hires = [p for p in people if p.hired]
    contractors = [p for p in people if p.kind == "contractor_staff" and not p.left]
    return {
        "anchor": anchor,
        "period": period,
        "staff": len(employees),
        "new_hires": len(hires),
        "leavers": sum(p.left for p in people),
        "apprentices": sum(p.kind == "apprentice" for p in employees),
        "contractor_staff": len(contractors),
        "local_staff": sum(p.fsa.startswith("M") for p in employees),
        "local_hires": sum(p.fsa.startswith("M") for p in hires),
        "living_wage_or_above": sum(not p.below for p in employees),
        "living_wage_known": len(employees),
        "payroll": sum(p.salary for p in employees),
        "local_payroll": sum(p.salary for p in employees if p.fsa.startswith("M")),
    }


def write_demo_workforce(root: Path, seed: int, anchors: list[tuple[str, str]]) -> list[LeverFile]:
    """Write ``root/workforce/<anchor>/`` files for (name, kind) anchors and the truth."""
    written: list[LeverFile] = []
    truth: list[dict[str, object]] = []
    for index, (name, kind) in enumerate(anchors):
        folder = root / "workforce" / slugify(name)
        folder.mkdir(parents=True, exist_ok=True)
        for period in PERIODS:
            rng = random.Random(f"anchorkit-demo:{seed}:workforce:{name}:{period}")
            people = _people(rng, kind, period)
            truth.append(_truth(name, period, people))
            if index == 0 and period == PERIODS[-1]:
                path = folder / f"hr_export_people_FY{period}.csv"
                _write_people(path, people, period, rng)
                written.append(LeverFile(name, path, period, person_level=True))
            elif index % 3 == 1:
                path = folder / f"Workforce by postal district FY{period}.xlsx"
                _write_wide(path, people, name, period)
                written.append(LeverFile(name, path, period))
            else:
                path = folder / f"workforce_home_fsa_{period}.csv"
                _write_long(path, people, name, period, groups=index % 3 == 2)
                written.append(LeverFile(name, path, period))
    with (root / "truth" / "workforce.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(truth[0]))
        writer.writeheader()
        writer.writerows(truth)
    return written


def _write_long(path: Path, people: list[_Person], name: str, period: int, *, groups: bool) -> None:
    header = ["Home FSA", "Worker type", "Paid living wage", "Headcount", "FTE", "Annual payroll"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([f"{name}: workforce by home FSA, fiscal year {period}"])
        writer.writerow([*header, *(["Self-identified group"] if groups else [])])
        writer.writerows(_long_rows(people, groups))


def _write_wide(path: Path, people: list[_Person], name: str, period: int) -> None:
    import xlsxwriter

    cells: dict[tuple[str, str], Counter[str]] = {}
    for p in people:
        counter = cells.setdefault((p.fsa, _band(p)), Counter())
        if not p.left:
            counter[p.kind] += 1
            if p.kind in ("staff", "apprentice"):
                counter["payroll"] += p.salary
        counter["new_hire"] += p.hired
        counter["leaver"] += p.left
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Headcount")
    sheet.write_row(0, 0, [f"{name} — where our people live, FY{period}"])
    header = [
        "Postal district",
        "Living wage band",
        "Staff",
        "New hires",
        "Leavers",
        "Apprentices",
        "Contractor staff",
        "Payroll",
    ]
    sheet.write_row(2, 0, header)
    for row, ((fsa, band), c) in enumerate(sorted(cells.items()), start=3):
        sheet.write_row(
            row,
            0,
            [
                fsa,
                band,
                c["staff"],
                c["new_hire"],
                c["leaver"],
                c["apprentice"],
                c["contractor_staff"],
                c["payroll"],
            ],
        )
    book.close()


def _write_people(path: Path, people: list[_Person], period: int, rng: random.Random) -> None:
    """A person-level export, as an HR system gives it (fictional names; the demo aggregates it)."""
    vocab = load_vocabulary()
    places = [p for region in ("toronto", "ontario") for p in load_places()[region]]
    by_fsa: dict[str, list[str]] = {}
    for place in places:
        by_fsa.setdefault(place.fsa, []).append(place.postal_code)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Employee ID",
                "Last Name",
                "First Name",
                "Postal Code",
                "Hire Date",
                "Termination Date",
                "Employee Type",
                "FTE",
                "Annual Salary",
                "Self-identified group",
            ]
        )
        for number, p in enumerate(people, start=100001):
            hired = (
                f"{period}-{rng.randint(4, 12):02d}-{rng.randint(1, 28):02d}"
                if p.hired
                else f"{rng.randint(1995, period - 1)}-{rng.randint(1, 12):02d}-01"
            )
            left = f"{period + 1}-{rng.randint(1, 3):02d}-15" if p.left else ""
            kind = {
                "staff": "Regular",
                "apprentice": "Apprentice",
                "contractor_staff": "Contractor",
            }[p.kind]
            writer.writerow(
                [
                    number,
                    rng.choice(vocab.surnames),
                    rng.choice(vocab.stems),
                    rng.choice(by_fsa[p.fsa]),
                    hired,
                    left,
                    kind,
                    p.fte,
                    p.salary,
                    p.group or "",
                ]
            )

"""Workforce files: counts in, every row loaded or rejected with its reason, people never."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from anchorkit import source_files
from anchorkit.errors import AnchorkitError, PersonLevelError
from anchorkit.workforce import import_workforce
from anchorkit.workforce.aggregate import aggregate_people
from tests.workforce.helpers import CLINIC_2024, HOSPITAL_2024, network, write

STORED = ("workforce_count", "lever_file", "lever_rejected_row")


def _counts(ws: object) -> dict[str, int]:
    return {
        t: ws.engine.query_one("n", f"SELECT count(*) FROM {t}")[0]  # type: ignore[attr-defined]
        for t in STORED
    }


def test_a_long_file_loads_its_counts_and_rejects_rows_with_reasons(tmp_path: Path) -> None:
    with network(tmp_path / "ws") as ws:
        result = import_workforce(
            ws, write(tmp_path / "h.csv", HOSPITAL_2024), "Lakeside Hospital", period=2024
        )
        assert result.error is None
        assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (11, 8, 3)
        assert result.rows_skipped == {"title": 1, "header": 1}
        assert result.columns["home_area"] == "Home area" and result.columns["kind"] == "Type"
        why = {r["source_row"]: r["reasons"] for r in result.rejected}
        assert why[11] == [
            "count '<5' is suppressed in the file: give exact counts (anchorkit suppresses small "
            "counts itself wherever they are shown)"
        ]
        assert "kind 'Janitors' is not one of" in why[12][0]
        assert why[13][0].startswith("no home area")
        stored = ws.engine.query(
            "rows",
            "SELECT home_area, kind, wage_band, equity_group, headcount, fte, payroll "
            "FROM workforce_count ORDER BY source_row",
        )
        assert stored[0] == (
            "M3N",
            "staff",
            "living_wage_or_above",
            None,
            40,
            Decimal("38.50"),
            Decimal("2000000.00"),
        )
        assert stored[3][:3] == ("Not known", "staff", "unknown")
        assert stored[6][:2] == ("M5R", "apprentice")
        assert stored[7] == (None, "new_hire", "unknown", "Indigenous", 4, None, None)
        rejected = ws.engine.query("rej", "SELECT source_row, reasons FROM lever_rejected_row")
        assert sorted(r for r, _ in rejected) == [11, 12, 13]


def test_the_same_bytes_again_change_nothing_and_a_new_file_replaces_its_period(
    tmp_path: Path,
) -> None:
    with network(tmp_path / "ws") as ws:
        first = write(tmp_path / "h.csv", HOSPITAL_2024)
        import_workforce(ws, first, "Lakeside Hospital", period=2024)
        before = _counts(ws)
        again = import_workforce(ws, first, "Lakeside Hospital", period=2024)
        assert again.already_loaded and (again.rows_loaded, again.rows_rejected) == (8, 3)
        assert _counts(ws) == before
        other = import_workforce(ws, first, "Harbour Clinic", period=2024)
        assert other.error and "already imported for 'Lakeside Hospital'" in other.error
        corrected = write(tmp_path / "h2.csv", "Home FSA,Headcount\nM5V,50\n")
        result = import_workforce(ws, corrected, "Lakeside Hospital", period=2024)
        assert result.replaced == ["h.csv"]
        assert ws.engine.query(
            "rows", "SELECT home_area, kind, headcount FROM workforce_count"
        ) == [("M5V", "staff", 50)]
        assert _counts(ws) == {"workforce_count": 1, "lever_file": 1, "lever_rejected_row": 0}
        # the replaced file's bytes load again: the latest import wins
        assert not import_workforce(ws, first, "Lakeside Hospital", period=2024).already_loaded
        other_year = write(tmp_path / "h3.csv", "Home FSA,Headcount\nM5V,9\n")
        import_workforce(ws, other_year, "Lakeside Hospital", period=2023)
        periods = ws.engine.query("p", "SELECT DISTINCT period FROM workforce_count ORDER BY 1")
        assert periods == [(2023,), (2024,)]


@pytest.mark.parametrize(
    "step", ["workforce_replace", "workforce_rows", "workforce_rejected_rows", "workforce_commit"]
)
def test_a_crash_leaves_the_store_as_it_was(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    with network(tmp_path / "ws") as ws:
        import_workforce(
            ws,
            write(tmp_path / "old.csv", "Home FSA,Headcount\nM5V,50\n"),
            "Lakeside Hospital",
            period=2024,
        )
        before = {t: ws.engine.query("all", f"SELECT * FROM {t} ORDER BY ALL") for t in STORED}

        def crash(at: str) -> None:
            if at == step:
                raise RuntimeError(f"power cut at {at}")

        monkeypatch.setattr(source_files, "FAULT_HOOK", crash)
        with pytest.raises(RuntimeError, match="power cut"):
            import_workforce(
                ws, write(tmp_path / "h.csv", HOSPITAL_2024), "Lakeside Hospital", period=2024
            )
        monkeypatch.setattr(source_files, "FAULT_HOOK", None)
        assert {
            t: ws.engine.query("all", f"SELECT * FROM {t} ORDER BY ALL") for t in STORED
        } == before


PEOPLE = {
    "names": "Employee Number,Surname,Home FSA,Headcount\n1001,Lee,M5V,1\n1002,Roy,M1B,1\n",
    "e-mails": "Contact,Home FSA,Headcount\nann@lakeside.example,M5V,1\nbo@lakeside.example,M1B,1\n",
    "postcodes": "Home postal code,Headcount\nM5V 2T6,1\nM3N 1A1,1\nM1B 0A5,1\nM4C 1A1,1\n",
}


@pytest.mark.parametrize("kind", sorted(PEOPLE))
def test_a_file_of_people_is_refused_whole(tmp_path: Path, kind: str) -> None:
    with network(tmp_path / "ws") as ws:
        path = write(tmp_path / "people.csv", PEOPLE[kind])
        with pytest.raises(PersonLevelError, match="looks like a list of people") as refused:
            import_workforce(ws, path, "Lakeside Hospital", period=2024)
        assert "anchorkit workforce aggregate people.csv" in str(refused.value)
        assert _counts(ws) == dict.fromkeys(STORED, 0)


def test_full_postcodes_counting_several_people_are_kept_only_as_their_fsa(tmp_path: Path) -> None:
    with network(tmp_path / "ws") as ws:
        text = "Home postal code,Headcount\nM5V 2T6,12\nM3N 1A1,30\nM3N 2B2,4\n"
        result = import_workforce(
            ws, write(tmp_path / "agg.csv", text), "Lakeside Hospital", period=2024
        )
        assert result.rows_loaded == 3
        assert any("3 full postcodes kept only as their FSA" in n for n in result.notes)
        areas = ws.engine.query(
            "a", "SELECT home_area, sum(headcount) FROM workforce_count GROUP BY 1 ORDER BY 1"
        )
        assert areas == [("M3N", 34), ("M5V", 12)]


def test_a_wide_file_has_a_count_column_per_kind(tmp_path: Path) -> None:
    with network(tmp_path / "ws") as ws:
        result = import_workforce(
            ws, write(tmp_path / "c.csv", CLINIC_2024), "Harbour Clinic", period=2024
        )
        assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (2, 2, 0)
        rows = ws.engine.query(
            "w", "SELECT home_area, kind, headcount FROM workforce_count ORDER BY ALL"
        )
        assert rows == [
            ("M1B", "staff", 2),
            ("M5V", "leaver", 1),
            ("M5V", "new_hire", 3),
            ("M5V", "staff", 6),
        ]


def test_a_file_without_a_period_says_which_option_to_give(tmp_path: Path) -> None:
    with network(tmp_path / "ws") as ws:
        result = import_workforce(ws, write(tmp_path / "c.csv", CLINIC_2024), "Harbour Clinic")
        assert result.error and "give --period" in result.error
        with pytest.raises(AnchorkitError, match="--kind must be one of"):
            import_workforce(
                ws, write(tmp_path / "c.csv", CLINIC_2024), "Harbour Clinic", kind="boss"
            )


EXPORT = """\
Employee ID,Last Name,First Name,Postal Code,Hire Date,Termination Date,Employee Type,FTE,Annual Salary,Self-identified group
1,Lee,Ann,M3N 1A1,2010-05-01,,Regular,1,78000,Black
2,Roy,Bo,M3N 1A1,2024-06-10,,Regular,0.5,19500,
3,Fox,Cy,L4C 1A1,2024-09-01,2025-02-15,Regular,1,60000,
4,Kim,Di,M5V 2T6,2019-01-01,2024-05-31,Apprentice,1,39000,Indigenous
5,Ng,Ed,M5V 2T6,2018-01-01,,Apprentice,1,40000,
6,Oh,Fa,,2015-01-01,,Contractor,1,30000,
7,Po,Gu,M5V 2T6,2001-01-01,2020-12-31,Regular,1,90000,
"""


def test_aggregate_turns_people_into_counts_and_keeps_no_person(tmp_path: Path) -> None:
    """By hand, fiscal year 2024 (April 2024 - March 2025), living wage 25.05 an hour, 1950
    hours a year: Lee is staff at 40.00/h; Roy a new hire and staff at 19500/(0.5 x 1950) =
    20.00/h, below; Fox hired and gone within the year (a new hire and a leaver, 30.77/h);
    Kim an apprentice who left in May (a leaver, 20.00/h); Ng an apprentice still there
    (20.51/h, below); Oh contractors' staff with no postcode (15.38/h); Po left in 2020."""
    export = write(tmp_path / "people.csv", EXPORT)
    out = tmp_path / "counts.csv"
    result = aggregate_people(export, out, period=2024, living_wage=Decimal("25.05"))
    assert (result.people, result.counted) == (7, 6)
    assert result.skipped == {"not employed in the period": 1}
    assert result.by_kind == {
        "staff": 2,
        "new_hire": 2,
        "leaver": 2,
        "apprentice": 1,
        "contractor_staff": 1,
    }
    rows = {
        (r["home_area"], r["kind"], r["wage_band"], r["equity_group"]): (
            r["headcount"],
            r["payroll"],
        )
        for r in csv.DictReader(out.read_text(encoding="utf-8").splitlines())
    }
    assert rows == {
        ("M3N", "staff", "living_wage_or_above", ""): ("1", "78000.00"),
        ("M3N", "staff", "below_living_wage", ""): ("1", "19500.00"),
        ("M3N", "new_hire", "below_living_wage", ""): ("1", ""),
        ("L4C", "new_hire", "living_wage_or_above", ""): ("1", ""),
        ("L4C", "leaver", "living_wage_or_above", ""): ("1", ""),
        ("M5V", "leaver", "below_living_wage", ""): ("1", ""),
        ("M5V", "apprentice", "below_living_wage", ""): ("1", "40000.00"),
        ("unknown", "contractor_staff", "below_living_wage", ""): ("1", "30000.00"),
        ("", "staff", "living_wage_or_above", "Black"): ("1", "78000.00"),
        ("", "leaver", "below_living_wage", "Indigenous"): ("1", ""),
    }
    text = out.read_text(encoding="utf-8")
    for person in ("Lee", "Roy", "M3N 1A1", "1,Lee"):
        assert person not in text
    # the counts import (and the export itself would not)
    with network(tmp_path / "ws") as ws:
        loaded = import_workforce(ws, out, "Lakeside Hospital")
        assert (loaded.rows_loaded, loaded.rows_rejected) == (10, 0) and loaded.periods == [2024]
        with pytest.raises(PersonLevelError):
            import_workforce(ws, export, "Lakeside Hospital", period=2024)

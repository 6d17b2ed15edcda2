"""Home areas placed and apportioned, and neighbourhood statistics beside a region pack."""

from __future__ import annotations

from pathlib import Path

import pytest

from anchorkit.errors import CommunityStatsError
from anchorkit.place.homes import neighbourhood_shares, place_areas
from anchorkit.place.regions import Region
from anchorkit.place.stats import community_stats, import_stats, need_quintiles
from anchorkit.workspace import Workspace


def test_home_areas_are_placed_and_fsas_spread_over_neighbourhoods() -> None:
    packs = [Region.load("toronto")]
    placed = place_areas(["M3N", "Malvern", "25", "M5V 2T6", "nowhere"], packs)
    rows = {r["input"]: r for r in placed.to_pylist()}
    assert rows["Malvern"]["precision"] == "area" and rows["Malvern"]["priority_area"] is False
    assert rows["25"]["neighbourhood"] == "Glenfield-Jane Heights"  # by the City's code
    assert rows["25"]["toronto_municipality"] == "City of Toronto"
    assert rows["nowhere"]["precision"] == "unknown"
    shares = neighbourhood_shares(placed, packs).to_pylist()
    by_input: dict[str, float] = {}
    for s in shares:
        by_input[s["input"]] = by_input.get(s["input"], 0.0) + s["share"]
    assert by_input == pytest.approx({"M3N": 1.0, "Malvern": 1.0, "25": 1.0, "M5V 2T6": 1.0})
    m3n = {s["neighbourhood"]: s["share"] for s in shares if s["input"] == "M3N"}
    assert m3n["Glenfield-Jane Heights"] > 0.4 and m3n["Black Creek"] > 0.4


STATS = """\
Neighbourhood,Neighbourhood Number,Population,Prevalence of low income (%),Unemployment rate
Malvern,132,43794,19.6%,11.9
Annex,95,30526,13.1%,5.6
Black Creek,24,21737,31.7%,12.1
Casa Loma,96,10968,8.0%,4.9
Rosedale-Moore Park,98,20923,6.2%,4.6
Nowhere Heights,999,100,1%,1
"""


def test_statistics_import_with_rejects_and_rank_need(tmp_path: Path) -> None:
    settings = {"place.regions": ["toronto"], "community.need_statistic": "low_income_rate"}
    with Workspace.init(tmp_path / "ws", settings=settings) as ws:
        path = tmp_path / "profiles.csv"
        path.write_text(STATS, encoding="utf-8")
        with pytest.raises(CommunityStatsError, match="--source"):
            import_stats(ws, path, source=" ")
        result = import_stats(
            ws,
            path,
            source="Census 2021",
            year=2021,
            rename={"prevalence_of_low_income": "low_income_rate"},
        )
        assert (result.rows_read, result.rows_loaded, result.rows_rejected) == (6, 5, 1)
        assert result.rejected[0]["reasons"] == [
            "'Nowhere Heights' is not a neighbourhood of region toronto"
        ]
        assert result.statistics == ["low_income_rate", "population", "unemployment_rate"]
        stats = {(s.area_name, s.statistic): s.value for s in community_stats(ws)}
        assert stats[("Black Creek", "low_income_rate")] == pytest.approx(0.317)
        assert stats[("Malvern", "unemployment_rate")] == 11.9
        quintiles, need = need_quintiles(ws)
        # five areas ranked by low income, one to each fifth, the highest rate the greatest need
        assert quintiles == {
            "Rosedale-Moore Park": 1,
            "Casa Loma": 2,
            "Annex": 3,
            "Malvern": 4,
            "Black Creek": 5,
        }
        assert need is not None and need.source == "Census 2021" and need.year == 2021
        # a second import replaces the statistics it carries, keeps the others
        path.write_text("Neighbourhood,Population\nAnnex,31000\n", encoding="utf-8")
        import_stats(ws, path, source="Census 2026")
        after = {(s.area_name, s.statistic): s.value for s in community_stats(ws)}
        assert after[("Annex", "population")] == 31000 and ("Malvern", "population") not in after
        assert after[("Malvern", "low_income_rate")] == pytest.approx(0.196)

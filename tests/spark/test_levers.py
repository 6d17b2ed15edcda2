"""The other two levers on both engines: the same files give the same figures to the cent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from anchorkit.investment import compute_investment, import_investment
from anchorkit.views.levers import lever_sections
from anchorkit.workforce import import_workforce
from tests.conftest import ENGINES
from tests.investment.test_investment import REGISTER, _supplier
from tests.workforce.helpers import CLINIC_2024, HOSPITAL_2024, network, write


@pytest.mark.parametrize("engine", ENGINES, indirect=True)
def test_levers_give_the_same_figures_on_each_engine(engine: str, tmp_path: Path) -> None:
    ws = network(tmp_path / "ws")
    try:
        assert ws.engine.name == engine
        _supplier(ws)
        h = import_workforce(
            ws, write(tmp_path / "h.csv", HOSPITAL_2024), "Lakeside Hospital", period=2024
        )
        c = import_workforce(
            ws, write(tmp_path / "c.csv", CLINIC_2024), "Harbour Clinic", period=2024
        )
        i = import_investment(ws, write(tmp_path / "r.csv", REGISTER), "Lakeside Hospital")
        assert [(r.rows_loaded, r.rows_rejected, r.error) for r in (h, c, i)] == [
            (8, 3, None),
            (2, 0, None),
            (4, 3, None),
        ]
        again = import_workforce(ws, tmp_path / "h.csv", "Lakeside Hospital", period=2024)
        assert again.already_loaded
        sections: dict[str, Any] = lever_sections(ws)
        hospital = next(
            r for r in sections["hiring"]["by_anchor"] if r["anchor"] == "Lakeside Hospital"
        )
        assert (hospital["staff"], hospital["local_staff"], hospital["living_wage_share"]) == (
            105,
            70,
            0.7,
        )
        assert hospital["payroll"] == "4600000.00" and hospital["local_payroll"] == "2800000.00"
        year = {r["year"]: r for r in compute_investment(ws).network}[2023]
        assert (str(year["portfolio"]), year["local_investment_share"]) == ("2000000.00", 0.25)
        assert year["impact_investment_share"] == 0.25 and year["supplier_investees"] == 1
    finally:
        ws.close()

"""Figures read the same on every face: views/formatting.py, and no face formats on its own."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest

from anchorkit.views import formatting as fmt

SRC = Path(__file__).resolve().parents[1] / "src" / "anchorkit"


@pytest.mark.parametrize(
    ("function", "value", "shown"),
    [
        (fmt.jobs, 29431.1, "29,431"),
        (fmt.jobs, 3.44, "3.4"),
        (fmt.jobs, None, "—"),
        (fmt.points, 0.005, "+0.5 pp"),
        (fmt.points, -0.0123, "-1.2 pp"),
        (fmt.points, 0.0, "±0.0 pp"),
        (fmt.share, 0.421, "42.1 %"),
        (fmt.share, "0.5", "50.0 %"),
        (fmt.money, Decimal("18748991.21"), "18,748,991"),
        (fmt.money, "1334.79", "1,335"),
        (fmt.money_short, 1_234_567, "1.2 m"),
        (fmt.money_short, 2.5e9, "2.5 bn"),
        (fmt.count, 29431, "29,431"),
        (fmt.ratio, 1.8449, "1.84"),
        (fmt.percent, 0.654, "65 %"),
        (fmt.share, float("nan"), "—"),
    ],
)
def test_each_kind_reads_one_way(function: object, value: object, shown: str) -> None:
    assert function(value) == shown  # type: ignore[operator]


def test_measures_pick_their_kind_by_name() -> None:
    assert fmt.figure("local_share", 0.4) == "40.0 %"
    assert fmt.figure("tag_share:co_op", 0.05) == "5.0 %"
    assert fmt.figure("jobs", 29431.1) == "29,431"
    assert fmt.figure("lm3", 1.3525) == "1.35"
    assert fmt.figure("suppliers", 216) == "216"
    assert fmt.figure("local_spend", "1250.40", "GBP") == "1,250 GBP"
    # a change says its sign, and a share's change is in points, never "0.5 %"
    assert fmt.change("local_share", 0.005) == "+0.5 pp"
    assert fmt.change("jobs", 12.0) == "+12"
    assert fmt.change("local_spend", "-1250") == "-1,250"
    assert fmt.change("local_spend", "0.00") == "0"


#: format strings that are not figures of the model: a file's size, a distance, one spend line's
#: exact amount (to the cent, as the file has it), an exact value for --json (marked "# exact")
NOT_FIGURES = ("KB", " km", "r.amount", "# exact")
OWN_FORMAT = re.compile(r""":,?\.\d[f%]\}|'%\.\df'|"%\.\df"|\{:,?\.\df\}""")


def test_no_face_formats_figures_itself() -> None:
    """The siblings of "29431.1" and "0.5 %": a face (or a view) that formats a share, an
    amount or a job count with its own format string drifts from the others; they use the
    filters and functions of views/formatting.py."""
    own = [
        path
        for pattern in ("cli/*.py", "reports/*.py", "web/*.py", "portal/*.py", "views/*.py")
        for path in SRC.glob(pattern)
        if path.name != "formatting.py"
    ]
    own += [*SRC.glob("web/templates/**/*.html"), *SRC.glob("reports/templates/*.html")]
    found = [
        f"{path.relative_to(SRC)}:{number}: {line.strip()}"
        for path in own
        for number, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if OWN_FORMAT.search(line) and not any(n in line for n in NOT_FIGURES)
    ]
    assert not found, "\n".join(found)

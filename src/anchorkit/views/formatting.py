"""How figures read, the same on every face: the dashboard, the reports and the CLI.

Why one module: a coordinator reads a figure on a page, in a PDF and in a terminal, and must
read the same thing each time. Before, each face formatted for itself and they drifted: jobs
printed as ``29431.1`` on one face and ``29431.10`` on another, and the change of a share came
out as ``0.5 %`` where half a percentage point was meant (a share of 40 % rising to 40.5 % is
a change of +0.5 *points*, not of 0.5 %).

The rules:

- **money**: whole units with thousands separators (``18,748,991``); :func:`money_short` for
  tight places (``18.7 m``). Exact amounts (cents) belong to ``--json`` and the data files.
- **share**: a fraction shown as a percentage with one decimal (``42.1 %``).
- **change of a share**: signed percentage points (``+0.5 pp``, ``-1.2 pp``) — :func:`points`.
- **counts** (lines, suppliers): whole, with separators (``29,431``).
- **jobs**: estimates, whole with separators (``29,431``); under ten, one decimal (``3.4``), so
  a small sector does not read as nothing.
- **ratios** (LM3): two decimals (``1.84``).
- a missing figure is an em dash (``—``).

:func:`figure` and :func:`change` pick the rule from a measure's name (``local_share``,
``jobs``, ``lm3``, ``local_spend``...), for tables that mix measures.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

MISSING = "—"
#: measures that are plain counts (not money) though their values are numbers
COUNTS = frozenset({"lines", "suppliers", "anchors", "files", "rows", "suppliers_surveyed"})
#: measures that are ratios, shown with two decimals
RATIOS = frozenset({"lm3", "confidence", "match_probability"})


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = Decimal(value.replace(",", ""))
        except InvalidOperation:
            return None
    number = float(value)
    return None if number != number else number  # NaN is missing


def money(value: Any, currency: str = "") -> str:
    """``18,748,991`` (``18,748,991 GBP`` with a currency): whole units, rounded."""
    number = _number(value)
    if number is None:
        return MISSING
    return f"{number:,.0f} {currency}".strip()


def money_exact(value: Any, currency: str = "") -> str:
    """``1,334.79``: to the penny, where a total is checked against its source's own."""
    number = _number(value)
    if number is None:
        return MISSING
    return f"{number:,.2f} {currency}".strip()


def money_short(value: Any) -> str:
    """``18.7 m``, ``1.2 bn``, ``950 k``: for tables that must fit a screen."""
    number = _number(value)
    if number is None:
        return MISSING
    for limit, suffix in ((1e9, " bn"), (1e6, " m"), (1e3, " k")):
        if abs(number) >= limit:
            return f"{number / limit:,.1f}{suffix}"
    return f"{number:,.0f}"


def share(value: Any) -> str:
    """``42.1 %`` from the fraction 0.421."""
    number = _number(value)
    return MISSING if number is None else f"{number * 100:.1f} %"


def points(value: Any) -> str:
    """A change of a share in percentage points: ``+0.5 pp`` from the fraction 0.005."""
    number = _number(value)
    if number is None:
        return MISSING
    shown = round(number * 100, 1)
    return f"{'+' if shown > 0 else '-' if shown < 0 else '±'}{abs(shown):.1f} pp"


def count(value: Any) -> str:
    """``29,431``."""
    number = _number(value)
    return MISSING if number is None else f"{round(number):,}"


def jobs(value: Any) -> str:
    """``29,431`` jobs; ``3.4`` under ten (an estimate, never ``29431.1``)."""
    number = _number(value)
    if number is None:
        return MISSING
    return f"{number:.1f}" if abs(number) < 10 else f"{round(number):,}"


def ratio(value: Any) -> str:
    """``1.84`` (LM3, a confidence)."""
    number = _number(value)
    return MISSING if number is None else f"{number:.2f}"


def percent(value: Any) -> str:
    """A fraction of something done, whole: ``65 %`` (progress towards a target)."""
    number = _number(value)
    return MISSING if number is None else f"{number * 100:.0f} %"


def is_share_measure(name: str) -> bool:
    """``local_share``, ``impact_share``, ``tag_share:co_op``..."""
    return name.endswith("_share") or name.startswith("tag_share:") or name == "share"


def figure(name: str, value: Any, currency: str = "") -> str:
    """One value of the measure ``name``, read as its kind."""
    if is_share_measure(name):
        return share(value)
    if name == "jobs" or name.startswith("jobs_"):
        return jobs(value)
    if name in RATIOS:
        return ratio(value)
    if name in COUNTS:
        return count(value)
    return money(value, currency)


def change(name: str, value: Any, currency: str = "") -> str:
    """A change of the measure ``name``, signed: shares in points (``+0.5 pp``), the rest in
    its own unit (``+1,250``, ``+12`` jobs, ``+0.03`` LM3)."""
    if is_share_measure(name):
        return points(value)
    number = _number(value)
    if number is None:
        return MISSING
    shown = figure(name, abs(number), currency)
    zero = shown.strip("0.,") == "" or shown.split(" ")[0].strip("0.,") == ""
    return shown if zero else f"{'+' if number > 0 else '-'}{shown}"

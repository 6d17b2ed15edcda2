"""CSV cells that a spreadsheet will show, never run.

Why: a CSV export is opened in Excel or LibreOffice, which treat a cell starting with ``=``,
``+``, ``-`` or ``@`` (or a tab or carriage return before one) as a formula. A supplier name or
description from an uploaded spend file such as ``=HYPERLINK("http://…","Invoice")`` would run
on the reader's machine (formula injection, CWE-1236). Every CSV anchorkit writes passes its
text cells through :func:`safe_cell`, which prefixes such a cell with an apostrophe — the
spreadsheet's own sign for "this is text" — as OWASP recommends. Numbers stay numbers: a
negative amount is written as a number, and text that is only a signed number (``-12.50``)
cannot run, so it is left as it is.

This module sits beneath every layer (beside ``errors``): it imports nothing of anchorkit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d[\d,]*)?(\.\d+)?([eE][+-]?\d+)?")


def safe_cell(value: Any) -> Any:
    """``value`` as it may go into a CSV cell: text that a spreadsheet would run gets a ``'``."""
    if not isinstance(value, str) or not value:
        return value
    stripped = value.lstrip(" ")
    if stripped[:1] in TRIGGERS and not (
        stripped[:1] in "+-" and stripped[1:2].isdigit() and _PLAIN_NUMBER.fullmatch(stripped)
    ):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]

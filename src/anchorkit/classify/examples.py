"""Labelled examples of spend text, as data: what the learned models are trained on.

The shipped file (``data/taxonomy/examples.csv.gz``) holds distinct labelled pieces of ledger text
from several public bodies' own category labels, Contracts Finder notice titles through their CPV
codes and Companies House SIC texts through the sector crosswalk — each row saying where it came
from (``source``), so an evaluation can leave one publisher out. ``bench/classify.py
--build-examples`` rebuilds it; ``data/taxonomy/SOURCE.md`` says what is in it. A network with its
own taxonomy may put its own ``examples.csv`` (same columns) beside its ``categories.csv``.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

EXAMPLES_FILE = "examples.csv.gz"


@dataclass(frozen=True)
class Example:
    """One labelled piece of spend text: where it came from, its fields, its code, how much."""

    source: str
    raw_category: str | None
    description: str | None
    cost_centre: str | None
    supplier: str | None
    code: str
    weight: float = 1.0


EXAMPLE_COLUMNS = (
    "source",
    "raw_category",
    "description",
    "cost_centre",
    "supplier",
    "code",
    "weight",
)


def read_examples(data: bytes) -> list[Example]:
    """Examples from the bytes of an ``examples.csv(.gz)`` file."""
    if not data:
        return []
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    rows = csv.DictReader(io.StringIO(data.decode("utf-8")))
    return [
        Example(
            r["source"],
            r["raw_category"] or None,
            r["description"] or None,
            r["cost_centre"] or None,
            r["supplier"] or None,
            r["code"],
            float(r["weight"] or 1),
        )
        for r in rows
    ]


def write_examples(examples: Sequence[Example], path: Path) -> None:
    """Write examples as gzip CSV, in a fixed order and with a fixed mtime (same bytes each time)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXAMPLE_COLUMNS)
    for e in sorted(examples, key=lambda e: (e.source, e.code, _sort_key(e))):
        writer.writerow(
            [
                e.source,
                e.raw_category or "",
                e.description or "",
                e.cost_centre or "",
                e.supplier or "",
                e.code,
                f"{e.weight:g}",
            ]  # fmt: skip
        )
    path.write_bytes(gzip.compress(out.getvalue().encode("utf-8"), mtime=0))


def _sort_key(e: Example) -> tuple[str, ...]:
    return (e.raw_category or "", e.description or "", e.cost_centre or "", e.supplier or "")


def examples_bytes(folder: Path | None) -> bytes:
    """The bytes of the examples file in ``folder`` (the shipped one for None), or b''."""
    if folder is None:
        shipped = resources.files("anchorkit.data").joinpath("taxonomy", EXAMPLES_FILE)
        return shipped.read_bytes() if shipped.is_file() else b""
    for name in (EXAMPLES_FILE, "examples.csv"):
        if (folder / name).exists():
            return (folder / name).read_bytes()
    return b""

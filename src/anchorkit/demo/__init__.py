"""A seeded, fictional anchor collaborative: spend files as real finance systems export them, and the truth.

``build_demo`` writes one folder per anchor under ``root/files`` (CSV, TSV, pipe, XLSX and XLS files in
UTF-8, UTF-8 with BOM and cp1252, with title rows, totals, repeated headers, a headerless file, a schema
change and a few bad rows) and the ground truth under ``root/truth`` (opportunities planted on purpose
included: see :mod:`anchorkit.demo.planted`). The same seed gives byte-identical
files, so tests and the ``anchorkit demo`` command can rely on exact numbers.

Example::

    from pathlib import Path
    from anchorkit.demo import build_demo

    network = build_demo(Path("demo-network"), anchors=17, lines=250_000, seed=42)
    network.files[0].path  # demo-network/files/lakeshore-general-hospital/AP_Payments_FY2021-22.csv
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from anchorkit.demo.anchors import ANCHORS, AnchorProfile, select_anchors
from anchorkit.demo.layouts import Layout
from anchorkit.demo.lines import AnchorBook, Line, apportion
from anchorkit.demo.planted import Planter, plant_suppliers, write_truth
from anchorkit.demo.reference import load_places, load_vocabulary
from anchorkit.demo.suppliers import build_universe, supplier_count, zipf_weights
from anchorkit.demo.truth import TruthRecorder
from anchorkit.demo.writers import plan_sheets, write_file

__all__ = ["ANCHORS", "DemoAnchor", "DemoFile", "DemoNetwork", "build_demo", "minimum_lines"]

FISCAL_YEARS = (2021, 2022, 2023, 2024)
SETTINGS: dict[str, object] = {
    "network.name": "Lakeport Anchor Collaborative (fictional demo)",
    "local.postcode_prefixes": ["M"],
    "place.regions": ["toronto"],  # neighbourhoods and Neighbourhood Improvement Areas
    "currency": "CAD",
    "fiscal_year.start": "04-01",
}
MIN_ROWS_PER_UNIT = 8
_YEAR_WEIGHTS = (0.22, 0.24, 0.26, 0.28)  # spend grows a little every year
_QUARTER_WEIGHTS = (0.23, 0.22, 0.25, 0.30)  # and peaks at fiscal year end
_QUARTER_SHEETS = ("Q1 Apr-Jun", "Q2 Jul-Sep", "Q3 Oct-Dec", "Q4 Jan-Mar")
_EFT_SHARE = 0.7
Sheets = list[tuple[str | None, list[Line]]]  # (sheet name, or None for a CSV file; its lines)


@dataclass(frozen=True)
class DemoFile:
    """One spend file written, and the anchor it belongs to."""

    anchor: str
    path: Path


@dataclass(frozen=True)
class DemoAnchor:
    """An anchor of the demo network; ``kind`` is one of anchorkit's anchor kinds."""

    name: str
    kind: str


@dataclass(frozen=True)
class DemoNetwork:
    """What :func:`build_demo` wrote: the anchors, their files, the settings the demo needs, the truth."""

    root: Path
    anchors: list[DemoAnchor]
    files: list[DemoFile]
    settings: dict[str, object]
    truth_dir: Path


def build_demo(
    root: Path,
    *,
    anchors: int = 17,
    lines: int = 250_000,
    seed: int = 42,
    progress: Callable[[int, int], None] | None = None,
) -> DemoNetwork:
    """Write a demo network of ``anchors`` anchors and ``lines`` data rows under ``root``.

    Args:
        root: folder to write into; its ``files`` and ``truth`` subfolders must be absent or empty, so
            two demos are never mixed (delete them first to rebuild).
        anchors: how many of the seventeen fictional anchors to include (the first N of a fixed list).
        lines: data rows to write across all files (bad rows included; title, header and total rows
            not). At least :func:`minimum_lines` for the chosen anchors.
        seed: the same seed writes byte-identical files.
        progress: called as ``progress(rows_written, lines)`` after each file.

    Returns:
        The anchors, the files in the order written, the workspace settings the demo assumes
        (Toronto postal codes are local, CAD, April-March years) and the truth folder.

    Raises:
        ValueError: ``anchors`` is not 1-17, or ``lines`` is below the minimum.
        FileExistsError: ``root/files`` or ``root/truth`` already holds something.
    """
    profiles = select_anchors(anchors)
    needed = minimum_lines(anchors)
    if lines < needed:
        raise ValueError(f"A demo of {anchors} anchors needs at least {needed} lines; got {lines}.")
    root = Path(root)
    files_dir, truth_dir = root / "files", root / "truth"
    for folder in (files_dir, truth_dir):
        if folder.exists() and any(folder.iterdir()):
            raise FileExistsError(f"{folder} is not empty; delete it to build a new demo there.")
    vocab, places = load_vocabulary(), load_places()
    universe = build_universe(
        random.Random(f"anchorkit-demo:{seed}:suppliers"), supplier_count(lines), vocab, places
    )
    weights = zipf_weights(universe)
    planted = plant_suppliers(seed, universe, vocab, places, tuple(p.name for p in profiles))
    meta = {"generator": "anchorkit.demo", "seed": seed, "lines": lines, "settings": SETTINGS}
    truth = TruthRecorder(root, truth_dir, meta)
    written: list[DemoFile] = []
    done = 0
    for profile, counts in zip(profiles, _allocate(profiles, lines), strict=True):
        truth.add_anchor(profile)
        rng = random.Random(f"anchorkit-demo:{seed}:{profile.slug}")
        planter = Planter(
            planted, profile.name, random.Random(f"anchorkit-demo:{seed}:{profile.slug}:planted")
        )
        book = AnchorBook(
            rng, universe, weights, vocab.affinity[profile.kind], profile.habit, planter
        )
        refs = _RefCounter(profile.ref, rng)
        centres = vocab.cost_centres[profile.kind]
        for year_index, fy in enumerate(FISCAL_YEARS):
            layout = profile.layout_for(year_index)
            units = counts[year_index]
            for name, sheets in _files_for_year(profile, layout, fy, units, book, centres, refs):
                path = files_dir / profile.slug / name
                plans = plan_sheets(layout, sheets, _fy_label(fy))
                write_file(path, layout, plans)
                truth.add_file(path, profile, layout, plans)
                written.append(DemoFile(profile.name, path))
                done += sum(len(lines_) for _, lines_ in sheets)
                if progress is not None:
                    progress(done, lines)
    truth.finish([*universe, *planted.suppliers])
    write_truth(truth_dir, planted, truth.spend)
    return DemoNetwork(
        root=root,
        anchors=[DemoAnchor(p.name, p.kind) for p in profiles],
        files=written,
        settings=dict(SETTINGS),
        truth_dir=truth_dir,
    )


def minimum_lines(anchors: int = 17) -> int:
    """The fewest lines a demo of ``anchors`` anchors can have: a few rows in every file and sheet."""
    units = sum(len(year) for p in select_anchors(anchors) for year in _unit_weights(p))
    return units * MIN_ROWS_PER_UNIT


def _unit_weights(profile: AnchorProfile) -> list[list[float]]:
    """Per fiscal year, the relative size of each unit (a quarter, or the whole year)."""
    years = []
    for i, w in enumerate(_YEAR_WEIGHTS):
        quarterly = profile.split == "quarter" or profile.layout_for(i).sheets == "quarters"
        years.append([w * q for q in _QUARTER_WEIGHTS] if quarterly else [w])
    return years


def _allocate(profiles: tuple[AnchorProfile, ...], lines: int) -> list[list[list[int]]]:
    """Rows per anchor, year and unit: a minimum everywhere, the rest by anchor and unit weights."""
    shapes = [_unit_weights(p) for p in profiles]
    floors = [sum(len(units) for units in shape) * MIN_ROWS_PER_UNIT for shape in shapes]
    extras = apportion(lines - sum(floors), [p.weight for p in profiles])
    result = []
    for shape, extra in zip(shapes, extras, strict=True):
        flat = apportion(extra, [w for units in shape for w in units])
        it = iter(flat)
        result.append([[MIN_ROWS_PER_UNIT + next(it) for _ in units] for units in shape])
    return result


def _fy_label(fy: int) -> str:
    return f"{fy}-{(fy + 1) % 100:02d}"


def _quarter(fy: int, q: int) -> tuple[dt.date, dt.date]:
    """First and last day of quarter ``q`` (1-4) of the April-March fiscal year ``fy``."""
    starts = (dt.date(fy, 4, 1), dt.date(fy, 7, 1), dt.date(fy, 10, 1), dt.date(fy + 1, 1, 1))
    ends = (dt.date(fy, 6, 30), dt.date(fy, 9, 30), dt.date(fy, 12, 31), dt.date(fy + 1, 3, 31))
    return starts[q - 1], ends[q - 1]


class _RefCounter:
    """Invoice / voucher numbers that rise through an anchor's files, with the gaps real ones have."""

    def __init__(self, pattern: str, rng: random.Random) -> None:
        self.pattern = pattern
        self.rng = rng
        self.n = rng.randint(10_000, 500_000)

    def stamp(self, lines: list[Line]) -> None:
        if not self.pattern:
            return
        for line in lines:
            self.n += self.rng.randint(1, 3)
            line.ref = self.pattern.format(n=self.n)


def _files_for_year(
    profile: AnchorProfile,
    layout: Layout,
    fy: int,
    units: list[int],
    book: AnchorBook,
    centres: tuple[str, ...],
    refs: _RefCounter,
) -> list[tuple[str, Sheets]]:
    """The files of one fiscal year: (file name, [(sheet name or None for CSV, lines)])."""
    names = {
        "fy": _fy_label(fy),
        "fy_us": f"{fy}_{(fy + 1) % 100:02d}",
        "fy_long": f"{fy}-{fy + 1}",
        "yy_end": f"{(fy + 1) % 100:02d}",
    }
    sheet = None if layout.fmt == "csv" else layout.sheet_name
    accents = layout.encoding == "cp1252"

    def draw(n: int, start: dt.date, end: dt.date) -> list[Line]:
        lines = book.draw(n, start, end, centres, need_accents=accents)
        refs.stamp(lines)
        return lines

    if profile.split == "quarter":
        return [
            (layout.file_name.format(q=q, **names), [(sheet, draw(n, *_quarter(fy, q)))])
            for q, n in enumerate(units, start=1)
        ]
    parts: Sheets
    if layout.sheets == "quarters":
        parts = [
            (_QUARTER_SHEETS[q - 1], draw(n, *_quarter(fy, q))) for q, n in enumerate(units, 1)
        ]
    else:
        lines = draw(units[0], dt.date(fy, 4, 1), dt.date(fy + 1, 3, 31))
        parts = [(sheet, lines)]
        if layout.sheets == "payment_method":
            eft = [book.rng.random() < _EFT_SHARE for _ in lines]
            eft[0], eft[-1] = True, False  # both sheets get rows
            parts = [
                ("EFT", [line for line, e in zip(lines, eft, strict=True) if e]),
                ("Cheque", [line for line, e in zip(lines, eft, strict=True) if not e]),
            ]
    return [(layout.file_name.format(**names), parts)]

"""The ground truth: what an ingest and resolution of the demo files must find, down to the cent.

``truth/lines.csv`` has one row per data row written (its file, sheet, row, expected status, true
supplier); ``truth/suppliers.csv`` the true suppliers and every spelling of each that the files use;
``truth/expected.json`` the totals and indicators by network, anchor, fiscal year and file. Money is
counted in integer cents and written as exact decimal strings; shares are ``Decimal`` quotients.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from anchorkit.demo.anchors import AnchorProfile
from anchorkit.demo.layouts import Layout
from anchorkit.demo.lines import Line
from anchorkit.demo.suppliers import Supplier
from anchorkit.demo.writers import SheetPlan

LINE_COLUMNS = (
    "file",
    "sheet",
    "source_row",
    "anchor",
    "status",
    "reject_reason",
    "supplier_id",
    "supplier_name",
    "name_written",
    "vendor_id_written",
    "amount",
    "currency",
    "paid_on",
    "fiscal_year",
    "sector",
    "postcode",
    "postcode_written",
    "is_local",
)
SHARE_PLACES = Decimal("0.000001")


def money(cents: int) -> str:
    """Integer cents as an exact decimal string: -123456 -> "-1234.56"."""
    whole, frac = divmod(abs(cents), 100)
    return f"{'-' if cents < 0 else ''}{whole}.{frac:02d}"


def fiscal_year(day: dt.date) -> int:
    """April-March years, named by the calendar year they start in."""
    return day.year if day.month >= 4 else day.year - 1


@dataclass
class Tally:
    """Running totals for one scope (network, anchor, year or file)."""

    rows_read: int = 0
    rows_rejected: int = 0
    lines: int = 0
    total: int = 0
    local: int = 0
    unknown: int = 0
    suppliers: set[str] = field(default_factory=set)

    def add(self, supplier: Supplier | None, cents: int) -> None:
        """Count one data row: ``supplier`` is None for a row the ingest must reject."""
        self.rows_read += 1
        if supplier is None:
            self.rows_rejected += 1
            return
        self.lines += 1
        self.total += cents
        self.suppliers.add(supplier.supplier_id)
        local = supplier.is_local
        if local is None:
            self.unknown += cents
        elif local:
            self.local += cents

    def summary(self) -> dict[str, Any]:
        share = None
        if self.total:
            share = str((Decimal(self.local) / Decimal(self.total)).quantize(SHARE_PLACES))
        return {
            "rows_read": self.rows_read,
            "rows_loaded": self.lines,
            "rows_rejected": self.rows_rejected,
            "lines": self.lines,
            "total_spend": money(self.total),
            "addressable_spend": money(self.total),
            "local_spend": money(self.local),
            "unknown_location_spend": money(self.unknown),
            "local_share": share,
            "suppliers": len(self.suppliers),
        }


@dataclass
class _AnchorTruth:
    profile: AnchorProfile
    tally: Tally = field(default_factory=Tally)
    years: dict[int, Tally] = field(default_factory=lambda: defaultdict(Tally))
    files: list[str] = field(default_factory=list)


class TruthRecorder:
    """Collects the truth while files are written; :meth:`finish` writes the summaries."""

    def __init__(self, root: Path, truth_dir: Path, meta: dict[str, Any]) -> None:
        self.root = root
        self.truth_dir = truth_dir
        self.meta = meta
        truth_dir.mkdir(parents=True, exist_ok=True)
        self._lines_file: IO[str] = (truth_dir / "lines.csv").open(
            "w", encoding="utf-8", newline=""
        )
        self._writer = csv.writer(self._lines_file, lineterminator="\n")
        self._writer.writerow(LINE_COLUMNS)
        self.network = Tally()
        self.network_years: dict[int, Tally] = defaultdict(Tally)
        self.anchors: dict[str, _AnchorTruth] = {}
        self.files: dict[str, dict[str, Any]] = {}
        self.variants: dict[str, set[str]] = defaultdict(set)
        self.line_counts: dict[str, int] = defaultdict(int)
        # loaded spend in cents by true supplier and anchor
        self.spend: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))

    def add_anchor(self, profile: AnchorProfile) -> None:
        self.anchors[profile.name] = _AnchorTruth(profile)

    def add_file(
        self, path: Path, profile: AnchorProfile, layout: Layout, plans: list[SheetPlan]
    ) -> None:
        """Record every data row of a written file, and what the file looks like."""
        rel = path.relative_to(self.root).as_posix()
        anchor = self.anchors[profile.name]
        file_tally = Tally()
        sheets = []
        for plan in plans:
            sheet_tally = Tally()
            for source_row, line in plan.data_rows():
                supplier = None if line.bad else line.supplier
                year = None if line.bad == "bad_date" else fiscal_year(line.paid_on)
                for tally in (self.network, anchor.tally, file_tally, sheet_tally):
                    tally.add(supplier, line.cents)
                if supplier is not None and year is not None:
                    self.network_years[year].add(supplier, line.cents)
                    anchor.years[year].add(supplier, line.cents)
                self._write_line(rel, plan.name or "", source_row, profile, layout, line, year)
            sheets.append(self._sheet_info(plan, sheet_tally))
        anchor.files.append(rel)
        self.files[rel] = {
            "anchor": profile.name,
            "format": layout.fmt,
            "encoding": layout.encoding if layout.fmt == "csv" else None,
            "delimiter": layout.delimiter if layout.fmt == "csv" else None,
            "header": layout.header,
            "columns": layout.labels,
            "date_style": layout.date_style,
            "amount_style": layout.amount_style,
            **{k: v for k, v in file_tally.summary().items() if k.startswith("rows_")},
            "total_spend": money(file_tally.total),
            "sheets": sheets,
        }

    def _write_line(
        self,
        rel: str,
        sheet: str,
        source_row: int,
        profile: AnchorProfile,
        layout: Layout,
        line: Line,
        year: int | None,
    ) -> None:
        s = line.supplier
        written = layout.written_name(line)
        if written:
            self.variants[s.supplier_id].add(written)
        if not line.bad:
            self.line_counts[s.supplier_id] += 1
            self.spend[s.supplier_id][profile.name] += line.cents
        missing = line.bad == "missing_supplier"
        local = "" if s.is_local is None or missing else str(s.is_local).lower()
        self._writer.writerow(
            (
                rel,
                sheet,
                source_row,
                profile.name,
                "rejected" if line.bad else "loaded",
                line.bad,
                "" if missing else s.supplier_id,
                "" if missing else s.name.canonical,
                written,
                layout.written_vendor_id(line),
                "" if line.bad == "bad_amount" else money(line.cents),
                "CAD",
                "" if year is None else line.paid_on.isoformat(),
                "" if year is None else year,
                "" if missing else s.sector.name,
                "" if missing else s.postcode,
                layout.written_postcode(line),
                local,
            )
        )

    @staticmethod
    def _sheet_info(plan: SheetPlan, tally: Tally) -> dict[str, Any]:
        kinds: dict[str, list[int]] = defaultdict(list)
        for i, (kind, _) in enumerate(plan.rows, start=1):
            kinds[kind].append(i)
        total = next((p for k, p in plan.rows if k == "total"), None)
        return {
            "name": plan.name,
            "title_rows": kinds["title"] + kinds["blank"],
            "header_rows": kinds["header"],
            "total_row": kinds["total"][0] if kinds["total"] else None,
            "total_row_amount": None if total is None else money(total),
            **{k: v for k, v in tally.summary().items() if k.startswith("rows_")},
            "total_spend": money(tally.total),
        }

    def finish(self, universe: list[Supplier]) -> None:
        """Close lines.csv; write suppliers.csv and expected.json."""
        self._lines_file.close()
        with (self.truth_dir / "suppliers.csv").open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f, lineterminator="\n")
            writer.writerow(
                (
                    "supplier_id",
                    "canonical_name",
                    "legal_name",
                    "postcode",
                    "fsa",
                    "place_name",
                    "province",
                    "country",
                    "region",
                    "is_local",
                    "sector",
                    "rank",
                    "namesake_of",
                    "lines",
                    "variants",
                )
            )
            for s in universe:
                p = s.place
                writer.writerow(
                    (
                        s.supplier_id,
                        s.name.canonical,
                        s.name.legal(),
                        s.postcode,
                        p.fsa if p else "",
                        p.place_name if p else "",
                        p.province if p else "",
                        p.country if p else "",
                        s.region,
                        "" if s.is_local is None else str(s.is_local).lower(),
                        s.sector.name,
                        s.rank + 1,
                        s.namesake_of,
                        self.line_counts[s.supplier_id],
                        "|".join(sorted(self.variants[s.supplier_id])),
                    )
                )
        expected = {
            **self.meta,
            "definitions": _DEFINITIONS,
            "network": {
                **self.network.summary(),
                "anchors": len(self.anchors),
                "files": len(self.files),
                "by_fiscal_year": _years(self.network_years),
            },
            "anchors": {
                name: {
                    "kind": a.profile.kind,
                    "slug": a.profile.slug,
                    "layout": a.profile.notes,
                    **a.tally.summary(),
                    "files": a.files,
                    "by_fiscal_year": _years(a.years),
                }
                for name, a in self.anchors.items()
            },
            "files": self.files,
        }
        text = json.dumps(expected, indent=2, ensure_ascii=False) + "\n"
        (self.truth_dir / "expected.json").write_text(text, encoding="utf-8")


def _years(tallies: dict[int, Tally]) -> dict[str, dict[str, Any]]:
    """Loaded lines by fiscal year (rows_* are per file and per anchor: a rejected row has no year)."""
    return {
        str(y): {k: v for k, v in tallies[y].summary().items() if not k.startswith("rows_")}
        for y in sorted(tallies)
    }


_DEFINITIONS = {
    "rows_read": "data rows only: not title, blank, header (first or repeated) or Total rows",
    "rows_read == rows_loaded + rows_rejected": True,
    "lines": "loaded rows (spend lines)",
    "total_spend": "sum of loaded amounts, credits netted; CAD",
    "addressable_spend": "= total_spend (the demo has no excluded categories)",
    "local_spend": "loaded spend with suppliers whose true postcode starts with M (Toronto)",
    "unknown_location_spend": "loaded spend with suppliers that have no postcode",
    "local_share": "local_spend / addressable_spend, rounded to 6 places (recompute exactly if needed)",
    "suppliers": "distinct true suppliers among loaded lines",
    "total_row_amount": "a file's Total row = sum of every parseable amount in its data rows, "
    "including rows rejected for a missing supplier or an impossible date",
    "by_fiscal_year": "loaded lines by the April-March year their payment date falls in",
    "lines.csv": "one row per data row written; source_row is 1-based as a spreadsheet counts "
    "(title, blank and header lines included); rejected rows keep what the file does say",
    "suppliers.csv": "every true supplier; lines = its loaded lines, variants = every spelling "
    "written in the files, '|'-separated",
}

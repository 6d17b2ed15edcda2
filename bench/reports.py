"""Reports benchmark: time and peak memory to build the network PDF (and the Excel workbook and one
anchor's scorecard) on a 10M-line workspace.

    python bench/reports.py [--lines 10000000] [--out bench/results/reports.json] [--rebuild]

The workspace is the dashboard benchmark's (bench/web.py: the 250,000-line demo network scaled to
``--lines`` by copying its spend lines), cached in bench/work/web-<lines>. The illustrative
multiplier table is loaded so the report's jobs section does its work too. Each report is one
``anchorkit report`` process, started cold: nothing is cached between runs, so the time is what a
backbone analyst waits for at the command line — the indicators by year, anchor, category and
neighbourhood, LM3, jobs, opportunities and data quality over every line, then the layout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from resolution import run as run_measured  # noqa: E402
from web import ANCHORKIT, WORK, build_workspace, workspace_facts  # noqa: E402


def run(args: list[str]) -> tuple[float, float]:
    """Seconds and peak RSS (MB) of one anchorkit process (its own: reaped with os.wait4 by
    bench/resolution.py's runner, so one report's peak is not another's)."""
    done = run_measured([str(ANCHORKIT), *args], guard_gb=20.0, timeout_s=3600)
    if done.get("stopped") or done["returncode"] != 0:
        raise SystemExit(
            f"anchorkit {' '.join(args)} failed: {done.get('stopped', '')}\n"
            f"{done['stdout']}\n{done['stderr']}"
        )
    return float(done["wall_seconds"]), float(done["peak_rss_mb"])


def pdf_pages(path: Path) -> int | None:
    try:
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True).stdout
    except FileNotFoundError:
        return None
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    return int(match.group(1)) if match else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "reports.json")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    root = WORK / f"web-{args.lines}"
    if args.rebuild or not (root / "anchorkit.duckdb").exists():
        build_workspace(root, args.lines)
    ws = ["--workspace", str(root)]
    subprocess.run(
        [str(ANCHORKIT), *ws, "multipliers", "load", "--example"],
        check=True,
        capture_output=True,
    )
    facts = workspace_facts(root)
    import duckdb

    con = duckdb.connect(str(root / "anchorkit.duckdb"), read_only=True)
    (anchor,) = con.execute("SELECT name FROM anchor ORDER BY anchor_id LIMIT 1").fetchone() or (
        "",
    )
    con.close()

    load_at_start = [round(x, 2) for x in os.getloadavg()]
    out_dir = WORK / "reports"
    out_dir.mkdir(parents=True, exist_ok=True)
    runs: dict[str, Any] = {}
    for name, extra, target in (
        ("network_pdf", ["--network"], out_dir / "network.pdf"),
        ("network_xlsx", ["--network"], out_dir / "network.xlsx"),
        ("anchor_pdf", ["--anchor", anchor], out_dir / "anchor.pdf"),
    ):
        print(f"{name} ...", file=sys.stderr)
        seconds, peak_mb = run([*ws, "report", *extra, "--out", str(target)])
        runs[name] = {
            "seconds": round(seconds, 1),
            "peak_rss_mb": round(peak_mb),
            "bytes": target.stat().st_size,
            "pages": pdf_pages(target) if target.suffix == ".pdf" else None,
        }
        print(f"  {runs[name]}", file=sys.stderr)

    result = {
        "benchmark": "reports",
        "what": "anchorkit report, one cold process per report, on the scaled demo workspace",
        "machine": {
            "cores": os.cpu_count(),
            "python": platform.python_version(),
            "load_average_at_start": load_at_start,
            "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
        },
        "workspace": facts,
        "runs": runs,
        "rows_per_second_network_pdf": round(
            facts.get("spend_lines", args.lines) / runs["network_pdf"]["seconds"]
        ),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result["runs"], indent=2))


if __name__ == "__main__":
    main()

"""Spark benchmark: the same pipeline on DuckDB and on Spark, and Spark's scaling with cores.

    python bench/spark.py [--lines 10000000] [--out bench/results/spark.json]

The pipeline is the part of anchorkit that grows with lines: ingest one big spend file (the file
of bench/ingest.py: big enough for the engine's own CSV reader, not Python's), then compute the
indicators by anchor and by year. Each run is a fresh subprocess with a new workspace:

1. DuckDB;
2. Spark ``local[2]`` (both cores of the bench machine);
3. Spark ``local[1]``: the scaling from one core to two.

Peak memory is the Python process plus, for Spark, its JVM (a child process: its VmHWM, read
from /proc before the session stops). Writes seconds, CPU seconds of the Python process, peak
memory and the named SQL steps (seconds each) to the JSON file, with a note comparing them.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
sys.path.insert(0, str(HERE))

from ingest import StepTimes, cpu_seconds, generate  # noqa: E402


def _children_peak_mb() -> float:
    """Peak resident memory of this process's children (Spark's JVM), from /proc."""
    me, total = os.getpid(), 0.0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if int(fields.get("PPid", "0").strip() or 0) == me and "VmHWM" in fields:
            total += int(fields["VmHWM"].split()[0]) / 1024
    return total


def child(engine: str, master: str, path: str, workspace: str) -> dict[str, Any]:
    os.environ["ANCHORKIT_ENGINE"] = engine
    os.environ["ANCHORKIT_SPARK__MASTER"] = master
    os.environ["ANCHORKIT_SPARK__SHUFFLE_PARTITIONS"] = "4"
    os.environ["ANCHORKIT_SPARK__DRIVER_MEMORY"] = "4g"
    from anchorkit.analytics import compute_indicators
    from anchorkit.ingest import ingest_files
    from anchorkit.workspace import Workspace

    start = time.perf_counter()
    ws = Workspace.init(workspace, settings={"currency": "CAD", "local.postcode_prefixes": ["M"]})
    ws.add_anchor("Bench Hospital", "hospital")
    opened = time.perf_counter() - start
    steps = StepTimes()
    sql_log = logging.getLogger("anchorkit.sql")
    sql_log.addHandler(steps)
    sql_log.setLevel(logging.DEBUG)
    start, cpu = time.perf_counter(), cpu_seconds()
    (result,) = ingest_files(ws, [Path(path)], "Bench Hospital")
    ingest_s = time.perf_counter() - start
    if result.error:
        raise SystemExit(result.error)
    start = time.perf_counter()
    by_anchor = compute_indicators(ws, by="anchor").to_json()
    compute_indicators(ws, by="year")
    indicators_s = time.perf_counter() - start
    cpu = cpu_seconds() - cpu
    jvm_mb = _children_peak_mb()
    ws.close()
    return {
        "open_seconds": round(opened, 2),
        "ingest_seconds": round(ingest_s, 2),
        "indicators_seconds": round(indicators_s, 2),
        "python_cpu_seconds": round(cpu, 2),
        "jvm_peak_rss_mb": round(jvm_mb),
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
        "total_spend": by_anchor["network"]["total_spend"],
        "steps": {k: round(v, 2) for k, v in steps.seconds.items() if v >= 0.2},
    }


def run_child(*args: str) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "spark.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        result = child(*args.child)
        result["python_peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        )
        print(json.dumps(result))
        return

    WORK.mkdir(exist_ok=True)
    path = WORK / f"spend_{args.lines}.csv"
    if not path.exists():
        print(f"generating {args.lines:,} lines → {path}", file=sys.stderr)
        generate(path, args.lines)
    load_average = os.getloadavg()
    runs = {}
    for name, engine, master in (
        ("duckdb", "duckdb", "local[2]"),
        ("spark_local_2", "spark", "local[2]"),
        ("spark_local_1", "spark", "local[1]"),
    ):
        workspace = WORK / f"ws_{name}"
        shutil.rmtree(workspace, ignore_errors=True)
        print(f"{name}…", file=sys.stderr)
        start = time.perf_counter()
        runs[name] = run_child(engine, master, str(path), str(workspace))
        runs[name]["wall_seconds"] = round(time.perf_counter() - start, 2)
        shutil.rmtree(workspace, ignore_errors=True)
    duck, two, one = runs["duckdb"], runs["spark_local_2"], runs["spark_local_1"]
    assert duck["total_spend"] == two["total_spend"] == one["total_spend"], runs
    report = {
        "benchmark": "spark",
        "lines": args.lines,
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "platform": platform.platform(),
            "load_average_before": [round(x, 2) for x in load_average],
        },
        "runs": runs,
        "ratios": {
            "ingest_spark2_over_duckdb": round(two["ingest_seconds"] / duck["ingest_seconds"], 1),
            "indicators_spark2_over_duckdb": round(
                two["indicators_seconds"] / duck["indicators_seconds"], 1
            ),
            "ingest_local1_over_local2": round(one["ingest_seconds"] / two["ingest_seconds"], 2),
        },
        "note": (
            "One machine, one file: Spark pays a JVM, a query plan per named step and a Parquet "
            "write per table change, which DuckDB does not; it earns them back only across many "
            "machines. See docs/scale.md for the reading of these numbers."
        ),
    }
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report["ratios"], indent=2))


if __name__ == "__main__":
    main()

"""Spark benchmark: the same pipeline on DuckDB and on Spark, and Spark's scaling with cores.

    python bench/spark.py [--only pipeline,resolution] [--lines 10000000]
                          [--records 100000,1000000] [--out bench/results/spark.json]

The pipeline is the part of anchorkit that grows with lines: ingest one big spend file (the file
of bench/ingest.py: big enough for the engine's own CSV reader, not Python's), then compute the
indicators by anchor and by year. Each run is a fresh subprocess with a new workspace:

1. DuckDB;
2. Spark ``local[2]`` (both cores of the bench machine);
3. Spark ``local[1]``: the scaling from one core to two.

Peak memory is the Python process plus, for Spark, its JVM (a child process: its VmHWM, read
from /proc before the session stops). Writes seconds, CPU seconds of the Python process, peak
memory and the named SQL steps (seconds each) to the JSON file, with a note comparing them.

Resolution is measured on its own (``resolution`` in the JSON): the generated supplier records of
bench/resolution.py (real GoC vendor names spelt the demo anchors' ways, at real postcodes), their
name groups linked by Splink on DuckDB and on Splink's Spark backend (``local[2]``): seconds for
the blocking analysis and the scoring, peak memory, and whether both found the same pairs with
the same probabilities. ``--only resolution`` re-measures it alone and keeps the pipeline runs
already in the JSON file.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from common import machine, run_child

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
sys.path.insert(0, str(HERE))

from ingest import ANCHOR, bench_workspace, cpu_seconds, generate, record_steps  # noqa: E402


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

    start = time.perf_counter()
    ws = bench_workspace(workspace)
    opened = time.perf_counter() - start
    steps = record_steps()
    start, cpu = time.perf_counter(), cpu_seconds()
    (result,) = ingest_files(ws, [Path(path)], ANCHOR)
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


def child_resolution(engine: str, path: str, scratch: str) -> dict[str, Any]:
    """Link the name groups of ``path``'s records on one engine; a digest of the pairs found."""
    import duckdb
    import pyarrow.parquet as pq

    from anchorkit.engine.splink import ArrowSource, SparkSource, SplinkSource
    from anchorkit.resolve.dedupe import group_records
    from anchorkit.resolve.link import check_blocking, score_pairs

    table = pq.read_table(path).select(["record_id", "name", "postcode"])
    with duckdb.connect() as con:
        groups = group_records(
            con, table, id_column="record_id", name_column="name", postcode_column="postcode"
        )
    start = time.perf_counter()
    source: SplinkSource
    if engine == "spark":
        from anchorkit.engine.spark import SparkEngine

        conf = {
            "spark.master": "local[2]",
            "spark.driver.memory": "4g",
            "spark.sql.shuffle.partitions": "4",
        }
        spark_engine = SparkEngine(Path(scratch), conf=conf)  # a warehouse for Splink's files
        source = SparkSource(spark_engine, spark_engine.spark.createDataFrame(groups))
    else:
        source = ArrowSource(groups)
    opened = time.perf_counter() - start
    with source:
        start = time.perf_counter()
        blocking = check_blocking(source)
        blocking_s = time.perf_counter() - start
        start = time.perf_counter()
        scored = score_pairs(source)
        scoring_s = time.perf_counter() - start
    pairs = sorted(
        zip(
            scored.pairs.column("group_id_l").to_pylist(),
            scored.pairs.column("group_id_r").to_pylist(),
            (round(p, 9) for p in scored.pairs.column("match_probability").to_pylist()),
            strict=True,
        )
    )
    return {
        "records": table.num_rows,
        "name_groups": groups.num_rows,
        "comparisons": blocking[-1]["cumulative"],
        "open_seconds": round(opened, 2),
        "blocking_seconds": round(blocking_s, 2),
        "scoring_seconds": round(scoring_s, 2),
        "pairs_at_or_above_review": len(pairs),
        "pairs_digest": hashlib.sha256(repr(pairs).encode()).hexdigest()[:16],
        "jvm_peak_rss_mb": round(_children_peak_mb()),
    }


def bench_resolution(sizes: list[int]) -> dict[str, Any]:
    """Splink on DuckDB and on Spark local[2], on the same generated records at each size."""
    from resolution import generate_suppliers

    results: dict[str, Any] = {}
    for size in sizes:
        path = WORK / f"suppliers_{size}.parquet"
        if not path.exists():
            print(f"generating {size:,} supplier records → {path}", file=sys.stderr)
            generate_suppliers(size, 42, path)
        runs = {}
        for engine in ("duckdb", "spark"):
            print(f"resolution {size:,} on {engine}…", file=sys.stderr)
            scratch = WORK / "splink-scratch"
            start = time.perf_counter()
            runs[engine] = run_child(__file__, "resolution", engine, str(path), str(scratch))
            runs[engine]["wall_seconds"] = round(time.perf_counter() - start, 2)
            shutil.rmtree(scratch, ignore_errors=True)
        duck, spark = runs["duckdb"], runs["spark"]
        results[str(size)] = {
            **runs,
            "same_pairs_and_probabilities": duck["pairs_digest"] == spark["pairs_digest"],
            "scoring_spark_over_duckdb": round(
                spark["scoring_seconds"] / max(duck["scoring_seconds"], 0.01), 1
            ),
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="pipeline,resolution")
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--records", default="100000,1000000")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "spark.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        result = child_resolution(*rest) if kind == "resolution" else child(kind, *rest)
        result["python_peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        )
        print(json.dumps(result))
        return

    WORK.mkdir(exist_ok=True)
    only = set(args.only.split(","))
    load_average = os.getloadavg()
    report: dict[str, Any] = json.loads(args.out.read_text()) if args.out.exists() else {}
    if "pipeline" in only:
        report.update(bench_pipeline(args.lines))
    if "resolution" in only:
        report["resolution"] = bench_resolution([int(n) for n in args.records.split(",")])
        report["resolution_load_average_before"] = [round(x, 2) for x in load_average]
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({k: report.get(k) for k in ("ratios", "resolution")}, indent=2))


def bench_pipeline(lines: int) -> dict[str, Any]:
    """Ingest and indicators of one big file: DuckDB, Spark local[2], Spark local[1]."""
    path = WORK / f"spend_{lines}.csv"
    if not path.exists():
        print(f"generating {lines:,} lines → {path}", file=sys.stderr)
        generate(path, lines)
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
        runs[name] = run_child(__file__, engine, master, str(path), str(workspace))
        runs[name]["wall_seconds"] = round(time.perf_counter() - start, 2)
        shutil.rmtree(workspace, ignore_errors=True)
    duck, two, one = runs["duckdb"], runs["spark_local_2"], runs["spark_local_1"]
    assert duck["total_spend"] == two["total_spend"] == one["total_spend"], runs
    return {
        "benchmark": "spark",
        "lines": lines,
        "machine": machine(load_average),
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


if __name__ == "__main__":
    main()

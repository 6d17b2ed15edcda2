"""Ingest benchmark: lines/s and peak memory at 10M lines, against a bare DuckDB read floor.

    python bench/ingest.py [--lines 10000000] [--out bench/results/ingest.json]

Generates one realistic spend file (an anchor's finance export: vendor, vendor id, dd/mm/yyyy
dates, amounts some with thousands separators, description, department, postal code, a few bad
rows), then, each in a fresh subprocess so peak memory is its own:

1. the floor: ``SELECT count(*) FROM read_csv(file)`` in bare DuckDB;
2. anchorkit's full ingest of the same file into a new workspace (hash, read, layout, validate,
   load, commit).

Writes lines/s, seconds, CPU seconds, peak RSS and the ratio ingest/floor to the JSON file, with
the ingest's named SQL steps (seconds each, from the engine's step log) and the machine's load
average before the runs: on a shared machine, CPU seconds are the steadier measure.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from common import machine, run_child

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"

GENERATE = """
COPY (
    SELECT
        'Vendor ' || ((hash(i % 50000) % 99991)::BIGINT)::VARCHAR || CASE i % 4 WHEN 0 THEN ' Ltd'
            WHEN 1 THEN ' Inc.' WHEN 2 THEN ' Services Limited' ELSE ' Co-operative' END
            AS "Vendor Name",
        'V' || lpad(((i % 50000))::VARCHAR, 6, '0') AS "Vendor ID",
        strftime(DATE '2021-04-01' + (i % 1460)::INTEGER, '%d/%m/%Y') AS "Invoice Date",
        CASE WHEN i % 997 = 0 THEN 'N/A'
             WHEN i % 5 = 0 THEN format('{:,.2f}', ((hash(i) % 5000000)::BIGINT / 100.0)::DECIMAL(18,2))
             ELSE (((hash(i) % 500000)::BIGINT - 2000) / 100.0)::DECIMAL(18,2)::VARCHAR END AS "Amount",
        CASE i % 6 WHEN 0 THEN 'Cleaning services' WHEN 1 THEN 'Catering - patient meals'
             WHEN 2 THEN 'Medical supplies' WHEN 3 THEN 'IT equipment' WHEN 4 THEN 'Building repairs'
             ELSE 'Consultancy' END AS "Description",
        'Dept ' || (i % 40)::VARCHAR AS "Department",
        CASE WHEN i % 13 = 0 THEN NULL
             ELSE chr(77 + (i % 3)::INTEGER) || (i % 10)::VARCHAR || chr(65 + (i % 26)::INTEGER)
                  || ' ' || ((i // 7) % 10)::VARCHAR || chr(65 + ((i // 3) % 26)::INTEGER)
                  || ((i // 11) % 10)::VARCHAR END AS "Postal Code"
    FROM range({lines}) t(i)
) TO '{path}' (HEADER, DELIMITER ',')
"""


def generate(path: Path, lines: int) -> None:
    import duckdb

    duckdb.sql("SET enable_progress_bar = false")
    duckdb.sql(GENERATE.replace("{lines}", str(lines)).replace("{path}", str(path)))


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def child_floor(path: str) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    start, cpu = time.perf_counter(), cpu_seconds()
    (count,) = con.execute(f"SELECT count(*) FROM read_csv('{path}')").fetchone() or (0,)
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "cpu_seconds": cpu_seconds() - cpu, "rows": count}


def child_store(path: str, workspace: str) -> dict[str, Any]:
    """A second, fairer floor: DuckDB storing the file as-is (types sniffed) in a new database."""
    import duckdb

    Path(workspace).mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(Path(workspace) / "floor.duckdb"))
    con.execute("SET enable_progress_bar = false")
    start, cpu = time.perf_counter(), cpu_seconds()
    con.execute(f"CREATE TABLE spend AS SELECT * FROM read_csv('{path}')")
    con.close()
    return {"seconds": time.perf_counter() - start, "cpu_seconds": cpu_seconds() - cpu}


ANCHOR = "Bench Hospital"


class StepTimes(logging.Handler):
    """Seconds per named SQL step, summed, from the engine's debug log ("<step> took 1.234s")."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.seconds: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        if record.msg.endswith(" took %.3fs") and isinstance(record.args, tuple):
            step, took = str(record.args[1]), float(str(record.args[2]))
            self.seconds[step] = self.seconds.get(step, 0.0) + took


def bench_workspace(workspace: str) -> Any:
    """A new workspace holding the bench's one anchor, ``ANCHOR`` (an anchorkit Workspace)."""
    from anchorkit.workspace import Workspace

    ws = Workspace.init(workspace, settings={"currency": "CAD", "local.postcode_prefixes": ["M"]})
    ws.add_anchor(ANCHOR, "hospital")
    return ws


def record_steps() -> StepTimes:
    """Start summing the seconds of every named SQL step (``logging.getLogger("anchorkit.sql")``)."""
    steps = StepTimes()
    sql_log = logging.getLogger("anchorkit.sql")
    sql_log.addHandler(steps)
    sql_log.setLevel(logging.DEBUG)
    return steps


def child_ingest(path: str, workspace: str) -> dict[str, Any]:
    from anchorkit.ingest import ingest_files

    ws = bench_workspace(workspace)
    steps = record_steps()
    start, cpu = time.perf_counter(), cpu_seconds()
    (result,) = ingest_files(ws, [Path(path)], ANCHOR)
    seconds, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    logging.getLogger("anchorkit.sql").removeHandler(steps)
    ws.close()
    if result.error:
        raise SystemExit(result.error)
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "steps": {k: round(v, 2) for k, v in steps.seconds.items() if v >= 0.05},
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_rejected": result.rows_rejected,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "ingest.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        runners: dict[str, Callable[..., dict[str, Any]]] = {
            "floor": child_floor,
            "store": child_store,
            "ingest": child_ingest,
        }
        runner = runners[kind]
        result = runner(*rest)
        result["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps(result))
        return

    WORK.mkdir(exist_ok=True)
    path = WORK / f"spend_{args.lines}.csv"
    if not path.exists():
        print(f"generating {args.lines:,} lines → {path}", file=sys.stderr)
        generate(path, args.lines)
    size_mb = path.stat().st_size / 1e6
    load_average = os.getloadavg()
    run_child(__file__, "floor", str(path))  # warm the page cache so both runs read from memory
    floor = run_child(__file__, "floor", str(path))
    workspace = WORK / "ws"
    shutil.rmtree(workspace, ignore_errors=True)
    store = run_child(__file__, "store", str(path), str(workspace))
    shutil.rmtree(workspace, ignore_errors=True)
    ingest = run_child(__file__, "ingest", str(path), str(workspace))
    shutil.rmtree(workspace, ignore_errors=True)
    report = {
        "benchmark": "ingest",
        "lines": args.lines,
        "file_mb": round(size_mb, 1),
        "machine": machine(load_average),
        "floor_duckdb_read_csv_count": {
            "seconds": round(floor["seconds"], 3),
            "cpu_seconds": round(floor["cpu_seconds"], 2),
            "lines_per_s": round(args.lines / floor["seconds"]),
            "peak_rss_mb": round(floor["peak_rss_mb"]),
        },
        "duckdb_store_as_is": {
            "what": "CREATE TABLE AS SELECT * FROM read_csv(file) into a new DuckDB file: "
            "the least any loader pays to keep the rows",
            "seconds": round(store["seconds"], 3),
            "cpu_seconds": round(store["cpu_seconds"], 2),
            "lines_per_s": round(args.lines / store["seconds"]),
            "peak_rss_mb": round(store["peak_rss_mb"]),
        },
        "anchorkit_ingest": {
            "seconds": round(ingest["seconds"], 3),
            "cpu_seconds": round(ingest["cpu_seconds"], 2),
            "lines_per_s": round(args.lines / ingest["seconds"]),
            "peak_rss_mb": round(ingest["peak_rss_mb"]),
            "rows_read": ingest["rows_read"],
            "rows_loaded": ingest["rows_loaded"],
            "rows_rejected": ingest["rows_rejected"],
            "steps_seconds": dict(sorted(ingest["steps"].items(), key=lambda kv: -kv[1])),
        },
        "ratio_ingest_to_floor": round(ingest["seconds"] / floor["seconds"], 2),
        "ratio_ingest_to_store_as_is": round(ingest["seconds"] / store["seconds"], 2),
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Place benchmark: postal codes placed per second, for 1M mixed codes.

    python bench/place.py [--codes 1000000] [--out bench/results/place.json]

Makes a column of codes as spend files carry them: Canadian, UK and US codes drawn (seeded) from
the installed directories, written every which way (lower case, no space, ZIP+4), with FSAs and
outcodes, unknown, malformed and foreign codes and blanks among them. Then, in a fresh subprocess
so that time and peak memory are its own, places them all with ``locate_many`` against the
Toronto and Lancashire region packs, from a cold start (directories not yet loaded), and once
more warm. Writes seconds, codes/s and peak RSS to the JSON file.
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from pathlib import Path

from common import machine, run_child

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"

MIX = {  # share of the column
    "ca_full": 0.30,
    "ca_fsa": 0.03,
    "gb_full": 0.30,
    "gb_outcode": 0.03,
    "us_zip": 0.24,
    "junk": 0.10,
}
JUNK = [
    "N/A",
    "",
    "TBC",
    "00000",
    "M5V 2T",
    "F-75008",
    "D02 X285",
    "1012 AB",
    "2134",
    "X0X 0X0",
    "ZZ1 1ZZ",
    "see invoice",
    "K1A0B1X",
    "SW1A 1AA",
]


def generate(path: Path, n: int, seed: int = 20251126) -> None:
    import numpy as np
    import pyarrow as pa
    import pyarrow.parquet as pq

    from anchorkit.place import canada, uk, us

    rng = np.random.default_rng(seed)
    pools = {
        "ca_full": canada.ca_full()["code"],
        "ca_fsa": canada.ca_fsa()["code"],
        "gb_full": uk.gb_table(pa.array(list("ABCDEFGHIKLMNOPRSTUWYZ")))["code"],
        "us_zip": us.us_zips()["code"],
    }
    gb_out = pa.chunked_array(
        [uk.gb_outcodes(letter)["code"] for letter in "ABCDEFGHIKLMNOPRSTUWYZ"]
    )
    pools["gb_outcode"] = gb_out.combine_chunks()
    parts = []
    for kind, share in MIX.items():
        k = int(n * share)
        if kind == "junk":
            values = [JUNK[i] for i in rng.integers(0, len(JUNK), k)]
        else:
            pool = pools[kind]
            values = pool.take(pa.array(rng.integers(0, len(pool), k))).to_pylist()
        style = rng.integers(0, 4, k)
        for i, v in enumerate(values):
            if style[i] == 1:
                values[i] = v.lower()
            elif style[i] == 2:
                values[i] = v.replace(" ", "")
            elif style[i] == 3 and kind == "us_zip":
                values[i] = f"{v}-{rng.integers(0, 9999):04d}"
        parts.extend(values)
    parts.extend([None] * (n - len(parts)))
    order = rng.permutation(n)
    column = pa.array(parts, pa.string()).take(pa.array(order))
    pq.write_table(pa.table({"postcode": column}), path)


def child(path: str) -> dict[str, object]:
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    from anchorkit.place import Region, locate_many

    codes = pq.read_table(path)["postcode"]
    regions = [Region.load("toronto"), Region.load("lancashire")]
    start = time.perf_counter()
    out = locate_many(codes, regions=regions)
    cold = time.perf_counter() - start
    start = time.perf_counter()
    locate_many(codes, regions=regions)
    warm = time.perf_counter() - start
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts = out.group_by(["precision"]).aggregate([("input", "count")]).to_pylist()
    return {
        "codes": len(codes),
        "distinct_codes": len(pc.unique(codes)),
        "cold_seconds": round(cold, 2),
        "warm_seconds": round(warm, 2),
        "codes_per_s_cold": round(len(codes) / cold),
        "codes_per_s_warm": round(len(codes) / warm),
        "peak_rss_mb": round(rss),
        "by_precision": {r["precision"]: r["input_count"] for r in counts},
        "with_a_neighbourhood": out["neighbourhood"].drop_null().__len__(),
        "priority_area_true": int(pc.sum(out["priority_area"].cast("int64")).as_py() or 0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "place.json")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return
    WORK.mkdir(parents=True, exist_ok=True)
    path = WORK / f"place_codes_{args.codes}.parquet"
    if not path.exists():
        generate(path, args.codes)
    result = run_child(__file__, str(path))
    report = {
        "benchmark": "place",
        "machine": machine(),
        "mix": MIX,
        "regions": ["toronto", "lancashire"],
        **result,
        "target_seconds": 60,
        "meets_target": result["cold_seconds"] < 60,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

"""Column recognition on spend files nobody tuned it to: how many load with no mapping.

    python bench/recognition.py [--corpus DIR ...] [--out FILE] [--show]

Each spend file (CSV, TSV, TXT, XLSX, XLS) under each corpus folder is ingested with no mapping,
each into an anchor of its own (so no saved layout helps), and the bench reports per file: did it
load, how sure the recognition was, which header became which field, how many rows were loaded,
rejected and skipped, and the loaded total. A folder whose files carry a SOURCE.md with a truth
line ("**N rows, total GBP X**") is checked against it: the rows read (loaded + rejected) and
their total (loaded lines plus the amounts of rejected rows that have one) must equal it.

By default the corpus is the spend files of ../shared/data. To keep the measure honest, point it
at publishers the recognition has never seen, e.g. a checkout of a repository of many councils'
raw files (``--corpus /tmp/other-publishers``): nothing is learned from files, so every file of
another publisher is held out by construction (the header words in data/column_synonyms.toml
are the only thing written with files in view; the report lists, per file, any header it needed).

The summary counts files and publishers (the first folder level under a corpus) that loaded with
no mapping, with the share of rows rejected: a file loading with a wrong column shows up as many
rejected rows or a total far from its truth.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent / "shared" / "data"
SUFFIXES = (".csv", ".tsv", ".txt", ".xlsx", ".xls")
#: shared folders holding spend files (the others are registries, contracts, postcodes...)
SHARED_SPEND = ("spend-variety", "uk-lancashire-fire-police-spend/xlsx", "ca-toronto-bids-awarded")
TRUTH = re.compile(
    r"\*\*([\d,]+) [^*]*?rows?, total (?:[A-Z]{3} |£)([\d,]+(?:\.\d+)?)\.?\*\*", re.IGNORECASE
)


def spend_files(corpus: Path) -> list[Path]:
    return sorted(
        p
        for p in corpus.rglob("*")
        if p.is_file() and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
    )


def truth_of(path: Path) -> tuple[int, Decimal] | None:
    source = path.parent / "SOURCE.md"
    if not source.exists():
        return None
    found = TRUTH.search(source.read_text(encoding="utf-8"))
    if not found:
        return None
    return int(found.group(1).replace(",", "")), Decimal(found.group(2).replace(",", ""))


def rejected_total(ws: Any, file_id: str) -> Decimal:
    """The amounts of a file's rejected rows, where their amount cell reads as one."""
    from anchorkit.ingest import values

    (total,) = ws.engine.query_one(
        "t",
        "SELECT coalesce(sum(a), 0) FROM (SELECT "
        f"{values.amount_sql('cell')} AS a FROM ("
        "SELECT json_extract_string(raw_cells, '$.\"' || (SELECT json_extract_string(mapping, "
        "'$[0].columns.amount') FROM source_file WHERE file_id = ?) || '\"') AS cell "
        "FROM rejected_row WHERE file_id = ?))",
        [file_id, file_id],
    )
    return Decimal(total)


def run_file(ws: Any, path: Path, anchor: str, currency: str) -> dict[str, Any]:
    from anchorkit.ingest import ingest_files

    ws.add_anchor(anchor, "other")
    start = time.perf_counter()
    (result,) = ingest_files(ws, [path], anchor)
    seconds = time.perf_counter() - start
    out: dict[str, Any] = {"file": str(path), "seconds": round(seconds, 2)}
    if result.error and "these exact bytes were already loaded" in result.error:
        out["duplicate"] = True  # the same bytes under another name: counted once
        return out
    if result.error:
        out["error"] = result.error
        return out
    assert result.file_id is not None
    (loaded,) = ws.engine.query_one(
        "t", "SELECT coalesce(sum(amount), 0) FROM spend_line WHERE file_id = ?", [result.file_id]
    )
    layouts = result.mapping
    out.update(
        rows_read=result.rows_read,
        rows_loaded=result.rows_loaded,
        rows_rejected=result.rows_rejected,
        rows_skipped=result.rows_skipped,
        rejected_share=round(result.rows_rejected / result.rows_read, 4) if result.rows_read else 0,
        loaded_total=str(loaded),
        confidence=min(
            (f["confidence"] for m in layouts for k, f in m["fields"].items() if k in REQUIRED),
            default=0,
        ),
        mapping={k: f["header"] for k, f in layouts[0]["fields"].items()} if layouts else {},
    )
    truth = truth_of(path)
    if truth is not None:
        rows, total = truth
        read_total = Decimal(loaded) + rejected_total(ws, result.file_id)
        out["truth"] = {"rows": rows, "total": str(total)}
        out["matches_truth"] = result.rows_read == rows and read_total == total
    return out


REQUIRED = ("supplier_name", "amount", "paid_on")


def publisher_of(corpus: Path, path: Path) -> str:
    """The first folder under the corpus; a corpus of loose files is one publisher."""
    parts = path.relative_to(corpus).parts
    return f"{corpus.name}/{parts[0]}" if len(parts) > 1 else corpus.name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, nargs="*", help="folders of spend files")
    parser.add_argument("--currency", default="GBP")
    parser.add_argument("--out", type=Path, help="write the JSON report here")
    parser.add_argument("--show", action="store_true", help="print each file's mapping")
    args = parser.parse_args()
    corpora = args.corpus or [SHARED / folder for folder in SHARED_SPEND]
    from anchorkit.workspace import Workspace

    files: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        ws = Workspace.init(Path(tmp) / "ws", settings={"currency": args.currency})
        n = 0
        for corpus in corpora:
            for path in spend_files(corpus):
                n += 1
                got = run_file(ws, path, f"anchor {n}", args.currency)
                got["publisher"] = publisher_of(corpus, path)
                files.append(got)
                state = (
                    "duplicate bytes"
                    if got.get("duplicate")
                    else "ERROR"
                    if "error" in got
                    else f"{got['rows_loaded']:,} loaded"
                )
                if "matches_truth" in got:
                    state += " (truth " + ("ok" if got["matches_truth"] else "MISSED") + ")"
                print(f"{got['publisher']}/{path.name}: {state}", file=sys.stderr)
                if args.show:
                    print(f"    {got.get('mapping') or got.get('error')}", file=sys.stderr)
        ws.close()
    files = [f for f in files if not f.get("duplicate")]
    by_publisher: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for f in files:
        by_publisher[f["publisher"]].append(f)
    loaded = [f for f in files if "error" not in f]
    clean = [f for f in loaded if f["rejected_share"] <= 0.05]
    report = {
        "benchmark": "recognition",
        "corpora": [str(c) for c in corpora],
        "files": len(files),
        "files_loaded_without_mapping": len(loaded),
        "files_loaded_with_at_most_5pc_rejected": len(clean),
        "publishers": len(by_publisher),
        "publishers_all_files_loaded": sum(
            1 for fs in by_publisher.values() if all("error" not in f for f in fs)
        ),
        "truth_checked": sum(1 for f in files if "truth" in f),
        "truth_matched": sum(1 for f in files if f.get("matches_truth")),
        "rows_read": sum(f.get("rows_read", 0) for f in loaded),
        "rows_rejected": sum(f.get("rows_rejected", 0) for f in loaded),
        "details": files,
    }
    summary = {k: v for k, v in report.items() if k != "details"}
    print(json.dumps(summary, indent=2))
    if args.out:
        args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")


if __name__ == "__main__":
    main()

"""Classification benchmark: quality on a real buyer's file, split by supplier, and speed at 10M lines.

    python bench/classify.py [--lines 10000000] [--folds 5] [--out bench/results/classify.json]

Quality — ../shared/data/uk-lancashire-fire-police-spend, the Fire file. Its lines from 2023-24 on
carry, in ``expenditure_category``, the buyer's own ProClass path ("utilities.electricity.
electricity.service", lower or upper case, sometimes cut short or prefixed "internal.") next to
the local ledger description in ``supplier_classification`` ("Electricity", "Course Providers").
The honest gold label is that ProClass path, read onto the shipped taxonomy: level 1 by name (a
cut-short name by prefix), level 2 by name under it, with the few renamings of later ProClass
versions written out in LEVEL2_ALIASES; a path whose level 2 has no counterpart in v17.1 counts
for level 1 only. Lines whose category is the service's internal ledger code ("lfrs.expenditure…")
or a family ProClass lacks ("animals") have no gold and are not scored; 2022-23's
``supplier_classification`` is a label of the *supplier* (its sector), not of the line, so that
year is not scored either. The classifier sees only the ledger description (as the raw category)
and the supplier's name — never the gold path.

Two evaluations, both reported:
- ``unseen``: the file as a new anchor's, nothing confirmed: taxonomy, shipped rules, the supplier
  stage and the text model trained from what the rules decided (what ``anchorkit classify`` does).
- ``supplier_split`` (the headline): GroupKFold by supplier. The training folds' gold lines play
  the anchor's confirmed lines (the model learns from them), the held-out suppliers are classified
  in the shipped order (rules first), so memorising a supplier cannot help.

Speed — 10M generated lines (a fresh workspace; suppliers, raw categories and descriptions drawn
from the demo vocabulary) classified end to end with ``classify``, in a subprocess so its time
and peak RSS are its own.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import resource
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WORK = HERE / "work"
FIRE = (
    HERE.parents[1]
    / "shared"
    / "data"
    / "uk-lancashire-fire-police-spend"
    / "lancashire_fire_rescue_spend.csv"
)
THRESHOLDS = (0.0, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)
# later ProClass versions' level-2 names → v17.1's (same meaning, renamed)
LEVEL2_ALIASES = {
    ("information communication technology", "service"): "services",
    ("information communication technology", "telecommunications - fixed"): "telecommunications",
    ("information communication technology", "telecom - fixed"): "telecommunications",
    ("stationery", "paper"): "paper products",
    ("horticultural", "tree management"): "tree trimming",
    ("healthcare", "medical fees"): "fees",
    ("healthcare", "staff medicals"): "fees",
    ("fire & rescue", "mobilising"): "mobilising & communications",
}


def gold_rows() -> list[dict[str, Any]]:
    """Scored lines of the Fire file: inputs (raw category, supplier) and gold codes."""
    from anchorkit.classify import load_taxonomy

    tax = load_taxonomy()
    level1 = {c.level1.lower(): c for c in tax.level(1)}
    level2 = {(c.level1.lower(), (c.level2 or "").lower()): c for c in tax.level(2)}
    rows: list[dict[str, Any]] = []
    with FIRE.open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["source_file"].startswith("fire-2022"):
                continue
            parts = r["expenditure_category"].replace("\xa0", " ").strip().lower().split(".")
            if parts and parts[0] == "internal":
                parts = parts[1:]
            if len(parts) < 2:
                continue
            hits = [c for name, c in level1.items() if name.startswith(parts[0])]
            if len(hits) != 1 or len(parts[0]) < 8:
                continue
            l1 = hits[0]
            name2 = LEVEL2_ALIASES.get((parts[0], parts[1]), parts[1])
            l2 = level2.get((l1.level1.lower(), name2))
            rows.append(
                {
                    "raw": r["supplier_classification"].strip() or None,
                    "supplier": r["supplier_name"].strip(),
                    "gold1": l1.code,
                    "gold2": l2.code if l2 else None,
                }
            )
    return rows


def _levels(code: str | None) -> tuple[str | None, str | None]:
    from anchorkit.classify import load_taxonomy

    if code is None:
        return None, None
    c = load_taxonomy().categories[code]
    return c.level1_code, c.level2_code


def _scores(rows: list[dict[str, Any]], decisions: list[Any]) -> dict[str, Any]:
    from sklearn.metrics import f1_score

    pred = [_levels(d.code) for d in decisions]
    out: dict[str, Any] = {"lines": len(rows)}
    for level, gold_key in ((1, "gold1"), (2, "gold2")):
        idx = [i for i, r in enumerate(rows) if r[gold_key]]
        gold = [rows[i][gold_key] for i in idx]
        got = [pred[i][level - 1] or "unclassified" for i in idx]
        out[f"level{level}"] = {
            "lines_scored": len(idx),
            "accuracy": round(sum(g == p for g, p in zip(gold, got, strict=True)) / len(idx), 4),
            "macro_f1": round(
                float(f1_score(gold, got, average="macro", labels=sorted(set(gold)))), 4
            ),
        }
    coverage = []
    for t in THRESHOLDS:
        kept = [i for i, d in enumerate(decisions) if d.code is not None and d.confidence >= t]
        right = sum(pred[i][0] == rows[i]["gold1"] for i in kept)
        coverage.append(
            {
                "threshold": t,
                "coverage": round(len(kept) / len(rows), 4),
                "level1_accuracy_of_covered": round(right / len(kept), 4) if kept else None,
            }
        )
    out["coverage_by_confidence"] = coverage
    out["by_method"] = dict(Counter(d.method for d in decisions))
    return out


def _classifier() -> Any:
    from anchorkit.classify import Classifier, load_taxonomy
    from anchorkit.classify.rules import RuleSet

    tax = load_taxonomy()
    return Classifier(tax, RuleSet.from_taxonomy(tax))


def quality(folds: int) -> dict[str, Any]:
    import numpy as np
    from sklearn.model_selection import GroupKFold

    from anchorkit.classify import LineKey
    from anchorkit.classify.model import TextModel, line_text

    rows = gold_rows()
    keys = [LineKey(1, r["raw"], None, r["supplier"].upper(), r["supplier"]) for r in rows]
    # unseen: what a fresh workspace does
    clf = _classifier()
    texts, codes = clf.training_data(keys, clf.first_pass(keys))
    clf.model = TextModel.fit(texts, codes, clf.taxonomy, clf.rules.examples())
    unseen = _scores(rows, clf.decide(keys))
    # supplier split: held-out suppliers, the rest as confirmed lines
    decisions: list[Any] = [None] * len(rows)
    groups = np.array([r["supplier"].upper() for r in rows])
    for train, test in GroupKFold(n_splits=folds).split(rows, groups=groups):
        clf = _classifier()
        t_keys = [keys[i] for i in train]
        texts, codes = clf.training_data(t_keys, clf.first_pass(t_keys))
        for i in train:
            gold = rows[i]["gold2"] or rows[i]["gold1"]
            texts.append(line_text(rows[i]["raw"], None, rows[i]["supplier"]))
            codes.append(gold)
        clf.model = TextModel.fit(texts, codes, clf.taxonomy, clf.rules.examples())
        for i, d in zip(test, clf.decide([keys[i] for i in test]), strict=True):
            decisions[i] = d
    split = _scores(rows, decisions)
    split["folds"] = folds
    split["suppliers"] = len(set(groups))
    return {"unseen": unseen, "supplier_split": split}


def _speed_child(path: Path, n: int) -> None:
    """Runs in the subprocess: make the workspace, fill spend_line by SQL, classify, report."""
    from anchorkit.classify import classify
    from anchorkit.demo.reference import load_vocabulary
    from anchorkit.workspace import Workspace

    vocab = load_vocabulary()
    sectors = list(vocab.sectors.values())

    def lit(values: list[str]) -> str:
        return "[" + ", ".join("'" + v.replace("'", "''") + "'" for v in values) + "]"

    descs = lit([";".join(s.descriptions) for s in sectors])
    cats = lit([";".join(s.categories) for s in sectors])
    nouns = lit([s.nouns[0] if s.nouns else s.name for s in sectors])
    ws = Workspace.init(path, settings={"currency": "CAD"})
    for a in range(17):
        ws.add_anchor(f"Anchor {a + 1}", "hospital")
    t0 = time.perf_counter()
    ws.engine.run(
        "bench_lines",
        f"""
        INSERT INTO spend_line (line_id, file_id, source_row, anchor_id, paid_on, fiscal_year,
            amount, currency, supplier_name, description, raw_category)
        SELECT i, 'bench', i, 1 + (s % 17), DATE '2024-04-01' + (i % 365)::INTEGER, 2024,
            (100 + (i * 7919) % 100000) / 100.0, 'CAD',
            'Supplier ' || s || ' ' || list_element({nouns}, 1 + s % {len(sectors)}) || ' Ltd',
            list_element(string_split(list_element({descs}, 1 + s % {len(sectors)}), ';'),
                1 + ((i // 7) % 4)::INTEGER),
            list_element(string_split(list_element({cats}, 1 + s % {len(sectors)}), ';'), 1)
        FROM (SELECT i, (hash(i) % 20000)::INTEGER AS s FROM range({n}) t(i))
        """,
    )
    made = time.perf_counter() - t0
    t1 = time.perf_counter()
    result = classify(ws)
    seconds = time.perf_counter() - t1
    ws.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    sys.stdout.write(
        json.dumps(
            {
                "lines": n,
                "generate_seconds": round(made, 1),
                "classify_seconds": round(seconds, 1),
                "lines_per_second": round(n / seconds),
                "distinct_decisions": result.decisions,
                "by_method": result.by_method,
                "peak_rss_mb": round(peak),
            }
        )
    )


def speed(n: int) -> dict[str, Any]:
    path = WORK / "classify-speed"
    subprocess.run(["rm", "-rf", str(path)], check=True)
    WORK.mkdir(parents=True, exist_ok=True)
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(path), "--lines", str(n)],
        check=True,
        capture_output=True,
        text=True,
    )
    subprocess.run(["rm", "-rf", str(path)], check=True)
    data: dict[str, Any] = json.loads(out.stdout)
    return data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "classify.json")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--skip-speed", action="store_true")
    args = parser.parse_args()
    if args.child:
        _speed_child(args.child, args.lines)
        return
    t0 = time.perf_counter()
    report: dict[str, Any] = {
        "dataset": str(FIRE.relative_to(HERE.parents[1])),
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version()},
        "quality": quality(args.folds),
    }
    report["quality"]["seconds"] = round(time.perf_counter() - t0, 1)
    if not args.skip_speed:
        report["speed"] = speed(args.lines)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

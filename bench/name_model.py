"""Fit the shipped name model (``src/anchorkit/data/name_model.toml``) on labelled names.

    python bench/name_model.py [OUT.toml]

Two kinds of labelled names, because they teach different halves of the lesson:

- the Government of Canada vendor names (``ca-goc-contracts-vendors``: name -> parent company):
  real spellings, typos, abbreviations, branches and French forms of real suppliers;
- names spelt by the demo network's finance systems (``anchorkit.demo``, seed ``DEMO_SEED``,
  never a seed the benchmark or the tests resolve): distinct businesses that share a first word
  ("Lakefront Foods" / "Lakefront Mechanical"), namesakes, numbered companies and trade names,
  where the Government of Canada list files whole conglomerates under one parent.

The benchmark (bench/resolution.py) fits the same way on half of the parents and scores the
other half; this script fits on everything for the model anchorkit ships.
"""

from __future__ import annotations

import csv
import os
import random
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
DATA = Path(os.environ.get("ANCHORKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
GOC_PAIRS = DATA / "ca-goc-contracts-vendors" / "vendor_normalization_pairs.csv"
MODEL = ROOT / "src" / "anchorkit" / "data" / "name_model.toml"
DEMO_SEED = 2718
DEMO_SUPPLIERS = 1500
SPELLINGS = 4


def goc_names(pairs_csv: Path = GOC_PAIRS) -> tuple[list[str], list[str]]:
    """Names of ``vendor_normalization_pairs.csv`` and their parent (followed to the top)."""
    from anchorkit.resolve.link import connected_components

    with pairs_csv.open(newline="", encoding="utf-8-sig") as handle:
        rows = [(r["parent_company"], r["company_name"]) for r in csv.DictReader(handle)]
    names = sorted({n for row in rows for n in row})
    parent = connected_components(names, rows)
    return names, [parent[n] for n in names]


def demo_names(
    seed: int = DEMO_SEED, suppliers: int = DEMO_SUPPLIERS
) -> tuple[list[str], list[str]]:
    """``SPELLINGS`` spellings of each of ``suppliers`` demo suppliers, each by a random anchor's
    habits, and the supplier each belongs to."""
    from anchorkit.demo.anchors import ANCHORS
    from anchorkit.demo.names import spell
    from anchorkit.demo.reference import load_places, load_vocabulary
    from anchorkit.demo.suppliers import build_universe

    rng = random.Random(seed)
    universe = build_universe(rng, suppliers, load_vocabulary(), load_places())
    habits = [a.habit for a in ANCHORS]
    names: list[str] = []
    labels: list[str] = []
    for supplier in universe:
        for _ in range(SPELLINGS):
            names.append(spell(supplier.name, rng.choice(habits), rng))
            labels.append(f"demo:{supplier.supplier_id}")
    return names, labels


def main(argv: list[str]) -> None:
    from anchorkit.resolve.names import model_toml
    from anchorkit.resolve.train import fit

    out = Path(argv[0]) if argv else MODEL
    model = fit(
        [goc_names(), demo_names()],
        trained_on=(
            "ca-goc-contracts-vendors/vendor_normalization_pairs.csv (all parents); "
            f"anchorkit demo spellings, seed {DEMO_SEED}, {DEMO_SUPPLIERS} suppliers"
        ),
    )
    out.write_text(model_toml(model), encoding="utf-8")
    print(f"{out}: {model.notes[0]}")  # noqa: T201


if __name__ == "__main__":
    main(sys.argv[1:])

"""Neighbourhood statistics for the demo: fictional figures for Toronto's 140 neighbourhoods.

No neighbourhood profile of Toronto ships with anchorkit's packages (the City's profiles are
downloaded from its open-data portal: see docs/levers.md for importing them), so the demo makes
its own — seeded, plainly labelled fictional in their source, and shaped like the real ones
(Neighbourhood Improvement Areas have higher low-income and unemployment rates) — and imports
them with ``region stats``, as a network would import the real ones.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from anchorkit.place.regions import Region

SOURCE = "Fictional demo figures (anchorkit demo), not City of Toronto or Statistics Canada data"
YEAR = 2021


def write_demo_community(root: Path, seed: int) -> Path:
    """Write ``root/community/toronto-neighbourhood-profile-demo.csv`` (and keep it as truth)."""
    rng = random.Random(f"anchorkit-demo:{seed}:community")
    region = Region.load("toronto")
    finest = region.layers[-1]
    path = root / "community" / "toronto-neighbourhood-profile-demo.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "Neighbourhood",
                "Neighbourhood Number",
                "Population",
                "Low-income rate (%)",
                "Unemployment rate (%)",
            ]
        )
        for f in region.features:
            if f.layer != finest:
                continue
            need = 1.0 if f.priority else 0.0
            low_income = max(3.0, rng.gauss(13 + 9 * need, 4))
            unemployment = max(2.5, rng.gauss(7.5 + 3.5 * need, 1.8))
            writer.writerow(
                [
                    f.name,
                    f.code,
                    rng.randrange(6_000, 34_000, 10),
                    f"{low_income:.1f}",
                    f"{unemployment:.1f}",
                ]
            )
    return path

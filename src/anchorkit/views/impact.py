"""Local impact for the whole network: LM3 and, when a multiplier table is loaded, output and
jobs — computed once per data generation (they read every line)."""

from __future__ import annotations

from typing import Any

from anchorkit.analytics.lm3 import compute_lm3
from anchorkit.analytics.multipliers import local_impact
from anchorkit.errors import AnchorkitError
from anchorkit.views.store import Store


def impact_figures(store: Store) -> dict[str, Any]:
    """LM3 and, when a multiplier table is loaded, output and jobs — for the whole network."""

    def build() -> dict[str, Any]:
        ws = store.reader()
        lm3 = compute_lm3(ws).to_json()
        try:
            jobs: dict[str, Any] | None = local_impact(ws).to_json()
            missing = None
        except AnchorkitError as exc:  # no multiplier table loaded yet: say so, show LM3
            jobs, missing = None, str(exc)
        return {"lm3": lm3, "jobs": jobs, "jobs_missing": missing}

    return store.cached(("impact_figures",), build, keep=True)

"""What every benchmark shares: a measurement in a child process, and the machine it ran on.

A child process per measurement keeps each peak memory its own and each patch or cache from
leaking into the next measurement.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any


def run_child(script: str | Path, *args: str) -> dict[str, Any]:
    """Run ``script --child ARGS`` in this Python; its result is the last line it prints (JSON)."""
    out = subprocess.run(
        [sys.executable, str(script), "--child", *args], check=True, capture_output=True, text=True
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def machine(load_average: Sequence[float] | None = None) -> dict[str, Any]:
    """Cores, Python and platform; the load average before the run when given (a shared machine's
    other jobs are part of every number)."""
    found: dict[str, Any] = {
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    if load_average is not None:
        found["load_average_before"] = [round(x, 2) for x in load_average]
    return found

"""A new user's first hour: from a fresh clone to a served dashboard, timed.

Clones the repository into a new, deep folder and does what the README says, timing each part:
``make .venv/.installed`` (the venv, from the package registry), ``make demo SERVE=0`` (the
17-anchor demo built and run through the pipeline, indicators, open data, the reports, the demo
accounts; the steps ``anchorkit demo`` prints are kept with their times), then ``anchorkit
serve`` until its first HTTP 200. Writes ``bench/results/first_hour.json``.

    .venv/bin/python bench/first_hour.py [--repo .] [--port 0] [--skip-install]

``--skip-install`` reuses this checkout's venv (a symlink), to time the demo alone.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine  # noqa: E402

HERE = Path(__file__).resolve().parent
STEP = re.compile(r"✓ (\w+): (.*) \((\d+(?:\.\d+)?) s\)")


def timed(command: list[str], cwd: Path, log: Path) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    log.write_text(done.stdout + done.stderr, encoding="utf-8")
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed ({done.returncode}); see {log}")
    return seconds, done.stdout + done.stderr


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def first_200(checkout: Path, port: int, timeout: float = 300) -> float:
    """Seconds from starting ``anchorkit serve`` to its first HTTP 200 (the login page)."""
    command = [
        str(checkout / ".venv" / "bin" / "anchorkit"),
        "--workspace",
        "demo-network",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    start = time.perf_counter()
    server = subprocess.Popen(
        command, cwd=checkout, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while time.perf_counter() - start < timeout:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as r:
                    if r.status == 200:
                        return time.perf_counter() - start
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if server.poll() is not None:
                raise SystemExit("anchorkit serve stopped before it answered")
            time.sleep(0.2)
        raise SystemExit(f"no HTTP 200 within {timeout} s")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repo", default=str(HERE.parent), help="The repository to clone.")
    parser.add_argument("--port", type=int, default=0, help="Port to serve on (0: a free one).")
    parser.add_argument("--skip-install", action="store_true")
    args = parser.parse_args()
    load = os.getloadavg()
    base = Path(tempfile.mkdtemp(prefix="anchorkit-first-hour-"))
    deep = base / "a-new-user" / "projects" / "community-wealth" / "trying-anchorkit"
    deep.mkdir(parents=True)
    checkout = deep / "anchorkit"
    logs = Path(tempfile.mkdtemp(prefix="anchorkit-first-hour-logs-"))  # kept: read on failure
    result: dict[str, Any] = {"machine": machine(load), "folder_depth": len(str(checkout))}
    try:
        result["clone_s"], _ = timed(
            ["git", "clone", "--quiet", args.repo, str(checkout)], base, logs / "clone.log"
        )
        if args.skip_install:
            (checkout / ".venv").symlink_to(Path(args.repo).resolve() / ".venv")
            result["install_s"] = None
        else:
            result["install_s"], _ = timed(
                ["make", ".venv/.installed"], checkout, logs / "install.log"
            )
        result["make_demo_s"], printed = timed(
            ["make", "demo", "SERVE=0"], checkout, logs / "demo.log"
        )
        result["demo_steps"] = {
            name: {"seconds": float(seconds), "counts": counts}
            for name, counts, seconds in STEP.findall(printed)
        }
        port = args.port or free_port()
        result["serve_first_200_s"] = first_200(checkout, port)
        result["clone_to_dashboard_s"] = sum(
            v for k, v in result.items() if k.endswith("_s") and isinstance(v, float)
        )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    out = HERE / "results" / "first_hour.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result, indent=2))
    print(f"logs: {logs}")


if __name__ == "__main__":
    main()

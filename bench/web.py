"""Dashboard benchmark: page latency on a 10M-line workspace under 20 concurrent clients.

    python bench/web.py [--lines 10000000] [--clients 20] [--requests 400] [--time-cap 300]
                        [--out bench/results/web.json] [--rebuild]

The workspace (cached in bench/work/web-<lines>, rebuilt with --rebuild or when missing) is the
demo network — 17 anchors, real Toronto postal codes, suppliers resolved and tagged from the demo
registries, lines classified — built at 250,000 lines by ``anchorkit demo`` and then scaled to
``--lines`` by copying its spend lines (and their categories) with new line ids. Every copied line
keeps its supplier name, supplier id, postcode, date and amount, so the pages do the same work they
would on 10M real lines of the same network: 40 copies of the network's year, not 40 times the
suppliers (the supplier table stays at the demo's size).

Then the real server (``anchorkit serve`` on 127.0.0.1, in a subprocess) is started, an admin and
four anchor users log in through the login form, and:

1. **cold**: the first request of each page kind, one at a time, on the fresh server; then the
   bench waits until the server's background warm-up (overview, anchor pages, line orders) is
   over — its CPU time stops growing — and records how long that took;
2. **steady**: ``--clients`` threads (one httpx client and session each; most admin, a few anchor
   users) send ``--requests`` requests of each page kind — ``/overview``, ``/anchors/{id}`` (a mix
   of anchors), ``/anchors/{id}/lines`` (sorts, supplier-text and year filters, pages) and
   ``/lines`` (admin) — shuffled together, stopping early at ``--time-cap`` seconds.

Writes p50 / p95 / max and requests/s per page kind, the server's peak RSS, the machine's cores and
the workspace size to the JSON file. Localhost only; the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from common import machine

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
BIN = Path(sys.executable).parent
ANCHORKIT = BIN / "anchorkit"
SEED_LINES = 250_000
SEED = 42
PASSWORD = "bench-password-123"
ADMIN = "admin@bench.example"
KINDS = ("overview", "anchor", "anchor_lines", "lines")
SUPPLIER_TEXT = ("ltd", "clean", "food", "tech", "north", "co", "services", "bakery")
SORTS = ("paid_on", "amount", "supplier", "category")
TARGET_P95_MS = 150


# --- the workspace -----------------------------------------------------------------------------


def build_workspace(root: Path, lines: int) -> None:
    """``anchorkit demo`` at SEED_LINES (built once, kept in bench/work/seed-<SEED_LINES>), then
    spend lines copied up to ``lines``."""
    seed = WORK / f"seed-{SEED_LINES}"
    smaller = sorted(
        (int(p.name.split("-")[1]), p)
        for p in WORK.glob("web-*")
        if p.name.split("-")[1].isdigit()
        and int(p.name.split("-")[1]) <= lines
        and (p / "anchorkit.duckdb").exists()
        and p != root
    )
    if not (seed / "anchorkit.duckdb").exists() and smaller:
        seed = smaller[-1][1]  # a scaled copy of the seed scales on the same way
    if not (seed / "anchorkit.duckdb").exists():
        start = time.perf_counter()
        subprocess.run(
            [
                str(ANCHORKIT),
                "demo",
                str(seed),
                "--lines",
                str(SEED_LINES),
                "--seed",
                str(SEED),
                "--force",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        print(f"demo built in {time.perf_counter() - start:.0f}s", file=sys.stderr)
    shutil.rmtree(root, ignore_errors=True)
    shutil.copytree(seed, root)
    print(f"scaling to {lines:,}", file=sys.stderr)
    scale(root, lines)


def scale(root: Path, lines: int) -> None:
    """Copy the workspace's spend lines (and their categories) with new line ids until it holds
    ``lines``: the same network, ``lines / n`` times over (written with DuckDB directly, as a
    large import would be; anchorkit's model notices the change by its fingerprints)."""
    import duckdb

    con = duckdb.connect(str(root / "anchorkit.duckdb"))
    con.execute("SET enable_progress_bar = false")
    con.execute(
        "CREATE TEMP TABLE base AS SELECT line_id, row_number() OVER (ORDER BY line_id) AS rn "
        "FROM spend_line"
    )
    n, stride = con.execute("SELECT count(*), max(line_id) FROM base").fetchone() or (0, 0)
    copies = -(-lines // n)
    columns = [r[0] for r in con.execute("DESCRIBE spend_line").fetchall()]
    select = ", ".join("s.line_id + k * $stride" if c == "line_id" else f"s.{c}" for c in columns)
    con.execute("BEGIN")
    con.execute(
        f"""
        INSERT INTO spend_line
        SELECT {select} FROM spend_line s JOIN base b USING (line_id), range(1, $copies) r(k)
        WHERE k * $n + b.rn <= $lines ORDER BY k, s.line_id
        """,
        {"stride": stride, "copies": copies, "n": n, "lines": lines},
    )
    lc_columns = [r[0] for r in con.execute("DESCRIBE line_category").fetchall()]
    lc_select = ", ".join(
        "c.line_id + k * $stride" if c == "line_id" else f"c.{c}" for c in lc_columns
    )
    con.execute(
        f"""
        INSERT INTO line_category
        SELECT {lc_select} FROM line_category c JOIN base b USING (line_id), range(1, $copies) r(k)
        WHERE k * $n + b.rn <= $lines
        """,
        {"stride": stride, "copies": copies, "n": n, "lines": lines},
    )
    con.execute("COMMIT")
    con.execute("CHECKPOINT")
    con.close()


def workspace_facts(root: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(str(root / "anchorkit.duckdb"), read_only=True)
    q = con.execute
    facts = {
        "path": str(root.relative_to(ROOT)),
        "built_from": f"anchorkit demo --lines {SEED_LINES} --seed {SEED}, spend lines copied",
        "spend_lines": q("SELECT count(*) FROM spend_line").fetchone()[0],  # type: ignore[index]
        "anchors": q("SELECT count(*) FROM anchor").fetchone()[0],  # type: ignore[index]
        "suppliers": q("SELECT count(*) FROM supplier").fetchone()[0],  # type: ignore[index]
        "lines_with_supplier_id": q(  # type: ignore[index]
            "SELECT count(supplier_id) FROM spend_line"
        ).fetchone()[0],
        "lines_with_postcode": q(  # type: ignore[index]
            "SELECT count(nullif(trim(supplier_postcode), '')) FROM spend_line"
        ).fetchone()[0],
        "distinct_supplier_names": q(  # type: ignore[index]
            "SELECT count(DISTINCT supplier_name) FROM spend_line"
        ).fetchone()[0],
        "database_mb": round((root / "anchorkit.duckdb").stat().st_size / 1e6),
    }
    con.close()
    return facts


# --- the server and its users ------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def add_users(root: Path) -> list[tuple[str, int]]:
    """An admin and four anchor users (fresh app database); returns (email, anchor_id) of those."""
    import duckdb

    from anchorkit.records.accounts import add_user
    from anchorkit.records.appdb import APP_DB_FILE, database_url, open_app_db

    for suffix in ("", "-wal", "-shm"):
        (root / f"{APP_DB_FILE}{suffix}").unlink(missing_ok=True)
    db = open_app_db(database_url(root))
    add_user(db, ADMIN, "admin", PASSWORD)
    con = duckdb.connect(str(root / "anchorkit.duckdb"), read_only=True)
    anchors = con.execute("SELECT anchor_id, name FROM anchor ORDER BY anchor_id").fetchall()
    con.close()
    users = []
    for anchor_id, name in anchors[:: max(1, len(anchors) // 4)][:4]:
        email = f"anchor{anchor_id}@bench.example"
        add_user(db, email, "anchor", PASSWORD, anchor_name=name)
        users.append((email, int(anchor_id)))
    db.kw["bind"].dispose()
    return users


def peak_rss_mb(pid: int) -> float | None:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return round(int(found.group(1)) / 1024) if found else None


def start_server(root: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            str(ANCHORKIT),
            "--workspace",
            str(root),
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"server exited: {server.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return server
        except OSError:
            time.sleep(0.2)
    server.terminate()
    raise SystemExit("server did not start within 120 s")


def wait_until_idle(pid: int, quiet_s: float = 3.0, timeout_s: float = 300.0) -> float:
    """Seconds until the server's background warm-up is over: its CPU time stops growing.

    The steady state is measured after it, as a visitor meets it once the server has settled
    (the overview, every anchor's page and the line orders are computed once per data change).
    """
    start = time.monotonic()
    stat = Path(f"/proc/{pid}/stat")

    def cpu() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    last, quiet_since = cpu(), time.monotonic()
    while time.monotonic() - start < timeout_s:
        time.sleep(0.5)
        now = cpu()
        if now - last > 0.05:
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= quiet_s:
            break
        last = now
    return round(time.monotonic() - start, 1)


def log_in(base: str, email: str) -> Any:
    import httpx

    client = httpx.Client(base_url=base, timeout=900, follow_redirects=False)
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no login token on /login"
    done = client.post(
        "/login",
        data={"csrf_token": token.group(1), "next": "/", "email": email, "password": PASSWORD},
    )
    assert done.status_code == 303, f"login of {email} failed: {done.status_code}"
    return client


# --- the load ----------------------------------------------------------------------------------


def lines_query(rng: random.Random) -> str:
    params = {"sort": rng.choice(SORTS), "desc": rng.choice(("0", "1"))}
    if rng.random() < 0.3:
        params["supplier"] = rng.choice(SUPPLIER_TEXT)
    if rng.random() < 0.4:
        params["year"] = str(rng.choice((2021, 2022, 2023, 2024)))
    params["page"] = str(rng.choice((1, 1, 1, 2, 3, 10, 100)))
    if rng.random() < 0.2:
        params["size"] = "200"
    return "&".join(f"{k}={v}" for k, v in params.items())


def plan(
    rng: random.Random, per_kind: int, anchor_ids: list[int], users: list[tuple[str, int]]
) -> list[tuple[str, str | None, str]]:
    """(kind, anchor user's email or None for the admin, path), shuffled."""
    tasks: list[tuple[str, str | None, str]] = []
    for i in range(per_kind):
        as_anchor = users[i % len(users)] if i % 4 == 0 else None  # a quarter as anchor users
        own = as_anchor[1] if as_anchor else rng.choice(anchor_ids)
        who = as_anchor[0] if as_anchor else None
        tasks.append(("overview", who, "/overview"))
        tasks.append(("anchor", who, f"/anchors/{own}"))
        tasks.append(("anchor_lines", who, f"/anchors/{own}/lines?{lines_query(rng)}"))
        tasks.append(("lines", None, f"/lines?{lines_query(rng)}"))
    rng.shuffle(tasks)
    return tasks


def summary(latencies: list[float], seconds: float | None = None) -> dict[str, Any]:
    if not latencies:
        return {"requests": 0}
    ms = sorted(x * 1000 for x in latencies)
    out: dict[str, Any] = {
        "requests": len(ms),
        "p50_ms": round(statistics.median(ms), 1),
        "p95_ms": round(ms[min(len(ms) - 1, int(0.95 * len(ms)))], 1),
        "max_ms": round(ms[-1], 1),
    }
    if seconds:
        out["requests_per_s"] = round(len(ms) / seconds, 1)
    return out


def run_load(
    base: str,
    users: list[tuple[str, int]],
    anchor_ids: list[int],
    clients: int,
    per_kind: int,
    time_cap: float,
) -> dict[str, Any]:
    rng = random.Random(20251126)
    tasks = plan(rng, per_kind, anchor_ids, users)
    admin_clients = [log_in(base, ADMIN) for _ in range(clients - len(users))]
    user_clients = {email: log_in(base, email) for email, _ in users}
    pool: list[Any] = list(admin_clients)
    lock = threading.Lock()
    queue = iter(tasks)
    latencies: dict[str, list[float]] = {k: [] for k in KINDS}
    errors: dict[str, int] = {}
    deadline = time.monotonic() + time_cap

    def worker(index: int) -> None:
        admin = pool[index % len(pool)]
        while time.monotonic() < deadline:
            with lock:
                task = next(queue, None)
            if task is None:
                return
            kind, who, path = task
            client = user_clients[who] if who else admin
            with user_locks[who or f"admin{index}"]:
                start = time.perf_counter()
                response = client.get(path)
                took = time.perf_counter() - start
            with lock:
                if response.status_code == 200:
                    latencies[kind].append(took)
                else:
                    key = f"{kind} {response.status_code}"
                    errors[key] = errors.get(key, 0) + 1

    # an httpx.Client is not shared between threads at once: anchor users' clients are taken in
    # turn (four sessions, like four people with a few tabs), each admin thread has its own
    user_locks: dict[str, threading.Lock] = {email: threading.Lock() for email, _ in users}
    user_locks.update({f"admin{i}": threading.Lock() for i in range(clients)})
    start = time.perf_counter()
    with ThreadPoolExecutor(clients) as executor:
        for future in [executor.submit(worker, i) for i in range(clients)]:
            future.result()
    seconds = time.perf_counter() - start
    for client in [*admin_clients, *user_clients.values()]:
        client.close()
    done = sum(len(v) for v in latencies.values()) + sum(errors.values())
    return {
        "seconds": round(seconds, 1),
        "stopped_by_time_cap": done < len(tasks),
        "planned_requests": len(tasks),
        "done_requests": done,
        "errors": errors,
        "all": summary([x for v in latencies.values() for x in v], seconds),
        "by_page": {k: summary(v, seconds) for k, v in latencies.items()},
    }


def cold_requests(base: str, anchor_ids: list[int]) -> dict[str, Any]:
    """The first request of each kind on a fresh server, one at a time, in page order; then the
    first visit of every other anchor's page."""
    client = log_in(base, ADMIN)
    out: dict[str, Any] = {}
    paths = {
        "overview": "/overview",
        "anchor": f"/anchors/{anchor_ids[0]}",
        "anchor_lines": f"/anchors/{anchor_ids[0]}/lines",
        "lines": "/lines",
    }
    for kind, path in paths.items():
        start = time.perf_counter()
        response = client.get(path)
        out[kind] = {
            "path": path,
            "ms": round((time.perf_counter() - start) * 1000, 1),
            "status": response.status_code,
        }
    # the rest of the anchors' pages once each, so that the steady state is the steady state;
    # every figure is computed once per data generation (the server's cache), and this is it
    rest = []
    for anchor_id in anchor_ids[1:]:
        start = time.perf_counter()
        client.get(f"/anchors/{anchor_id}")
        rest.append(round((time.perf_counter() - start) * 1000))
    out["other_anchor_pages_first_visit_ms"] = rest
    client.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000_000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--requests", type=int, default=400, help="per page kind")
    parser.add_argument("--time-cap", type=float, default=300.0, help="seconds of load at most")
    parser.add_argument("--out", type=Path, default=HERE / "results" / "web.json")
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()

    root = WORK / f"web-{args.lines}"
    if args.rebuild or not (root / "anchorkit.duckdb").exists():
        build_start = time.perf_counter()
        build_workspace(root, args.lines)
        print(f"workspace built in {time.perf_counter() - build_start:.0f}s", file=sys.stderr)
    facts = workspace_facts(root)
    users = add_users(root)
    import duckdb

    con = duckdb.connect(str(root / "anchorkit.duckdb"), read_only=True)
    anchor_ids = [
        int(i) for (i,) in con.execute("SELECT anchor_id FROM anchor ORDER BY 1").fetchall()
    ]
    con.close()

    load_average = os.getloadavg()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    started = time.perf_counter()
    server = start_server(root, port)
    try:
        listening = time.perf_counter() - started
        cold = cold_requests(base, anchor_ids)
        print(f"cold: {json.dumps(cold)}", file=sys.stderr)
        cold["warm_up_done_after_s"] = wait_until_idle(server.pid)
        steady = run_load(base, users, anchor_ids, args.clients, args.requests, args.time_cap)
        rss = peak_rss_mb(server.pid)
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    p95 = max((v.get("p95_ms", 0) for v in steady["by_page"].values()), default=0)
    report = {
        "benchmark": "web",
        "issue": "12 · One set of figures for every face (first: 4 · The dashboard, p95 < 300 ms)",
        "target": f"p95 < {TARGET_P95_MS} ms for every page kind",
        "met": p95 < TARGET_P95_MS,
        "workspace": facts,
        "clients": args.clients,
        "requests_per_page_kind": args.requests,
        "time_cap_seconds": args.time_cap,
        "load": {
            "overview": "/overview (admin; a quarter as anchor users, small cells suppressed)",
            "anchor": "/anchors/{id}: admin over all anchors, anchor users their own",
            "anchor_lines": "/anchors/{id}/lines: sort (paid_on, amount, supplier, category, asc "
            "or desc), supplier text 30 %, year 40 %, pages 1-100, size 50 or 200",
            "lines": "/lines (admin, all 10M lines): the same mix",
        },
        "machine": machine(load_average),
        "server": {
            "command": "anchorkit serve --host 127.0.0.1 (uvicorn, one process)",
            "seconds_to_listen": round(listening, 2),
            "peak_rss_mb": rss,
        },
        "cold_first_request": cold,
        "steady": steady,
        "measured_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()

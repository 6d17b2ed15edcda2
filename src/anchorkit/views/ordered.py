"""The spend lines kept in each sort order of the line pages, so that a page reads a few row groups.

Why: a line page is a top-N over the lines a visitor may read, sorted by date, amount, supplier,
anchor or category. DuckDB's top-N pushes the N-th best value found so far into the scan as a
filter and skips every row group whose min/max cannot beat it — which pays only when the table is
stored in that order. The ledger is stored in load order, so every page sorted the whole of it:
on 10M lines 20–150 ms of CPU a page, 0.6–0.9 s at the 95th percentile under 20 visitors on two
cores (bench/web.py). Over a copy stored in the page's order the same query reads a few row
groups (measured on 10M lines: a first page 30 → 1.5 ms, a page 10,000 lines deep 48 → 11 ms, a
supplier-name filter 52 → 2–8 ms; see docs/benchmarks.md).

So on a large workspace the warm-up thread (:mod:`anchorkit.views.store`) writes, once per data
generation, one narrow copy of ``spend_line`` per sort key, each in its order; a page finds its
line ids in the copy of its sort key once it is there, in the ledger until then, and reads its
rows from the ledger by id as before. The same rows in the same order: only where the ids are
found changes. A page's count over one anchor stays on the ledger, whose load order keeps an
anchor's lines together; over every anchor it reads the copy in date order (supplier names
filter about 3× faster there, the copy being compressed in one go, and a year filter reads only
that year's row groups).

The copies live in a scratch database file of the server's (``cache/line-orders.duckdb`` in the
workspace, deleted when the server stops): on disk DuckDB compresses them as it does the ledger
(about 100 MB a copy at 10M lines) and its buffer manager keeps memory bounded; an in-memory
database was measured at about 1 GB a copy and slower on text filters.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from pathlib import Path

from anchorkit.views.store import Store

DATABASE = "anchorkit_ordered"
FILE = Path("cache") / "line-orders.duckdb"
#: Every column a line page filters, scopes or sorts on (``queries.spend_lines``).
COLUMNS = (
    "line_id, anchor_id, fiscal_year, paid_on, amount, supplier_name, supplier_id, category, "
    "raw_category"
)


def source(store: Store, sort: str) -> str:
    """The table a page sorted by ``sort`` finds its line ids in: a copy in that order, if ready."""
    table = store.peek(("ordered_lines", sort))
    return str(table) if table else "spend_line"


def build(store: Store, sorts: Mapping[str, str]) -> None:
    """Write this generation's copies, one per sort key (``sorts``: key → column), then drop the
    copies of earlier generations."""
    generation = store.generation
    engine = store.reader().engine
    with _ATTACHING:  # two generations' warm-ups may overlap for a moment
        if not engine.query("ordered_attached", _ATTACHED, [DATABASE]):
            path = store.workspace.root / FILE
            path.parent.mkdir(exist_ok=True)
            for stale in (path, path.with_name(path.name + ".wal")):  # a server that crashed
                stale.unlink(missing_ok=True)
            quoted = str(path).replace("'", "''")
            engine.run("attach_ordered", f"ATTACH '{quoted}' AS {DATABASE}")
            store.on_close(lambda: _discard(store, path))
    for key, column in sorts.items():
        if store.generation != generation or store.closing:
            return  # a write came in: the next generation writes its own
        table = f"{DATABASE}.lines_by_{key}_{generation}"
        engine.run(
            "order_lines",
            f"CREATE OR REPLACE TABLE {table} AS "
            f"SELECT {COLUMNS} FROM spend_line l ORDER BY {column}, l.line_id",
        )
        store.put(generation, ("ordered_lines", key), table)
    for (name,) in engine.query(
        "old_ordered_lines",
        "SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
        "AND NOT ends_with(table_name, ?)",
        [DATABASE, f"_{generation}"],
    ):
        engine.run("drop_ordered_lines", f"DROP TABLE IF EXISTS {DATABASE}.{name}")


_ATTACHED = "SELECT 1 FROM duckdb_databases() WHERE database_name = ?"
_ATTACHING = threading.Lock()


def _discard(store: Store, path: Path) -> None:
    """Detach and delete the copies' file (the server stops)."""
    engine = store.workspace.engine
    if engine.query("ordered_attached", _ATTACHED, [DATABASE]):
        engine.run("detach_ordered", f"DETACH {DATABASE}")
    for name in (path, path.with_name(path.name + ".wal")):
        name.unlink(missing_ok=True)

"""Moving a workspace's store from one engine to the other, checked to the cent.

Why: a collaborative starts on a laptop (DuckDB, one file) and may grow to a national network
(Spark over a Parquet warehouse, see docs/scale.md). Re-running the pipeline on the new engine
would re-decide suppliers and categories; moving copies what the store holds — the ledger,
rejected rows, suppliers and their spellings, tags, registries, review decisions, categories and
their mappings, targets, surveys, multipliers, OCDS awards — table by table, then computes every
indicator (network, by anchor, year, category, neighbourhood and supplier) on both engines and
switches the workspace's ``engine`` setting only when every one is equal to the cent.

The old store is kept beside the workspace, renamed (``anchorkit.duckdb.moved-…`` or
``warehouse.moved-…``), never deleted: delete it once satisfied. The app records (accounts,
uploads, audit log: ``app.db`` or the database of ``ANCHORKIT_DATABASE_URL``) do not depend on
the engine and stay where they are.
"""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from anchorkit.analytics.indicators import DIMENSIONS, compute_breakdowns
from anchorkit.engine import Engine
from anchorkit.errors import EngineMoveError
from anchorkit.schema import TABLES, create_schema
from anchorkit.settings import load_settings, write_setting
from anchorkit.workspace import (
    SETTINGS_FILE,
    Workspace,
    engine_store,
    open_engine,
    store_has_data,
)

ENGINES = ("duckdb", "spark")
#: tables copied in slices (by anchor) rather than whole, so memory holds one anchor at a time
BY_ANCHOR = ("spend_line", "rejected_row", "ocds_award")
#: line_category has no anchor: copied in slices of line ids this wide
LINE_SLICE = 2_000_000


@dataclass
class MoveResult:
    source: str
    target: str
    rows: dict[str, int] = field(default_factory=dict)
    figures_compared: int = 0
    kept_old_store: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "from": self.source,
            "to": self.target,
            "rows": self.rows,
            "figures_compared": self.figures_compared,
            "old_store_kept_as": self.kept_old_store,
        }


def move(
    root: Path | str,
    target: str,
    *,
    progress: Callable[[str], None] | None = None,
) -> MoveResult:
    """Copy the workspace at ``root`` into ``target``'s store, check every indicator, switch.

    Refuses (:class:`EngineMoveError`) when the workspace is on ``target`` already, when the
    target's store already holds data, or when any figure differs (then nothing is switched and
    the copy is removed).
    """
    say = progress or (lambda _text: None)
    root = Path(root)
    if target not in ENGINES:
        raise EngineMoveError(f"--to must be one of {', '.join(ENGINES)}, not {target!r}.")
    settings = load_settings(root / SETTINGS_FILE, environ={})
    source = str(settings["engine"])
    if source == target:
        raise EngineMoveError(
            f"This workspace is on {target} already (its engine setting); nothing to move."
        )
    if store_has_data(root, settings, target):
        raise EngineMoveError(
            f"The {target} store of this workspace ({engine_store(root, settings, target)}) "
            "already holds data: move or delete it first, so that nothing is overwritten."
        )
    result = MoveResult(source, target)
    with Workspace.open(root, engine=source) as old:
        new_engine = open_engine(root, settings, engine=target)
        try:
            create_schema(new_engine)
            for table in TABLES:
                say(f"copying {table}")
                result.rows[table] = _copy(old.engine, new_engine, table)
            new = Workspace(root, old.settings, new_engine)
            say("comparing every indicator")
            result.figures_compared = _compare(old, new)
        except BaseException:
            new_engine.close()
            _remove_store(root, settings, target)
            raise
        new_engine.close()
    result.kept_old_store = _set_aside(root, settings, source)
    write_setting(root / SETTINGS_FILE, "engine", target)
    return result


def _copy(source: Engine, target: Engine, table: str) -> int:
    """Every row of ``table``, slice by slice, through Arrow; the number of rows copied."""
    columns = source.query_arrow(
        f"move_{table}_columns", f"SELECT * FROM {table} LIMIT 0"
    ).column_names
    if table in BY_ANCHOR:
        slices = [
            f"anchor_id = {int(a)}"
            for (a,) in source.query(
                f"move_{table}_anchors", f"SELECT DISTINCT anchor_id FROM {table} ORDER BY 1"
            )
        ]
    elif table == "line_category":
        low, high = source.query_one(
            "move_line_ids", f"SELECT min(line_id), max(line_id) FROM {table}"
        )
        slices = (
            []
            if low is None
            else [
                f"line_id >= {start} AND line_id < {start + LINE_SLICE}"
                for start in range(int(low), int(high) + 1, LINE_SLICE)
            ]
        )
    else:
        slices = ["true"]
    copied = 0
    name = f"__anchorkit__move_{table}"
    listed = ", ".join(columns)
    with target.transaction():
        for where in slices:
            rows = source.query_arrow(
                f"move_{table}", f"SELECT {listed} FROM {table} WHERE {where}"
            )
            if rows.num_rows == 0:
                continue
            target.register(name, rows)
            try:
                target.run(
                    f"move_{table}", f"INSERT INTO {table} ({listed}) SELECT {listed} FROM {name}"
                )
            finally:
                target.unregister(name)
            copied += rows.num_rows
    (count,) = target.query_one(f"move_{table}_count", f"SELECT count(*) FROM {table}")
    (expected,) = source.query_one(f"move_{table}_expected", f"SELECT count(*) FROM {table}")
    if int(count) != int(expected):
        raise EngineMoveError(
            f"Copying {table}: {count} rows arrived of {expected}. Nothing was switched."
        )
    return copied


def figures(ws: Workspace) -> dict[str, Any]:
    """Every indicator, as JSON: the network, each breakdown, and each anchor's by year."""
    out: dict[str, Any] = {
        str(by): result.to_json() for by, result in compute_breakdowns(ws, list(DIMENSIONS)).items()
    }
    for anchor in ws.anchors():
        out[f"anchor {anchor.name}"] = compute_breakdowns(ws, ["year"], anchor=anchor.name)[
            "year"
        ].to_json()
    return out


def _compare(old: Workspace, new: Workspace) -> int:
    before, after = figures(old), figures(new)
    found = differences(after, before)
    if found:
        shown = "; ".join(found[:5])
        raise EngineMoveError(
            f"After copying, {len(found)} figure(s) differ between the engines, e.g. "
            f"{shown}. Nothing was switched; please report this."
        )
    return _leaves(before)


def differences(got: Any, expected: Any, path: str = "") -> list[str]:
    """Every leaf of two JSON documents that differs, as ``path: got != expected``."""
    if isinstance(got, dict) and isinstance(expected, dict):
        keys = sorted(set(got) | set(expected), key=str)
        return [d for k in keys for d in differences(got.get(k), expected.get(k), f"{path}.{k}")]
    if isinstance(got, list) and isinstance(expected, list) and len(got) == len(expected):
        return [
            d
            for i, (g, e) in enumerate(zip(got, expected, strict=True))
            for d in differences(g, e, f"{path}[{i}]")
        ]
    return [] if got == expected else [f"{path.lstrip('.')}: {got!r} != {expected!r}"]


def _leaves(value: Any) -> int:
    if isinstance(value, dict):
        return sum(_leaves(v) for v in value.values())
    if isinstance(value, list):
        return sum(_leaves(v) for v in value)
    return 1


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")


def _set_aside(root: Path, settings: Any, engine: str) -> str | None:
    """Rename the old store so that the workspace has one live store; returns its new path."""
    path = engine_store(root, settings, engine)
    if not path.exists():
        return None
    kept = path.with_name(f"{path.name}.moved-{_stamp()}")
    path.rename(kept)
    if engine == "duckdb":
        wal = path.with_name(path.name + ".wal")
        if wal.exists():
            wal.rename(kept.with_name(kept.name + ".wal"))
    return str(kept)


def _remove_store(root: Path, settings: Any, engine: str) -> None:
    """Remove a half-made copy (the target had no data before: :func:`move` checked)."""
    path = engine_store(root, settings, engine)
    if engine == "duckdb":
        for extra in (path, path.with_name(path.name + ".wal")):
            extra.unlink(missing_ok=True)
    elif path.exists():
        shutil.rmtree(path, ignore_errors=True)

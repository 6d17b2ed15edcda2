"""A workspace: one folder holding ``anchorkit.toml`` (settings) and ``anchorkit.duckdb`` (the store).

Why a folder: a collaborative's whole state can be copied, backed up or handed over as one
directory, and every command finds it the same way — ``--workspace PATH``, else the
``ANCHORKIT_WORKSPACE`` environment variable, else the current folder.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from anchorkit.derived import refresh_derived
from anchorkit.engine import DuckDBEngine, Engine
from anchorkit.errors import (
    AnchorError,
    EngineError,
    EngineMismatchError,
    SettingsError,
    WorkspaceError,
)
from anchorkit.schema import ANCHOR_KINDS, create_schema
from anchorkit.settings import Settings, load_settings, render_toml

SETTINGS_FILE = "anchorkit.toml"
STORE_FILE = "anchorkit.duckdb"


def resolve_path(path: Path | str | None) -> Path:
    if path is not None:
        return Path(path)
    return Path(os.environ.get("ANCHORKIT_WORKSPACE") or ".")


def workspace_root(path: Path | str | None) -> Path:
    """The workspace folder ``path`` names (else $ANCHORKIT_WORKSPACE, else the current one),
    checked to be a workspace without opening its store: for commands that only touch the app
    records beside it (accounts), so they never create records in a folder that is not one."""
    root = resolve_path(path)
    if not (root / SETTINGS_FILE).exists():
        raise WorkspaceError(
            f"{root.resolve()} is not an anchorkit workspace (no {SETTINGS_FILE}). "
            f"Create one with: anchorkit init {root}"
        )
    return root


@dataclass
class Anchor:
    anchor_id: int
    name: str
    kind: str


class Workspace:
    """An open workspace: its settings and its engine (the single writer)."""

    def __init__(self, root: Path, settings: Settings, engine: Engine) -> None:
        self.root = root
        self.settings = settings
        self.engine = engine

    @classmethod
    def open(cls, path: Path | str | None = None, *, engine: str | None = None) -> Workspace:
        """Open the workspace on ``engine`` (default: its ``engine`` setting, which
        ``ANCHORKIT_ENGINE`` / ``--engine`` override).

        Refuses (:class:`EngineMismatchError`) when that engine's store is empty while the
        other engine's holds the workspace's data: figures would otherwise all be zero.
        """
        root = workspace_root(path)
        settings = load_settings(root / SETTINGS_FILE)
        kind = engine or str(settings["engine"])
        store = open_engine(root, settings, engine=kind)
        try:
            create_schema(store)
            _refuse_an_empty_engine(root, settings, kind, store)
            refresh_derived(store, settings)
        except BaseException:
            store.close()
            raise
        return cls(root, settings, store)

    @classmethod
    def init(
        cls, path: Path | str | None = None, settings: Mapping[str, Any] | None = None
    ) -> Workspace:
        """Create the folder, a commented settings file and an empty store; refuse to overwrite."""
        root = resolve_path(path)
        engine = os.environ.get("ANCHORKIT_ENGINE")
        if engine and "engine" not in (settings or {}):
            # `anchorkit --engine spark init`: the workspace keeps its engine for later commands
            settings = {**(settings or {}), "engine": engine}
        if (root / SETTINGS_FILE).exists():
            raise WorkspaceError(
                f"{root.resolve()} is already a workspace ({SETTINGS_FILE} exists)."
            )
        try:
            root.mkdir(parents=True, exist_ok=True)
            (root / SETTINGS_FILE).write_text(render_toml(settings), encoding="utf-8")
        except OSError as exc:
            raise WorkspaceError(f"Cannot create a workspace in {root}: {exc.strerror}.") from exc
        return cls.open(root)

    def close(self) -> None:
        self.engine.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # anchors -------------------------------------------------------------------------------
    def add_anchor(
        self, name: str, kind: str, region: str | None = None, site_postcode: str | None = None
    ) -> Anchor:
        """Register an anchor; ``site_postcode`` is its main site, for ``local.radius_km``."""
        name = " ".join(name.split())
        if not name:
            raise AnchorError("An anchor needs a name.")
        if kind not in ANCHOR_KINDS:
            raise AnchorError(
                f"Unknown anchor kind {kind!r}. Use one of: {', '.join(ANCHOR_KINDS)}."
            )
        if self.find_anchor(name) is not None:
            raise AnchorError(f"An anchor called {name!r} already exists.")
        with self.engine.transaction():
            (next_id,) = self.engine.query_one(
                "next_anchor_id", "SELECT coalesce(max(anchor_id), 0) + 1 FROM anchor"
            )
            self.engine.run(
                "add_anchor",
                "INSERT INTO anchor (anchor_id, name, kind, region, site_postcode) "
                "VALUES (?, ?, ?, ?, ?)",
                [next_id, name, kind, region, site_postcode],
            )
        return Anchor(int(next_id), name, kind)

    def find_anchor(self, name: str) -> Anchor | None:
        rows = self.engine.query(
            "find_anchor",
            "SELECT anchor_id, name, kind FROM anchor WHERE lower(name) = lower(?)",
            [" ".join(name.split())],
        )
        return Anchor(*rows[0]) if rows else None

    def anchor(self, name: str) -> Anchor:
        found = self.find_anchor(name)
        if found is None:
            known = [a.name for a in self.anchors()]
            hint = f" Known anchors: {', '.join(known)}." if known else " There are none yet."
            raise AnchorError(
                f"There is no anchor called {name!r}.{hint} Add it with: "
                f'anchorkit anchor add "{name}" --kind KIND'
            )
        return found

    def anchors(self) -> list[Anchor]:
        rows = self.engine.query(
            "list_anchors", "SELECT anchor_id, name, kind FROM anchor ORDER BY name"
        )
        return [Anchor(*row) for row in rows]


def open_engine(root: Path, settings: Settings, *, engine: str | None = None) -> Engine:
    """The store ``engine`` (default: the ``engine`` setting) names: DuckDB's file, or Spark's
    Parquet warehouse."""
    kind = engine or settings["engine"]
    store: Engine
    if kind == "duckdb":
        store = DuckDBEngine(engine_store(root, settings, kind))
    elif kind == "spark":
        from anchorkit.engine.spark import SparkEngine, spark_conf

        store = SparkEngine(engine_store(root, settings, kind), conf=spark_conf(settings))
    else:
        raise SettingsError(f"Setting engine must be duckdb or spark, got {kind!r}.")
    store.share_changes(str(engine_store(root, settings, kind).resolve()))
    return store


OTHER = {"duckdb": "spark", "spark": "duckdb"}


def engine_store(root: Path, settings: Settings, engine: str) -> Path:
    """Where ``engine`` keeps this workspace's store: the DuckDB file or the Spark warehouse."""
    if engine == "duckdb":
        return root / STORE_FILE
    return Path(settings["spark.warehouse"] or root / "warehouse")


def store_has_data(root: Path, settings: Settings, engine: str) -> bool:
    """Whether ``engine``'s store holds any anchor, looked at without starting that engine's
    session (a Spark warehouse: its files; a DuckDB file: opened read-only). A DuckDB file
    another process has open counts as holding data."""
    path = engine_store(root, settings, engine)
    if engine == "spark":
        return any(
            f.suffix == ".parquet" for t in ("anchor", "spend_line") for f in (path / t).rglob("*")
        )
    if not path.exists():
        return False
    try:
        store = DuckDBEngine(path, read_only=True)
    except EngineError:
        return True  # in use by another process (a server): it is a live store
    try:
        (anchors,) = store.query_one("has_data", "SELECT count(*) FROM anchor")
    except Exception:  # a store without the anchor table yet: nothing in it
        return False
    finally:
        store.close()
    return int(anchors) > 0


def _refuse_an_empty_engine(root: Path, settings: Settings, kind: str, store: Engine) -> None:
    other = OTHER.get(kind)
    if other is None or not store_has_data(root, settings, other):
        return
    (anchors,) = store.query_one("anchors_here", "SELECT count(*) FROM anchor")
    if int(anchors) > 0:
        return
    configured = load_settings(root / SETTINGS_FILE, environ={})["engine"]
    raise EngineMismatchError(
        f"This command runs on {kind}, but this workspace's {kind} store "
        f"({engine_store(root, settings, kind)}) is empty, while its {other} store "
        f"({engine_store(root, settings, other)}) holds its data. Run it on {other} "
        f"(the workspace's engine setting is {configured}: drop --engine or ANCHORKIT_ENGINE, "
        f"or give --engine {other}), or move the data first: anchorkit engine move --to {kind}."
    )


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")

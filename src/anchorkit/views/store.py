"""The web app's door to the spend store: many readers, one writer, and a cache that knows when
the data changed.

Why this shape: DuckDB allows one writing process, so the server is that process for as long as it
runs (the CLI waits or is told the store is in use). Requests run on many threads; each gets its
own cursor (:meth:`DuckDBEngine.reader`), so reads run side by side and see only committed data.
Writes (uploads, review decisions) take one lock and bump a generation number; computed pages are
cached per generation, so a network overview over 10 million lines is computed once per change,
not once per visitor.

On a large workspace (``WARM_MIN_LINES`` spend lines or more) the first cached read of each
generation also starts one background thread that runs the registered warmers (see
:func:`on_new_generation`; :mod:`anchorkit.views.indicators` registers the overview and every
anchor's summary), so that the first visitor after a start or an upload rarely waits for a computation
over every line. Small workspaces (and tests) compute on demand only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from anchorkit.engine.duckdb import DuckDBEngine
from anchorkit.workspace import Workspace

T = TypeVar("T")
CACHE_SIZE = 256
WARM_MIN_LINES = 1_000_000
WARMERS: list[Callable[[Store], None]] = []
log = logging.getLogger(__name__)


def on_new_generation(warmer: Callable[[Store], None]) -> Callable[[Store], None]:
    """Register ``warmer(store)`` to run in the background once per data generation."""
    if warmer not in WARMERS:
        WARMERS.append(warmer)
    return warmer


class Store:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._kept: dict[Hashable, Any] = {}
        self._computing: dict[Hashable, threading.Lock] = {}
        self.generation = 0
        self._warmed: int | None = None
        self._warm_thread: threading.Thread | None = None
        self._warm_engine: Any = None
        self._closing = False
        self._on_close: list[Callable[[], None]] = []

    @property
    def settings(self) -> Any:
        return self.workspace.settings

    def reader(self) -> Workspace:
        """This thread's own read connection, as a Workspace the analytics functions accept."""
        ws: Workspace | None = getattr(self._local, "ws", None)
        if ws is None:
            engine = self.workspace.engine
            assert isinstance(engine, DuckDBEngine)
            ws = Workspace(self.workspace.root, self.workspace.settings, engine.reader())
            self._local.ws = ws
        return ws

    @contextmanager
    def writer(self) -> Iterator[Workspace]:
        """The one writer; whatever it changes invalidates every cached page."""
        with self._write_lock:
            try:
                yield self.workspace
            finally:
                # the analytic model is checked again: a reader that checked it while this write
                # was uncommitted saw the old data (anchorkit.analytics.model)
                self.workspace.engine.changes.moved()
                with self._cache_lock:
                    self.generation += 1
                    self._cache.clear()
                    self._kept.clear()

    def cached(self, key: Hashable, compute: Callable[[], T], *, keep: bool = False) -> T:
        """``compute()`` once per data generation; concurrent askers of one key wait for the
        first instead of all computing it.

        ``keep``: a costly figure (the overview, an anchor's summary) that must not be pushed
        out of the bounded cache by many cheap ones (line counts and pages); it stays until the
        next write.
        """
        full = (self.generation, key)
        self._maybe_warm()
        with self._cache_lock:
            if full in self._kept:
                return self._kept[full]  # type: ignore[no-any-return]
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]  # type: ignore[no-any-return]
            gate = self._computing.setdefault(full, threading.Lock())
        with gate:
            with self._cache_lock:
                if full in self._kept:
                    return self._kept[full]  # type: ignore[no-any-return]
                if full in self._cache:
                    return self._cache[full]  # type: ignore[no-any-return]
            value = compute()
            with self._cache_lock:
                if full[0] == self.generation:
                    if keep:
                        self._kept[full] = value
                    else:
                        self._cache[full] = value
                        while len(self._cache) > CACHE_SIZE:
                            self._cache.popitem(last=False)
                self._computing.pop(full, None)
        return value

    def put(self, generation: int, key: Hashable, value: Any) -> None:
        """Keep a value made in the background for ``generation`` (ignored once it is stale)."""
        with self._cache_lock:
            if generation == self.generation:
                self._kept[(generation, key)] = value

    def peek(self, key: Hashable) -> Any:
        """This generation's value of ``key`` if one is there (never computes it), else None."""
        full = (self.generation, key)
        with self._cache_lock:
            return self._kept.get(full, self._cache.get(full))

    def _maybe_warm(self) -> None:
        """Start the warmers in one background thread, once per generation, on a large store."""
        if self._warmed == self.generation or not WARMERS:
            return
        with self._cache_lock:
            if self._warmed == self.generation:
                return
            self._warmed = generation = self.generation
        (lines,) = self.reader().engine.query_one(
            "warm_line_count", "SELECT count(*) FROM spend_line"
        )
        if int(lines) < WARM_MIN_LINES:
            return
        self._warm_thread = threading.Thread(
            target=self._warm, args=(generation,), name="anchorkit-warm", daemon=True
        )
        self._warm_thread.start()

    def _warm(self, generation: int) -> None:
        self._warm_engine = self.reader().engine
        for warmer in WARMERS:
            if self.generation != generation or self._closing:
                return  # a write came in (the next generation warms itself), or shutting down
            try:
                warmer(self)
            except Exception:  # a warm-up failure must never take the server down
                if not self._closing:
                    log.exception("warming the dashboard cache failed")

    def on_close(self, cleanup: Callable[[], None]) -> None:
        """Run ``cleanup`` when the store closes (after any warm-up has stopped)."""
        self._on_close.append(cleanup)

    def close(self) -> None:
        """Stop a warm-up in progress (interrupting its query) before the store is closed:
        a query still running when its database closes would abort the process."""
        self._closing = True
        thread, engine = self._warm_thread, self._warm_engine
        deadline = time.monotonic() + 30
        while thread is not None and thread.is_alive() and time.monotonic() < deadline:
            if engine is not None:
                engine.con.interrupt()  # a no-op between queries: hence the loop
            thread.join(timeout=0.2)
        for cleanup in self._on_close:
            try:
                cleanup()
            except Exception:  # closing must go on: a scratch file left behind is harmless
                log.exception("cleaning up the dashboard's scratch data failed")
        self._on_close.clear()

    @property
    def closing(self) -> bool:
        return self._closing

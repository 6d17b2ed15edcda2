"""The web app's door to the spend store: many readers, one writer, and a cache that knows when
the data changed.

Why this shape: DuckDB allows one writing process, so the server is that process for as long as it
runs (the CLI waits or is told the store is in use). Requests run on many threads; each gets its
own cursor (:meth:`DuckDBEngine.reader`), so reads run side by side and see only committed data.
Writes (uploads, review decisions) take one lock and bump a generation number; computed pages are
cached per generation, so a network overview over 10 million lines is computed once per change,
not once per visitor.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from anchorkit.engine.duckdb import DuckDBEngine
from anchorkit.workspace import Workspace

T = TypeVar("T")
CACHE_SIZE = 256


class Store:
    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._cache_lock = threading.Lock()
        self._cache: OrderedDict[Hashable, Any] = OrderedDict()
        self._computing: dict[Hashable, threading.Lock] = {}
        self.generation = 0

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
                with self._cache_lock:
                    self.generation += 1
                    self._cache.clear()

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per data generation; concurrent askers of one key wait for the
        first instead of all computing it."""
        full = (self.generation, key)
        with self._cache_lock:
            if full in self._cache:
                self._cache.move_to_end(full)
                return self._cache[full]  # type: ignore[no-any-return]
            gate = self._computing.setdefault(full, threading.Lock())
        with gate:
            with self._cache_lock:
                if full in self._cache:
                    return self._cache[full]  # type: ignore[no-any-return]
            value = compute()
            with self._cache_lock:
                if full[0] == self.generation:
                    self._cache[full] = value
                    while len(self._cache) > CACHE_SIZE:
                        self._cache.popitem(last=False)
                self._computing.pop(full, None)
        return value

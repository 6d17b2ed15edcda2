"""The engine interface: the only way anchorkit touches a database.

Why an interface: the same analytics must run on DuckDB (one laptop) and on Spark (a national
network). Like Splink's ``DatabaseAPI``, the base class owns what is common — naming each SQL step,
logging it at debug level so a reader can follow a number from a file to a chart, and translating
engine failures into :class:`anchorkit.errors.EngineError` — and an adapter fills in a few
primitives. SQL is written once in the DuckDB dialect; adapters for other engines transpile it.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pyarrow as pa

if TYPE_CHECKING:
    from anchorkit.engine.splink import SplinkSource

log = logging.getLogger("anchorkit.sql")

STEP_PREFIX = "__anchorkit__"

#: a statement that may change a stored table, and the table it names
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|"
    r"ALTER\s+TABLE|DROP\s+TABLE(?:\s+IF\s+EXISTS)?|COPY|"
    r"CREATE\s+(?:OR\s+REPLACE\s+)?TABLE(?:\s+IF\s+NOT\s+EXISTS)?)\s+\"?([\w.]+)",
    re.IGNORECASE,
)


class Changes:
    """How many statements that may have changed the store a database has run in this process.

    Why: figures are read from a model derived from the store (:mod:`anchorkit.analytics.model`);
    checking the model against the data costs a scan, so a process checks once and again only
    after this count moves. Shared by a connection and its readers (one count per database);
    tables named ``__anchorkit__…`` (scratch) and those in :attr:`derived` (the model itself)
    do not count.
    """

    def __init__(self) -> None:
        self.count = 0
        self._count_lock = threading.Lock()
        self.lock = threading.RLock()
        self.derived: set[str] = set()
        self.memo: dict[str, Any] = {}

    def note(self, sql: str) -> bool:
        """Count ``sql`` if it may change a stored table; whether it did."""
        found = _WRITE.match(sql)
        if found is None:
            return False
        table = found.group(1).rsplit(".", 1)[-1].lower()
        if table.startswith(STEP_PREFIX) or table in self.derived:
            return False
        self.moved()
        return True

    def moved(self) -> None:
        """The store may have changed (a write, a commit): what was checked must be again."""
        with self._count_lock:
            self.count += 1


_SHARED: dict[str, Changes] = {}
_SHARED_LOCK = threading.Lock()


class Engine(ABC):
    """A handful of primitives; every SQL statement goes through :meth:`run` or :meth:`query`."""

    name: str = "abstract"

    @property
    def changes(self) -> Changes:
        """This database's count of changing statements (see :class:`Changes`)."""
        found: Changes | None = self.__dict__.get("_changes")
        if found is None:
            found = self.__dict__["_changes"] = Changes()
        return found

    def share_changes(self, store: str) -> None:
        """Count this connection's changes with every other one to ``store`` in this process
        (two connections to one file must not each believe the model fresh after the other
        wrote)."""
        with _SHARED_LOCK:
            self.__dict__["_changes"] = _SHARED.setdefault(store, Changes())

    def run(self, step: str, sql: str, params: Sequence[Any] | None = None) -> None:
        """Execute a statement that returns nothing, as the named step ``step``."""
        self._timed(step, sql, params, fetch=False)

    def query(
        self, step: str, sql: str, params: Sequence[Any] | None = None
    ) -> list[tuple[Any, ...]]:
        """Execute a query and return its rows as tuples."""
        rows = self._timed(step, sql, params, fetch=True)
        assert rows is not None
        return rows

    def query_one(
        self, step: str, sql: str, params: Sequence[Any] | None = None
    ) -> tuple[Any, ...]:
        rows = self.query(step, sql, params)
        if len(rows) != 1:
            raise AssertionError(f"step {step} returned {len(rows)} rows, expected 1")
        return rows[0]

    def log_step(self, step: str, sql: str) -> None:
        log.debug("%s%s\n%s", STEP_PREFIX, step, sql.strip())

    def _timed(
        self, step: str, sql: str, params: Sequence[Any] | None, *, fetch: bool
    ) -> list[tuple[Any, ...]] | None:
        start = time.perf_counter()
        self.log_step(step, sql)
        writes = self.changes.note(sql)
        result = self._execute(sql, params, fetch=fetch)
        if writes:
            self.changes.moved()  # again once written: a check made meanwhile saw the old data
        log.debug("%s%s took %.3fs", STEP_PREFIX, step, time.perf_counter() - start)
        return result

    @abstractmethod
    def _execute(
        self, sql: str, params: Sequence[Any] | None, *, fetch: bool
    ) -> list[tuple[Any, ...]] | None:
        """Run one statement; translate engine errors to EngineError."""

    @abstractmethod
    def query_arrow(self, step: str, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        """Run a query and return a materialised Arrow table (never a stream)."""

    def splink_source(self, step: str, sql: str) -> SplinkSource:
        """The rows of ``sql`` (name groups) for Splink to link, on this engine.

        Here they come to Python as Arrow, for Splink's own DuckDB; an engine holding more than
        one machine can hold keeps them where they are (see :mod:`anchorkit.engine.splink`).
        """
        from anchorkit.engine.splink import ArrowSource

        return ArrowSource(self.query_arrow(step, sql))

    @abstractmethod
    def register(self, name: str, table: pa.Table) -> None:
        """Expose an Arrow table to SQL under ``name`` for the life of the connection."""

    @abstractmethod
    def unregister(self, name: str) -> None: ...

    @abstractmethod
    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All or nothing: a failure inside leaves the store exactly as before."""
        yield

    @abstractmethod
    def csv_scan_sql(self, path: str, *, delimiter: str, quote: str, columns: Sequence[str]) -> str:
        """A FROM-clause fragment reading delimited text as all-VARCHAR columns, no header.

        Short rows are padded with NULLs; a row with more fields than ``columns`` must be an
        error, never silently cut (the caller then falls back to a reader that keeps them).
        """

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

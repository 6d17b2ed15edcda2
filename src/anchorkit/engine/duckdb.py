"""DuckDB adapter: the embedded default store, one file per workspace.

One connection per process is the one writer (DuckDB also refuses a second writing process with a
file lock, which we translate into a message that says what to do). No extensions are loaded: the
target machines cannot download them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from anchorkit.engine.base import Engine
from anchorkit.errors import EngineError


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


class DuckDBEngine(Engine):
    name = "duckdb"

    def __init__(self, path: Path | None = None, *, read_only: bool = False) -> None:
        target = ":memory:" if path is None else str(path)
        try:
            self.con = duckdb.connect(target, read_only=read_only)
        except duckdb.IOException as exc:
            if "lock" in str(exc).lower():
                raise EngineError(
                    f"The store {target} is in use by another anchorkit process. Wait for it to "
                    "finish (only one command can write at a time), then try again."
                ) from exc
            raise EngineError(f"Cannot open the store {target}: {exc}") from exc
        self.con.execute("SET enable_progress_bar = false")
        # readers number rows by their order in the table (rowid): keep the file's order
        self.con.execute("SET preserve_insertion_order = true")
        self._in_transaction = False

    def reader(self) -> DuckDBEngine:
        """Another connection to the same database, for another thread (a web request).

        DuckDB connections are not safe to share between threads, but cursors of one
        connection are: each sees committed data and has its own temporary views.
        """
        other = object.__new__(DuckDBEngine)
        other.con = self.con.cursor()
        other.__dict__["_changes"] = self.changes  # one database: one count of its changes
        other.con.execute("SET enable_progress_bar = false")
        other._in_transaction = False
        return other

    def _execute(
        self, sql: str, params: Sequence[Any] | None, *, fetch: bool
    ) -> list[tuple[Any, ...]] | None:
        try:
            cursor = self.con.execute(sql, params) if params else self.con.execute(sql)
            return cursor.fetchall() if fetch else None
        except duckdb.IOException as exc:
            raise EngineError(f"The store could not be read or written: {exc}") from exc
        except duckdb.OutOfMemoryException as exc:
            raise EngineError(
                "The store ran out of memory. Close other programs or ingest fewer files at once."
            ) from exc

    def query_arrow(self, step: str, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        self.log_step(step, sql)
        relation = self.con.sql(sql, params=params) if params else self.con.sql(sql)
        table: pa.Table = relation.to_arrow_table()
        return table

    def stream_arrow(
        self, step: str, sql: str, params: Sequence[Any] | None = None, *, rows: int = 10_000
    ) -> pa.RecordBatchReader:
        """The result in batches of ``rows``, read as they are consumed: an export of millions
        of lines never holds them all in memory (``query_arrow`` would)."""
        self.log_step(step, sql)
        relation = self.con.sql(sql, params=params) if params else self.con.sql(sql)
        reader: pa.RecordBatchReader = relation.to_arrow_reader(rows)
        return reader

    def register(self, name: str, table: pa.Table) -> None:
        self.con.register(name, table)

    def unregister(self, name: str) -> None:
        self.con.unregister(name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_transaction:
            yield
            return
        self.con.execute("BEGIN TRANSACTION")
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        else:
            self.con.execute("COMMIT")
        finally:
            self._in_transaction = False

    def csv_scan_sql(self, path: str, *, delimiter: str, quote: str, columns: Sequence[str]) -> str:
        cols = ", ".join(f"{_sql_string(c)}: 'VARCHAR'" for c in columns)
        return (
            f"read_csv({_sql_string(path)}, header = false, auto_detect = false, "
            f"delim = {_sql_string(delimiter)}, quote = {_sql_string(quote)}, "
            f"escape = {_sql_string(quote)}, null_padding = true, strict_mode = true, "
            f"columns = {{{cols}}})"
        )

    def close(self) -> None:
        self.con.close()

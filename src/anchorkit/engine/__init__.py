"""Engines: where SQL runs. Only this package imports a database driver."""

from anchorkit.engine.base import Engine
from anchorkit.engine.duckdb import DuckDBEngine

__all__ = ["DuckDBEngine", "Engine"]

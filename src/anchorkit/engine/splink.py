"""Where Splink runs for each engine: resolution scores pairs of records where the records live.

Why: on one laptop Splink works on its own in-memory DuckDB, so its many intermediate tables
never touch the workspace store. On Spark a national network's name groups never leave the
cluster: Splink's Spark backend blocks and scores them there, and only the pairs worth keeping
(above the review threshold) come back to the driver.

Both give the model the same training sample (see :meth:`SplinkSource.sample`), so the two
engines learn the same model and resolve the same suppliers.
"""

from __future__ import annotations

import shutil
import uuid
from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

if TYPE_CHECKING:
    from pyspark.sql import DataFrame

    from anchorkit.engine.spark import SparkEngine


class SplinkSource(ABC):
    """Records to link (one row per name group, keyed by ``group_id``), on the engine holding them."""

    rows: int

    @abstractmethod
    def register(self, name: str) -> Any:
        """The records as a Splink table (a ``SplinkDataFrame``) called ``name``, or a unique
        name made from it where the database is shared."""

    @abstractmethod
    def sample(self, rows: int) -> pa.Table:
        """The first ``rows`` records by ``group_id``.

        A group id is an MD5 of the name and postcode, so this is a pseudo-random sample that
        does not depend on the engine (Splink's own sampling hashes with each engine's hash
        function, so DuckDB and Spark would train on different records).
        """

    @abstractmethod
    def ids(self) -> list[str]:
        """Every ``group_id``."""

    @abstractmethod
    def table(self) -> pa.Table:
        """Every record, in ``group_id`` order, on the driver: the name model and the
        clustering after Splink run there, on the same rows whatever the engine."""

    @abstractmethod
    def fetch(self, sql: str) -> pa.Table:
        """Run ``sql`` (DuckDB's dialect) against Splink's tables; its rows to the driver."""

    @abstractmethod
    def close(self) -> None:
        """Free what Splink made (tables, checkpoints)."""

    def __enter__(self) -> SplinkSource:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ArrowSource(SplinkSource):
    """Records in an Arrow table, linked by Splink on a private in-memory DuckDB connection."""

    def __init__(self, records: pa.Table) -> None:
        self.records = records.sort_by("group_id")
        self.rows = records.num_rows
        self._con = duckdb.connect()
        self._con.execute("SET enable_progress_bar = false")
        self._api: Any = None

    def register(self, name: str) -> Any:
        if self._api is None:
            from splink import DuckDBAPI

            self._api = DuckDBAPI(self._con)
        return self._api.register(self.records, table_name=name)

    def sample(self, rows: int) -> pa.Table:
        return self.records.slice(0, rows)

    def ids(self) -> list[str]:
        ids: list[str] = self.records.column("group_id").to_pylist()
        return ids

    def table(self) -> pa.Table:
        return self.records

    def fetch(self, sql: str) -> pa.Table:
        return self._con.sql(sql).to_arrow_table()

    def close(self) -> None:
        self._con.close()


class SparkSource(SplinkSource):
    """Records in a Spark DataFrame, linked by Splink's Spark backend on the same session.

    Splink breaks long query plans by writing intermediate results as Parquet to the Spark
    context's checkpoint folder; when the session has none, anchorkit gives it one under the
    warehouse's staging folder and empties it afterwards.
    """

    def __init__(self, engine: SparkEngine, records: DataFrame) -> None:
        from anchorkit.engine.spark import STAGING

        self.engine = engine
        self.spark = engine.spark
        self.records = records.localCheckpoint()
        self.rows = self.records.count()
        scratch = engine.warehouse / STAGING / "splink"
        current = self.spark.sparkContext.getCheckpointDir()
        # a folder of the session's own (a notebook's, a cluster's) is left as it is
        self._scratch = scratch if current is None or str(scratch) in current else None
        if current is None:
            self.spark.sparkContext.setCheckpointDir(str(scratch))
        self._api: Any = None
        self._views: list[str] = []

    def register(self, name: str) -> Any:
        if self._api is None:
            from splink.backends.spark import SparkAPI

            from anchorkit.engine.spark import register_similarity

            # Splink registers its jar's similarity functions (the jar is in spark.jars)...
            self._api = SparkAPI(  # type: ignore[no-untyped-call]
                spark_session=self.spark, break_lineage_method="parquet"
            )
            # ...then Jaro-Winkler goes back to DuckDB's, so both engines score alike
            register_similarity(self.spark)
        # the session outlives this source (a notebook, the next command): a name of its own
        unique = f"__anchorkit_{name}_{uuid.uuid4().hex[:8]}"
        self._views.append(unique)
        return self._api.register(self.records, table_name=unique)

    def sample(self, rows: int) -> pa.Table:
        table: pa.Table = self.records.orderBy("group_id").limit(rows).toArrow()
        return table

    def ids(self) -> list[str]:
        ids: list[str] = self.records.select("group_id").toArrow().column(0).to_pylist()
        return ids

    def table(self) -> pa.Table:
        table: pa.Table = self.records.orderBy("group_id").toArrow()
        return table

    def fetch(self, sql: str) -> pa.Table:
        return self.engine.query_arrow("splink_pairs", sql)

    def close(self) -> None:
        for view in self._views:
            self.spark.catalog.dropTempView(view)
        if self._scratch is not None:
            shutil.rmtree(self._scratch, ignore_errors=True)

"""Spark adapter: the scale-out store, a Parquet warehouse that any Spark cluster can read.

Why Spark over Parquet files (and not a Spark table format): a national network's store must be
readable by whatever its members run — Spark, Databricks, DuckDB, pandas — without a catalog
service; plain Parquet, laid out ``warehouse/<table>/anchor_id=…/fiscal_year=…/``, is that.

Plain Parquet has no transactions, so the adapter gives the store DuckDB's guarantees itself:

* every stored table is a temporary view over its folder, so the analytics' SQL runs unchanged
  (transpiled by ``spark_sql``);
* a write never touches the live folder: an INSERT writes its rows to a staging folder, an
  UPDATE or DELETE writes the table's whole new content to one (see ``spark_sql``); at commit the
  staged files are moved in, or the staged folder is renamed over the old one (the swap); on
  rollback the staging folders are deleted. Outside :meth:`transaction` each statement commits
  on its own, as in DuckDB;
* temporary tables (``CREATE TEMP TABLE``) are checkpointed DataFrames with a ``rowid`` column.

pyspark is imported here only, and lazily: ``pip install 'anchorkit[spark]'``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import sys
import uuid
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
from sqlglot import exp

from anchorkit.engine import spark_sql as dialect
from anchorkit.engine.base import Engine
from anchorkit.errors import EngineError, SparkError

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

    from anchorkit.engine.splink import SplinkSource

#: Stored tables written in folders per anchor (and per fiscal year): a cluster then reads only
#: the anchors and years a query asks for, and one anchor's files can be handed over on their own.
PARTITIONS: dict[str, tuple[str, ...]] = {
    "spend_line": ("anchor_id", "fiscal_year"),
    "rejected_row": ("anchor_id",),
}

STAGING = "_staging"
_ROW_BITS = 33
_LIST_LENGTH = re.compile(
    r'Cannot resolve "length\((\w+)\)".*type "ARRAY'
)  # monotonically_increasing_id(): partition id above bit 33, row within below


def java_available() -> bool:
    home = os.environ.get("JAVA_HOME")
    if home and (Path(home) / "bin" / "java").exists():
        return True
    return shutil.which("java") is not None


def spark_session(conf: Mapping[str, str] | None = None) -> tuple[SparkSession, bool]:
    """The running session (spark-submit, a notebook, a test fixture) or a new one from ``conf``.

    Returns the session and whether this call created it (then :meth:`SparkEngine.close` stops
    it). ``SPARK_MASTER`` in the environment wins over the workspace's ``spark.master``.
    """
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise SparkError(
            "Spark is not installed. Install it with: pip install 'anchorkit[spark]' "
            "(or choose the DuckDB engine: --engine duckdb)."
        ) from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        return active, False
    if not java_available():
        raise SparkError(
            "Java not found: Spark needs it. Install openjdk-17-jre-headless "
            "(apt-get install openjdk-17-jre-headless) or set JAVA_HOME."
        )
    # Python functions (strip_accents) run in worker processes: the same Python as this one
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    settings = dict(conf or {})
    master = os.environ.get("SPARK_MASTER") or settings.pop("spark.master", "local[2]")
    settings.pop("spark.master", None)
    builder = SparkSession.builder.appName("anchorkit").master(master)
    for key, value in base_conf().items():
        builder = builder.config(key, value)
    for key, value in settings.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    # Spark's warnings (a Parquet folder Splink wrote with no rows, ...) are not a user's business
    session.sparkContext.setLogLevel(os.environ.get("ANCHORKIT_SPARK_LOG_LEVEL", "ERROR"))
    return session, True


def spark_conf(settings: Mapping[str, Any] | Any) -> dict[str, str]:
    """Spark settings from the workspace's ``spark.*`` settings (see docs/settings.md)."""
    conf = {
        "spark.master": str(settings["spark.master"]),
        "spark.driver.memory": str(settings["spark.driver_memory"]),
        "spark.sql.shuffle.partitions": str(settings["spark.shuffle_partitions"]),
    }
    for item in settings["spark.conf"]:
        key, sep, value = str(item).partition("=")
        if not sep:
            raise SparkError(f'Setting spark.conf: {item!r} is not "key=value".')
        conf[key.strip()] = value.strip()
    return conf


def similarity_jar() -> str | None:
    """Splink's Java string-similarity functions (jaro_winkler_similarity…), if Splink has it."""
    try:
        from splink.backends.spark import similarity_jar_location
    except ImportError:
        return None
    return str(similarity_jar_location())


def base_conf() -> dict[str, str]:
    """Spark settings anchorkit relies on, whatever the cluster; each one says why."""
    jar = similarity_jar()
    return {
        # Splink's similarity functions, used by resolution's SQL and by Splink on Spark
        **({"spark.jars": jar} if jar else {}),
        # dates and timestamps are wall-clock values in the files: never shift them by a zone
        "spark.sql.session.timeZone": "UTC",
        # no progress bars or web UI: anchorkit is a command-line tool and a test suite
        "spark.ui.showConsoleProgress": "false",
        "spark.ui.enabled": "false",
        # the analytics divide and cast like DuckDB does: errors on overflow, NULL never invented
        "spark.sql.ansi.enabled": "true",
        # Python functions get plain rows: Arrow batches would need pandas, not a dependency
        "spark.sql.execution.pythonUDF.arrow.enabled": "false",
    }


@dataclass
class _Pending:
    """A stored table's writes not yet committed: a new whole content and/or appended rows."""

    replacement: Path | None = None
    appends: list[Path] = field(default_factory=list)


class SparkEngine(Engine):
    name = "spark"

    def __init__(
        self,
        warehouse: Path,
        *,
        conf: Mapping[str, str] | None = None,
        session: SparkSession | None = None,
    ) -> None:
        if session is not None:
            self.spark, self._owns_session = session, False
        else:
            # Spark's own catalog folder (anchorkit does not use it): not the current folder
            own = {"spark.sql.warehouse.dir": str(Path(warehouse).resolve() / STAGING / "catalog")}
            self.spark, self._owns_session = spark_session({**own, **(conf or {})})
        self.warehouse = Path(warehouse).resolve()
        (self.warehouse / STAGING).mkdir(parents=True, exist_ok=True)
        self._tables: dict[str, dialect.TableDef] = {}
        self._temp: set[str] = set()
        self._pending: dict[str, _Pending] = {}
        self._in_transaction = False
        self._csv = 0
        self._register_functions()
        # PySpark logs every failed query before raising it; anchorkit retries some (see _sql)
        # and turns the others into its own errors, so the log would only repeat them
        for name in ("SQLQueryContextLogger", "DataFrameQueryContextLogger"):
            logging.getLogger(name).setLevel(logging.CRITICAL)

    def _register_functions(self) -> None:
        """DuckDB built-ins the analytics use that Spark lacks."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import StringType

        register_similarity(self.spark)
        self.spark.udf.register(
            # plain rows, not Arrow batches: pandas is not a dependency of anchorkit
            "strip_accents",
            # a closure, so that workers need only Python, not anchorkit, to run it
            F.udf(_strip_accents_udf(), StringType(), useArrow=False),
        )

    # -- the Engine primitives ----------------------------------------------------------------
    def _execute(
        self, sql: str, params: Sequence[Any] | None, *, fetch: bool
    ) -> list[tuple[Any, ...]] | None:
        statements = dialect.parse(dialect.inline_params(sql, params))
        rows: list[tuple[Any, ...]] | None = None
        for statement in statements:
            rows = self._statement(statement, fetch=fetch)
        return rows if fetch else None

    def query_arrow(self, step: str, sql: str, params: Sequence[Any] | None = None) -> pa.Table:
        self.log_step(step, sql)
        table: pa.Table = self.select(sql, params).toArrow()
        return table

    def select(self, sql: str, params: Sequence[Any] | None = None) -> DataFrame:
        """One SELECT in DuckDB's dialect as a Spark DataFrame (transpiled, not yet run)."""
        (statement,) = dialect.parse(dialect.inline_params(sql, params))
        return self._sql(dialect.to_spark(statement))

    def splink_source(self, step: str, sql: str) -> SplinkSource:
        """The name groups stay on the cluster: Splink's Spark backend links them there."""
        from anchorkit.engine.splink import SparkSource

        self.log_step(step, sql)
        return SparkSource(self, self.select(sql))

    def register(self, name: str, table: pa.Table) -> None:
        self.spark.createDataFrame(table).createOrReplaceTempView(name)
        self._temp.add(name)

    def unregister(self, name: str) -> None:
        self.spark.catalog.dropTempView(name)
        self._temp.discard(name)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        if self._in_transaction:
            yield
            return
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        else:
            self._commit()
        finally:
            self._in_transaction = False

    def csv_scan_sql(self, path: str, *, delimiter: str, quote: str, columns: Sequence[str]) -> str:
        """A temporary view over Spark's CSV reader, one extra column catching over-long rows."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import StringType, StructField, StructType

        extra = "__anchorkit_extra"
        schema = StructType([StructField(c, StringType()) for c in [*columns, extra]])
        df = (
            self.spark.read.schema(schema)
            .option("sep", delimiter)
            .option("quote", quote)
            .option("escape", quote)
            .option("multiLine", "true")
            .option("mode", "PERMISSIVE")
            .csv(path)
        )
        checked = df.select(
            *[F.col(c) for c in columns],
            F.when(F.col(extra).isNull(), F.lit(True))
            .otherwise(F.raise_error(F.lit(f"{path}: a row has more than {len(columns)} fields")))
            .alias("__anchorkit_ok"),
        ).drop("__anchorkit_ok")
        self._csv += 1
        name = f"__anchorkit_csv_{self._csv}"
        checked.createOrReplaceTempView(name)
        self._temp.add(name)
        return name

    def close(self) -> None:
        for name in list(self._temp):
            self.spark.catalog.dropTempView(name)
        for name in self._tables:
            self.spark.catalog.dropTempView(name)
        if self._owns_session:
            self.spark.stop()

    # -- statements --------------------------------------------------------------------------
    def _sql(self, text: str) -> DataFrame:
        """Run Spark SQL; DuckDB's ``len`` of a list becomes ``size`` once Spark says it is one.

        (Which ``length(x)`` is a list's is only known from the types, which Spark knows.)
        """
        from pyspark.errors import AnalysisException, PySparkException

        for _ in range(20):
            try:
                return self.spark.sql(text)
            except AnalysisException as exc:
                found = _LIST_LENGTH.search(str(exc))
                call = re.compile(rf"\bLENGTH\(((?:\w+\.)?{found.group(1)})\)" if found else "$^")
                if not call.search(text):
                    raise self._translate(exc) from exc
                text = call.sub(r"SIZE(\1)", text)
            except PySparkException as exc:
                raise self._translate(exc) from exc
        return self.spark.sql(text)

    def _translate(self, exc: Exception) -> Exception:
        if "OutOfMemoryError" in str(exc):
            return EngineError(
                "Spark ran out of memory. Raise spark.driver_memory (or the executors' "
                "memory on a cluster) in anchorkit.toml."
            )
        return exc

    def _by_name(self, statement: exp.Expression) -> exp.Expression:
        """``UNION [ALL] BY NAME`` as a plain UNION: each side's columns come from Spark."""
        for union in list(statement.find_all(exp.Union)):
            if not union.args.get("by_name"):
                continue
            cte = union.find_ancestor(exp.CTE)
            before: list[exp.Expression] = []
            if cte is not None and isinstance(cte.parent, exp.With):
                ctes = cte.parent.expressions
                before = [c.copy() for c in ctes[: ctes.index(cte)]]
            sides = [union.this, union.expression]
            columns = []
            for side in sides:
                probe = exp.select("*").from_(side.copy().subquery("__side"))
                if before:
                    probe.set("with_", exp.With(expressions=before))
                columns.append(self._sql(dialect.to_spark(probe)).columns)
            names = list(dict.fromkeys([*columns[0], *columns[1]]))
            for side, have in zip(sides, columns, strict=True):
                picked = [exp.column(n) if n in have else exp.alias_(exp.null(), n) for n in names]
                side.replace(exp.select(*picked).from_(side.copy().subquery("__side")))
            union.set("by_name", None)
        return statement

    def _statement(self, statement: exp.Expression, *, fetch: bool) -> list[tuple[Any, ...]] | None:
        statement = self._by_name(statement)
        if isinstance(statement, exp.Set | exp.Transaction | exp.Commit | exp.Rollback):
            return None  # DuckDB pragmas; transactions go through transaction()
        if isinstance(statement, exp.Create):
            self._create(statement)
        elif isinstance(statement, exp.Insert):
            self._insert(statement)
        elif isinstance(statement, exp.Update):
            self._replace(
                statement.this.name,
                dialect.select_for_update(statement, self._columns(statement.this.name)),
            )
        elif isinstance(statement, exp.Delete):
            self._replace(statement.this.name, dialect.select_for_delete(statement))
        elif isinstance(statement, exp.Drop):
            self._drop(statement)
        elif isinstance(statement, exp.Alter):
            self._alter(statement)
        else:
            df = self._sql(dialect.to_spark(statement))
            if fetch:
                return [tuple(row) for row in df.collect()]
        return [] if fetch else None

    def _columns(self, name: str) -> list[str]:
        if name in self._tables:
            return self._tables[name].names
        return list(self.spark.table(name).columns)

    def _create(self, create: exp.Create) -> None:
        kind = create.args.get("kind")
        properties = create.args.get("properties")
        temporary = properties is not None and any(
            isinstance(p, exp.TemporaryProperty) for p in properties.expressions
        )
        if kind == "TABLE" and create.expression is None and not temporary:
            self._create_stored(dialect.table_def(create))
        elif kind == "TABLE":
            name = dialect.target_name(create.this)
            self._temp_table(name, self._sql(dialect.to_spark(create.expression)))
        else:  # views: always temporary here, like the analytics' own
            create = create.copy()
            create.set("properties", exp.Properties(expressions=[exp.TemporaryProperty()]))
            self._sql(dialect.to_spark(create))
            self._temp.add(dialect.target_name(create.this))

    def _temp_table(self, name: str, df: DataFrame, *, renumber: bool = True) -> None:
        """Materialise ``df`` (so later reads see these rows, not a re-run) with DuckDB's rowid."""
        from pyspark.sql import functions as F

        if "rowid" in df.columns and not renumber:  # an UPDATE keeps every row's place
            df.localCheckpoint().createOrReplaceTempView(name)
            self._temp.add(name)
            return
        if "rowid" in df.columns:
            df = df.drop("rowid")
        marked = df.withColumn("__mid", F.monotonically_increasing_id()).localCheckpoint()
        counts: dict[int, int] = dict(
            marked.groupBy(F.shiftright("__mid", _ROW_BITS).alias("p")).count().collect()
        )
        offsets, total = {}, 0
        for part in sorted(counts):
            offsets[part], total = total, total + counts[part]
        part_of = F.shiftright("__mid", _ROW_BITS)
        offset = F.lit(0)
        for part, start in offsets.items():
            offset = F.when(part_of == part, F.lit(start)).otherwise(offset)
        within = F.col("__mid").bitwiseAND(F.lit((1 << _ROW_BITS) - 1))
        result = marked.withColumn("rowid", (offset + within).cast("bigint")).drop("__mid")
        result.createOrReplaceTempView(name)
        self._temp.add(name)

    def _drop(self, drop: exp.Drop) -> None:
        for table in drop.expressions:
            name = table.name
            if name in self._tables:
                raise EngineError(f"anchorkit never drops the stored table {name}.")
            found = self.spark.catalog.dropTempView(name)
            self._temp.discard(name)
            if not found and not drop.args.get("exists"):
                raise EngineError(f"There is no table or view called {name}.")

    def _alter(self, alter: exp.Alter) -> None:
        name = alter.this.name
        for action in alter.args.get("actions") or []:
            if isinstance(action, exp.AlterRename):
                df = self.spark.table(name)
                df.createOrReplaceTempView(action.this.name)
                self.spark.catalog.dropTempView(name)
                self._temp.discard(name)
                self._temp.add(action.this.name)
            elif isinstance(action, exp.ColumnDef):
                table = self._tables[name]
                if action.name in table.names:
                    continue
                table.columns.append(dialect.column_def(action, table))
                self._refresh(name)
            else:
                raise EngineError(f"The Spark engine cannot run: {alter.sql('duckdb')}")

    # -- stored tables -----------------------------------------------------------------------
    def _path(self, name: str) -> Path:
        return self.warehouse / name

    def _create_stored(self, table: dialect.TableDef) -> None:
        known = self._tables.get(table.name)
        if known is not None:
            return
        self._tables[table.name] = table
        path = self._path(table.name)
        path.mkdir(parents=True, exist_ok=True)  # an empty folder is an empty table
        self._refresh(table.name)

    def _schema(self, table: dialect.TableDef) -> Any:
        from pyspark.sql.types import StructType, _parse_datatype_string

        fields = ", ".join(f"`{c}`: {t}" for c, t in table.columns)
        schema = _parse_datatype_string(f"struct<{fields}>")
        assert isinstance(schema, StructType)
        return schema

    def _read(self, name: str, path: Path) -> DataFrame:
        """The folder's rows as the declared columns (partition columns back in their place;
        a column the files predate reads as NULL, as after ALTER TABLE ADD COLUMN)."""
        table = self._tables[name]
        return self.spark.read.schema(self._schema(table)).parquet(str(path)).select(*table.names)

    def _refresh(self, name: str) -> None:
        """Point the table's view at its committed folder plus any staged writes."""
        pending = self._pending.get(name, _Pending())
        df = self._read(name, pending.replacement or self._path(name))
        for extra in pending.appends:
            df = df.unionByName(self._read(name, extra))
        df.createOrReplaceTempView(name)

    def _conform(self, name: str, df: DataFrame, columns: Sequence[str] | None) -> DataFrame:
        """Rows of ``df`` as the table's columns: named or positional, defaults, Spark types."""
        from pyspark.sql import functions as F
        from pyspark.sql.types import ArrayType, MapType, StringType, StructType

        table = self._tables[name]
        for hidden in ("rowid", "_row_number"):  # a temporary table's rowid; DISTINCT ON's
            if hidden in df.columns and hidden not in (columns or table.names):
                df = df.drop(hidden)
        given = list(columns) if columns is not None else table.names[: len(df.columns)]
        df = df.toDF(*[f"_c{i}" for i in range(len(df.columns))])  # SELECT NULL, NULL: unique
        source = dict(zip(given, df.columns, strict=True))
        picked = []
        for column, kind in table.columns:
            if column in source:
                value = F.col(f"`{source[column]}`")
                field_type = df.schema[source[column]].dataType
                if kind == "STRING" and isinstance(field_type, StructType | MapType):
                    value = F.to_json(value)
                elif (
                    kind == "STRING"
                    and isinstance(field_type, ArrayType)
                    and not isinstance(field_type.elementType, StringType)
                ):
                    value = F.to_json(value)
            elif column in table.defaults:
                value = F.expr(table.defaults[column])
            else:
                value = F.lit(None)
            picked.append(value.cast(kind).alias(column))
        return df.select(*picked)

    def _insert(self, insert: exp.Insert) -> None:
        name = dialect.target_name(insert.this)
        select, columns = dialect.insert_source(insert)
        rows = self._sql(select)
        if name not in self._tables:  # a temporary table: rebuild it with the rows added
            current = self.spark.table(name)
            keep = [c for c in current.columns if c != "rowid"]
            rows = rows.toDF(*(columns or keep[: len(rows.columns)]))
            self._temp_table(
                name, current.select(*keep).unionByName(rows, allowMissingColumns=True)
            )
            return
        new = self._conform(name, rows, columns)
        if insert.args.get("alternative") == "REPLACE":
            key = self._tables[name].key
            new = new.localCheckpoint()
            old = self.spark.table(name).join(new.select(*key), on=key, how="left_anti")
            self._stage_replacement(name, old.unionByName(new))
        else:
            self._stage_append(name, new)

    def _replace(self, name: str, select: str) -> None:
        df = self._sql(select)
        if name in self._tables:
            self._stage_replacement(name, self._conform(name, df, df.columns))
        else:
            self._temp_table(name, df, renumber=False)

    def _staging_path(self, name: str) -> Path:
        return self.warehouse / STAGING / f"{name}-{uuid.uuid4().hex}"

    def _write(self, name: str, df: DataFrame, path: Path, *, mode: str) -> None:
        writer = df.write.mode(mode)
        partitions = PARTITIONS.get(name, ())
        if partitions:
            writer = writer.partitionBy(*partitions)
        writer.parquet(str(path))

    def _stage_append(self, name: str, df: DataFrame) -> None:
        path = self._staging_path(name)
        self._write(name, df, path, mode="errorifexists")
        self._pending.setdefault(name, _Pending()).appends.append(path)
        self._staged(name)

    def _stage_replacement(self, name: str, df: DataFrame) -> None:
        path = self._staging_path(name)
        self._write(name, df, path, mode="errorifexists")
        pending = self._pending.setdefault(name, _Pending())
        for old in [pending.replacement, *pending.appends]:
            if old is not None:
                shutil.rmtree(old, ignore_errors=True)
        pending.replacement, pending.appends = path, []
        self._staged(name)

    def _staged(self, name: str) -> None:
        """Show the staged write to this connection; outside a transaction it commits at once."""
        self._refresh(name)
        if not self._in_transaction:
            self._commit()

    def _commit(self) -> None:
        for name, pending in self._pending.items():
            live = self._path(name)
            if pending.replacement is not None:
                old = self.warehouse / STAGING / f"{name}-old-{uuid.uuid4().hex}"
                live.rename(old)
                pending.replacement.rename(live)
                shutil.rmtree(old, ignore_errors=True)
            for staged in pending.appends:
                _move_files(staged, live)
                shutil.rmtree(staged, ignore_errors=True)
        self._settle()

    def _rollback(self) -> None:
        for pending in self._pending.values():
            for path in [pending.replacement, *pending.appends]:
                if path is not None:
                    shutil.rmtree(path, ignore_errors=True)
        self._settle()

    def _settle(self) -> None:
        """Nothing is pending any more: every touched table's view back on its live folder."""
        names = list(self._pending)
        self._pending.clear()
        for name in names:
            self._refresh(name)


def _move_files(source: Path, target: Path) -> None:
    """Move a staged write's data files into the live folder, keeping partition folders."""
    for path in source.rglob("*"):
        if path.is_dir() or path.name.startswith((".", "_")):
            continue
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        path.rename(destination)


#: Names under which Jaro-Winkler similarity is called on Spark: the one sqlglot writes for
#: DuckDB's ``jaro_winkler_similarity`` (Spark's own function of that name, a built-in that no
#: registration can replace, gives other values again) and the one Splink's Spark dialect writes.
JARO_WINKLER_NAMES = ("jarowinkler_similarity", "jaro_winkler")


def register_similarity(spark: SparkSession) -> None:
    """Jaro-Winkler as DuckDB computes it, under every name it is called by.

    Why not Splink's jar: its Jaro-Winkler (Apache Commons Text's) gives other values for long
    names than DuckDB's (RapidFuzz's): 0.9598 against 0.9631 for "canadian corps cof
    commissionaires" / "canadian corps commissionaires", which crosses the 0.96 name rule and
    would make the engines resolve different suppliers. RapidFuzz's is DuckDB's, to the last bit
    (tests/spark/test_linkage.py). Call again after Splink registers its jar's functions.
    """
    from pyspark.sql import functions as F
    from pyspark.sql.types import DoubleType

    similarity = F.udf(_jaro_winkler_udf(), DoubleType(), useArrow=False)
    for name in JARO_WINKLER_NAMES:
        spark.udf.register(name, similarity)


def _jaro_winkler_udf() -> Any:
    from rapidfuzz.distance import JaroWinkler

    def jaro_winkler(a, b):  # type: ignore[no-untyped-def]  # untyped: as strip_accents below
        if a is None or b is None:
            return None
        if not a and not b:
            return 0.0  # DuckDB's answer for two empty strings (RapidFuzz says 1.0)
        return JaroWinkler.similarity(a, b)

    return jaro_winkler


def _strip_accents_udf() -> Any:
    """DuckDB's strip_accents: decompose, drop the combining marks, compose again."""

    def strip_accents(text):  # type: ignore[no-untyped-def]  # untyped: pyspark infers no UDF kind
        import unicodedata

        if text is None:
            return None
        decomposed = unicodedata.normalize("NFD", text)
        kept = "".join(c for c in decomposed if not unicodedata.combining(c))
        return unicodedata.normalize("NFC", kept)

    return strip_accents

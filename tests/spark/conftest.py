"""One local Spark for the whole session (starting one costs ~10 s), reset between tests.

Java is required: under CI (CI=true) a missing Java or pyspark is a failure, never a skip, since
`.ci/run` installs openjdk-17-jre-headless and the dev extra installs pyspark.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from anchorkit.engine.spark import base_conf, java_available

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what}: CI must run the Spark tests (.ci/run installs Java)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        _missing("pyspark is not installed (pip install -e '.[dev]')")
    if not java_available():
        _missing("Java not found: install openjdk-17-jre-headless")
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)  # workers: this venv's Python
    builder = SparkSession.builder.master("local[2]").appName("anchorkit-tests")
    for key, value in base_conf().items():
        builder = builder.config(key, value)
    session = (
        # the demo network is a few thousand rows: two partitions per shuffle, not 200
        builder.config("spark.sql.shuffle.partitions", "2")
        # hundreds of tiny queries: adaptive planning costs more than it saves on them
        .config("spark.sql.adaptive.enabled", "false")
        # the date-parsing CASE is too big to compile (64 KB): interpret it without trying
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.driver.memory", "1g")
        # Spark's own catalog folder (unused by anchorkit): not in the current folder
        .config("spark.sql.warehouse.dir", str(tmp_path_factory.mktemp("spark-catalog")))
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture
def spark_env(spark: SparkSession, monkeypatch: pytest.MonkeyPatch) -> SparkSession:
    """Workspaces opened in the test use the Spark engine (on the session's Spark)."""
    monkeypatch.setenv("ANCHORKIT_ENGINE", "spark")
    spark.catalog.clearCache()
    return spark

"""Shared fixtures: a fresh workspace per test (on DuckDB, or on each engine), the demo networks,
and one local Spark session.

Java is required for Spark: under CI (CI=true) a missing Java or pyspark is a failure, never a
skip, since `.ci/run` installs openjdk-17-jre-headless and the dev extra installs pyspark.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from anchorkit.workspace import Workspace

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from tests.web.conftest import Site

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``make test``: two workers, ``--dist loadgroup``), tests that share an
    expensive session fixture run on one worker, so it is built once: every Spark test shares one
    Spark session (~2 GB, ~15 s to start), the full demo's users share its build."""
    for item in items:
        if item.get_closest_marker("spark"):
            item.add_marker(pytest.mark.xdist_group("spark"))
        elif "full_demo" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("full_demo"))


def pytest_report_header() -> list[str]:
    import pyarrow
    import python_calamine

    return [
        f"duckdb {duckdb.__version__}, pyarrow {pyarrow.__version__}, "
        f"python-calamine {getattr(python_calamine, '__version__', '?')}",
        f"shared data: {SHARED_DATA} ({'present' if SHARED_DATA.exists() else 'MISSING'})",
    ]


def _new_ws(tmp_path: Path, engine: str = "duckdb") -> Iterator[Workspace]:
    workspace = Workspace.init(
        tmp_path / "ws",
        settings={"currency": "GBP", "local.postcode_prefixes": ["PR", "BB5"]},
    )
    assert workspace.engine.name == engine
    workspace.add_anchor("Test Hospital", "hospital")
    try:
        yield workspace
    finally:
        workspace.close()


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    yield from _new_ws(tmp_path)


# --- engines: the core promises are tested on DuckDB and on Spark ------------------------------------
#: Parametrise a test (or fixture) with this to run it on both engines; the Spark variant carries
#: the ``spark`` marker (``-m "not spark"`` skips it) and shares one local[2] session.
ENGINES = ["duckdb", pytest.param("spark", marks=pytest.mark.spark)]


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """The engine of the workspaces this test creates (``ANCHORKIT_ENGINE``, set for Spark)."""
    if request.param == "spark":
        request.getfixturevalue("spark_env")
    return str(request.param)


@pytest.fixture
def engine_ws(engine: str, tmp_path: Path) -> Iterator[Workspace]:
    """The ``ws`` workspace, on each engine in turn."""
    yield from _new_ws(tmp_path, engine)


def _missing(what: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{what}: CI must run the Spark tests (.ci/run installs Java)")
    pytest.skip(what)


@pytest.fixture(scope="session")
def spark(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SparkSession]:
    try:
        from pyspark.sql import SparkSession

        from anchorkit.engine.spark import base_conf, java_available
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


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_DATA} is missing: CI must run beside ../shared")
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


# --- the full demo network: every anchor, every file layout -------------------------------------------


@pytest.fixture(scope="session")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All 17 demo anchors (every file layout and spelling habit), built once through the CLI.

    Shared by the ingest and resolution checks of the demo: read it, or copy it to change it.
    """
    from typer.testing import CliRunner

    from anchorkit.cli import app

    root = tmp_path_factory.mktemp("fulldemo") / "net"
    result = CliRunner().invoke(app, ["demo", str(root), "--lines", "8000", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "lines loaded" in result.output
    # what `anchorkit demo` printed (a line per step): tests/test_demo_ingest.py reads it
    (root.parent / "demo-output.txt").write_text(result.output, encoding="utf-8")
    return root


# --- the demo network of the web, report and portal tests ------------------------------------------
# Defined here, once, so that every folder shares one session demo (each conftest that defined
# or imported it would build its own).


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.web.conftest import _build

    root = tmp_path_factory.mktemp("webdemo") / "net"
    _build(root)
    return root


@pytest.fixture(scope="session")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site") / "net"
    shutil.copytree(demo_template, root)
    from tests.web.conftest import _site

    yield from _site(root)


@pytest.fixture
def fresh_site(demo_template: Path, tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    from tests.web.conftest import _site

    yield from _site(root)

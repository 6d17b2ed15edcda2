"""Splink's Spark backend scores the same pairs as Splink on DuckDB, with a trained model.

The demo parity test has too few name groups for the model to train (below
``TRAIN_MIN_GROUPS`` the starting values are the model); here real Government of Canada vendor
names (thousands of groups) make both engines estimate the prior and the u values, so this test
shows the training is the same on both, not only the scoring.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa
import pytest

from anchorkit.engine.spark import SparkEngine
from anchorkit.engine.splink import SparkSource
from anchorkit.resolve.dedupe import group_records
from anchorkit.resolve.evidence import weigh
from anchorkit.resolve.link import TRAIN_MIN_GROUPS, check_blocking, score_pairs

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

pytestmark = pytest.mark.spark

DATA = Path(os.environ.get("ANCHORKIT_SHARED_DATA", Path(__file__).parents[3] / "shared" / "data"))
PAIRS = DATA / "ca-goc-contracts-vendors" / "vendor_normalization_pairs.csv"


@pytest.fixture(scope="module")
def groups() -> pa.Table:
    with PAIRS.open(newline="", encoding="utf-8") as f:
        names = sorted({n for row in csv.reader(f) for n in row[:2]} - {"parent_company"})
    table = pa.table({"id": [str(i) for i in range(len(names))], "name": names})
    with duckdb.connect() as con:
        found = group_records(con, table, id_column="id", name_column="name")
    assert found.num_rows >= 4 * TRAIN_MIN_GROUPS  # enough for the model to train
    return found


def _pairs(table: pa.Table) -> dict[tuple[str, str], tuple[float, bool]]:
    return {
        (a, b): (p, rule)
        for a, b, p, rule in zip(*(table.column(i).to_pylist() for i in range(4)), strict=True)
    }


def _parameters(model: dict[str, Any]) -> list[Any]:
    """The trained numbers (the SQL conditions are written in each engine's dialect)."""
    levels = [
        (level["label_for_charts"], level.get("m_probability"), level.get("u_probability"))
        for comparison in model["comparisons"]
        for level in comparison["comparison_levels"]
    ]
    return [model["probability_two_random_records_match"], *levels]


def test_spark_trains_and_scores_like_duckdb(
    spark: SparkSession, groups: pa.Table, tmp_path: Path
) -> None:
    on_duckdb = score_pairs(groups)
    engine = SparkEngine(tmp_path / "warehouse")  # on the session's Spark
    with SparkSource(engine, spark.createDataFrame(groups)) as source:
        assert check_blocking(source) == check_blocking(groups)
        on_spark = score_pairs(source)
        assert sorted(source.ids()) == sorted(groups.column("group_id").to_pylist())
        spark_groups = source.table()
    # the session outlives a source: the next resolution on it registers its tables again
    with SparkSource(engine, spark.createDataFrame(groups)) as again:
        assert check_blocking(again) == check_blocking(groups)
    assert on_spark.model["sql_dialect"] == "spark"
    assert on_duckdb.model["sql_dialect"] == "duckdb"
    assert _parameters(on_spark.model) == _parameters(on_duckdb.model)
    duck, spark_pairs = _pairs(on_duckdb.pairs), _pairs(on_spark.pairs)
    assert len(duck) > 1000
    assert spark_pairs.keys() == duck.keys()
    for pair, (p, rule) in duck.items():
        assert spark_pairs[pair][0] == pytest.approx(p, abs=1e-9), pair
        assert spark_pairs[pair][1] == rule, pair
    assert not list((tmp_path / "warehouse" / "_staging" / "splink").glob("*/*")), (
        "Splink's checkpoints are cleared"
    )
    # what follows Splink (the name model, identifiers, clustering) runs on the driver on what
    # each engine hands back: the same suppliers, for the same reasons
    assert spark_groups.column("group_id").to_pylist() == groups.column("group_id").to_pylist()
    duck_outcome = weigh(groups, on_duckdb.pairs)
    spark_outcome = weigh(spark_groups, on_spark.pairs)
    assert spark_outcome.root == duck_outcome.root
    assert spark_outcome.reason == duck_outcome.reason
    assert spark_outcome.review == duck_outcome.review
    assert len(set(duck_outcome.root.values())) < len(duck_outcome.root)

"""``anchorkit dedupe``: cluster any list of names, as a standalone tool and as the yardstick.

An analyst with a vendor master file (or a registry, or a list of awards) gets every row back
with a ``cluster_id`` and ``match_probability``, from the same normalisation and the same Splink
model that ``anchorkit resolve`` uses — which is why the quality benchmark runs through here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv

from anchorkit.errors import ResolveError
from anchorkit.resolve.evidence import weigh
from anchorkit.resolve.link import (
    DEFAULT_THRESHOLDS,
    Thresholds,
    groups_sql,
    records_sql,
    score_pairs,
)
from anchorkit.resolve.names import NameModel
from anchorkit.resolve.normalise import normalise_sql

POSTCODE_HINTS = ("postcode", "post_code", "postal", "zip")


@dataclass
class Clusters:
    """Cluster and best in-cluster probability for each input id."""

    cluster_of: dict[str, str]
    probability_of: dict[str, float | None]
    reason_of: dict[str, str]
    group_of: dict[str, str]  # the row's name group (same name key, postcode and extras)


def group_records(
    con: duckdb.DuckDBPyConnection,
    table: pa.Table,
    *,
    id_column: str,
    name_column: str,
    postcode_column: str | None = None,
    extra_columns: Sequence[str] = (),
) -> pa.Table:
    """Load ``table`` into ``records`` on ``con``; return its name groups, as resolve links them.

    Rows with the same name key, postcode and extra columns are one group before any model runs.
    """
    con.register("input", table)
    postcode = f'"{postcode_column}"' if postcode_column else "NULL::VARCHAR"
    extras = "".join(f', "{c}"::VARCHAR AS "{c}"' for c in extra_columns)
    source = (
        f'SELECT "{id_column}"::VARCHAR AS row_id, "{name_column}"::VARCHAR AS raw_name, '
        f"{postcode}::VARCHAR AS raw_postcode {extras} FROM input"
    )
    con.execute(
        "CREATE TABLE records AS " + records_sql(source, "raw_name", "raw_postcode", normalise_sql)
    )
    group_key = " || '|' || ".join(
        ["coalesce(name_key, row_id)", "coalesce(postcode, '')"]
        + [f"coalesce(\"{c}\", '')" for c in extra_columns]
    )
    con.execute("ALTER TABLE records ADD COLUMN group_id VARCHAR")
    con.execute(f"UPDATE records SET group_id = md5({group_key})")
    extra_select = "".join(f', any_value("{c}") AS "{c}"' for c in extra_columns)
    return con.sql(groups_sql("records", extra_select) + " ORDER BY group_id").to_arrow_table()


def cluster_names(
    table: pa.Table,
    *,
    id_column: str,
    name_column: str,
    postcode_column: str | None = None,
    extra_columns: Sequence[str] = (),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    model: NameModel | None = None,
) -> Clusters:
    """Cluster the rows of an Arrow table by supplier name (and postcode / extra columns)."""
    con = duckdb.connect()
    groups = group_records(
        con,
        table,
        id_column=id_column,
        name_column=name_column,
        postcode_column=postcode_column,
        extra_columns=extra_columns,
    )
    rows = con.sql("SELECT row_id, group_id FROM records").fetchall()
    con.close()
    group_size: dict[str, int] = defaultdict(int)
    for _row, group in rows:
        group_size[group] += 1
    if groups.num_rows > 1:
        pairs = score_pairs(groups, thresholds, extra_columns).pairs
    else:
        pairs = pa.table(
            {
                "group_id_l": pa.array([], pa.string()),
                "group_id_r": pa.array([], pa.string()),
                "match_probability": pa.array([], pa.float64()),
                "name_rule": pa.array([], pa.bool_()),
            }
        )
    agree = (
        [
            "\x1f".join(str(v) for v in row)
            for row in zip(*(groups.column(c).to_pylist() for c in extra_columns), strict=True)
        ]
        if extra_columns
        else None
    )
    outcome = weigh(groups, pairs, thresholds, model=model, agree=agree)
    best = {
        g: (p if p is not None else (1.0 if group_size[g] > 1 else None))
        for g, (_why, p) in outcome.reason.items()
    }
    return Clusters(
        cluster_of={row: outcome.root[group][:12] for row, group in rows},
        probability_of={row: best[group] for row, group in rows},
        reason_of={row: outcome.reason[group][0] for row, group in rows},
        group_of=dict(rows),
    )


def dedupe_file(
    input_path: Path,
    *,
    column: str,
    out: Path,
    id_column: str | None = None,
    extra_columns: Sequence[str] = (),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
) -> dict[str, int]:
    """Write ``out``: every input row plus ``cluster_id``, ``match_probability`` and
    ``merged_by`` (what put the row in its cluster)."""
    try:
        table = pacsv.read_csv(
            input_path,
            convert_options=pacsv.ConvertOptions(strings_can_be_null=True),
            read_options=pacsv.ReadOptions(block_size=1 << 24),
        )
    except (OSError, pa.ArrowInvalid) as exc:
        raise ResolveError(f"{input_path.name}: cannot be read as CSV ({exc}).") from exc
    table = table.cast(pa.schema([pa.field(f.name, pa.string()) for f in table.schema]))
    missing = [c for c in (column, id_column, *extra_columns) if c and c not in table.column_names]
    if missing:
        raise ResolveError(
            f"{input_path.name} has no column {missing[0]!r}; its columns are: "
            f"{', '.join(table.column_names)}."
        )
    if id_column is None:
        id_column = "__row"
        table = table.append_column(id_column, pa.array([str(i) for i in range(table.num_rows)]))
    postcode = next((c for c in extra_columns if any(h in c.lower() for h in POSTCODE_HINTS)), None)
    others = [c for c in extra_columns if c != postcode]
    clusters = cluster_names(
        table,
        id_column=id_column,
        name_column=column,
        postcode_column=postcode,
        extra_columns=others,
        thresholds=thresholds,
    )
    ids = table.column(id_column).to_pylist()
    result = table.append_column("cluster_id", pa.array([clusters.cluster_of[i] for i in ids]))
    result = result.append_column(
        "match_probability", pa.array([clusters.probability_of[i] for i in ids], pa.float64())
    )
    result = result.append_column("merged_by", pa.array([clusters.reason_of[i] for i in ids]))
    if id_column == "__row":
        result = result.drop_columns(["__row"])
    pacsv.write_csv(result, out)
    return {
        "rows": table.num_rows,
        "clusters": len(set(clusters.cluster_of.values())),
    }

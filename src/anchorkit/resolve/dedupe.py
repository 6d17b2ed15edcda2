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
from anchorkit.resolve.link import (
    DEFAULT_THRESHOLDS,
    Thresholds,
    connected_components,
    records_sql,
    score_pairs,
)
from anchorkit.resolve.normalise import normalise_sql

POSTCODE_HINTS = ("postcode", "post_code", "postal", "zip")


@dataclass
class Clusters:
    """Cluster and best in-cluster probability for each input id."""

    cluster_of: dict[str, str]
    probability_of: dict[str, float | None]


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
    return con.sql(
        f"""
        SELECT group_id, min(name_key) AS name_key, min(trade_key) AS trade_key,
            min(numbered_key) AS numbered_key, min(postcode) AS postcode,
            min(postcode_area) AS postcode_area, min(name_prefix) AS name_prefix,
            min(name_first) AS name_first, min(name_second) AS name_second,
            min(name_last) AS name_last {extra_select}
        FROM records GROUP BY group_id ORDER BY group_id
        """
    ).to_arrow_table()


def cluster_names(
    table: pa.Table,
    *,
    id_column: str,
    name_column: str,
    postcode_column: str | None = None,
    extra_columns: Sequence[str] = (),
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
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
    group_size: dict[str, int] = defaultdict(int)
    for _row, group in rows:
        group_size[group] += 1
    best: dict[str, float] = {g: 1.0 for g, n in group_size.items() if n > 1}
    edges: list[tuple[str, str]] = []
    if groups.num_rows > 1:
        scored = score_pairs(groups, thresholds, extra_columns)
        for a, b, p, rule in zip(
            scored.pairs.column("group_id_l").to_pylist(),
            scored.pairs.column("group_id_r").to_pylist(),
            scored.pairs.column("match_probability").to_pylist(),
            scored.pairs.column("name_rule").to_pylist(),
            strict=True,
        ):
            if p >= thresholds.match or rule:
                edges.append((a, b))
                best[a] = max(best.get(a, 0.0), p)
                best[b] = max(best.get(b, 0.0), p)
    components = connected_components(groups.column("group_id").to_pylist(), edges)
    con.close()
    return Clusters(
        cluster_of={row: components[group][:12] for row, group in rows},
        probability_of={row: best.get(group) for row, group in rows},
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
    """Write ``out``: every input row plus ``cluster_id`` and ``match_probability``."""
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
    if id_column == "__row":
        result = result.drop_columns(["__row"])
    pacsv.write_csv(result, out)
    return {
        "rows": table.num_rows,
        "clusters": len(set(clusters.cluster_of.values())),
    }

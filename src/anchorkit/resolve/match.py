"""Which known supplier is this organisation? — asked of resolution, without re-resolving.

An anchor invests in organisations it may also buy from (the same co-op, the same social
enterprise), and those are already suppliers, with their tags and places. :func:`match_suppliers`
answers for a list of names (with a registry id and a postcode where known) against the records
resolution has linked (``supplier_alias``: every anchor's spelling and every registry entry), by
the same rules in the same order:

1. a registry id equal to a registry entry's (``CA-BN 123456789`` = ``123456789``);
2. the same normalised name (:func:`anchorkit.resolve.normalise.normalise_sql`) and no
   conflicting postcode;
3. the Splink model of :func:`anchorkit.resolve.link.score_pairs` over the names and the known
   records sharing a blocking key with them, at ``resolve.match_threshold`` (or the name rule
   when a postcode is missing).

Nothing is written here, and nothing a person decided is changed: the caller keeps the answer.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from anchorkit.resolve.link import BLOCKING_RULES, Thresholds, records_sql, score_pairs
from anchorkit.resolve.normalise import normalise_sql
from anchorkit.resolve.run import COMPACT_ID
from anchorkit.workspace import Workspace

ASKED = "__anchorkit__match_asked"
KEYED = "__anchorkit__match_keyed"
KNOWN = "__anchorkit__match_known"


@dataclass(frozen=True)
class Match:
    supplier_id: str
    probability: float | None
    how: str  # registry_id, name_key or model


def match_suppliers(
    ws: Workspace, names: Sequence[tuple[str, str, str | None, str | None]]
) -> dict[str, Match]:
    """``names``: (row id, name, registry id or None, postcode or None). Returns row id → the
    supplier it is, for the rows that match one."""
    engine = ws.engine
    (known,) = engine.query_one("count_aliases", "SELECT count(*) FROM supplier_alias")
    if not names or not known:
        return {}
    asked = pa.table(
        {
            "row_id": pa.array([n[0] for n in names], pa.string()),
            "raw_name": pa.array([n[1] for n in names], pa.string()),
            "ref": pa.array([n[2] for n in names], pa.string()),
            "raw_postcode": pa.array([n[3] for n in names], pa.string()),
        }
    )
    engine.register(ASKED, asked)
    try:
        found = _by_registry_id(ws)
        engine.run(
            "match_known_keys",
            f"CREATE OR REPLACE TEMP TABLE {KNOWN} AS {_aliases()}",
        )
        engine.run(
            "match_keys",
            f"""
            CREATE OR REPLACE TEMP TABLE {KEYED} AS
            SELECT 'asked:' || row_id AS group_id, *
            FROM ({records_sql(f"SELECT * FROM {ASKED}", "raw_name", "raw_postcode", normalise_sql)})
            """,
        )
        for row_id, supplier_id in engine.query(
            "match_name_keys",
            f"""
            SELECT k.row_id, min(a.supplier_id)
            FROM {KEYED} k JOIN {KNOWN} a ON a.name_key = k.name_key
            WHERE k.postcode IS NULL OR a.postcode IS NULL OR k.postcode = a.postcode
            GROUP BY k.row_id HAVING count(DISTINCT a.supplier_id) = 1
            """,
        ):
            found.setdefault(str(row_id), Match(str(supplier_id), 1.0, "name_key"))
        rest = [n[0] for n in names if n[0] not in found]
        if rest:
            for row_id, match in _by_model(ws, rest).items():
                found.setdefault(row_id, match)
        return found
    finally:
        engine.run("drop_match_keys", f"DROP TABLE IF EXISTS {KEYED}")
        engine.run("drop_match_known", f"DROP TABLE IF EXISTS {KNOWN}")
        engine.unregister(ASKED)


def _aliases() -> str:
    """Every known record's keys (as resolution computes them), with its supplier."""
    return records_sql(
        "SELECT supplier_id, raw_name, postcode AS raw_postcode FROM supplier_alias",
        "raw_name",
        "raw_postcode",
        normalise_sql,
    )


def _by_registry_id(ws: Workspace) -> dict[str, Match]:
    rows = ws.engine.query(
        "match_registry_ids",
        f"""
        SELECT q.row_id, min(a.supplier_id) FROM {ASKED} q JOIN supplier_alias a
          ON {COMPACT_ID.format(col="q.ref")} = {COMPACT_ID.format(col="a.supplier_ref")}
        WHERE a.registry IS NOT NULL AND q.ref IS NOT NULL AND length(trim(q.ref)) >= 4
        GROUP BY q.row_id HAVING count(DISTINCT a.supplier_id) = 1
        """,
    )
    return {str(r): Match(str(s), 1.0, "registry_id") for r, s in rows}


def _by_model(ws: Workspace, rest: Sequence[str]) -> dict[str, Match]:
    """Score the remaining names against the known name groups they share a blocking key with."""
    engine = ws.engine
    ids = ", ".join("'" + r.replace("'", "''") + "'" for r in rest)
    near = " OR ".join(rule.replace("l.", "k.").replace("r.", "a.") for rule in BLOCKING_RULES)
    columns = (
        "group_id, name_key, trade_key, numbered_key, postcode, postcode_area, name_prefix, "
        "name_first, name_second, name_last"
    )
    table = engine.query_arrow(
        "match_candidates",
        f"""
        SELECT {columns}, NULL::VARCHAR AS supplier_id FROM {KEYED} WHERE row_id IN ({ids})
        UNION ALL
        SELECT DISTINCT 'known:' || md5(a.supplier_id || '|' || coalesce(a.name_key, '') || '|'
                || coalesce(a.postcode, '')) AS group_id,
            a.name_key, a.trade_key, a.numbered_key, a.postcode, a.postcode_area, a.name_prefix,
            a.name_first, a.name_second, a.name_last, a.supplier_id
        FROM {KNOWN} a JOIN {KEYED} k ON ({near}) WHERE k.row_id IN ({ids})
        """,
    )
    if table.num_rows <= len(rest):  # nothing known is near any of them
        return {}
    supplier_of = dict(
        zip(
            table.column("group_id").to_pylist(),
            table.column("supplier_id").to_pylist(),
            strict=True,
        )
    )
    thresholds = Thresholds(
        match=float(ws.settings["resolve.match_threshold"]),
        review=float(ws.settings["resolve.review_threshold"]),
    )
    scored = score_pairs(table.drop_columns(["supplier_id"]), thresholds)
    best: dict[str, Match] = {}
    for left, right, p, rule in zip(
        scored.pairs.column("group_id_l").to_pylist(),
        scored.pairs.column("group_id_r").to_pylist(),
        scored.pairs.column("match_probability").to_pylist(),
        scored.pairs.column("name_rule").to_pylist(),
        strict=True,
    ):
        asked, other = (left, right) if left.startswith("asked:") else (right, left)
        if not asked.startswith("asked:") or other.startswith("asked:"):
            continue
        if p < thresholds.match and not rule:
            continue
        row_id = asked.removeprefix("asked:")
        if row_id not in best or (best[row_id].probability or 0) < p:
            best[row_id] = Match(str(supplier_of[other]), round(float(p), 6), "model")
    return best

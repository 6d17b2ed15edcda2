"""``anchorkit resolve``: every spend line to a supplier, stable across re-runs.

Follow a line through the named steps: ``resolve_records`` groups spend lines into records (one
anchor's spelling of a supplier, with its vendor id and postcode) and adds registry entries;
:func:`anchorkit.resolve.link.score_pairs` scores blocked pairs with Splink; edges above the match
threshold, plus people's "match" decisions, minus their "non-match" decisions, are clustered;
each cluster keeps the supplier id most of its records had before (so ids survive re-runs);
``assign_spend_lines`` writes ``spend_line.supplier_id``; registry tags follow their records.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from anchorkit.engine.splink import SplinkSource
from anchorkit.errors import ResolveError
from anchorkit.place.network import place_suppliers
from anchorkit.resolve.link import (
    Thresholds,
    check_blocking,
    connected_components,
    pair_key,
    records_sql,
    score_pairs,
)
from anchorkit.resolve.normalise import normalise_sql
from anchorkit.workspace import Workspace

RECORDS = "__anchorkit__resolve_records"


def record_id_sql(source: str, name: str, ref: str, postcode: str) -> str:
    """The identity of a record: the same (source, name, vendor id, postcode) is the same record."""
    return (
        f"md5(concat_ws('|', {source}, upper(trim({name})), coalesce(trim({ref}), ''), "
        f"upper(regexp_replace(coalesce({postcode}, ''), '[^A-Za-z0-9]', '', 'g'))))"
    )


SPEND_RECORD_ID = record_id_sql(
    "'anchor:' || s.anchor_id", "s.supplier_name", "s.supplier_ref", "s.supplier_postcode"
)


# Identifiers that settle a match before any model: one anchor's vendor id names one vendor
# record (its spellings are one supplier), and a registry id (a company or business number) found
# as a spend record's vendor id, with a similar name, is that registry entry.
COMPACT_ID = (
    "regexp_replace(upper(regexp_replace({col}, '[^A-Za-z0-9]', '', 'g')), "
    "'^(GBCOH|GBCHC|CABN|CACRA|USEIN)', '')"
)
SAME_ID_EDGES = (
    """
    SELECT min(group_id) OVER (PARTITION BY source, supplier_ref), group_id FROM {records}
    WHERE supplier_ref IS NOT NULL AND registry IS NULL
    QUALIFY min(group_id) OVER (PARTITION BY source, supplier_ref) <> group_id
    UNION ALL
    SELECT DISTINCT s.group_id, g.group_id FROM {records} s JOIN {records} g
      ON """
    + COMPACT_ID.format(col="s.supplier_ref")
    + " = "
    + COMPACT_ID.format(col="g.supplier_ref")
    + """
    WHERE s.registry IS NULL AND g.registry IS NOT NULL AND s.group_id <> g.group_id
      AND length(s.supplier_ref) >= 6 AND regexp_matches(s.supplier_ref, '[0-9]')
      AND (s.name_first = g.name_first OR jaro_winkler_similarity(s.name_key, g.name_key) >= 0.8)
    """
)


@dataclass
class ResolveResult:
    records: int = 0
    suppliers: int = 0
    new_suppliers: int = 0
    kept_supplier_ids: int = 0
    pairs_scored: int = 0
    edges: int = 0
    review_items: int = 0
    decisions_applied: int = 0
    lines_assigned: int = 0
    suppliers_placed: int = 0
    model_path: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def build_records(ws: Workspace) -> SplinkSource:
    """Spend and registry records (kept in the store's temp table); returns their name groups.

    A group is every record with the same name key and postcode: identical spellings are one
    supplier before any model runs, and the model compares groups. The groups stay on the
    engine (see :mod:`anchorkit.engine.splink`); close the source when done.
    """
    engine = ws.engine
    engine.run(
        "resolve_records",
        f"""
        CREATE OR REPLACE TEMP TABLE {RECORDS} AS
        WITH spend AS (
            SELECT {SPEND_RECORD_ID} AS record_id, 'anchor:' || s.anchor_id AS source,
                   any_value(s.anchor_id) AS anchor_id, NULL::VARCHAR AS registry,
                   mode(trim(s.supplier_name)) AS raw_name, any_value(trim(s.supplier_ref)) AS supplier_ref,
                   mode(s.supplier_postcode) AS raw_postcode, count(*) AS lines
            FROM spend_line s GROUP BY ALL
        ), registry AS (
            SELECT {record_id_sql("'registry:' || registry", "name", "entry_id", "postcode")} AS record_id,
                   'registry:' || registry AS source, NULL::INTEGER AS anchor_id, registry,
                   name AS raw_name, entry_id AS supplier_ref, postcode AS raw_postcode, 0 AS lines
            FROM registry_entry
        ), records AS (SELECT * FROM spend UNION ALL BY NAME SELECT * FROM registry)
        SELECT *, md5(coalesce(name_key, record_id) || '|' || coalesce(postcode, '')) AS group_id
        FROM ({records_sql("SELECT * FROM records", "raw_name", "raw_postcode", normalise_sql)})
        """,
    )
    return ws.engine.splink_source(
        "groups_for_linkage",
        f"""
        SELECT group_id, min(name_key) AS name_key, min(trade_key) AS trade_key,
            min(numbered_key) AS numbered_key, min(postcode) AS postcode,
            min(postcode_area) AS postcode_area, min(name_prefix) AS name_prefix,
            min(name_first) AS name_first, min(name_second) AS name_second,
            min(name_last) AS name_last
        FROM {RECORDS} GROUP BY group_id
        """,
    )


def _guard_blocking(ws: Workspace, groups: SplinkSource, result: ResolveResult) -> None:
    """Count the pairs the blocking rules would create before creating them (Splink's analysis).

    A loose rule on a big network can ask for billions of comparisons and exhaust memory; better
    to stop with the numbers than to crash half-way.
    """
    sample = 1.0 if groups.rows <= 50_000 else 0.05
    counts = check_blocking(groups, sample=sample)
    total = counts[-1]["cumulative"] if counts else 0
    limit = int(ws.settings["resolve.max_comparisons"])
    result.notes.append(
        f"blocking creates {total:,} comparisons"
        + (" (estimated from a 5 % sample)" if sample < 1 else "")
        + f" for {groups.rows:,} name groups"
    )
    if total > limit:
        worst = max(counts, key=lambda c: c["marginal"])
        raise ResolveError(
            f"Resolution would compare {total:,} pairs of supplier names, above the limit of "
            f"{limit:,} (setting resolve.max_comparisons); the rule adding most is "
            f"{worst['rule']!r} ({worst['marginal']:,}). Raise the limit only with memory to spare."
        )


def _decisions(ws: Workspace) -> dict[str, str]:
    """The latest decision on each pair: a person's word is final until they change it."""
    rows = ws.engine.query(
        "review_decisions",
        "SELECT pair_key, arg_max(decision, decided_at) FROM review_decision GROUP BY pair_key",
    )
    return dict(rows)


def resolve(ws: Workspace, *, models_dir: Path | None = None) -> ResolveResult:
    """Resolve every spend line (and registry entry) to a supplier id."""
    result = ResolveResult()
    thresholds = Thresholds(
        match=float(ws.settings["resolve.match_threshold"]),
        review=float(ws.settings["resolve.review_threshold"]),
    )
    with build_records(ws) as groups:
        (result.records,) = ws.engine.query_one("count_records", f"SELECT count(*) FROM {RECORDS}")
        if groups.rows == 0:
            result.notes.append("nothing to resolve: no spend lines or registry entries yet")
            return result
        _guard_blocking(ws, groups, result)
        scored = score_pairs(groups, thresholds)
        group_ids = groups.ids()
    result.pairs_scored = scored.pairs.num_rows
    decisions = _decisions(ws)
    left = scored.pairs.column("group_id_l").to_pylist()
    right = scored.pairs.column("group_id_r").to_pylist()
    prob = scored.pairs.column("match_probability").to_pylist()
    by_rule = scored.pairs.column("name_rule").to_pylist()
    edges: list[tuple[str, str]] = []
    maybe: list[tuple[str, str, float]] = []
    for a, b, p, rule in zip(left, right, prob, by_rule, strict=True):
        decision = decisions.get(pair_key(a, b))
        if decision == "non_match":
            continue
        if p >= thresholds.match or rule or decision == "match":
            edges.append((a, b))
        else:
            maybe.append((a, b, p))
    edges.extend((a, b) for a, b in (k.split("|", 1) for k, d in decisions.items() if d == "match"))
    edges.extend(ws.engine.query("same_id_edges", SAME_ID_EDGES.format(records=RECORDS)))
    result.decisions_applied = len(decisions)
    result.edges = len(edges)
    components = connected_components(group_ids, edges)
    # between the thresholds and still apart: a person should look
    review = [
        (a, b, p)
        for a, b, p in maybe
        if components[a] != components[b] and pair_key(a, b) not in decisions
    ]
    result.review_items = len(review)
    _assign_ids(ws, components, result)
    _write_review_items(ws, review)
    result.model_path = str(_save_model(ws, scored.model, models_dir))
    # placement follows resolution: a supplier is where its best evidence says
    result.suppliers_placed = place_suppliers(ws)
    return result


def _assign_ids(ws: Workspace, components: dict[str, str], result: ResolveResult) -> None:
    engine = ws.engine
    previous = dict(
        engine.query("previous_aliases", "SELECT record_id, supplier_id FROM supplier_alias")
    )
    record_group = engine.query(
        "record_groups", f"SELECT record_id, group_id, lines + 1 FROM {RECORDS}"
    )
    weight = {r: w for r, _g, w in record_group}
    members: dict[str, list[str]] = defaultdict(list)
    for record, group, _w in record_group:
        members[components[group]].append(record)
    # each cluster claims the old id most of its weight had; bigger clusters claim first
    claims: list[tuple[int, str, list[tuple[str, int]]]] = []
    for root, recs in members.items():
        tally: Counter[str] = Counter()
        for r in recs:
            if r in previous:
                tally[previous[r]] += weight.get(r, 1)
        total = sum(weight.get(r, 1) for r in recs)
        claims.append((total, root, tally.most_common()))
    claims.sort(key=lambda c: (-c[0], c[1]))
    taken: set[str] = set()
    numbers = [int(s[1:]) for s in set(previous.values()) if s[1:].isdigit()]
    next_number = max(numbers, default=0) + 1
    supplier_of: dict[str, str] = {}
    for _total, root, votes in claims:
        chosen = next((sid for sid, _ in votes if sid not in taken), None)
        if chosen is None:
            chosen = f"S{next_number:06d}"
            next_number += 1
            result.new_suppliers += 1
        else:
            result.kept_supplier_ids += 1
        taken.add(chosen)
        supplier_of[root] = chosen
    mapping = pa.table(
        {
            "record_id": [r for r, _g, _w in record_group],
            "supplier_id": [supplier_of[components[g]] for _r, g, _w in record_group],
        }
    )
    engine.register("__anchorkit__record_supplier", mapping)
    try:
        with engine.transaction():
            engine.run("clear_aliases", "DELETE FROM supplier_alias")
            engine.run(
                "write_aliases",
                f"""
                INSERT INTO supplier_alias (record_id, group_id, anchor_id, registry, raw_name,
                    supplier_ref, postcode, supplier_id, match_probability, decided_by)
                SELECT r.record_id, r.group_id, r.anchor_id, r.registry, r.raw_name, r.supplier_ref,
                       r.postcode,
                       m.supplier_id, NULL, 'model'
                FROM {RECORDS} r JOIN __anchorkit__record_supplier m USING (record_id)
                """,
            )
            engine.run("clear_suppliers", "DELETE FROM supplier")
            engine.run(
                "write_suppliers",
                f"""
                INSERT INTO supplier (supplier_id, name, name_key, registry_ids, postcode)
                SELECT m.supplier_id,
                       arg_max(r.raw_name, r.lines + CASE WHEN r.registry IS NULL THEN 0 ELSE 0.5 END),
                       arg_max(r.name_key, r.lines),
                       CASE WHEN count(r.registry) > 0 THEN to_json(map(
                           list(r.registry) FILTER (WHERE r.registry IS NOT NULL),
                           list(r.supplier_ref) FILTER (WHERE r.registry IS NOT NULL))) END,
                       mode(r.postcode)
                FROM {RECORDS} r JOIN __anchorkit__record_supplier m USING (record_id)
                GROUP BY m.supplier_id
                """,
            )
            engine.run(
                "assign_spend_lines",
                f"""
                UPDATE spend_line AS s SET supplier_id = a.supplier_id
                FROM supplier_alias a WHERE a.record_id = {SPEND_RECORD_ID}
                """,
            )
            engine.run(
                "registry_tags",
                """
                DELETE FROM supplier_tag WHERE source IN (SELECT DISTINCT registry FROM registry_entry);
                INSERT INTO supplier_tag (supplier_id, tag, source, registry_id, valid_from, valid_to)
                SELECT DISTINCT a.supplier_id, unnest(e.tags), e.registry, e.entry_id,
                       e.certified_on, e.expires_on
                FROM registry_entry e JOIN supplier_alias a
                  ON a.registry = e.registry AND a.supplier_ref = e.entry_id
                """,
            )
    finally:
        engine.unregister("__anchorkit__record_supplier")
    (result.suppliers,) = engine.query_one("count_suppliers", "SELECT count(*) FROM supplier")
    (result.lines_assigned,) = engine.query_one(
        "count_assigned", "SELECT count(*) FROM spend_line WHERE supplier_id IS NOT NULL"
    )


def _write_review_items(ws: Workspace, review: list[tuple[str, str, float]]) -> None:
    rows = ws.engine.query(
        "review_groups",
        f"""
        SELECT group_id, arg_max(raw_name, lines), any_value(postcode), sum(lines),
               list(DISTINCT source ORDER BY source)
        FROM {RECORDS} GROUP BY group_id
        """,
    )
    by_id = {
        r[0]: {
            "group_id": r[0],
            "name": r[1],
            "postcode": r[2],
            "lines": int(r[3]),
            "sources": list(r[4]),
        }
        for r in rows
    }
    table = pa.table(
        {
            "pair_key": [pair_key(a, b) for a, b, _ in review],
            "left_record": [json.dumps(by_id[min(a, b)]) for a, b, _ in review],
            "right_record": [json.dumps(by_id[max(a, b)]) for a, b, _ in review],
            "match_probability": [float(p) for _, _, p in review],
        }
    )
    ws.engine.register("__anchorkit__review_new", table)
    try:
        with ws.engine.transaction():
            ws.engine.run("clear_review", "DELETE FROM review_item")
            ws.engine.run(
                "write_review",
                "INSERT INTO review_item (pair_key, left_record, right_record, match_probability) "
                "SELECT DISTINCT ON (pair_key) * FROM __anchorkit__review_new",
            )
    finally:
        ws.engine.unregister("__anchorkit__review_new")


def _save_model(ws: Workspace, model: dict[str, Any], models_dir: Path | None) -> Path:
    """Each run's trained model is kept as JSON, so any clustering can be explained later."""
    folder = models_dir or ws.root / "models"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"resolve-{stamp}.json"
    text = json.dumps(model, indent=2, default=str)
    path.write_text(text, encoding="utf-8")
    (folder / "resolve-latest.json").write_text(text, encoding="utf-8")
    return path

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
from anchorkit.resolve.evidence import MAX_ID_GROUPS, IdPair, Outcome, weigh
from anchorkit.resolve.link import (
    Thresholds,
    check_blocking,
    groups_sql,
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


# Identifiers: one anchor's vendor id names one vendor record (its spellings are one supplier),
# and a registry id (a company or business number) found as a spend record's vendor id is that
# registry entry. Both are strong evidence but never the only evidence: evidence.weigh merges them
# only when the names agree enough. A vendor id written by more than MAX_ID_GROUPS different names
# in one anchor (a row counter, a "misc" code) is not an identifier and is not used at all.
COMPACT_ID = (
    "regexp_replace(upper(regexp_replace({col}, '[^A-Za-z0-9]', '', 'g')), "
    "'^(GBCOH|GBCHC|CABN|CACRA|USEIN)', '')"
)
SAME_ID_PAIRS = (
    """
    WITH ids AS (
        SELECT DISTINCT source, anchor_id, supplier_ref, group_id FROM {records}
        WHERE supplier_ref IS NOT NULL AND registry IS NULL
    ), sized AS (
        SELECT *, count(*) OVER (PARTITION BY source, supplier_ref) AS used_by FROM ids
    )
    SELECT a.group_id, b.group_id, 'vendor id ' || a.supplier_ref || ' at ' || an.name, false
    FROM sized a JOIN sized b ON a.source = b.source AND a.supplier_ref = b.supplier_ref
        AND a.group_id < b.group_id
    JOIN anchor an ON an.anchor_id = a.anchor_id
    WHERE a.used_by <= {max_groups}
    UNION ALL
    SELECT DISTINCT s.group_id, g.group_id, g.registry || ' id ' || g.supplier_ref, true
    FROM {records} s JOIN {records} g
      ON """
    + COMPACT_ID.format(col="s.supplier_ref")
    + " = "
    + COMPACT_ID.format(col="g.supplier_ref")
    + """
    WHERE s.registry IS NULL AND g.registry IS NOT NULL AND s.group_id <> g.group_id
      AND length(s.supplier_ref) >= 6 AND regexp_matches(s.supplier_ref, '[0-9]')
    ORDER BY 1, 2, 3
    """
)
CROWDED_IDS = """
    SELECT count(*) FROM (
        SELECT source, supplier_ref FROM {records}
        WHERE supplier_ref IS NOT NULL AND registry IS NULL
        GROUP BY ALL HAVING count(DISTINCT group_id) > {max_groups}
    )
"""


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
    return ws.engine.splink_source("groups_for_linkage", groups_sql(RECORDS))


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


def _decisions(ws: Workspace) -> dict[tuple[str, str], tuple[str, str]]:
    """The latest decision on each pair: a person's word is final until they change it."""
    rows = ws.engine.query(
        "review_decisions",
        "SELECT pair_key, arg_max(decision, decided_at), arg_max(decided_by, decided_at) "
        "FROM review_decision GROUP BY pair_key",
    )
    out: dict[tuple[str, str], tuple[str, str]] = {}
    for key, decision, by in rows:
        a, _, b = str(key).partition("|")
        out[(a, b) if a <= b else (b, a)] = (str(decision), str(by))
    return out


def _identifiers(ws: Workspace, result: ResolveResult) -> list[IdPair]:
    crowded = ws.engine.query_one(
        "crowded_ids", CROWDED_IDS.format(records=RECORDS, max_groups=MAX_ID_GROUPS)
    )[0]
    if crowded:
        result.notes.append(
            f"{crowded:,} vendor ids are each written with more than {MAX_ID_GROUPS} different "
            "names within one anchor: not used as identifiers (a row counter or a catch-all code?)"
        )
    rows = ws.engine.query(
        "same_id_pairs", SAME_ID_PAIRS.format(records=RECORDS, max_groups=MAX_ID_GROUPS)
    )
    return [IdPair(str(a), str(b), str(what), bool(reg)) for a, b, what, reg in rows]


def _registry_entries(ws: Workspace) -> dict[str, dict[str, frozenset[str]]]:
    """Group -> registry -> its entry ids: a registry lists each business once, so two of its
    entries are never merged into one supplier (unless a person says so)."""
    rows = ws.engine.query(
        "registry_entries",
        f"SELECT group_id, registry, list(DISTINCT supplier_ref) FROM {RECORDS} "
        "WHERE registry IS NOT NULL GROUP BY ALL",
    )
    out: dict[str, dict[str, frozenset[str]]] = {}
    for group, registry, refs in rows:
        out.setdefault(str(group), {})[str(registry)] = frozenset(str(r) for r in refs)
    return out


def resolve(ws: Workspace, *, models_dir: Path | None = None) -> ResolveResult:
    """Resolve every spend line (and registry entry) to a supplier id."""
    result = ResolveResult()
    thresholds = Thresholds(
        match=float(ws.settings["resolve.match_threshold"]),
        review=float(ws.settings["resolve.review_threshold"]),
        linkage=float(ws.settings["resolve.cluster_linkage"]),
        identifier=float(ws.settings["resolve.identifier_name_score"]),
    )
    with build_records(ws) as groups:
        (result.records,) = ws.engine.query_one("count_records", f"SELECT count(*) FROM {RECORDS}")
        if groups.rows == 0:
            result.notes.append("nothing to resolve: no spend lines or registry entries yet")
            return result
        _guard_blocking(ws, groups, result)
        scored = score_pairs(groups, thresholds)
        table = groups.table()
    result.pairs_scored = scored.pairs.num_rows
    decisions = _decisions(ws)
    outcome = weigh(
        table,
        scored.pairs,
        thresholds,
        ids=_identifiers(ws, result),
        decisions=decisions,
        exclusive=_registry_entries(ws),
        max_pairs=int(ws.settings["resolve.max_comparisons"]),
    )
    result.pairs_scored += outcome.name_pairs
    result.notes.append(
        f"{outcome.name_pairs:,} pairs of names without a postcode compared by the name model"
    )
    result.notes.extend(outcome.notes)
    result.decisions_applied = len(decisions)
    result.edges = sum(1 for why, _p in outcome.reason.values() if why != "name key")
    result.review_items = len(outcome.review)
    _assign_ids(ws, outcome, result)
    _write_review_items(ws, outcome.review)
    result.model_path = str(_save_model(ws, scored.model, models_dir))
    # placement follows resolution: a supplier is where its best evidence says
    result.suppliers_placed = place_suppliers(ws)
    return result


def _assign_ids(ws: Workspace, outcome: Outcome, result: ResolveResult) -> None:
    engine = ws.engine
    components = outcome.root
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
            "match_probability": pa.array(
                [outcome.reason[g][1] for _r, g, _w in record_group], pa.float64()
            ),
            "decided_by": [outcome.reason[g][0] for _r, g, _w in record_group],
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
                       m.supplier_id, m.match_probability, m.decided_by
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
                       any_value(e.registry_ids),
                       mode(r.postcode)
                FROM {RECORDS} r JOIN __anchorkit__record_supplier m USING (record_id)
                LEFT JOIN (
                    SELECT supplier_id, to_json(map(list(registry), list(entry_id))) AS registry_ids
                    FROM (
                        SELECT m2.supplier_id, r2.registry, min(r2.supplier_ref) AS entry_id
                        FROM {RECORDS} r2 JOIN __anchorkit__record_supplier m2 USING (record_id)
                        WHERE r2.registry IS NOT NULL GROUP BY ALL
                    ) GROUP BY supplier_id
                ) e ON e.supplier_id = m.supplier_id
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


def _write_review_items(ws: Workspace, review: list[tuple[str, str, float, str]]) -> None:
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
    unique: dict[str, tuple[str, str, float, str]] = {}
    # two registry entries alone are not a question about spend: a registry lists each once
    review = [r for r in review if by_id[r[0]]["lines"] or by_id[r[1]]["lines"]]
    for a, b, p, why in sorted(review, key=lambda r: (pair_key(r[0], r[1]), not r[3])):
        unique.setdefault(pair_key(a, b), (a, b, p, why))  # an explained one first
    review = list(unique.values())
    table = pa.table(
        {
            "pair_key": [pair_key(a, b) for a, b, _, _ in review],
            "left_record": [json.dumps(by_id[min(a, b)]) for a, b, _, _ in review],
            "right_record": [json.dumps(by_id[max(a, b)]) for a, b, _, _ in review],
            "match_probability": pa.array([float(p) for _, _, p, _ in review], pa.float64()),
            "reason": pa.array([why or None for _, _, _, why in review], pa.string()),
        }
    )
    ws.engine.register("__anchorkit__review_new", table)
    try:
        with ws.engine.transaction():
            ws.engine.run("clear_review", "DELETE FROM review_item")
            ws.engine.run(
                "write_review",
                "INSERT INTO review_item "
                "(pair_key, left_record, right_record, match_probability, reason) "
                "SELECT pair_key, left_record, right_record, match_probability, reason "
                "FROM __anchorkit__review_new",
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

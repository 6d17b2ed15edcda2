"""Resolution benchmark: quality against three ground truths, and time and memory at 100k and 1M.

    python bench/resolution.py [--only goc,er,demo,scale] [--sizes 100000,1000000]
                               [--demo-lines 250000] [--demo-seed 42]
                               [--out bench/results/resolution.json]

Issue 4, point 5. Every measurement runs in a fresh subprocess, so peak memory is its own and a
patch applied for one measurement cannot leak into another. Written to the JSON file:

1. ``goc_vendor_pairs``: every name in ca-goc-contracts-vendors/vendor_normalization_pairs.csv
   (both columns) clustered with :func:`anchorkit.resolve.dedupe.cluster_names`; truth is the
   parent company. Pairwise precision / recall / F1, the same for the baseline "normalised names
   are equal", the recall ratio, what share of the missed pairs no string comparison can find
   (acquisitions and renames; the rule is written into the JSON), and the recall ceiling the
   blocking rules allow. ``goc_vendor_pairs_in_haystack`` repeats it with the 110k distinct GoC
   vendor names added as unlabelled distractors (scores still count labelled names only).
2. ``er_company_name_pairs``: for each of the 127 labelled pairs, "same cluster" against the label.
3. ``demo_network``: ``anchorkit demo`` (build + ingest), then ``anchorkit resolve``; pairwise
   scores over resolved records against the demo's ground truth, and the resolve step's time.
4. ``scale``: N generated supplier records (real GoC vendor names plus demo-style names, spelt by
   the demo anchors' habits, at real Canadian postcodes, several records per true supplier)
   clustered by ``cluster_names``: seconds, peak RSS, and Splink's blocking analysis at each size.
   A watchdog stops a child whose resident memory passes ``--memory-guard-gb``.

If the shipped model raises, the error is recorded and the measurement is repeated with the
``em-restore`` workaround (see :func:`_em_restore_workaround`), labelled as such in the JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
WORK = HERE / "work"
DATA = Path(os.environ.get("ANCHORKIT_SHARED_DATA", ROOT.parent / "shared" / "data"))
GOC = DATA / "ca-goc-contracts-vendors"
GOC_PAIRS = GOC / "vendor_normalization_pairs.csv"
GOC_ALL = GOC / "all_vendor_names_normalized_2022-07-09.csv"
ER_PAIRS = DATA / "er-company-name-pairs" / "company_name_pairs_labelled.csv"
POSTCODES = DATA / "ca-postal-codes" / "ca_postal_codes_full.parquet"
ANCHORKIT = Path(sys.executable).parent / "anchorkit"

# A missed pair "no string can find": the two name keys share no distinctive token (tokens match
# when their Jaro-Winkler similarity is >= TOKEN_JW; a token is generic when it is shorter than two
# characters or appears in >= GENERIC_DF of the 110k GoC vendor names), the whole keys have
# Jaro-Winkler < KEY_JW, and neither key is the initials of the other.
TOKEN_JW = 0.9
GENERIC_DF = 0.005
KEY_JW = 0.8
NO_STRING_RULE = (
    f"name keys share no distinctive token (tokens match when Jaro-Winkler >= {TOKEN_JW}; generic "
    f"= under 2 characters or in >= {GENERIC_DF:.1%} of the 110,309 GoC vendor names), whole-key "
    f"Jaro-Winkler < {KEY_JW}, and neither key is the initials of the other"
)


# --------------------------------------------------------------------------------------------
# Helpers shared by the children.


def _em_restore_workaround() -> None:
    """Restore Splink's comparisons when an EM training run fails.

    Splink 5's ``EMTrainingSession`` removes the comparisons a training blocking rule uses from
    the linker's own settings *before* it trains, and puts them back only when training
    succeeds. ``link.score_pairs`` catches a failed EM run ("resulted in no record pairs") and
    carries on with a model that has lost those comparisons; with both runs failing (any
    name-only list of 500+ names: no postcode, and no two groups share a name key) the model has
    no comparisons left and ``predict`` raises a SQL syntax error. This wrapper is the fix the
    bench would like to see in ``score_pairs``: save the settings before each EM run, restore them
    when it fails.
    """
    import functools

    from splink.internals.linker_components.training import LinkerTraining

    original = LinkerTraining.estimate_parameters_using_expectation_maximisation

    @functools.wraps(original)
    def safe(self: Any, *args: Any, **kwargs: Any) -> Any:
        settings = self._linker._settings_obj
        saved = settings.core_model_settings.copy()
        prior = settings._probability_two_random_records_match
        try:
            return original(self, *args, **kwargs)
        except Exception:
            settings.core_model_settings = saved
            settings._probability_two_random_records_match = prior
            raise

    LinkerTraining.estimate_parameters_using_expectation_maximisation = safe  # type: ignore[method-assign]


def _scores(predicted: dict[str, Any], truth: dict[str, Any]) -> dict[str, Any]:
    from anchorkit.resolve.quality import pairwise_scores

    s = pairwise_scores(predicted, truth)
    return {
        "precision": round(s.precision, 4),
        "recall": round(s.recall, 4),
        "f1": round(s.f1, 4),
        "predicted_pairs": s.predicted_pairs,
        "true_pairs": s.true_pairs,
        "correct_pairs": s.correct_pairs,
    }


def _model_summary(model: dict[str, Any] | None) -> dict[str, Any] | None:
    """The trained model in bits: the prior, and each level's m, u and log2(m/u).

    A pair is a match at ``match_probability >= 0.9`` when its levels' bits add up to at least
    ``bits_needed_for_0.9`` (log2(9) minus the prior's log-odds).
    """
    if not model:
        return None
    prior = float(model["probability_two_random_records_match"])
    prior_bits = math.log2(prior / (1 - prior))
    levels = {}
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            m, u = level.get("m_probability"), level.get("u_probability")
            name = f"{comparison['output_column_name']}: {level.get('label_for_charts')}"
            levels[name] = {
                "m": float(f"{m:.3g}") if m else m,
                "u": float(f"{u:.3g}") if u else u,
                "bits": round(math.log2(m / u), 2) if m and u else None,
            }
    return {
        "prior": float(f"{prior:.3g}"),
        "prior_bits": round(prior_bits, 2),
        "bits_needed_for_0.9": round(math.log2(9) - prior_bits, 2),
        "levels": levels,
    }


def _spy_on_scoring(seen: dict[str, Any]) -> None:
    """Keep the group count, scoring time, pairs and model of ``cluster_names``' one Splink run."""
    from anchorkit.resolve import dedupe

    score_pairs = dedupe.score_pairs

    def spy(groups: Any, *args: Any, **kwargs: Any) -> Any:
        seen["groups"] = groups.num_rows
        start = time.perf_counter()
        scored = score_pairs(groups, *args, **kwargs)
        seen["score_seconds"] = time.perf_counter() - start
        seen["pairs_at_or_above_review"] = scored.pairs.num_rows
        seen["model"] = scored.model
        return scored

    dedupe.score_pairs = spy  # observes only; the model is untouched


def _baseline(names: dict[str, str]) -> dict[str, str]:
    """Record id -> its normalised name (the cluster of the "names are equal" baseline)."""
    from anchorkit.resolve.normalise import normalise_name

    key: dict[str, str] = {}
    for raw in set(names.values()):
        key[raw] = normalise_name(raw).name or f"\x00{raw}"  # an empty key matches nothing
    return {rid: key[raw] for rid, raw in names.items()}


def _cluster(names: dict[str, str], postcodes: dict[str, str | None] | None = None) -> Any:
    import pyarrow as pa

    from anchorkit.resolve.dedupe import cluster_names

    ids = list(names)
    columns: dict[str, Any] = {"id": ids, "name": [names[i] for i in ids]}
    if postcodes is not None:
        columns["postcode"] = [postcodes.get(i) for i in ids]
    return cluster_names(
        pa.table(columns),
        id_column="id",
        name_column="name",
        postcode_column="postcode" if postcodes is not None else None,
    )


def _goc_truth() -> dict[str, str]:
    """Name -> its true group: connected components of the (parent_company, company_name) edges.

    A few names are both a child and a parent ("TEXTRON SYSTEMS" is a parent of six names and a
    child of "BELL TEXTRON"; two pairs point at each other), so a plain name -> parent map would
    split them; the components follow the chain to the top.
    """
    import duckdb

    from anchorkit.resolve.link import connected_components

    rows = duckdb.sql(
        f"SELECT parent_company, company_name FROM read_csv('{GOC_PAIRS}', all_varchar = true)"
    ).fetchall()
    names = sorted({n for row in rows for n in row})
    return connected_components(names, rows)


# --------------------------------------------------------------------------------------------
# 1. GoC vendor pairs.


def child_goc(*flags: str) -> dict[str, Any]:
    if "workaround" in flags:
        _em_restore_workaround()
    truth = _goc_truth()
    names = {n: n for n in truth}
    seen: dict[str, Any] = {}
    _spy_on_scoring(seen)
    start = time.perf_counter()
    clusters = _cluster(names)
    seconds = time.perf_counter() - start
    model = _scores(clusters.cluster_of, truth)
    baseline = _scores(_baseline(names), truth)
    missed = _missed_pairs(truth, clusters.cluster_of)
    return {
        "names": len(names),
        "true_groups": len(set(truth.values())),
        "cluster_seconds": round(seconds, 2),
        "model": model,
        "baseline_normalised_name_equals": baseline,
        "recall_ratio_model_to_baseline": round(model["recall"] / baseline["recall"], 2)
        if baseline["recall"]
        else None,
        "missed_pairs": missed,
        "blocking_ceiling": _blocking_ceiling(truth),
        "trained_model": _model_summary(seen.get("model")),
    }


def _key_table(names: list[str]) -> Any:
    """DuckDB connection with table ``k(name, name_key)`` and ``generic(t)``."""
    import duckdb
    import pyarrow as pa

    from anchorkit.resolve.normalise import normalise_sql

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("input_names", pa.table({"name": names}))
    con.execute(
        f"CREATE TABLE k AS SELECT name, {normalise_sql('name')} AS name_key FROM input_names"
    )
    con.execute(
        f"""
        CREATE TABLE generic AS
        WITH hay AS (SELECT DISTINCT {normalise_sql("d_vendor_name")} AS key
                     FROM read_csv('{GOC_ALL}', all_varchar = true)),
             tok AS (SELECT unnest(list_distinct(string_split(key, ' '))) AS t FROM hay)
        SELECT t FROM tok GROUP BY t
        HAVING count(*) >= {GENERIC_DF} * (SELECT count(*) FROM hay) OR length(t) < 2
        """
    )
    return con


def _missed_pairs(truth: dict[str, str], predicted: dict[str, str]) -> dict[str, Any]:
    """Classify every true pair the clustering missed: string-findable, acronym, or neither."""
    import pyarrow as pa

    names = sorted(truth)
    con = _key_table(names)
    con.register(
        "labels",
        pa.table(
            {
                "name": names,
                "truth": [truth[n] for n in names],
                "predicted": [predicted[n] for n in names],
            }
        ),
    )
    con.execute(
        """
        CREATE TABLE t AS
        SELECT l.name, l.truth, l.predicted, k.name_key,
            list_filter(list_distinct(string_split(k.name_key, ' ')),
                        lambda x: NOT list_contains(g.generic, x)) AS toks,
            array_to_string(list_transform(string_split(k.name_key, ' '), lambda x: left(x, 1)), '')
                AS initials,
            replace(k.name_key, ' ', '') AS squashed
        FROM labels l JOIN k USING (name), (SELECT list(t) AS generic FROM generic) g
        """
    )
    con.execute(
        f"""
        CREATE TABLE pairs AS
        SELECT a.name AS name_a, b.name AS name_b, a.predicted <> b.predicted AS is_missed,
            coalesce(list_bool_or(list_transform(a.toks, lambda x: coalesce(list_bool_or(
                list_transform(b.toks, lambda y: jaro_winkler_similarity(x, y) >= {TOKEN_JW})),
                false))), false) AS share_token,
            jaro_winkler_similarity(a.name_key, b.name_key) AS jw,
            (length(a.initials) >= 2 AND (list_contains(string_split(b.name_key, ' '), a.initials)
                                          OR b.squashed = a.initials))
            OR (length(b.initials) >= 2 AND (list_contains(string_split(a.name_key, ' '), b.initials)
                                             OR a.squashed = b.initials)) AS acronym
        FROM t a JOIN t b ON a.truth = b.truth AND a.name < b.name
        """
    )
    con.execute(
        f"""
        ALTER TABLE pairs ADD COLUMN no_string BOOLEAN;
        UPDATE pairs SET no_string = NOT share_token AND jw < {KEY_JW} AND NOT acronym;
        CREATE VIEW missed AS SELECT * FROM pairs WHERE is_missed
        """
    )
    ((total, token, jw_only, acronym, none),) = con.execute(
        f"""
        SELECT count(*), count(*) FILTER (WHERE share_token),
            count(*) FILTER (WHERE NOT share_token AND jw >= {KEY_JW}),
            count(*) FILTER (WHERE NOT share_token AND jw < {KEY_JW} AND acronym),
            count(*) FILTER (WHERE no_string)
        FROM missed
        """
    ).fetchall()
    # names that no string rule ties to any other name of their parent (pairs or not missed)
    ((with_partner, stranded),) = con.execute(
        """
        WITH ends AS (SELECT name_a AS name, no_string FROM pairs
                      UNION ALL SELECT name_b, no_string FROM pairs)
        SELECT count(*), count(*) FILTER (WHERE every_no_string)
        FROM (SELECT name, bool_and(no_string) AS every_no_string FROM ends GROUP BY name)
        """
    ).fetchall()
    examples = con.execute(
        """
        SELECT name_a, name_b FROM missed
        WHERE no_string ORDER BY hash(name_a || name_b) LIMIT 12
        """
    ).fetchall()
    findable = con.execute(
        """
        SELECT name_a, name_b FROM missed WHERE share_token
        ORDER BY hash(name_a || name_b) LIMIT 12
        """
    ).fetchall()
    return {
        "missed": total,
        "no_string_can_find": none,
        "no_string_can_find_share": round(none / total, 4) if total else None,
        "acronym_only": acronym,
        "whole_name_similar_only": jw_only,
        "share_a_distinctive_token": token,
        "rule": NO_STRING_RULE,
        "names_with_a_same_parent_name": with_partner,
        "names_no_string_ties_to_their_parent": stranded,
        "examples_no_string": [list(e) for e in examples],
        "examples_string_findable_missed": [list(e) for e in findable],
    }


def _blocking_ceiling(truth: dict[str, str]) -> dict[str, Any]:
    """Recall if every true pair among the blocked pairs were linked (and nothing else)."""
    import duckdb
    import pyarrow as pa

    from anchorkit.resolve.link import BLOCKING_RULES, connected_components, records_sql
    from anchorkit.resolve.normalise import normalise_sql

    names = sorted(truth)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("labels", pa.table({"row_id": names, "raw_name": names}))
    con.execute(
        "CREATE TABLE r AS "
        + records_sql(
            "SELECT *, NULL::VARCHAR AS raw_postcode FROM labels",
            "raw_name",
            "raw_postcode",
            normalise_sql,
        )
    )
    union = " UNION ".join(
        f"SELECT l.row_id AS a, r.row_id AS b FROM r l JOIN r r ON l.row_id < r.row_id AND ({rule})"
        for rule in BLOCKING_RULES
    )
    pairs = con.execute(union).fetchall()
    true_blocked = [(a, b) for a, b in pairs if truth[a] == truth[b]]
    oracle = _scores(connected_components(names, true_blocked), truth)
    return {
        "blocked_pairs": len(pairs),
        "true_pairs_among_blocked": len(true_blocked),
        "recall_if_every_blocked_true_pair_linked": oracle["recall"],
        "note": "name-only input: the postcode rules block nothing, so this is the most any "
        "model can reach with the shipped BLOCKING_RULES",
    }


def child_goc_haystack(*flags: str) -> dict[str, Any]:
    """The labelled names inside the 110k GoC vendor names: realistic negatives for precision."""
    import duckdb

    if "workaround" in flags:
        _em_restore_workaround()
    truth = _goc_truth()
    hay = [
        n
        for (n,) in duckdb.sql(
            f"SELECT DISTINCT d_vendor_name FROM read_csv('{GOC_ALL}', all_varchar = true) "
            "WHERE d_vendor_name IS NOT NULL"
        ).fetchall()
    ]
    names = {n: n for n in truth}
    names.update({f"hay:{n}": n for n in hay if n not in truth})
    start = time.perf_counter()
    clusters = _cluster(names)
    seconds = time.perf_counter() - start
    labelled = {n: clusters.cluster_of[n] for n in truth}
    base = _baseline(names)
    return {
        "names": len(names),
        "labelled_names": len(truth),
        "cluster_seconds": round(seconds, 2),
        "model": _scores(labelled, truth),
        "baseline_normalised_name_equals": _scores({n: base[n] for n in truth}, truth),
    }


# --------------------------------------------------------------------------------------------
# 2. er-company-name-pairs.


def child_er(*flags: str) -> dict[str, Any]:
    import duckdb

    if "workaround" in flags:
        _em_restore_workaround()
    rows = duckdb.sql(
        f"SELECT Name_x, Name_y, Targets::INTEGER FROM read_csv('{ER_PAIRS}', all_varchar = true)"
    ).fetchall()
    names = {n: n for row in rows for n in row[:2]}
    clusters = _cluster(names)
    base = _baseline(names)

    def judge(cluster_of: dict[str, str]) -> dict[str, Any]:
        cells: Counter[str] = Counter()
        wrong = []
        for x, y, label in rows:
            same = cluster_of[x] == cluster_of[y]
            cells[("t" if same == bool(label) else "f") + ("p" if same else "n")] += 1
            if same != bool(label):
                wrong.append([x, y, label])
        correct = cells["tp"] + cells["tn"]
        return {
            "accuracy": round(correct / len(rows), 4),
            "true_positive": cells["tp"],
            "false_positive": cells["fp"],
            "true_negative": cells["tn"],
            "false_negative": cells["fn"],
            "precision": round(cells["tp"] / (cells["tp"] + cells["fp"]), 4)
            if cells["tp"] + cells["fp"]
            else None,
            "recall": round(cells["tp"] / (cells["tp"] + cells["fn"]), 4),
            "wrong": wrong,
        }

    model = judge(clusters.cluster_of)
    baseline = judge(base)
    return {
        "pairs": len(rows),
        "positives": sum(1 for r in rows if r[2]),
        "distinct_names": len(names),
        "model": model,
        "baseline_normalised_name_equals": {k: v for k, v in baseline.items() if k != "wrong"},
    }


# --------------------------------------------------------------------------------------------
# 3. Demo network.

TRUTH_RECORDS = """
    SELECT a.record_id, a.supplier_id, mode(t.supplier_id) AS truth,
           any_value(a.raw_name) AS raw_name, any_value(a.postcode) AS postcode
    FROM read_csv(?, all_varchar = true, quote = '"', escape = '"') t
    JOIN anchor an ON an.name = t.anchor
    JOIN supplier_alias a ON a.record_id = md5(concat_ws('|', 'anchor:' || an.anchor_id,
        upper(trim(t.name_written)), coalesce(trim(t.vendor_id_written), ''),
        upper(regexp_replace(coalesce(t.postcode_written, ''), '[^A-Za-z0-9]', '', 'g'))))
    WHERE t.status = 'loaded'
    GROUP BY ALL
"""


def child_demo_truth(root: str) -> dict[str, Any]:
    """Pairwise scores of the resolved workspace against the demo's ground truth (as the test)."""
    from anchorkit.workspace import Workspace

    path = Path(root)
    with Workspace.open(path) as ws:
        rows = ws.engine.query("truth", TRUTH_RECORDS, [str(path / "truth" / "lines.csv")])
        (records,) = ws.engine.query_one("records", "SELECT count(*) FROM supplier_alias")
    predicted = {r[0]: r[1] for r in rows}
    truth = {r[0]: r[2] for r in rows}
    by_truth: dict[str, set[str]] = defaultdict(set)
    by_pred: dict[str, set[str]] = defaultdict(set)
    spelling: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for _rid, sid, true_id, raw, pc in rows:
        by_truth[true_id].add(sid)
        by_pred[sid].add(true_id)
        spelling[true_id][sid].append(f"{raw} | {pc or ''}")
    split = sorted(t for t, s in by_truth.items() if len(s) > 1)
    examples = [
        {"true_supplier": t, "pieces": {s: sorted(set(v))[:4] for s, v in spelling[t].items()}}
        for t in split[:8]
    ]
    return {
        "records": records,
        "records_scored_against_truth": len(rows),
        "scores": _scores(predicted, truth),
        "true_suppliers_split": len(split),
        "predicted_suppliers_mixing_true_ones": sum(1 for v in by_pred.values() if len(v) > 1),
        "split_examples": examples,
    }


# --------------------------------------------------------------------------------------------
# 4. Scale: generated supplier records.


def generate_suppliers(records: int, seed: int, path: Path) -> dict[str, Any]:
    """``records`` supplier records of about ``records / 3.5`` true suppliers, as parquet.

    Names: the 110,309 distinct GoC vendor names (real shapes, real shared first words), then,
    when more suppliers are needed, demo-style names (a real first word + a sector noun, maybe a
    tail; 9 % numbered companies). Each record spells its supplier the way one of the 17 demo
    anchors' vendor masters would (case, suffix form, "The", "&", punctuation, width, typos,
    "o/a" trade names). Postcodes: real Canadian codes, Toronto-heavy and skewed (Zipf 0.5, so
    a busy office-tower code hosts a few hundred suppliers); a record keeps its supplier's code
    85 % of the time, has none 8 %, another (a branch) 7 %.
    """
    import duckdb
    import pyarrow as pa
    import pyarrow.parquet as pq

    from anchorkit.demo.anchors import ANCHORS
    from anchorkit.demo.names import SupplierName, spell
    from anchorkit.demo.reference import load_vocabulary

    rng = random.Random(seed)
    vocab = load_vocabulary()
    habits = [a.habit for a in ANCHORS]
    real = [
        n
        for (n,) in duckdb.sql(
            f"SELECT DISTINCT d_vendor_name FROM read_csv('{GOC_ALL}', all_varchar = true) "
            "WHERE d_vendor_name IS NOT NULL ORDER BY 1"
        ).fetchall()
    ]
    rng.shuffle(real)
    first_words = sorted({n.split()[0] for n in real if n.split()[0].isalpha()})
    nouns = sorted({noun for s in vocab.sectors.values() for noun in s.nouns})
    suffixes = vocab.suffixes["canada"]
    codes = [
        c
        for (c,) in duckdb.sql(
            f"""
            SELECT postal_code FROM (
                SELECT postal_code, hash(postal_code) AS h, left(postal_code, 1) = 'M' AS toronto
                FROM '{POSTCODES}')
            WHERE toronto OR h % 6 = 0 ORDER BY h
            """
        ).fetchall()
    ]
    cum, total = [], 0.0
    for rank in range(len(codes)):
        total += 1.0 / (rank + 1) ** 0.5
        cum.append(total)
    taken: set[str] = set()
    ids: list[str] = []
    names: list[str] = []
    postcodes: list[str | None] = []
    truth: list[str] = []
    suppliers = 0
    while len(ids) < records:
        if suppliers < len(real):
            name = _title(real[suppliers])
        else:
            name = ""
            while not name or name.casefold() in taken:
                name = f"{rng.choice(first_words).title()} {rng.choice(nouns)}"
                if rng.random() < 0.4:
                    name += f" {rng.choice(vocab.tails)}"
        taken.add(name.casefold())
        suffix = rng.choices(list(suffixes), list(suffixes.values()))[0]
        numbered = None
        if suppliers >= len(real) and rng.random() < 0.09:
            numbered = str(rng.randint(1_000_000, 2_999_999))
            suffix = "INC"
        supplier = SupplierName(
            trade=name, the=rng.random() < 0.03, suffix=suffix, numbered=numbered
        )
        sid = f"T{suppliers:07d}"
        suppliers += 1
        home = rng.choices(codes, cum_weights=cum)[0]
        for _ in range(min(1 + int(rng.expovariate(1 / 2.5)), 40, records - len(ids))):
            ids.append(f"R{len(ids):08d}")
            names.append(spell(supplier, rng.choice(habits), rng))
            r = rng.random()
            code = home if r < 0.85 else None if r < 0.93 else rng.choice(codes)
            postcodes.append(code.replace(" ", "") if code and rng.random() < 0.3 else code)
            truth.append(sid)
    table = pa.table({"record_id": ids, "name": names, "postcode": postcodes, "truth": truth})
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path)
    return {"records": len(ids), "true_suppliers": suppliers, "postcodes_in_pool": len(codes)}


def _title(upper: str) -> str:
    """GoC names are stored upper-case; vendor masters mostly are not."""
    return " ".join(w.capitalize() if w.isalpha() else w for w in upper.split())


def child_scale(path: str, *flags: str) -> dict[str, Any]:
    import pyarrow.parquet as pq

    from anchorkit.resolve import dedupe

    if "workaround" in flags:
        _em_restore_workaround()
    table = pq.read_table(path)
    seen: dict[str, Any] = {}
    _spy_on_scoring(seen)
    start = time.perf_counter()
    clusters = dedupe.cluster_names(
        table.select(["record_id", "name", "postcode"]),
        id_column="record_id",
        name_column="name",
        postcode_column="postcode",
    )
    seconds = time.perf_counter() - start
    truth = dict(
        zip(table.column("record_id").to_pylist(), table.column("truth").to_pylist(), strict=True)
    )
    return {
        "records": table.num_rows,
        "true_suppliers": len(set(truth.values())),
        "name_groups": seen.get("groups"),
        "pairs_at_or_above_review": seen.get("pairs_at_or_above_review"),
        "seconds": round(seconds, 1),
        "splink_seconds": round(seen.get("score_seconds", 0.0), 1),
        "clusters": len(set(clusters.cluster_of.values())),
        "scores": _scores(clusters.cluster_of, truth),
        "missed_pairs_by_kind": _scale_misses(table, clusters.cluster_of),
        "trained_model": _model_summary(seen.get("model")),
    }


def _scale_misses(table: Any, cluster_of: dict[str, str]) -> dict[str, Any]:
    """The true record pairs left apart, by postcode situation and name similarity."""
    import duckdb
    import pyarrow as pa

    from anchorkit.resolve.normalise import normalise_sql

    ids = table.column("record_id").to_pylist()
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("t", table.append_column("cluster", pa.array([cluster_of[i] for i in ids])))
    con.execute(
        f"""
        CREATE TABLE g AS
        SELECT {normalise_sql("name")} AS k,
            nullif(upper(regexp_replace(coalesce(postcode, ''), '[^A-Za-z0-9]', '', 'g')), '') AS pc,
            truth, cluster, count(*) AS n
        FROM t GROUP BY ALL
        """
    )
    rows = con.execute(
        """
        SELECT CASE WHEN a.pc IS NULL OR b.pc IS NULL THEN 'a postcode missing'
                    WHEN a.pc = b.pc THEN 'same postcode' ELSE 'different postcodes' END,
               CASE WHEN a.k = b.k THEN 'same name key'
                    WHEN jaro_winkler_similarity(a.k, b.k) >= 0.9 THEN 'name Jaro-Winkler >= 0.9'
                    ELSE 'names less similar' END,
               sum(a.n * b.n)::BIGINT
        FROM g a JOIN g b ON a.truth = b.truth AND a.cluster <> b.cluster
            AND (a.k, coalesce(a.pc, ''), a.cluster) < (b.k, coalesce(b.pc, ''), b.cluster)
        GROUP BY ALL ORDER BY 3 DESC
        """
    ).fetchall()
    total = sum(r[2] for r in rows)
    return {
        "missed_record_pairs": total,
        "kinds": [
            {"postcodes": pc, "names": nk, "pairs": n, "share": round(n / total, 4)}
            for pc, nk, n in rows
        ],
    }


def child_blocking(path: str) -> dict[str, Any]:
    """Splink's blocking analysis on the name groups ``cluster_names`` would build."""
    import duckdb
    import pyarrow.parquet as pq

    from anchorkit.resolve.link import check_blocking, records_sql
    from anchorkit.resolve.normalise import normalise_sql

    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false")
    con.register("input", pq.read_table(path))
    source = "SELECT record_id AS row_id, name AS raw_name, postcode AS raw_postcode FROM input"
    con.execute(
        "CREATE TABLE records AS " + records_sql(source, "raw_name", "raw_postcode", normalise_sql)
    )
    groups = con.sql(
        """
        SELECT md5(coalesce(name_key, row_id) || '|' || coalesce(postcode, '')) AS group_id,
            any_value(name_key) AS name_key, any_value(trade_key) AS trade_key,
            any_value(numbered_key) AS numbered_key, any_value(postcode) AS postcode,
            any_value(postcode_area) AS postcode_area, any_value(name_prefix) AS name_prefix,
            any_value(name_first) AS name_first, any_value(name_second) AS name_second,
            any_value(name_last) AS name_last
        FROM records GROUP BY 1 ORDER BY 1
        """
    ).to_arrow_table()
    start = time.perf_counter()
    rules = check_blocking(groups)
    return {
        "name_groups": groups.num_rows,
        "seconds": round(time.perf_counter() - start, 1),
        "rules": rules,
        "total_comparisons": rules[-1]["cumulative"] if rules else 0,
    }


# --------------------------------------------------------------------------------------------
# Running children: peak memory of each, a memory guard, a time limit.


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run(cmd: list[str], guard_gb: float, timeout_s: float) -> dict[str, Any]:
    """Run ``cmd``; stop it past ``guard_gb`` resident or ``timeout_s``. Seconds, peak RSS, output.

    The child is reaped with ``os.wait4`` so its own peak RSS (``ru_maxrss``) comes back with it.
    """
    import signal
    import tempfile

    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        done = threading.Event()
        stopped: list[str] = []

        def watch() -> None:
            while not done.wait(0.2):
                rss = _rss_mb(proc.pid)
                if rss > guard_gb * 1024:
                    stopped.append(f"memory guard: resident {rss / 1024:.1f} GB > {guard_gb} GB")
                elif time.perf_counter() - start > timeout_s:
                    stopped.append(f"time limit: still running after {timeout_s:.0f} s")
                else:
                    continue
                os.kill(proc.pid, signal.SIGKILL)  # not reaped yet: the pid is still ours
                return

        watcher = threading.Thread(target=watch, daemon=True)
        watcher.start()
        _, status, usage = os.wait4(proc.pid, 0)
        done.set()
        watcher.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - start
        out.seek(0)
        err.seek(0)
        result: dict[str, Any] = {
            "wall_seconds": round(seconds, 1),
            "returncode": proc.returncode,
            "peak_rss_mb": round(usage.ru_maxrss / 1024),
            "stdout": out.read(),
            "stderr": err.read(),
        }
    if stopped:
        result["stopped"] = stopped[0]
    return result


def run_child(
    kind: str, *args: str, guard_gb: float = 16.0, timeout_s: float = 3600
) -> dict[str, Any]:
    """A child measurement; the result is its last stdout line (JSON) plus its peak RSS."""
    done = run(
        [sys.executable, __file__, "--child", kind, *args], guard_gb=guard_gb, timeout_s=timeout_s
    )
    seen = {k: done[k] for k in ("wall_seconds", "peak_rss_mb")}
    if done.get("stopped"):
        return {"error": done["stopped"], **seen}
    if done["returncode"] != 0:
        return {"error": _last_error(done["stderr"]), **seen}
    result = json.loads(done["stdout"].strip().splitlines()[-1])
    result.update(seen)  # the child's ru_maxrss as its parent saw it (the same number)
    return result


def _last_error(stderr: str) -> str:
    lines = [ln for ln in stderr.strip().splitlines() if ln.strip()]
    tail = next((ln for ln in reversed(lines) if re.match(r"^[\w.]+(Error|Exception)\b", ln)), "")
    detail = next((ln.strip() for ln in reversed(lines) if ln.startswith("Error was:")), "")
    return " | ".join(x for x in (tail[:400], detail[:300]) if x) or (lines[-1] if lines else "")


def shipped_or_workaround(kind: str, *args: str, **kw: Any) -> dict[str, Any]:
    """Measure the shipped model; if it raises, record why and measure with the workaround."""
    result = run_child(kind, *args, **kw)
    if "error" not in result or "guard" in result["error"] or "time limit" in result["error"]:
        result["model_as_shipped"] = "error" not in result
        return result
    patched = run_child(kind, *args, "workaround", **kw)
    patched["model_as_shipped"] = False
    patched["shipped_model_error"] = result["error"]
    patched["workaround"] = (
        "em-restore: Splink's comparisons restored after a failed EM run "
        "(see _em_restore_workaround in bench/resolution.py)"
    )
    return patched


# --------------------------------------------------------------------------------------------
# The parent.


def _machine() -> dict[str, Any]:
    import duckdb
    import splink

    mem_kb = next(
        int(ln.split()[1])
        for ln in Path("/proc/meminfo").read_text().splitlines()
        if ln.startswith("MemTotal:")
    )
    return {
        "cpus": os.cpu_count(),
        "memory_gb": round(mem_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "duckdb": duckdb.__version__,
        "splink": splink.__version__,
        "load_average_1m_at_start": round(os.getloadavg()[0], 2),
    }


def bench_demo(lines: int, seed: int, guard_gb: float) -> dict[str, Any]:
    root = WORK / f"demo-{lines}-{seed}"
    build = run(
        [str(ANCHORKIT), "demo", str(root), "--lines", str(lines), "--seed", str(seed), "--force"],
        guard_gb=guard_gb,
        timeout_s=3600,
    )
    if build["returncode"] != 0:
        return {"error": f"demo build failed: {build['stderr'][-500:]}"}
    resolve = run(
        [str(ANCHORKIT), "--workspace", str(root), "resolve", "--json"],
        guard_gb=guard_gb,
        timeout_s=3600,
    )
    if resolve["returncode"] != 0 or resolve.get("stopped"):
        return {"error": resolve.get("stopped") or _last_error(resolve["stderr"])}
    resolved = json.loads(resolve["stdout"])
    quality = run_child("demo_truth", str(root))
    model_file = root / "models" / "resolve-latest.json"
    model = json.loads(model_file.read_text()) if model_file.exists() else None
    return {
        "lines": lines,
        "seed": seed,
        "build_and_ingest_seconds": build["wall_seconds"],
        "resolve_seconds": resolve["wall_seconds"],
        "resolve_peak_rss_mb": resolve.get("peak_rss_mb"),
        "resolve_result": {k: v for k, v in resolved.items() if k != "model_path"},
        **{k: v for k, v in quality.items() if k not in ("wall_seconds", "peak_rss_mb")},
        "trained_model": _model_summary(model),
    }


def bench_scale(sizes: list[int], guard_gb: float, timeout_s: float) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for n in sizes:
        path = WORK / f"suppliers_{n}.parquet"
        meta_path = path.with_suffix(".json")
        if not path.exists() or not meta_path.exists():
            print(f"generating {n:,} supplier records → {path}", file=sys.stderr)
            meta_path.write_text(json.dumps(generate_suppliers(n, seed=n, path=path)))
        entry: dict[str, Any] = {"generated": json.loads(meta_path.read_text())}
        print(f"blocking analysis at {n:,}", file=sys.stderr)
        entry["blocking"] = run_child("blocking", str(path), guard_gb=guard_gb, timeout_s=timeout_s)
        print(f"clustering {n:,} records", file=sys.stderr)
        entry["resolve"] = shipped_or_workaround(
            "scale", str(path), guard_gb=guard_gb, timeout_s=timeout_s
        )
        out[str(n)] = entry
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", default="goc,er,demo,scale")
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--demo-lines", type=int, default=250_000)
    parser.add_argument("--demo-seed", type=int, default=42)
    parser.add_argument("--memory-guard-gb", type=float, default=16.0)
    parser.add_argument("--time-limit-s", type=float, default=3600)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "resolution.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        import resource

        children = {
            "goc": child_goc,
            "goc_haystack": child_goc_haystack,
            "er": child_er,
            "demo_truth": child_demo_truth,
            "scale": child_scale,
            "blocking": child_blocking,
        }
        result = children[kind](*rest)
        result["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(result, default=str))
        return

    WORK.mkdir(exist_ok=True)
    only = set(args.only.split(","))
    report: dict[str, Any] = {}
    if args.out.exists():  # a partial run (--only) keeps the other sections
        report = json.loads(args.out.read_text())
    me = "python bench/resolution.py"
    report.update(
        {
            "benchmark": "resolution",
            "issue": "4 (2 · Supplier resolution), point 5",
            "machine": _machine(),
        }
    )
    commands = report.setdefault("commands", {})
    guard = args.memory_guard_gb
    if "goc" in only:
        print("GoC vendor pairs", file=sys.stderr)
        report["goc_vendor_pairs"] = shipped_or_workaround("goc", guard_gb=guard)
        report["goc_vendor_pairs_in_haystack"] = shipped_or_workaround(
            "goc_haystack", guard_gb=guard
        )
        commands["goc"] = f"{me} --only goc"
    if "er" in only:
        print("er-company-name-pairs", file=sys.stderr)
        report["er_company_name_pairs"] = shipped_or_workaround("er", guard_gb=guard)
        commands["er"] = f"{me} --only er"
    if "demo" in only:
        print(f"demo network ({args.demo_lines:,} lines, seed {args.demo_seed})", file=sys.stderr)
        report["demo_network"] = bench_demo(args.demo_lines, args.demo_seed, guard)
        root = (WORK / f"demo-{args.demo_lines}-{args.demo_seed}").relative_to(ROOT)
        commands["demo"] = [
            f"anchorkit demo {root} --lines {args.demo_lines} --seed {args.demo_seed} --force",
            f"anchorkit --workspace {root} resolve --json",
        ]
    if "scale" in only:
        sizes = [int(s) for s in args.sizes.split(",") if s]
        report["scale"] = bench_scale(sizes, guard, args.time_limit_s)
        commands["scale"] = f"{me} --only scale --sizes {args.sizes} --memory-guard-gb {guard}"
    report["acceptance"] = _acceptance(report)
    report["measured_at"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2, default=str) + "\n")
    print(json.dumps(report["acceptance"], indent=2))


def _acceptance(report: dict[str, Any]) -> dict[str, Any]:
    """The issue's targets, each with the measured value and whether it is met."""
    out: dict[str, Any] = {}
    demo = report.get("demo_network", {}).get("scores")
    if demo:
        out["demo_precision_ge_0.98"] = {
            "value": demo["precision"],
            "met": demo["precision"] >= 0.98,
        }
        out["demo_recall_ge_0.95"] = {"value": demo["recall"], "met": demo["recall"] >= 0.95}
    goc = report.get("goc_vendor_pairs", {})
    if "model" in goc:
        shipped = bool(goc.get("model_as_shipped"))
        out["goc_precision_ge_0.95"] = {
            "value": goc["model"]["precision"],
            "met": shipped and goc["model"]["precision"] >= 0.95,
            "model_as_shipped": shipped,
        }
        if not shipped:
            out["goc_precision_ge_0.95"]["why_not_met"] = (
                "the shipped model raises on this name-only list; the value is measured with "
                "the em-restore workaround"
            )
        ratio = goc.get("recall_ratio_model_to_baseline")
        out["goc_recall_well_above_baseline"] = {
            "model": goc["model"]["recall"],
            "baseline": goc["baseline_normalised_name_equals"]["recall"],
            "ratio": ratio,
            "met": bool(ratio and ratio >= 2.0),
            "reading": "'well above' read as at least twice the baseline's recall",
        }
    er = report.get("er_company_name_pairs", {})
    if "model" in er:
        out["er_accuracy"] = {
            "model": er["model"]["accuracy"],
            "baseline": er["baseline_normalised_name_equals"]["accuracy"],
        }
    one_m = report.get("scale", {}).get("1000000", {}).get("resolve", {})
    if "seconds" in one_m:
        out["1m_under_10_minutes"] = {"seconds": one_m["seconds"], "met": one_m["seconds"] < 600}
        out["1m_under_8_gb"] = {
            "peak_rss_mb": one_m["peak_rss_mb"],
            "met": one_m["peak_rss_mb"] < 8 * 1024,
        }
    elif one_m:
        out["1m"] = {"met": False, "error": one_m.get("error")}
    return out


if __name__ == "__main__":
    main()

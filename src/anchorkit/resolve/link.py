"""Probabilistic linkage of supplier records with Splink, then clustering into suppliers.

A *record* is one way a supplier appears: one anchor's spelling of it (with that anchor's vendor id
and postcode), or one registry entry. Splink scores pairs of records (Fellegi-Sunter, trained
without labels: u from every pair of a sample of records, the prior from an exact count of
near-identical names, m set from measurements), and pairs above ``match_threshold`` become edges. A person's decisions (see :mod:`review`) add or
remove edges, so they win over the model on every re-run. Suppliers are the connected components.

Splink runs where the records are (:mod:`anchorkit.engine.splink`): on its own in-memory DuckDB
connection for a laptop's store (its many intermediate tables never touch the workspace store),
on Splink's Spark backend for a Spark warehouse. Either way only the scored pairs worth keeping
come back, as an Arrow table.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from anchorkit.engine.splink import ArrowSource, SplinkSource
from anchorkit.resolve.normalise import legal_form_sql

#: Blocking rules: only pairs that agree on one of these are ever scored. Each is bounded (an
#: exact key, or a prefix together with a postcode area), which keeps 1M records in memory;
#: ``check_blocking`` measures them with Splink's blocking analysis.
BLOCKING_RULES = (
    "l.name_key = r.name_key",
    "l.trade_key = r.name_key",
    "l.name_key = r.trade_key",
    "l.numbered_key = r.numbered_key",
    "l.postcode = r.postcode",
    "l.name_prefix = r.name_prefix AND l.postcode_area = r.postcode_area",
    "l.name_prefix = r.name_prefix AND l.name_last = r.name_last",
    "l.name_first = r.name_first AND l.name_second = r.name_second",
)

log = logging.getLogger("anchorkit.resolve")


@dataclass(frozen=True)
class Thresholds:
    """Where scores become decisions (the ``resolve.*`` settings).

    ``match``: a pair at or above it may join two suppliers; ``review``: pairs from here up to
    ``match`` that stay apart wait for a person; ``linkage``: two groups of spellings join only
    when the mean score over their pairs reaches it (see :mod:`anchorkit.resolve.cluster`);
    ``identifier``: the name score two spellings sharing an identifier need to be merged on it.
    """

    match: float = 0.9
    review: float = 0.5
    linkage: float = 0.4
    identifier: float = 0.5


DEFAULT_THRESHOLDS = Thresholds()

#: Where a postcode is missing, a name alone cannot reach the match threshold in Splink's model
#: (measured: about 15 of the 15.6 bits needed), yet the name is then the best evidence there is.
#: Identical names, trade names or numbered companies are then one supplier by this rule; other
#: name-only pairs are weighed by the name model (:mod:`anchorkit.resolve.evidence`).
NAME_RULE = (
    "((postcode_l IS NULL OR postcode_r IS NULL) AND (name_key_l = name_key_r "
    "OR name_key_l = trade_key_r OR trade_key_l = name_key_r OR trade_key_l = trade_key_r "
    "OR numbered_key_l = numbered_key_r))"
)
#: Pairs Splink hands back: those worth keeping, and every name-only pair it compared (the name
#: model weighs those).
KEPT_PAIRS = "match_probability >= {review} OR postcode_l IS NULL OR postcode_r IS NULL"

#: Below this many name groups the data cannot teach the model much: the starting values are used.
TRAIN_MIN_GROUPS = 500


TRADING_AS = r"(?i)\b(?:t/a|o/a|d/?b/?a|trading as|operating as)\s+(.+)$"
NUMBERED = (
    r"(?i)^\s*(\d{6,10})\s+(ontario|canada|alberta|british columbia|b\.?c\.?|quebec|québec|"
    r"manitoba|saskatchewan|nova scotia|new brunswick|newfoundland|yukon|nunavut)\b"
)


def records_sql(source: str, raw_name: str, postcode: str, normalise: Callable[[str], str]) -> str:
    """SELECT every column of ``source`` plus the derived columns the model compares.

    Besides the normalised name, a trading-as name ("1028165 Ontario Inc o/a Red Maple
    Furniture" trades as "red maple furniture") and a numbered company ("1028165 ontario") are
    keys of their own, so each spelling can meet the others. The (long) normalisation expression
    is computed once per key in an inner query and reused by name.
    """
    trade = f"nullif(regexp_extract({raw_name}, '{TRADING_AS}', 1), '')"
    numbered = (
        f"nullif(lower(regexp_extract({raw_name}, '{NUMBERED}', 1) || ' ' || "
        f"regexp_extract({raw_name}, '{NUMBERED}', 2)), ' ')"
    )
    pc = f"nullif(upper(regexp_replace(coalesce({postcode}, ''), '[^A-Za-z0-9]', '', 'g')), '')"
    return f"""
        SELECT *,
            CASE WHEN length(postcode) >= 5 THEN left(postcode, 3) END AS postcode_area,
            nullif(left(name_key, 8), '') AS name_prefix,
            nullif(split_part(name_key, ' ', 1), '') AS name_first,
            nullif(split_part(name_key, ' ', 2), '') AS name_second,
            nullif(regexp_extract(name_key, '([a-z0-9]+)$', 1), '') AS name_last
        FROM (
            SELECT *, {normalise(raw_name)} AS name_key,
                {legal_form_sql(raw_name)} AS legal_form,
                nullif({normalise(trade)}, '') AS trade_key,
                {numbered} AS numbered_key,
                {pc} AS postcode
            FROM ({source})
        )
    """


def groups_sql(records: str, extra: str = "") -> str:
    """One row per name group of ``records`` (columns made by :func:`records_sql` and a
    ``group_id``): the keys Splink compares, and the legal forms its spellings end with (two,
    so that a group written both "Inc" and "Ltd" shows both)."""
    return f"""
        SELECT group_id, min(name_key) AS name_key, min(trade_key) AS trade_key,
            min(numbered_key) AS numbered_key, min(postcode) AS postcode,
            min(postcode_area) AS postcode_area, min(name_prefix) AS name_prefix,
            min(name_first) AS name_first, min(name_second) AS name_second,
            min(name_last) AS name_last, min(legal_form) AS legal_form_a,
            max(legal_form) AS legal_form_b {extra}
        FROM {records} GROUP BY group_id
    """


def _settings(thresholds: Thresholds, extra_columns: Sequence[str] = ()) -> Any:
    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import SettingsCreator

    # Starting m/u values (m: how often true matches agree at this level; u: how often
    # non-matches do). Chosen by hand from the demo network and public vendor lists; with enough
    # data (TRAIN_MIN_GROUPS) they are re-estimated, otherwise they are the model.
    name = cl.CustomComparison(
        output_column_name="name_key",
        comparison_levels=[
            cll.NullLevel("name_key"),
            cll.ExactMatchLevel("name_key", term_frequency_adjustments=True).configure(
                m_probability=0.80, u_probability=1e-4
            ),
            {
                "sql_condition": "name_key_l = trade_key_r OR trade_key_l = name_key_r "
                "OR trade_key_l = trade_key_r OR numbered_key_l = numbered_key_r",
                "label_for_charts": "same trading-as name or numbered company",
                "m_probability": 0.05,
                "u_probability": 1e-5,
            },
            cll.JaroWinklerLevel("name_key", 0.96).configure(
                m_probability=0.07, u_probability=1e-4
            ),
            cll.JaroWinklerLevel("name_key", 0.90).configure(
                m_probability=0.05, u_probability=1e-3
            ),
            cll.JaccardLevel("name_key", 0.7).configure(m_probability=0.02, u_probability=0.01),
            cll.ElseLevel().configure(m_probability=0.01, u_probability=0.989),
        ],
        comparison_description="supplier name (normalised)",
    )
    postcode = cl.CustomComparison(
        output_column_name="postcode",
        comparison_levels=[
            cll.NullLevel("postcode"),
            cll.ExactMatchLevel("postcode").configure(m_probability=0.85, u_probability=1e-3),
            cll.ExactMatchLevel("postcode_area").configure(m_probability=0.10, u_probability=0.02),
            cll.ElseLevel().configure(m_probability=0.05, u_probability=0.979),
        ],
        comparison_description="postcode, then postcode area (FSA / outward code / ZIP3)",
    )
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="group_id",
        comparisons=[name, postcode, *(cl.ExactMatch(c) for c in extra_columns)],
        blocking_rules_to_generate_predictions=[*BLOCKING_RULES],  # type: ignore[list-item]
        retain_intermediate_calculation_columns=False,
        retain_matching_columns=True,  # the name rule below reads them
    )


def check_blocking(groups: pa.Table | SplinkSource, *, sample: float = 1.0) -> list[dict[str, Any]]:
    """Comparisons each blocking rule adds (Splink's blocking analysis), before any scoring."""
    from splink.blocking_analysis import count_comparisons_from_blocking_rules

    with _source(groups) as source:
        df = source.register("groups")
        counts = count_comparisons_from_blocking_rules(
            df,
            blocking_rules=list(BLOCKING_RULES),
            link_type="dedupe_only",
            unique_id_column_name="group_id",
            record_sample_proportion=sample,
        )
    return [
        {
            "rule": rule,
            "marginal": int(c["marginal_comparison_count"]),
            "cumulative": int(c["cumulative_comparison_count"]),
            "estimated": bool(c["is_estimate"]),
        }
        for rule, c in zip(BLOCKING_RULES, counts, strict=True)
    ]


@dataclass
class Scored:
    """Pairs the model scored at or above the review threshold, and the trained model."""

    pairs: pa.Table  # group_id_l, group_id_r, match_probability, name_rule (ordered)
    model: dict[str, Any]


def score_pairs(
    records: pa.Table | SplinkSource,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    extra_columns: Sequence[str] = (),
) -> Scored:
    """Train a model on these name groups and score every blocked pair (no labels needed).

    The input is one row per *group* — records with the same name key and postcode, already
    one supplier — so that a supplier spelt identically by ten anchors does not make identical
    names look common among non-matches (which would wrongly weaken the exact-name evidence).
    An Arrow table is linked on a private DuckDB; a :class:`SplinkSource` where it lives.
    """
    from splink import Linker

    settings = _settings(thresholds, extra_columns)
    with _source(records) as source:
        df = source.register("records")
        # Splink warns about levels it could not train on small inputs; the model file keeps it
        linker = Linker(df, settings, log_level=logging.ERROR)
        settings_obj = linker._settings_obj
        if source.rows >= TRAIN_MIN_GROUPS:
            # identical name keys are already one group: the prior comes from near-identical
            # ones (an exact count, the same on every engine)
            linker.training.estimate_probability_two_random_records_match(
                ["l.name_prefix = r.name_prefix AND l.name_last = r.name_last"], recall=0.6
            )
            max_pairs = min(2e6, max(1e5, source.rows * 20))
            _copy_u(_trained_u(source.sample(_rows_for_pairs(max_pairs)), settings), linker)
            # m values stay as set: expectation-maximisation was measured to learn the wrong
            # lesson where many suppliers share a postcode, and to fail on name-only lists
        # a prior of zero (no pair found) or near one (tiny input) would make every score certain
        floor = 1.0 / max(source.rows, 2)
        prior = settings_obj._probability_two_random_records_match
        if not floor / 100 <= prior <= 0.5:
            settings_obj._probability_two_random_records_match = floor
        predictions = linker.inference.predict()
        pairs = source.fetch(
            f"""
            SELECT group_id_l, group_id_r, match_probability, {NAME_RULE} AS name_rule
            FROM {predictions.physical_name}
            WHERE {KEPT_PAIRS.format(review=thresholds.review)}
            ORDER BY group_id_l, group_id_r
            """
        )
        model = json.loads(json.dumps(linker.misc.save_model_to_json(), default=str))
    model["anchorkit_name_rule"] = NAME_RULE
    return Scored(pairs=pairs, model=model)


def _source(records: pa.Table | SplinkSource) -> AbstractContextManager[SplinkSource]:
    """A source for an Arrow table, closed after use; a caller's source, left open for it."""
    return ArrowSource(records) if isinstance(records, pa.Table) else nullcontext(records)


def _rows_for_pairs(pairs: float) -> int:
    """How many records give ``pairs`` pairs of distinct records: n (n - 1) / 2 >= pairs."""
    return math.ceil((1 + math.sqrt(1 + 8 * pairs)) / 2)


def _trained_u(sample: pa.Table, settings: Any) -> Any:
    """A model whose u values come from every pair of ``sample`` (pairs of different suppliers,
    nearly all), trained on a private DuckDB whatever the engine: the same sample and the same
    arithmetic give the same model on DuckDB and on Spark."""
    from splink import Linker

    with ArrowSource(sample) as source:
        df = source.register("u_sample")
        linker = Linker(df, settings, log_level=logging.ERROR)
        # enough pairs that Splink takes every pair of the sample rather than sampling again
        linker.training.estimate_u_using_random_sampling(
            max_pairs=float(sample.num_rows) ** 2, num_chunks=1
        )
    return linker


def _copy_u(trained: Any, linker: Any) -> None:
    """Give ``linker`` the u values of ``trained`` (the same comparisons, level by level)."""
    pairs = zip(trained._settings_obj.comparisons, linker._settings_obj.comparisons, strict=True)
    for source, target in pairs:
        for a, b in zip(source.comparison_levels, target.comparison_levels, strict=True):
            if not a.is_null_level:
                b.u_probability = a._u_probability


def connected_components(ids: Sequence[str], edges: Iterable[tuple[str, str]]) -> dict[str, str]:
    """Union-find: each id -> the smallest id of its component (deterministic)."""
    parent = {i: i for i in ids}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        if a not in parent or b not in parent:
            continue
        ra, rb = find(a), find(b)
        if ra != rb:
            if rb < ra:
                ra, rb = rb, ra
            parent[rb] = ra
    return {i: find(i) for i in ids}


def pair_key(a: str, b: str) -> str:
    """An order-free key for a pair of records: decisions are about pairs, not directions."""
    return "|".join(sorted((a, b)))

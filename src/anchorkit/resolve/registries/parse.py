"""The shared pipeline's SQL steps: cells -> parsed (typed values, tags, reasons) -> keyed.

Table files and OCDS packages both arrive as the ``registry_cells`` view; from there on they
are parsed and keyed by the same SQL, so their entries and rejections mean the same.
"""

from __future__ import annotations

from collections.abc import Sequence

import pyarrow as pa

from anchorkit.engine import Engine
from anchorkit.ingest import values
from anchorkit.resolve.registries.columns import RegistryMapping
from anchorkit.resolve.registries.headers import _Plan
from anchorkit.resolve.registries.sql import (
    CELLS,
    FINAL,
    PARSED,
    TAG_VALUES,
    _list_lit,
    _lit,
    _norm_sql,
)
from anchorkit.resolve.registries.tags import TagRule, ended_statuses

# --- the shared pipeline: cells -> parsed -> keyed -> loaded ------------------------------------


def _register_tag_values(
    engine: Engine, plans: Sequence[_Plan], mapping: RegistryMapping | None
) -> None:
    """The vocabularies in use (plus the mapping's own values) as a small lookup table."""
    rows: dict[tuple[str, str], TagRule] = {}
    for plan in plans:
        if plan.tag_column is None:
            continue
        vocab = plan.vocabulary.name if plan.vocabulary else ""
        if plan.vocabulary is not None:
            rows.update({(vocab, v): r for v, r in plan.vocabulary.values.items()})
        if mapping is not None:
            rows.update({(vocab, v): r for v, r in mapping.tag_values.items()})
    table = pa.table(
        {
            "vocabulary": pa.array([k[0] for k in rows], pa.string()),
            "value": pa.array([k[1] for k in rows], pa.string()),
            "tags": pa.array([list(r.tags) for r in rows.values()], pa.list_(pa.string())),
            "replaces": pa.array([r.replaces_registry_tags for r in rows.values()], pa.bool_()),
        }
    )
    engine.register(TAG_VALUES, table)


def _parse(engine: Engine, file_tags: Sequence[str], order: str) -> None:
    """Typed values, tags and every reason a data row cannot be an entry, in one pass."""
    ended = ", ".join(_lit(s) for s in ended_statuses())
    cert, expiry = "certified_on", "expires_on"
    no_tag = (
        "'no tag: ' || CASE "
        "WHEN tag_text IS NULL OR trim(tag_text) = '' THEN 'no --tag was given and the tag column is empty' "
        "WHEN coalesce(replaces, false) THEN '''' || trim(tag_text) || ''' replaces the registry''s tags with none' "
        "ELSE 'no --tag was given and ''' || trim(tag_text) || ''' is not in registry_tags.toml' END"
    )
    engine.run(
        "parse_registry_rows",
        f"""
        CREATE OR REPLACE TEMP TABLE {PARSED} AS
        WITH cells AS (SELECT * FROM {CELLS} WHERE kind = 'data'),
        parts AS (
            SELECT sheet, source_row, tag_vocab, trim(part) AS part, {_norm_sql("part")} AS value
            FROM (
                SELECT sheet, source_row, tag_vocab,
                       unnest(regexp_split_to_array(tag_text, tag_split)) AS part
                FROM cells WHERE tag_text IS NOT NULL
            )
            WHERE {_norm_sql("part")} <> ''
        ),
        looked_up AS (
            SELECT p.sheet, p.source_row,
                   flatten(list(v.tags) FILTER (WHERE v.tags IS NOT NULL)) AS value_tags,
                   bool_and(coalesce(v.replaces, false)) AS replaces,
                   list(p.part) FILTER (WHERE v.value IS NULL) AS unknown
            FROM parts p LEFT JOIN {TAG_VALUES} v
              ON v.vocabulary = coalesce(p.tag_vocab, '') AND v.value = p.value
            GROUP BY p.sheet, p.source_row
        ),
        typed AS (
            SELECT c.*, l.value_tags, l.replaces, l.unknown,
                nullif(trim(c.name), '') AS name_value,
                {values.date_sql(cert, order)} AS certified_value,
                {values.date_sql(expiry, order)} AS expires_value,
                coalesce(trim({cert}), '') = '' AS no_cert,
                coalesce(trim({expiry}), '') = '' AS no_expiry,
                coalesce({_norm_sql("status")} IN ({ended or "NULL"}), false) AS ended
            FROM cells c LEFT JOIN looked_up l
              ON l.sheet IS NOT DISTINCT FROM c.sheet AND l.source_row = c.source_row
        ),
        tagged AS (
            SELECT *, list_sort(list_distinct(
                CASE WHEN coalesce(replaces, false) THEN []::VARCHAR[] ELSE {_list_lit(file_tags)} END
                || coalesce(value_tags, []::VARCHAR[]) || coalesce(row_tags, []::VARCHAR[])
            )) AS tags
            FROM typed
        )
        SELECT sheet, source_row, name_value AS name,
            nullif(trim(address), '') AS address,
            nullif(upper(regexp_replace(trim(postcode), '\\s+', ' ', 'g')), '') AS postcode,
            nullif(trim(city), '') AS city,
            nullif(trim(registry_id), '') AS registry_id,
            certified_value AS certified_on, expires_value AS expires_on,
            tags, unknown, extra, raw_cells,
            list_filter([
                CASE WHEN name_value IS NULL THEN 'name is empty' END,
                CASE WHEN NOT no_cert AND certified_value IS NULL
                     THEN 'certification ' || {values.date_problem_sql(cert, order)} END,
                CASE WHEN NOT no_expiry AND expires_value IS NULL
                     THEN 'expiry ' || {values.date_problem_sql(expiry, order)} END,
                CASE WHEN expires_value < certified_value
                     THEN 'expiry date ''' || expires_value || ''' is before the certification date '''
                          || certified_value || '''' END,
                CASE WHEN ended AND no_expiry
                     THEN 'status ''' || trim(status) || ''' says it has ended, but the expiry '
                          || '(or dissolved) date is empty' END,
                CASE WHEN array_length(tags) = 0 THEN {no_tag} END
            ], lambda x: x IS NOT NULL) AS problems
        FROM tagged
        """,
    )


def _key(engine: Engine) -> None:
    """Entry ids, and duplicates among the rows that are otherwise good.

    The registry id is the entry id when it is present and unique in the file (so linkage can
    match it exactly and a newer snapshot keeps the same id); otherwise a stable hash of the
    name and postcode (or city, for registries without postcodes). Two good rows with the same
    hash are the same business listed twice: the later one is rejected, naming the first.
    """
    place = "coalesce(upper(replace(postcode, ' ', '')), 'city:' || lower(city), '')"
    key = f"lower(regexp_replace(coalesce(name, ''), '\\s+', ' ', 'g')) || '|' || {place}"
    engine.run(
        "key_registry_rows",
        f"""
        CREATE OR REPLACE TEMP TABLE {FINAL} AS
        WITH counted AS (
            SELECT *, count(*) OVER (PARTITION BY registry_id) AS id_rows FROM {PARSED}
        ), keyed AS (
            SELECT *, CASE WHEN registry_id IS NOT NULL AND id_rows = 1 THEN registry_id
                           ELSE 'h-' || left(sha256({key}), 16) END AS entry_id
            FROM counted
        ), good AS (
            SELECT sheet, source_row,
                row_number() OVER w AS copy, first_value(source_row) OVER w AS first_row
            FROM keyed WHERE len(problems) = 0
            WINDOW w AS (PARTITION BY entry_id ORDER BY sheet NULLS FIRST, source_row)
        )
        SELECT k.*,
            CASE WHEN len(k.problems) > 0 THEN k.problems
                 WHEN g.copy > 1 THEN ['duplicate: same name and '
                      || CASE WHEN k.postcode IS NOT NULL THEN 'postcode'
                              WHEN k.city IS NOT NULL THEN 'city' ELSE 'no place' END
                      || ' as row ' || g.first_row] END AS reasons
        FROM keyed k LEFT JOIN good g
          ON g.sheet IS NOT DISTINCT FROM k.sheet AND g.source_row = k.source_row
        """,
    )

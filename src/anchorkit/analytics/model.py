"""The analytic model: every spend line decided once per change of data or settings.

Why: every figure — indicators, targets, LM3, jobs, what-if, opportunities, reports, the
dashboard, the API — needs the same facts about each line: its anchor and fiscal year, its
category, its supplier, where that supplier is and whether that is local, whether the line is
addressable and influenceable, and which impact tags its supplier held on the day it was paid.
Deciding them costs a pass over every line with five joins and string work (seconds at 10
million lines); each figure re-deriving them cost that pass again, and let two figures disagree
on a rule. So they are decided here once, stored, and every figure reads them:

- ``model_cell``: one row per *kind* of line — the lines of one anchor and fiscal year that share
  every input of a decision (supplier, its spelling and postcode, raw category, taxonomy
  category, the tags held that day) — with every decided attribute (:data:`CELL_COLUMNS`), their
  summed amount and their number: a few hundred thousand rows at 10 million lines, which every
  figure aggregates in milliseconds;
- ``model_line``: one narrow row per spend line — line id, anchor, fiscal year, amount and its
  ``kind`` (the cell holding all its attributes), so any line's facts are one join away;
- ``model_state``: the fingerprint each part was built from.

One pass decides: the lines are grouped by the inputs of a decision first, and the decisions —
string normalisation, placing postcodes, the local rule, the category lists of the settings —
are made once per kind, not once per line. A kind's id is a 64-bit hash of its inputs, checked
unique within each anchor after every build (a collision, never seen, rebuilds with a salt).

Exact invalidation: a fingerprint of what the model reads — each anchor's spend lines and
their categories, the suppliers' postcodes, the tags, the anchors, the settings that decide a
line and the region packs — is compared with the stored one before the model is read; a part
whose fingerprint differs is rebuilt (only the anchors whose lines or categories changed, when
nothing shared changed), so a stale model is never read. Within a process the check is made
again only after a statement that may have changed the store (:class:`anchorkit.engine.base.
Changes`), or when the settings in memory change.

The same SQL runs on DuckDB and on Spark (transpiled); only the full rebuild differs: DuckDB
replaces the tables in one statement, Spark rewrites their folders.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa

from anchorkit.classify.taxonomy import NOT_A_PURCHASE
from anchorkit.errors import EngineError
from anchorkit.settings import Settings
from anchorkit.workspace import Workspace

#: bump when the build's SQL changes what a row holds: every stored model is then rebuilt
MODEL_VERSION = "2"  # 2: model_cell.not_a_purchase
LINES = "model_line"
CELLS = "model_cell"
STATE = "model_state"
DERIVED = (LINES, CELLS, STATE)
GLOBAL = -1  # model_state's anchor_id for the parts every anchor shares
CODES = "__anchorkit__model_codes"
PLACES = "__anchorkit__model_places"
EPOCHS = "__anchorkit__tag_epochs"

#: the shipped region packs (anchorkit.place.regions.PACKS, without importing the places)
SHIPPED_REGIONS = Path(__file__).resolve().parents[1] / "data" / "regions"
#: settings that decide a line's facts (others — publish.*, lm3.* — are read at query time)
SETTINGS_READ = (
    "fiscal_year.start",
    "local.areas",
    "local.radius_km",
    "local.wider_areas",
    "local.postcode_prefixes",
    "place.country",
    "place.regions",
    "indicators.excluded_categories",
    "indicators.non_influenceable_categories",
    "indicators.exclude_not_a_purchase",
    "tags.grace_days",
)

#: a cell's decided attributes (every one a figure groups or filters on)
CELL_COLUMNS = (
    "anchor_id",
    "year",
    "classified",
    "category_code",
    "category_level1",
    "category_level2",
    "raw_category",
    "neighbourhood",
    "supplier_key",
    "supplier_id",
    "supplier_name",
    "location_class",
    "wider_class",
    "in_priority_area",
    "addressable",
    "influenceable",
    "not_a_purchase",
    "tags",
)

TABLES = {
    LINES: f"""
        CREATE TABLE IF NOT EXISTS {LINES} (
            line_id          BIGINT NOT NULL,
            anchor_id        INTEGER NOT NULL,
            year             INTEGER NOT NULL,   -- fiscal year, by the fiscal_year.start setting
            amount           DECIMAL(18,2) NOT NULL,
            kind             BIGINT NOT NULL     -- its cell: every other attribute of the line
        )""",
    CELLS: f"""
        CREATE TABLE IF NOT EXISTS {CELLS} (
            kind             BIGINT NOT NULL,    -- hash of the inputs its lines share
            anchor_id        INTEGER NOT NULL,
            year             INTEGER NOT NULL,
            classified       BOOLEAN NOT NULL,   -- anchorkit classify has seen the lines
            category_code    VARCHAR,
            category_level1  VARCHAR,
            category_level2  VARCHAR,
            raw_category     VARCHAR,
            neighbourhood    VARCHAR NOT NULL,   -- '(unknown)' when not placed in one
            supplier_key     VARCHAR NOT NULL,   -- supplier_id, else the name upper-cased
            supplier_id      VARCHAR,
            supplier_name    VARCHAR,            -- the lines' spelling, trimmed
            location_class   VARCHAR NOT NULL,   -- local / non_local / unknown (local.*)
            wider_class      VARCHAR,            -- the same for local.wider_areas; NULL: unset
            in_priority_area BOOLEAN,
            addressable      BOOLEAN NOT NULL,
            influenceable    BOOLEAN NOT NULL,
            not_a_purchase   BOOLEAN NOT NULL,   -- classify put it in the Not a Purchase family
            tags             VARCHAR[],          -- tags held on the day paid; NULL: none
            amount           DECIMAL(38,2) NOT NULL,
            lines            BIGINT NOT NULL
        )""",
    STATE: f"""
        CREATE TABLE IF NOT EXISTS {STATE} (
            anchor_id    INTEGER NOT NULL,       -- {GLOBAL}: the parts every anchor shares
            fingerprint  VARCHAR NOT NULL
        )""",
}

#: each line's category as figures report it: the shared taxonomy's level 1 once `anchorkit
#: classify` has run; a line it has not seen yet (ingested since) shows its raw category
CATEGORY_SQL = (
    "CASE WHEN classified THEN coalesce(category_level1, 'unclassified') "
    "ELSE coalesce(raw_category, 'unclassified') END"
)
MATCH_COLUMNS = ("raw_category", "category_code", "category_level1", "category_level2")


@dataclass(frozen=True)
class Model:
    """The model's tables, fresh for the data and settings they were asked for."""

    lines: str = LINES
    cells: str = CELLS

    def cells_where(
        self, ws: Workspace, *, anchor: str | None = None, year: int | None = None
    ) -> str:
        """A subquery of the cells of one anchor and/or year (every cell without either)."""
        return _scoped(self.cells, ws, anchor, year)


def _scoped(table: str, ws: Workspace, anchor: str | None, year: int | None) -> str:
    conditions = []
    if anchor is not None:
        conditions.append(f"anchor_id = {int(ws.anchor(anchor).anchor_id)}")
    if year is not None:
        conditions.append(f"year = {int(year)}")
    if not conditions:
        return table
    return f"(SELECT * FROM {table} WHERE {' AND '.join(conditions)})"


def literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def outside_sql(categories: Sequence[str], columns: Sequence[str] = MATCH_COLUMNS) -> str:
    """True for a line whose category is none of ``categories`` (case ignored): its raw
    category, or its taxonomy code, level-1 or level-2 name."""
    listed = [c.strip().lower() for c in categories if c.strip()]
    if not listed:
        return "true"
    values = ", ".join(literal(c) for c in listed)
    return " AND ".join(
        f"lower(trim(coalesce({column}, ''))) NOT IN ({values})" for column in columns
    )


def not_a_purchase_sql(columns: Sequence[str] = MATCH_COLUMNS) -> str:
    """True for a line ``classify`` put in the Not a Purchase family (a payment that buys
    nothing: precepts, levies, tax and NI remittances…); ``columns`` as for ``outside_sql``."""
    return f"coalesce({columns[2]} = {literal(NOT_A_PURCHASE)}, false)"


def addressable_sql(settings: Settings, columns: Sequence[str] = MATCH_COLUMNS) -> str:
    """Not in ``indicators.excluded_categories`` (payroll, taxes, transfers…) and, with
    ``indicators.exclude_not_a_purchase``, not a payment that buys nothing."""
    outside = outside_sql(settings["indicators.excluded_categories"], columns)
    if not settings["indicators.exclude_not_a_purchase"]:
        return outside
    return f"({outside}) AND NOT {not_a_purchase_sql(columns)}"


def influenceable_sql(settings: Settings, columns: Sequence[str] = MATCH_COLUMNS) -> str:
    """Addressable and not in ``indicators.non_influenceable_categories``."""
    return (
        f"({addressable_sql(settings, columns)}) AND "
        f"({outside_sql(settings['indicators.non_influenceable_categories'], columns)})"
    )


# --- freshness --------------------------------------------------------------------------------


def fresh_model(ws: Workspace) -> Model:
    """The model, first rebuilt where the data or settings changed since it was built."""
    engine = ws.engine
    changes = engine.changes
    changes.derived.update(DERIVED)
    settings_key = _settings_fingerprint(ws)
    with changes.lock:
        seen = changes.count  # before the check: a write during it is checked next time
        if changes.memo.get("model") != (seen, settings_key):
            _create_tables(ws)
            refresh(ws, settings_key)
            changes.memo["model"] = (seen, settings_key)
    return Model()


def _create_tables(ws: Workspace) -> None:
    for name, ddl in TABLES.items():
        ws.engine.run(f"create_{name}", ddl)


CATEGORIES = -2  # model_state's anchor_id for the whole line_category table's fingerprint
EMPTY = "0:None"  # the fingerprint of no rows (count 0, sum NULL)


def refresh(ws: Workspace, settings_key: str) -> list[int] | None:
    """Compare the stored fingerprints with the data's; rebuild what differs.

    Returns the anchors rebuilt (``None``: every one), an empty list when nothing changed.
    An anchor's fingerprint is its lines' and their categories'. The categories are
    fingerprinted whole first: unchanged, no anchor's changed (an anchor whose lines changed is
    rebuilt anyway), so only a changed category table costs the join that attributes them.
    """
    engine = ws.engine
    stored = {
        int(a): str(f)
        for a, f in engine.query("model_state", f"SELECT anchor_id, fingerprint FROM {STATE}")
    }
    shared = _shared_fingerprint(ws, settings_key)
    spend = _fingerprints(ws, _SPEND_FP)
    categories = _one(ws, "model_fp_categories", _CATEGORY_FP)
    if stored.get(GLOBAL) != shared:
        build(ws, None, shared=shared, spend=spend, categories=categories)
        return None
    if stored.get(CATEGORIES) == categories:
        current = {a: f"{fp}|{_tail(stored.get(a))}" for a, fp in spend.items()}
    else:
        of_anchor = _category_fingerprints(ws, None)
        current = {a: f"{fp}|{of_anchor.get(a, EMPTY)}" for a, fp in spend.items()}
    anchors = set(current) | {a for a in stored if a >= 0}
    changed = sorted(a for a in anchors if current.get(a) != stored.get(a))
    if changed or stored.get(CATEGORIES) != categories:
        build(ws, changed, shared=shared, spend=spend, categories=categories)
    return changed


def _tail(fingerprint: str | None) -> str:
    return "" if fingerprint is None else fingerprint.partition("|")[2]


_SPEND_FP = (
    "SELECT anchor_id, count(*), sum(hash(line_id, paid_on, amount, supplier_id, supplier_name, "
    "supplier_postcode, raw_category)) FROM spend_line GROUP BY anchor_id"
)
_CATEGORY_FP = "SELECT count(*), sum(hash(line_id, code, level1, level2)) FROM line_category"


def _one(ws: Workspace, step: str, sql: str) -> str:
    return ":".join(str(v) for v in ws.engine.query_one(step, sql))


def _fingerprints(ws: Workspace, sql: str) -> dict[int, str]:
    return {int(a): f"{n}:{h}" for a, n, h in ws.engine.query("model_fingerprints", sql)}


def _category_fingerprints(ws: Workspace, anchors: Sequence[int] | None) -> dict[int, str]:
    """The fingerprint of each anchor's lines' categories (of ``anchors``; None: every one)."""
    return _fingerprints(
        ws,
        "SELECT s.anchor_id, count(*), sum(hash(c.line_id, c.code, c.level1, c.level2)) "
        f"FROM line_category c JOIN spend_line s USING (line_id) {_where(anchors)} "
        "GROUP BY s.anchor_id",
    )


def _settings_fingerprint(ws: Workspace) -> str:
    """The settings that decide a line, the region packs' files and the model's version."""
    settings = {name: ws.settings[name] for name in SETTINGS_READ}
    files = []
    for name in ws.settings["place.regions"]:
        for folder in (ws.root / "regions", SHIPPED_REGIONS):
            path = folder / f"{name}.geojson"
            if path.exists():
                stat = path.stat()
                files.append([str(path), stat.st_size, stat.st_mtime_ns])
                break
    text = json.dumps([MODEL_VERSION, settings, files], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _shared_fingerprint(ws: Workspace, settings_key: str) -> str:
    parts = [
        settings_key,
        _one(
            ws,
            "model_fp_anchors",
            "SELECT count(*), sum(hash(anchor_id, name, site_postcode)) FROM anchor",
        ),
        _one(
            ws,
            "model_fp_suppliers",
            "SELECT count(*), sum(hash(supplier_id, postcode)) FROM supplier",
        ),
        _one(
            ws,
            "model_fp_tags",
            "SELECT count(*), sum(hash(supplier_id, tag, valid_from, valid_to)) FROM supplier_tag",
        ),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


# --- the build --------------------------------------------------------------------------------


def build(
    ws: Workspace,
    anchors: Sequence[int] | None,
    *,
    shared: str,
    spend: dict[int, str],
    categories: str,
) -> None:
    """Build the model for ``anchors`` (``None``: every anchor)."""
    from anchorkit.place.network import PLACED, location_sql, place_codes

    engine = ws.engine
    engine.run(
        "model_codes",
        f"""
        CREATE OR REPLACE TEMP TABLE {CODES} AS
        SELECT DISTINCT s.anchor_id,
            nullif(coalesce(nullif(trim(s.supplier_postcode), ''), sp.postcode), '') AS code
        FROM spend_line s LEFT JOIN supplier sp USING (supplier_id) {_where(anchors)}
        """,
    )
    epochs = tag_epochs(ws)
    try:
        columns = place_codes(
            ws, f"SELECT code FROM {CODES} UNION ALL SELECT site_postcode FROM anchor"
        )
        engine.run(
            "model_places",
            f"""
            CREATE OR REPLACE TEMP TABLE {PLACES} AS
            SELECT c.anchor_id, coalesce(c.code, '') AS code_key,
                {location_sql(ws.settings, columns)} AS location_class,
                CAST({location_sql(ws.settings, columns, "local.wider_areas")} AS VARCHAR)
                    AS wider_class,
                CAST(p.priority_area AS BOOLEAN) AS in_priority_area,
                coalesce(p.neighbourhood, '(unknown)') AS neighbourhood
            FROM {CODES} c JOIN anchor a USING (anchor_id)
            LEFT JOIN {PLACED} p ON p.input = c.code
            LEFT JOIN {PLACED} site ON site.input = a.site_postcode
            """,
        )
        engine.register(EPOCHS, epochs)
        built = sorted(spend) if anchors is None else [a for a in anchors if a in spend]
        todo: Sequence[int] | None = anchors
        for salt in range(3):
            _write(ws, todo, salt)
            todo = _clashes(ws, built)
            if not todo:
                break
        else:
            raise EngineError("The analytic model's line kinds still clash after three salts.")
        of_anchor = _category_fingerprints(ws, built)
        rows = [(GLOBAL, shared), (CATEGORIES, categories)]
        rows += [(a, f"{spend[a]}|{of_anchor.get(a, EMPTY)}") for a in built]
        cleared = (
            ""
            if anchors is None
            else f" WHERE anchor_id IN ({_ids([*anchors, GLOBAL, CATEGORIES])})"
        )
        values = ", ".join(f"({a}, {literal(f)})" for a, f in rows)
        with engine.transaction():
            engine.run("model_state_clear", f"DELETE FROM {STATE}{cleared}")
            engine.run("model_state_write", f"INSERT INTO {STATE} VALUES {values}")
    finally:
        try:
            engine.unregister(EPOCHS)
        except Exception:  # not registered: the build failed before
            pass
        engine.run("drop_model_places", f"DROP TABLE IF EXISTS {PLACES}")
        engine.run("drop_model_codes", f"DROP TABLE IF EXISTS {CODES}")


def _where(anchors: Sequence[int] | None) -> str:
    return "" if anchors is None else f"WHERE s.anchor_id IN ({_ids(anchors)})"


#: what a line's decisions depend on, besides its anchor's site and the settings (as columns of
#: the lines read by :func:`_write`): lines that share every one share a cell
INPUTS = (
    "anchor_id",
    "year",
    "supplier_id",
    "supplier_name",
    "supplier_postcode",
    "raw_category",
    "classified",
    "code",
    "level1",
    "level2",
    "tags",
)


def _write(ws: Workspace, anchors: Sequence[int] | None, salt: int) -> None:
    """Replace the cells and lines of ``anchors`` (``None``: all) in one transaction: the lines
    grouped by their inputs into kinds, each kind decided once, then each line's kind."""
    from anchorkit.ingest.values import fiscal_year_sql

    engine = ws.engine
    month, day = ws.settings.fiscal_year_start
    # a 63-bit hash on both engines (DuckDB's is an unsigned 64-bit one, Spark's xxhash64 signed)
    inputs = ", ".join(INPUTS)
    if engine.name == "duckdb":
        kind = f"CAST(hash({salt}, {inputs}) >> 1 AS BIGINT)"
    else:
        kind = f"xxhash64({salt}, {inputs})"
    lines = f"""(
        SELECT s.line_id, s.anchor_id, s.amount, s.supplier_id, s.supplier_name,
            s.supplier_postcode, s.raw_category, c.line_id IS NOT NULL AS classified,
            c.code, c.level1, c.level2, e.tags,
            {fiscal_year_sql("s.paid_on", month, day)} AS year
        FROM spend_line s
        LEFT JOIN line_category c USING (line_id)
        LEFT JOIN {EPOCHS} e ON e.supplier_id = s.supplier_id
            AND s.paid_on >= e.valid_from AND s.paid_on < e.valid_until
        {_where(anchors)}
    ) l"""
    matched = ("k.raw_category", "k.code", "k.level1", "k.level2")
    cells = f"""
        SELECT k.kind, k.anchor_id, k.year, k.classified, k.code AS category_code,
            k.level1 AS category_level1, k.level2 AS category_level2, k.raw_category,
            pl.neighbourhood,
            coalesce(k.supplier_id, upper(trim(k.supplier_name))) AS supplier_key,
            k.supplier_id, trim(k.supplier_name) AS supplier_name,
            pl.location_class, pl.wider_class, pl.in_priority_area,
            {addressable_sql(ws.settings, matched)} AS addressable,
            {influenceable_sql(ws.settings, matched)} AS influenceable,
            {not_a_purchase_sql(matched)} AS not_a_purchase,
            k.tags, k.amount, k.lines
        FROM (
            SELECT {kind} AS kind, {inputs}, sum(amount) AS amount, count(*) AS lines
            FROM {lines} GROUP BY {inputs}
        ) k
        LEFT JOIN supplier sp ON sp.supplier_id = k.supplier_id
        LEFT JOIN {PLACES} pl ON pl.anchor_id = k.anchor_id AND pl.code_key =
            coalesce(nullif(coalesce(nullif(trim(k.supplier_postcode), ''), sp.postcode), ''), '')
    """
    line_rows = f"SELECT line_id, anchor_id, year, amount, {kind} AS kind FROM {lines}"
    with engine.transaction():
        if anchors is None and engine.name == "duckdb":
            # one statement each: DuckDB writes the new table without deleting row by row
            engine.run("model_cells", f"CREATE OR REPLACE TABLE {CELLS} AS {cells}")
            engine.run("model_lines", f"CREATE OR REPLACE TABLE {LINES} AS {line_rows}")
            return
        scope = "" if anchors is None else f" WHERE anchor_id IN ({_ids(anchors)})"
        engine.run("model_cells_clear", f"DELETE FROM {CELLS}{scope}")
        engine.run("model_cells", f"INSERT INTO {CELLS} {cells}")
        engine.run("model_lines_clear", f"DELETE FROM {LINES}{scope}")
        engine.run("model_lines", f"INSERT INTO {LINES} {line_rows}")


def _clashes(ws: Workspace, anchors: Sequence[int]) -> list[int]:
    """Anchors two of whose cells share a kind (a hash collision): rebuilt with another salt."""
    if not anchors:
        return []
    rows = ws.engine.query(
        "model_kind_clashes",
        f"SELECT anchor_id FROM {CELLS} WHERE anchor_id IN ({_ids(anchors)}) "
        "GROUP BY anchor_id HAVING count(*) > count(DISTINCT kind)",
    )
    return [int(a) for (a,) in rows]


def _ids(values: Iterable[int]) -> str:
    return ", ".join(str(int(v)) for v in values) or "NULL"


def tag_epochs(ws: Workspace) -> pa.Table:
    """Each supplier's tags as spans of days over which they do not change.

    A tag holds on a day from its ``valid_from`` (or always) to its ``valid_to`` plus the
    ``tags.grace_days`` setting (or forever); between two consecutive such boundaries a
    supplier's set of tags is constant, so each line joins the one span its day falls in
    (``valid_from`` ≤ day < ``valid_until``). Only spans holding a tag are kept.
    """
    grace = dt.timedelta(days=int(ws.settings["tags.grace_days"]))
    rows = ws.engine.query(
        "model_supplier_tags",
        "SELECT supplier_id, tag, valid_from, valid_to FROM supplier_tag ORDER BY supplier_id",
    )
    by_supplier: dict[str, list[tuple[str, dt.date | None, dt.date | None]]] = {}
    for supplier_id, tag, start, end in rows:
        until = None if end is None else _date(end) + grace + dt.timedelta(days=1)
        by_supplier.setdefault(str(supplier_id), []).append(
            (str(tag), None if start is None else _date(start), until)
        )
    first, last = dt.date(1, 1, 1), dt.date(9999, 12, 31)
    out: dict[str, list[Any]] = {"supplier_id": [], "valid_from": [], "valid_until": [], "tags": []}
    for supplier_id, spans in by_supplier.items():
        bounds = sorted({first, last} | {d for _, s, u in spans for d in (s, u) if d is not None})
        for start, until in zip(bounds, bounds[1:], strict=False):
            held = sorted(
                {
                    tag
                    for tag, s, u in spans
                    if (s is None or s <= start) and (u is None or start < u)
                }
            )
            if not held:
                continue
            if (
                out["supplier_id"]
                and out["supplier_id"][-1] == supplier_id
                and out["tags"][-1] == held
                and out["valid_until"][-1] == start
            ):
                out["valid_until"][-1] = until  # the same tags go on: one span
                continue
            out["supplier_id"].append(supplier_id)
            out["valid_from"].append(start)
            out["valid_until"].append(until)
            out["tags"].append(held)
    return pa.table(
        {
            "supplier_id": pa.array(out["supplier_id"], pa.string()),
            "valid_from": pa.array(out["valid_from"], pa.date32()),
            "valid_until": pa.array(out["valid_until"], pa.date32()),
            "tags": pa.array(out["tags"], pa.list_(pa.string())),
        }
    )


def _date(value: Any) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value

"""How anchorkit's DuckDB SQL becomes Spark SQL: the dialect half of the Spark adapter.

Queries are transpiled by sqlglot (``read="duckdb", write="spark"``), as Splink does. What sqlglot
cannot translate is the store's *writes*: Spark has no UPDATE, DELETE or INSERT OR REPLACE on
plain Parquet files. Each of those is rewritten here as the SELECT that computes the table's new
content, and the adapter (``engine/spark.py``) writes that content to a temporary path and swaps
it in. The rewrites, all of them:

* ``?`` parameters are inlined as literals before parsing (Spark's own markers are refused in
  views and DDL, and the statements are logged with their values anyway);
* ``UPDATE t SET c = e [FROM s] WHERE w`` → ``SELECT …, CASE WHEN w THEN e ELSE t.c END AS c …
  FROM t [LEFT JOIN (SELECT *, TRUE AS hit FROM s) ON w]``;
* ``DELETE FROM t WHERE w`` → ``SELECT * FROM t WHERE NOT coalesce(w, FALSE)``;
* ``INSERT OR REPLACE`` → the new rows, plus the old rows whose primary key they do not repeat;
* ``list[i]`` (NULL past the end) → ``try_element_at(list, i)``;
* ``to_json(alias)`` (a whole row) → ``to_json(struct(alias.*))``;
* ``x GLOB 'pattern'`` → ``x RLIKE '^regex$'``;
* ``SET …`` (DuckDB pragmas such as ``preserve_insertion_order``) → nothing;
* DuckDB's ``rowid`` pseudo-column is a real ``rowid`` column on temporary tables (numbered in
  the order rows were read, as DuckDB numbers them).
"""

from __future__ import annotations

import datetime as dt
import decimal
import re
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlglot
from sqlglot import TokenType, exp
from sqlglot.dialects.duckdb import DuckDB

HIT = "__anchorkit_hit"

#: DuckDB column types the store uses, as Spark types (JSON is kept as its text).
_TYPE_FIXES = {"JSON": "STRING", "TIMESTAMP_NTZ": "TIMESTAMP"}


def literal(value: Any) -> str:
    """A Python value as a DuckDB SQL literal."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return f"CAST('{value}' AS DECIMAL(38, {max(0, -value.as_tuple().exponent)}))"  # type: ignore[operator]
    if isinstance(value, dt.datetime):
        return f"TIMESTAMP '{value.isoformat(sep=' ')}'"
    if isinstance(value, dt.date):
        return f"DATE '{value.isoformat()}'"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(literal(v) for v in value) + "]"
    return "'" + str(value).replace("'", "''") + "'"


def inline_params(sql: str, params: Sequence[Any] | None) -> str:
    """Replace each ``?`` marker (outside strings and comments) by its value, in order."""
    if not params:
        return sql
    tokens = [t for t in DuckDB().tokenize(sql) if t.token_type == TokenType.PLACEHOLDER]
    if len(tokens) != len(params):
        raise ValueError(f"{len(tokens)} parameter markers for {len(params)} values")
    out, last = [], 0
    for token, value in zip(tokens, params, strict=True):
        out.append(sql[last : token.start])
        out.append(literal(value))
        last = token.end + 1
    out.append(sql[last:])
    return "".join(out)


def parse(sql: str) -> list[exp.Expression]:
    # name normalisation nests a few hundred replace() calls: sqlglot recurses once per level
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 20_000))
    return [e for e in sqlglot.parse(sql, read="duckdb") if isinstance(e, exp.Expression)]


def to_spark(expression: exp.Expression) -> str:
    tree = expression.copy()
    for node in reversed(list(tree.dfs())):  # children before their parents
        if not isinstance(node, exp.Expression):
            continue
        new = _rewrite(node)
        if new is not node:
            if node is tree:
                tree = new
            else:
                node.replace(new)
    return tree.sql(dialect="spark")


def _rewrite(node: exp.Expression) -> exp.Expression:
    """DuckDB functions sqlglot leaves as they are (or changes in meaning), in Spark's words."""
    if isinstance(node, exp.Glob) and isinstance(node.expression, exp.Literal):
        regex = exp.Literal.string(glob_regex(node.expression.name))
        return exp.RegexpLike(this=node.this, expression=regex)
    if isinstance(node, exp.RegexpReplace):
        return _regexp_replace(node)
    if isinstance(node, exp.Bracket) and len(node.expressions) == 1:
        index = node.expressions[0]
        if not (isinstance(index, exp.Literal) and index.is_string):
            # DuckDB's list[i] is NULL past the end; Spark's [i] is an error: try_element_at
            # sqlglot made a literal index 0-based; an expression it leaves as DuckDB wrote it
            one_based = (
                exp.Literal.number(int(index.name) + 1)
                if isinstance(index, exp.Literal)
                else index.copy()
            )
            return exp.Anonymous(this="TRY_ELEMENT_AT", expressions=[node.this, one_based])
    if isinstance(node, exp.JSONObject):
        # json_object keeps NULL members, as DuckDB does; key order is kept
        pairs: list[exp.Expression] = []
        for pair in node.expressions:
            pairs.extend([pair.this, pair.expression])
        options = exp.Anonymous(
            this="MAP",
            expressions=[exp.Literal.string("ignoreNullFields"), exp.Literal.string("false")],
        )
        struct = exp.Anonymous(this="NAMED_STRUCT", expressions=pairs)
        return exp.Anonymous(this="TO_JSON", expressions=[struct, options])
    if isinstance(node, exp.Cast) and node.to.this == exp.DataType.Type.JSON:
        return exp.Cast(this=node.this, to=exp.DataType.build("STRING"))  # JSON is its text
    if isinstance(node, exp.Anonymous):
        name = str(node.this).lower()
        if name == "try_strptime":
            value, fmt = node.expressions
            text = exp.StrToTime(this=exp.column("__x"), format=fmt).sql(dialect="spark")
            spark_fmt = exp.Literal.string(re.search(r"'(.*)'", text).group(1))  # type: ignore[union-attr]
            return exp.Anonymous(this="TRY_TO_TIMESTAMP", expressions=[value, spark_fmt])
        if name == "regexp_split_to_array":
            return exp.Anonymous(this="SPLIT", expressions=node.expressions)
        if name == "to_json" and _is_row_alias(node.expressions[0]):
            row = exp.Anonymous(
                this="STRUCT", expressions=[exp.column(exp.Star(), table=node.expressions[0].name)]
            )
            return exp.Anonymous(this="TO_JSON", expressions=[row])
    return node


def _is_row_alias(node: exp.Expression) -> bool:
    """``p`` in ``to_json(p)`` names a whole row when it is an alias of the FROM clause."""
    if not isinstance(node, exp.Column) or node.table:
        return False
    select = node.find_ancestor(exp.Select)
    if select is None:
        return False
    sources = [select.args.get("from_"), *(select.args.get("joins") or [])]
    aliases = {s.this.alias_or_name for s in sources if s is not None}
    return node.name in aliases


def _regexp_replace(node: exp.RegexpReplace) -> exp.Expression:
    """DuckDB replaces the first match unless the 'g' option is given; Spark replaces all.

    The first match alone is ``^(.*?)(?:pattern)`` → ``$1`` + replacement (its groups shift by
    one). DuckDB's ``\\1`` back-references become Java's ``$1``.
    """
    pattern, replacement = node.expression, node.args.get("replacement")
    modifiers = node.args.get("modifiers")
    every = modifiers is not None and "g" in modifiers.name
    if not isinstance(pattern, exp.Literal) or not isinstance(replacement, exp.Literal):
        return node
    shift = 0 if every else 1
    java = _java_replacement(replacement.name, shift)
    regex = pattern.name
    if not every:
        regex, java = f"(?s)^(.*?)(?:{regex})", "$1" + java
    return exp.RegexpReplace(
        this=node.this, expression=exp.Literal.string(regex), replacement=exp.Literal.string(java)
    )


def _java_replacement(text: str, shift: int) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            nxt = text[i + 1]
            out.append(f"${int(nxt) + shift}" if nxt.isdigit() else "\\" + nxt)
            i += 2
            continue
        out.append("\\$" if char == "$" else char)
        i += 1
    return "".join(out)


def glob_regex(pattern: str) -> str:
    """A GLOB pattern (``*``, ``?``, ``[...]``) as an anchored Java regex."""
    out, i = ["^"], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "*":
            out.append(".*")
        elif char == "?":
            out.append(".")
        elif char == "[":
            end = pattern.find("]", i + 1)
            if end < 0:
                out.append("\\[")
            else:
                out.append(pattern[i : end + 1])
                i = end
        else:
            out.append(re.escape(char))
        i += 1
    out.append("$")
    return "".join(out)


def spark_type(kind: exp.DataType) -> str:
    text = kind.sql(dialect="spark")
    return _TYPE_FIXES.get(text, text)


@dataclass
class TableDef:
    """A stored table as CREATE TABLE declared it: what the warehouse needs to write it."""

    name: str
    columns: list[tuple[str, str]]  # (name, Spark type)
    defaults: dict[str, str] = field(default_factory=dict)  # column -> Spark SQL expression
    key: list[str] = field(default_factory=list)

    @property
    def names(self) -> list[str]:
        return [c for c, _ in self.columns]


def table_def(create: exp.Create) -> TableDef:
    schema = create.this
    assert isinstance(schema, exp.Schema)
    name = schema.this.name
    table = TableDef(name, [])
    for item in schema.expressions:
        if isinstance(item, exp.ColumnDef):
            table.columns.append(column_def(item, table))
        elif isinstance(item, exp.PrimaryKey):
            table.key = [e.name for e in item.expressions]
    return table


def column_def(item: exp.ColumnDef, table: TableDef) -> tuple[str, str]:
    kind = item.args.get("kind")
    assert isinstance(kind, exp.DataType)
    for constraint in item.constraints:
        if isinstance(constraint.kind, exp.PrimaryKeyColumnConstraint):
            table.key = [item.name]
        elif isinstance(constraint.kind, exp.DefaultColumnConstraint):
            table.defaults[item.name] = to_spark(constraint.kind.this)
    return item.name, spark_type(kind)


def target_name(table: exp.Expression) -> str:
    if isinstance(table, exp.Schema):
        table = table.this
    return table.name


def select_for_update(update: exp.Update, columns: Sequence[str]) -> str:
    """The table's new content after an UPDATE, as one SELECT (see the module docstring)."""
    target = update.this
    alias = target.alias_or_name
    where = update.args.get("where")
    source = update.args.get("from_") or update.args.get("from")
    condition: exp.Expr = where.this if where is not None else exp.true()
    sets = {e.this.name: e.expression for e in update.expressions}
    if source is not None:
        hit = exp.column(HIT, table=source.this.alias_or_name)
        condition = exp.and_(condition, hit)
    picked = []
    for column in columns:
        old = exp.column(column, table=alias)
        if column in sets:
            new = exp.Case(
                ifs=[
                    exp.If(
                        this=exp.Coalesce(this=condition.copy(), expressions=[exp.false()]),
                        true=sets[column].copy(),
                    )
                ],
                default=old,
            )
            picked.append(exp.alias_(new, column))
        else:
            picked.append(exp.alias_(old, column))
    base = exp.Table(
        this=exp.to_identifier(target.name), alias=exp.TableAlias(this=exp.to_identifier(alias))
    )
    select = exp.select(*picked).from_(base)
    if source is not None:
        other = source.this
        source_alias = other.alias_or_name
        inner = other.copy()
        if isinstance(inner, exp.Subquery):
            inner = inner.this
        elif isinstance(inner, exp.Table):
            inner.set("alias", None)
            inner = exp.select("*").from_(inner)
        flagged = exp.select("*", exp.alias_(exp.true(), HIT)).from_(inner.subquery("__s"))
        join_on = where.this.copy() if where is not None else exp.true()
        select = select.join(flagged.subquery(source_alias), on=join_on, join_type="left")
    return to_spark(select)


def select_for_delete(delete: exp.Delete) -> str:
    target = delete.this
    where = delete.args.get("where")
    select = exp.select("*").from_(target.copy())
    if where is not None:
        keep = exp.not_(exp.Coalesce(this=exp.paren(where.this.copy()), expressions=[exp.false()]))
        select = select.where(keep)
    else:
        select = select.where(exp.false())
    return to_spark(select)


def insert_source(insert: exp.Insert) -> tuple[str, list[str] | None]:
    """The SELECT producing an INSERT's rows, and the columns it names (None: all, in order)."""
    target = insert.this
    columns = [e.name for e in target.expressions] if isinstance(target, exp.Schema) else None
    source = insert.expression
    if isinstance(source, exp.Values):
        return f"SELECT * FROM {to_spark(source)}", columns
    return to_spark(source), columns

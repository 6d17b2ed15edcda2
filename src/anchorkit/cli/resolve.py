"""CLI commands of supplier resolution: resolve, dedupe, review, supplier.

Kept beside ``cli.py`` so each command family stays small; every command parses its arguments
and calls one library function.
"""

from __future__ import annotations

import getpass
import json
from pathlib import Path
from typing import Annotated, Any

import typer

from anchorkit.cli.common import _open, _print_json, app, err, friendly, out, wrapping_table
from anchorkit.resolve.dedupe import dedupe_file
from anchorkit.resolve.review import decide, list_items, merge, split
from anchorkit.resolve.run import resolve as run_resolve
from anchorkit.views import formatting as fmt

review_app = typer.Typer(
    help="Pairs of supplier records the model is unsure about.", no_args_is_help=True
)
supplier_app = typer.Typer(help="Resolved suppliers.", no_args_is_help=True)
app.add_typer(review_app, name="review")
app.add_typer(supplier_app, name="supplier")

By = Annotated[str | None, typer.Option("--by", help="Who decides (default: your user name).")]
Note = Annotated[str | None, typer.Option(help="Why, for the audit trail.")]


def _who(by: str | None) -> str:
    return f"person:{by or getpass.getuser()}"


@app.command()
@friendly
def resolve(json_output: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Link every spend line and registry entry to a supplier (Splink), keeping ids stable."""
    with _open() as ws, err.status("resolving suppliers…"):
        result = run_resolve(ws)
    if json_output:
        _print_json(result.to_json())
        return
    out.print(
        f"{result.records:,} supplier records → {result.suppliers:,} suppliers "
        f"({result.new_suppliers:,} new, {result.kept_supplier_ids:,} kept their id); "
        f"{result.lines_assigned:,} spend lines assigned."
    )
    out.print(
        f"{result.pairs_scored:,} pairs scored, {result.review_items:,} waiting for review "
        f"(anchorkit review list); model saved to {result.model_path}"
    )
    for note in result.notes:
        out.print(f"   · {note}")


@app.command()
@friendly
def dedupe(
    input_csv: Annotated[Path, typer.Argument(help="A CSV with a column of names.")],
    column: Annotated[str, typer.Option(help="The column holding the names.")],
    out_csv: Annotated[Path, typer.Option("--out", help="Where to write the result CSV.")],
    id_column: Annotated[str | None, typer.Option(help="A column of row ids to keep.")] = None,
    extra_columns: Annotated[
        str | None,
        typer.Option(
            help="Comma-separated columns that must agree too (a postcode column is "
            "compared as a postcode)."
        ),
    ] = None,
) -> None:
    """Cluster any list of names: writes every row plus cluster_id and match_probability."""
    extras = [c.strip() for c in (extra_columns or "").split(",") if c.strip()]
    with err.status("clustering…"):
        summary = dedupe_file(
            input_csv, column=column, out=out_csv, id_column=id_column, extra_columns=extras
        )
    out.print(f"{summary['rows']:,} rows → {summary['clusters']:,} clusters, written to {out_csv}")


@review_app.command("list")
@friendly
def review_list(
    limit: Annotated[int | None, typer.Option(help="Show at most this many.")] = 20,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Pairs waiting for a person, most uncertain first."""
    with _open() as ws:
        items = list_items(ws, limit=limit)
    if json_output:
        _print_json([i.to_json() for i in items])
        return
    table = wrapping_table("item", "p", "one spelling", "the other", "why", numeric=("p",))
    for i in items:
        table.add_row(
            i.item_id,
            fmt.ratio(i.match_probability),
            f"{i.left['name']} ({i.left.get('postcode') or 'no postcode'})",
            f"{i.right['name']} ({i.right.get('postcode') or 'no postcode'})",
            i.reason or "",
        )
    out.print(table)
    out.print("Decide with: anchorkit review accept ITEM | anchorkit review reject ITEM")


@review_app.command("accept")
@friendly
def review_accept(item: str, by: By = None, note: Note = None) -> None:
    """The two spellings are the same supplier."""
    with _open() as ws:
        decide(ws, item, "match", by=_who(by), note=note)
    out.print(f"{item}: same supplier. Applied at the next anchorkit resolve, and every one after.")


@review_app.command("reject")
@friendly
def review_reject(item: str, by: By = None, note: Note = None) -> None:
    """The two spellings are different suppliers."""
    with _open() as ws:
        decide(ws, item, "non_match", by=_who(by), note=note)
    out.print(
        f"{item}: different suppliers. Applied at the next anchorkit resolve, and every one after."
    )


@review_app.command("merge")
@friendly
def review_merge(first: str, second: str, by: By = None, note: Note = None) -> None:
    """Two suppliers are one (e.g. S000012 S000345)."""
    with _open() as ws:
        merge(ws, first, second, by=_who(by), note=note)
    out.print(f"{first} and {second} will be one supplier from the next anchorkit resolve on.")


@review_app.command("split")
@friendly
def review_split(
    supplier_id: str,
    name: Annotated[str, typer.Option(help="The spelling to take out of the supplier.")],
    by: By = None,
    note: Note = None,
) -> None:
    """Take one spelling out of a supplier."""
    with _open() as ws:
        count = split(ws, supplier_id, name, by=_who(by), note=note)
    out.print(f"{name!r} leaves {supplier_id} at the next anchorkit resolve ({count} decisions).")


@supplier_app.command("list")
@friendly
def supplier_list(
    limit: Annotated[int, typer.Option(help="Show at most this many.")] = 20,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Suppliers by spend."""
    with _open() as ws:
        rows = ws.engine.query(
            "supplier_list",
            "SELECT s.supplier_id, s.name, s.postcode, count(l.line_id), coalesce(sum(l.amount), 0), "
            "count(DISTINCT l.anchor_id) FROM supplier s LEFT JOIN spend_line l USING (supplier_id) "
            "GROUP BY ALL ORDER BY 5 DESC, 1 LIMIT ?",
            [limit],
        )
    data = [
        {
            "supplier_id": r[0],
            "name": r[1],
            "postcode": r[2],
            "lines": r[3],
            "spend": f"{r[4]:.2f}",  # exact, for --json
            "anchors": r[5],
        }
        for r in rows
    ]
    if json_output:
        _print_json(data)
        return
    table = wrapping_table(
        "id", "name", "postcode", "lines", "spend", "anchors", numeric=("lines", "spend", "anchors")
    )
    for d in data:
        table.add_row(
            d["supplier_id"],
            d["name"],
            d["postcode"] or "",
            f"{d['lines']:,}",
            fmt.money(d["spend"]),
            str(d["anchors"]),
        )
    out.print(table)


@supplier_app.command("show")
@friendly
def supplier_show(
    supplier_id: str, json_output: Annotated[bool, typer.Option("--json")] = False
) -> None:
    """One supplier: where it is, its spellings in each anchor and registry (and what merged
    each: a rule, an identifier, the model's score or a person), and its tags."""
    with _open() as ws:
        place = ws.engine.query(
            "supplier_place",
            "SELECT name, postcode, place_precision, local_area, neighbourhood, priority_area, "
            "place_reason, areas FROM supplier WHERE supplier_id = ?",
            [supplier_id],
        )
        aliases = ws.engine.query(
            "supplier_aliases",
            "SELECT coalesce(a.name, 'registry ' || s.registry), s.raw_name, s.supplier_ref, "
            "s.postcode, s.decided_by, s.match_probability "
            "FROM supplier_alias s LEFT JOIN anchor a USING (anchor_id) "
            "WHERE s.supplier_id = ? ORDER BY 1, 2",
            [supplier_id],
        )
        tags = ws.engine.query(
            "supplier_tags",
            "SELECT tag, source, valid_from, valid_to FROM supplier_tag WHERE supplier_id = ? "
            "ORDER BY tag",
            [supplier_id],
        )
    name, postcode, precision, area, hood, priority, reason, areas = (
        place[0] if place else (None,) * 8
    )
    data: dict[str, Any] = {
        "supplier_id": supplier_id,
        "name": name,
        "place": {
            "postcode": postcode,
            "precision": precision,
            "local_area": area,
            "neighbourhood": hood,
            "priority_area": priority,
            "reason": reason,
            "areas": json.loads(areas) if areas else {},
        },
        "spellings": [
            {
                "where": w,
                "name": n,
                "vendor_id": v,
                "postcode": p,
                "merged_by": by,
                "score": round(score, 4) if score is not None else None,
            }
            for w, n, v, p, by, score in aliases
        ],
        "tags": [
            {
                "tag": t,
                "source": s,
                "valid_from": str(f) if f else None,
                "valid_to": str(u) if u else None,
            }
            for t, s, f, u in tags
        ],
    }
    if json_output:
        _print_json(data)
        return
    if not aliases:
        err.print(f"No supplier {supplier_id!r}; see anchorkit supplier list.")
        raise typer.Exit(1)
    where = data["place"]
    out.print(
        f"[bold]{supplier_id} {name}[/bold] — {where['postcode'] or 'no postcode'} "
        f"(precision {where['precision'] or 'unknown'}"
        + (f", {where['local_area']}" if where["local_area"] else "")
        + (f", {where['neighbourhood']}" if where["neighbourhood"] else "")
        + (", priority area" if where["priority_area"] else "")
        + (f"; {where['reason']}" if where["reason"] else "")
        + ")"
    )
    table = wrapping_table("where", "spelling", "vendor id", "postcode", "merged by")
    for s in data["spellings"]:
        table.add_row(
            s["where"], s["name"], s["vendor_id"] or "", s["postcode"] or "", s["merged_by"]
        )
    out.print(table)
    for t in data["tags"]:
        out.print(f"tag {t['tag']} from {t['source']} ({t['valid_from']} – {t['valid_to']})")

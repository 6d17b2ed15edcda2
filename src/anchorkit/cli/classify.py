"""CLI commands of spend classification: classify, category list / map / review."""

from __future__ import annotations

import getpass
from typing import Annotated, Any

import typer

from anchorkit.classify import classify as run_classify
from anchorkit.classify import explain_line, map_category, review_lines, taxonomy_for
from anchorkit.cli.common import _open, _print_json, app, err, friendly, out, wrapping_table
from anchorkit.views import formatting as fmt

category_app = typer.Typer(
    help="The shared spend category taxonomy and each anchor's confirmed mappings.",
    no_args_is_help=True,
)
app.add_typer(category_app, name="category")


@app.command("classify")
@friendly
def classify_command(
    retrain: Annotated[
        bool,
        typer.Option(
            help="Retrain the text model from the shipped examples and every confirmed mapping."
        ),
    ] = False,
    explain: Annotated[
        int | None,
        typer.Option(
            "--explain",
            metavar="LINE_ID",
            help="Show the evidence and scores behind one line's category instead of classifying.",
        ),
    ] = None,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Give every spend line a taxonomy category (or 'unclassified'), keeping how and why."""
    if explain is not None:
        with _open() as ws:
            found = explain_line(ws, explain)
        if json_output:
            _print_json(found)
        else:
            _print_explanation(found)
        return
    with _open() as ws, err.status("classifying spend lines…"):
        result = run_classify(ws, retrain=retrain)
    if json_output:
        _print_json(result.to_json())
        return
    methods = ", ".join(f"{m} {n:,}" for m, n in result.by_method.items())
    out.print(
        f"{result.lines:,} lines classified ({result.decisions:,} distinct) by: {methods}.",
        highlight=False,
    )
    out.print(
        f"{result.unclassified:,} lines unclassified (confidence below "
        f"{result.min_confidence}), spend {result.unclassified_spend}; "
        f"{result.not_a_purchase:,} lines not a purchase, spend {result.not_a_purchase_spend}.",
        highlight=False,
    )
    out.print(
        f"{result.low_confidence:,} lines below confidence {result.review_threshold} "
        "(anchorkit category review); why a line got its category: "
        "anchorkit classify --explain LINE_ID; confirm a raw category with: "
        "anchorkit category map RAW CODE --anchor NAME",
        highlight=False,
    )


def _print_explanation(found: dict[str, Any]) -> None:
    out.print(
        f"[bold]Line {found['line_id']}[/bold] ({found['anchor']}, {found['paid_on']}, "
        f"{found['amount']}): raw category {found['raw_category']!r}, description "
        f"{found['description']!r}, cost centre {found['cost_centre']!r}, supplier "
        f"{found['supplier']!r}",
        highlight=False,
    )
    code = found["code"] or "unclassified"
    out.print(
        f"Category: {code} {found['path'] or ''} — method {found['method']}, confidence "
        f"{fmt.ratio(found['confidence'])} (below {found['min_confidence']} stays unclassified)",
        highlight=False,
    )
    if found.get("evidence"):
        table = wrapping_table(
            "source", "weight", "says", "strength", "why", numeric=("weight", "strength")
        )
        for e in found["evidence"]:
            table.add_row(
                e["source"], fmt.ratio(e["source_weight"]), e["code"], fmt.ratio(e["strength"]),
                e["detail"],
            )  # fmt: skip
        out.print(table)
        scores = wrapping_table("family (level 1)", "score", numeric=("score",))
        for f in found["families"]:
            scores.add_row(f"{f['code']} {f['name']}", fmt.ratio(f["score"]))
        out.print(scores)
        out.print(
            f"Score = sum of weight x strength per code / (unknown {found['unknown_weight']} + "
            f"the weights of the sources that spoke); confidence = the score calibrated "
            f"({fmt.ratio(found['score'])} → {fmt.ratio(found['confidence'])}).",
            highlight=False,
        )
    else:
        out.print(found["summary"], highlight=False)
    stored = found["stored"]
    if stored["code"] != found["code"] or stored["method"] != found["method"]:
        out.print(
            f"The last anchorkit classify stored {stored['code'] or 'unclassified'} "
            f"({stored['method']}); run it again to bring the line up to date.",
            highlight=False,
        )


@category_app.command("list")
@friendly
def category_list(
    level: Annotated[int, typer.Option(help="Show categories down to this level (1-3).")] = 1,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The taxonomy's categories with their codes."""
    with _open() as ws:
        taxonomy = taxonomy_for(ws.settings, ws.root)
    cats = sorted(
        (c for c in taxonomy.categories.values() if c.level <= level),
        key=lambda c: (c.level1.lower(), c.level2 or "", c.level, c.name),
    )
    if json_output:
        _print_json([{"code": c.code, "level": c.level, "path": c.path} for c in cats])
        return
    for c in cats:
        out.print(f"{c.code}  {'  ' * (c.level - 1)}{c.name}", highlight=False)


@category_app.command("map")
@friendly
def category_map(
    raw: Annotated[str, typer.Argument(help="The raw category as it appears in the files.")],
    code: Annotated[str, typer.Argument(help="The taxonomy code it means (category list).")],
    anchor: Annotated[str, typer.Option(help="The anchor whose raw category this is.")],
    by: Annotated[str | None, typer.Option(help="Who confirms (default: your user name).")] = None,
) -> None:
    """Confirm what one anchor's raw category means; wins over rules and the model."""
    with _open() as ws:
        result = map_category(ws, raw, code, anchor, by=f"person:{by or getpass.getuser()}")
    out.print(
        f"{result.anchor}: {result.raw_category!r} → {result.code} ({result.path}); covers "
        f"{result.lines_covered:,} lines. Applied at the next anchorkit classify.",
        highlight=False,
    )


@category_app.command("review")
@friendly
def category_review(
    threshold: Annotated[
        float | None, typer.Option(help="Default: the setting classify.review_threshold.")
    ] = None,
    limit: Annotated[int, typer.Option(help="Show at most this many groups.")] = 20,
    json_output: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Low-confidence and unclassified lines, grouped, the most spend first."""
    with _open() as ws:
        rows = review_lines(ws, threshold=threshold, limit=limit)
    if json_output:
        _print_json(rows)
        return
    table = wrapping_table(
        "anchor",
        "raw category",
        "description",
        "category",
        "how",
        "conf",
        "lines",
        "spend",
        numeric=("conf", "lines", "spend"),
    )
    for r in rows:
        table.add_row(
            r["anchor"],
            r["raw_category"] or "(none)",
            r["description"] or "",
            " – ".join(
                [f"{r['code'] or 'unclassified'} {r['level1'] or ''}".strip()]
                + ([r["level2"]] if r["level2"] else [])
            ),
            r["method"],
            fmt.ratio(r["confidence"]),
            fmt.count(r["lines"]),
            fmt.money(r["spend"]),
        )
    out.print(table)
    if any(r["raw_category"] for r in rows):
        out.print(
            "Confirm what a raw category means: anchorkit category map RAW CODE --anchor NAME"
        )
    if any(not r["raw_category"] for r in rows):
        out.print(
            "Lines with no raw category, (none), cannot be mapped: their file gave them no "
            "category. Say what they are with a rule on their description or supplier in the "
            "taxonomy's rules.toml (docs/classification.md), or load the file again with its "
            "category column if it has one; then run anchorkit classify."
        )

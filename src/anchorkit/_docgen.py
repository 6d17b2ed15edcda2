"""Generate docs/cli.md from the commands' own --help, so the reference cannot drift.

python -m anchorkit._docgen > docs/cli.md
"""

from __future__ import annotations

import os
import sys

import typer
from typer.testing import CliRunner

from anchorkit.cli import app


def command_paths(
    typer_app: typer.Typer = app, prefix: tuple[str, ...] = ()
) -> list[tuple[str, ...]]:
    """Every command and group path, e.g. ('anchor', 'add')."""
    paths: list[tuple[str, ...]] = [prefix]
    for command in typer_app.registered_commands:
        name = command.name or (command.callback.__name__ if command.callback else "")
        paths.append((*prefix, name.replace("_", "-")))
    for group in typer_app.registered_groups:
        assert group.typer_instance is not None and group.name is not None
        paths.extend(command_paths(group.typer_instance, (*prefix, group.name)))
    return sorted(paths)


def cli_reference() -> str:
    runner = CliRunner()
    parts = [
        "# Command reference",
        "",
        "Generated from `--help` by `python -m anchorkit._docgen > docs/cli.md`; a test keeps it current.",
        "",
    ]
    env = {**os.environ, "COLUMNS": "100", "NO_COLOR": "1", "TERM": "dumb"}
    for path in command_paths():
        result = runner.invoke(app, [*path, "--help"], env=env, prog_name="anchorkit")
        text = "\n".join(line.rstrip() for line in result.output.strip("\n").splitlines())
        parts += [f"## `{' '.join(('anchorkit', *path))}`", "", "```text", text, "```", ""]
    return "\n".join(parts)


def settings_reference() -> str:
    """docs/settings.md, from the one declared list of settings."""
    import json

    from anchorkit.settings import SETTINGS

    lines = [
        "# Settings",
        "",
        "Declared once in `src/anchorkit/settings.py` (this page is generated from it by",
        "`python -m anchorkit._docgen settings > docs/settings.md`). Set them in the workspace's",
        '`anchorkit.toml` (dotted names are TOML keys, e.g. `local.postcode_prefixes = ["M4", "M5"]`)',
        "or in the environment as `ANCHORKIT_<NAME>` with dots as double underscores",
        "(`ANCHORKIT_LOCAL__POSTCODE_PREFIXES='[\"M4\"]'`); the environment wins. Unknown names and",
        "wrong types are refused when the workspace opens.",
        "",
        "| setting | default | what it does |",
        "|---|---|---|",
    ]
    lines += [f"| `{s.name}` | `{json.dumps(s.default)}` | {s.help} |" for s in SETTINGS]
    return "\n".join(lines) + "\n"


FRAMEWORKS_INTRO = """# Frameworks

One pooled dataset, reported in the terms each funder or network asks for. A *framework pack* is a
TOML file (shipped in `src/anchorkit/data/frameworks/`, or your own in the folder of the setting
`frameworks.folder`) that lists a framework's measures and how each is computed from anchorkit's
data. `anchorkit framework list` shows the packs loaded; `anchorkit framework report NAME [--anchor
A] [--year Y] [--json]` gives every measure a value, or says plainly why it is not computable from
this data.

## How a measure is computed

| `compute` | what it reads |
|---|---|
| `spend` | the sum of addressable spend lines (the same classified lines as `anchorkit indicators`: excluded categories out, tags valid on the day paid, local as the `local.*` settings say) that pass the measure's filters: `tags` (any of them; a pack's `[categories]` name stands for the tags it maps to), `categories` / `exclude_categories` (a line's raw category or shared-taxonomy code, level-1 or level-2 name, case ignored; a pack's `[spend_groups]` name stands for its list), `local`, `priority_area`, `min_amount` / `max_amount` (the line's amount) |
| `share` | that sum divided by `of`: `addressable` spend (default), `filtered` (the same filters without the tags: e.g. diverse construction spend / construction spend), `total` or `influenceable` |
| `suppliers` | the suppliers paid that pass the filters (by resolved supplier, or by name when unresolved) |
| `lever` | a hiring or investment figure (`hiring.local_hire_share`, `investment.local_investment_share`...) of the `indicators --json` sections, when workforce or investment data is loaded; otherwise "not computable from this data (no workforce data loaded)" |
| `commitment` | suppliers' reported actuals against their contract commitments to that measure |
| `tier2` | Tier-2 diverse spend reported by prime suppliers, beside Tier-1 and never added to it |
| `none` | not computable from anchorkit's data: the pack says why |

A report gives each measure a `status`: `computed`, `estimated` (a pack marks estimates) or
`not_computable` with the `reason`. Where a measure has a £ proxy value (a pack's `proxy_value`, or
the setting `frameworks.proxy_values`, e.g. `["national-toms/NT18 = 0.5"]`), the report adds its
`social_value` = value × proxy × (1 − `frameworks.deadweight`) × `frameworks.attribution`, and
prints both adjustments beside every £ figure.

## Your own pack

Copy a shipped pack into `WORKSPACE/frameworks/` (or the `frameworks.folder` you set), give it its
own `id` (or keep a shipped id to replace that pack), and edit. Every mistake is refused when the
pack is loaded, naming the file and the measure: a tag that is not in anchorkit's one tag list
(`src/anchorkit/data/tags.toml`), a `compute` anchorkit does not know, a measure that cannot be
computed without a `reason`, a missing `source` or `version`.

## Commitments and Tier-2

A contract's social-value commitments are recorded with `anchorkit commitment import FILE` (CSV:
`contract_id, anchor, supplier, framework, measure, quantity, period_start, period_end`, optional
`title` and `supplier_id` (needed when two suppliers share the name); leave `anchor` and `supplier` empty when `contract_id` is the id or ocid of an OCDS award
already loaded, and they are read from the award). `measure` is a measure of that framework's pack
(`national-toms`/`NT1`), so the commitment shows in that framework's report with its £ proxy.
Suppliers' quarterly actuals (`contract_id, framework, measure, quarter, quantity`, optional
`evidence` and `received`) come from `anchorkit commitment actuals FILE`; a quarter returned again
replaces the earlier return. `anchorkit commitment report [--anchor A] [--by
measure|supplier|anchor|framework] [--json]` shows committed, *due so far* (the committed quantity
× the share of the period's quarters that are over) and delivered, and lists every return that is
**missing** (none received `commitments.return_days` after the quarter ended) or **late**
(received after that day). Caveats: actuals are what suppliers report, with the evidence they
name; anchorkit does not verify them against payroll.

In the dashboard, **Commitments** (`/commitments`) shows the same figures — the backbone every
contract, an anchor user its own anchor's, a supplier its own contracts, with a form to return a
quarter's actuals and evidence — and **Frameworks** (`/frameworks`) every measure of a chosen
framework with its value, target, status (computed, estimated or missing, with the reason) and
how it is computed.

Tier-2 returns (`anchorkit tier2 import FILE`: `prime, anchor, year, subcontractor, amount`,
optional `postcode`, `tags` and `prime_id`) are a prime supplier's spend with subcontractors, allocated to
one anchor and fiscal year. Subcontractors are matched to suppliers with resolution's name
normalisation (a name two suppliers share matches neither: give the id where you can): a
subcontractor a registry certifies counts as *verified* diverse; one only the
prime describes (`tags`) counts as *declared*, shown apart. `anchorkit tier2 report [--anchor]
[--year] [--json]` shows Tier-1 diverse spend beside Tier-2 — never added together, since the
prime paid its subcontractors out of money the anchor already counted as Tier-1 spend — and a
tracker of each anchor's top 20 vendors (by addressable spend, resolved suppliers) and whether each has
reported. **Tier-2** (`/tier2`) shows the same, scoped like Commitments, and lets a supplier
report a subcontractor for an anchor and year.

## The tag vocabulary

Registries, portal certifications, settings (`portal.diverse_tags`) and framework packs use one
list of tags, `src/anchorkit/data/tags.toml`: {tags}. Each pack maps its own business categories
onto it in `[categories]`.

## The shipped packs, measure by measure

This section is generated from the packs (`python -m anchorkit._docgen frameworks >
docs/frameworks.md`; a test keeps it current).
"""


def frameworks_reference() -> str:
    """docs/frameworks.md: the format, then every shipped pack's measures (how, and caveats)."""
    from anchorkit.data import tag_vocabulary
    from anchorkit.frameworks.packs import shipped_packs

    parts = [FRAMEWORKS_INTRO.replace("{tags}", ", ".join(f"`{t}`" for t in tag_vocabulary()))]
    for pack in shipped_packs():
        parts.append(
            f"\n### {pack.name} (`{pack.id}`)\n\n{pack.description}\n\n"
            f"Source: <{pack.source}>. Version: {pack.version}. Publisher: {pack.publisher}.\n"
        )
        if pack.categories:
            mapped = "; ".join(f"{k} → {', '.join(v)}" for k, v in pack.categories.items())
            parts.append(f"\nCategories mapped onto anchorkit's tags: {mapped}.\n")
        parts.append("\n| measure | how it is computed | caveats |\n|---|---|---|\n")
        for m in pack.measures:
            how = m.how() + (f" {m.reason}" if m.reason else "")
            if m.proxy_unit:
                shown = "not shipped" if m.proxy_value is None else f"{m.proxy_value}"
                how += f" £ proxy ({m.proxy_unit}): {shown}."
            parts.append(f"| `{m.id}` {m.name} | {how} | {m.caveat or ''} |\n")
    return "".join(parts)


if __name__ == "__main__":
    if sys.argv[1:] == ["settings"]:
        sys.stdout.write(settings_reference())
    elif sys.argv[1:] == ["frameworks"]:
        sys.stdout.write(frameworks_reference())
    else:
        sys.stdout.write(cli_reference())

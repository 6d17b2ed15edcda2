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


if __name__ == "__main__":
    sys.stdout.write(settings_reference() if sys.argv[1:] == ["settings"] else cli_reference())

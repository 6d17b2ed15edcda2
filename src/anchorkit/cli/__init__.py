"""The ``anchorkit`` command: one module per family of commands, each registering its commands on
the one Typer app of :mod:`anchorkit.cli.common` (the console script is ``anchorkit.cli:main``).

Importing a module registers its commands. ``anchorkit.cli.app`` has them all (the pipeline's
first, so ``anchorkit --help`` lists them in the order a newcomer runs them); the console script
imports only the module of the command it runs (:data:`MODULES`), so that ``anchorkit
indicators`` does not first import the web app, the supplier portal and the ingest readers.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from anchorkit.cli.common import app

#: every command family, the pipeline's first (the order of ``anchorkit --help``)
FAMILIES = (
    "pipeline",
    "classify",
    "commitments",
    "engine",
    "export",
    "framework",
    "impact",
    "multipliers",
    "opportunities",
    "place",
    "portal",
    "report",
    "resolve",
    "sources",
    "targets",
    "web",
    "whatif",
    "workforce",
    "investment",
)
#: each top-level command (or group) → its module; tests/test_cli_modules.py checks it is whole
MODULES = {
    **dict.fromkeys(
        ("init", "anchor", "ingest", "rejects", "indicators", "demo", "settings", "registry"),
        "pipeline",
    ),
    **dict.fromkeys(("classify", "category"), "classify"),
    **dict.fromkeys(("commitment", "tier2"), "commitments"),
    "engine": "engine",
    "export": "export",
    "framework": "framework",
    **dict.fromkeys(("lm3", "survey"), "impact"),
    **dict.fromkeys(("multipliers", "impact"), "multipliers"),
    "opportunities": "opportunities",
    **dict.fromkeys(("locate", "region", "place"), "place"),
    "opportunity": "portal",
    "report": "report",
    "source": "sources",
    **dict.fromkeys(("resolve", "review", "supplier", "dedupe"), "resolve"),
    "target": "targets",
    **dict.fromkeys(("serve", "publish", "user"), "web"),
    "what-if": "whatif",
    "workforce": "workforce",
    "investment": "investment",
}
#: the global options that take a value (see ``main_options``)
_VALUED = ("--workspace", "-w", "--engine")


def load(families: Sequence[str] = FAMILIES) -> None:
    for family in families:
        import_module(f"anchorkit.cli.{family}")


def command_of(argv: Sequence[str]) -> str | None:
    """The command ``argv`` runs (its first word that is not a global option or its value)."""
    skip = False
    for word in argv:
        if skip:
            skip = False
        elif word in _VALUED:
            skip = True
        elif not word.startswith("-"):
            return word
    return None


def main() -> None:
    command = command_of(sys.argv[1:])
    load([MODULES[command]] if command in MODULES else FAMILIES)
    from anchorkit.cli.common import app

    app()


def __getattr__(name: str) -> Any:
    if name == "app":
        load()
        from anchorkit.cli.common import app

        return app
    raise AttributeError(f"module 'anchorkit.cli' has no attribute {name!r}")


__all__ = ["app", "main"]

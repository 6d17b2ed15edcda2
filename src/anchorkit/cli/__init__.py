"""The ``anchorkit`` command: one module per family of commands, each registering its commands on
the one Typer app of :mod:`anchorkit.cli.common` (the console script is ``anchorkit.cli:main``).

Importing a module registers its commands. The pipeline's come first, so ``anchorkit --help``
lists them in the order a newcomer runs them; the other families follow.
"""

from __future__ import annotations

from anchorkit.cli import pipeline  # noqa: F401

# isort: split
from anchorkit.cli import (  # noqa: F401
    classify,
    export,
    impact,
    investment,
    multipliers,
    opportunities,
    place,
    portal,
    report,
    resolve,
    targets,
    web,
    whatif,
    workforce,
)
from anchorkit.cli.common import app, main

__all__ = ["app", "main"]

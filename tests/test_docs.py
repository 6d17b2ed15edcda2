"""Docs kept honest by tests: every setting, command and error is documented."""

from __future__ import annotations

import inspect
from pathlib import Path

import anchorkit
from anchorkit import errors
from anchorkit._docgen import (
    cli_reference,
    command_paths,
    frameworks_reference,
    settings_reference,
)
from anchorkit.settings import SETTINGS

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_setting_is_documented() -> None:
    text = (DOCS / "settings.md").read_text()
    missing = [s.name for s in SETTINGS if f"`{s.name}`" not in text]
    assert not missing, f"add to docs/settings.md: {missing}"
    assert text == settings_reference(), (
        "run: python -m anchorkit._docgen settings > docs/settings.md"
    )


def test_every_error_is_documented() -> None:
    text = (DOCS / "errors.md").read_text()
    classes = [
        name
        for name, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, errors.AnchorkitError)
    ]
    assert len(classes) >= 9
    assert not [c for c in classes if f"`{c}`" not in text]


def test_cli_reference_is_current() -> None:
    current = (DOCS / "cli.md").read_text()
    assert current == cli_reference(), "run: python -m anchorkit._docgen > docs/cli.md"
    assert {p[0] for p in command_paths() if p} >= {
        "init",
        "anchor",
        "ingest",
        "rejects",
        "indicators",
        "demo",
    }


def test_public_api_is_complete() -> None:
    for name in anchorkit.__all__:
        assert hasattr(anchorkit, name), name
    assert {"Workspace", "ingest_files", "compute_indicators", "AnchorkitError"} <= set(
        anchorkit.__all__
    )


def test_frameworks_reference_is_current() -> None:
    """docs/frameworks.md says, for every shipped measure, how it is computed and its caveats."""
    text = (DOCS / "frameworks.md").read_text()
    assert text == frameworks_reference(), (
        "run: python -m anchorkit._docgen frameworks > docs/frameworks.md"
    )
    assert "`ipc-tier2-top20`" in text and "`NT18`" in text and "`spp-diverse-quotes`" in text

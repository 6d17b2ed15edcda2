"""Shared fixtures: a fresh workspace per test, on the real DuckDB engine."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb
import pytest

from anchorkit.workspace import Workspace

if TYPE_CHECKING:
    from tests.web.conftest import Site

SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def pytest_report_header() -> list[str]:
    import pyarrow
    import python_calamine

    return [
        f"duckdb {duckdb.__version__}, pyarrow {pyarrow.__version__}, "
        f"python-calamine {getattr(python_calamine, '__version__', '?')}",
        f"shared data: {SHARED_DATA} ({'present' if SHARED_DATA.exists() else 'MISSING'})",
    ]


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    workspace = Workspace.init(
        tmp_path / "ws",
        settings={"currency": "GBP", "local.postcode_prefixes": ["PR", "BB5"]},
    )
    workspace.add_anchor("Test Hospital", "hospital")
    try:
        yield workspace
    finally:
        workspace.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{SHARED_DATA} is missing: CI must run beside ../shared")
        pytest.skip("../shared/data is not beside this checkout")
    return SHARED_DATA


# --- the full demo network: every anchor, every file layout -------------------------------------------


@pytest.fixture(scope="session")
def full_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """All 17 demo anchors (every file layout and spelling habit), built once through the CLI.

    Shared by the ingest and resolution checks of the demo: read it, or copy it to change it.
    """
    from typer.testing import CliRunner

    from anchorkit.cli import app

    root = tmp_path_factory.mktemp("fulldemo") / "net"
    result = CliRunner().invoke(app, ["demo", str(root), "--lines", "8000", "--seed", "11"])
    assert result.exit_code == 0, result.output
    assert "lines loaded" in result.output
    return root


# --- the demo network of the web, report and portal tests ------------------------------------------
# Defined here, once, so that every folder shares one session demo (each conftest that defined
# or imported it would build its own).


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.web.conftest import _build

    root = tmp_path_factory.mktemp("webdemo") / "net"
    _build(root)
    return root


@pytest.fixture(scope="session")
def site(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    root = tmp_path_factory.mktemp("site") / "net"
    shutil.copytree(demo_template, root)
    from tests.web.conftest import _site

    yield from _site(root)


@pytest.fixture
def fresh_site(demo_template: Path, tmp_path: Path) -> Iterator[Site]:
    root = tmp_path / "net"
    shutil.copytree(demo_template, root)
    from tests.web.conftest import _site

    yield from _site(root)

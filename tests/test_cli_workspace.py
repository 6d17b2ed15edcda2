"""Every command honours ``--workspace``: run from any folder, it reads the workspace it is given."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import anchorkit
from anchorkit.cli import app
from anchorkit.workspace import Workspace

PACKAGE = Path(anchorkit.__file__).parent


def _cli_modules() -> list[Path]:
    return sorted([*PACKAGE.glob("cli*.py"), *PACKAGE.glob("cli/*.py")])


def test_locate_uses_the_workspace_region_packs_from_another_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    Workspace.init(tmp_path / "net", settings={"place.regions": ["toronto"]}).close()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("ANCHORKIT_WORKSPACE", raising=False)
    done = CliRunner().invoke(
        app, ["--workspace", str(tmp_path / "net"), "locate", "M3N 1A1", "--json"]
    )
    assert done.exit_code == 0, done.output
    found = json.loads(done.output)
    assert found["neighbourhood"] == "Glenfield-Jane Heights" and found["priority_area"] is True


def test_no_command_finds_its_workspace_without_the_option() -> None:
    """A command that looks for the workspace itself (``resolve_path(None)``, ``Workspace.open()``
    with no path, the current folder) ignores ``--workspace``; each must go through the option."""
    assert _cli_modules(), "no CLI modules found"
    offenders = []
    for path in _cli_modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            name = ast.unparse(node.func)
            no_path = not node.args or (
                isinstance(node.args[0], ast.Constant) and node.args[0].value is None
            )
            if name in {"resolve_path", "Workspace.open"} and no_path:
                offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
            if name in {"Path.cwd", "os.getcwd"}:
                offenders.append(f"{path.name}:{node.lineno} {ast.unparse(node)}")
    assert offenders == []

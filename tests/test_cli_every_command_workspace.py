"""Every command that reads a workspace honours --workspace, run from another folder.

tests/test_cli_workspace.py checks the source (no command finds its workspace without the
option); this runs them: each read-only command, from a folder that is not the workspace, with
``--workspace`` — it answers — and without it — it says there is no workspace here, so the
answer came from the option, not from where the command happened to run. ``locate`` works
without a workspace; with one it uses the workspace's region packs (a neighbourhood comes back).

Every command of the CLI is listed below as read-only (run here), writing, or not about a
workspace: a new command must be placed in one of them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from anchorkit.cli import app

#: read-only commands with the arguments they need on the session's demo network
READ_ONLY: dict[str, list[str]] = {
    "anchor list": [],
    "anchor show": ["Lakeshore General Hospital"],
    "source list": [],
    "settings": ["--json"],
    "rejects": [],
    "indicators": ["--by", "anchor"],
    "lm3": [],
    "impact": [],
    "opportunities": ["--limit", "3"],
    "what-if": ["--shift", "Security:20"],
    "category list": [],
    "category review": ["--limit", "3"],
    "registry list": [],
    "multipliers list": [],
    "region list": [],
    "review list": [],
    "supplier list": ["--limit", "3"],
    "supplier show": ["S000001"],
    "target list": [],
    "framework list": [],
    "framework report": ["han-ipc"],
    "commitment report": [],
    "tier2 report": [],
    "workforce list": [],
    "workforce rejects": [],
    "workforce rates": [],
    "investment list": [],
    "investment rejects": [],
    "investment holdings": [],
    "opportunity list": [],
    "opportunity gaps": [],
    "user list": [],
    "export ocds": ["--out", "{out}/awards.json", "--no-validate"],
    "export lines": ["--out", "{out}/lines.csv"],
    "report": ["--network", "--out", "{out}/report.html"],
}
WRITES = {
    "init", "ingest", "demo", "classify", "place", "resolve", "publish", "anchor add",
    "registry import", "category map", "survey import", "multipliers load", "region add",
    "opportunity import", "review accept", "review reject", "review merge", "review split",
    "target set", "target remove", "user add", "user demo", "serve", "source remove",
    "commitment import", "commitment actuals", "tier2 import",
    "workforce import", "investment import", "investment match", "engine move", "region stats",
}  # fmt: skip
NO_WORKSPACE = {
    "dedupe",
    "locate",
    "workforce aggregate",
}  # locate uses one when there is one: tested below


def commands() -> list[str]:
    def walk(command: object, prefix: str) -> list[str]:
        subs = getattr(command, "commands", None)
        if not subs:
            return [prefix]
        return [n for name, sub in subs.items() for n in walk(sub, f"{prefix} {name}".strip())]

    return walk(get_command(app), "")


def test_every_command_is_placed() -> None:
    placed = set(READ_ONLY) | WRITES | NO_WORKSPACE
    assert set(commands()) == placed


@pytest.fixture(scope="module")
def network(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("cliws") / "net"
    shutil.copytree(demo_template, root)
    loaded = CliRunner().invoke(app, ["-w", str(root), "multipliers", "load", "--example"])
    assert loaded.exit_code == 0, loaded.output
    return root


def test_each_read_only_command_reads_the_workspace_it_is_given(
    network: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    monkeypatch.delenv("ANCHORKIT_WORKSPACE", raising=False)
    runner = CliRunner()
    failed = []
    for name, args in READ_ONLY.items():
        argv = [*name.split(), *(a.format(out=tmp_path) for a in args)]
        given = runner.invoke(app, ["--workspace", str(network), *argv])
        if given.exit_code != 0 or not given.output.strip():
            failed.append(f"{name} --workspace: exit {given.exit_code}: {given.output[-300:]}")
        here = runner.invoke(app, argv)
        if here.exit_code == 0 or "workspace" not in here.output.lower():
            failed.append(f"{name} without --workspace answered from {elsewhere}: {here.output}")
    assert not failed, "\n".join(failed)
    assert not list(elsewhere.iterdir()), "a command wrote into the folder it ran from"


def test_locate_uses_the_workspaces_region_packs(
    network: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ANCHORKIT_WORKSPACE", raising=False)
    runner = CliRunner()
    code = "M5H 2N2"  # Toronto City Hall; the demo's workspace uses the toronto region pack
    given = runner.invoke(app, ["--workspace", str(network), "locate", code, "--json"])
    bare = runner.invoke(app, ["locate", code, "--json"])
    assert given.exit_code == 0 and bare.exit_code == 0
    assert '"neighbourhood": null' in bare.output
    assert '"neighbourhood": null' not in given.output and "toronto" in given.output

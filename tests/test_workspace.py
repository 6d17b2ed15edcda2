"""Workspaces, settings, anchors and the single writer."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.cli import app
from anchorkit.errors import AnchorError, EngineError, SettingsError, WorkspaceError
from anchorkit.settings import SETTINGS, load_settings, render_toml
from anchorkit.workspace import Workspace


def test_init_open_and_refuse_twice(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "net", settings={"local.postcode_prefixes": ["M4", "M5"]})
    ws.close()
    assert (tmp_path / "net" / "anchorkit.toml").exists()
    with Workspace.open(tmp_path / "net") as again:
        assert again.settings["local.postcode_prefixes"] == ["M4", "M5"]
        assert again.settings["currency"] == "CAD"  # a default, as declared
    with pytest.raises(WorkspaceError, match="already a workspace"):
        Workspace.init(tmp_path / "net")
    with pytest.raises(WorkspaceError, match="anchorkit init"):
        Workspace.open(tmp_path / "elsewhere")


def test_workspace_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    Workspace.init(tmp_path / "env-ws").close()
    monkeypatch.setenv("ANCHORKIT_WORKSPACE", str(tmp_path / "env-ws"))
    with Workspace.open() as ws:
        assert ws.root == tmp_path / "env-ws"


def test_every_commented_setting_is_valid_toml_when_uncommented(tmp_path: Path) -> None:
    """A new anchorkit.toml lists every setting commented out; uncommenting any one of them (as
    a user does) must give valid TOML that loads the default it shows."""
    text = render_toml()
    names = {setting.name for setting in SETTINGS}
    commented = [
        line for line in text.splitlines() if line[2:].split(" = ")[0] in names and line[0] == "#"
    ]
    assert len(commented) == len(SETTINGS)
    toml = tmp_path / "anchorkit.toml"
    for line in commented:
        toml.write_text(text.replace(line, line[2:]))
        name = line[2:].split(" = ")[0]
        assert load_settings(toml)[name] == load_settings(None)[name], line


def test_bad_settings_are_refused_with_the_name(tmp_path: Path) -> None:
    toml = tmp_path / "anchorkit.toml"
    toml.write_text('currency = "GBP"\nlocal.postcod_prefixes = ["M"]\n')
    with pytest.raises(SettingsError, match="postcod_prefixes"):
        load_settings(toml)
    toml.write_text("indicators.top_suppliers = 'ten'\n")
    with pytest.raises(SettingsError, match="top_suppliers"):
        load_settings(toml)
    with pytest.raises(SettingsError, match="fiscal_year.start"):
        load_settings(None, {"ANCHORKIT_FISCAL_YEAR__START": "13-01"})


def test_anchors(tmp_path: Path) -> None:
    with Workspace.init(tmp_path / "net") as ws:
        ws.add_anchor("Lakeshore  General Hospital", "hospital")
        assert ws.anchor("lakeshore general hospital").name == "Lakeshore General Hospital"
        with pytest.raises(AnchorError, match="already exists"):
            ws.add_anchor("LAKESHORE GENERAL HOSPITAL", "hospital")
        with pytest.raises(AnchorError, match="Unknown anchor kind"):
            ws.add_anchor("City", "castle")
        with pytest.raises(AnchorError, match="Known anchors: Lakeshore General Hospital"):
            ws.anchor("Nowhere")


def test_cli_init_anchor_and_list(tmp_path: Path) -> None:
    runner = CliRunner()
    root = str(tmp_path / "cli-ws")
    assert runner.invoke(app, ["init", root]).exit_code == 0
    add = runner.invoke(
        app, ["-w", root, "anchor", "add", "City of Lakeport", "--kind", "municipality"]
    )
    assert add.exit_code == 0, add.output
    listed = runner.invoke(app, ["-w", root, "anchor", "list", "--json"])
    assert '"City of Lakeport"' in listed.stdout
    bad = runner.invoke(app, ["-w", root, "anchor", "add", "X", "--kind", "castle"])
    assert bad.exit_code == 1 and "Unknown anchor kind" in bad.output


def test_one_writer_another_process_gets_a_clear_error(tmp_path: Path) -> None:
    Workspace.init(tmp_path / "net").close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; from anchorkit.workspace import Workspace; "
            f"ws = Workspace.open({str(tmp_path / 'net')!r}); print('open', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(EngineError, match="in use by another anchorkit process"):
            Workspace.open(tmp_path / "net")
    finally:
        holder.kill()
        holder.communicate()
    time.sleep(0.1)
    Workspace.open(tmp_path / "net").close()  # free again once the other process is gone

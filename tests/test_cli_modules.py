"""The console script imports only the module of the command it runs (anchorkit.cli.MODULES):
the map must name every command's module, or a command would run with its family missing."""

from __future__ import annotations

import subprocess
import sys

from anchorkit import cli


def registered() -> dict[str, str]:
    """Every top-level command and group of the full app → the module that registers it."""
    app = cli.app
    found = {}
    for command in app.registered_commands:
        assert command.callback is not None
        name = command.name or command.callback.__name__.replace("_", "-")
        found[name] = command.callback.__module__.rsplit(".", 1)[-1]
    for group in app.registered_groups:
        assert group.typer_instance is not None and group.name is not None
        modules = {
            c.callback.__module__.rsplit(".", 1)[-1]
            for c in group.typer_instance.registered_commands
            if c.callback is not None
        }
        assert len(modules) == 1, (group.name, modules)
        found[group.name] = modules.pop()
    return found


def test_every_command_is_mapped_to_its_module() -> None:
    assert cli.MODULES == registered()
    assert set(cli.FAMILIES) == set(cli.MODULES.values())


def test_the_command_is_found_past_the_global_options() -> None:
    assert cli.command_of(["--workspace", "w", "--engine", "spark", "indicators", "--json"]) == (
        "indicators"
    )
    assert cli.command_of(["-w", "what-if", "what-if"]) == "what-if"
    assert cli.command_of(["--debug", "--help"]) is None


def test_a_command_runs_without_the_other_families() -> None:
    code = (
        "import sys; sys.argv = ['anchorkit', 'what-if', '--help']\n"
        "from anchorkit import cli\n"
        "try:\n    cli.main()\nexcept SystemExit as exc:\n    assert exc.code == 0, exc.code\n"
        "assert 'anchorkit.cli.portal' not in sys.modules\n"
        "assert 'sqlalchemy' not in sys.modules and 'anchorkit.ingest.readers' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert "--shift" in done.stdout

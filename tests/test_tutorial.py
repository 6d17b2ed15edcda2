"""docs/tutorial.md runs: every command it shows is run, in order, and must print what it shows.

The tutorial's commands are the lines starting with ``$ `` in its ``console`` blocks; the lines
after each, up to the next command or the block's end, are its output. ``anchorkit`` commands
run in this process (the CLI as installed, without paying its start-up once per command);
``cd`` moves the tutorial's folder; anything else (``mkdir``, ``cp``, ``echo ... >> file``) runs
in bash; ``TEXT | anchorkit ...`` feeds the left side's output to the command. ``anchorkit
serve`` is not run (it serves until stopped).

Outputs are compared after what legitimately varies is set aside: the folder the tutorial runs
in (written ``~/work`` in the docs), timings (``1.2 s``), a PDF's size in KB, the time stamps
of model files and publications, and dates near today (a posting's closing date).

``ANCHORKIT_TUTORIAL_WRITE=1`` writes the outputs of this run into docs/tutorial.md (after a
change that legitimately changes them: read the diff). ``ANCHORKIT_SCREENSHOTS=1`` also serves
the tutorial's workspace and takes the screenshots the tutorial shows (docs/screenshots/
tutorial-*.png) with Debian's chromium, as tests/web/test_browser.py does.
"""

from __future__ import annotations

import os
import re
import shlex
import subprocess
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anchorkit.cli import app

TUTORIAL = Path(__file__).resolve().parents[1] / "docs" / "tutorial.md"
HOME = "~/work"  # where the docs say the tutorial runs
BLOCK = re.compile(r"^```console\n(.*?)^```", re.M | re.S)


@dataclass
class Step:
    command: str
    expected: str
    line: int  # in the markdown, for messages


def steps(text: str) -> list[Step]:
    found = []
    for block in BLOCK.finditer(text):
        first_line = text[: block.start(1)].count("\n") + 1
        current: Step | None = None
        for offset, line in enumerate(block.group(1).splitlines()):
            if line.startswith("$ "):
                current = Step(line[2:].strip(), "", first_line + offset)
                found.append(current)
            elif current is not None:
                current.expected += line + "\n"
    return found


def shown(text: str, root: Path) -> str:
    """What a run prints as the docs show it: in ``~/work``, without trailing spaces."""
    text = text.replace(str(root.resolve()), HOME).replace(str(root), HOME)
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines())


def normalise(text: str, root: Path) -> str:
    """What a run prints, with what legitimately varies set aside."""
    text = shown(text, root)
    text = re.sub(r"\d{8}T\d{6}Z", "<stamp>", text)
    text = re.sub(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?Z?", "<time>", text)
    text = re.sub(r"\b\d+(\.\d+)? (s|ms|seconds)\b", "<n> s", text)
    text = re.sub(r"\b\d[\d,]* KB\b", "<n> KB", text)  # a PDF's size moves with its date
    today = date.today()

    def near(m: re.Match[str]) -> str:
        try:
            day = date.fromisoformat(m.group(0))
        except ValueError:
            return m.group(0)
        return "<date>" if abs(day - today) <= timedelta(days=400) else m.group(0)

    return re.sub(r"\d{4}-\d\d-\d\d", near, text)


def run(command: str, cwd: Path, runner: CliRunner) -> tuple[str, Path]:
    """Run one command of the tutorial in ``cwd``: its output and the folder after it."""
    if command.startswith("cd "):
        return "", (cwd / command[3:].strip()).resolve()
    left, bar, right = command.rpartition(" | ")
    if bar and right.startswith("anchorkit "):
        fed = subprocess.run(
            ["bash", "-c", left], cwd=cwd, capture_output=True, text=True, check=True
        ).stdout
        command = right
    else:
        fed = None
    if command.startswith("anchorkit "):
        here = Path.cwd()
        os.chdir(cwd)
        try:
            result = runner.invoke(app, shlex.split(command)[1:], input=fed)
        finally:
            os.chdir(here)
        if result.exception and not isinstance(result.exception, SystemExit):
            raise result.exception
        return result.output, cwd
    done = subprocess.run(["bash", "-c", command], cwd=cwd, capture_output=True, text=True)
    assert done.returncode == 0, f"{command}: {done.stderr}"
    return done.stdout + done.stderr, cwd


def write_outputs(text: str, outputs: list[tuple[Step, str]]) -> str:
    """The markdown with each command's output replaced by this run's."""
    lines = text.splitlines(keepends=True)
    by_line = {s.line: out for s, out in outputs}
    result, skipping = [], False
    for number, line in enumerate(lines, 1):
        if number in by_line:
            result.append(line)
            shown = by_line[number]
            result.append(shown + ("\n" if shown and not shown.endswith("\n") else ""))
            skipping = True
            continue
        if skipping and (line.startswith("$ ") or line.startswith("```")):
            skipping = False
        if not skipping:
            result.append(line)
    return "".join(result)


@pytest.fixture
def tutorial_folder(shared_data: Path, tmp_path: Path) -> Path:
    """A folder beside ``shared/``, as the tutorial assumes (it reads ../shared/data/...)."""
    (tmp_path / "shared").symlink_to(shared_data.parent, target_is_directory=True)
    return tmp_path


def test_the_tutorial_runs_and_prints_what_it_shows(
    tutorial_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ANCHORKIT_WORKSPACE", raising=False)
    monkeypatch.delenv("ANCHORKIT_DATABASE_URL", raising=False)
    text = TUTORIAL.read_text(encoding="utf-8")
    found = steps(text)
    assert len(found) >= 15 and {"init", "ingest", "resolve", "classify", "publish", "report"} <= {
        s.command.split()[1] for s in found if s.command.startswith("anchorkit ")
    }
    cwd, runner = tutorial_folder, CliRunner()
    outputs, differ = [], []
    for step in found:
        if step.command.startswith("anchorkit serve"):
            continue  # serves until stopped: the screenshots below show what it serves
        printed, cwd = run(step.command, cwd, runner)
        outputs.append((step, shown(printed, tutorial_folder)))
        want, got = (normalise(t, tutorial_folder) for t in (step.expected, printed))
        if want != got:
            differ.append(
                f"docs/tutorial.md:{step.line}: $ {step.command}\n--- shown\n{want}\n"
                f"--- printed\n{got}"
            )
    if os.environ.get("ANCHORKIT_TUTORIAL_WRITE") == "1":
        TUTORIAL.write_text(write_outputs(text, outputs), encoding="utf-8")
    if os.environ.get("ANCHORKIT_SCREENSHOTS") == "1":
        from tests.web.screenshots import take_screenshots

        take_screenshots(cwd)
    assert not differ, "\n\n".join(differ[:5]) + (
        "\n\nIf the change is meant, rerun with ANCHORKIT_TUTORIAL_WRITE=1 and read the diff."
    )

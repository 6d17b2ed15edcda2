"""Progress of long commands: without a terminal, a line at least every few seconds."""

from __future__ import annotations

import io
import time

import pytest

from anchorkit import progress


def test_lines_keep_coming_while_the_work_is_silent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(progress.EVERY_ENV, "0.1")
    stream = io.StringIO()
    with progress.reporting("resolve", stream=stream, live=False):
        progress.step("matching", total=1000)
        progress.advance(250)
        time.sleep(0.65)  # one long query: nothing reports
    lines = stream.getvalue().splitlines()
    assert len(lines) >= 4, lines
    assert all(line.startswith("anchorkit resolve · ") for line in lines)
    assert "250/1,000 rows (25%)" in lines[-2]
    assert "rows/s" in lines[-2]
    assert lines[-1].endswith("done")


def test_outside_a_command_the_work_reports_to_nobody() -> None:
    progress.step("matching", total=10)  # no tracker: nothing happens, nothing fails
    progress.advance(3)
    assert progress.current() is None


def test_a_failed_command_says_so_and_nested_commands_share_one_tracker() -> None:
    stream = io.StringIO()
    with pytest.raises(RuntimeError):
        with progress.reporting("ingest", stream=stream, live=False) as outer:
            with progress.reporting("classify", stream=stream, live=False) as inner:
                assert inner is outer
                raise RuntimeError("disk full")
    assert stream.getvalue().splitlines()[-1].endswith("failed: disk full")
    snap = outer.snapshot()
    assert snap.finished and snap.error == "disk full"


def test_the_interval_is_never_over_ten_seconds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(progress.EVERY_ENV, "60")
    assert progress.every_seconds() == 10.0
    monkeypatch.setenv(progress.EVERY_ENV, "nonsense")
    assert progress.every_seconds() == progress.DEFAULT_EVERY

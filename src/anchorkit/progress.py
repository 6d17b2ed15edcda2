"""Progress of long work, told the same way by every command and by the dashboard's jobs.

A long command (demo, ingest, resolve, classify, publish, report) runs for minutes. On a
terminal a person sees a live bar; under cron, CI or a pipe nobody sees a bar, so the same
state is printed as a plain line *at least every few seconds* (default 5 s, at most 10 s by
design; ``ANCHORKIT_PROGRESS_EVERY`` changes it), whether or not the work reported anything in
between: a heartbeat thread prints the current step, the rows done, the rate and the time
spent, so a log shows a command is alive even inside one long query.

The work itself never prints: domain code calls the module functions :func:`step`,
:func:`advance` and :func:`set_done`, which update the tracker of the command (or dashboard
job) that is running, and do nothing when none is (a library call, a test). Only a face
decides where progress goes, with :func:`reporting` (a command: stderr) or :func:`tracking`
(a dashboard job: no output, the job page reads :meth:`Tracker.snapshot`).

This module sits beneath every layer (beside ``errors``): it imports nothing of anchorkit.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TextIO

#: the environment variable that sets the seconds between two progress lines
EVERY_ENV = "ANCHORKIT_PROGRESS_EVERY"
DEFAULT_EVERY = 5.0


@dataclass(frozen=True)
class Snapshot:
    """What a tracker says at one moment (read by the dashboard's job page and the lines)."""

    command: str
    step: str
    done: int
    total: int | None
    unit: str
    rate: float | None  # units per second in the current step
    elapsed: float  # seconds since the command started
    finished: bool
    error: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "command": self.command,
            "step": self.step,
            "done": self.done,
            "total": self.total,
            "unit": self.unit,
            "rate": None if self.rate is None else round(self.rate, 1),
            "elapsed_seconds": round(self.elapsed, 1),
            "finished": self.finished,
            "error": self.error,
        }

    def line(self) -> str:
        """One line for a log: ``anchorkit resolve · matching · 1,200/5,000 rows (24%) · …``."""
        parts = [f"anchorkit {self.command}", self.step or "starting"]
        if self.total:
            share = min(self.done / self.total, 1.0)
            parts.append(f"{self.done:,}/{self.total:,} {self.unit} ({share:.0%})")
        elif self.done:
            parts.append(f"{self.done:,} {self.unit}")
        if self.rate:
            parts.append(f"{self.rate:,.0f} {self.unit}/s")
        parts.append(f"{_clock(self.elapsed)} elapsed")
        if self.finished:
            parts.append("failed: " + self.error if self.error else "done")
        return " · ".join(parts)


class Tracker:
    """The state of one command or job: its current step, units done, total and rate.

    Updated by the thread doing the work, read by the heartbeat (or a web request) from another:
    every field is replaced whole under a lock, so a reader never sees half an update.
    """

    def __init__(self, command: str) -> None:
        self.command = command
        self._lock = threading.Lock()
        self._started = time.monotonic()
        self._step = ""
        self._step_started = self._started
        self._done = 0
        self._total: int | None = None
        self._unit = "rows"
        self._finished = False
        self._error: str | None = None
        self.changes = 0  # bumped on every new step, so a reporter can tell one started

    def step(self, name: str, total: int | None = None, unit: str = "rows") -> None:
        """A new step starts; its count starts at zero."""
        with self._lock:
            self._step, self._total, self._unit, self._done = name, total, unit, 0
            self._step_started = time.monotonic()
            self.changes += 1

    def advance(self, n: int = 1) -> None:
        with self._lock:
            self._done += n

    def set_done(self, done: int, total: int | None = None) -> None:
        with self._lock:
            self._done = done
            if total is not None:
                self._total = total

    def finish(self, error: str | None = None) -> None:
        with self._lock:
            self._finished, self._error = True, error

    def snapshot(self) -> Snapshot:
        now = time.monotonic()
        with self._lock:
            spent = now - self._step_started
            rate = self._done / spent if self._done and spent > 0.5 else None
            return Snapshot(
                command=self.command,
                step=self._step,
                done=self._done,
                total=self._total,
                unit=self._unit,
                rate=rate,
                elapsed=now - self._started,
                finished=self._finished,
                error=self._error,
            )


_current: ContextVar[Tracker | None] = ContextVar("anchorkit_progress", default=None)


def current() -> Tracker | None:
    """The tracker of the command or job running in this thread, if any."""
    return _current.get()


def step(name: str, total: int | None = None, unit: str = "rows") -> None:
    """Tell the running command a new step started (no-op outside a command)."""
    tracker = _current.get()
    if tracker is not None:
        tracker.step(name, total, unit)


def advance(n: int = 1) -> None:
    """Add ``n`` units done to the current step (no-op outside a command)."""
    tracker = _current.get()
    if tracker is not None:
        tracker.advance(n)


def set_done(done: int, total: int | None = None) -> None:
    """Set the units done (and optionally the total) of the current step."""
    tracker = _current.get()
    if tracker is not None:
        tracker.set_done(done, total)


def every_seconds() -> float:
    """Seconds between two progress lines: ``ANCHORKIT_PROGRESS_EVERY``, else 5, never over 10."""
    raw = os.environ.get(EVERY_ENV, "")
    try:
        value = float(raw) if raw else DEFAULT_EVERY
    except ValueError:
        value = DEFAULT_EVERY
    return min(max(value, 0.05), 10.0)


@contextmanager
def tracking(tracker: Tracker) -> Iterator[Tracker]:
    """Make ``tracker`` the current one in this thread, with no output (a dashboard job)."""
    token = _current.set(tracker)
    try:
        yield tracker
    except BaseException as exc:
        tracker.finish(str(exc) or type(exc).__name__)
        raise
    else:
        tracker.finish()
    finally:
        _current.reset(token)


@contextmanager
def reporting(
    command: str,
    *,
    stream: TextIO | None = None,
    live: bool | None = None,
    quiet: bool = False,
) -> Iterator[Tracker]:
    """Track a command and show its progress on ``stream`` (stderr by default).

    ``live`` (default: the stream is a terminal) draws a bar that redraws in place; otherwise a
    line is printed when a step starts and at least every :func:`every_seconds` after it.
    ``quiet`` tracks without showing anything. Nested calls (a command calling another
    command's function) share the outer tracker and print nothing of their own.
    """
    outer = _current.get()
    if outer is not None:
        yield outer
        return
    tracker = Tracker(command)
    out = stream if stream is not None else sys.stderr
    is_live = _is_terminal(out) if live is None else live
    stop = threading.Event()
    show = None if quiet else (_LiveBar(out) if is_live else _Lines(out))
    beat = (
        threading.Thread(target=_beat, args=(tracker, show, stop), daemon=True, name="progress")
        if show is not None
        else None
    )
    if beat is not None:
        beat.start()
    try:
        with tracking(tracker):
            yield tracker
    finally:
        stop.set()
        if beat is not None and show is not None:
            beat.join()
            show.close(tracker.snapshot())


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False


class _Lines:
    """Plain lines for logs: one when a step starts, and a heartbeat at least every few seconds."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.every = every_seconds()
        self.last_line = time.monotonic()
        self.seen_changes = 0

    def tick(self, tracker: Tracker) -> None:
        now = time.monotonic()
        new_step = tracker.changes != self.seen_changes
        # a new step gets its own line unless one was printed under a second ago (many short
        # steps would flood a log; the heartbeat still shows the latest)
        if (new_step and now - self.last_line >= 1.0) or now - self.last_line >= self.every:
            self.seen_changes = tracker.changes
            self.last_line = now
            self._write(tracker.snapshot().line())

    def close(self, last: Snapshot) -> None:
        self._write(last.line())

    def _write(self, line: str) -> None:
        try:
            self.stream.write(line + "\n")
            self.stream.flush()
        except (OSError, ValueError):  # a closed pipe must not fail the command
            pass


class _LiveBar:
    """A bar redrawn in place on a terminal (rich), removed when the command ends."""

    def __init__(self, stream: TextIO) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

        self.bar = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.fields[count]}"),
            TimeElapsedColumn(),
            console=Console(file=stream),
            transient=True,
        )
        self.task = self.bar.add_task("", total=None, count="")
        self.bar.start()

    def tick(self, tracker: Tracker) -> None:
        s = tracker.snapshot()
        count = (
            f"{s.done:,}/{s.total:,} {s.unit}"
            if s.total
            else (f"{s.done:,} {s.unit}" if s.done else "")
        )
        if s.rate:
            count += f" · {s.rate:,.0f}/s"
        self.bar.update(
            self.task,
            description=f"{s.command}: {s.step}",
            completed=s.done,
            total=s.total,
            count=count,
        )

    def close(self, last: Snapshot) -> None:
        self.bar.stop()


def _beat(tracker: Tracker, show: _Lines | _LiveBar, stop: threading.Event) -> None:
    period = 0.2 if isinstance(show, _LiveBar) else min(0.25, show.every / 2)
    while not stop.wait(period):
        show.tick(tracker)


def _clock(seconds: float) -> str:
    whole = int(seconds)
    return f"{whole // 3600}:{whole // 60 % 60:02d}:{whole % 60:02d}"

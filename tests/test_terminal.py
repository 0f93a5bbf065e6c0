"""What stderr shows: rich's live line and bar on a terminal (log records above them, never over a
half-drawn line, cut to the terminal's width), plain lines elsewhere."""

from __future__ import annotations

import io
import logging
import re
import time
from collections.abc import Iterator

import pytest
from rich.console import Console

from img2code.results import Iteration, Record, StageError
from img2code.terminal import TerminalBatchProgress, TerminalProgress, configure_logging

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
WIDTH = 40


def _console(terminal: bool) -> tuple[Console, io.StringIO]:
    stream = io.StringIO()
    return Console(file=stream, force_terminal=terminal, width=WIDTH, color_system=None), stream


def _segments(stream: io.StringIO) -> list[str]:
    """What the terminal shows piece by piece: the output without escape codes, cut at CR and LF."""
    return [part for part in re.split(r"[\r\n]", ANSI.sub("", stream.getvalue())) if part.strip()]


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:], root.level = handlers, level


def _iteration(index: int, ssim: float | None, accepted: bool, error: StageError | None = None) -> Iteration:
    iteration = Iteration(index, "generate", ok=ssim is not None, accepted=accepted, ssim=ssim, error=error)
    iteration.timings = {"generate": 1.0, "render": 0.25}
    return iteration


def test_a_warning_during_the_live_line_prints_above_it_on_a_line_of_its_own(restore_logging: None):
    console, stream = _console(terminal=True)
    configure_logging(logging.WARNING, console)
    with TerminalProgress(3, console=console) as progress:
        progress.stage(0, "generate")
        for _ in range(6):
            progress.token("x")
        time.sleep(0.3)  # the live line is drawn several times
        logging.getLogger("img2code.test").warning("the server is slow to answer")
        time.sleep(0.3)

    segments = _segments(stream)
    assert any(s.lstrip().startswith(("⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏")) for s in segments)
    assert any("iteration 1/3: generate" in s for s in segments)
    warnings = [s for s in segments if "slow to answer" in s]
    assert warnings and all("iteration 1/3" not in s for s in warnings)


def test_the_live_line_is_cut_to_the_terminal_width():
    console, stream = _console(terminal=True)
    with TerminalProgress(3, console=console) as progress:
        progress.stage(0, "generate")
        for _ in range(5000):
            progress.token("x")
        time.sleep(0.3)
    assert _segments(stream) and all(len(s) <= WIDTH for s in _segments(stream))
    assert any(s.rstrip().endswith("…") for s in _segments(stream))  # cut, and it says so


def test_without_a_terminal_each_iteration_is_a_plain_line(restore_logging: None):
    console, stream = _console(terminal=False)
    configure_logging(logging.WARNING, console)
    with TerminalProgress(3, console=console) as progress:
        progress.message("backend: classic (asked for)")
        progress.stage(0, "generate")
        progress.iteration_done(_iteration(0, 0.91234, True), None)
        progress.iteration_done(_iteration(1, None, False, StageError("render", "the page hung", 1)), None)
        logging.getLogger("img2code.test").warning("a note for the log, longer than forty columns wide")

    assert stream.getvalue().splitlines() == [
        "backend: classic (asked for)",
        "iteration 1/3: SSIM 0.9123 (new best)  [1.2s]",
        "iteration 2/3: failed in render: the page hung  [1.2s]",
        "WARNING img2code.test: a note for the log, longer than forty columns wide",
    ]


def _record(name: str, status: str, ssim: float | None = None, error: str | None = None) -> Record:
    scores = {} if ssim is None else {"ssim": ssim}
    return Record(f"/in/{name}.png", name, status, scores, seconds=2.5, error=error)  # type: ignore[arg-type]


def test_a_batch_shows_a_bar_and_its_failures_above_it():
    console, stream = _console(terminal=True)
    with TerminalBatchProgress(console=console) as progress:
        progress.started(total=4, skipped=1)
        progress.input_done(_record("login", "ok", 0.9))
        progress.input_done(_record("pricing", "failed", error="generate: the server went away"))
        time.sleep(0.3)

    segments = _segments(stream)
    assert segments[0] == "1 of 4 inputs already done; converting the rest"
    assert any("3/4" in s and "1 failed" in s for s in segments)
    assert any(s.startswith("[3/4] pricing: failed (2.5 s): generate: the server") for s in segments)
    assert not any("login: ok" in s for s in segments)  # on a terminal only failures get a line
    bars = [s for s in segments if "/4" in s and not s.startswith("[")]
    assert bars and all(len(s) <= WIDTH for s in bars)


def test_without_a_terminal_a_batch_is_a_line_per_input():
    console, stream = _console(terminal=False)
    with TerminalBatchProgress(console=console) as progress:
        progress.started(total=2, skipped=0)
        progress.input_done(_record("login", "ok", 0.9))
        progress.input_done(_record("pricing", "failed", error="generate: the server went away"))

    assert stream.getvalue().splitlines() == [
        "[1/2] login: ok, SSIM 0.9000 (2.5 s)",
        "[2/2] pricing: failed (2.5 s): generate: the server went away",
    ]

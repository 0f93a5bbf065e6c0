"""The command line's stderr, drawn by rich: a live status line for a run, a progress bar for a batch.

Log records and notes print above the live line, never over a half-drawn one, and the live line is
cut to the terminal's width. When stderr is not a terminal (CI, a pipe, a file), every event is a
plain line instead, and log records read ``LEVEL logger: message``. Use the displays as context
managers: leaving the ``with`` takes the live line away and gives the cursor back.
"""

from __future__ import annotations

import logging
import time
from functools import cache
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.live import Live
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, ProgressColumn, TextColumn, TimeElapsedColumn
from rich.progress import Progress as ProgressBar
from rich.spinner import Spinner
from rich.text import Text

from .progress import BatchProgress, Progress

if TYPE_CHECKING:
    from rich.progress import Task

    from .results import BatchResult, Iteration, Record

D = TypeVar("D", bound="_Display")
PLAIN_LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"
REFRESH_PER_SECOND = 8


@cache
def stderr_console() -> Console:
    """The one console on stderr that logging and the displays share (it follows ``sys.stderr``)."""
    return Console(stderr=True, highlight=False, markup=False, emoji=False)


def configure_logging(level: int, console: Console | None = None) -> None:
    """Send log records at ``level`` and above to ``console``: through rich (above any live display)
    on a terminal, as plain ``LEVEL logger: message`` lines elsewhere."""
    console = console or stderr_console()
    handler: logging.Handler
    if console.is_terminal:
        handler = RichHandler(console=console, show_time=False, show_path=False, markup=False)
        handler.setFormatter(logging.Formatter("%(name)s: %(message)s"))
    else:
        handler = logging.StreamHandler(console.file)
        handler.setFormatter(logging.Formatter(PLAIN_LOG_FORMAT))
    logging.basicConfig(level=level, handlers=[handler], force=True)


def _say(console: Console, line: str) -> None:
    """Print ``line`` as it is (no markup, no wrapping of ours), above any live display."""
    console.print(Text(line), soft_wrap=True)


class _Display:
    """What both displays share: the console, quiet mode, and the live region's lifetime."""

    def __init__(self, console: Console | None, quiet: bool) -> None:
        self.console = console or stderr_console()
        self.quiet = quiet
        self.live = self.console.is_terminal and not quiet

    def __enter__(self: D) -> D:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Take the live line away (safe to call twice)."""


class TerminalProgress(_Display, Progress):
    """One run: a live status line (iteration, stage, tokens and their rate) on a terminal, a line
    per iteration and note elsewhere."""

    def __init__(self, max_iters: int, *, quiet: bool = False, console: Console | None = None) -> None:
        super().__init__(console, quiet)
        self.max_iters = max_iters
        self._iteration = 0
        self._stage = ""
        self._tokens = 0
        self._started = time.perf_counter()
        self._spinner = Spinner("dots", style="cyan")
        self._region = Live(
            console=self.console,
            get_renderable=self.status,
            transient=True,
            refresh_per_second=REFRESH_PER_SECOND,
            redirect_stdout=False,
        )
        self._drawing = False

    def close(self) -> None:
        if self._drawing:
            self._region.stop()
            self._drawing = False

    def status(self) -> Text:
        """The live line: cut to the console's width, with an ellipsis where it does not fit."""
        line = f"iteration {self._iteration + 1}/{self.max_iters}: {self._stage}"
        if self._stage == "generate" and self._tokens:
            elapsed = max(time.perf_counter() - self._started, 1e-6)
            line += f" ({self._tokens} tokens, {self._tokens / elapsed:.1f} tok/s)"
        frame = self._spinner.render(time.monotonic())
        spinner: list[str | Text] = [frame, " "] if isinstance(frame, Text) else []
        return Text.assemble(*spinner, line, no_wrap=True, overflow="ellipsis")

    def message(self, text: str) -> None:
        if not self.quiet:
            _say(self.console, text)

    def stage(self, iteration: int, stage: str) -> None:
        if stage == "generate":
            self._tokens = 0
            self._started = time.perf_counter()
        self._iteration, self._stage = iteration, stage
        if self.live and not self._drawing:
            self._region.start()
            self._drawing = True

    def token(self, piece: str) -> None:
        self._tokens += 1

    def iteration_done(self, iteration: Iteration, best: Iteration | None) -> None:
        if self.quiet:
            return
        head = f"iteration {iteration.index + 1}/{self.max_iters}"
        if iteration.ok and iteration.ssim is not None:
            verdict = "new best" if iteration.accepted else "no improvement"
            line = f"{head}: SSIM {iteration.ssim:.4f} ({verdict})"
        elif iteration.error is not None:
            line = f"{head}: failed in {iteration.error.stage}: {iteration.error.message}"
        else:
            line = f"{head}: failed"
        self.message(f"{line}  [{sum(iteration.timings.values()):.1f}s]")


class _TimeLeft(ProgressColumn):
    """``~m:ss left``, from the seconds the inputs converted so far took (skipped ones do not count)."""

    def render(self, task: Task) -> Text:
        converted = task.completed - task.fields.get("skipped", 0)
        if converted <= 0 or task.finished or task.total is None or task.elapsed is None:
            return Text("")
        return Text(f"~{clock(task.elapsed / converted * (task.total - task.completed))} left")


class TerminalBatchProgress(_Display, BatchProgress):
    """A batch: a progress bar (inputs done, failures, time, time left, tokens per second) on a
    terminal, with a line per failed input above it; a line per input elsewhere."""

    def __init__(self, *, quiet: bool = False, console: Console | None = None) -> None:
        super().__init__(console, quiet)
        self.total = self.done = self.failed = self.tokens = 0
        self._started = time.perf_counter()
        self._bar = ProgressBar(
            BarColumn(bar_width=24),
            MofNCompleteColumn(),
            TextColumn("{task.fields[failures]}"),
            TimeElapsedColumn(),
            _TimeLeft(),
            TextColumn("{task.fields[rate]}"),
            console=self.console,
            transient=True,
            refresh_per_second=REFRESH_PER_SECOND,
            redirect_stdout=False,
        )
        self._task = self._bar.add_task("batch", start=False, total=None, failures="", rate="", skipped=0)
        self._drawing = False

    def close(self) -> None:
        if self._drawing:
            self._bar.stop()
            self._drawing = False

    def started(self, total: int, skipped: int) -> None:
        self.total, self.done = total, skipped
        self._started = time.perf_counter()
        if skipped and not self.quiet:
            _say(self.console, f"{skipped} of {total} inputs already done; converting the rest")
        if self.live:
            self._bar.update(self._task, total=total, completed=skipped, skipped=skipped)
            self._bar.start_task(self._task)
            self._bar.start()
            self._drawing = True

    def token(self, piece: str) -> None:
        self.tokens += 1  # an int += under the GIL: good enough for a rate

    def input_done(self, record: Record) -> None:
        self.done += 1
        self.failed += record.status != "ok"
        if not self.quiet and (not self.live or record.status != "ok"):  # on a terminal: failures only
            ssim = record.scores.get("ssim")
            score = f", SSIM {ssim:.4f}" if isinstance(ssim, float) else ""
            error = f": {record.error}" if record.error else ""
            head = f"[{self.done}/{self.total}] {record.name}: {record.status}"
            _say(self.console, f"{head}{score} ({record.seconds:.1f} s){error}")
        self.tick()

    def tick(self) -> None:
        if not self._drawing:
            return
        elapsed = time.perf_counter() - self._started
        self._bar.update(
            self._task,
            completed=self.done,
            failures=f"{self.failed} failed" if self.failed else "",
            rate=f"{self.tokens / elapsed:.0f} tok/s" if self.tokens and elapsed > 0 else "",
        )

    def finished(self, result: BatchResult) -> None:
        self.close()


def clock(seconds: float) -> str:
    """``seconds`` as m:ss (or h:mm:ss)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

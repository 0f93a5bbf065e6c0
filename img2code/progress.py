"""Progress of a run or a batch: what the loop and the batch report, and displays of it on stderr."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from .batch import BatchResult
    from .batch import Record as BatchRecord
    from .results import Iteration


class Progress:
    """Receives the loop's progress; this base ignores it (the library default)."""

    def message(self, text: str) -> None:
        """A one-off note (which backend was chosen, where the report is)."""

    def stage(self, iteration: int, stage: str) -> None:
        """``iteration`` entered ``stage`` (generate, extract, render, score, write)."""

    def token(self, piece: str) -> None:
        """The model streamed ``piece``."""

    def iteration_done(self, iteration: Iteration, best: Iteration | None) -> None:
        """An iteration ended, successful or not."""


class TerminalProgress(Progress):
    """One updating status line on a terminal; plain lines when stderr is a file or pipe."""

    def __init__(self, max_iters: int, *, stream: TextIO = sys.stderr, quiet: bool = False) -> None:
        self.max_iters = max_iters
        self.stream = stream
        self.quiet = quiet
        self.live = stream.isatty()
        self._iteration = 0
        self._stage = ""
        self._tokens = 0
        self._started = time.perf_counter()
        self._last_draw = 0.0

    def message(self, text: str) -> None:
        if not self.quiet:
            self._clear()
            print(text, file=self.stream, flush=True)

    def stage(self, iteration: int, stage: str) -> None:
        if stage == "generate":
            self._tokens = 0
            self._started = time.perf_counter()
        self._iteration, self._stage = iteration, stage
        if self.live:
            self._draw()

    def token(self, piece: str) -> None:
        self._tokens += 1
        now = time.perf_counter()
        if self.live and now - self._last_draw > 0.2:
            self._draw()

    def iteration_done(self, iteration: Iteration, best: Iteration | None) -> None:
        if self.quiet:
            return
        if iteration.ok:
            verdict = "new best" if iteration.accepted else "no improvement"
            line = f"iteration {iteration.index + 1}/{self.max_iters}: SSIM {iteration.ssim:.4f} ({verdict})"
        else:
            assert iteration.error is not None
            line = (
                f"iteration {iteration.index + 1}/{self.max_iters}: failed in {iteration.error.stage}: "
                f"{iteration.error.message}"
            )
        self.message(f"{line}  [{sum(iteration.timings.values()):.1f}s]")

    def _draw(self) -> None:
        if self.quiet:
            return
        self._last_draw = time.perf_counter()
        text = f"iteration {self._iteration + 1}/{self.max_iters}: {self._stage}"
        if self._stage == "generate" and self._tokens:
            elapsed = max(self._last_draw - self._started, 1e-6)
            text += f" ({self._tokens} tokens, {self._tokens / elapsed:.1f} tok/s)"
        self.stream.write("\r\033[K" + text)
        self.stream.flush()

    def _clear(self) -> None:
        if self.live:
            self.stream.write("\r\033[K")


class BatchProgress:
    """Receives a batch's progress; this base ignores it. ``token`` is called from worker threads."""

    def started(self, total: int, skipped: int) -> None:
        """The batch has ``total`` inputs, ``skipped`` of them done by an earlier run."""

    def token(self, piece: str) -> None:
        """A model streamed ``piece`` for one of the inputs."""

    def input_done(self, record: BatchRecord) -> None:
        """An input ended (ok, partial or failed) and its manifest line is written."""

    def tick(self) -> None:
        """Nothing ended for a while: a chance to redraw."""

    def finished(self, result: BatchResult) -> None:
        """Every input has ended."""


class TerminalBatchProgress(BatchProgress):
    """A progress bar on a terminal (inputs done, failures, time left); a line per input elsewhere."""

    WIDTH = 24

    def __init__(self, *, stream: TextIO = sys.stderr, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.live = stream.isatty()
        self.total = self.done = self.failed = self.tokens = 0
        self._started = time.perf_counter()

    def started(self, total: int, skipped: int) -> None:
        self.total, self.done = total, skipped
        self._skipped = skipped
        self._started = time.perf_counter()
        if skipped and not self.quiet:
            print(f"{skipped} of {total} inputs already done; converting the rest", file=self.stream)
        self._draw()

    def token(self, piece: str) -> None:
        self.tokens += 1  # an int += under the GIL: good enough for a rate

    def input_done(self, record: BatchRecord) -> None:
        self.done += 1
        self.failed += record.status != "ok"
        if not self.quiet and (not self.live or record.status != "ok"):  # on a terminal: failures only
            ssim = record.scores.get("ssim")
            score = f", SSIM {ssim:.4f}" if ssim is not None else ""
            error = f": {record.error}" if record.error else ""
            head = f"[{self.done}/{self.total}] {record.name}: {record.status}"
            clear = "\r\033[K" if self.live else ""
            print(f"{clear}{head}{score} ({record.seconds:.1f} s){error}", file=self.stream, flush=True)
        self._draw()

    def tick(self) -> None:
        self._draw()

    def finished(self, result: BatchResult) -> None:
        if self.live and not self.quiet:
            self.stream.write("\r\033[K")
            self.stream.flush()

    def _draw(self) -> None:
        if not self.live or self.quiet or not self.total:
            return
        elapsed = time.perf_counter() - self._started
        filled = round(self.WIDTH * self.done / self.total)
        text = f"[{'#' * filled}{'-' * (self.WIDTH - filled)}] {self.done}/{self.total}"
        if self.failed:
            text += f", {self.failed} failed"
        text += f" · {_clock(elapsed)}"
        converted = self.done - self._skipped
        if converted and self.done < self.total:
            text += f" · ~{_clock(elapsed / converted * (self.total - self.done))} left"
        if self.tokens and elapsed > 0:
            text += f" · {self.tokens / elapsed:.0f} tok/s"
        self.stream.write("\r\033[K" + text)
        self.stream.flush()


def _clock(seconds: float) -> str:
    """``seconds`` as m:ss (or h:mm:ss)."""
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"

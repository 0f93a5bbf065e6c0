"""Progress of a run: what the loop reports, and a display of it on stderr."""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
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

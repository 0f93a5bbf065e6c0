"""What a run and a batch report as they go: the Progress and BatchProgress protocols.

These bases ignore everything (the library's default); ``terminal.py`` draws it on stderr for the
command line, and a caller may subclass either to show progress its own way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .results import BatchResult, Iteration, Record


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


class BatchProgress:
    """Receives a batch's progress; this base ignores it. ``token`` is called from worker threads."""

    def started(self, total: int, skipped: int) -> None:
        """The batch has ``total`` inputs, ``skipped`` of them done by an earlier run."""

    def token(self, piece: str) -> None:
        """A model streamed ``piece`` for one of the inputs."""

    def input_done(self, record: Record) -> None:
        """An input ended (ok, partial or failed) and its manifest line is written."""

    def tick(self) -> None:
        """Nothing ended for a while: a chance to redraw."""

    def finished(self, result: BatchResult) -> None:
        """Every input has ended."""

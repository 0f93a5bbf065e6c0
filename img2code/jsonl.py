"""Append-only JSON Lines logs that survive a crash: a batch's manifest.jsonl, an eval's scores.jsonl.

A line is appended with a single write and made durable (fsync) before the caller goes on, so a
process killed at any moment loses at most the line it was writing. Reading skips, with a warning,
any line that is not an entry (one a crash cut short, or one edited by hand), and an append after
such a torn line starts a line of its own, so the torn line never swallows the next good one.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from .output import atomic_write

log = logging.getLogger(__name__)
T = TypeVar("T")


def _line(entry: Mapping[str, Any]) -> str:
    return json.dumps(entry, ensure_ascii=False) + "\n"


class JsonLog:
    """One JSON object per line in ``path``, appended one at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self, parse: Callable[[dict[str, Any]], T]) -> list[T]:
        """Every line as ``parse`` makes it, in file order; a line that is not a JSON object, or that
        ``parse`` refuses (ValueError), is skipped with a warning naming the file and line."""
        entries: list[T] = []
        if not self.path.exists():
            return entries
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
                if not isinstance(data, dict):
                    raise ValueError(f"a JSON {type(data).__name__}, not an object")
                entries.append(parse(data))
            except ValueError as exc:
                log.warning("%s line %d is unreadable and was skipped: %s", self.path, number, exc)
        return entries

    def append(self, entry: Mapping[str, Any]) -> None:
        """Add one line with a single write and flush it to disk (after a torn line, on a line of its own)."""
        data = _line(entry).encode("utf-8")
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                data = b"\n" + data
            os.write(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)

    def rewrite(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Replace the whole file (atomically) with ``entries``."""
        atomic_write(self.path, "".join(_line(entry) for entry in entries))

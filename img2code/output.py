"""The output folder: refuses to clobber earlier results, writes every file atomically.

When OUT already holds results and ``force`` is set, the new run is written beside it and swapped
in only when it ends with a usable result, so the earlier results stay whole until there is
something to replace them; a failed replacement run is left in its staging folder.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from .errors import InputError, OutputExistsError

# Files get the permissions open() would give them (mkstemp alone makes them private, 0600).
# Reading the umask means setting it, so it is read once, while the module is imported.
_UMASK = os.umask(0)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK

RESULT_FILES = ("result.json", "index.html", "diagram.drawio", "render.png", "report.html", "iterations")


def has_results(path: Path) -> bool:
    """Whether ``path`` holds the outputs of an earlier run."""
    return path.is_dir() and any((path / name).exists() for name in RESULT_FILES)


def check_destination(path: Path, *, force: bool) -> None:
    """Refuse an OUT that is a file, or that holds results when ``force`` is off."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder")
    if has_results(path) and not force:
        raise OutputExistsError(f"{path}: already holds results; pass --force to replace them")


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a temporary file and a rename, so no reader sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class OutputFolder:
    """Where one run writes; ``finish()`` puts the run in place at ``path``."""

    def __init__(self, path: Path, *, force: bool = False) -> None:
        check_destination(path, force=force)
        self.path = path
        if has_results(path):
            self.root = path.parent / f".{path.name}.img2code-new"
            shutil.rmtree(self.root, ignore_errors=True)
        else:
            self.root = path
        self.root.mkdir(parents=True, exist_ok=True)

    def write(self, relative: str, data: bytes | str) -> Path:
        """Write one file under the run's folder atomically; return its final path."""
        atomic_write(self.root / relative, data)
        return self.path / relative

    def write_json(self, relative: str, value: Any) -> Path:
        return self.write(relative, json.dumps(value, indent=2, ensure_ascii=False) + "\n")

    def file(self, relative: str) -> Path:
        """Where a file written with ``write`` lies now (before ``finish``)."""
        return self.root / relative

    @property
    def replacing(self) -> bool:
        """Whether this run is staged beside earlier results that it will replace."""
        return self.root != self.path

    def finish(self) -> None:
        """Swap a replacement run into place; the earlier results are removed only now."""
        if not self.replacing:
            return
        old = self.path.parent / f".{self.path.name}.img2code-old"
        shutil.rmtree(old, ignore_errors=True)
        self.path.rename(old)
        self.root.rename(self.path)
        shutil.rmtree(old, ignore_errors=True)
        self.root = self.path

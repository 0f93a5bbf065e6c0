"""The output folder: img2code replaces or deletes only what it wrote there, writes every file
atomically, and lets one run at a time write into a folder.

Ownership: the names a run wrote at the top of OUT are listed in ``OUT/.img2code-files``. Anything
else in OUT is the user's: it is never replaced or deleted, and a run that would have to write over
such a file (an input image named ``diff.png`` inside OUT, say) is refused before it starts.

Staging: every run is written into ``OUT/.img2code-new`` (marked as img2code's by a file inside)
and moved into place by ``finish()``, so a run killed at any moment leaves at the top of OUT only
files the list names. When OUT holds an earlier run (``force`` set), the new one is put in place
only when it ends with a usable result: the earlier run's files are replaced, those the new run did
not write again are deleted, and nothing else is touched. A run that fails or crashes is left in
``.img2code-new`` with the earlier results whole.

A lock (``flock`` on the folder itself) keeps a second run out of an OUT that one is writing to.
"""

from __future__ import annotations

import fcntl
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

OWNED_LIST = ".img2code-files"  # the names the last finished run wrote, one JSON list
STAGING = ".img2code-new"  # where a run is written until it is put in place
STAGING_MARK = ".img2code-staging"  # inside STAGING: the folder is img2code's own
# What runs write at the top of OUT; from runs made before the manifest, these count as img2code's.
RUN_NAMES = (
    "result.json", "index.html", "diagram.drawio", "render.png", "diff.png",
    "source.png", "report.html", "iterations", "assets", "diagram.mmd", "App.jsx", "App.css", "App.vue",
    "widths", "reference.html", "frames",
)  # fmt: skip


def owned_names(path: Path) -> set[str]:
    """The top-level names in ``path`` that an earlier run wrote (empty when it holds no run)."""
    try:
        names = json.loads((path / OWNED_LIST).read_text(encoding="utf-8"))
    except FileNotFoundError:
        if not (path / "result.json").is_file():
            return set()
        names = [name for name in RUN_NAMES if (path / name).exists()]  # a run made before the manifest
    except (OSError, ValueError) as exc:
        raise InputError(f"{path / OWNED_LIST}: cannot read it ({exc}); move it to start afresh") from exc
    if not isinstance(names, list) or not all(isinstance(n, str) and "/" not in n for n in names):
        raise InputError(f"{path / OWNED_LIST}: not a list of names; move it to start afresh")
    return {name for name in names if name not in (".", "..", "")}


def has_results(path: Path) -> bool:
    """Whether ``path`` holds the outputs of an earlier run."""
    return path.is_dir() and bool(owned_names(path))


def check_destination(path: Path, *, force: bool) -> None:
    """Refuse an OUT that is a file, that holds results when ``force`` is off, or that holds files of
    the user's at names a run writes."""
    if path.exists() and not path.is_dir():
        raise InputError(f"{path}: exists and is not a folder")
    if not path.is_dir():
        return
    owned = owned_names(path)
    if owned and not force:
        raise OutputExistsError(f"{path}: already holds results; pass --force to replace them")
    foreign = [name for name in RUN_NAMES if name not in owned and (path / name).exists()]
    staging = path / STAGING
    if staging.exists() and not (staging / STAGING_MARK).is_file() and _holds_more_than_its_mark(staging):
        # img2code's own unfinished runs carry the mark and are replaced; a folder holding nothing,
        # or only the mark's temporary file, is a run stopped before its mark was in place
        foreign.append(STAGING)
    if foreign:
        raise InputError(
            f"{path / foreign[0]}: img2code writes there but did not write this file; "
            "move it or choose another output folder"
        )


def _holds_more_than_its_mark(path: Path) -> bool:
    """Whether ``path`` is a file or holds anything but the staging mark's temporary file."""
    if not path.is_dir():
        return True
    half_marks = f".{STAGING_MARK}.*.tmp"  # atomic_write's temporary name for the mark
    return any(not entry.match(half_marks) for entry in path.iterdir())


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


def refuse_overwriting(output: Path, *inputs: Path) -> None:
    """Refuse to write ``output`` when it is one of ``inputs`` (``render p.html -o p.html``)."""
    for source in inputs:
        if output.exists() and source.exists() and output.resolve() == source.resolve():
            raise InputError(f"{output}: is also an input; write the output somewhere else")


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink(missing_ok=True)


class OutputFolder:
    """Where one run writes; ``finish()`` puts the run in place at ``path``, ``close()`` lets go of
    the folder's lock."""

    def __init__(self, path: Path, *, force: bool = False) -> None:
        check_destination(path, force=force)
        self.path = path
        try:
            path.mkdir(parents=True, exist_ok=True)
            self._lock = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
        except OSError as exc:
            raise InputError(f"{path}: cannot write there: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(self._lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._lock)
            raise InputError(f"{path}: another img2code run is writing there; wait for it to end") from None
        self.written: set[str] = set()
        try:
            self.earlier = owned_names(path)  # read again under the lock
            self.root = path / STAGING
            _remove(self.root)  # an unfinished run of img2code's (check_destination saw its mark)
            self.root.mkdir()
            atomic_write(self.root / STAGING_MARK, "")
        except OSError as exc:
            self.close()
            raise InputError(f"{path}: cannot write there: {exc.strerror or exc}") from exc
        except InputError:
            self.close()
            raise

    def write(self, relative: str, data: bytes | str) -> Path:
        """Write one file under the run's folder atomically; return its final path."""
        name = relative.split("/", 1)[0]
        if name not in RUN_NAMES:  # check_destination vouched for these names only
            raise ValueError(f"{name!r} is not a name runs write (output.RUN_NAMES)")
        atomic_write(self.root / relative, data)
        self.written.add(name)
        return self.path / relative

    def write_json(self, relative: str, value: Any) -> Path:
        return self.write(relative, json.dumps(value, indent=2, ensure_ascii=False) + "\n")

    def file(self, relative: str) -> Path:
        """Where a file written with ``write`` lies now (before ``finish``)."""
        return self.root / relative

    @property
    def replacing(self) -> bool:
        """Whether this run will replace the results of an earlier one."""
        return bool(self.earlier)

    def finish(self) -> None:
        """Put the run in place: the earlier run's files give way to this run's, nothing else is
        touched. While files move, the manifest names both runs' files, and result.json goes first
        and comes back last, so a run killed halfway leaves no result.json and is redone."""
        if self.root == self.path:
            return
        self._list(self.earlier | self.written)
        moving = sorted(self.written, key=lambda name: name == "result.json")  # result.json last
        _remove(self.path / "result.json")
        for name in self.earlier - self.written:
            _remove(self.path / name)
        for name in moving:
            _remove(self.path / name)  # os.replace cannot put a folder over a folder
            os.replace(self.root / name, self.path / name)
        _remove(self.root)
        self.root = self.path
        self._list(self.written)

    def _list(self, names: set[str]) -> None:
        atomic_write(self.path / OWNED_LIST, json.dumps(sorted(names - {STAGING})) + "\n")

    def close(self) -> None:
        """Let another run write into the folder."""
        if self._lock >= 0:
            os.close(self._lock)  # closing the descriptor releases the flock
            self._lock = -1

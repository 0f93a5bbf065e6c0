"""Many inputs at once: a run folder per image, a manifest that survives interruption, one report.

    OUT/manifest.jsonl   one JSON line per input: status, scores, seconds, error
    OUT/report.html      every input with thumbnails, scores and a link to its own report
    OUT/<name>/          the input's run folder (the single-image contract); <name> is its stem

A manifest line is appended (one write, flushed and fsynced) the moment an input ends, so a batch
killed at any point keeps every finished result. A re-run skips inputs whose line, or whose
folder's result.json, says ok and redoes the rest; ``force`` redoes everything. ``jobs`` worker
threads convert at once, sharing one backend and one browser; one input failing fails alone.
"""

from __future__ import annotations

import json
import logging
import os
import queue
import re
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from . import report
from .backends import BackendChoice, choose_backend, create_backend
from .backends.base import Backend, Generation, GenerationRequest
from .config import RunConfig
from .convert import convert
from .errors import Img2CodeError, InputError
from .output import atomic_write
from .progress import BatchProgress, Progress
from .render.shared import SharedBrowser

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"}
MANIFEST = "manifest.jsonl"
REPORT = "report.html"
RESERVED_NAMES = {MANIFEST, REPORT}


@dataclass
class BatchItem:
    """One input to convert: the image (an absolute path) and its subfolder of OUT."""

    source: Path
    name: str


@dataclass
class Record:
    """One manifest line: how an input ended."""

    input: str  # the image's absolute path: the manifest's key
    name: str  # its subfolder of OUT
    status: str  # ok, partial or failed
    scores: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    finished: str = ""

    @classmethod
    def from_result(cls, item: BatchItem, result: dict[str, Any], seconds: float) -> Record:
        """The line for a run whose result.json holds ``result``."""
        scores = {k: v for k, v in (result.get("final") or {}).items() if k != "iteration"}
        errors = result.get("errors") or []
        error = None
        if result.get("status") != "ok":
            error = (
                f"{errors[-1]['stage']}: {errors[-1]['message']}" if errors else result.get("stopped_because")
            )
        return cls(
            input=str(item.source),
            name=item.name,
            status=result.get("status", "failed"),
            scores=scores,
            seconds=round(seconds, 3),
            error=error,
            usage=result.get("usage") or {},
            finished=_now(),
        )

    @classmethod
    def failure(cls, item: BatchItem, error: str, seconds: float) -> Record:
        """The line for an input that could not be converted at all (unreadable image, a bug)."""
        return cls(
            str(item.source), item.name, "failed", seconds=round(seconds, 3), error=error, finished=_now()
        )


@dataclass
class BatchResult:
    """What a batch did: a record per input (skipped ones included), and where the files are."""

    out: Path
    records: list[Record]
    skipped: int
    seconds: float
    renders: dict[str, float] = field(default_factory=dict)  # the shared browser's renders, render_s, wait_s

    @property
    def counts(self) -> dict[str, int]:
        counts = {"ok": 0, "partial": 0, "failed": 0}
        for record in self.records:
            counts[record.status] = counts.get(record.status, 0) + 1
        return counts

    @property
    def ok(self) -> bool:
        return all(record.status == "ok" for record in self.records)

    @property
    def report(self) -> Path:
        return self.out / REPORT


class Manifest:
    """OUT/manifest.jsonl: appended a line at a time, read back with the last line per input winning."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def read(self) -> dict[str, Record]:
        """The latest record of every input, in the order inputs first appeared; bad lines are skipped."""
        records: dict[str, Record] = {}
        if not self.path.exists():
            return records
        for number, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = Record(**json.loads(line))
            except (ValueError, TypeError) as exc:  # a line cut short by a crash, or edited by hand
                log.warning("%s line %d is unreadable and was skipped: %s", self.path, number, exc)
                continue
            records[record.input] = record
        return records

    def append(self, record: Record) -> None:
        """Add one line with a single write, then flush it to disk (after a line a crash cut short, on a
        line of its own)."""
        line = (json.dumps(asdict(record), ensure_ascii=False) + "\n").encode("utf-8")
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            size = os.fstat(fd).st_size
            if size and os.pread(fd, 1, size - 1) != b"\n":
                line = b"\n" + line
            os.write(fd, line)
            os.fsync(fd)
        finally:
            os.close(fd)

    def compact(self) -> dict[str, Record]:
        """Rewrite the file (atomically) with one line per input, dropping superseded lines; return them.

        It reads the file back rather than trusting memory: a Ctrl-C between a line's write and
        whatever the caller meant to do next must not drop that line.
        """
        records = self.read()
        atomic_write(
            self.path, "".join(json.dumps(asdict(r), ensure_ascii=False) + "\n" for r in records.values())
        )
        return records


def find_inputs(paths: Sequence[str | Path]) -> list[Path]:
    """The images named by ``paths``: files as given, folders' image files (not recursive), sorted.

    Raises InputError for a path that does not exist or when no image is found at all.
    """
    found: dict[Path, None] = {}
    for path in map(Path, paths):
        if path.is_dir():
            images = sorted(
                p
                for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")
            )
            if not images:
                log.warning("%s holds no images (%s)", path, ", ".join(sorted(IMAGE_SUFFIXES)))
            found.update(dict.fromkeys(p.resolve() for p in images))
        elif path.exists():
            found[path.resolve()] = None
        else:
            raise InputError(f"{path}: no such file or folder")
    if not found:
        raise InputError("no images to convert")
    return list(found)


def plan(
    images: list[Path], out: Path, previous: dict[str, Record], *, force: bool
) -> tuple[list[BatchItem], list[Record]]:
    """Split ``images`` into those to convert and the records of those already done.

    An input keeps the subfolder the manifest gave it; a new one gets its stem, made unique. It is
    done when its last line says ok, or (a crash between result.json and the manifest) when its
    folder's result.json says ok for this very image.
    """
    taken = {record.name for record in previous.values()}
    todo: list[BatchItem] = []
    done: list[Record] = []
    for image in images:
        known = previous.get(str(image))
        item = BatchItem(image, known.name if known else _free_name(image, out, taken))
        taken.add(item.name)
        finished = None if force else _finished_run(item, out)
        if finished is None:
            todo.append(item)
        else:
            done.append(known if known and known.status == "ok" else finished)
    return todo, done


def run_batch(
    paths: Sequence[str | Path],
    out: str | Path,
    *,
    config: RunConfig | None = None,
    jobs: int = 1,
    progress: BatchProgress | None = None,
) -> BatchResult:
    """Convert every image ``paths`` name into ``out/<name>/``; return a record per input.

    Failures are recorded per input, never raised; bad arguments raise InputError, a backend that
    cannot be set up raises its error, and Ctrl-C propagates once the manifest and report are written.
    """
    config = config or RunConfig()
    progress = progress or BatchProgress()
    if jobs < 1:
        raise InputError("--jobs must be at least 1")
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder")
    images = find_inputs(paths)
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest(out / MANIFEST)
    history = manifest.read()
    todo, done = plan(images, out, history, force=config.force)
    for record in done:
        if history.get(record.input) is not record:
            manifest.append(record)  # recovered from a run folder the manifest missed
    started = time.perf_counter()
    progress.started(total=len(images), skipped=len(done))
    records = {record.input: record for record in done}
    renders: dict[str, float] = {}
    try:
        if todo:
            converted, renders = _convert_all(todo, out, config, jobs, manifest, progress)
            records.update(converted)
    finally:
        _write_report(out, list(manifest.compact().values()))
    seconds = time.perf_counter() - started
    result = BatchResult(out, [records[str(image)] for image in images], len(done), seconds, renders)
    progress.finished(result)
    return result


def _convert_all(
    todo: list[BatchItem],
    out: Path,
    config: RunConfig,
    jobs: int,
    manifest: Manifest,
    progress: BatchProgress,
) -> tuple[dict[str, Record], dict[str, float]]:
    """Run ``todo`` on ``jobs`` worker threads; record each input in the manifest as it ends.

    Returns the records and the shared browser's statistics."""
    choice = choose_backend(config)
    log.info("backend: %s (%s)", choice.name, choice.why)
    backend = create_backend(choice, config)
    if jobs > 1 and not backend.concurrent:
        log.info("the %s backend generates one answer at a time; the jobs overlap the rest", backend.name)
        backend = _OneAtATime(backend)
    pending: queue.Queue[BatchItem] = queue.Queue()
    for item in todo:
        pending.put(item)
    stop = threading.Event()
    lock = threading.Lock()  # one manifest writer and one progress call at a time
    run_config = replace(config, force=True)  # the batch owns its subfolders: leftovers are replaced
    browser = SharedBrowser(timeout_s=config.render_timeout_s, allowed_dir=out)
    records: dict[str, Record] = {}

    def work() -> None:
        """Take inputs until none is left; write each one's line the moment it ends."""
        while not stop.is_set():
            try:
                item = pending.get_nowait()
            except queue.Empty:
                return
            record = _convert_one(item, out, run_config, backend, choice, browser, progress)
            with lock:
                if stop.is_set():  # interrupted: the manifest is being compacted; the run folder is kept
                    return
                manifest.append(record)
                records[record.input] = record
                progress.input_done(record)

    workers = [
        threading.Thread(target=work, name=f"img2code-job-{n}", daemon=True)
        for n in range(min(jobs, len(todo)))
    ]
    for worker in workers:
        worker.start()
    try:
        for worker in workers:
            while worker.is_alive():
                worker.join(0.5)
                with lock:
                    progress.tick()
    except BaseException:
        stop.set()  # workers take no new input, and the process does not wait for the ones running
        if lock.acquire(timeout=5):  # let a line being written finish
            lock.release()
        browser.close(timeout_s=2.0)
        raise
    browser.close()
    backend.close()
    return records, browser.stats


def _convert_one(
    item: BatchItem,
    out: Path,
    config: RunConfig,
    backend: Backend,
    choice: BackendChoice,
    browser: SharedBrowser,
    progress: BatchProgress,
) -> Record:
    """Convert one input; whatever goes wrong becomes its record, never the batch's end."""
    started = time.perf_counter()
    try:
        result = convert(
            item.source,
            out / item.name,
            config=config,
            progress=_InputProgress(progress),
            loaded_backend=backend,
            backend_choice=choice,
            browser=browser,
        )
    except Img2CodeError as exc:  # an unreadable image: nothing was written
        return Record.failure(item, str(exc), time.perf_counter() - started)
    except Exception as exc:  # a bug must cost one input, not the batch
        log.exception("converting %s failed", item.source)
        return Record.failure(
            item, f"internal error: {type(exc).__name__}: {exc}", time.perf_counter() - started
        )
    return Record.from_result(item, result.to_json(), time.perf_counter() - started)


def _write_report(out: Path, records: list[Record]) -> None:
    """OUT/report.html over every input the manifest knows; a report failure costs no result."""
    try:
        atomic_write(out / REPORT, report.render_batch_report(records, out))
    except Exception:
        log.exception("could not write %s", out / REPORT)


def _finished_run(item: BatchItem, out: Path) -> Record | None:
    """The record of an ok run of this very image in its folder, or None."""
    result = _read_result(out / item.name)
    if result is None or result.get("status") != "ok":
        return None
    if Path(result.get("source", {}).get("path", "")).resolve() != item.source:
        return None
    return Record.from_result(item, result, (result.get("timings") or {}).get("total", 0.0))


def _free_name(image: Path, out: Path, taken: set[str]) -> str:
    """The image's stem, made safe as a folder name and unique (``login``, ``login-2``, ...).

    A name is free unless another input has it or its folder holds another image's results.
    """
    stem = re.sub(r"[^\w.-]+", "_", image.stem).strip("._") or "image"
    for number in range(1, 1_000_000):
        name = stem if number == 1 else f"{stem}-{number}"
        if name in taken or name in RESERVED_NAMES:
            continue
        result = _read_result(out / name)
        if result is None or Path(result.get("source", {}).get("path", "")).resolve() == image:
            return name
    raise InputError(f"no free folder name for {image}")


def _read_result(folder: Path) -> dict[str, Any] | None:
    """A run folder's result.json, or None when it has none (or it cannot be read)."""
    try:
        return json.loads((folder / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class _InputProgress(Progress):
    """One conversion's progress, passed on to the batch: only the streamed tokens count there."""

    def __init__(self, batch: BatchProgress) -> None:
        self.batch = batch

    def token(self, piece: str) -> None:
        self.batch.token(piece)


class _OneAtATime(Backend):
    """Lets several threads share a backend that generates one answer at a time (a model in process)."""

    def __init__(self, inner: Backend) -> None:
        self.inner = inner
        self.name = inner.name  # type: ignore[misc]
        self.follows_prompts = inner.follows_prompts  # type: ignore[misc]
        self._lock = threading.Lock()

    @property
    def model(self) -> str:
        return self.inner.model

    def generate(self, request: GenerationRequest) -> Generation:
        with self._lock:
            return self.inner.generate(request)

    def close(self) -> None:
        self.inner.close()

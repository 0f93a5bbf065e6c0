"""Many inputs at once: a run folder per image, a manifest that survives interruption, one report.

    OUT/manifest.jsonl   one JSON line per input: status, scores, seconds, error
    OUT/report.html      every input with thumbnails, scores and a link to its own report
    OUT/<name>/          the input's run folder (the single-image contract); <name> is its stem

A manifest line is appended (one write, flushed and fsynced) the moment an input ends, so a batch
killed at any point keeps every finished result. A re-run skips inputs whose line, or whose
folder's result.json, says ok and redoes the rest; ``force`` redoes everything. ``jobs`` worker
threads convert at once in one Converter session (one backend, one Chromium on a render thread);
one input failing fails alone.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from . import report
from .config import RunConfig
from .errors import Img2CodeError, InputError
from .interrupt import CTRL_C
from .jobs import run_jobs
from .jsonl import JsonLog
from .output import OWNED_LIST, atomic_write, has_results
from .progress import BatchProgress, Progress
from .results import REPORT_FILE, BatchResult, Record, RunResult
from .session import Converter

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".bmp", ".gif"}
MANIFEST = "manifest.jsonl"
RESERVED_NAMES = {MANIFEST, REPORT_FILE}


@dataclass
class BatchItem:
    """One input to convert: the image (an absolute path) and its subfolder of OUT."""

    source: Path
    name: str


class Manifest:
    """OUT/manifest.jsonl: a record appended per input as it ends; the last line per input wins."""

    def __init__(self, path: Path) -> None:
        self.log = JsonLog(path)

    def read(self) -> dict[str, Record]:
        """The latest record of every input, in the order inputs first appeared; bad lines are skipped."""
        return {record.input: record for record in self.log.read(Record.from_json)}

    def append(self, record: Record) -> None:
        self.log.append(record.to_json())

    def compact(self) -> dict[str, Record]:
        """Rewrite the file (atomically) with one line per input, dropping superseded lines; return them.

        It reads the file back rather than trusting memory: a Ctrl-C between a line's write and
        whatever the caller meant to do next must not drop that line.
        """
        records = self.read()
        self.log.rewrite(record.to_json() for record in records.values())
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
    """Convert ``todo`` on ``jobs`` worker threads; record each input in the manifest as it ends.

    Returns the records and the shared renderer's statistics."""
    records: dict[str, Record] = {}

    def finished(item: BatchItem, record: Record) -> None:
        manifest.append(record)
        records[record.input] = record
        progress.input_done(record)

    # the batch owns its subfolders: leftovers of an earlier try are replaced
    with Converter(replace(config, force=True), workers=jobs) as converter:
        log.info("backend: %s (%s)", converter.choice.name, converter.choice.why)
        converter.load()
        run_jobs(
            todo,
            lambda item: _convert_one(item, out, converter, progress),
            jobs=jobs,
            on_done=finished,
            on_tick=progress.tick,
        )
        stats = converter.render_stats
    return records, stats


def _convert_one(item: BatchItem, out: Path, converter: Converter, progress: BatchProgress) -> Record:
    """Convert one input; whatever goes wrong becomes its record, never the batch's end."""
    started = time.perf_counter()
    try:
        result = converter.convert(item.source, out / item.name, progress=_InputProgress(progress))
    except Img2CodeError as exc:  # an unreadable image: nothing was written
        return Record.failure(item.source, item.name, str(exc), time.perf_counter() - started)
    except Exception as exc:  # a bug must cost one input, not the batch
        if CTRL_C.is_set():  # the browser went with Ctrl-C: the run's own result says interrupted
            return Record.failure(item.source, item.name, "interrupted", time.perf_counter() - started)
        log.exception("converting %s failed", item.source)
        error = f"internal error: {type(exc).__name__}: {exc}"
        return Record.failure(item.source, item.name, error, time.perf_counter() - started)
    return Record.from_result(item.source, item.name, result, time.perf_counter() - started)


def _write_report(out: Path, records: list[Record]) -> None:
    """OUT/report.html over every input the manifest knows; a report failure costs no result."""
    try:
        atomic_write(out / REPORT_FILE, report.render_batch_report(records, out))
    except Exception:
        log.exception("could not write %s", out / REPORT_FILE)


def _finished_run(item: BatchItem, out: Path) -> Record | None:
    """The record of an ok run of this very image in its folder, or None. The run must have been put
    in place (the folder's manifest) with every output it lists: a full disk can leave result.json
    saying ok without them."""
    folder = out / item.name
    result = _read_result(folder)
    if result is None or result.status != "ok" or result.source.path.resolve() != item.source:
        return None
    if not (folder / OWNED_LIST).is_file() or not all(
        (folder / f).is_file() for f in result.outputs.values()
    ):
        return None
    return Record.from_result(item.source, item.name, result, result.timings.get("total", 0.0))


def _free_name(image: Path, out: Path, taken: set[str]) -> str:
    """The image's stem, made safe as a folder name and unique (``login``, ``login-2``, ...).

    A name is free unless another input has it or its folder holds results other than this image's
    (results it cannot read included: files img2code cannot vouch for are never replaced).
    """
    stem = re.sub(r"[^\w.-]+", "_", image.stem).strip("._") or "image"
    for number in range(1, 1_000_000):
        name = stem if number == 1 else f"{stem}-{number}"
        if name in taken or name in RESERVED_NAMES:
            continue
        if not has_results(out / name):
            return name
        result = _read_result(out / name)
        if result is not None and result.source.path.resolve() == image:
            return name
    raise InputError(f"no free folder name for {image}")


def _read_result(folder: Path) -> RunResult | None:
    """A run folder's result, or None when it has none (or it cannot be read)."""
    try:
        return RunResult.read(folder)
    except (OSError, ValueError):
        return None


class _InputProgress(Progress):
    """One conversion's progress, passed on to the batch: only the streamed tokens count there."""

    def __init__(self, batch: BatchProgress) -> None:
        self.batch = batch

    def token(self, piece: str) -> None:
        self.batch.token(piece)

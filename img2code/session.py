"""A conversion session: one backend and one renderer serving a run, a batch or an eval.

    with Converter(RunConfig(backend="classic")) as converter:
        for shot in shots:
            result = converter.convert(shot, f"out/{shot.stem}")

The Converter chooses its backend when it is made (a choice that cannot work fails before anything
is written), loads it on first use (or at ``load()``) and launches Chromium on the first render;
leaving the ``with`` (or ``close()``) releases both. Made with ``workers=N``, ``convert`` may be
called from N threads at once: renders then go to a thread of their own that owns Chromium
(Playwright's sync API is bound to one thread), and a backend that generates one answer at a time
takes the threads' requests in turn. ``convert()`` below is one conversion in a session of its own.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from . import report
from .backends import BackendChoice, choose_backend, create_backend
from .backends.base import Backend, Generation, GenerationRequest
from .config import RunConfig
from .errors import BackendError, Img2CodeError, InputError
from .images import load_image
from .interrupt import CTRL_C
from .output import OutputFolder, check_destination
from .progress import Progress
from .refine import LoopOutcome, RefineLoop
from .render import Renderer
from .responsive import Shot, load_shots
from .results import REPORT_FILE, RESULT_FILE, BackendInfo, RunResult, SourceInfo, StageError
from .score.metrics import Reference
from .score.ssim import encode_png
from .targets import Target, get_target
from .video import (
    CLASSIC_NOTE,
    Recording,
    RecordingTarget,
    is_recording,
    load_recording,
    recording_source,
    write_coverage,
    write_recording,
)

if TYPE_CHECKING:
    from PIL import Image

    from .correct import LoopCorrector

log = logging.getLogger(__name__)


class Converter:
    """Converts images into code with one backend and one renderer, kept for the session's life.

    ``backend`` and ``renderer`` are ones the caller made (and closes); by default the session makes
    the backend ``config`` chooses and a sandboxed Chromium, whose pages read no files (every page
    is rendered from its text). ``workers``: see the module's docstring.
    """

    def __init__(
        self,
        config: RunConfig | None = None,
        *,
        backend: Backend | None = None,
        renderer: Renderer | None = None,
        workers: int | None = None,
    ) -> None:
        self.config = config or RunConfig()
        self.workers = workers
        self.choice = (
            choose_backend(self.config)
            if backend is None
            else BackendChoice(backend.name, "given by the caller")
        )
        self._backend = None if backend is None else self._shareable(backend)
        self._owns_backend = backend is None
        self._renderer = renderer
        self._owns_renderer = renderer is None
        self._load_seconds: float | None = None  # how long making the backend took, once made here
        self._lock = threading.Lock()
        self._running: dict[int, tuple[RunResult, OutputFolder]] = {}  # conversions under way, by id
        self._stopping = threading.Event()  # Ctrl-C: conversions ending from now on were cut short

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, kind: type[BaseException] | None, *exc: object) -> None:
        self.close(interrupted=kind is not None)

    def close(self, *, interrupted: bool = False) -> None:
        """Close the renderer, and the backend if the session made it. ``interrupted`` (Ctrl-C): the
        renderer gets two seconds to stop, the conversions still under way on worker threads are
        marked interrupted in their result.json, and a backend those threads may still be using is
        left to the ending process."""
        with self._lock:
            renderer, self._renderer = self._renderer, None
        if renderer is not None and self._owns_renderer:
            from .render.shared import SharedBrowser

            if isinstance(renderer, SharedBrowser):
                renderer.close(timeout_s=2.0 if interrupted else 10.0)
            else:
                renderer.close()
        if interrupted:
            self._stopping.set()
            self._mark_interrupted()
        if interrupted and self.workers is not None:
            return
        with self._lock:
            backend, self._backend = self._backend, None
        if backend is not None and self._owns_backend:
            backend.close()

    def _mark_interrupted(self) -> None:
        """Write "interrupted" into the result.json of each conversion still under way: its worker
        thread cannot be stopped, and the process is ending (a run that Ctrl-C reached in its own
        thread has written that already)."""
        with self._lock:
            running = list(self._running.values())
        for result, folder in running:
            stopped = replace(result, errors=list(result.errors))  # the worker thread still holds result
            _record_stop(stopped, "interrupted")
            try:
                folder.write_json(RESULT_FILE, stopped.to_json())
            except OSError as exc:
                log.warning("could not mark %s interrupted: %s", folder.root, exc)

    @property
    def backend(self) -> Backend:
        """The session's backend, made (a model loaded) on first use."""
        return self.load()

    def load(self) -> Backend:
        """Make the backend now, if it is not made yet: a batch wants a model that cannot be loaded to
        fail before its first input. Raises the backend's error."""
        with self._lock:
            if self._backend is None:
                self._owns_backend = True
                started = time.perf_counter()
                self._backend = self._shareable(create_backend(self.choice, self.config))
                self._load_seconds = time.perf_counter() - started
            return self._backend

    @property
    def renderer(self) -> Renderer:
        """The session's renderer (Chromium starts on the first render)."""
        with self._lock:
            if self._renderer is None:
                self._owns_renderer = True
                timeout_s = self.config.render_timeout_s
                if self.workers is None:
                    from .render.browser import Browser

                    self._renderer = Browser(timeout_s=timeout_s)
                else:
                    from .render.shared import SharedBrowser

                    self._renderer = SharedBrowser(timeout_s=timeout_s)
            return self._renderer

    @property
    def render_stats(self) -> dict[str, float]:
        """A shared renderer's renders, seconds rendering and seconds callers waited; else empty."""
        if self._renderer is None:
            return {}
        from .render.shared import SharedBrowser

        return dict(self._renderer.stats) if isinstance(self._renderer, SharedBrowser) else {}

    def convert(
        self,
        image: str | Path | Sequence[str | Path | tuple[int | None, str | Path]],
        out: str | Path,
        *,
        reference: Reference | None = None,
        progress: Progress | None = None,
        extras: Mapping[str, str | bytes] | None = None,
        origin: str | None = None,
    ) -> RunResult:
        """Convert ``image`` into code under the folder ``out`` and return what happened.

        Bad input raises InputError before anything is written. Once the run has started, failures
        are recorded in ``OUT/result.json`` (status "failed" or "partial") and returned, not raised;
        only Ctrl-C propagates, after the partial results are written. ``reference`` scores against
        more than the image (an eval's reference HTML blocks). ``image`` may be a list of shots of one
        responsive page (paths, or (width, path) pairs): see responsive.py. ``extras`` are files
        written beside the outputs (a captured page's reference.html); ``origin`` is where the image
        came from when it is not a file of the user's (a URL), recorded in the settings.
        """
        config = self.config
        progress = progress or Progress()
        out = Path(out)
        check_destination(out, force=config.force)
        shots = _shots(image, config)
        recording = None if shots else _recording(cast(Path, image), config)
        source = (
            shots[0].source
            if shots
            else recording_source(recording)
            if recording
            else load_image(cast(Path, image), max_pixels=config.max_image_pixels)
        )
        choice = self.choice
        progress.message(f"backend: {choice.name} ({choice.why})")
        target = get_target(config.target, config.stack)
        if recording is not None:  # one page that reaches the recording's states (video/target.py)
            target = RecordingTarget(target, recording)
            if choice.name == "classic":
                progress.message(CLASSIC_NOTE)
        folder = OutputFolder(out, force=config.force)
        result = RunResult(
            status="partial",
            target=target.name,
            out_dir=out,
            source=SourceInfo(
                source.path,
                source.width,
                source.height,
                source.format,
                source.original_mode,
                source.conversions,
            ),
            backend=BackendInfo(choice.name, config.model if choice.name != "classic" else "", choice.why),
            settings=_describe_settings(config),
            stopped_because="still running",
        )
        if shots:
            result.settings["widths"] = [shot.width for shot in shots]
        if origin:
            result.settings["origin"] = origin
        started = time.perf_counter()
        with self._lock:
            self._running[id(result)] = (result, folder)  # until its end, for close(interrupted=True)
        completed = False  # the run came to its end: no crash, no Ctrl-C, every file written
        try:
            folder.write("source.png", encode_png(source.image))
            if recording is not None:
                result.video = write_recording(folder, recording, choice.name)
                result.outputs["frames"] = "frames"
            for shot in shots[1:]:
                folder.write(f"widths/{shot.width}/source.png", encode_png(shot.image))
            for name, data in (extras or {}).items():
                folder.write(name, data)
                result.outputs[name.replace(".", "_")] = name  # reference.html: "reference_html"
            folder.write_json(RESULT_FILE, result.to_json())
            backend = self._backend_for(result)
            result.backend.model = backend.model
            scoring = reference or Reference(source.image)
            corrector = _corrector(config, backend, self.renderer, source.image, scoring)
            if shots:  # the corrector measures one width; a responsive page is scored at each of them
                corrector = None
            loop = RefineLoop(
                source, backend, target, self.renderer, config, folder, progress, scoring, shots=shots[1:]
            )
            loop.corrector = corrector
            outcome = loop.run(on_iteration=lambda partial: _record(result, partial, folder, final=False))
            _record(result, outcome, folder, final=True)
            if isinstance(target, RecordingTarget) and result.video is not None and outcome.best:
                result.video["coverage"] = write_coverage(folder, target, outcome.best.code)
            completed = True
        except Img2CodeError as exc:
            _record_stop(result, str(exc))
            completed = True
        except OSError as exc:  # a write failed: a full disk, a folder taken away
            _record_stop(result, f"writing the results failed: {exc}", failed=True)
        except KeyboardInterrupt:
            _record_stop(result, "interrupted")
            raise
        except Exception as exc:
            _record_stop(result, f"img2code crashed: {exc!r}", failed=True)
            raise
        finally:
            with self._lock:
                self._running.pop(id(result), None)
            stopping = self._stopping.is_set() or CTRL_C.is_set()
            if stopping and result.status != "ok" and result.stopped_because != "interrupted":
                # a worker thread ending after Ctrl-C: what failed (the browser went with the
                # process group) failed because of the interrupt
                _record_stop(result, "interrupted")
                completed = False
            result.timings["total"] = time.perf_counter() - started
            try:
                _write_final(result, folder, completed=completed)
            finally:
                folder.close()
        return result

    def _backend_for(self, result: RunResult) -> Backend:
        """The backend for a run; when the run is the one that loads it, the load's seconds are its own."""
        with self._lock:
            loaded = self._backend is not None
        backend = self.load()
        if not loaded and self._load_seconds is not None:
            result.timings["backend_load"] = self._load_seconds
        return backend

    def _shareable(self, backend: Backend) -> Backend:
        """``backend`` as several workers may share it: in turn when it generates one answer at a time."""
        if self.workers is None or self.workers < 2 or backend.concurrent:
            return backend
        log.info("the %s backend generates one answer at a time; the jobs overlap the rest", backend.name)
        return _OneAtATime(backend)


def convert(
    image: str | Path | Sequence[str | Path | tuple[int | None, str | Path]],
    out: str | Path,
    *,
    config: RunConfig | None = None,
    progress: Progress | None = None,
    reference: Reference | None = None,
    **settings: Any,
) -> RunResult:
    """Convert ``image`` into code under the folder ``out``: one conversion in a session of its own.

    Settings come as a RunConfig or as its fields (``target="html", backend="classic", ...``). Bad
    input raises InputError before anything is written; failures once the run has started are
    recorded in ``OUT/result.json`` and returned (see ``Converter.convert``).
    """
    if config is not None and settings:
        raise TypeError("pass either config or settings, not both")
    with Converter(config or RunConfig(**settings)) as converter:
        return converter.convert(image, out, reference=reference, progress=progress)


def _corrector(
    config: RunConfig, backend: Backend, renderer: Renderer, image: Image.Image, reference: Reference
) -> LoopCorrector | None:
    """The loop's corrector for an HTML run: it patches drafts with --correct, and only measures
    them (findings for the next prompt) without it when the backend takes feedback."""
    from .correct import LoopCorrector

    if config.target != "html" or not (config.correct or backend.follows_prompts):
        return None
    return LoopCorrector(renderer, image, reference.text_blocks, apply=config.correct)


def _record(result: RunResult, outcome: LoopOutcome, folder: OutputFolder, *, final: bool) -> None:
    """Copy the loop's state into ``result``; write result.json while the run goes on (the final
    one is written with the outputs, so it never says ok before they are there)."""
    result.iterations = outcome.iterations
    result.best_iteration = outcome.best.iteration.index if outcome.best else None
    result.errors = [it.error for it in outcome.iterations if it.error]
    if final:
        result.stopped_because = outcome.stopped_because
        if outcome.best is None:
            result.status = "failed"
        else:
            result.status = "partial" if outcome.fatal else "ok"
    else:
        folder.write_json(RESULT_FILE, result.to_json())


def _record_stop(result: RunResult, why: str, *, failed: bool = False) -> None:
    """The run ended early (an error outside the loop's stages, a failed write, a crash or Ctrl-C):
    say why; ``failed`` marks it failed even when it has a best iteration."""
    result.errors.append(StageError("run", why))
    result.stopped_because = why
    result.status = "partial" if result.best_iteration is not None and not failed else "failed"


def _write_final(result: RunResult, folder: OutputFolder, *, completed: bool) -> None:
    """Put the best iteration's files at the top of OUT, then result.json and the report; then put
    the run in place, unless it replaces earlier results and did not complete or failed."""
    try:
        _write_outputs(result, folder)
    except OSError as exc:
        _record_stop(result, f"writing the results failed: {exc}", failed=True)
        completed = False
        with contextlib.suppress(OSError):
            folder.write_json(RESULT_FILE, result.to_json())
    if folder.replacing and (result.status == "failed" or not completed):
        log.warning("kept the earlier results in %s; this run is in %s", folder.path, folder.root)
        result.out_dir = folder.root
        return
    try:
        folder.finish()
    except OSError as exc:  # the files stay; without the manifest a batch redoes the run
        log.error("could not put the run in place in %s: %s", folder.path, exc)


def _write_outputs(result: RunResult, folder: OutputFolder) -> None:
    """The best iteration's files at the top of OUT, result.json and the report."""
    best = result.best
    if best is not None:
        target = get_target(result.target, str(result.settings.get("stack", "html")))
        for name in (target.filename, "render.png", "diff.png"):
            folder.write(name, folder.file(f"{best.folder}/{name}").read_bytes())
        stack_files = _write_stack_files(result, folder, target)
        for width in result.settings.get("widths", [])[1:]:  # a responsive page: its other widths
            for name in ("render", "diff"):
                data = folder.file(f"{best.folder}/{name}@{width}.png").read_bytes()
                folder.write(f"widths/{width}/{name}.png", data)
        assets = folder.file(f"{best.folder}/assets")
        if assets.is_dir():  # the images the page links as assets/NAME (classic backend)
            for path in sorted(assets.iterdir()):
                folder.write(f"assets/{path.name}", path.read_bytes())
        result.outputs |= {"code": target.filename, "render": "render.png", "diff": "diff.png"} | stack_files
        if "mermaid" in result.settings.get("also", []):
            _write_mermaid(result, folder, folder.file(target.filename).read_text(encoding="utf-8"))
    result.outputs.update({"source": "source.png", "result": RESULT_FILE, "report": REPORT_FILE})
    folder.write_json(RESULT_FILE, result.to_json())
    try:
        page = report.render_run_report(result, folder.root)
    except Exception:  # a report that cannot be drawn must never cost the run its results
        log.exception("could not draw %s", REPORT_FILE)
        result.outputs.pop("report")
        folder.write_json(RESULT_FILE, result.to_json())
        return
    folder.write(REPORT_FILE, page)


def _write_stack_files(result: RunResult, folder: OutputFolder, target: Target) -> dict[str, str]:
    """A React or Vue page's component beside it (App.jsx + App.css, App.vue); with
    ``inline_assets``, the libraries a page loads from CDNs embedded in index.html. Returns the
    outputs written (kind -> file)."""
    from .stacks import StackTarget, inline_assets

    if result.target != "html":
        return {}
    page = folder.file(target.filename).read_text(encoding="utf-8")
    written = {}
    for name, text in (target.sources(page) if isinstance(target, StackTarget) else {}).items():
        folder.write(name, text)
        written["styles" if name.endswith(".css") else "component"] = name
    if result.settings.get("inline_assets"):
        embedded, urls = inline_assets(page)
        if urls:
            folder.write(target.filename, embedded)
    return written


def _write_mermaid(result: RunResult, folder: OutputFolder, code: str) -> None:
    """The diagram's graph as a Mermaid flowchart beside it (``--also mermaid``)."""
    from .targets.mermaid import FILENAME, drawio_to_mermaid

    try:
        text = drawio_to_mermaid(code)
    except Exception as exc:  # an unreadable graph must never cost the run its draw.io file
        log.warning("could not write %s: %s", FILENAME, exc)
        return
    folder.write(FILENAME, text)
    result.outputs["mermaid"] = FILENAME


def _describe_settings(config: RunConfig) -> dict[str, object]:
    extra: dict[str, object] = {"also": list(config.also)} if config.also else {}
    return extra | {
        "max_iters": config.max_iters,
        "target_ssim": config.target_ssim,
        "min_gain": config.min_gain,
        "patience": config.patience,
        "max_image_tokens": config.max_image_tokens,
        "preset": config.preset,
        "generation": asdict(config.generation),
        "metrics": list(config.metrics),
        "select_by": config.select_by,
        "candidates": config.candidates,
        "stack": config.stack,
        "inline_assets": config.inline_assets,
    }


def _recording(image: Path, config: RunConfig) -> Recording | None:
    """The key frames of ``image`` when it is a screen recording (video/); else None."""
    if not is_recording(image):
        return None
    if config.target != "html":
        raise InputError(f"{image}: a screen recording makes HTML only, not {config.target}")
    return load_recording(image, max_frames=config.max_frames)


def _shots(
    image: str | Path | Sequence[str | Path | tuple[int | None, str | Path]], config: RunConfig
) -> list[Shot]:
    """The shots of a responsive page when ``image`` lists several (widest first); else none."""
    if isinstance(image, (str, Path)):
        return []
    if config.target != "html":
        raise InputError("several shots of one page (--responsive, --shot) make HTML only")
    return load_shots(list(image), max_pixels=config.max_image_pixels)


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

    def generate_candidates(self, request: GenerationRequest, n: int) -> list[Generation | BackendError]:
        with self._lock:  # the inner backend's own batching (one generate for all n)
            return self.inner.generate_candidates(request, n)

    def close(self) -> None:
        self.inner.close()

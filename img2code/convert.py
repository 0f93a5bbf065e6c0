"""One conversion, end to end: load the image, choose a backend, run the loop, write the outputs."""

from __future__ import annotations

import logging
import time
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from . import report
from .backends import BackendChoice, choose_backend, create_backend
from .backends.base import Backend
from .config import RunConfig
from .errors import Img2CodeError
from .images import SourceImage, load_image
from .output import OutputFolder, check_destination
from .progress import Progress
from .refine import LoopOutcome, RefineLoop
from .render.browser import Browser
from .results import RunResult, StageError
from .score.metrics import Reference
from .score.ssim import encode_png
from .targets import get_target

if TYPE_CHECKING:
    from .render.shared import SharedBrowser

log = logging.getLogger(__name__)


def convert(
    image: str | Path,
    out: str | Path,
    *,
    config: RunConfig | None = None,
    progress: Progress | None = None,
    loaded_backend: Backend | None = None,
    backend_choice: BackendChoice | None = None,
    browser: Browser | SharedBrowser | None = None,
    reference: Reference | None = None,
    **settings: object,
) -> RunResult:
    """Convert ``image`` into code under the folder ``out`` and return what happened.

    Settings come as a RunConfig or as its fields (``target="html", backend="classic", ...``).

    Bad input raises InputError before anything is written. Once the run has started, failures are
    recorded in ``OUT/result.json`` (status "failed" or "partial") and returned, not raised; only
    Ctrl-C propagates, after the partial results are written. Pass ``loaded_backend`` (and the
    ``backend_choice`` that picked it) and ``browser`` to reuse a loaded backend and a running browser,
    and ``reference`` to score against more than the image (an eval's reference HTML blocks).
    """
    if config is not None and settings:
        raise TypeError("pass either config or settings, not both")
    config = config or RunConfig(**settings)
    progress = progress or Progress()
    out = Path(out)
    check_destination(out, force=config.force)
    source = load_image(image, max_pixels=config.max_image_pixels)
    backend = loaded_backend
    if backend is None:
        choice = choose_backend(config)
    else:
        choice = backend_choice or BackendChoice(backend.name, "given by the caller")
    progress.message(f"backend: {choice.name} ({choice.why})")
    target = get_target(config.target)
    folder = OutputFolder(out, force=config.force)
    result = RunResult(
        status="partial",
        target=target.name,
        out_dir=out,
        source=_describe_source(source),
        backend={
            "name": choice.name,
            "model": config.model if choice.name != "classic" else "",
            "why": choice.why,
        },
        settings=_describe_settings(config),
        stopped_because="still running",
    )
    started = time.perf_counter()
    folder.write("source.png", encode_png(source.image))
    folder.write_json("result.json", result.to_json())
    owned = backend is None
    try:
        if backend is None:
            loading = time.perf_counter()
            backend = create_backend(choice, config)
            result.timings["backend_load"] = time.perf_counter() - loading
        result.backend["model"] = backend.model
        # a browser the caller passes in (a batch shares one) is the caller's to close
        owned_browser = browser is None
        if browser is None:
            browser = Browser(timeout_s=config.render_timeout_s, allowed_dir=folder.root)
        with browser if owned_browser else nullcontext(browser):
            loop = RefineLoop(source, backend, target, browser, config, folder, progress, reference)
            outcome = loop.run(on_iteration=lambda partial: _record(result, partial, folder, final=False))
        _record(result, outcome, folder, final=True)
    except Img2CodeError as exc:
        result.errors.append(StageError("run", str(exc)))
        result.stopped_because = str(exc)
        result.status = "partial" if result.best_iteration is not None else "failed"
    except KeyboardInterrupt:
        result.errors.append(StageError("run", "interrupted"))
        result.stopped_because = "interrupted"
        result.status = "partial" if result.best_iteration is not None else "failed"
        raise
    finally:
        if owned and backend is not None:
            backend.close()
        result.timings["total"] = time.perf_counter() - started
        _write_final(result, folder)
    return result


def _record(result: RunResult, outcome: LoopOutcome, folder: OutputFolder, *, final: bool) -> None:
    """Copy the loop's state into ``result``; write result.json (and the best files when final)."""
    result.iterations = outcome.iterations
    result.best_iteration = outcome.best.iteration.index if outcome.best else None
    result.errors = [it.error for it in outcome.iterations if it.error]
    if final:
        result.stopped_because = outcome.stopped_because
        if outcome.best is None:
            result.status = "failed"
        else:
            result.status = "partial" if outcome.fatal else "ok"
    folder.write_json("result.json", result.to_json())


def _write_final(result: RunResult, folder: OutputFolder) -> None:
    """Put the best iteration's files at the top of OUT, then result.json and the report."""
    best = result.best
    if best is not None:
        target = get_target(result.target)
        for name in (target.filename, "render.png", "diff.png"):
            folder.write(name, folder.file(f"{best.folder}/{name}").read_bytes())
        result.outputs = {"code": target.filename, "render": "render.png", "diff": "diff.png"}
    result.outputs.update({"source": "source.png", "result": "result.json", "report": "report.html"})
    folder.write_json("result.json", result.to_json())
    try:
        folder.write("report.html", report.render_run_report(result, folder.root))
    except Exception:  # the report must never cost the run its results
        log.exception("could not write report.html")
        result.outputs.pop("report")
        folder.write_json("result.json", result.to_json())
    if folder.replacing and result.status == "failed":
        log.warning("kept the earlier results in %s; this failed run is in %s", folder.path, folder.root)
        result.out_dir = folder.root
        return
    folder.finish()


def _describe_source(source: SourceImage) -> dict[str, object]:
    return {
        "path": str(source.path),
        "width": source.width,
        "height": source.height,
        "format": source.format,
        "mode": source.original_mode,
        "conversions": source.conversions,
    }


def _describe_settings(config: RunConfig) -> dict[str, object]:
    return {
        "max_iters": config.max_iters,
        "target_ssim": config.target_ssim,
        "min_gain": config.min_gain,
        "patience": config.patience,
        "max_image_tokens": config.max_image_tokens,
        "preset": config.preset,
        "generation": asdict(config.generation),
        "metrics": list(config.metrics),
        "select_by": config.select_by,
    }

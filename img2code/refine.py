"""The refine loop: generate, extract, render, score; feed the differences back; keep the best.

One pass is an iteration. The best iteration by ``select_by`` (SSIM, or the mean of the Design2Code
scores, SSIM breaking ties) is kept, only improvements are accepted, and the loop stops at
``max_iters``, at ``target_ssim``, or when ``patience`` iterations in a row gain less than ``min_gain``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .backends.base import Backend, GenerationRequest
from .errors import BackendError, ExtractionError, RenderError
from .results import Iteration, StageError
from .score.matchview import draw_matches
from .score.metrics import Reference, design2code_mean, measure
from .score.ssim import Region, diff_heatmap, encode_png
from .score.textblocks import render_with_blocks

if TYPE_CHECKING:
    from PIL import Image

    from .config import RunConfig
    from .images import SourceImage
    from .output import OutputFolder
    from .progress import Progress
    from .render.browser import Browser
    from .targets import Target


@dataclass
class Best:
    """The best iteration so far, with what the refine prompt needs of it."""

    iteration: Iteration
    code: str
    render: Image.Image


@dataclass
class LoopOutcome:
    """What the loop did: every iteration, the best one, and why it stopped."""

    iterations: list[Iteration] = field(default_factory=list)
    best: Best | None = None
    stopped_because: str = ""
    fatal: StageError | None = None  # a backend failure that ended the loop early


def describe_region(region: Region, width: int, height: int) -> str:
    """Where a region lies on the page, in words a model can use ("top left", "middle centre")."""
    cx = (region.x + region.width / 2) / width
    cy = (region.y + region.height / 2) / height
    row = "top" if cy < 1 / 3 else "middle" if cy < 2 / 3 else "bottom"
    column = "left" if cx < 1 / 3 else "centre" if cx < 2 / 3 else "right"
    return f"{row} {column}"


class RefineLoop:
    """Runs iterations for one source image, writing each under ``iterations/NN``."""

    def __init__(
        self,
        source: SourceImage,
        backend: Backend,
        target: Target,
        browser: Browser,
        config: RunConfig,
        out: OutputFolder,
        progress: Progress,
        reference: Reference | None = None,
    ) -> None:
        """``reference`` holds what candidates are scored against: by default the source image, with
        Design2Code blocks read by OCR when asked; an eval passes its reference HTML's DOM blocks."""
        self.source = source
        self.reference = reference or Reference(source.image)
        self.backend = backend
        self.target = target
        self.browser = browser
        self.config = config
        self.out = out
        self.progress = progress

    def run(self, on_iteration: Callable[[LoopOutcome], None] | None = None) -> LoopOutcome:
        """Iterate until a stop rule fires; ``on_iteration(outcome)`` runs after each iteration."""
        outcome = LoopOutcome()
        stale = 0
        for index in range(self.config.max_iters):
            mode = "refine" if outcome.best and self.backend.follows_prompts else "generate"
            iteration, code, render = self._iterate(index, mode, outcome.best)
            outcome.iterations.append(iteration)
            if iteration.ok:
                assert iteration.ssim is not None and code is not None and render is not None
                previous = self._rank(outcome.best.iteration) if outcome.best else None
                if previous is None or self._rank(iteration) > previous:
                    iteration.accepted = True
                    outcome.best = Best(iteration, code, render)
                gained = previous is None or self._rank(iteration)[0] - previous[0] >= self.config.min_gain
                stale = 0 if gained else stale + 1
            elif isinstance(iteration.error, StageError) and iteration.error.stage == "generate":
                outcome.fatal = iteration.error
            self.progress.iteration_done(iteration, outcome.best.iteration if outcome.best else None)
            if on_iteration:
                on_iteration(outcome)
            reason = self._stop_reason(outcome, stale)
            if reason:
                outcome.stopped_because = reason
                return outcome
        outcome.stopped_because = f"reached --max-iters {self.config.max_iters}"
        return outcome

    def _rank(self, iteration: Iteration) -> tuple[float, float]:
        """What orders iterations: the ``select_by`` score (-1 where undefined), then SSIM."""
        assert iteration.ssim is not None
        if self.config.select_by == "ssim":
            return iteration.ssim, iteration.ssim
        value = design2code_mean(iteration.scores)
        return (-1.0 if value is None else value), iteration.ssim

    def _stop_reason(self, outcome: LoopOutcome, stale: int) -> str:
        """Why the loop should stop now, or "" to go on."""
        best = outcome.best.iteration if outcome.best else None
        if outcome.fatal:
            return f"the backend failed: {outcome.fatal.message}"
        if best and self.config.target_ssim is not None and best.ssim >= self.config.target_ssim:
            return f"reached --target-ssim {self.config.target_ssim}"
        if best and not self.backend.follows_prompts:
            return f"the {self.backend.name} backend takes no feedback, so another iteration would repeat it"
        if stale >= self.config.patience:
            return f"no gain of {self.config.min_gain} or more in {stale} iterations"
        return ""

    def _request(self, mode: str, best: Best | None) -> GenerationRequest:
        """The prompt and images for one iteration: the source, plus the best render when refining."""
        width, height = self.source.width, self.source.height
        if mode == "generate" or best is None:
            system, prompt = self.target.prompts("generate", width=width, height=height)
            images = [self.source.image]
        else:
            regions = [
                {**vars(region), "where": describe_region(region, width, height)}
                for region in best.iteration.regions
            ]
            system, prompt = self.target.prompts(
                "refine",
                width=width,
                height=height,
                ssim=best.iteration.ssim,
                code=best.code,
                regions=regions,
                render_height=best.render.height,
            )
            images = [self.source.image, best.render]
        return GenerationRequest(
            target=self.target.name,
            mode=mode,
            prompt=prompt,
            images=images,
            system=system,
            options=self.config.generation,
            max_image_tokens=self.config.max_image_tokens,
            on_token=self.progress.token,
        )

    def _iterate(
        self, index: int, mode: str, best: Best | None
    ) -> tuple[Iteration, str | None, Image.Image | None]:
        """One pass; failures are recorded on the iteration, never raised (but for Ctrl-C)."""
        iteration = Iteration(index=index, mode=mode)
        folder = iteration.folder
        timings = iteration.timings

        def timed(stage: str):
            self.progress.stage(index, stage)
            return _Timer(timings, stage)

        try:
            with timed("generate"):
                generation = self.backend.generate(self._request(mode, best))
            iteration.usage = generation.usage
            iteration.finish_reason = generation.finish_reason
            iteration.first_token_seconds = generation.first_token_seconds
            with timed("write"):
                self.out.write(f"{folder}/raw{self.target.raw_suffix}", generation.text)
        except BackendError as exc:
            iteration.error = StageError("generate", str(exc), index)
            return iteration, None, None
        try:
            with timed("extract"):
                extraction = self.target.extract(
                    generation.text, truncated=generation.finish_reason == "length"
                )
            iteration.repairs = extraction.repairs
            with timed("write"):
                self.out.write(f"{folder}/{self.target.filename}", extraction.code)
        except ExtractionError as exc:
            iteration.error = StageError("extract", str(exc), index)
            return iteration, None, None
        design2code = "design2code" in self.config.metrics
        blocks = None
        try:
            with timed("render"):
                width, height = self.source.width, self.source.height
                if design2code and self.target.name == "html":  # the DOM gives the text blocks
                    rendered, blocks = render_with_blocks(self.browser, extraction.code, width, height)
                else:
                    rendered = self.target.render(self.browser, extraction.code, width, height)
        except RenderError as exc:
            iteration.error = StageError("render", str(exc), index)
            return iteration, extraction.code, None
        with timed("score"):
            measurement = measure(self.reference, rendered.image, blocks, self.config.metrics)
            comparison = measurement.comparison
            assert comparison is not None  # the loop always measures SSIM
            heatmap = diff_heatmap(self.source.image, comparison)
        with timed("write"):
            self.out.write(f"{folder}/render.png", rendered.png)
            self.out.write(f"{folder}/diff.png", encode_png(heatmap))
            if measurement.design2code is not None:
                view = draw_matches(self.reference.image, rendered.image, measurement.design2code)
                self.out.write(f"{folder}/blocks.png", encode_png(view))
        iteration.ok = True
        iteration.ssim = comparison.ssim
        iteration.scores = measurement.scores()
        iteration.regions = comparison.regions
        iteration.render_size = rendered.image.size
        return iteration, extraction.code, rendered.image


class _Timer:
    """Adds the seconds spent inside a ``with`` block to ``timings[stage]``."""

    def __init__(self, timings: dict[str, float], stage: str) -> None:
        self.timings, self.stage = timings, stage

    def __enter__(self) -> None:
        self.started = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.timings[self.stage] = self.timings.get(self.stage, 0.0) + time.perf_counter() - self.started

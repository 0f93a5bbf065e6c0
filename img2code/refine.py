"""The refine loop: generate, extract, render, score; feed the differences back; keep the best.

One pass is an iteration. Its rules (each has a unit test in tests/test_refine.py):

- acceptance: an iteration becomes the best only when it ranks above the best so far. The rank is
  the ``select_by`` score (SSIM, or the mean of the Design2Code scores), SSIM breaking ties;
- progress: an iteration gains when its rank's first value beats the best by ``min_gain`` or more;
  the loop stops after ``patience`` successful iterations in a row without a gain;
- the loop stops once the best reaches ``target_ssim``, after ``max_iters`` iterations, after the
  first success of a backend that takes no feedback, and when the backend fails (a generate error);
- an extract or render failure is recorded on its iteration, and the loop goes on.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

from .backends.base import Backend, Generation, GenerationRequest
from .candidates import best_of, score_other_widths  # N answers, several widths (issue 18)
from .errors import BackendError, ExtractionError, Img2CodeError, RenderError
from .interrupt import CTRL_C
from .responsive import extend_request
from .results import Iteration, Mode, Stage, StageError
from .score.matchview import draw_matches
from .score.metrics import Reference, design2code_mean, measure
from .score.ssim import DiffRegion, diff_heatmap, encode_png
from .score.textblocks import candidate_blocks

if TYPE_CHECKING:
    from PIL import Image

    from .config import RunConfig
    from .correct import Correction
    from .images import SourceImage
    from .output import OutputFolder
    from .progress import Progress
    from .render import Renderer
    from .responsive import Shot
    from .score.design2code import TextBlocks
    from .targets import Rendering, Target

log = logging.getLogger(__name__)

MAX_FINDINGS = 8  # measured findings kept per iteration, and shown in the next refine prompt
MAX_TEXT_HINTS = 80  # OCR'd lines of the source shown in the first prompt at most
MODEL_BACKENDS = ("transformers", "openai")  # where --text-hints is on unless turned off


@dataclass
class Candidate:
    """An iteration that came through every stage: its record, its code, its render and its SSIM."""

    iteration: Iteration
    code: str
    render: Image.Image
    ssim: float  # with several shots (responsive), the worst of the widths' SSIMs
    renders_at: list[Image.Image] = field(default_factory=list)  # at the other shots' widths


@dataclass
class LoopOutcome:
    """What the loop did: every iteration, the best one, and why it stopped."""

    iterations: list[Iteration] = field(default_factory=list)
    best: Candidate | None = None
    stopped_because: str = ""
    fatal: StageError | None = None  # a backend failure that ended the loop early


class StageFailed(Exception):
    """A stage of an iteration failed; ``error`` says which and why."""

    def __init__(self, error: StageError) -> None:
        super().__init__(error.message)
        self.error = error


def describe_region(region: DiffRegion, width: int, height: int) -> str:
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
        renderer: Renderer,
        config: RunConfig,
        out: OutputFolder,
        progress: Progress,
        reference: Reference | None = None,
        read_blocks: Callable[[Renderer, str, int], TextBlocks] = candidate_blocks,
        shots: Sequence[Shot] = (),
        corrector: Callable[[str], Correction] | None = None,
    ) -> None:
        """``reference`` holds what candidates are scored against: by default the source image, with
        Design2Code blocks read by OCR when asked; an eval passes its reference HTML's blocks.
        ``read_blocks`` reads a candidate page's Design2Code blocks (tests pass a fake). ``shots``: the
        same page at other widths (responsive.py), each rendered and scored too, the worst SSIM counting."""
        self.source = source
        self.reference = reference or Reference(source.image)
        self.backend = backend
        self.target = target
        self.renderer = renderer
        self.config = config
        self.out = out
        self.progress = progress
        self.read_blocks = read_blocks
        self.shots = list(shots)
        self.corrector = corrector  # html: corrects (or only measures) each draft (correct.py)
        self.last_error: str | None = None  # why the last iteration failed to extract or render

    def run(self, on_iteration: Callable[[LoopOutcome], None] | None = None) -> LoopOutcome:
        """Iterate until a stop rule fires; ``on_iteration(outcome)`` runs after each iteration."""
        outcome = LoopOutcome()
        stale = 0  # successful iterations in a row without a gain of min_gain
        for index in range(self.config.max_iters):
            mode: Mode = "refine" if outcome.best and self.backend.follows_prompts else "generate"
            iteration = Iteration(index=index, mode=mode)
            try:
                candidate = self._attempt(iteration, outcome.best)
            except StageFailed as failed:
                iteration.error = failed.error
                self.last_error = (
                    failed.error.message if failed.error.stage in ("extract", "render") else None
                )
                if failed.error.stage == "generate":
                    outcome.fatal = failed.error
            else:
                self.last_error = None
                stale = 0 if self._judge(candidate, outcome) else stale + 1
            outcome.iterations.append(iteration)
            self.progress.iteration_done(iteration, outcome.best.iteration if outcome.best else None)
            if on_iteration:
                on_iteration(outcome)
            reason = self._stop_reason(outcome, stale)
            if reason:
                outcome.stopped_because = reason
                return outcome
        outcome.stopped_because = f"reached --max-iters {self.config.max_iters}"
        return outcome

    def _rank(self, candidate: Candidate) -> tuple[float, float]:
        """What orders candidates: the ``select_by`` score (-1 where undefined), then SSIM; for a
        screen recording, its state coverage (video/target.py), then SSIM."""
        coverage = candidate.iteration.scores.get("state_coverage")
        if isinstance(coverage, float):
            return coverage, candidate.ssim
        if self.config.select_by == "ssim":
            return candidate.ssim, candidate.ssim
        value = design2code_mean(candidate.iteration.scores)
        return (-1.0 if value is None else value), candidate.ssim

    def _judge(self, candidate: Candidate, outcome: LoopOutcome) -> bool:
        """Make ``candidate`` the best if it ranks above the best so far; say whether it gained."""
        rank = self._rank(candidate)
        previous = self._rank(outcome.best) if outcome.best else None
        if previous is None or rank > previous:
            candidate.iteration.accepted = True
            outcome.best = candidate
        return previous is None or rank[0] - previous[0] >= self.config.min_gain

    def _stop_reason(self, outcome: LoopOutcome, stale: int) -> str:
        """Why the loop should stop now, or "" to go on."""
        best = outcome.best
        target = self.config.target_ssim
        if outcome.fatal:
            return f"the backend failed: {outcome.fatal.message}"
        goal = best.ssim if best else 0.0
        coverage = best.iteration.scores.get("state_coverage") if best else None
        if isinstance(coverage, float):  # a screen recording: its states must be reached as well
            goal = min(goal, coverage)
        if best and target is not None and goal >= target:
            return f"reached --target-ssim {target}"
        if best and not self.backend.follows_prompts:
            return f"the {self.backend.name} backend takes no feedback, so another iteration would repeat it"
        if stale >= self.config.patience:
            return f"no gain of {self.config.min_gain} or more in {stale} iterations"
        return ""

    def _request(self, mode: Mode, best: Candidate | None) -> GenerationRequest:
        """The prompt and images for one iteration: the source, plus the best render when refining."""
        width, height = self.source.width, self.source.height
        # the last iteration's render or extraction error, for the targets whose prompts show it
        feedback = {"error": self.last_error} if self.last_error else {}
        if mode == "generate" or best is None:
            hints = {"texts": self._text_hints} if self._wants_text_hints() else {}
            system, prompt = self.target.prompts("generate", width=width, height=height, **feedback, **hints)
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
                ssim=best.ssim,
                code=best.code,
                regions=regions,
                render_height=best.render.height,
                findings=[finding["words"] for finding in best.iteration.findings],
                **feedback,
            )
            images = [self.source.image, best.render]
        request = GenerationRequest(
            target=self.target.name,
            mode=mode,
            prompt=prompt,
            images=images,
            system=system,
            options=self.config.generation,
            max_image_tokens=self.config.max_image_tokens,
            on_token=self.progress.token,
            stack=self.config.stack,
            video=self.source.video,
        )
        if self.shots:
            request = extend_request(request, self.source, self.shots, best.renders_at if best else ())
        return request

    def _wants_text_hints(self) -> bool:
        hints = self.config.text_hints
        wanted = self.backend.name in MODEL_BACKENDS if hints is None else hints
        return wanted and self.target.name == "html"

    @cached_property
    def _text_hints(self) -> list[dict[str, object]]:
        """The source's OCR'd lines (as written, not lowercased as the scorer keeps them) with their
        pixel boxes, top to bottom; read once, however many first prompts the run sends."""
        import numpy as np

        from .vision.ocr import read_text

        lines = read_text(np.asarray(self.source.image.convert("RGB")))
        lines = sorted(lines, key=lambda line: (line.box.y0, line.box.x0))[:MAX_TEXT_HINTS]
        return [
            {
                "text": line.text,
                "x": line.box.x0,
                "y": line.box.y0,
                "width": line.box.width,
                "height": line.box.height,
            }
            for line in lines
        ]

    @contextmanager
    def _stage(
        self, iteration: Iteration, stage: Stage, fails_on: type[Exception] | None = None
    ) -> Iterator[None]:
        """Time a stage of ``iteration`` into its timings; turn a ``fails_on`` error into StageFailed."""
        self.progress.stage(iteration.index, stage)
        started = time.perf_counter()
        try:
            yield
        except Exception as exc:
            if fails_on is None or not isinstance(exc, fails_on):
                raise
            raise StageFailed(StageError(stage, str(exc), iteration.index)) from exc
        finally:
            spent = time.perf_counter() - started
            iteration.timings[stage] = iteration.timings.get(stage, 0.0) + spent

    def _attempt(self, iteration: Iteration, best: Candidate | None) -> Candidate:
        """Run one iteration's stages, writing its files; raises StageFailed where a stage fails."""
        with self._stage(iteration, "generate", fails_on=BackendError):
            request = self._request(iteration.mode, best)
            self.out.write(f"{iteration.folder}/prompt.txt", request.prompt)  # shown in the report
            if self.config.candidates > 1:
                answers = self.backend.generate_candidates(request, self.config.candidates)
            else:
                answers = [self.backend.generate(request)]
        if len(answers) == 1 and isinstance(answers[0], Generation):
            return self._finish(iteration, answers[0], iteration.folder)
        return best_of(self, iteration, answers)

    def _finish(self, iteration: Iteration, generation: Generation, folder: str) -> Candidate:
        """An answer's stages after generate, its files in ``folder``; raises StageFailed."""
        iteration.usage = generation.usage
        iteration.finish_reason = generation.finish_reason
        iteration.first_token_seconds = generation.first_token_seconds
        with self._stage(iteration, "write"):
            self.out.write(f"{folder}/raw{self.target.raw_suffix}", generation.text)
        with self._stage(iteration, "extract", fails_on=ExtractionError):
            extraction = self.target.extract(generation.text, truncated=generation.finish_reason == "length")
        iteration.repairs = extraction.repairs
        code = extraction.code
        if self.corrector is not None and self.target.name == "html":
            with self._stage(iteration, "correct"):
                code = self._correct(iteration, code, folder)
        with self._stage(iteration, "write"):
            self.out.write(f"{folder}/{self.target.filename}", code)
            for name, data in generation.assets.items():  # images the code links as assets/NAME
                self.out.write(f"{folder}/assets/{name}", data)
        with self._stage(iteration, "render", fails_on=RenderError):
            rendered, blocks = self._render(code, folder if generation.assets else None)
        with self._stage(iteration, "score"):
            measurement = measure(self.reference, rendered.image, blocks, self.config.metrics)
            comparison = measurement.comparison
            if comparison is None:
                raise ValueError("the loop scores every candidate by SSIM; config.metrics lacks it")
            heatmap = diff_heatmap(self.source.image, comparison)
        with self._stage(iteration, "write"):
            self.out.write(f"{folder}/render.png", rendered.png)
            self.out.write(f"{folder}/diff.png", encode_png(heatmap))
            if measurement.design2code is not None:
                view = draw_matches(self.reference.image, rendered.image, measurement.design2code)
                self.out.write(f"{folder}/blocks.png", encode_png(view))
        iteration.ok = True
        iteration.ssim = comparison.ssim
        iteration.scores = measurement.scores()
        score_states = getattr(self.target, "score_states", None)  # a screen recording's target
        if score_states is not None:
            with self._stage(iteration, "score"):
                iteration.scores.update(score_states(self.renderer, code))
        iteration.regions = comparison.regions
        iteration.render_size = rendered.image.size
        candidate = Candidate(iteration, code, rendered.image, comparison.ssim)
        if self.shots:
            score_other_widths(self, candidate, folder)
        return candidate

    def _correct(self, iteration: Iteration, code: str, folder: str) -> str:
        """The corrector's step (correct.py): the draft with the CSS patches that scored better, and
        the findings left on it for the next prompt. A corrector that fails leaves the draft as it was."""
        assert self.corrector is not None
        try:
            correction = self.corrector(code)
        except Exception as exc:  # an optional step: its failure must not cost the iteration its draft
            if CTRL_C.is_set():
                raise  # the browser went with Ctrl-C: the run stops as interrupted, not with a warning
            log.warning(
                "the corrector failed on iteration %d (%s); the draft is kept as it was",
                iteration.index,
                exc,
                exc_info=not isinstance(exc, Img2CodeError),
            )
            return code
        iteration.findings = [
            {**finding.to_json(), "words": finding.describe()}
            for finding in correction.findings[:MAX_FINDINGS]
        ]
        if correction.groups:
            iteration.corrections = correction.to_json()
        if correction.changed:
            self.out.write(f"{folder}/draft{Path(self.target.filename).suffix}", code)  # before the patches
        return correction.code

    def _render(self, code: str, folder: str | None = None) -> tuple[Rendering, TextBlocks | None]:
        """The candidate's render and, for an HTML page scored by Design2Code, its text blocks.
        With ``folder`` (an iteration that wrote assets) the written page is rendered from its file,
        so that its ``assets/`` resolve."""
        width, height = self.source.width, self.source.height
        rendered: Rendering
        if folder is not None and self.target.name == "html":
            page = self.out.file(f"{folder}/{self.target.filename}")
            rendered = self.renderer.render_file(page, width, height, assets=(page.parent / "assets",))
        else:
            rendered = self.target.render(self.renderer, code, width, height)
        if "design2code" in self.config.metrics and self.target.name == "html":
            # a React or Vue page is read as the DOM its scripts drew (stacks.StackTarget.scored_page)
            scored_page = getattr(self.target, "scored_page", None)
            scored = scored_page(code, rendered) if scored_page is not None else code
            return rendered, self.read_blocks(self.renderer, scored, width)
        return rendered, None

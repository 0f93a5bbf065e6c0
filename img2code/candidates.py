"""Two ways one iteration of the refine loop does more than one render (issue 18).

- ``best_of``: N answers per iteration (``--candidates N``). Each goes through extract, render and
  score in ``iterations/NN/candidates/K/``; the best by the loop's rank becomes the iteration (its
  files copied to ``iterations/NN/``), and every answer's score is kept in ``Iteration.candidates``.
  An answer that failed (in generate, extract or render) is recorded and the others still count.
- ``score_other_widths``: a responsive page (responsive.py) is rendered and scored at every other
  shot's width too; the iteration's SSIM is the worst width's.

The loop's own stages (``RefineLoop._finish``) do the work; these only fan out and gather.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .backends.base import Generation, Usage
from .errors import BackendError, RenderError
from .responsive import width_key
from .results import CandidateScore, Iteration, StageError
from .score.ssim import compare, diff_heatmap, encode_png

if TYPE_CHECKING:
    from .refine import Candidate, RefineLoop


def best_of(
    loop: RefineLoop, iteration: Iteration, answers: Sequence[Generation | BackendError]
) -> Candidate:
    """The best of ``answers`` as ``iteration``'s candidate; StageFailed when none came through."""
    from .refine import StageFailed

    best: tuple[tuple[float, float], int, Candidate, Iteration] | None = None
    first_failure: StageError | None = None
    usage = Usage()
    for k, answer in enumerate(answers):
        folder = f"{iteration.folder}/candidates/{k}"
        record = CandidateScore(index=k, folder=folder)
        iteration.candidates.append(record)
        if isinstance(answer, BackendError):
            record.error = f"generate: {answer}"
            first_failure = first_failure or StageError("generate", str(answer), iteration.index)
            continue
        usage.prompt_tokens = max(usage.prompt_tokens, answer.usage.prompt_tokens)  # one prompt, encoded once
        usage.completion_tokens += answer.usage.completion_tokens
        record.completion_tokens = answer.usage.completion_tokens
        scratch = Iteration(index=iteration.index, mode=iteration.mode)
        try:
            candidate = loop._finish(scratch, answer, folder)
        except StageFailed as failed:
            record.error = f"{failed.error.stage}: {failed.error.message}"
            first_failure = first_failure or failed.error
            continue
        finally:
            for stage, seconds in scratch.timings.items():
                iteration.timings[stage] = iteration.timings.get(stage, 0.0) + seconds
        record.ok, record.ssim, record.scores = True, candidate.ssim, dict(scratch.scores)
        rank = loop._rank(candidate)
        if best is None or rank > best[0]:
            best = (rank, k, candidate, scratch)
    iteration.usage = usage
    if best is None:
        assert first_failure is not None
        raise StageFailed(first_failure)
    _, k, candidate, scratch = best
    for name in ("ok", "ssim", "scores", "regions", "render_size", "repairs", "finish_reason"):
        setattr(iteration, name, getattr(scratch, name))
    iteration.first_token_seconds = scratch.first_token_seconds
    winner = loop.out.file(f"{iteration.folder}/candidates/{k}")
    for path in sorted(winner.rglob("*")):  # its code, renders, diffs (and assets/, where written)
        if path.is_file():
            loop.out.write(f"{iteration.folder}/{path.relative_to(winner).as_posix()}", path.read_bytes())
    candidate.iteration = iteration
    return candidate


def score_other_widths(loop: RefineLoop, candidate: Candidate, folder: str) -> None:
    """Render ``candidate`` at every other shot's width, score each (``ssim@W``, files
    ``render@W.png`` and ``diff@W.png``) and make its SSIM the worst of all widths."""
    iteration = candidate.iteration
    at_widths = {width_key(loop.source.width): round(candidate.ssim, 5)}
    worst = candidate.ssim
    for shot in loop.shots:
        with loop._stage(iteration, "render", fails_on=RenderError):
            rendered = loop.target.render(loop.renderer, candidate.code, shot.width, shot.height)
        with loop._stage(iteration, "score"):
            comparison = compare(shot.image, rendered.image)
            heatmap = diff_heatmap(shot.image, comparison)
        with loop._stage(iteration, "write"):
            loop.out.write(f"{folder}/render@{shot.width}.png", rendered.png)
            loop.out.write(f"{folder}/diff@{shot.width}.png", encode_png(heatmap))
        at_widths[width_key(shot.width)] = round(comparison.ssim, 5)
        candidate.renders_at.append(rendered.image)
        worst = min(worst, comparison.ssim)
    iteration.ssim = candidate.ssim = worst
    iteration.scores = {**iteration.scores, "ssim": round(worst, 5), **at_widths}

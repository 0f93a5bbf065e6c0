"""The refine loop's rules, one test each, on a scripted backend and a renderer that draws no page.

Renders are the source with a share of it painted over (``wrong(0.5)``: SSIM about 0.5), so each
test states its scores in the answers it scripts. Every rule's test fails when that rule is removed.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakes import FakeRenderer, ScriptedBackend, Shown, page, source_image, text_block, wrong
from PIL import Image

from img2code.config import RunConfig
from img2code.errors import GenerationError, RenderError
from img2code.images import SourceImage
from img2code.output import STAGING, OutputFolder
from img2code.progress import Progress
from img2code.refine import LoopOutcome, RefineLoop
from img2code.score.design2code import TextBlocks
from img2code.score.metrics import Reference
from img2code.targets import get_target

TITLE = text_block("team plans", (20, 10, 120, 30))
NO_STOP = {"target_ssim": None, "patience": 99, "min_gain": 0.0}  # only max_iters ends the loop


def run_loop(
    tmp_path: Path,
    backend: ScriptedBackend,
    pages: dict[str, Shown | Image.Image | BaseException],
    *,
    reference: Reference | None = None,
    **settings: object,
) -> LoopOutcome:
    source = SourceImage(tmp_path / "source.png", source_image(), "PNG", "RGB")
    config = RunConfig(backend="classic", **settings)
    out = OutputFolder(tmp_path / "out")
    renderer = FakeRenderer(pages)
    loop = RefineLoop(
        source,
        backend,
        get_target("html"),
        renderer,
        config,
        out,
        Progress(),
        reference,
        renderer.read_blocks,
    )
    return loop.run()


def ssims(outcome: LoopOutcome) -> list[float | None]:
    return [iteration.ssim for iteration in outcome.iterations]


def test_renders_score_as_scripted(tmp_path: Path) -> None:
    outcome = run_loop(tmp_path, ScriptedBackend(page("a")), {"a": wrong(0.5)}, max_iters=1)
    (ssim,) = ssims(outcome)
    assert ssim == pytest.approx(0.5, abs=0.05)


def test_only_an_improvement_becomes_the_best(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), page("b"), page("c"))
    pages = {"a": wrong(0.5), "b": wrong(0.2), "c": wrong(0.4)}
    outcome = run_loop(tmp_path, backend, pages, max_iters=3, **NO_STOP)

    assert [it.accepted for it in outcome.iterations] == [True, True, False]
    assert outcome.best is not None and outcome.best.iteration.index == 1
    assert 'data-page="b"' in outcome.best.code
    # the worse third answer was not kept: the next refine prompt would still hold b's code
    assert outcome.stopped_because == "reached --max-iters 3"


def test_refining_shows_the_model_the_best_render_and_code(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), page("b"), page("c"))
    pages = {"a": wrong(0.2), "b": wrong(0.5), "c": wrong(0.4)}
    run_loop(tmp_path, backend, pages, max_iters=3, **NO_STOP)

    first, second, third = backend.requests
    assert first.mode == "generate" and len(first.images) == 1
    assert second.mode == third.mode == "refine"
    assert len(third.images) == 2 and third.images[1].tobytes() == wrong(0.2).tobytes()  # a's render
    assert 'data-page="a"' in third.prompt and 'data-page="b"' not in third.prompt


def test_patience_ends_the_loop_after_iterations_without_gain(tmp_path: Path) -> None:
    backend = ScriptedBackend(*(page(name) for name in "abcde"))
    pages = {"a": wrong(0.5), "b": wrong(0.49), "c": wrong(0.48), "d": wrong(0.47), "e": wrong(0.46)}
    outcome = run_loop(tmp_path, backend, pages, max_iters=5, target_ssim=None, min_gain=0.05, patience=2)

    assert len(outcome.iterations) == 3  # a, then b and c each gain less than 0.05
    assert outcome.stopped_because == "no gain of 0.05 or more in 2 iterations"
    assert [it.accepted for it in outcome.iterations] == [True, True, True]  # small gains still count as best


def test_a_gain_of_min_gain_or_more_resets_patience(tmp_path: Path) -> None:
    backend = ScriptedBackend(*(page(name) for name in "abcdef"))
    pages = {
        "a": wrong(0.5),
        "b": wrong(0.49),  # a small gain: 1 without progress
        "c": wrong(0.1),  # a large one: back to 0
        "d": wrong(0.09),  # 1
        "e": wrong(0.08),  # 2: stop here
        "f": wrong(0.0),
    }
    outcome = run_loop(tmp_path, backend, pages, max_iters=6, target_ssim=None, min_gain=0.05, patience=2)

    assert len(outcome.iterations) == 5
    assert outcome.stopped_because.startswith("no gain of 0.05")


def test_failed_iterations_do_not_use_up_patience(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), "no markup here", page("broken"), page("b"))
    pages = {"a": wrong(0.5), "broken": RenderError("the page hung"), "b": wrong(0.2)}
    outcome = run_loop(tmp_path, backend, pages, max_iters=4, target_ssim=None, min_gain=0.05, patience=1)

    assert len(outcome.iterations) == 4 and outcome.best and outcome.best.iteration.index == 3


def test_reaching_target_ssim_ends_the_loop(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), page("b"), page("c"))
    pages = {"a": wrong(0.5), "b": wrong(0.0), "c": wrong(0.0)}
    outcome = run_loop(tmp_path, backend, pages, max_iters=3, target_ssim=0.95, patience=99)

    assert len(outcome.iterations) == 2
    assert outcome.stopped_because == "reached --target-ssim 0.95"


def test_the_loop_stops_at_max_iters(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), page("b"), page("c"))
    outcome = run_loop(
        tmp_path, backend, {"a": wrong(0.5), "b": wrong(0.3), "c": wrong(0.1)}, max_iters=2, **NO_STOP
    )

    assert len(outcome.iterations) == 2 and len(backend.requests) == 2
    assert outcome.stopped_because == "reached --max-iters 2"


def test_a_backend_failure_ends_the_loop_and_keeps_the_best(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), GenerationError("the server went away"), page("b"))
    outcome = run_loop(tmp_path, backend, {"a": wrong(0.5), "b": wrong(0.1)}, max_iters=3, **NO_STOP)

    assert len(outcome.iterations) == 2
    assert outcome.fatal is not None and outcome.fatal.stage == "generate"
    assert outcome.iterations[1].error == outcome.fatal and "went away" in outcome.fatal.message
    assert outcome.stopped_because == "the backend failed: the server went away"
    assert outcome.best is not None and outcome.best.iteration.index == 0


def test_extract_and_render_failures_are_recorded_and_the_loop_goes_on(tmp_path: Path) -> None:
    backend = ScriptedBackend("Sorry, I cannot help with that.", page("hangs"), page("a"))
    pages = {"hangs": RenderError("loading the page took longer than 1 s"), "a": wrong(0.3)}
    outcome = run_loop(tmp_path, backend, pages, max_iters=3, **NO_STOP)

    first, second, third = outcome.iterations
    assert first.error is not None and (first.error.stage, first.error.iteration) == ("extract", 0)
    assert first.error.message == "the answer holds no HTML"
    assert (
        second.error is not None and second.error.stage == "render" and "longer than" in second.error.message
    )
    assert not first.ok and not second.ok and "extract" in first.timings and "render" in second.timings
    assert third.ok and third.accepted and outcome.fatal is None
    run = tmp_path / "out" / STAGING  # the loop writes the run's files there until it is put in place
    assert (run / "iterations" / "00" / "raw.txt").read_text() == "Sorry, I cannot help with that."
    assert (run / "iterations" / "01" / "index.html").exists()  # the code that failed to render


def test_a_backend_that_takes_no_feedback_stops_after_its_first_success(tmp_path: Path) -> None:
    backend = ScriptedBackend("no markup here", page("a"), page("b"), follows_prompts=False)
    outcome = run_loop(tmp_path, backend, {"a": wrong(0.5), "b": wrong(0.1)}, max_iters=3, **NO_STOP)

    assert len(outcome.iterations) == 2
    assert [request.mode for request in backend.requests] == ["generate", "generate"]
    assert outcome.stopped_because.startswith("the scripted backend takes no feedback")


def _reference() -> Reference:
    return Reference(source_image(), TextBlocks((TITLE,), *source_image().size, "html"))


def _design2code(
    tmp_path: Path, select_by: str, pages: dict[str, Shown | Image.Image | BaseException]
) -> LoopOutcome:
    backend = ScriptedBackend(*(page(name) for name in pages))
    return run_loop(
        tmp_path, backend, pages, reference=_reference(), max_iters=len(pages), select_by=select_by, **NO_STOP
    )


def test_select_by_design2code_ranks_by_the_text_blocks_not_ssim(tmp_path: Path) -> None:
    pages: dict[str, Shown | Image.Image | BaseException] = {
        "close-look": Shown(wrong(0.1), [text_block("lorem ipsum dolor", (20, 10, 120, 30))]),
        "right-text": Shown(wrong(0.5), [TITLE]),
    }
    by_blocks = _design2code(tmp_path / "d2c", "design2code", pages)
    assert [it.accepted for it in by_blocks.iterations] == [True, True]
    assert by_blocks.iterations[1].scores["text"] == 1.0 and by_blocks.iterations[0].scores["text"] == 0.0

    by_ssim = _design2code(tmp_path / "ssim", "ssim", pages)
    assert [it.accepted for it in by_ssim.iterations] == [True, False]


def test_select_by_design2code_breaks_ties_by_ssim(tmp_path: Path) -> None:
    pages: dict[str, Shown | Image.Image | BaseException] = {
        "a": Shown(wrong(0.5), [TITLE]),
        "b": Shown(wrong(0.2), [TITLE]),  # the same blocks, a closer look
        "c": Shown(wrong(0.4), [TITLE]),
    }
    outcome = _design2code(tmp_path, "design2code", pages)
    assert [it.accepted for it in outcome.iterations] == [True, True, False]

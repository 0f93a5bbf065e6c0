"""One responsive page from several shots: every iteration is scored at every width, the worst counts.

The loop's rules on a scripted backend and a fake renderer that shows a different image per width;
then the classic backend, the real Chromium and the command line on fixtures/responsive (one page,
fixtures/responsive/page.html, rendered by `img2code render` at 1280 and at 390 px).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner
from fakes import FakeRenderer, ScriptedBackend, page, source_image, wrong
from PIL import Image

from img2code.cli import main
from img2code.config import RunConfig
from img2code.errors import InputError
from img2code.images import SourceImage
from img2code.output import OutputFolder
from img2code.progress import Progress
from img2code.refine import LoopOutcome, RefineLoop
from img2code.render.browser import Rendered
from img2code.responsive import Shot, breakpoints, load_shots, parse_shot
from img2code.score.ssim import encode_png
from img2code.targets import get_target

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "responsive"
NARROW = 100  # the fake mobile shot's width (the desktop one is fakes.SIZE, 160 px)


def mobile_image() -> Image.Image:
    """A narrow, tall noise pattern, unlike the desktop one."""
    rng = np.random.default_rng(1)
    return Image.fromarray(rng.integers(0, 256, (150, NARROW, 3), dtype=np.uint8), "RGB")


def mobile_wrong(share: float) -> Image.Image:
    pixels = np.asarray(mobile_image()).copy()
    pixels[150 - round(share * 150) :] = 128
    return Image.fromarray(pixels, "RGB")


class WidthRenderer(FakeRenderer):
    """A fake renderer whose pages show one image at the desktop width and another at the narrow one."""

    def __init__(self, pages: dict[str, tuple[Image.Image, Image.Image]]) -> None:
        super().__init__({})
        self.by_width = pages
        self.widths: list[int] = []

    def render_html(self, html: str, width: int, height: int, **options: Any) -> Rendered:
        name = html.split('data-page="')[1].split('"')[0]
        self.widths.append(width)
        image = self.by_width[name][1 if width == NARROW else 0]
        return Rendered(encode_png(image), image, 0.01)


def run_responsive(
    tmp_path: Path,
    backend: ScriptedBackend,
    pages: dict[str, tuple[Image.Image, Image.Image]],
    **settings: Any,
) -> tuple[LoopOutcome, WidthRenderer]:
    desktop = SourceImage(tmp_path / "desktop.png", source_image(), "PNG", "RGB")
    mobile = Shot(NARROW, SourceImage(tmp_path / "mobile.png", mobile_image(), "PNG", "RGB"))
    renderer = WidthRenderer(pages)
    config = RunConfig(backend="classic", target_ssim=None, patience=99, min_gain=0.0, **settings)
    loop = RefineLoop(
        desktop,
        backend,
        get_target("html"),
        renderer,
        config,
        OutputFolder(tmp_path / "out"),
        Progress(),
        shots=[mobile],
    )
    return loop.run(), renderer


def test_every_width_is_scored_and_the_worst_is_the_score(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"))
    outcome, renderer = run_responsive(tmp_path, backend, {"a": (wrong(0.1), mobile_wrong(0.6))}, max_iters=1)

    (iteration,) = outcome.iterations
    assert sorted(renderer.widths) == [NARROW, 160]
    at_wide, at_narrow = iteration.scores["ssim@160"], iteration.scores[f"ssim@{NARROW}"]
    assert isinstance(at_wide, float) and isinstance(at_narrow, float)
    assert at_wide == pytest.approx(0.9, abs=0.05) and at_narrow == pytest.approx(0.4, abs=0.08)
    assert iteration.ssim == pytest.approx(at_narrow, abs=1e-4)  # the worst width
    assert (tmp_path / "out" / ".img2code-new" / f"iterations/00/render@{NARROW}.png").is_file()


def test_the_page_good_at_every_width_beats_the_one_perfect_at_one(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("desktop-only"), page("both"))
    pages = {
        "desktop-only": (source_image(), mobile_wrong(0.7)),
        "both": (wrong(0.2), mobile_wrong(0.2)),
    }
    outcome, _ = run_responsive(tmp_path, backend, pages, max_iters=2)
    assert outcome.best is not None and 'data-page="both"' in outcome.best.code


def test_the_model_sees_every_shot_with_its_width(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), page("b"))
    pages = {"a": (wrong(0.3), mobile_wrong(0.3)), "b": (wrong(0.2), mobile_wrong(0.2))}
    run_responsive(tmp_path, backend, pages, max_iters=2)

    first, second = backend.requests
    assert first.widths == (160, NARROW) and len(first.images) == 2
    assert f"{NARROW} px" in first.prompt and "@media" in first.prompt
    # refining: both targets, and the best page rendered at both widths
    assert len(second.images) == 4 and second.images[2].width == NARROW
    assert f"renders {NARROW} px wide" in second.prompt


def test_shots_take_their_width_from_their_pixels_or_from_width_equals(tmp_path: Path) -> None:
    source_image().save(tmp_path / "wide.png")
    Image.new("RGB", (780, 1200), "white").save(tmp_path / "phone@2x.png")
    shots = load_shots([tmp_path / "wide.png", (390, tmp_path / "phone@2x.png")])
    # widest first; the 2x phone shot is scaled to its 390 px
    assert [(s.width, s.image.size) for s in shots] == [(390, (390, 600)), (160, (160, 120))]
    assert parse_shot("390=m.png") == (390, Path("m.png")) and parse_shot("m.png") == (None, Path("m.png"))
    with pytest.raises(InputError, match="same width"):
        load_shots([tmp_path / "wide.png", tmp_path / "wide.png"])
    with pytest.raises(InputError, match="two shots"):
        load_shots([tmp_path / "wide.png"])
    assert breakpoints([1280, 390]) == [836] and breakpoints([390, 768, 1280]) == [580, 1025]


def test_a_fixture_page_at_two_widths_comes_back_as_one_responsive_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["html", "--shot", f"1280={FIXTURES / 'desktop.png'}", "--shot", f"390={FIXTURES / 'mobile.png'}"]
    answer = CliRunner().invoke(main, [*args, "-o", str(out), "--backend", "classic", "-q"])
    assert answer.exit_code == 0, answer.output

    saved = json.loads((out / "result.json").read_text())
    final = saved["final"]
    assert saved["settings"]["widths"] == [1280, 390]
    assert final["ssim"] == pytest.approx(min(final["ssim@1280"], final["ssim@390"]), abs=1e-4)
    # one flow DOM: exactly the phone's page at 390, the desktop's rows and grid from 836 px up
    assert final["ssim@1280"] > 0.8 and final["ssim@390"] > 0.85
    code = (out / "index.html").read_text()
    assert "@media (min-width: 836px)" in code and code.count("Espresso") == 1
    for name in ("source", "render", "diff"):
        assert (out / "widths" / "390" / f"{name}.png").is_file()
    with Image.open(out / "widths" / "390" / "render.png") as narrow:
        assert narrow.width == 390
    assert "Render at 390 px" in (out / "report.html").read_text()
    assert "ssim@390" in answer.output


def test_the_absolute_layout_switches_each_shots_trace_by_width(tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["html", "--shot", f"1280={FIXTURES / 'desktop.png'}", "--shot", f"390={FIXTURES / 'mobile.png'}"]
    options = ["-o", str(out), "--backend", "classic", "--layout", "absolute", "-q"]
    answer = CliRunner().invoke(main, [*args, *options])
    assert answer.exit_code == 0, answer.output

    final = json.loads((out / "result.json").read_text())["final"]
    assert final["ssim@1280"] > 0.9 and final["ssim@390"] > 0.9  # a pixel trace per width
    code = (out / "index.html").read_text()
    assert 'class="at at-390"' in code and 'class="at at-1280"' in code


@pytest.mark.parametrize("stack", ["tailwind", "react", "vue", "bootstrap"])
def test_the_responsive_page_in_each_stack_scores_as_the_html_one(tmp_path: Path, stack: str) -> None:
    # React and Vue got the plain page (never drawn); Bootstrap's !important utilities beat the
    # desktop's rules (the header stayed a column)
    out = tmp_path / "out"
    args = ["html", "--shot", f"1280={FIXTURES / 'desktop.png'}", "--shot", f"390={FIXTURES / 'mobile.png'}"]
    answer = CliRunner().invoke(main, [*args, "-o", str(out), "--backend", "classic", "--stack", stack, "-q"])
    assert answer.exit_code == 0, answer.output
    final = json.loads((out / "result.json").read_text())["final"]
    assert final["ssim@1280"] > 0.8 and final["ssim@390"] > 0.85

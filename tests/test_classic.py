"""The classic backend: OCR + colour segmentation rebuild a screenshot as HTML that renders like it."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw, ImageFont

from img2code.backends.base import GenerationRequest
from img2code.backends.classic import ClassicBackend
from img2code.backends.classic_page import to_html
from img2code.config import GenerationOptions
from img2code.errors import BackendError
from img2code.score.ssim import compare
from img2code.vision.colour import backdrop
from img2code.vision.fonts import FACES
from img2code.vision.geometry import Box
from img2code.vision.ocr import TextLine, Word
from img2code.vision.page import Layout
from img2code.vision.regions import Region, find_regions
from img2code.vision.style import TextRun, text_runs

MOCKUPS = Path(__file__).resolve().parent.parent / "fixtures" / "mockups"
# Texts each mockup shows, which OCR must find and the page must carry.
EXPECTED_TEXTS = {
    "login": ["Sign in", "Email address", "Forgot your password?"],
    "dashboard": ["Dashboard", "Revenue", "$48,200", "Weekly sales"],
    "pricing": ["Simple pricing", "Choose Pro", "$29"],
}
VOID = {"meta", "br", "img", "input", "link", "hr"}


def _request(image: Image.Image, target: str = "html") -> GenerationRequest:
    return GenerationRequest(
        target=target, mode="generate", prompt="", images=[image], options=GenerationOptions()
    )


class _Checker(HTMLParser):
    """Counts <style> elements and records tags closed out of order (HTMLParser does not check)."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.styles = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.styles += tag == "style"
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes {self.stack[-1:] or 'nothing'}")
        else:
            self.stack.pop()


@pytest.fixture(scope="module")
def pages() -> dict[str, tuple[Image.Image, str]]:
    """Each mockup with the classic page made from it (OCR once per module), in the absolute
    layout (the pixel trace; the flow layout is tested in test_flow_layout.py)."""
    backend = ClassicBackend(layout="absolute")
    made = {}
    for name in EXPECTED_TEXTS:
        image = Image.open(MOCKUPS / f"{name}.png").convert("RGB")
        generation = backend.generate(_request(image))
        assert generation.finish_reason == "stop"
        made[name] = (image, generation.text)
    return made


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED_TEXTS))
def test_page_is_wellformed_html_with_one_stylesheet(pages, name):
    image, html = pages[name]
    assert html.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in html and 'name="viewport"' in html
    assert f"width: {image.width}px; height: {image.height}px;" in html
    checker = _Checker()
    checker.feed(html)
    checker.close()
    assert checker.problems == [] and checker.stack == []
    assert checker.styles == 1


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED_TEXTS))
def test_page_carries_the_mockup_texts(pages, name):
    _, html = pages[name]
    for text in EXPECTED_TEXTS[name]:
        assert f">{text}</p>" in html, text


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(EXPECTED_TEXTS))
def test_render_looks_like_the_source_far_more_than_a_blank_page(pages, browser, name):
    image, html = pages[name]
    source = np.asarray(image)
    blank = np.empty_like(source)
    blank[:] = backdrop(source).colour
    rendered = browser.render_html(html, image.width, image.height).image
    assert rendered.width == image.width and abs(rendered.height - image.height) <= 1
    page_ssim = compare(image, rendered).ssim
    blank_ssim = compare(image, Image.fromarray(blank)).ssim
    assert page_ssim >= blank_ssim + 0.1, (page_ssim, blank_ssim)


def test_unknown_targets_are_refused():
    # drawio is served by the diagram digitiser (tests/test_diagram_digitiser.py)
    with pytest.raises(BackendError, match="cannot produce"):
        ClassicBackend().generate(_request(Image.new("RGB", (64, 64), "white"), target="svg"))


def test_backend_describes_itself_and_ignores_prompts():
    backend = ClassicBackend()
    assert backend.name == "classic" and backend.follows_prompts is False
    assert "rapidocr" in backend.model


def _run(text: str, x: int, bold: bool = False) -> TextRun:
    return TextRun(text, Box(x, 10, x + 50, 24), float(x), 24.0, 16.0, bold, (20, 20, 20), 0.0, FACES[0])


def test_text_is_escaped_and_equal_styles_share_one_class():
    layout = Layout(200, 100, backdrop(np.full((100, 200, 3), 255, np.uint8)), [], [])
    layout.runs = [_run("a < b & c", 10), _run("plain", 100), _run("heavy", 150, bold=True)]
    html = to_html(layout)
    assert "a &lt; b &amp; c" in html and "a < b" not in html
    assert html.count('class="text-1"') == 2 and html.count('class="text-2"') == 1


def test_a_region_drawn_over_another_comes_after_it_even_against_reading_order():
    under = Region(Box(0, 50, 100, 150), (200, 0, 0), "panel")  # found first: painted first
    over = Region(Box(50, 0, 150, 100), (0, 0, 200), "panel")  # higher up, yet drawn on top
    layout = Layout(200, 200, backdrop(np.full((200, 200, 3), 255, np.uint8)), [under, over], [])
    html = to_html(layout)
    assert html.index("top: 50px") < html.index("top: 0px")


def test_backdrop_is_the_frame_colour_or_a_fitted_gradient():
    flat = np.full((60, 80, 3), (240, 241, 242), np.uint8)
    flat[20:40, 20:60] = (10, 10, 10)
    assert backdrop(flat).colour == (240, 241, 242) and backdrop(flat).css() == "#f0f1f2"
    ramp = np.zeros((60, 200, 3), np.uint8)
    ramp[..., 1] = np.linspace(60, 200, 200).astype(np.uint8)
    css = backdrop(ramp).css()
    assert css.startswith("linear-gradient(90deg")


def test_regions_find_panels_buttons_and_borders_but_not_plain_background():
    image = Image.new("RGB", (400, 300), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, 399, 49), fill=(30, 60, 140))  # a nav bar
    draw.rounded_rectangle((40, 100, 199, 139), radius=8, fill=(37, 99, 235))  # a button
    draw.rectangle((230, 90, 369, 259), outline=(150, 160, 170))  # a 1 px card border
    pixels = np.asarray(image)
    regions = find_regions(pixels, [], backdrop(pixels))
    boxes = {(r.box.x0, r.box.y0, r.box.x1, r.box.y1): r for r in regions}
    assert boxes[0, 0, 400, 50].colour == (30, 60, 140)
    button = boxes[40, 100, 200, 140]
    assert button.colour == (37, 99, 235) and 5 <= button.radius <= 11
    sides = [r for r in regions if r.colour == (150, 160, 170)]
    assert len(sides) == 4 and all(min(r.box.width, r.box.height) == 1 for r in sides)
    assert all(r.colour != (255, 255, 255) for r in regions)


def test_a_thick_frame_around_a_box_is_one_panel_not_four_rules():
    # a grey sidebar holding a picture frame: its grey around the frame is a ring of bands 20 px and
    # more thick, one panel (the frame's inside is its own component)
    image = Image.new("RGB", (500, 600), (51, 51, 51))
    draw = ImageDraw.Draw(image)
    draw.rectangle((85, 72, 434, 574), fill=(102, 102, 102))
    draw.rectangle((105, 225, 414, 544), fill=(102, 102, 102), outline=(255, 255, 255))
    pixels = np.asarray(image)
    regions = find_regions(pixels, [], backdrop(pixels))
    grey = [r.box for r in regions if r.colour == (102, 102, 102)]
    assert Box(85, 72, 435, 575) in grey and len(grey) <= 2, grey


@pytest.mark.parametrize(("font_file", "bold"), [("DejaVuSans.ttf", False), ("DejaVuSans-Bold.ttf", True)])
def test_style_recovers_size_weight_colour_and_baseline(font_file, bold):
    font = ImageFont.truetype(font_file, 20)  # DejaVu is installed by set-up
    image = Image.new("RGB", (420, 60), (250, 250, 250))
    text = "Quick brown foxes jump"
    ImageDraw.Draw(image).text((30, 40), text, font=font, fill=(200, 30, 30), anchor="ls")
    line = TextLine(text, Box(24, 16, 300, 48), 0.99, (Word(text, Box(28, 18, 296, 46)),))
    (run,) = text_runs(np.asarray(image), [line])
    assert run.font_size == pytest.approx(20, abs=0.6)
    assert run.bold is bold
    assert run.face.css.startswith('"DejaVu Sans"')
    assert all(abs(c - t) <= 12 for c, t in zip(run.colour, (200, 30, 30), strict=True))
    assert run.baseline == pytest.approx(40, abs=1.0)
    assert run.left == pytest.approx(30, abs=1.5)


def _mixed_line(words: list[tuple[str, bool]]) -> tuple[np.ndarray, TextLine]:
    """A line drawn word by word in DejaVu Sans regular or bold, with OCR's word boxes."""
    fonts = {
        b: ImageFont.truetype("DejaVuSans-Bold.ttf" if b else "DejaVuSans.ttf", 20) for b in (False, True)
    }
    image = Image.new("RGB", (700, 60), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    x, boxes = 30.0, []
    for text, bold in words:
        draw.text((x, 40), text, font=fonts[bold], fill=(20, 20, 20), anchor="ls")
        width = fonts[bold].getlength(text)
        boxes.append(Word(text, Box(int(x) - 1, 18, int(x + width) + 1, 46)))
        x += width + fonts[False].getlength(" ")
    text = " ".join(t for t, _ in words)
    return np.asarray(image), TextLine(text, Box(24, 16, int(x) + 4, 48), 0.99, tuple(boxes))


def test_weights_scattered_over_a_line_are_smoothed_to_one():
    """Short words measure their weight badly: a line does not come back as bold and regular
    words alternating (only a lead-in may differ)."""
    scattered = [("Football", False), ("play", True), ("with", True), ("highest", True), ("merit", False)]
    pixels, line = _mixed_line(scattered)
    (run,) = text_runs(pixels, [line])
    assert not run.spans


def test_a_mark_measured_on_ink_it_does_not_own_takes_its_lines_size():
    """OCR's word boxes may place a letter's ink in a dash's piece of the line; the dash's thin
    glyph then scales that ink to a 240 px heading that pushed the whole page down. A size its
    line's box cannot hold is taken from the texts beside it."""
    font = ImageFont.truetype("DejaVuSans.ttf", 20)
    image = Image.new("RGB", (700, 60), (250, 250, 250))
    draw = ImageDraw.Draw(image)
    for x, text in ((30, "Sebastian"), (300, "T -"), (420, "Saint")):
        draw.text((x, 40), text, font=font, fill=(20, 20, 20), anchor="ls")
    words = (
        Word("Sebastian", Box(29, 18, 126, 46)),
        Word("-", Box(299, 18, 332, 46)),
        Word("Saint", Box(419, 18, 472, 46)),
    )
    line = TextLine("Sebastian - Saint", Box(24, 16, 480, 48), 0.99, words)
    runs = text_runs(np.asarray(image), [line])
    assert [r.text for r in runs] == ["Sebastian", "-", "Saint"]
    assert [r.font_size for r in runs] == pytest.approx([20, 20, 20], abs=1.0)
    assert runs[1].baseline == pytest.approx(40, abs=1.5)


@pytest.mark.slow
def test_blank_screenshot_gives_an_empty_page_of_its_colour():
    generation = ClassicBackend(layout="absolute").generate(
        _request(Image.new("RGB", (320, 200), (12, 34, 56)))
    )
    assert "background: #0c2238;" in generation.text
    flow = ClassicBackend().generate(_request(Image.new("RGB", (320, 200), (12, 34, 56)))).text
    assert "--color-bg: #0c2238;" in flow and "<p " not in flow and "<div " not in flow
    assert "<p " not in generation.text and "<div " not in generation.text

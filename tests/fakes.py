"""Fakes for unit tests of pure logic (the loop's rules, the session's bookkeeping): no model, no browser.

``ScriptedBackend`` answers each ``generate`` with the next scripted text, or raises the next
scripted error, and keeps every request, as simonw/llm's MockModel does. ``FakeRenderer`` "renders"
an HTML page by looking up what is scripted for the page's name (the ``data-page`` attribute an
answer from ``page()`` carries), as httpx's MockTransport answers requests from a table: an image
(and the Design2Code text blocks a real page would give, read by ``FakeRenderer.read_blocks``), or
an error to raise.

Images come from ``source_image()`` (a noise pattern) and ``wrong()``: the source with its bottom
``share`` of rows painted flat grey, whose SSIM against the source is close to ``1 - share``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from img2code.backends.base import Backend, Generation, GenerationRequest, Usage
from img2code.render.browser import Rendered
from img2code.score.design2code import Block, TextBlocks
from img2code.score.ssim import encode_png

SIZE = (160, 120)
PAGE_NAME = re.compile(r'data-page="([\w-]+)"')


def source_image() -> Image.Image:
    """A fixed noise pattern: every region of it has structure, so SSIM sees any change."""
    rng = np.random.default_rng(0)
    return Image.fromarray(rng.integers(0, 256, (SIZE[1], SIZE[0], 3), dtype=np.uint8), "RGB")


def wrong(share: float) -> Image.Image:
    """The source with its bottom ``share`` of rows flat grey (SSIM about ``1 - share``)."""
    pixels = np.asarray(source_image()).copy()
    pixels[SIZE[1] - round(share * SIZE[1]) :] = 128
    return Image.fromarray(pixels, "RGB")


def page(name: str) -> str:
    """A model's answer holding the page ``name`` (the renderer looks the name up)."""
    return f'<div data-page="{name}"><p>{name}</p></div>'


def text_block(text: str, box: tuple[int, int, int, int]) -> Block:
    """A black text block over the pixel box (x0, y0, x1, y1) of a ``SIZE`` page."""
    (x0, y0, x1, y1), (width, height) = box, SIZE
    return Block(text, x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height, (0, 0, 0))


class ScriptedBackend(Backend):
    """Answers from a script: each item is the text of one generation, or an exception to raise."""

    name = "scripted"

    def __init__(self, *script: str | BaseException, follows_prompts: bool = True) -> None:
        self.script = list(script)
        self.follows_prompts = follows_prompts
        self.requests: list[GenerationRequest] = []
        self.closed = 0

    def generate(self, request: GenerationRequest) -> Generation:
        self.requests.append(request)
        if not self.script:
            raise AssertionError(
                f"asked for answer {len(self.requests)}; only {len(self.requests) - 1} scripted"
            )
        answer = self.script.pop(0)
        if isinstance(answer, BaseException):
            raise answer
        return Generation(answer, "stop", Usage(10, 5), seconds=0.01, first_token_seconds=0.001)

    def close(self) -> None:
        self.closed += 1


@dataclass
class Shown:
    """What the fake renderer shows for a page: an image, and its Design2Code text blocks."""

    image: Image.Image
    blocks: list[Block] = field(default_factory=list)


class FakeRenderer:
    """A Renderer that draws nothing: ``pages`` maps a page's name to what it shows (or an error)."""

    timeout_s = 1.0

    def __init__(self, pages: dict[str, Shown | Image.Image | BaseException]) -> None:
        self.pages = pages
        self.rendered: list[str] = []
        self.closed = 0

    def render_html(self, html: str, width: int, height: int, **options: Any) -> Rendered:
        shown = self._shown(html)
        return Rendered(encode_png(shown.image), shown.image, 0.01)

    def _shown(self, html: str) -> Shown:
        found = PAGE_NAME.search(html)
        assert found, f"not a page of fakes.page(): {html[:200]!r}"
        name = found.group(1)
        self.rendered.append(name)
        shown = self.pages[name]
        if isinstance(shown, BaseException):
            raise shown
        return Shown(shown) if isinstance(shown, Image.Image) else shown

    @staticmethod
    def read_blocks(renderer: FakeRenderer, html: str, width: int) -> TextBlocks:
        """The scripted blocks of a page: the loop's ``read_blocks`` on this renderer."""
        return TextBlocks(tuple(renderer._shown(html).blocks), *SIZE, "html")

    def render_file(self, path: Path, width: int, height: int, **options: Any) -> Rendered:
        return self.render_html(Path(path).read_text(), width, height, **options)

    def call(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("the fake renderer drives no pages")

    def close(self) -> None:
        self.closed += 1

"""Text blocks of a page for the Design2Code metrics: from the DOM of a render, or from OCR of an image.

From HTML (the paper's way in effect): every visible text node is one block, its box the union of
its line boxes (``Range.getClientRects``) clipped to the screenshot, its colour the computed CSS
``color`` of its element (read from the pixels when that colour is translucent or not plain RGB),
its text as shown (whitespace collapsed, ``text-transform`` applied). Design2Code colours each text
element uniquely and reads its pixels to get the same blocks.

From an image (a reference that is only a screenshot): every OCR line is one block, its colour the
ink of its box: the median of the pixels farthest from the box's dominant (background) colour.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PIL import Image

from ..vision.colour import dominant_colour
from .design2code import Block, TextBlocks

if TYPE_CHECKING:
    from ..render import Renderer
    from ..render.browser import Rendered
    from ..vision.geometry import Box

log = logging.getLogger(__name__)

INK_SHARE = 0.75  # ink pixels: at least this share of the largest distance from the background
MIN_INK_DISTANCE = 24.0  # RGB distance under which a box holds no visible ink
RGB_COLOUR = re.compile(r"rgba?\(\s*([\d.]+)[,\s]+([\d.]+)[,\s]+([\d.]+)(?:\s*[,/]\s*([\d.]+%?))?\s*\)")

# Runs on the rendered page (also with the page's JavaScript off). Boxes are in page pixels.
TEXT_NODES_SCRIPT = r"""() => {
  const root = document.body || document.documentElement;
  if (!root) return [];
  const skip = new Set(['SCRIPT', 'STYLE', 'NOSCRIPT', 'TEMPLATE', 'TITLE', 'OPTION']);
  // No filter callback: with the page's JavaScript off, DOM callbacks into script do not run.
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  const out = [];
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const element = node.parentElement;
    if (!element || skip.has(element.tagName) || !/\S/.test(node.data)) continue;
    if (!element.checkVisibility({opacityProperty: true, visibilityProperty: true})) continue;
    const style = getComputedStyle(element);
    range.selectNodeContents(node);
    const rects = [];
    for (const r of range.getClientRects()) {
      if (r.width < 1 || r.height < 1) continue;
      rects.push([r.left + scrollX, r.top + scrollY, r.right + scrollX, r.bottom + scrollY]);
    }
    if (!rects.length) continue;
    let text = node.data.replace(/\s+/g, ' ').trim();
    if (style.textTransform === 'uppercase') text = text.toUpperCase();
    else if (style.textTransform === 'lowercase') text = text.toLowerCase();
    else if (style.textTransform === 'capitalize') {
      text = text.replace(/(^|\s)(\S)/g, (m, space, first) => space + first.toUpperCase());
    }
    out.push({text, color: style.color, rects});
  }
  return out;
}"""


def css_colour(value: str) -> tuple[int, int, int] | None:
    """An opaque ``rgb()``/``rgba()`` colour as a tuple; None when translucent or in another notation."""
    found = RGB_COLOUR.fullmatch(value.strip())
    if found is None:
        return None
    alpha = found.group(4)
    if alpha is not None and (float(alpha.rstrip("%")) / (100 if alpha.endswith("%") else 1)) < 1:
        return None
    r, g, b = (min(255, round(float(found.group(i)))) for i in (1, 2, 3))
    return r, g, b


def ink_colour(rgb: np.ndarray, x0: int, y0: int, x1: int, y1: int) -> tuple[int, int, int]:
    """The text colour inside a pixel box: the median of the pixels farthest from its background."""
    patch = rgb[max(0, y0) : y1, max(0, x0) : x1].reshape(-1, 3)
    if patch.size == 0:
        return 0, 0, 0
    background = np.array(dominant_colour(patch), dtype=float)
    distance = np.abs(patch.astype(float) - background).sum(axis=1)
    farthest = distance.max()
    if farthest < MIN_INK_DISTANCE:
        ink = background
    else:
        ink = np.median(patch[distance >= INK_SHARE * farthest], axis=0)
    r, g, b = (int(value) for value in np.round(ink))
    return r, g, b


def _block(
    text: str, box: tuple[float, float, float, float], colour: tuple[int, int, int], size: tuple[int, int]
) -> Block:
    """A block whose pixel box (x0, y0, x1, y1) is normalised by the page's (width, height)."""
    (x0, y0, x1, y1), (width, height) = box, size
    return Block(text, x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height, colour)


def blocks_from_dom(nodes: list[dict[str, Any]], image: Image.Image) -> TextBlocks:
    """Blocks from what ``TEXT_NODES_SCRIPT`` returned on the page that rendered as ``image``."""
    width, height = image.size
    rgb: np.ndarray | None = None
    blocks = []
    for node in nodes:
        boxes = [
            (max(0.0, x0), max(0.0, y0), min(float(width), x1), min(float(height), y1))
            for x0, y0, x1, y1 in node["rects"]
        ]
        boxes = [box for box in boxes if box[2] - box[0] >= 1 and box[3] - box[1] >= 1]
        if not boxes or not node["text"]:
            continue  # scrolled off the sides or below the screenshot
        x0, y0 = min(b[0] for b in boxes), min(b[1] for b in boxes)
        x1, y1 = max(b[2] for b in boxes), max(b[3] for b in boxes)
        colour = css_colour(node["color"])
        if colour is None:
            rgb = np.asarray(image) if rgb is None else rgb
            colour = ink_colour(rgb, int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1)))
        blocks.append(_block(node["text"], (x0, y0, x1, y1), colour, image.size))
    return TextBlocks(tuple(blocks), width, height, "dom")


def blocks_from_ocr(image: Image.Image) -> TextBlocks:
    """Blocks from OCR lines of a screenshot (a reference that has no HTML)."""
    from ..vision.ocr import read_text

    rgb = np.asarray(image.convert("RGB"))
    height, width = rgb.shape[:2]
    blocks = []
    for line in read_text(rgb):
        box: Box = line.box
        colour = ink_colour(rgb, box.x0, box.y0, box.x1, box.y1)
        blocks.append(_block(line.text, (box.x0, box.y0, box.x1, box.y1), colour, (width, height)))
    return TextBlocks(tuple(blocks), width, height, "ocr")


def render_with_blocks(
    browser: Renderer, html: str | Path, width: int, height: int, *, javascript: bool = True
) -> tuple[Rendered, TextBlocks]:
    """Render an HTML string or file and read its text blocks from the DOM of that render.

    References are rendered with ``javascript=False``: they are static pages, and Design2Code's
    hold ``onerror`` handlers that refetch blocked images forever, so their load never ends."""
    if isinstance(html, Path):
        rendered = browser.render_file(html, width, height, javascript=javascript, script=TEXT_NODES_SCRIPT)
    else:
        rendered = browser.render_html(html, width, height, javascript=javascript, script=TEXT_NODES_SCRIPT)
    return rendered, blocks_from_dom(rendered.value or [], rendered.image)

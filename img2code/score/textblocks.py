"""Text blocks of a page for the Design2Code metrics: from an HTML page by the authors' colour coding,
or from OCR of an image.

From HTML, as Design2Code's own ``get_blocks_ocr_free`` (NoviScl/Design2Code at d9e038a):

1. The page is parsed with BeautifulSoup's ``html.parser`` (a candidate first gets the authors'
   clean-up: wrapped in ``<html><body><p>`` when it has no ``<html>`` tag, and any element whose
   markup repeats more than 50 times dropped after its 50th copy).
2. Two copies are written in which every element's background is transparent and each element of
   19 text tags (``p``, ``h1``-``h6``, ``div``, ``span``, ``a``, ``b``, ``li``, ``table``, ``td``,
   ``th``, ``button``, ``footer``, ``header``, ``figcaption``) has a colour of its own (and opacity
   1), the second copy's colours shifted by 50 in each channel. Text in other elements (``strong``,
   ``em``, ``code``, ``label``, ...) takes the colour of its nearest coloured ancestor.
3. The page and both copies are rendered alike (a 1280 x 720 viewport, full page, scripts on). A
   text pixel is one whose colour moved by 50 between the copies; hidden text has none.
4. Each text node of the body (stripped, lowercased) becomes a block over the text pixels of its
   element's colour: its box is their tight box, normalised by the page's size; its colour is the
   mean of the plain render's pixels there, the colour a person sees.

One check is the project's own, on candidates (generated code) only: a block whose pixels on the
plain page do not stand out from what surrounds its box is dropped. A page could otherwise show text
only to the colour-coded copies (CSS that matches their inline ``!important`` styles) and score text
nobody sees. The authors' code counts such text; so a candidate with honestly invisible text (white
on white) scores a little lower here than there. References are trusted and read exactly as theirs.

The authors also cut repeated text out of a candidate before scoring (``check_repetitive_content``);
in their code that step often cuts inside ``<style>`` and blanks the page, so it is left out here.

From an image (a reference that is only a screenshot): every OCR line is one block, its colour the
ink of its box: the median of the pixels farthest from the box's dominant (background) colour.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageColor

from ..vision.colour import colour_distance, dominant_colour
from .design2code import Block, TextBlocks

if TYPE_CHECKING:
    from bs4 import BeautifulSoup
    from bs4.element import Tag

    from ..render import Renderer
    from ..render.browser import Rendered
    from ..vision.geometry import Box

log = logging.getLogger(__name__)

INK_SHARE = 0.75  # ink pixels: at least this share of the largest distance from the background
MIN_INK_DISTANCE = 24.0  # RGB distance under which a box holds no visible ink

TEXT_TAGS = [
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "div", "span", "a", "b", "li",
    "table", "td", "th", "button", "footer", "header", "figcaption",
]  # fmt: skip
VIEWPORT_HEIGHT = 720  # the authors' screenshots: Playwright's default 1280 x 720 page, full page
COLOUR_SHIFT = 50  # the second copy's colours, per channel (mod 256)
SHIFT_TOLERANCE = 8  # a text pixel moved by COLOUR_SHIFT within this, in every channel
COLOUR_TOLERANCE = 4  # a pixel is of an element's colour within this, in every channel
MAX_REPEATS = 50  # a candidate's element whose markup repeats more often is dropped after this
POOL_LEVELS = range(10, 251, 16)  # 16 levels per channel: 4096 element colours
FRAME = 2  # px around a block whose colour is what the block's text stands on
MIN_SEEN = 12.0  # RGB distance under which a candidate block's text does not show on the plain page


@dataclass(frozen=True)
class ColourCoded:
    """A page prepared for the colour-coded renders: the page itself, its two coloured copies, and
    each text node of its body with the colour its pixels have in the first copy (``#rrggbb``)."""

    page: str
    copies: tuple[str, str]
    texts: list[tuple[str, str]]


def colour_pool(shift: int) -> list[str]:
    """The authors' element colours, popped from the end: ``#RRGGBB`` over 16 levels a channel."""
    return [
        f"{(r + shift) % 256:02X}{(g + shift) % 256:02X}{(b + shift) % 256:02X}"
        for r in POOL_LEVELS
        for g in POOL_LEVELS
        for b in POOL_LEVELS
    ]


def _soup(html: str) -> BeautifulSoup:
    from bs4 import BeautifulSoup

    return BeautifulSoup(html, "html.parser")


def _set_style(element: Tag, name: str, value: str) -> None:
    """Replace ``name`` in the element's inline style by ``value !important`` (the authors' way: a
    declaration is replaced when it starts with ``name``)."""
    declarations = str(element.attrs.get("style", "")).split(";")
    kept = [d for d in declarations if not d.strip().startswith(name) and d.strip()]
    element["style"] = "; ".join([*kept, f"{name}: {value} !important"]).strip()


def cleaned_candidate(html: str) -> str:
    """The authors' clean-up of a generated page before it is scored (``make_html`` with their fix,
    and ``truncate_repeated_html_elements``)."""
    import re

    if not re.search(r"<html[^>]*>", html, re.IGNORECASE):
        html = f"<html><body><p>{html}</p></body></html>"
    soup = _soup(html)
    counts: dict[str, int] = {}
    for element in soup.find_all(True):
        try:
            markup = str(element)
        except Exception:  # an element already dropped with its parent: the authors' code drops it again
            element.decompose()
            continue
        counts[markup] = counts.get(markup, 0) + 1
        if counts[markup] > MAX_REPEATS:
            element.decompose()
    return str(soup)


def _coloured_copy(html: str, shift: int) -> BeautifulSoup:
    """The page with transparent backgrounds and a colour of its own for each text element."""
    soup = _soup(html)
    for element in soup.find_all(True):
        _set_style(element, "background-color", "rgba(255, 255, 255, 0.0)")
    pool = colour_pool(shift)
    for element in soup.find_all(TEXT_TAGS):
        if not pool:
            raise ValueError("the page has more text elements than the colour coding has colours (4096)")
        _set_style(element, "color", f"#{pool.pop()}")
        _set_style(element, "opacity", "1.0")
    return soup


def _inline_colour(element: Tag) -> str | None:
    """The colour an element's inline style sets, as the authors read it: the last declaration that
    mentions ``color`` but not ``background-color``; None when there is none or it cannot be read."""
    style = element.attrs.get("style")
    if style is None:
        return None
    declarations = [d for d in str(style).split(";") if "color" in d and "background-color" not in d]
    if not declarations:
        return None
    parts = declarations[-1].split(":")
    if len(parts) < 2:
        return None
    value = parts[1].strip().replace(" !important", "")
    if value.startswith("#"):
        return value
    try:
        rgb = tuple(map(int, value[4:-1].split(","))) if value.startswith("rgb") else ImageColor.getrgb(value)
        return "#{:02x}{:02x}{:02x}".format(*rgb)
    except (ValueError, IndexError):  # the authors' code skips the first and stops on the second
        return None


def _texts(soup: BeautifulSoup) -> list[tuple[str, str]]:
    """Each non-blank text node of the body (comments aside) with its nearest inline colour."""
    from bs4.element import Comment, NavigableString, Tag

    texts: list[tuple[str, str]] = []

    def walk(element: Tag, colour: str) -> None:
        for child in element.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                if text := child.strip():
                    texts.append((text, colour))
            elif isinstance(child, Tag):
                walk(child, _inline_colour(child) or colour)

    if soup.body is not None:
        walk(soup.body, _inline_colour(soup.body) or "#000000")
    return texts


def colour_code(html: str, *, candidate: bool) -> ColourCoded:
    """Prepare ``html`` for ``blocks_from_renders``; a ``candidate`` gets the authors' clean-up first."""
    page = cleaned_candidate(html) if candidate else html
    first = _coloured_copy(page, 0)
    second = _coloured_copy(page, COLOUR_SHIFT)
    return ColourCoded(page, (str(first), str(second)), _texts(first))


def _hex_rgb(value: str) -> np.ndarray | None:
    """``#rrggbb`` as a uint8 RGB array; None for anything else (the authors skip such texts)."""
    digits = value.lstrip("#")
    try:
        return np.array([int(digits[i : i + 2], 16) for i in (0, 2, 4)], dtype=np.uint8)
    except ValueError:
        return None


def text_pixels(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Rows and columns (N x 2) of the pixels whose colour moved by COLOUR_SHIFT between the copies."""
    moved = (first.astype(np.int16) + COLOUR_SHIFT) % 256 - second.astype(np.int16)
    return np.argwhere(np.all(np.abs(moved) <= SHIFT_TOLERANCE, axis=2))


def blocks_from_renders(texts: list[tuple[str, str]], plain: Image.Image, first: Image.Image,
                        second: Image.Image, *, shown_only: bool = False) -> TextBlocks:  # fmt: skip
    """The blocks of a colour-coded page from its plain render and the renders of its two copies;
    ``shown_only`` drops blocks whose text does not stand out on the plain render."""
    width, height = first.size
    if second.size != first.size or plain.size != first.size:
        log.warning(
            "design2code: the page rendered at different sizes (%s, %s, %s): no text blocks",
            plain.size,
            first.size,
            second.size,
        )
        return TextBlocks((), width, height, "html")
    first_rgb, plain_rgb = np.asarray(first.convert("RGB")), np.asarray(plain.convert("RGB"))
    where = text_pixels(first_rgb, np.asarray(second.convert("RGB")))
    if not len(where):
        return TextBlocks((), width, height, "html")
    coded = first_rgb[where[:, 0], where[:, 1]]
    seen = plain_rgb[where[:, 0], where[:, 1]]
    blocks = []
    for text, colour in texts:
        rgb = _hex_rgb(colour)
        if rgb is None:
            continue
        # uint8 bounds wrap as OpenCV's inRange bounds do in the authors' code
        low, high = rgb - np.uint8(COLOUR_TOLERANCE), rgb + np.uint8(COLOUR_TOLERANCE)
        mine = np.all((coded >= low) & (coded <= high), axis=1)
        if not mine.any():
            continue
        rows, cols = where[mine, 0], where[mine, 1]
        top, left = int(rows.min()), int(cols.min())
        bottom, right = int(rows.max()) + 1, int(cols.max()) + 1
        mean = seen[mine].mean(axis=0)
        if (
            shown_only
            and colour_distance(mean, _surroundings(plain_rgb, top, left, bottom, right)) < MIN_SEEN
        ):
            continue  # text the plain page does not show: it may be drawn for the scorer's renders only
        r, g, b = (int(v) for v in mean)
        box = (left / width, top / height, (right - left) / width, (bottom - top) / height)
        blocks.append(Block(text.lower(), *box, (r, g, b)))
    return TextBlocks(tuple(blocks), width, height, "html")


def _surroundings(rgb: np.ndarray, top: int, left: int, bottom: int, right: int) -> tuple[int, int, int]:
    """The dominant colour of a frame FRAME px wide around a pixel box (what its text stands on)."""
    height, width = rgb.shape[:2]
    y0, x0 = max(0, top - FRAME), max(0, left - FRAME)
    y1, x1 = min(height, bottom + FRAME), min(width, right + FRAME)
    around = np.ones((y1 - y0, x1 - x0), dtype=bool)
    around[top - y0 : bottom - y0, left - x0 : right - x0] = False
    pixels = rgb[y0:y1, x0:x1][around]
    return dominant_colour(pixels) if len(pixels) else (255, 255, 255)


def page_blocks(renderer: Renderer, html: str, width: int, *, candidate: bool) -> tuple[Rendered, TextBlocks]:
    """Render a page and its two colour-coded copies ``width`` wide (the authors' viewport height,
    full page, scripts on) and read its text blocks; also returns the plain render.

    A page whose load never ends with its scripts on (offline, an ``onerror`` handler that refetches
    a blocked image forever) is rendered with them off, all three alike, and a warning says so."""
    from ..errors import RenderTimeout

    coded = colour_code(html, candidate=candidate)
    pages = (coded.page, *coded.copies)
    try:
        plain, first, second = (renderer.render_html(page, width, VIEWPORT_HEIGHT) for page in pages)
    except RenderTimeout as exc:
        log.warning("design2code: %s; reading the page with its scripts off", exc)
        plain, first, second = (
            renderer.render_html(page, width, VIEWPORT_HEIGHT, javascript=False) for page in pages
        )
    blocks = blocks_from_renders(coded.texts, plain.image, first.image, second.image, shown_only=candidate)
    return plain, blocks


def candidate_blocks(renderer: Renderer, html: str, width: int) -> TextBlocks:
    """A generated page's text blocks (``page_blocks`` with the authors' clean-up)."""
    return page_blocks(renderer, html, width, candidate=True)[1]


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


def blocks_from_ocr(image: Image.Image) -> TextBlocks:
    """Blocks from OCR lines of a screenshot (a reference that has no HTML), lowercased as the
    colour-coded blocks are."""
    from ..vision.ocr import read_text

    rgb = np.asarray(image.convert("RGB"))
    height, width = rgb.shape[:2]
    blocks = []
    for line in read_text(rgb):
        box: Box = line.box
        colour = ink_colour(rgb, box.x0, box.y0, box.x1, box.y1)
        normalised = (box.x0 / width, box.y0 / height, box.width / width, box.height / height)
        blocks.append(Block(line.text.lower(), *normalised, colour))
    return TextBlocks(tuple(blocks), width, height, "ocr")

"""Measured findings: what differs between a design screenshot and a rendered page, where, by how much.

The page is rendered once with its own scripts off (so nothing it runs can change what is read) and
a script of ours reads, for each element, a stable CSS selector, its box and computed style, and for
each text node its box and line count. Every number a finding reports is measured on pixels: text
boxes are the tight ink boxes inside the DOM's (page) or OCR's (design) boxes, text colours are the
ink of those boxes (``textblocks.ink_colour``), region colours the dominant colour of a box. Text
runs are paired with the design's text blocks by the Design2Code matching (``design2code``); the
findings are typed (``Finding.kind``), ranked by an estimate of what each costs the scores, and said
in plain words with numbers and selectors (``Finding.describe``) for a refine prompt.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from functools import cached_property
from itertools import pairwise
from typing import TYPE_CHECKING, Literal

import numpy as np

from ..style_attributes import StyledElement
from ..vision import geometry
from ..vision.colour import dominant_colour
from .design2code import Block, TextBlocks
from .ssim import compare
from .textblocks import ink_colour

if TYPE_CHECKING:
    from PIL import Image

    from ..render import Renderer

log = logging.getLogger(__name__)

Kind = Literal[
    "missing_text",
    "extra_text",
    "text_differs",
    "moved",
    "font_size",
    "box_width",
    "text_colour",
    "background",
    "page_height",
]
RGB = tuple[int, int, int]
PxBox = tuple[int, int, int, int]  # x0, y0, x1, y1 in pixels

MIN_INK = 40.0  # summed RGB distance from the background under which a pixel is not ink
MIN_DELTA_E = 5.0  # colour differences under this (CIEDE2000) are not findings (ink noise) ...
MIN_DELTA_E_PART = 15.0  # ... for a part of a line (a link), whose place in the design is less sure
MIN_SCALE_ERROR = 0.05  # font sizes within 5% are not findings
SCALES_AGREE = 0.1  # a line's width and height must tell its scale this alike (or within 1.5 px)
MIN_ODD_PX = 24  # px of letters a word in a size of its own needs to be measured by what the rest leaves
MIN_SHIFT_PX = 3  # moves under this are not findings
MIN_SQUEEZE_PX = 8  # texts spread this much wider in the design than in a box are squeezed there
OUTLIER_PX = 48  # a pair whose offset is this far from its neighbours' is paired wrongly
REPAIR_SIMILARITY = 0.9  # texts paired again by place read at least this alike ...
MAX_WINDOW = 12  # ... over at most this many page texts next to one another ...
START_CHARS = 3  # ... and starting with the same letters
EDGE_CHARS = 12  # two texts start (end) alike when this many first (last) characters do
LINE_BAND = 0.5  # share of the tallest band of ink a band needs to be a line of its own
MARK_GAP, MARK_GAP_PX = 0.2, 2  # a thin band this near a line (share of its height, px) is its marks
MIN_WRAPPED_CHARS = 40  # letters a wrapped text needs on both sides to tell its font size
SAME_TEXT = 0.9  # pairs this alike, end to end, measure font size by width ...
LIKE_TEXT = 0.8  # ... pairs this alike by the height of their line; less alike, not at all
MIN_REGION_PX = 400  # backgrounds of boxes smaller than this (in px²) are not checked
EDGE_SHARE = 0.6  # an edge row or column with more ink than this share is a frame, not text
DESIGN_PAD = 3  # px around a design block searched for its ink (colour-coded boxes leave out antialiasing)
MAX_ELEMENTS = 4000  # elements read from a page at most
SPLIT_SHARE = 0.5  # a text whose line pieces cover less of their box than this is read piece by piece ...
MAX_SPLIT_CHARS = 400  # ... when it is this short at most (each letter's place is read)

# Reads the page: elements with their selector, box and computed style, and text runs (text nodes).
DOM_SCRIPT = (
    r"""() => {
  const MAX = MAX_ELEMENTS;
  const out = {elements: [], texts: [], height: document.documentElement.scrollHeight};
  const index = new Map();
  const ids = new Map();
  for (const el of document.querySelectorAll('[id]')) ids.set(el.id, (ids.get(el.id) || 0) + 1);
  const selector = (el) => {
    const parts = [];
    for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
      const tag = node.tagName.toLowerCase();
      if (tag === 'html' || tag === 'body') { parts.unshift(tag); break; }
      if (node.id && ids.get(node.id) === 1 && /^[A-Za-z][\w-]*$/.test(node.id)) {
        parts.unshift('#' + node.id);
        break;
      }
      let nth = 1;
      for (let sib = node.previousElementSibling; sib; sib = sib.previousElementSibling)
        if (sib.tagName === node.tagName) nth++;
      parts.unshift(tag + ':nth-of-type(' + nth + ')');
    }
    return parts.join(' > ');
  };
  // the selectors of the style sheets' rules that set a colour (not `inherit`), in one list: an
  // element whose colour equals its parent's may have it from them or set it itself
  const colourSelectors = [];
  const inherited = ['inherit', 'unset', 'currentcolor'];
  const own = (value) => !!value && !inherited.includes(value.trim().toLowerCase());
  const collect = (rules) => {
    for (const rule of rules) {
      if (rule.media && !matchMedia(rule.media.mediaText).matches) continue;
      if (rule.selectorText && own(rule.style.getPropertyValue('color'))) {
        try { document.createDocumentFragment().querySelector(rule.selectorText); }
        catch (e) { continue; }
        colourSelectors.push(rule.selectorText);
      }
      if (rule.cssRules) collect(rule.cssRules);
    }
  };
  for (const sheet of document.styleSheets) { try { collect(sheet.cssRules); } catch (e) {} }
  const colourRule = colourSelectors.join(', ');
  const setsColour = (el) =>
    own(el.style.getPropertyValue('color')) || (!!colourRule && el.matches(colourRule));
  // an element whose colour only its style attribute sets is told in the source by its tag, that
  // attribute's value and how many elements of both come before it
  const styles = new Map();
  const styled = [];
  const all = [document.documentElement, ...document.documentElement.querySelectorAll('*')];
  for (const el of all) {
    if (out.elements.length >= MAX) break;
    const tag = el.tagName.toLowerCase();
    const style = el.getAttribute('style');
    const key = tag + '\u0000' + style;
    const nth = style === null ? 0 : styles.get(key) || 0;
    if (style !== null) styles.set(key, nth + 1);
    if (['head', 'style', 'script', 'meta', 'link', 'title', 'noscript', 'template'].includes(tag))
      continue;
    const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    index.set(el, out.elements.length);
    out.elements.push({
      selector: selector(el), tag: tag,
      parent: el.parentElement && index.has(el.parentElement) ? index.get(el.parentElement) : -1,
      box: [r.left + scrollX, r.top + scrollY, r.width, r.height],
      color: s.color, background: s.backgroundColor, fontSize: parseFloat(s.fontSize) || 0,
      display: s.display, position: s.position, marginTop: parseFloat(s.marginTop) || 0,
      paddingTop: parseFloat(s.paddingTop) || 0, paddingBottom: parseFloat(s.paddingBottom) || 0,
      marginLeft: parseFloat(s.marginLeft) || 0, width: parseFloat(s.width) || 0, maxWidth: s.maxWidth,
      visible: s.visibility !== 'hidden' && parseFloat(s.opacity) > 0.05,
      setsColour: setsColour(el),
    });
    if (style !== null && own(el.style.getPropertyValue('color')) && !(colourRule && el.matches(colourRule)))
      styled.push([out.elements[out.elements.length - 1], {tag: tag, style: style, nth: nth, key: key}]);
  }
  for (const [element, inline] of styled)
    element.inline = {tag: inline.tag, style: inline.style, nth: inline.nth, count: styles.get(inline.key)};
  const walker = document.createTreeWalker(document.body || document.documentElement, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\s+/g, ' ').trim();
    const el = node.parentElement;
    if (!text || !el || !index.has(el)) continue;
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].filter((q) => q.width > 0 && q.height > 0);
    if (!rects.length) continue;
    const run = (text, rects) => {
      const x0 = Math.min(...rects.map((q) => q.left)), y0 = Math.min(...rects.map((q) => q.top));
      const x1 = Math.max(...rects.map((q) => q.right)), y1 = Math.max(...rects.map((q) => q.bottom));
      const box = [x0 + scrollX, y0 + scrollY, x1 + scrollX, y1 + scrollY];
      const lines = new Set(rects.map((q) => Math.round(q.top))).size;
      const advance = rects.reduce((sum, q) => sum + q.width, 0);
      out.texts.push({text: text, element: index.get(el), box: box, lines: lines, advance: advance});
      return [(x1 - x0) * (y1 - y0), rects.reduce((sum, q) => sum + q.width * q.height, 0)];
    };
    const [area, inked] = run(text, rects);
    const raw = node.textContent;
    if (inked >= SPLIT_SHARE * area || raw.length > MAX_SPLIT_CHARS) continue;
    if (getComputedStyle(el).display !== 'inline') continue;
    // an inline text broken over a line end (a link ending one line, going on in the next): one
    // box round its pieces covers lines of other texts, so each line's piece is a text of its own
    out.texts.pop();
    let start = 0, top = null;
    const piece = (end) => {
      const words = raw.slice(start, end).replace(/\s+/g, ' ').trim();
      range.setStart(node, start); range.setEnd(node, end);
      const parts = [...range.getClientRects()].filter((q) => q.width > 0 && q.height > 0);
      if (words && parts.length) run(words, parts);
      start = end;
    };
    for (let at = 0; at < raw.length; at++) {
      range.setStart(node, at); range.setEnd(node, at + 1);
      const q = range.getBoundingClientRect();
      if (q.width === 0 || !raw[at].trim()) continue;
      if (top !== null && Math.abs(q.top - top) > q.height / 2) piece(at);
      top = q.top;
    }
    piece(raw.length);
  }
  return out;
}""".replace("MAX_ELEMENTS", str(MAX_ELEMENTS))
    .replace("SPLIT_SHARE", str(SPLIT_SHARE))
    .replace("MAX_SPLIT_CHARS", str(MAX_SPLIT_CHARS))
)


@dataclass(frozen=True)
class Element:
    """An element of the rendered page: its selector, box (x, y, width, height) and computed style."""

    index: int
    selector: str
    tag: str
    parent: int
    box: tuple[float, float, float, float]
    colour: tuple[int, int, int, float]  # rgba, alpha in [0, 1]
    background: tuple[int, int, int, float]
    font_size: float
    display: str
    position: str
    margin_top: float
    margin_left: float
    width: float
    max_width: str
    visible: bool
    padding_top: float = 0.0
    padding_bottom: float = 0.0
    sets_colour: bool = False  # a colour of its own: its style or a rule of the page's sets one
    inline_colour: StyledElement | None = None  # set: only its style attribute sets its colour

    @property
    def bottom(self) -> float:
        return self.box[1] + self.box[3]


@dataclass(frozen=True)
class TextRun:
    """A text node of the page: its text, its element, its ink box in pixels, colour and line count."""

    text: str
    element: int
    box: PxBox
    colour: RGB
    lines: int
    advance: float = 0.0  # px: its lines' widths laid end to end


@dataclass
class PageRead:
    """What one render of a page gives: its image, its elements and its text runs."""

    image: Image.Image
    elements: list[Element]
    texts: list[TextRun]

    @cached_property
    def rgb(self) -> np.ndarray:
        """The render's pixels (height, width, 3)."""
        return np.asarray(self.image.convert("RGB"))

    def blocks(self) -> TextBlocks:
        """The page's text runs as Design2Code blocks (ink boxes, normalised by the render's size)."""
        return _as_blocks([(run.text, run.box, run.colour) for run in self.texts], self.image.size, "dom")


@dataclass
class DesignText:
    """The design's text blocks (OCR lines, or a reference page's blocks) with ink boxes in pixels."""

    image: Image.Image
    blocks: TextBlocks
    boxes: list[PxBox]
    colours: list[RGB]

    @cached_property
    def rgb(self) -> np.ndarray:
        """The design's pixels (height, width, 3)."""
        return np.asarray(self.image.convert("RGB"))

    @cached_property
    def line_widths(self) -> list[list[int]]:
        """Each block's widths of its lines of ink (one for an OCR line), read once per design:
        every render the corrector scores is paired with the same blocks."""
        one_line = self.blocks.method == "ocr"
        return [ink_line_widths(self.rgb, box, one_line=one_line) for box in self.boxes]

    def as_blocks(self) -> TextBlocks:
        return _as_blocks(
            [
                (b.text, box, c)
                for b, box, c in zip(self.blocks.blocks, self.boxes, self.colours, strict=True)
            ],
            self.image.size,
            self.blocks.method,
        )


@dataclass
class Finding:
    """One measured difference. ``selector`` names the page's element (empty for the page or a
    missing text); ``design`` and ``page`` are the two values, ``error`` the size of the difference
    (ΔE, px, or a ratio), ``cost`` what it is estimated to cost the scores (findings rank by it)."""

    kind: Kind
    selector: str
    design: object
    page: object
    error: float
    cost: float
    text: str = ""
    element: int = -1  # index into PageRead.elements
    detail: dict[str, float] = field(default_factory=dict)
    measured: int = -1  # a text colour's: the element whose text was measured (``element`` sets its colour)

    def describe(self) -> str:
        """The finding in plain words with its numbers and selector."""
        where = f"`{self.selector}`" if self.selector else "the page"
        quoted = f' "{_short(self.text)}"' if self.text else ""
        if self.kind == "missing_text":
            x, y = self.design if isinstance(self.design, tuple) else (0, 0)
            return f'missing text "{_short(self.text)}" (in the design at x {x}, y {y})'
        if self.kind == "extra_text":
            return f"{where} shows text{quoted} that the design does not have"
        if self.kind == "text_differs":
            return f'{where} reads "{_short(str(self.page))}"; the design reads "{_short(str(self.design))}"'
        if self.kind == "moved":
            dx, dy = int(self.detail.get("dx", 0)), int(self.detail.get("dy", 0))
            parts = [f"{abs(dy)} px too {'high' if dy > 0 else 'low'}"] if dy else []
            parts += [f"{abs(dx)} px too far {'left' if dx > 0 else 'right'}"] if dx else []
            return f"{where}{quoted} sits {' and '.join(parts)}"
        if self.kind == "font_size":
            return f"{where}{quoted} has font-size {self.page}px; the design's text is about {self.design}px"
        if self.kind == "box_width":
            return (
                f"{where} is {self.page}px wide; its text needs about {self.design}px (it wraps differently)"
            )
        if self.kind == "text_colour":
            colours = f"{self.page}; the design's is {self.design} (ΔE {self.error:.0f})"
            return f"{where}{quoted} text colour is {colours}"
        if self.kind == "background":
            return f"{where} background is {self.page}; the design's is {self.design} (ΔE {self.error:.0f})"
        return f"the page is {self.page}px tall; the design is {self.design}px"

    def to_json(self) -> dict[str, object]:
        """The finding as result.json holds it (pairs as lists, as JSON reads them back)."""
        return {
            "kind": self.kind,
            "selector": self.selector,
            "design": list(self.design) if isinstance(self.design, tuple) else self.design,
            "page": list(self.page) if isinstance(self.page, tuple) else self.page,
            "error": round(self.error, 3),
            "cost": round(self.cost, 5),
            "text": self.text,
            **({"detail": self.detail} if self.detail else {}),
        }


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _as_blocks(runs: list[tuple[str, PxBox, RGB]], size: tuple[int, int], method: str) -> TextBlocks:
    width, height = size
    blocks = tuple(
        Block(text.lower(), x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height, colour)
        for text, (x0, y0, x1, y1), colour in runs
    )
    return TextBlocks(blocks, width, height, method)


def hex_colour(rgb: tuple[float, ...]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*(round(v) for v in rgb[:3]))


def parse_css_colour(value: str) -> tuple[int, int, int, float]:
    """``rgb(r, g, b)`` / ``rgba(r, g, b, a)`` (what getComputedStyle gives) as (r, g, b, a)."""
    inside = value[value.find("(") + 1 : value.rfind(")")].replace("/", " ").replace(",", " ")
    parts = inside.split()
    try:
        r, g, b = (round(float(p)) for p in parts[:3])
        alpha = float(parts[3]) if len(parts) > 3 else 1.0
    except (ValueError, IndexError):
        return 0, 0, 0, 0.0
    return r, g, b, alpha


def delta_e(first: tuple[float, ...], second: tuple[float, ...]) -> float:
    """CIEDE2000 between two sRGB colours (0-255)."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    lab = rgb2lab(np.array([first[:3], second[:3]], dtype=float).reshape(2, 1, 3) / 255)
    return float(deltaE_ciede2000(lab[0], lab[1])[0])


def ink_box(rgb: np.ndarray, box: PxBox, pad: int = 1) -> PxBox | None:
    """The tight box of the ink (pixels far from the box's dominant colour) inside ``box``; None
    when the box holds no ink."""
    height, width = rgb.shape[:2]
    x0, y0 = max(0, box[0] - pad), max(0, box[1] - pad)
    x1, y1 = min(width, box[2] + pad), min(height, box[3] + pad)
    if x1 <= x0 or y1 <= y0:
        return None
    ink = _ink(rgb[y0:y1, x0:x1])
    top, bottom, left, right = 0, ink.shape[0], 0, ink.shape[1]
    # edges that are nearly all ink are a frame (a button's edge, a box the OCR box spills onto)
    while bottom - top > 2 and ink[top, left:right].mean() > EDGE_SHARE:
        top += 1
    while bottom - top > 2 and ink[bottom - 1, left:right].mean() > EDGE_SHARE:
        bottom -= 1
    while right - left > 2 and ink[top:bottom, left].mean() > EDGE_SHARE:
        left += 1
    while right - left > 2 and ink[top:bottom, right - 1].mean() > EDGE_SHARE:
        right -= 1
    inside = _without_corners(ink[top:bottom, left:right])
    rows, cols = np.nonzero(inside.any(axis=1))[0], np.nonzero(inside.any(axis=0))[0]
    if not len(rows):
        return None
    x0, y0 = x0 + left, y0 + top
    return x0 + int(cols[0]), y0 + int(rows[0]), x0 + int(cols[-1]) + 1, y0 + int(rows[-1]) + 1


def _ink(patch: np.ndarray) -> np.ndarray:
    """The pixels of ``patch`` far from its dominant colour."""
    pixels = patch.astype(np.int16)
    background = np.array(dominant_colour(pixels), dtype=np.int16)
    ink: np.ndarray = np.abs(pixels - background).sum(axis=2) > MIN_INK
    return ink


def ink_line_widths(rgb: np.ndarray, box: PxBox, *, one_line: bool = False) -> list[int]:
    """The widths of the lines of ink in ``box``, top to bottom: bands of inked rows (a band much
    thinner than the tallest, an i's dot or an accent over its line, belongs to the line under it).
    With ``one_line`` (the box is one line of text, as OCR reads them) only the tallest band's: the
    box may hold part of a line above or below it."""
    x0, y0, x1, y1 = box
    patch = rgb[max(0, y0) : y1, max(0, x0) : x1]
    if patch.size == 0:
        return []
    ink = _ink(patch)
    bands = geometry.runs(np.asarray(ink.any(axis=1)))
    if not bands:
        return []
    tallest = max(end - start for start, end in bands)
    lines: list[tuple[int, int]] = []
    pending: int | None = None  # the top of a thin band waiting for its line
    for start, end in bands:
        if end - start < LINE_BAND * tallest:
            pending = start if pending is None else pending
            continue
        lines.append((start if pending is None else pending, end))
        pending = None
    if one_line and lines:
        lines = [max(lines, key=lambda line: line[1] - line[0])]
    widths = []
    for start, end in lines:
        columns = np.flatnonzero(ink[start:end].any(axis=0))
        widths.append(int(columns[-1] - columns[0] + 1))
    return widths


def _own_line(rgb: np.ndarray, box: PxBox) -> PxBox:
    """An OCR line's ink box narrowed to its tallest band of inked rows, with the thin bands right
    next to it (dots and accents above, an underline below): in tightly set text (a table's cells,
    a list) the box takes in the descenders above it or the ascenders below it, a few rows off,
    which made a 12 px word's box three times as tall and a fifth wider than its own letters."""
    x0, y0, x1, y1 = box
    ink = _ink(rgb[y0:y1, x0:x1])
    bands = geometry.runs(np.asarray(ink.any(axis=1)))
    if len(bands) < 2:
        return box
    at = max(range(len(bands)), key=lambda k: bands[k][1] - bands[k][0])
    top, bottom = bands[at]
    near = max(MARK_GAP_PX, MARK_GAP * (bottom - top))

    def mark(start: int, end: int, gap: int) -> bool:
        return end - start < LINE_BAND * (bottom - top) and gap <= near

    if at > 0 and mark(*bands[at - 1], top - bands[at - 1][1]):
        top = bands[at - 1][0]
    if at + 1 < len(bands) and mark(*bands[at + 1], bands[at + 1][0] - bottom):
        bottom = bands[at + 1][1]
    columns = np.flatnonzero(ink[top:bottom].any(axis=0))
    return x0 + int(columns[0]), y0 + top, x0 + int(columns[-1]) + 1, y0 + bottom


def _without_corners(ink: np.ndarray) -> np.ndarray:
    """The ink mask without the pieces that touch two edges of the box (the corners of a rounded
    button or box around the text), unless nothing else is left."""
    import cv2

    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    if count <= 2:
        return ink
    height, width = ink.shape
    x, y, w, h = stats[:, 0], stats[:, 1], stats[:, 2], stats[:, 3]
    edges = (x == 0).astype(int) + (y == 0) + (x + w == width) + (y + h == height)
    corner = edges >= 2
    corner[0] = True  # the background label
    if corner[1:].all():
        return ink
    keep: np.ndarray = ~corner[labels]
    return keep


def design_text(image: Image.Image, blocks: TextBlocks) -> DesignText:
    """The design's blocks with ink boxes and ink colours measured on ``image`` (a block whose box
    holds no ink keeps its own box). Colours are read around the ink box, not the block's: a box
    spilling onto a coloured border or bar beside the text would give the bar's colour."""
    rgb = np.asarray(image.convert("RGB"))
    width, height = image.size
    boxes, colours = [], []
    for block in blocks.blocks:
        box = (
            int(block.x * width),
            int(block.y * height),
            int(np.ceil((block.x + block.width) * width)),
            int(np.ceil((block.y + block.height) * height)),
        )
        inked = ink_box(rgb, box, pad=DESIGN_PAD)
        if inked and blocks.method == "ocr":
            inked = _own_line(rgb, inked)
        boxes.append(inked or box)
        colours.append(_ink_around(rgb, inked or box))
    return DesignText(image, blocks, boxes, colours)


def _ink_around(rgb: np.ndarray, box: PxBox) -> RGB:
    """The ink colour of a text read around its ink box (DESIGN_PAD on each side)."""
    x0, y0, x1, y1 = box
    return ink_colour(rgb, x0 - DESIGN_PAD, y0 - DESIGN_PAD, x1 + DESIGN_PAD, y1 + DESIGN_PAD)


def _styled(raw: object) -> StyledElement | None:
    """The page script's note on an element whose colour only its style attribute sets."""
    if not isinstance(raw, dict):
        return None
    return StyledElement(str(raw["tag"]), str(raw["style"]), int(raw["nth"]), int(raw["count"]))


def read_page(renderer: Renderer, html: str, width: int, height: int) -> PageRead:
    """Render ``html`` with its scripts off and read its elements and text runs (see DOM_SCRIPT)."""
    rendered = renderer.render_html(html, width, height, javascript=False, script=DOM_SCRIPT)
    return page_from_dom(rendered.image, rendered.value)


def page_from_dom(image: Image.Image, value: object) -> PageRead:
    """A PageRead from a render and what DOM_SCRIPT returned on it (texts that show no ink are left
    out: what the page shows is what counts)."""
    data = value if isinstance(value, dict) else {}
    elements = []
    for i, raw in enumerate(data.get("elements", [])):
        elements.append(
            Element(
                index=i,
                selector=str(raw["selector"]),
                tag=str(raw["tag"]),
                parent=int(raw["parent"]),
                box=tuple(float(v) for v in raw["box"]),  # type: ignore[arg-type]
                colour=parse_css_colour(str(raw["color"])),
                background=parse_css_colour(str(raw["background"])),
                font_size=float(raw["fontSize"]),
                display=str(raw["display"]),
                position=str(raw["position"]),
                margin_top=float(raw["marginTop"]),
                margin_left=float(raw["marginLeft"]),
                width=float(raw["width"]),
                max_width=str(raw["maxWidth"]),
                visible=bool(raw["visible"]),
                padding_top=float(raw["paddingTop"]),
                padding_bottom=float(raw["paddingBottom"]),
                sets_colour=bool(raw.get("setsColour", False)),
                inline_colour=_styled(raw.get("inline")),
            )
        )
    rgb = np.asarray(image.convert("RGB"))
    texts = []
    for raw in data.get("texts", []):
        element = int(raw["element"])
        if not 0 <= element < len(elements) or not elements[element].visible:
            continue
        x0, y0, x1, y1 = (float(v) for v in raw["box"])
        dom_box = (int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x1)), int(np.ceil(y1)))
        box = ink_box(rgb, dom_box)
        if box is None:
            continue
        colour = ink_colour(rgb, *dom_box)
        advance = float(raw.get("advance", 0.0))
        texts.append(TextRun(str(raw["text"]), element, box, colour, int(raw["lines"]), advance))
    return PageRead(image, elements, texts)


def _members(merged: list[Block], originals: list[Block]) -> list[list[int]]:
    """Which original blocks each merged block (of ``match_blocks``) is made of."""
    members: list[list[int]] = [[] for _ in merged]
    eps = 1e-9
    for i, block in enumerate(originals):
        for k, whole in enumerate(merged):
            if (
                block.x >= whole.x - eps
                and block.y >= whole.y - eps
                and block.x + block.width <= whole.x + whole.width + eps
                and block.y + block.height <= whole.y + whole.height + eps
                and block.text in whole.text
            ):
                members[k].append(i)
                break
    return members


def _union(boxes: list[PxBox]) -> PxBox:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


@dataclass
class Matched:
    """A kept Design2Code pair: the design's ink box and colour, and the page's text runs in it."""

    design_box: PxBox
    design_colour: RGB
    design_text: str
    design_lines: int
    runs: list[int]
    similarity: float
    design_line_widths: list[int] = field(default_factory=list)  # px, each line of the design's ink
    design_ids: list[int] = field(default_factory=list)  # the design's blocks (design.blocks)


@dataclass
class Comparison:
    """Everything the findings are drawn from: both sides, the pairs, and the unmatched blocks."""

    design: DesignText
    page: PageRead
    pairs: list[Matched]
    missing: list[int]  # design blocks (indices into design.blocks) with no pair
    extra: list[int]  # page text runs with no pair
    ssim: float
    block: float = 0.0
    text: float = 0.0
    position: float = 0.0
    color: float = 0.0

    @property
    def score(self) -> float:
        """What the corrector maximises: SSIM plus the mean of the four Design2Code scores."""
        return self.ssim + (self.block + self.text + self.position + self.color) / 4

    def scores(self) -> dict[str, float]:
        return {
            name: round(getattr(self, name), 5) for name in ("ssim", "block", "text", "position", "color")
        }

    @cached_property
    def steady(self) -> list[bool]:
        """Which pairs can be measured: both sides start with the same words (a pair of a whole
        paragraph with its OCR lines from the second on is a line off), and each offset is within
        OUTLIER_PX of the median of the five around it in reading order (a spacing error moves every
        text after it alike; a text alone in moving hundreds of pixels is paired with the wrong one
        of the design's like texts). The others' size, colour and place are not findings."""
        order = sorted(
            range(len(self.pairs)), key=lambda k: self.page.texts[self.pairs[k].runs[0]].box[1::-1]
        )
        steady = [self.edges(pair)[1] != "apart" for pair in self.pairs]
        for axis in (0, 1):
            offsets = [float(self.offset(self.pairs[k])[axis]) for k in order]
            for at, k in enumerate(order):
                around = offsets[max(0, at - 2) : at + 3]
                steady[k] = steady[k] and abs(offsets[at] - float(np.median(around))) <= OUTLIER_PX
        return steady

    def offset(self, pair: Matched) -> tuple[int, int]:
        """How far the pair's page text stands from the design's (design minus page, px): by the
        top and left edges, or the right edges where the design's text has more before the same
        words (a list's bullet, which the page draws as no text)."""
        page_box, edges = self.edges(pair)
        if edges == "bullet":
            return pair.design_box[2] - page_box[2], pair.design_box[1] - page_box[1]
        return pair.design_box[0] - page_box[0], pair.design_box[1] - page_box[1]

    def edges(self, pair: Matched) -> tuple[PxBox, str]:
        """The pair's page box, and how its two texts meet: "same" (they start and end alike),
        "start" (only their starts are alike), "bullet" (the design's has more before the page's
        whole text) or "apart"."""
        runs = [self.page.texts[i] for i in pair.runs]
        page_text = _plain(" ".join(run.text for run in runs))
        design_text = " ".join(pair.design_text.split())
        n = min(EDGE_CHARS, len(page_text), len(design_text))
        box = _union([run.box for run in runs])
        if page_text and design_text != page_text and design_text.endswith(page_text):
            return box, "bullet"
        if SequenceMatcher(None, page_text[:n], design_text[:n]).ratio() < LIKE_TEXT:
            return box, "apart"
        if SequenceMatcher(None, page_text[-n:], design_text[-n:]).ratio() < LIKE_TEXT:
            return box, "start"
        return box, "same"


def compare_page(design: DesignText, page: PageRead) -> Comparison:
    """Match the page's text runs with the design's blocks and score the page (SSIM + Design2Code)."""
    from .design2code import score_blocks

    ref_blocks, cand_blocks = design.as_blocks(), page.blocks()
    ssim = compare(design.image, page.image).ssim
    comparison = Comparison(design, page, [], [], [], ssim)
    if not ref_blocks.blocks or not cand_blocks.blocks:
        comparison.missing = list(range(len(ref_blocks.blocks)))
        comparison.extra = list(range(len(cand_blocks.blocks)))
        return comparison
    scores = score_blocks(ref_blocks, cand_blocks)
    comparison.block, comparison.text = scores.block, scores.text
    comparison.position, comparison.color = scores.position, scores.color
    ref, cand, pairs = scores.reference, scores.candidate, scores.pairs
    ref_members = _members(ref, list(ref_blocks.blocks))
    cand_members = _members(cand, list(cand_blocks.blocks))
    kept = [
        (ref_members[pair.reference], cand_members[pair.candidate], pair.similarity, ref[pair.reference].text)
        for pair in pairs
        if ref_members[pair.reference] and cand_members[pair.candidate]
    ]
    missing = [i for k in scores.missing for i in ref_members[k]]
    kept, comparison.missing = _twins_by_place(kept, missing, design, page)
    comparison.pairs = [_matched(design, *pair) for pair in kept]
    comparison.extra = [i for k in scores.extra for i in cand_members[k]]
    _repair_by_place(comparison)
    return comparison


def _matched(
    design: DesignText, design_ids: list[int], runs: list[int], similarity: float, text: str
) -> Matched:
    """The pair of the design's blocks ``design_ids`` (read as ``text``) with the page's ``runs``;
    blocks over one box (a text and the bold word in it, coloured alike) are its lines once."""
    colours = np.array([design.colours[i] for i in design_ids], dtype=float)
    r, g, b = (int(v) for v in np.median(colours, axis=0))
    lines = list({design.boxes[i]: i for i in design_ids}.values())
    return Matched(
        _union([design.boxes[i] for i in design_ids]),
        (r, g, b),
        text,
        len(lines),
        runs,
        similarity,
        [width for i in lines for width in design.line_widths[i]],
        design_ids,
    )


def _plain(text: str) -> str:
    """``text`` in lower case, its spaces one each."""
    return " ".join(text.lower().split())


def _repair_by_place(comparison: Comparison) -> None:
    """Pair again, by place, what the matching left far apart: the design's texts of unsteady
    pairs, of pairs that stand more than OUTLIER_PX off (wrong pairs that move alike look steady)
    and its unpaired texts each take the page's texts next to one another (a window of runs) that
    read alike (REPAIR_SIMILARITY) nearest to them, best alike first. The matching pairs like texts
    in any order and merges neighbours once: a menu the footer repeats in one line was paired with
    the header's items, and the header's with the footer's pieces. A text no window reads like
    keeps its pair when none of its runs went to another."""
    design, page = comparison.design, comparison.page
    loose = [
        pair
        for pair, steady in zip(comparison.pairs, comparison.steady, strict=True)
        if not steady or max(map(abs, comparison.offset(pair))) > OUTLIER_PX
    ]
    if not loose:
        return
    units = loose + [_matched(design, [i], [], 0.0, design.blocks.blocks[i].text) for i in comparison.missing]
    pool = sorted({run for pair in loose for run in pair.runs} | set(comparison.extra))
    windows = _windows(page, pool)
    found = []
    for u, unit in enumerate(units):
        want = _plain(unit.design_text)
        for runs, text in windows.get(want[:START_CHARS], []):
            if abs(len(text) - len(want)) > (1 - REPAIR_SIMILARITY) * max(len(want), len(text)):
                continue  # SequenceMatcher's ratio cannot reach REPAIR_SIMILARITY
            ratio = SequenceMatcher(None, want, text).ratio()
            if ratio >= REPAIR_SIMILARITY:
                box = _union([page.texts[run].box for run in runs])
                found.append((-ratio, _distance(unit.design_box, box), u, runs))
    found.sort(key=lambda item: item[:3])
    paired: dict[int, Matched] = {}
    taken: set[int] = set()
    for minus_ratio, _, u, runs in found:
        if u in paired or taken.intersection(runs):
            continue
        paired[u] = replace(units[u], runs=runs, similarity=-minus_ratio)
        taken.update(runs)
    if not paired:
        return
    for u, unit in enumerate(units[: len(loose)]):
        if u not in paired and unit.runs and not taken.intersection(unit.runs):
            paired[u] = unit
            taken.update(unit.runs)
    repaired = {id(pair) for pair in loose}
    comparison.pairs = [pair for pair in comparison.pairs if id(pair) not in repaired] + [
        paired[u] for u in sorted(paired)
    ]
    comparison.missing = sorted(i for u, unit in enumerate(units) if u not in paired for i in unit.design_ids)
    comparison.extra = [run for run in pool if run not in taken]
    comparison.__dict__.pop("steady", None)  # the pairs changed


def _windows(page: PageRead, pool: list[int]) -> dict[str, list[tuple[list[int], str]]]:
    """Runs of ``pool`` next to one another in the page (up to MAX_WINDOW) with their text, by the
    text's first START_CHARS letters."""
    windows: dict[str, list[tuple[list[int], str]]] = {}
    for start, first in enumerate(pool):
        window = [first]
        while True:
            text = _plain(" ".join(page.texts[run].text for run in window))
            windows.setdefault(text[:START_CHARS], []).append((list(window), text))
            at = start + len(window)
            if len(window) >= MAX_WINDOW or at >= len(pool) or pool[at] != window[-1] + 1:
                break
            window.append(pool[at])
    return windows


Kept = tuple[list[int], list[int], float, str]  # design blocks, page runs, similarity, design text


def _twins_by_place(
    kept: list[Kept], missing: list[int], design: DesignText, page: PageRead
) -> tuple[list[Kept], list[int]]:
    """Pairs whose design side is one block of a text the design shows more than once ("Contact"
    in the menu and in the footer) take the twin nearest to their page text: the matching pairs
    equal texts in any order, which reads as a text moved across the page. Unpaired twins stay
    missing."""
    from scipy.optimize import linear_sum_assignment

    texts = [block.text for block in design.blocks.blocks]
    singles: dict[str, list[int]] = {}
    for k, (design_ids, *_) in enumerate(kept):
        if len(design_ids) == 1:
            singles.setdefault(texts[design_ids[0]], []).append(k)
    still_missing = list(missing)
    for text, at in singles.items():
        twins = [kept[k][0][0] for k in at] + [i for i in missing if texts[i] == text]
        if len(twins) < 2:
            continue
        costs = np.array(
            [
                [_distance(design.boxes[i], _union([page.texts[r].box for r in kept[k][1]])) for i in twins]
                for k in at
            ]
        )
        rows, cols = linear_sum_assignment(costs)
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            _, runs, similarity, design_text_ = kept[at[row]]
            kept[at[row]] = ([twins[col]], runs, similarity, design_text_)
        paired = {twins[col] for col in cols.tolist()}
        still_missing = [i for i in still_missing if i not in paired]
        still_missing += [i for i in twins if i not in paired and i not in still_missing]
    return kept, still_missing


def _distance(first: PxBox, second: PxBox) -> float:
    return float(np.hypot(first[0] - second[0], first[1] - second[1]))


def findings(comparison: Comparison) -> list[Finding]:
    """The typed findings of a comparison, the costliest first."""
    design, page = comparison.design, comparison.page
    width, height = design.image.size
    n = max(1, len(comparison.pairs))
    total_area = sum((b[2] - b[0]) * (b[3] - b[1]) for b in design.boxes) or 1
    found: list[Finding] = []
    coloured: set[int] = set()
    right_colour: set[int] = set()  # elements of runs measured at the design's colour
    for pair, steady in zip(comparison.pairs, comparison.steady, strict=True):
        first = page.texts[pair.runs[0]]
        element = page.elements[first.element]
        page_box = _union([page.texts[i].box for i in pair.runs])
        text = pair.design_text
        if pair.similarity < 0.95:
            page_text = " ".join(page.texts[i].text for i in pair.runs)
            found.append(
                Finding(
                    "text_differs",
                    element.selector,
                    text,
                    page_text,
                    1 - pair.similarity,
                    (1 - pair.similarity) / n,
                    element=element.index,
                )
            )
        runs = [page.texts[i] for i in pair.runs]
        if not steady:
            # a wrapped text paired in part (a font size reflowed it) is still measured by its
            # letters; a long line of the same text by its width, wherever it stands
            if _wrapped(pair, runs):
                found.extend(_font_finding(pair, page, page_box, runs, "", n))
            elif pair.similarity >= SAME_TEXT and len(pair.design_text) >= MIN_WRAPPED_CHARS:
                found.extend(_font_finding(pair, page, page_box, runs, comparison.edges(pair)[1], n))
            if pair.similarity >= SAME_TEXT and comparison.edges(pair)[1] == "same":
                found.extend(_wrap_width(pair, page, page_box, runs, n))  # moved by its box's width
            continue
        dx, dy = comparison.offset(pair)
        edges = comparison.edges(pair)[1]
        whole = len(pair.runs) == 1 and edges != "bullet"
        for run in runs:
            wanted = _design_ink(design, pair, page, runs, page_box, (dx, dy), edges, run)
            if run.element in coloured or wanted is None:
                continue
            # read as the design's ink is read (a whole text around its ink box, a part of a line
            # inside its own): the box may hold a neighbouring line's descenders, on both sides alike
            shown = _ink_around(page.rgb, run.box) if whole else ink_colour(page.rgb, *_inside(run.box))
            error = delta_e(wanted, shown)
            if error < MIN_DELTA_E:
                right_colour.add(run.element)
            if error >= (MIN_DELTA_E if len(runs) == 1 else MIN_DELTA_E_PART):
                coloured.add(run.element)
                el = page.elements[run.element]
                found.append(
                    Finding(
                        "text_colour",
                        el.selector,
                        hex_colour(wanted),
                        hex_colour(shown),
                        error,
                        error / 100 / n,
                        text=run.text,
                        element=el.index,
                        measured=el.index,
                    )
                )
        if max(abs(dx), abs(dy)) >= MIN_SHIFT_PX:
            found.append(
                Finding(
                    "moved",
                    element.selector,
                    [pair.design_box[0], pair.design_box[1]],
                    [page_box[0], page_box[1]],
                    float(max(abs(dx), abs(dy))),
                    max(abs(dx) / width, abs(dy) / height) / n,
                    text=first.text,
                    element=element.index,
                    detail={"dx": float(dx), "dy": float(dy)},
                )
            )
        found.extend(_font_finding(pair, page, page_box, runs, edges, n))
        found.extend(_wrap_width(pair, page, page_box, runs, n))
    for i in comparison.missing:
        box = design.boxes[i]
        area = (box[2] - box[0]) * (box[3] - box[1])
        found.append(
            Finding(
                "missing_text",
                "",
                (box[0], box[1]),
                None,
                float(area),
                area / total_area,
                text=design.blocks.blocks[i].text,
            )
        )
    for i in comparison.extra:
        run = page.texts[i]
        area = (run.box[2] - run.box[0]) * (run.box[3] - run.box[1])
        el = page.elements[run.element]
        found.append(
            Finding(
                "extra_text",
                el.selector,
                None,
                run.text,
                float(area),
                area / total_area / 2,
                text=run.text,
                element=el.index,
            )
        )
    found += _inline_sizes(comparison, found, n)
    found += _odd_sizes(comparison, found, n)
    found = _colours_where_set(page, found, right_colour)
    found += _squeezed_rows(comparison, n)
    found += _backgrounds(design, page)
    page_height = page.image.height
    if abs(page_height - height) > 8:
        found.append(
            Finding(
                "page_height",
                "",
                height,
                page_height,
                float(abs(page_height - height)),
                abs(page_height - height) / height / 4,
            )
        )
    found.sort(key=lambda f: f.cost, reverse=True)
    return found


def _colours_where_set(page: PageRead, found: list[Finding], right: set[int]) -> list[Finding]:
    """Text colour findings moved to the element each colour is set on (``_colour_holder``);
    findings that meet on one box are one (the costliest, measured on a text whose size is not
    found off where there is one: smaller letters draw lighter ink). A colour set on a box is fixed
    there once, not on each text inside it."""
    sized = {f.element for f in found if f.kind == "font_size"}
    holding_right: dict[tuple[int, int, int, float], set[int]] = {}  # per colour: boxes holding a right text
    for element in right:
        holding_right.setdefault(page.elements[element].colour, set()).update(ancestors(page, element))
    moved: list[Finding] = []
    on: set[int] = set()
    for finding in sorted(found, key=lambda f: (f.measured not in sized, f.cost), reverse=True):
        if finding.kind == "text_colour":
            colour = page.elements[finding.element].colour
            holder = _colour_holder(page, finding.element, holding_right.get(colour, set()))
            if holder in on:
                continue
            on.add(holder)
            finding = replace(finding, selector=page.elements[holder].selector, element=holder)
        moved.append(finding)
    return moved


def _colour_holder(page: PageRead, index: int, holding_right: set[int]) -> int:
    """``index``, or the box above it that passes its colour down to it: up through boxes drawn in
    the same colour, below the body, that are not in ``holding_right`` (the boxes holding a text of
    that colour measured right), from an element that does not set a colour of its own."""
    colour = page.elements[index].colour
    holder = index
    for above in reversed(ancestors(page, index)[:-1]):
        element = page.elements[above]
        if (
            page.elements[holder].sets_colour
            or element.tag in ("body", "html")
            or element.colour != colour
            or above in holding_right
        ):
            break
        holder = above
    return holder


def _design_ink(
    design: DesignText,
    pair: Matched,
    page: PageRead,
    runs: list[TextRun],
    page_box: PxBox,
    offset: tuple[int, int],
    edges: str,
    run: TextRun,
) -> RGB | None:
    """The design's text colour where ``run`` stands: the pair's colour when the run is all of it;
    for one run of several (a link in a line of text) the ink of the design at the run's place in
    the pair: moved by the pair's ``offset`` where both boxes agree in size or the design's text
    has more before the page's, at the same share of the width in one line of text (a font size
    off), else None (the place cannot be told: runs in several sizes each move by their own
    scale; the parts of a text aligned by its right end drift when its letters' scale is off)."""
    if len(pair.runs) == 1 and edges != "bullet":
        return pair.design_colour
    if _several_sizes(page, runs):
        return None
    if edges == "bullet" and len(runs) > 1:
        scale = _letter_scale(pair, runs, EDGE_CHARS)  # aligned by their right ends, parts further left drift
        if scale is None or abs(scale - 1) > MIN_SCALE_ERROR:
            return None
    dx, dy = offset
    (dx0, dy0, dx1, dy1), (px0, py0, px1, py1) = pair.design_box, page_box
    design_size, page_size = np.array([dx1 - dx0, dy1 - dy0]), np.array([px1 - px0, py1 - py0])
    x0, y0, x1, y1 = _inside(run.box)
    if edges == "bullet" or (np.abs(design_size - page_size) <= np.maximum(4, 0.1 * page_size)).all():
        return ink_colour(design.rgb, x0 + dx, y0 + dy, x1 + dx, y1 + dy)
    if pair.design_lines == 1 and all(other.lines == 1 for other in runs) and px1 > px0:
        scale = (dx1 - dx0) / (px1 - px0)
        return ink_colour(
            design.rgb, dx0 + round((x0 - px0) * scale), dy0, dx0 + round((x1 - px0) * scale), dy1
        )
    return None


def _inside(box: PxBox) -> PxBox:
    """A part of a line's ink box without its ends, where the ink of the texts beside it may reach."""
    x0, y0, x1, y1 = box
    return (x0 + DESIGN_PAD, y0, x1 - DESIGN_PAD, y1) if x1 - x0 > 4 * DESIGN_PAD else box


def _font_finding(
    pair: Matched, page: PageRead, page_box: PxBox, runs: list[TextRun], edges: str, n: int
) -> list[Finding]:
    """The pair's font-size finding, when its size can be told and is off (not for runs in
    several sizes: what their scale measures is no one element's)."""
    element = page.elements[runs[0].element]
    if _several_sizes(page, runs):
        return []
    scale = _scale(pair, page_box, runs, edges)
    if scale is None or abs(scale - 1) < MIN_SCALE_ERROR or element.font_size <= 0:
        return []
    return [_size_finding(element, scale, runs[0].text, n)]


def _size_finding(element: Element, scale: float, text: str, n: int) -> Finding:
    """The finding that ``element``'s text (``text``) is ``scale`` times too small in the page."""
    return Finding(
        "font_size",
        element.selector,
        round(element.font_size * scale, 1),
        round(element.font_size, 1),
        abs(scale - 1),
        abs(scale - 1) * 0.5 / n,
        text=text,
        element=element.index,
        detail={"scale": scale},
    )


def _several_sizes(page: PageRead, runs: list[TextRun]) -> bool:
    """Whether the runs are set in more than one font size."""
    sizes = [page.elements[run.element].font_size for run in runs]
    return max(sizes) - min(sizes) > 0.5


def _inline_sizes(comparison: Comparison, found: list[Finding], n: int) -> list[Finding]:
    """Size findings for inline elements set in a size of their own amid the words of a text found
    off in size (a link in a sentence) whose own size nothing measured (no pair of their own, or
    paired with texts in other sizes): the design's OCR read their letters inside the holder's
    lines, in one size, so they take the holder's design size. An inline element next to other
    elements only (a small date after a bold title) may well have a size of its own."""
    page = comparison.page
    sized = {f.element: f for f in found if f.kind == "font_size"}
    unmeasured = set(comparison.extra) | {
        run
        for pair in comparison.pairs
        if _several_sizes(page, [page.texts[i] for i in pair.runs])
        for run in pair.runs
    }
    out: list[Finding] = []
    for index in sorted(unmeasured):
        run = page.texts[index]
        element = page.elements[run.element]
        holder = _sized_holder(page, run.element, sized)
        if holder is None or run.element in sized or element.font_size <= 0 or not _amid(page, index, holder):
            continue
        design = float(sized[holder].design)  # type: ignore[arg-type]
        scale = design / element.font_size
        own_size = abs(element.font_size - page.elements[holder].font_size) > 0.5
        if not own_size or abs(scale - 1) < MIN_SCALE_ERROR:
            continue
        sized[run.element] = finding = _size_finding(element, scale, run.text, n)
        out.append(finding)
    return out


def _odd_sizes(comparison: Comparison, found: list[Finding], n: int) -> list[Finding]:
    """Size findings for one inline element set in a size of its own in a text whose other words
    nothing found off (a code or a link in a sentence): the design's letters laid end to end, less
    what the page's other runs take, are what the element's letters take in the design."""
    page = comparison.page
    sized = {f.element for f in found if f.kind == "font_size"}
    out: list[Finding] = []
    for pair in comparison.pairs:
        runs = [page.texts[i] for i in pair.runs]
        if pair.similarity < SAME_TEXT or not pair.design_line_widths or not _several_sizes(page, runs):
            continue
        by_size: dict[float, float] = {}
        for run in runs:
            size = page.elements[run.element].font_size
            by_size[size] = by_size.get(size, 0.0) + run.advance
        common = max(by_size, key=by_size.__getitem__)
        odd = [run for run in runs if abs(page.elements[run.element].font_size - common) > 0.5]
        element = page.elements[odd[0].element]
        rest = {run.element for run in runs} - {element.index}
        if (
            {run.element for run in odd} != {element.index}
            or element.display != "inline"
            or sized & (rest | {element.index})
        ):
            continue
        odd_advance = sum(run.advance for run in odd)
        wanted = odd_advance + sum(pair.design_line_widths) - sum(run.advance for run in runs)
        if odd_advance < MIN_ODD_PX or wanted <= 0:
            continue
        scale = wanted / odd_advance
        if abs(scale - 1) < MIN_SCALE_ERROR:
            continue
        sized.add(element.index)
        out.append(_size_finding(element, scale, odd[0].text, n))
    return out


def _amid(page: PageRead, index: int, holder: int) -> bool:
    """Whether the texts before and after run ``index`` (past its own element's) are ``holder``'s."""
    own = page.texts[index].element

    def neighbour(step: int) -> int:
        at = index + step
        while 0 <= at < len(page.texts) and page.texts[at].element == own:
            at += step
        return page.texts[at].element if 0 <= at < len(page.texts) else -1

    return neighbour(-1) == holder == neighbour(1)


def _sized_holder(page: PageRead, index: int, sized: dict[int, Finding]) -> int | None:
    """The element above ``index``, through inline ones only, that has a size finding."""
    while page.elements[index].display == "inline":
        index = page.elements[index].parent
        if index < 0:
            return None
        if index in sized:
            return index
    return None


def _wrap_width(pair: Matched, page: PageRead, page_box: PxBox, runs: list[TextRun], n: int) -> list[Finding]:
    """The width finding of a text that wraps in other lines than the design's: its block is
    widened (or narrowed) by what the design's text is wider (narrower)."""
    design_width, page_width = pair.design_box[2] - pair.design_box[0], page_box[2] - page_box[0]
    lines = _lines(runs)
    if lines == pair.design_lines or pair.similarity < LIKE_TEXT or abs(design_width - page_width) <= 8:
        return []
    box = _block_container(page, runs[0].element)
    return [
        Finding(
            "box_width",
            box.selector,
            round(box.box[2] + design_width - page_width),
            round(box.box[2]),
            float(abs(design_width - page_width)),
            abs(design_width - page_width) / page.image.width / n,
            text=runs[0].text,
            element=box.index,
            # one line in the design: its box is at least that wide
            detail={"at_least": float(pair.design_lines == 1)},
        )
    ]


def _lines(runs: list[TextRun]) -> int:
    """How many lines the runs take: a run that goes on in the line where the one before it ends
    (a link in a sentence) starts none of its own."""
    shared = sum(1 for before, after in pairwise(runs) if before.box[1] <= after.box[1] < before.box[3])
    return sum(run.lines for run in runs) - shared


def _wrapped(pair: Matched, runs: list[TextRun]) -> bool:
    """Whether the pair's text runs over several lines on either side."""
    return len(pair.design_line_widths) > 1 or sum(run.lines for run in runs) > len(runs)


def _scale(pair: Matched, page_box: PxBox, runs: list[TextRun], edges: str) -> float | None:
    """How much larger the design's text is than the page's: by width for one line of the same
    text from end to end, else by the height of one line of a like text; None when it cannot be
    told."""
    if _wrapped(pair, runs) or edges == "start":
        return _letter_scale(pair, runs)
    if edges == "bullet" and (by_letters := _letter_scale(pair, runs)) is not None:
        return by_letters  # OCR's box of a list's line may reach into the descenders above it
    if len(runs) != 1:
        return None
    page_w, page_h = page_box[2] - page_box[0], page_box[3] - page_box[1]
    design_w = pair.design_box[2] - pair.design_box[0]
    design_h = pair.design_box[3] - pair.design_box[1]
    if pair.similarity >= SAME_TEXT and edges == "same" and page_w >= 12 and design_w >= 12:
        by_width = design_w / page_w
        if page_h >= 6 and abs(design_h / page_h - by_width) > max(SCALES_AGREE, 1.5 / page_h):
            return None  # one box holds ink the other has not (a mark before it, a line's descenders)
        return by_width
    if pair.similarity >= LIKE_TEXT and page_h >= 6 and design_h >= 6:
        return design_h / page_h
    return None


def _letter_scale(pair: Matched, runs: list[TextRun], min_chars: int = MIN_WRAPPED_CHARS) -> float | None:
    """How much wider the design's letters are than the page's, their lines laid end to end; None
    for fewer than ``min_chars`` letters on either side."""
    design_chars, page_chars = len(pair.design_text), sum(len(run.text) for run in runs)
    advance, design_advance = sum(run.advance for run in runs), sum(pair.design_line_widths)
    if min(design_chars, page_chars) < min_chars or advance <= 0 or design_advance <= 0:
        return None
    return (design_advance / design_chars) / (advance / page_chars)


def _block_container(page: PageRead, index: int) -> Element:
    """The nearest element at or above ``index`` that is not inline (what a width applies to)."""
    element = page.elements[index]
    while element.display.startswith("inline") and element.parent >= 0:
        element = page.elements[element.parent]
    return element


def _squeezed_rows(comparison: Comparison, n: int) -> list[Finding]:
    """Widths for boxes too narrow for texts the design sets side by side: a box holding two or
    more paired texts that the design spreads wider than the box is, two of them on one line, and
    no taller than the page does (a menu squeezed into a column), is made as wide as the design's
    texts spread, with the page's room before its texts on both sides."""
    page, design_width = comparison.page, comparison.design.image.width
    held: dict[int, list[Matched]] = {}
    for pair in comparison.pairs:
        if pair.similarity < LIKE_TEXT:
            continue
        shared = set.intersection(*(set(ancestors(page, page.texts[run].element)) for run in pair.runs))
        for index in shared:
            held.setdefault(index, []).append(pair)
    found = []
    for index, pairs in held.items():
        element = page.elements[index]
        if len(pairs) < 2 or element.tag in ("html", "body") or element.display.startswith("inline"):
            continue
        page_box = _union([page.texts[run].box for pair in pairs for run in pair.runs])
        design_box = _union([pair.design_box for pair in pairs])
        spread = (design_box[2] - design_box[0]) - (page_box[2] - page_box[0])
        taller = (design_box[3] - design_box[1]) - (page_box[3] - page_box[1])
        if (
            spread <= MIN_SQUEEZE_PX
            or design_box[2] - design_box[0] <= element.width
            or taller > 0
            or not _side_by_side([pair.design_box for pair in pairs])
        ):
            continue
        inset = max(0.0, page_box[0] - element.box[0])  # padding and margins before the texts ...
        found.append(
            Finding(
                "box_width",
                element.selector,
                round(design_box[2] - design_box[0] + 2 * inset),  # ... taken to be alike after them
                round(element.box[2]),
                float(spread),
                spread / design_width / n * len(pairs),
                text=page.texts[pairs[0].runs[0]].text,
                element=index,
                detail={"at_least": 1.0},
            )
        )
    return found


def _side_by_side(boxes: list[PxBox]) -> bool:
    """Whether two of the boxes share a line (overlap in height, apart in width)."""
    return any(
        min(a[3], b[3]) > max(a[1], b[1]) and (a[2] <= b[0] or b[2] <= a[0])
        for k, a in enumerate(boxes)
        for b in boxes[k + 1 :]
    )


def ancestors(page: PageRead, index: int) -> list[int]:
    """``index`` and the elements above it, from the root down."""
    chain = []
    while index >= 0:
        chain.append(index)
        index = page.elements[index].parent
    return chain[::-1]


def _backgrounds(design: DesignText, page: PageRead) -> list[Finding]:
    """Elements with a background of their own whose box shows another colour in the design."""
    src = design.rgb
    out = np.asarray(page.image.convert("RGB"))
    height, width = min(src.shape[0], out.shape[0]), min(src.shape[1], out.shape[1])
    found = []
    for el in page.elements:
        if el.background[3] < 0.5 or not el.visible:
            continue
        x, y, w, h = el.box
        x0, y0 = max(0, int(x)), max(0, int(y))
        x1, y1 = min(width, int(x + w)), min(height, int(y + h))
        if (x1 - x0) * (y1 - y0) < MIN_REGION_PX or x1 - x0 < 8 or y1 - y0 < 8:
            continue
        step = max(1, int(np.sqrt((x1 - x0) * (y1 - y0) / 20000)))
        shown = dominant_colour(out[y0:y1:step, x0:x1:step])
        if delta_e(shown, el.background) > MIN_DELTA_E:
            continue  # the element's own colour is not what its box shows (children cover it)
        wanted = dominant_colour(src[y0:y1:step, x0:x1:step])
        error = delta_e(wanted, shown)
        if error >= MIN_DELTA_E:
            share = (x1 - x0) * (y1 - y0) / (width * height)
            found.append(
                Finding(
                    "background",
                    el.selector,
                    hex_colour(wanted),
                    hex_colour(shown),
                    error,
                    share * error / 100,
                    element=el.index,
                )
            )
    return found


def measure_page(renderer: Renderer, html: str, design: DesignText) -> tuple[Comparison, list[Finding]]:
    """Render ``html`` at the design's width, compare it with the design and list the findings."""
    width, height = design.image.size
    page = read_page(renderer, html, width, height)
    comparison = compare_page(design, page)
    return comparison, findings(comparison)

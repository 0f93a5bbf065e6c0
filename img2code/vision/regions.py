"""Uniform colour regions (bars, cards, buttons, panels, rules) and busy areas (photos).

Pixels are quantised to 32 levels per channel and joined into connected components of one
colour (scikit-image). A large component that, with its holes filled, covers most of its
bounding box is a painted rectangle (its holes are the text and widgets drawn on it), or an
outline (a frame, a table grid) when its pixels lie in thin lines. Other large components are
covered by the rectangles their rows form. What no large component covers and no text explains
is detail: dense patches of it are images. Last, wherever all that, painted on the page's
backdrop, still differs from the source (gradients, slanted or shaded shapes), a mean-colour box
stands in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from skimage.measure import label

from .colour import RGB, Backdrop, colour_distance, quantised
from .geometry import Box, runs

log = logging.getLogger(__name__)

MIN_AREA = 400  # pixels; smaller components are glyphs, icons or antialiasing, unless thin lines
MIN_LINE_LENGTH = 24  # pixels; a thinner component this long is a rule or a border side
MIN_FILL = 0.82  # share of its bounding box a filled component must cover to count as a rectangle
MAX_COVER = 8  # rectangles a non-rectangular component may be drawn with
MAX_RULE = 8  # px: a line drawing a frame or a grid is at most this thick
LINE_SHARE = 0.6  # a row (column) this full of a component's pixels is one of its rules
SAME_COLOUR = 10.0  # RGB distance under which a region adds nothing over what it is painted on
RESIDUAL_DISTANCE = 40.0  # RGB distance at which the painted regions leave a pixel unexplained
RESIDUAL_MIN_AREA = 900  # pixels in the box of an unexplained patch worth a box of its own
IMAGE_BLOCK = 8  # pixels per side of the cells in which busy areas are looked for
IMAGE_MIN_SIDE = 24  # smaller busy patches are icons, not pictures


@dataclass(frozen=True)
class Region:
    """A rectangle to paint: a flat ``panel`` or an ``image`` stood in for by its mean colour, or
    the ``frame`` thin lines draw around a box (``vision.structure`` finds those)."""

    box: Box
    colour: RGB
    kind: str  # "panel", "image", or "frame" (an outline only: ``colour`` is its line's)
    radius: int = 0
    outline: tuple[RGB, int, str] | None = None  # a border: colour, width (px), sides (some of "trbl")


def _corner_radius(filled: np.ndarray) -> int:
    """Border radius from how far the corners are cut along their diagonals (the least cut one)."""
    n = min(filled.shape[0], filled.shape[1], 40) // 2
    if n < 2:
        return 0
    idx = np.arange(n)
    cuts = []
    for corner in (filled, filled[:, ::-1], filled[::-1], filled[::-1, ::-1]):
        diagonal = corner[idx, idx]
        cuts.append(int(np.argmax(diagonal)) if diagonal.any() else n)
    return min(round(min(cuts) / (1 - 1 / np.sqrt(2))), n)


def _inside_text(box: Box, text_boxes: Sequence[Box]) -> bool:
    """Whether ``box`` is mostly inside one text line: a glyph, not a panel."""
    return any(box.intersection(t) >= 0.7 * box.area for t in text_boxes)


def _rules(mask: np.ndarray) -> list[Box] | None:
    """The horizontal and vertical lines a thin component is made of, or None if it is not one."""
    boxes = []
    for start, stop in runs(mask.mean(axis=1) >= LINE_SHARE):
        cols = np.flatnonzero(mask[start:stop].any(axis=0))
        boxes.append(Box(int(cols[0]), start, int(cols[-1]) + 1, stop))
    for start, stop in runs(mask.mean(axis=0) >= LINE_SHARE):
        rows = np.flatnonzero(mask[:, start:stop].any(axis=1))
        boxes.append(Box(start, int(rows[0]), stop, int(rows[-1]) + 1))
    drawn = np.zeros_like(mask)
    for b in boxes:
        drawn[b.y0 : b.y1, b.x0 : b.x1] = True
    if any(min(b.width, b.height) > MAX_RULE for b in boxes):
        return None  # bands as thick as a panel's: a frame of panels (a ring around a box), one panel
    return boxes if boxes and (drawn & mask).sum() >= 0.8 * mask.sum() else None


def _row_rectangles(mask: np.ndarray) -> list[Box]:
    """Rectangles covering ``mask``: consecutive rows with the same runs merge into one."""
    smooth = ndimage.binary_opening(mask, structure=np.ones((5, 5)))
    found = []
    open_runs: dict[tuple[int, int], int] = {}
    for y in range(smooth.shape[0] + 1):
        row_runs = set(runs(smooth[y])) if y < smooth.shape[0] else set()
        for run in [r for r in open_runs if r not in row_runs]:
            found.append(Box(run[0], open_runs.pop(run), run[1], y))
        for run in row_runs - open_runs.keys():
            open_runs[run] = y
    return found


def _shapes(mask: np.ndarray) -> list[tuple[Box, int]]:
    """Rectangles (box in the mask's coordinates, corner radius) that draw one component."""
    filled = ndimage.binary_fill_holes(mask)
    if filled.mean() >= MIN_FILL:
        if mask.mean() < 0.5:
            rules = _rules(mask)
            if rules is not None:
                return [(b, 0) for b in rules]
        h, w = mask.shape
        return [(Box(0, 0, w, h), _corner_radius(filled) if min(w, h) >= 8 else 0)]
    cover = [b for b in _row_rectangles(filled) if b.area >= MIN_AREA and min(b.width, b.height) >= 3]
    # A few rectangles draw an L, a T or a frame; many thin ones mean a slanted or round shape.
    if len(cover) > MAX_COVER or sum(b.area for b in cover) < MIN_FILL * filled.sum():
        return []
    return [(b, 0) for b in cover]


def _panels(
    rgb: np.ndarray, labels: np.ndarray, areas: np.ndarray, text_boxes: Sequence[Box]
) -> list[Region]:
    """Rectangles drawing the large one-colour components."""
    found = []
    for index, window in enumerate(ndimage.find_objects(labels), start=1):
        if window is None or areas[index] < MIN_LINE_LENGTH:
            continue
        box = Box(window[1].start, window[0].start, window[1].stop, window[0].stop)
        if max(box.width, box.height) < 12 or _inside_text(box, text_boxes):
            continue
        mask = labels[window] == index
        thin_line = min(box.width, box.height) <= 3 and max(box.width, box.height) >= MIN_LINE_LENGTH
        if areas[index] < MIN_AREA and not (thin_line and mask.mean() >= 0.9):
            continue
        r, g, b = rgb[window][mask].mean(axis=0).round()
        colour = (int(r), int(g), int(b))
        for shape, radius in _shapes(mask):
            found.append(Region(shape.shifted(box.x0, box.y0), colour, "panel", radius))
    return found


def _images(rgb: np.ndarray, detail: np.ndarray, text_boxes: Sequence[Box]) -> list[Region]:
    """Dense patches of detail outside text lines, as mean-colour placeholders."""
    detail = detail.copy()
    for t in text_boxes:
        detail[t.y0 : t.y1, t.x0 : t.x1] = False
    h, w = detail.shape
    bh, bw = -(-h // IMAGE_BLOCK), -(-w // IMAGE_BLOCK)
    padded = np.zeros((bh * IMAGE_BLOCK, bw * IMAGE_BLOCK), dtype=bool)
    padded[:h, :w] = detail
    density = padded.reshape(bh, IMAGE_BLOCK, bw, IMAGE_BLOCK).mean(axis=(1, 3))
    busy = ndimage.binary_closing(density > 0.35)
    found = []
    for window in ndimage.find_objects(ndimage.label(busy)[0]):
        if window is None:
            continue
        box = Box(
            window[1].start * IMAGE_BLOCK,
            window[0].start * IMAGE_BLOCK,
            min(w, window[1].stop * IMAGE_BLOCK),
            min(h, window[0].stop * IMAGE_BLOCK),
        )
        if min(box.width, box.height) < IMAGE_MIN_SIDE or busy[window].mean() < 0.6:
            continue
        r, g, b = rgb[box.y0 : box.y1, box.x0 : box.x1].reshape(-1, 3).mean(axis=0).round()
        found.append(Region(box, (int(r), int(g), int(b)), "image"))
    return found


def _unexplained(
    rgb: np.ndarray, regions: Sequence[Region], backdrop: Backdrop, text_boxes: Sequence[Box]
) -> list[Region]:
    """Mean-colour boxes where the regions found so far, painted on the backdrop, still differ
    from the source: gradient or slanted buttons, shaded bars, shapes no component describes."""
    canvas = backdrop.pixels()
    for region in regions:
        canvas[region.box.y0 : region.box.y1, region.box.x0 : region.box.x1] = region.colour
    missed = np.linalg.norm(rgb - canvas, axis=2) > RESIDUAL_DISTANCE
    for region in regions:
        if region.kind == "image":
            missed[region.box.y0 : region.box.y1, region.box.x0 : region.box.x1] = False
    missed = ndimage.binary_opening(missed, structure=np.ones((5, 5)))
    found = []
    labels, _ = ndimage.label(missed)
    for index, window in enumerate(ndimage.find_objects(labels), start=1):
        mask = labels[window] == index
        box = Box(window[1].start, window[0].start, window[1].stop, window[0].stop)
        if box.area < RESIDUAL_MIN_AREA or mask.mean() < 0.5 or _inside_text(box, text_boxes):
            continue
        r, g, b = rgb[window][mask].mean(axis=0).round()
        found.append(Region(box, (int(r), int(g), int(b)), "panel"))
    return found


def find_regions(rgb: np.ndarray, text_boxes: Sequence[Box], backdrop: Backdrop) -> list[Region]:
    """Regions worth painting, in paint order (largest first), each unlike what lies beneath it."""
    labels = label(quantised(rgb), background=-1, connectivity=1)
    areas = np.bincount(labels.ravel())
    panels = _panels(rgb, labels, areas, text_boxes)
    images = _images(rgb, areas[labels] < MIN_AREA, text_boxes)
    # Flat parts of a photo are not panels: the placeholder covers them.
    panels = [p for p in panels if not any(i.box.contains(p.box) for i in images)]
    kept: list[Region] = []
    for region in sorted(panels + images, key=lambda r: (-r.box.area, r.kind)):
        beneath = next((k for k in reversed(kept) if k.box.contains(region.box)), None)
        under = beneath.colour if beneath is not None else backdrop.at(region.box)
        if region.kind == "panel" and colour_distance(region.colour, under) < SAME_COLOUR:
            continue
        kept.append(region)
    kept += _unexplained(rgb, kept, backdrop, text_boxes)
    log.debug(
        "regions: kept %d of %d panels and %d images",
        len(kept),
        len(panels),
        len(images),
    )
    return kept

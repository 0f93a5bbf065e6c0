"""Boxes that lines cross: a use case diagram's system boundary, a UML frame round its parts.

``shapes`` finds a box from its inside; lines drawn across a box of the page's colour (associations
from actors outside to use cases inside) cut that inside into pieces, none of which is the box. Here
such a box is found from its outline: two long horizontal strokes and two long vertical ones that
meet at four corners, each side drawn almost all along and none running on past a corner (a ruled
form's cells do). Boxes split by a stroke from side to side are the smaller boxes, a box found
already is not found again, and a box no line crosses is left to ``shapes``. These boxes are
``crossed``: connectors are traced across their outlines.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import cv2
import numpy as np
from scipy import ndimage

from .colour import RGB, dominant_colour, far_from
from .geometry import Box
from .shapes import Shape, box_iou

log = logging.getLogger(__name__)

INK = 60.0  # RGB distance from the page at which a pixel is part of an outline
MIN_SIDE = 60  # pixels: shorter strokes are no side of such a box
CORNER = 4  # pixels between a side's end and the side across it at a corner
DRAWN = 0.9  # share of a side's length that must be ink
MAX_STROKE = 4  # pixels: a thicker "stroke" is a filled bar
SAME_BOX = 0.8  # IoU with a shape found already above which a box is that shape
CROSS_OFFSET = 3  # pixels either side of a side where a line crossing it shows
MIN_RUN = 6  # pixels of a side's stroke past a corner that make the box a cell of a grid


@dataclass(frozen=True)
class Stroke:
    """A straight stroke: where across (its middle) and from where to where along."""

    at: int
    start: int
    end: int


def strokes(ink: np.ndarray, horizontal: bool) -> list[Stroke]:
    """The long, thin horizontal (or vertical) strokes of ``ink``."""
    kernel = np.ones((1, MIN_SIDE) if horizontal else (MIN_SIDE, 1), np.uint8)
    long = cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_OPEN, kernel)
    parts, _ = ndimage.label(long)
    found = []
    for window in ndimage.find_objects(parts):
        if window is None:
            continue
        across, along = (window[0], window[1]) if horizontal else (window[1], window[0])
        if across.stop - across.start <= MAX_STROKE:
            found.append(Stroke((across.start + across.stop - 1) // 2, along.start, along.stop - 1))
    return found


def _meets(side: Stroke, stroke: Stroke) -> bool:
    """Whether ``side`` (across ``stroke``) reaches the line ``stroke`` lies on, within its span."""
    return (
        stroke.start - CORNER <= side.at <= stroke.end + CORNER
        and side.start - CORNER <= stroke.at <= side.end + CORNER
    )


def drawn(ink: np.ndarray, horizontal: bool, at: int, start: int, end: int) -> bool:
    """Whether the line at ``at`` (a row, or a column) is ink from ``start`` to ``end`` almost all
    along (a pixel either way)."""
    band = slice(max(0, at - 1), at + 2)
    along = slice(start, end + 1)
    shown = np.asarray(ink[band, along].any(axis=0) if horizontal else ink[along, band].any(axis=1))
    return shown.size > 0 and float(shown.mean()) >= DRAWN


def _sides_drawn(ink: np.ndarray, box: Box) -> bool:
    """Whether all four sides of ``box`` are drawn."""
    return (
        drawn(ink, True, box.y0, box.x0, box.x1)
        and drawn(ink, True, box.y1, box.x0, box.x1)
        and drawn(ink, False, box.x0, box.y0, box.y1)
        and drawn(ink, False, box.x1, box.y0, box.y1)
    )


def _split(ink: np.ndarray, box: Box, rows: Sequence[Stroke], columns: Sequence[Stroke]) -> bool:
    """Whether a stroke inside ``box`` runs from side to side across it (two boxes)."""
    across = any(
        box.x0 + CORNER < c.at < box.x1 - CORNER and drawn(ink, False, c.at, box.y0, box.y1) for c in columns
    )
    return across or any(
        box.y0 + CORNER < r.at < box.y1 - CORNER and drawn(ink, True, r.at, box.x0, box.x1) for r in rows
    )


def _runs_on(ink: np.ndarray, box: Box) -> bool:
    """Whether a side runs on past a corner: the box is a cell of a ruled grid or form."""
    h, w = ink.shape
    beyond = range(CORNER, CORNER + MIN_RUN)
    for y in (box.y0, box.y1):
        for x, step in ((box.x0, -1), (box.x1, 1)):
            if all(0 <= x + step * d < w and ink[max(0, y - 1) : y + 2, x + step * d].any() for d in beyond):
                return True
    for x in (box.x0, box.x1):
        for y, step in ((box.y0, -1), (box.y1, 1)):
            if all(0 <= y + step * d < h and ink[y + step * d, max(0, x - 1) : x + 2].any() for d in beyond):
                return True
    return False


def _boxes(ink: np.ndarray) -> list[Box]:
    """Boxes whose four sides are long strokes of ``ink``, each the smallest for its top."""
    rows = sorted(strokes(ink, horizontal=True), key=lambda s: s.at)
    columns = sorted(strokes(ink, horizontal=False), key=lambda s: s.at)
    found = []
    for top in rows:
        hanging = [c for c in columns if _meets(c, top) and c.end > top.at + MIN_SIDE]
        for left, right in combinations(hanging, 2):
            if right.at - left.at < MIN_SIDE:
                continue
            for bottom in rows:
                if bottom.at < top.at + MIN_SIDE or not (_meets(left, bottom) and _meets(right, bottom)):
                    continue
                box = Box(left.at, top.at, right.at, bottom.at)
                if _sides_drawn(ink, box) and not _split(ink, box, rows, columns) and not _runs_on(ink, box):
                    found.append(box)
                break  # the nearest bottom only: a lower one closes a box round two
    return found


def _crossed(ink: np.ndarray, box: Box) -> bool:
    """Whether a line crosses a side of ``box``: ink just outside it and just inside it, at one
    place along it away from the corners (a line ending at the side has ink on one side only)."""
    h, w = ink.shape
    out, into = CROSS_OFFSET, -CROSS_OFFSET
    for x, inward in ((box.x0, 1), (box.x1, -1)):
        if CROSS_OFFSET <= x < w - CROSS_OFFSET:
            rows = slice(box.y0 + CORNER + CROSS_OFFSET, box.y1 - CORNER - CROSS_OFFSET)
            if (ink[rows, x + into * inward] & ink[rows, x + out * inward]).any():
                return True
    for y, inward in ((box.y0, 1), (box.y1, -1)):
        if CROSS_OFFSET <= y < h - CROSS_OFFSET:
            cols = slice(box.x0 + CORNER + CROSS_OFFSET, box.x1 - CORNER - CROSS_OFFSET)
            if (ink[y + into * inward, cols] & ink[y + out * inward, cols]).any():
                return True
    return False


def find_crossed_boxes(rgb: np.ndarray, shapes: Sequence[Shape], page: RGB) -> list[Shape]:
    """``shapes`` and the boxes of the page's colour that lines cross, found from their outlines:
    boxes no shape holds, that hold or miss every shape whole, and that a line crosses."""
    ink = far_from(rgb, page, INK)
    result = list(shapes)
    for box in _boxes(ink):
        if any(box_iou(box, s.box) > SAME_BOX or s.box.contains(box, CORNER) for s in result):
            continue
        if any(s.box.intersection(box) and not box.contains(s.box, CORNER) for s in shapes):
            continue  # a box cutting through shapes is drawn of their sides
        if not _crossed(ink, box):
            continue
        inside = Box(box.x0 + 1, box.y0 + 1, box.x1, box.y1)
        within = (slice(inside.y0, inside.y1), slice(inside.x0, inside.x1))
        top = (slice(box.y0, box.y0 + 1), slice(box.x0, box.x1))
        fill = dominant_colour(rgb[within][~ink[within]])
        stroke = dominant_colour(rgb[top][ink[top]])
        mask = np.ones((inside.height, inside.width), bool)
        result.append(Shape(box, "rectangle", fill, stroke, 1, inside, mask, 1.0, crossed=True))
        log.debug("a box lines cross: %s", box)
    return result

"""Markers: small framed boxes drawn on a shape (BPMN's sub-process "+" and message envelope, a
user task's badge, check boxes).

Their frames are too small for ``shapes`` (the glyph inside cuts the inside into slivers below its
area limit), so their strokes were left as ink for the connectors. A marker is a dark rectangle
outline of ``MIN_SIDE`` to ``MAX_SIDE`` pixels lying inside a shape, not on text: each of its four
sides drawn almost whole, its corners drawn, no other marker right beside it (a strip of cells).
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from .colour import RGB, dominant_colour, far_from
from .geometry import Box
from .shapes import Shape, box_iou

DARK = 110  # grey level under which a pixel is a marker's stroke ...
PAGE_DISTANCE = 40.0  # ... unless it is this near the page's colour (a dark page)
MIN_SIDE, MAX_SIDE = 12, 32  # pixels a marker's frame measures on each side
APART = 3  # pixels: markers nearer to one another than this are cells of a strip, not markers
MAX_ASPECT = 2.0  # longest side over shortest
SIDE_DRAWN = 0.9  # share of each side of the frame that is stroke
MAX_INK = 0.5  # share of the inside of the frame that is stroke at most


def _framed(dark: np.ndarray, box: Box) -> bool:
    """Whether the four sides of ``box`` are drawn (each within a pixel of its line) and its four
    corners (a note's folded corner is a triangle)."""
    region = dark[box.y0 : box.y1, box.x0 : box.x1]
    sides = (
        region[:2].any(axis=0),
        region[-2:].any(axis=0),
        region[:, :2].any(axis=1),
        region[:, -2:].any(axis=1),
    )
    corners = (region[:2, :2], region[:2, -2:], region[-2:, :2], region[-2:, -2:])
    hollow = region[2:-2, 2:-2].mean() <= MAX_INK  # a frame around a glyph, not a dark patch
    return all(side.mean() >= SIDE_DRAWN for side in sides) and all(c.any() for c in corners) and hollow


def _near(a: Box, b: Box) -> bool:
    return a != b and Box(a.x0 - APART, a.y0 - APART, a.x1 + APART, a.y1 + APART).intersection(b) > 0


def find_markers(
    rgb: np.ndarray, shapes: Sequence[Shape], page: RGB, text_boxes: Sequence[Box]
) -> list[Shape]:
    """The markers drawn on ``shapes`` (shapes of kind ``marker``), text and found shapes left out."""
    dark = (rgb.astype(np.float32).mean(axis=2) < DARK) & far_from(rgb, page, PAGE_DISTANCE)
    contours, _ = cv2.findContours(dark.astype(np.uint8), cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    found: list[Shape] = []
    for contour in contours:
        x, y, w, h = cv2.boundingRect(contour)
        box = Box(x, y, x + w, y + h)
        if not (min(w, h) >= MIN_SIDE and max(w, h) <= MAX_SIDE and max(w, h) <= MAX_ASPECT * min(w, h)):
            continue
        if not any(s.box.contains(box, 1) for s in shapes) or any(t.intersection(box) for t in text_boxes):
            continue
        if any(box_iou(box, s.box) >= 0.5 for s in [*shapes, *found]) or not _framed(dark, box):
            continue
        inside = Box(x + 1, y + 1, x + w - 1, y + h - 1)
        fill = dominant_colour(rgb[inside.y0 : inside.y1, inside.x0 : inside.x1])
        stroke = dominant_colour(rgb[y : y + 1, x : x + w])
        mask = np.ones((inside.height, inside.width), bool)
        found.append(Shape(box, "marker", fill, stroke, 1, inside, mask, 1.0))
    return [m for m in found if not any(_near(m.box, other.box) for other in found)]

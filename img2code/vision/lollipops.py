"""UML provided interfaces ("lollipops"): a small ring on a short stick out of a component's side.

draw.io draws one as a shape of its own (``shape=lollipop``): the ring at one end of its box and
the stick to the other, the component at the stick's end. ``shapes`` finds neither (the ring is
too small, the stick is a line), and connectors would take the stick for an edge to the
component. A small ring (``actors.open_rings``) with a straight stroke leaving it level with its
middle and running on, unbroken, to a shape's outline becomes one ``lollipop`` shape of the ring
and stick, ``param`` naming the side the ring is on; dependencies drawn to the ring attach to it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from .actors import open_rings
from .colour import RGB, dominant_colour, far_from
from .geometry import Box, inscribed_ellipse
from .shapes import Shape

log = logging.getLogger(__name__)

INK = 40.0  # RGB distance from the page at which a pixel is part of the stick
MAX_RING = 16  # pixels: the widest ring taken for a lollipop's (draw.io's are 10)
MIN_STICK, MAX_STICK = 6, 40  # pixels of stick between the ring and the component
TOUCH = 3  # pixels between the stick's end and the component's outline
# (step x, step y) out of the ring -> the side the ring is on, as ``param``
SIDES = {(1, 0): 0, (-1, 0): 1, (0, 1): 2, (0, -1): 3}  # left, right, top, bottom
RING_SIDES = ("left", "right", "top", "bottom")


def _middle(ring: Box) -> tuple[int, int]:
    return (ring.x0 + ring.x1 - 1) // 2, (ring.y0 + ring.y1 - 1) // 2


def _stick(ink: np.ndarray, ring: Box, step: tuple[int, int]) -> int:
    """How long the unbroken stroke leaving ``ring`` one way, level with its middle, runs."""
    h, w = ink.shape
    dx, dy = step
    cx, cy = _middle(ring)
    x = ring.x1 if dx > 0 else ring.x0 - 1 if dx < 0 else cx
    y = ring.y1 if dy > 0 else ring.y0 - 1 if dy < 0 else cy
    length = 0
    while 0 <= x < w and 0 <= y < h and length <= MAX_STICK:
        across = ink[y, max(0, x - 1) : x + 2] if dx == 0 else ink[max(0, y - 1) : y + 2, x]
        if not across.any():
            break
        x, y, length = x + dx, y + dy, length + 1
    return length


def _at_outline(shapes: Sequence[Shape], x: int, y: int) -> bool:
    """Whether a pixel lies on a shape's outline: by its box, outside its fill."""
    return any(s.box.contains(Box(x, y, x + 1, y + 1), TOUCH) and not s.inside.holds(x, y) for s in shapes)


def _drawn(box: Box, ring: Box, stick: tuple[slice, slice]) -> np.ndarray:
    """A lollipop's mask in its box: the disc of its ring and its stick, a pixel each side (a line
    ending at the component beside the stick, an arrowhead's barbs, stays line ink)."""
    mask = inscribed_ellipse(ring, box)
    rows, cols = stick
    mask[
        max(0, rows.start - 1 - box.y0) : rows.stop + 1 - box.y0,
        max(0, cols.start - 1 - box.x0) : cols.stop + 1 - box.x0,
    ] = True
    return mask


def find_lollipops(
    rgb: np.ndarray, shapes: Sequence[Shape], page: RGB, text_boxes: Sequence[Box] = ()
) -> list[Shape]:
    """``shapes`` and the lollipops drawn on their sides."""
    ink = far_from(rgb, page, INK)
    found = list(shapes)
    for ring in open_rings(ink, shapes, text_boxes):
        if max(ring.width, ring.height) > MAX_RING:
            continue
        for (dx, dy), side in SIDES.items():
            length = _stick(ink, ring, (dx, dy))
            if not MIN_STICK <= length <= MAX_STICK:
                continue
            cx, cy = _middle(ring)
            # the stick's last pixel: on the component's outline
            end_x = (ring.x1 + length - 1 if dx > 0 else ring.x0 - length) if dx else cx
            end_y = (ring.y1 + length - 1 if dy > 0 else ring.y0 - length) if dy else cy
            if not _at_outline(shapes, end_x, end_y):
                continue
            x0, y0 = min(ring.x0, end_x), min(ring.y0, end_y)
            box = Box(x0, y0, max(ring.x1, end_x + 1), max(ring.y1, end_y + 1))
            stick = (slice(min(cy, end_y), max(cy, end_y) + 1), slice(min(cx, end_x), max(cx, end_x) + 1))
            strokes = rgb[stick][ink[stick]]  # the stick is drawn crisp, the ring blurred
            mask = _drawn(box, ring, stick)
            found.append(Shape(box, "lollipop", page, dominant_colour(strokes), 1, box, mask, 1.0, side))
            log.debug("lollipop %s, ring on its %s", box, RING_SIDES[side])
            break
    return found

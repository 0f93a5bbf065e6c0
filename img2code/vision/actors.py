"""UML actors: a stick figure under a small round head.

draw.io draws an actor (``shape=umlActor``) in a box: the head an ellipse half the box wide and a
quarter of it tall at the top, the arms across the box at a third of its height, the body down
the middle and the legs from two thirds down to the bottom corners. ``shapes`` finds only the
head (the strokes are lines); a small head with a body under its middle and legs ending at the
corners of the box the head implies becomes one actor shape of that box, so connectors to the
figure attach to it. Its strokes stay inside its box: what connector ink they leave ends only at
the actor itself and links nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np
from scipy import ndimage

from .colour import RGB, dominant_colour, far_from
from .geometry import Box
from .shapes import Shape

log = logging.getLogger(__name__)

INK = 40.0  # RGB distance from the page at which a pixel is part of the figure
MAX_HEAD = 48  # pixels: the largest head taken for an actor's
HEAD_RATIO = 1.4  # a head's width over its height (or height over width) at most
BODY = 0.8  # share of the body's column under the head that is ink
ARMS = 0.8  # share of the box's width the arms' row covers
SPARSE = 0.2  # share of the figure's box (under the head) that is ink, at most
REACH = 3  # pixels around a leg's end (a box corner) searched for its ink
MIN_HOLE = 40  # pixels inside an unfilled head, at least (glyph holes are smaller)
ROUND = 0.75  # share of its box's inscribed ellipse a hole fills, at least, to be a head
HEADS = ("ellipse", "rectangle", "rounded", "other")


def _figure_box(ink: np.ndarray, head: Box) -> Box | None:
    """The box of the stick figure under a head, if there is one: a body down the head's middle
    and two legs ending at the bottom corners of a box half as wide as tall (draw.io's actor),
    the head in its top quarter or so. The legs' ends are where the ink stops going down."""
    h, w = ink.shape
    cx = (head.x0 + head.x1) // 2
    for height in range(3 * head.height, 5 * head.height + 1):
        half = height // 4
        box = Box(cx - half, head.y0, cx + half, head.y0 + height)
        if box.x0 - REACH < 0 or box.x1 + REACH > w or box.y1 + REACH > h:
            return None
        bottom = box.y1 - 1
        corners = [slice(x - REACH, x + REACH + 1) for x in (box.x0, box.x1 - 1)]
        ends = [ink[bottom - REACH : bottom + 1, x].any() for x in corners]
        below = [ink[bottom + 2 : bottom + 2 + REACH, x].any() for x in corners]
        if all(ends) and not any(below):
            return box if _stick_figure(ink, head, box) else None
    return None


def _stick_figure(ink: np.ndarray, head: Box, box: Box) -> bool:
    """Whether the ink under a head is a stick figure in ``box``: a body down the middle to two
    thirds of the height, arms across nearly the whole box in its upper half, and little else."""
    cx, height = (head.x0 + head.x1) // 2, box.height
    body = ink[head.y1 : box.y0 + 2 * height // 3, cx - 1 : cx + 2].any(axis=1)
    figure = ink[head.y1 : box.y1, box.x0 : box.x1]
    upper = figure[: box.y0 + height // 2 - head.y1]
    arms = upper.mean(axis=1) if upper.size else np.zeros(0)
    return (
        body.size > 0
        and body.mean() >= BODY
        and arms.size > 0
        and arms.max() >= ARMS
        and figure.mean() <= SPARSE
    )


def _head_sized(box: Box) -> bool:
    """Whether a box is small and about as wide as tall, as an actor's head is."""
    side, across = max(box.width, box.height), min(box.width, box.height)
    return side <= MAX_HEAD and side <= HEAD_RATIO * across


def open_rings(ink: np.ndarray, shapes: Sequence[Shape], text_boxes: Sequence[Box]) -> list[Box]:
    """Small round holes in the ink (an unfilled head's inside, too small for ``shapes``), outside
    every shape and text, as head boxes (the hole and its outline)."""
    holes, _ = ndimage.label(~ink)
    heads = []
    for index, window in enumerate(ndimage.find_objects(holes), start=1):
        if window is None:
            continue
        hole = holes[window] == index
        box = Box(window[1].start - 1, window[0].start - 1, window[1].stop + 1, window[0].stop + 1)
        round_ = hole.sum() >= ROUND * np.pi / 4 * hole.shape[0] * hole.shape[1]
        if not (hole.sum() >= MIN_HOLE and _head_sized(box) and round_):
            continue
        if any(s.box.contains(box) for s in shapes) or any(t.intersection(box) for t in text_boxes):
            continue
        heads.append(box)
    return heads


def find_actors(
    rgb: np.ndarray, shapes: Sequence[Shape], page: RGB, text_boxes: Sequence[Box] = ()
) -> list[Shape]:
    """``shapes`` with each small head that has a stick figure under it made an ``actor`` shape
    of the figure's box, and actors whose unfilled head was too small to be a shape added."""
    ink = far_from(rgb, page, INK)
    found: list[Shape] = []
    for shape in shapes:
        head = shape.box
        worded = any(head.contains(t, slack=2) for t in text_boxes)  # "XOR" in a circle: no head
        box = _figure_box(ink, head) if shape.kind in HEADS and _head_sized(head) and not worded else None
        if box is not None:
            mask = np.ones((box.height, box.width), bool)
            stroke = shape.stroke or shape.fill
            found.append(replace(shape, kind="actor", box=box, inside=box, mask=mask, stroke=stroke))
        else:
            found.append(shape)
    for head in open_rings(ink, shapes, text_boxes):
        box = _figure_box(ink, head)
        if box is not None and not any(s.box.intersection(box) for s in found):
            strokes = rgb[box.y0 : box.y1, box.x0 : box.x1][ink[box.y0 : box.y1, box.x0 : box.x1]]
            mask = np.ones((box.height, box.width), bool)
            found.append(Shape(box, "actor", page, dominant_colour(strokes), 1, box, mask, 1.0))
    log.debug("actors: %d", sum(s.kind == "actor" for s in found))
    return found

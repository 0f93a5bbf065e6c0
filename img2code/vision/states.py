"""UML initial and final states: a small solid disc, and the same disc inside a thin ring.

draw.io draws both (``shape=startState``, ``shape=endState``, 30 x 30 in its UML palette) inset
in their box: the disc is the box less ``min(4, side / 5)`` on each side, and a final state's ring
is the box's own outline. ``shapes`` finds only the disc, so the box it implies is put back here:
connectors attach to the state's perimeter, and the file holds the state draw.io's palette gives,
not a loose ellipse. A disc in a ring is a final state (``find_final_states``, before connectors
are traced: the ring is its outline, not line ink); a disc with no ring is an initial state only
where a connector leaves it, an arrowhead at its other end and none at the disc
(``find_initial_states``, after): dots on a timeline or in a legend stay ellipses.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .colour import RGB, colour_distance
from .connectors import Connector
from .geometry import Box
from .shapes import Shape

MIN_DISC, MAX_DISC = 10, 40  # pixels across a state's disc
ROUND = 0.1  # how much a disc's width and height may differ, as a share of its width
DARK = 90.0  # luminance (0-255) under which a fill is a state's solid dark disc
INSET, INSET_SHARE = 4, 0.2  # draw.io's inset of the disc in its box: min(4 px, a fifth of the side)
INK = 60.0  # RGB distance from the page at which a pixel is the ring's ink
RING = 0.8  # share of the samples round a disc that must find ring ink for a final state
SAMPLES = 36  # points sampled round the ring


def _luminance(colour: RGB) -> float:
    r, g, b = colour
    return 0.299 * r + 0.587 * g + 0.114 * b


def _is_disc(shape: Shape, text_boxes: Sequence[Box]) -> bool:
    """A small solid dark round shape with no text in it."""
    box = shape.box
    sides = sorted((box.width, box.height))
    if shape.kind != "ellipse" or not MIN_DISC <= sides[0] <= sides[1] <= MAX_DISC:
        return False
    if abs(box.width - box.height) > max(2, ROUND * box.width) or _luminance(shape.fill) > DARK:
        return False
    return not any(box.holds(*t.center) for t in text_boxes)


def _state_box(disc: Box) -> Box:
    """The box draw.io insets a disc of this size in."""
    side = (disc.width + disc.height) / 2
    inset = min(INSET, side * INSET_SHARE / (1 - 2 * INSET_SHARE))  # the inset as a share of the box
    cx, cy, half = (disc.x0 + disc.x1) / 2, (disc.y0 + disc.y1) / 2, side / 2 + inset
    return Box(round(cx - half), round(cy - half), round(cx + half), round(cy + half))


def _ink_round(
    rgb: np.ndarray, centre: tuple[float, float], radii: Sequence[float], page: RGB
) -> list[np.ndarray]:
    """For each of ``SAMPLES`` directions from ``centre``, the first pixel at one of ``radii`` that
    is not the page's colour (directions where all are the page's give none)."""
    height, width = rgb.shape[:2]
    found = []
    for step in range(SAMPLES):
        angle = 2 * math.pi * step / SAMPLES
        for r in radii:
            x, y = round(centre[0] + r * math.cos(angle)), round(centre[1] + r * math.sin(angle))
            if 0 <= x < width and 0 <= y < height and colour_distance(rgb[y, x], page) > INK:
                found.append(rgb[y, x])
                break
    return found


def _ring(rgb: np.ndarray, disc: Box, box: Box, page: RGB) -> RGB | None:
    """The colour of a thin ring drawn as ``box``'s outline round ``disc``, apart from it (the page
    shows between them: not a thick outline of the disc's own), or None where there is none."""
    centre = ((box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2)
    radius, inner = box.width / 2, max(disc.width, disc.height) / 2
    between = [float(r) for r in np.arange(inner + 1.5, radius - 1.25, 0.5)]  # clear of both rims
    if not between or len(_ink_round(rgb, centre, between, page)) > (1 - RING) * SAMPLES:
        return None
    found = _ink_round(rgb, centre, (radius - 1, radius - 0.5, radius, radius + 0.5), page)
    if len(found) < RING * SAMPLES:
        return None
    r, g, b = np.median(np.array(found), axis=0).round()
    return int(r), int(g), int(b)


def _leaves(index: int, connectors: Sequence[Connector]) -> bool:
    """Whether a connector leaves shape ``index``: it starts there, its arrowhead at its other end."""
    for c in connectors:
        if c.source == index and c.head_target and not c.head_source:
            return True
        if c.target == index and c.head_source and not c.head_target:
            return True
    return False


def _erase_ring(rgb: np.ndarray, box: Box, page: RGB) -> None:
    """Paint a final state's ring (``box``'s outline) in the page's colour, in place."""
    height, width = rgb.shape[:2]
    x0, y0 = max(0, box.x0 - 3), max(0, box.y0 - 3)  # the ring and its antialiased rims
    around = rgb[y0 : min(height, box.y1 + 3), x0 : min(width, box.x1 + 3)]
    ys, xs = np.ogrid[y0 : y0 + around.shape[0], x0 : x0 + around.shape[1]]
    cx, cy, radius = (box.x0 + box.x1 - 1) / 2, (box.y0 + box.y1 - 1) / 2, box.width / 2
    distance = np.sqrt((xs - cx) ** 2 + (ys - cy) ** 2)
    around[(distance > radius - 2) & (distance < radius + 2)] = page


def find_final_states(
    rgb: np.ndarray, shapes: Sequence[Shape], page: RGB, text_boxes: Sequence[Box]
) -> tuple[list[Shape], np.ndarray]:
    """``shapes`` with each disc in a ring a final state (kind ``end``, the ring's colour its
    stroke) in the box draw.io draws it in, and the image without the rings: a ring is the state's
    outline, and a line that ends at it ends at the state, not at a loop of line ink."""
    found, erased = [], rgb
    for shape in shapes:
        if _is_disc(shape, text_boxes):
            box = _state_box(shape.box)
            ring = _ring(rgb, shape.box, box, page)
            if ring is not None:
                shape = replace(shape, kind="end", box=box, stroke=ring, stroke_width=1)
                erased = erased.copy() if erased is rgb else erased
                _erase_ring(erased, box, page)
        found.append(shape)
    return found, erased


def find_initial_states(
    shapes: Sequence[Shape], text_boxes: Sequence[Box], connectors: Sequence[Connector]
) -> list[Shape]:
    """``shapes`` with each disc a connector leaves an initial state (kind ``start``) in the box
    draw.io draws it in; the list's order is kept (connectors name shapes by index)."""
    return [
        replace(shape, kind="start", box=_state_box(shape.box))
        if _is_disc(shape, text_boxes) and _leaves(index, connectors)
        else shape
        for index, shape in enumerate(shapes)
    ]

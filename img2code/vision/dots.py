"""Dots at line ends: the filled circle draw.io's ``oval`` marker draws where a line starts (a UML
sequence diagram's message from an activation bar, a found message).

A dot is a solid disc of ink ``MIN_RADIUS`` to ``MAX_RADIUS`` pixels across its middle, which an
opening that wipes out lines up to ``LINE_WIDTH`` pixels wide leaves whole and round, and whose
ink round it is that disc (an arrowhead's core comes out of the opening round too, but its barbs
and tip lie outside the disc: ``DISC_FIT``). Dots are
found before the shapes and painted over: drawn on a bar's side, a dot cut the bar's outline into
pieces no shape could be read from. Each column of a dot takes the colour just above it where the
colour just below it is alike (a bar's side running through the dot comes back, a line leaving
the dot sideways is cut at its edge), else the page's. The connector ending by a dot gets an oval
head there.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
from scipy import ndimage

from .colour import RGB, colour_distance, far_from
from .connectors import INK_DISTANCE, OVAL, Connector
from .geometry import Box, inscribed_ellipse

LINE_WIDTH = 4  # pixels: the opening wipes out strokes up to this wide
MIN_RADIUS, MAX_RADIUS = 3.0, 6.5  # pixels: a dot's radius
MAX_ASPECT = 1.3  # a dot's box: its longer side over its shorter
ROUND = 0.85  # overlap (IoU) with the ellipse in its box a dot has at least (not an arrowhead)
DISC_FIT = 0.65  # IoU of the ink round a dot with the disc, at least (arrowheads: 0.45-0.6)
END_REACH = 4.0  # pixels past a dot's rim within which a connector's end is the dot's


@dataclass(frozen=True)
class Dot:
    """A filled dot: its centre (x, y) and radius in pixels."""

    x: float
    y: float
    radius: float


def find_dots(rgb: np.ndarray, page: RGB) -> list[Dot]:
    """The filled dots of a diagram image (H x W x 3)."""
    ink = far_from(rgb, page, INK_DISTANCE).astype(np.uint8)
    size = LINE_WIDTH + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))
    solid = cv2.morphologyEx(ink, cv2.MORPH_OPEN, disc).astype(bool)
    parts, _ = ndimage.label(solid)
    dots = []
    for index, window in enumerate(ndimage.find_objects(parts), start=1):
        if window is None:
            continue
        height, width = window[0].stop - window[0].start, window[1].stop - window[1].start
        if not 2 * MIN_RADIUS <= min(width, height) <= max(width, height) <= 2 * MAX_RADIUS + 1:
            continue
        if max(width, height) > MAX_ASPECT * min(width, height):
            continue
        mine = parts[window] == index
        ellipse = inscribed_ellipse(Box(0, 0, width, height), Box(0, 0, width, height))
        overlap = float((mine & ellipse).sum()) / float((mine | ellipse).sum())
        if overlap < ROUND:
            continue
        x = (window[1].start + window[1].stop - 1) / 2
        y = (window[0].start + window[0].stop - 1) / 2
        dot = Dot(x, y, (width + height) / 4)
        if _disc_fit(ink, dot) >= DISC_FIT:
            dots.append(dot)
    return dots


def _disc_fit(ink: np.ndarray, dot: Dot) -> float:
    """How well the ink round a dot is the disc itself (IoU, within two pixels of its rim): the
    lines leaving it add little, where an arrowhead, whose core an opening leaves round too,
    spreads its barbs and tip outside the disc and leaves part of it empty."""
    reach = int(np.ceil(dot.radius)) + 2
    h, w = ink.shape
    y0, y1 = max(0, int(dot.y) - reach), min(h, int(dot.y) + reach + 1)
    x0, x1 = max(0, int(dot.x) - reach), min(w, int(dot.x) + reach + 1)
    ys, xs = np.ogrid[y0:y1, x0:x1]
    disc = np.hypot(ys - dot.y, xs - dot.x) <= dot.radius + 0.5
    window = ink[y0:y1, x0:x1].astype(bool)
    return float((window & disc).sum()) / max(float((window | disc).sum()), 1.0)


def erase_dots(rgb: np.ndarray, dots: Sequence[Dot], page: RGB) -> np.ndarray:
    """A copy of ``rgb`` with each dot painted over, column by column (see the module docstring)."""
    if not dots:
        return rgb
    out = rgb.copy()
    h, w = rgb.shape[:2]
    for dot in dots:
        reach = int(np.ceil(dot.radius)) + 1
        top, bottom = int(dot.y) - reach - 1, int(dot.y) + reach + 1
        if top < 0 or bottom >= h:
            continue
        for x in range(max(0, int(dot.x) - reach), min(w, int(dot.x) + reach + 1)):
            above, below = rgb[top, x], rgb[bottom, x]
            alike = colour_distance(above, below) < INK_DISTANCE
            out[top + 1 : bottom, x] = above if alike else page
    return out


def dotted_ends(connectors: Sequence[Connector], dots: Sequence[Dot]) -> list[Connector]:
    """``connectors`` with an oval head at each end that lies by a dot."""

    def by_a_dot(point: tuple[int, int]) -> bool:
        return any(np.hypot(point[0] - d.x, point[1] - d.y) <= d.radius + END_REACH for d in dots)

    marked = []
    for connector in connectors:
        if len(connector.points) >= 2 and by_a_dot(connector.points[0]):
            connector = replace(connector, head_source=True, kind_source=OVAL)
        if len(connector.points) >= 2 and by_a_dot(connector.points[-1]):
            connector = replace(connector, head_target=True, kind_target=OVAL)
        marked.append(connector)
    return marked

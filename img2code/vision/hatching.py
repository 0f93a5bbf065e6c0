"""Hatched fills painted solid: draw.io's sketch style fills a shape with parallel strokes.

A hand-drawn (``sketch=1``) shape is filled with thin strokes of its fill colour a few pixels
apart on the page colour. The shape finder needs areas of one colour, so each hatched area is
painted over with its strokes' colour first. The strokes are found by closing the ink along both
diagonals (the hatching's slant): between strokes the closing adds most of the pixels, along a
lone line or an outline almost none. Only the pixels that mix the page and the hatching colour
are painted, so outlines, lines and text keep theirs.
"""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np
from scipy import ndimage

from .colour import RGB, dominant_colour, far_from
from .geometry import Box, boxes_mask

INK = 16.0  # RGB distance from the page at which a pixel is drawn on
HATCH_GAP = 7  # pixels: the widest gap between two strokes of a hatching that is closed
WINDOW = 15  # pixels: the square in which the share of closed-in pixels is measured
DENSITY = 0.3  # share of that square the closing adds inside a hatching (a lone line adds ~0)
MIN_AREA = 400  # pixels of a hatched area; smaller ones are junctions of lines
SLANT_SHARE = 0.5  # what closing across the other diagonal adds in a hatching, at most, against the one
MIN_THICKNESS = 10  # pixels: the largest disc radius a hatched area holds at least (shapes, not lines)
MIX = 30.0  # RGB distance from the page-to-hatching colour segment of a pixel that blends the two


def _diagonals() -> list[np.ndarray]:
    """Line kernels along both diagonals, ``HATCH_GAP`` long."""
    down = np.eye(HATCH_GAP, dtype=np.uint8)
    return [down, np.ascontiguousarray(down[::-1])]


def _blends(pixels: np.ndarray, page: RGB, colour: RGB) -> np.ndarray:
    """Which pixels (N x 3) lie near the colour segment from the page to the hatching colour."""
    start, span = np.asarray(page, float), np.subtract(colour, page).astype(float)
    offset = pixels.astype(float) - start
    t = np.clip(offset @ span / max(float(span @ span), 1e-9), 0, 1)
    return np.asarray(np.linalg.norm(offset - t[:, None] * span, axis=1) < MIX)


def _hatching(area: np.ndarray, first: np.ndarray, second: np.ndarray) -> bool:
    """Whether a closed-in area is a hatching: strokes of one slant (closing across one diagonal
    adds far more than across the other; icons and line junctions fill either way) over a wide
    area (a thick line's two edges close in only a thin strip)."""
    ways = sorted((int((first & area).sum()), int((second & area).sum())))
    thickness = cv2.distanceTransform(np.pad(area, 1).astype(np.uint8), cv2.DIST_L2, 3).max()
    return ways[0] <= SLANT_SHARE * ways[1] and thickness >= MIN_THICKNESS


def unhatched(rgb: np.ndarray, page: RGB, text_boxes: Sequence[Box] = ()) -> np.ndarray:
    """``rgb`` with every hatched area painted in its strokes' colour (a copy; the input as it is
    when nothing is hatched)."""
    ink = far_from(rgb, page, INK) & ~boxes_mask(rgb.shape[:2], text_boxes)
    across = [
        cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool) & ~ink
        for kernel in _diagonals()
    ]
    added = across[0] | across[1]
    dense = cv2.blur(added.astype(np.float32), (WINDOW, WINDOW)) >= DENSITY
    areas, count = ndimage.label((ink | added) & dense)
    if count == 0:
        return rgb
    painted = rgb.copy()
    for index, window in enumerate(ndimage.find_objects(areas), start=1):
        if window is None:
            continue
        area = areas[window] == index
        strokes = area & ink[window]
        if (
            area.sum() < MIN_AREA
            or not strokes.any()
            or not _hatching(area, across[0][window], across[1][window])
        ):
            continue
        crop = painted[window]
        colour = dominant_colour(crop[strokes])
        blends = np.zeros(area.shape, bool)
        blends[area] = _blends(crop[area], page, colour)
        crop[blends] = colour
    return painted

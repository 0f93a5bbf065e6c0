"""UML frames: a box whose name sits in a tab cut off at its top left corner.

Sequence diagrams are drawn in one, and their combined fragments ("alt", "loop", "opt") are
others. draw.io draws them as ``shape=umlFrame``: the tab ``width`` x ``height`` px at the top
left, closed by a line across under the name, a short line down from the top and a 10 px cut
corner between them. ``shapes`` finds the frame's box; its name is read as a text in the box's
corner. Where ink closes that text off from the rest of the box (a line under it from the box's
left side, a line beside it from the box's top), the box is a frame named by the text. Like
draw.io's own frame it holds nothing: what lies in it stays where it is (``diagram.nest``).
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from .colour import RGB, far_from
from .geometry import Box
from .shapes import Shape

CORNER = 16  # pixels between a frame's corner and its name's text, at most
REACH_X, REACH_Y = 40, 20  # pixels past the name within which the tab's side and bottom are looked for
INK = 60.0  # RGB distance from the page at which a pixel is a tab's line
COVER = 0.9  # share of a tab line's run that is ink
MIN_SHARE = 4  # a frame is this many times its tab's area at least


def _line_down(ink: np.ndarray, top: int, bottom: int, xs: range) -> int | None:
    """The first column of ``xs`` whose pixels from ``top`` to ``bottom`` are (nearly) all ink."""
    if bottom - top < 2:
        return None
    for x in xs:
        if ink[top:bottom, x].mean() >= COVER:
            return x
    return None


def _line_across(ink: np.ndarray, left: int, right: int, ys: range) -> int | None:
    """The first row of ``ys`` whose pixels from ``left`` to ``right`` are (nearly) all ink."""
    if right - left < 2:
        return None
    for y in ys:
        if ink[y, left:right].mean() >= COVER:
            return y
    return None


def frame_tab(rgb: np.ndarray, page: RGB, box: Box, name: Box) -> tuple[int, int] | None:
    """The (width, height) of a UML frame's tab when ``name`` (a text's box) sits in a tab at the
    top left corner of ``box``, else None. The line under the name runs from the box's side to
    past the name's middle; the line beside it comes down from the box's top, half way at least
    (the cut corner takes the rest)."""
    if name.x0 - box.x0 > CORNER or name.y0 - box.y0 > CORNER or name.x1 >= box.x1 or name.y1 >= box.y1:
        return None
    height, width = rgb.shape[:2]
    # only the corner is read: coordinates from here on are from the box's top left corner
    right = min(name.x1 + REACH_X, box.x1 - 1, width) - box.x0
    low = min(name.y1 + REACH_Y, box.y1 - 1, height) - box.y0
    ink = far_from(rgb[box.y0 : box.y0 + low, box.x0 : box.x0 + right], page, INK)
    middle = round(name.center[0]) - box.x0
    bottom = _line_across(ink, 2, middle, range(max(name.y1 - box.y0, 0), low))  # a name above: the top edge
    if bottom is None:
        return None
    side = _line_down(ink, 2, bottom // 2, range(middle, right))
    if side is None:
        return None
    return (side, bottom) if MIN_SHARE * side * bottom <= box.area else None


def as_frame(shape: Shape, tab: tuple[int, int]) -> Shape:
    """``shape`` as a UML frame whose tab is ``tab`` (width in ``param``, height in ``tab_height``)."""
    return replace(shape, kind="frame", param=tab[0], tab_height=tab[1])

"""Sequence diagrams' activation bars and the messages between them.

What the generic shape finder and tracer get wrong there:

- a bar another bar is drawn over (a nested call: the inner bar a few pixels right, on top) is
  cut in two by it, its right side hidden; ``join_covered_bars`` makes the two pieces one bar
  again when the outer bar's left side runs on unbroken behind the inner one;
- two messages between the same two bars, one above the other, wall off a box of the page's
  colour with the bars' sides; ``drop_message_gaps`` drops such a box when each of its sides is a
  taller shape standing beside it (a real box's sides are its own: a class's sections lie inside
  their class, a table's cells are as tall as their neighbours);
- a message to a nested call reaches the outer bar's side first; ``onto_nested_bars`` gives the
  end to the nested bar;
- a line drawn across a bar (a frame's or fragment's border crossing a lifeline) cuts it into
  pieces one above the other; ``join_cut_bars`` makes them one bar.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from .colour import RGB, colour_distance, far_from
from .connectors import Connector
from .geometry import Box
from .shapes import Shape

log = logging.getLogger(__name__)

SLACK = 6  # pixels between a box's side and the shape beside it, or between aligned pieces
INK = 60.0  # RGB distance from the page at which a pixel is part of an outline
UNBROKEN = 0.9  # share of a side behind the covering bar that must be ink
BAR_SHARE = 0.25  # a bar is at most this wide against its height ...
MAX_BAR = 40  # ... and at most this many pixels wide (draw.io draws them 10 wide)
CUT = 3  # pixels between two pieces of a bar that a line crossing it cut apart, at most
CROSS_OFFSET = 3  # pixels beside a bar at which a line crossing it shows
PAGE_COLOUR = 8.0  # RGB distance under which a box is of the page's own colour


def _bar(shape: Shape, share: float = BAR_SHARE) -> bool:
    """Whether ``shape`` could be an activation bar: a tall narrow box (or, with a ``share``
    of 1, a narrow piece of one)."""
    narrow = shape.box.width <= min(MAX_BAR, share * shape.box.height)
    return shape.kind in ("rectangle", "note", "other") and narrow


def _cover(piece: Shape, shapes: Sequence[Shape]) -> tuple[Shape, bool] | None:
    """A bar drawn over ``piece``'s column right above it (True) or right below it (False)."""
    for other in shapes:
        box = other.box
        if other is piece or not _bar(other) or not piece.box.x0 < box.x0 < piece.box.x1:
            continue
        if abs(box.y1 - piece.box.y0) <= SLACK:
            return other, True
        if abs(box.y0 - piece.box.y1) <= SLACK:
            return other, False
    return None


def _side_end(ink: np.ndarray, x: int, y: int, step: int) -> int:
    """Where the unbroken run of ink in column ``x`` (one pixel either way) from row ``y`` ends."""
    column = np.asarray(ink[:, max(0, x - 1) : x + 2].any(axis=1))
    while 0 <= y + step < len(column) and column[y + step]:
        y += step
    return y


def _behind(ink: np.ndarray, piece: Shape, cover: Shape, above: bool) -> Box | None:
    """The whole bar ``piece`` is part of, when its left side runs on behind ``cover`` and on
    past it to a side across (its top or bottom); None when it stops at the cover."""
    box, x = piece.box, piece.box.x0
    if above:
        end = _side_end(ink, x, box.y0, -1)
        whole = Box(box.x0, end, box.x1, box.y1)
        past = end < cover.box.y0 - SLACK
    else:
        end = _side_end(ink, x, box.y1 - 1, 1)
        whole = Box(box.x0, box.y0, box.x1, end + 1)
        past = end > cover.box.y1 + SLACK
    across = ink[end, box.x0 : box.x1]
    return whole if past and across.size and across.mean() >= UNBROKEN else None


def _one_made_whole(ink: np.ndarray, shapes: list[Shape]) -> list[Shape] | None:
    """``shapes`` with the first bar found cut up by a nested bar made whole, or None if none is."""
    for piece in shapes:
        covered = _cover(piece, shapes) if _bar(piece, share=1.0) else None
        whole = _behind(ink, piece, *covered) if covered else None
        if whole is None:
            continue
        inside = Box(piece.inside.x0, whole.y0 + 1, piece.inside.x1, whole.y1 - 1)
        mask = np.ones((inside.height, inside.width), bool)
        bar = replace(piece, box=whole, inside=inside, mask=mask, kind="rectangle", fit=1.0, param=0)
        log.debug("activation bar %s whole behind a nested one", whole)
        return [s for s in shapes if not _same_column(s.box, whole)] + [bar]
    return None


def _same_column(box: Box, bar: Box) -> bool:
    """Whether ``box`` is a piece of ``bar``: as wide, and within it."""
    return abs(box.x0 - bar.x0) <= 1 and abs(box.x1 - bar.x1) <= 1 and bar.contains(box, 1)


def join_covered_bars(rgb: np.ndarray, shapes: Sequence[Shape], page: RGB) -> list[Shape]:
    """``shapes`` with each bar that a nested bar drawn over it cut up made whole again (the
    pieces of it that were found are dropped)."""
    ink = far_from(rgb, page, INK)
    result: list[Shape] | None = list(shapes)
    while result is not None:
        shapes, result = result, _one_made_whole(ink, result)
    return list(shapes)


def _crossed_between(ink: np.ndarray, upper: Box, lower: Box) -> bool:
    """Whether a line crosses the column of two bar pieces where one ends and the other starts:
    ink just left and just right of it at one row there."""
    h, w = ink.shape
    left, right = upper.x0 - CROSS_OFFSET, upper.x1 + CROSS_OFFSET - 1
    if left < 0 or right >= w:
        return False
    rows = range(max(0, upper.y1 - CUT), min(h, lower.y0 + CUT))
    return any(ink[y, left] and ink[y, right] for y in rows)


def _one_joined(ink: np.ndarray, shapes: list[Shape]) -> list[Shape] | None:
    """``shapes`` with the first two pieces of a bar that a crossing line cut apart made one, or
    None if there are none."""
    pieces = [s for s in shapes if _bar(s, share=1.0)]
    for upper in pieces:
        for lower in pieces:
            a, b = upper.box, lower.box
            aligned = abs(a.x0 - b.x0) <= 1 and abs(a.x1 - b.x1) <= 1 and -1 <= b.y0 - a.y1 <= CUT
            if lower is upper or not aligned or not _crossed_between(ink, a, b):
                continue
            whole = Box(min(a.x0, b.x0), a.y0, max(a.x1, b.x1), b.y1)
            inside = Box(whole.x0 + 1, whole.y0 + 1, whole.x1 - 1, whole.y1 - 1)
            mask = np.ones((inside.height, inside.width), bool)
            bar = replace(upper, box=whole, inside=inside, mask=mask, kind="rectangle", fit=1.0, param=0)
            if not _bar(bar):
                continue  # the pieces make no bar (corners of tiles meeting at a line)
            log.debug("activation bar %s whole across a line crossing it", whole)
            return [s for s in shapes if s is not upper and s is not lower] + [bar]
    return None


def join_cut_bars(rgb: np.ndarray, shapes: Sequence[Shape], page: RGB) -> list[Shape]:
    """``shapes`` with each bar that lines crossing it cut into pieces (a frame's border drawn
    across a lifeline's activation) made one bar again."""
    ink = far_from(rgb, page, INK)
    result: list[Shape] | None = list(shapes)
    while result is not None:
        shapes, result = result, _one_joined(ink, result)
    return sorted(shapes, key=lambda s: -s.box.area)


def _walled_by(box: Box, shapes: Sequence[Shape], left: bool) -> bool:
    """Whether a shape taller than ``box`` stands right beside its left (or right) side."""
    for other in shapes:
        edge = other.box.x1 - box.x0 if left else box.x1 - other.box.x0
        if abs(edge) > SLACK or not _bar(other):
            continue
        spans = other.box.y0 <= box.y0 + SLACK and other.box.y1 >= box.y1 - SLACK
        if spans and other.box.height > box.height:
            return True
    return False


def drop_message_gaps(shapes: Sequence[Shape], page: RGB) -> list[Shape]:
    """``shapes`` without the boxes of the page's colour that messages wall off between two bars."""
    kept = []
    for shape in shapes:
        gap = (
            shape.kind == "rectangle"
            and colour_distance(shape.fill, page) < PAGE_COLOUR
            and _walled_by(shape.box, shapes, left=True)
            and _walled_by(shape.box, shapes, left=False)
        )
        if gap:
            log.debug("%s is the gap between two messages, not a shape", shape.box)
        else:
            kept.append(shape)
    return kept


def _nested_on(bar: Shape, y: float, shapes: Sequence[Shape]) -> int | None:
    """The index of a bar drawn over ``bar`` at height ``y`` (a nested activation), if any."""
    for index, other in enumerate(shapes):
        box = other.box
        if other is not bar and _bar(other) and bar.box.x0 < box.x0 < bar.box.x1 and box.y0 <= y <= box.y1:
            return index
    return None


def onto_nested_bars(connectors: Sequence[Connector], shapes: Sequence[Shape]) -> list[Connector]:
    """``connectors`` with each end on a bar, at a height where a nested bar is drawn over it,
    moved to the nested bar: a message to or from a nested call is that call's."""

    def end_at(index: int, point: tuple[int, int]) -> int:
        nested = _nested_on(shapes[index], point[1], shapes) if _bar(shapes[index]) else None
        return index if nested is None else nested

    return [
        replace(c, source=end_at(c.source, c.points[0]), target=end_at(c.target, c.points[-1]))
        if c.points
        else c
        for c in connectors
    ]

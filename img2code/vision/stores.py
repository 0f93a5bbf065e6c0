"""Data stores: a data flow diagram's store, drawn as two parallel lines with its name between
them and no sides (draw.io's ``partialRectangle`` without left and right, or the iOS palette's
``horLines``).

``shapes`` finds no closed area there, so the name was a loose text and the lines were traced
as connectors running along it. Here two horizontal strokes that start and end together, with a
text between them and no side drawn, are one ``store`` shape: its name is its label and the lines
drawn to it end at it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np

from .boundaries import INK, Stroke, drawn, strokes
from .colour import RGB, dominant_colour, far_from
from .geometry import Box, boxes_mask
from .shapes import Shape, box_iou

log = logging.getLogger(__name__)

SAME_END = 4  # pixels by which the two lines' ends may differ
GAP = (20, 70)  # pixels between the two lines, least and most
JOINED = 0.8  # share of a store's height a line inside it covers when it joins its two lines
OUTLINE = 3  # pixels from a shape's top or bottom side within which a stroke is that side
SAME_SHAPE = 0.5  # IoU with a shape found already above which two lines are that shape's sides


def _on_outline(stroke: Stroke, shapes: Sequence[Shape]) -> bool:
    """Whether a stroke is the top or bottom side of a shape found already (two boxes one above
    the other, a label between them, are no store)."""
    return any(
        min(abs(stroke.at - s.box.y0), abs(stroke.at - s.box.y1 + 1)) <= OUTLINE
        and s.box.x0 - OUTLINE <= stroke.start
        and stroke.end <= s.box.x1 + OUTLINE
        for s in shapes
    )


def _joined(lines: np.ndarray, box: Box) -> bool:
    """Whether a line runs from the top stroke to the bottom one inside ``box`` (``lines``: the
    ink, texts left out): the two strokes are the sides of two boxes a connector joins, not a
    store's."""
    inner = lines[box.y0 + OUTLINE : box.y1 - OUTLINE, box.x0 : box.x1]
    return inner.size > 0 and bool((inner.mean(axis=0) >= JOINED).any())


def find_stores(
    rgb: np.ndarray, shapes: Sequence[Shape], page: RGB, text_boxes: Sequence[Box]
) -> list[Shape]:
    """``shapes`` and the data stores of the image: pairs of horizontal strokes, one right above
    the other with the same ends, a text between them and neither side drawn."""
    ink = far_from(rgb, page, INK)
    lines = ink & ~boxes_mask(ink.shape, text_boxes)
    rows = sorted(
        (s for s in strokes(ink, horizontal=True) if not _on_outline(s, shapes)), key=lambda s: s.at
    )
    result = list(shapes)
    for k, top in enumerate(rows):
        for bottom in rows[k + 1 :]:
            if bottom.at - top.at > GAP[1]:
                break
            if bottom.at - top.at < GAP[0]:
                continue
            if abs(bottom.start - top.start) > SAME_END or abs(bottom.end - top.end) > SAME_END:
                continue
            box = Box(min(top.start, bottom.start), top.at, max(top.end, bottom.end) + 1, bottom.at + 1)
            if drawn(ink, False, box.x0, box.y0, box.y1) or drawn(ink, False, box.x1 - 1, box.y0, box.y1):
                break  # a box's sides: a rectangle (found as one, or a table's rules)
            if not any(box.holds(*t.center) for t in text_boxes):
                break
            if _joined(lines, box):
                break  # a line between two boxes' sides, its label beside it
            if any(box_iou(box, s.box) > SAME_SHAPE for s in result):
                break
            line = rgb[top.at, box.x0 : box.x1][ink[top.at, box.x0 : box.x1]]
            stroke = dominant_colour(line) if len(line) else (0, 0, 0)
            width = max(1, int(ink[top.at - 2 : top.at + 3, (box.x0 + box.x1) // 2].sum()))
            mask = np.ones((box.height, box.width), bool)
            result.append(Shape(box, "store", page, stroke, width, box, mask, 1.0))
            log.debug("a data store: %s", box)
            break  # the nearest line under ``top`` only
    return sorted(result, key=lambda s: -s.box.area)

"""Columns under a header bar: a filled bar with a list of texts under it and no box drawn round
them (a PEST or SWOT template's columns, a board's lists: draw.io's stacked swimlanes whose body
has no outline).

The shape finder sees the bar alone and the texts as loose text nodes lying under it; moving the
bar in the editor then leaves its column behind. Here the bar becomes a swimlane reaching down to
the last text of its column (its title bar the bar itself, its body unfilled and unframed) and
its texts rows of it, as draw.io's stacked lists are; ``diagram.nest`` makes them its children.
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from typing import TYPE_CHECKING

from .geometry import Box

if TYPE_CHECKING:
    from .diagram import Node

BAR_RATIO = 3.0  # a header bar is at least this many times as wide as it is tall ...
BAR_HEIGHT = (12, 60)  # ... and this many pixels tall
MIN_ITEMS = 2  # texts under a bar, at least, for a column
ITEM_GAP = 2.0  # heights of a text, at most, between it and the one above it (or the bar)
CENTRED = 0.05  # share of the bar's width by which a text's middle may stray left of the bar's and be centred
ITEM_SLACK = 12  # pixels by which a text's box may reach up over the bar


def _column(bar: Node, nodes: list[Node]) -> list[Node]:
    """The text nodes stacked under ``bar`` within its width, top down, until a gap."""
    under = sorted(
        (
            n
            for n in nodes
            if n.shape is None
            and not n.row
            and n.box.y0 >= bar.box.y1 - ITEM_SLACK
            and bar.box.x0 <= n.box.center[0] < bar.box.x1
        ),
        key=lambda n: n.box.y0,
    )
    column: list[Node] = []
    bottom = bar.box.y1
    for text in under:
        if text.box.y0 - bottom > ITEM_GAP * text.box.height:
            break
        column.append(text)
        bottom = max(bottom, text.box.y1)
    return column


def _free(box: Box, bar: Node, nodes: list[Node], column: list[Node]) -> bool:
    """Whether nothing but the column's texts lies in ``box`` (no shape, no other text: a body
    drawn by nothing holds nothing else)."""
    return not any(n is not bar and n not in column and box.holds(*n.box.center) for n in nodes)


def find_columns(nodes: list[Node]) -> None:
    """Make each header bar with a column of texts under it a swimlane holding them."""
    for bar in nodes:
        shape = bar.shape
        if shape is None or shape.kind != "rectangle" or bar.parent is not None:
            continue
        width, height = bar.box.width, bar.box.height
        if width < BAR_RATIO * height or not BAR_HEIGHT[0] <= height <= BAR_HEIGHT[1]:
            continue
        column = _column(bar, nodes)
        if len(column) < MIN_ITEMS:
            continue
        box = Box(bar.box.x0, bar.box.y0, bar.box.x1, max(n.box.y1 for n in column))
        if not _free(box, bar, nodes, column):
            continue
        rows = _rows(bar.box, column)
        box = Box(bar.box.x0, bar.box.y0, bar.box.x1, rows[-1].y1)
        bar.shape = replace(shape, kind="swimlane", param=height, stroke=None, body_fill=None, box=box)
        bar.box = box
        middle = (bar.box.x0 + bar.box.x1) / 2
        for text, row in zip(column, rows, strict=True):
            left = text.box.center[0] < middle - CENTRED * bar.box.width
            text.box, text.row, text.align = row, True, "left" if left else "center"


def _rows(bar: Box, column: list[Node]) -> list[Box]:
    """The rows the column's texts fill, as a stacked swimlane's rows: the bar's width, one text
    pitch tall (the distance from the bar to the first text's middle, doubled, for one text)."""
    middles = [n.box.center[1] for n in column]
    steps = [b - a for a, b in itertools.pairwise(middles)]
    pitch = sorted(steps)[len(steps) // 2] if steps else 2 * (middles[0] - bar.y1)
    rows = []
    top = bar.y1
    for middle in middles:
        bottom = round(middle + pitch / 2)
        rows.append(Box(bar.x0, top, bar.x1, max(bottom, top + 1)))
        top = rows[-1].y1
    return rows

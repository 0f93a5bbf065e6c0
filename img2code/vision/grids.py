"""Ruled grids: tables drawn with lines.

A bordered table (``border-collapse``) is drawn as horizontal lines across its whole width and
vertical lines down its whole height. Found among a page's regions, its lines stop being boxes of
their own (pairs of them read as nested frames, which laid its cells over each other) and the
grid says where its rows and columns are; ``vision.structure`` writes it as a table.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

from .colour import RGB
from .geometry import Box
from .regions import Region

LINE_PX = 3  # a line at most this thick
LINE_SLACK = 3  # px by which the ends of a grid's lines may miss its edges
MIN_LINES = 3  # lines each way: two sides and one between (two rows, two columns at least)
MIN_CELL = 12  # px: the least height of a row and width of a column


@dataclass(frozen=True)
class Grid:
    """A table of ``rows`` (y of each line, top to bottom) and ``columns`` (x of each line, left
    to right), drawn in ``colour`` ``width`` px thick."""

    rows: tuple[int, ...]
    columns: tuple[int, ...]
    colour: RGB
    width: int

    @property
    def box(self) -> Box:
        return Box(self.columns[0], self.rows[0], self.columns[-1] + self.width, self.rows[-1] + self.width)

    @cached_property
    def cells(self) -> list[list[Box]]:
        """Each row's cells, inside the lines around them (worked out once per grid)."""
        w = self.width
        return [
            [Box(x0 + w, y0 + w, x1, y1) for x0, x1 in itertools.pairwise(self.columns)]
            for y0, y1 in itertools.pairwise(self.rows)
        ]

    def cell_of(self, box: Box) -> tuple[int, int] | None:
        """The (row, column) of the cell ``box`` lies in, or None when it crosses a line."""
        for r, row in enumerate(self.cells):
            for c, cell in enumerate(row):
                if cell.contains(box, slack=LINE_SLACK):
                    return r, c
        return None


def _by_span(lines: Sequence[Region], axis: int) -> list[list[Region]]:
    """Lines (horizontal: ``axis`` 0, spans along x) grouped by the span they run along."""
    groups: list[list[Region]] = []
    for line in sorted(lines, key=lambda r: (r.box.x0, r.box.y0) if axis == 0 else (r.box.y0, r.box.x0)):
        lo, hi = (line.box.x0, line.box.x1) if axis == 0 else (line.box.y0, line.box.y1)
        for group in groups:
            first = group[0].box
            g_lo, g_hi = (first.x0, first.x1) if axis == 0 else (first.y0, first.y1)
            if abs(lo - g_lo) <= LINE_SLACK and abs(hi - g_hi) <= LINE_SLACK:
                group.append(line)
                break
        else:
            groups.append([line])
    return groups


def find_grids(regions: Sequence[Region], texts: Sequence[Box]) -> tuple[list[Grid], list[Region]]:
    """The ruled grids among ``regions``, and the regions that are not their lines.

    A grid is three or more vertical lines of one height, two of them its sides, and three or more
    horizontal lines across all of them, two of them its top and bottom (other lines of that width
    elsewhere on the page are not its own); every text it touches lies inside one cell (a text
    across a line is a table with joined cells, or no table)."""
    flat = [r for r in regions if r.kind == "panel" and r.box.height <= LINE_PX and r.box.width > LINE_PX]
    thin = [r for r in regions if r.kind == "panel" and r.box.width <= LINE_PX and r.box.height > LINE_PX]
    grids: list[Grid] = []
    used: set[int] = set()
    for across in _by_span(flat, 0):
        if len(across) < MIN_LINES:
            continue
        x0, x1 = across[0].box.x0, across[0].box.x1
        inside = [r for r in thin if x0 - LINE_SLACK <= r.box.x0 and r.box.x1 <= x1 + LINE_SLACK]
        for down in _by_span(inside, 1):
            grid = _grid(across, down, texts)
            if grid is not None and not any(id(r) in used for r in down):
                grids.append(grid)
                y0, y1 = grid.rows[0], grid.rows[-1]
                used.update(id(r) for r in (*down, *(r for r in across if y0 <= r.box.y0 <= y1)))
    return grids, [r for r in regions if id(r) not in used]


def _grid(across: list[Region], down: list[Region], texts: Sequence[Box]) -> Grid | None:
    """The grid that the vertical lines ``down`` (of one height) make with the horizontal lines
    ``across`` (of one width) between their ends, when they make one."""
    x0, x1 = across[0].box.x0, across[0].box.x1
    y0, y1 = down[0].box.y0, down[0].box.y1
    rows = [r for r in across if y0 - LINE_SLACK <= r.box.y0 and r.box.y1 <= y1 + LINE_SLACK]
    if len(down) < MIN_LINES or len(rows) < MIN_LINES:
        return None
    left, right = min(down, key=lambda r: r.box.x0), max(down, key=lambda r: r.box.x1)
    top, bottom = min(rows, key=lambda r: r.box.y0), max(rows, key=lambda r: r.box.y1)
    if (
        max(abs(left.box.x0 - x0), abs(right.box.x1 - x1), abs(top.box.y0 - y0), abs(bottom.box.y1 - y1))
        > LINE_SLACK
    ):
        return None  # its sides, top and bottom are lines of it
    xs = sorted({r.box.x0 for r in down})
    ys = sorted({r.box.y0 for r in rows})
    if (
        min(b - a for a, b in itertools.pairwise(xs)) < MIN_CELL
        or min(b - a for a, b in itertools.pairwise(ys)) < MIN_CELL
    ):
        return None
    width = max(1, round(sum(r.box.height for r in rows) / len(rows)))
    grid = Grid(tuple(ys), tuple(xs), rows[0].colour, width)
    if any(grid.cell_of(t) is None for t in texts if t.intersection(grid.box) > 0):
        return None
    return grid

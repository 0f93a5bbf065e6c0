"""Axis-aligned pixel boxes, the one shape every vision step speaks, and runs of pixels along a line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np


def runs(values: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of True in a 1-D boolean array."""
    edges = np.flatnonzero(np.diff(np.concatenate([[0], values.astype(np.int8), [0]])))
    return list(zip(edges[::2].tolist(), edges[1::2].tolist(), strict=True))


@dataclass(frozen=True)
class Box:
    """A pixel rectangle; ``x1`` and ``y1`` are exclusive, as in numpy slices."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0

    @property
    def area(self) -> int:
        return max(0, self.width) * max(0, self.height)

    @property
    def center(self) -> tuple[float, float]:
        return (self.x0 + self.x1) / 2, (self.y0 + self.y1) / 2

    def intersection(self, other: Box) -> int:
        """Area shared with ``other``."""
        w = min(self.x1, other.x1) - max(self.x0, other.x0)
        h = min(self.y1, other.y1) - max(self.y0, other.y0)
        return max(0, w) * max(0, h)

    def gap(self, other: Box) -> float:
        """The distance to ``other`` (0 when they overlap)."""
        dx = max(self.x0 - other.x1, other.x0 - self.x1, 0)
        dy = max(self.y0 - other.y1, other.y0 - self.y1, 0)
        return float(np.hypot(dx, dy))

    def holds(self, x: float, y: float) -> bool:
        """Whether the point (x, y) lies in this box (its right and bottom edges excluded)."""
        return self.x0 <= x < self.x1 and self.y0 <= y < self.y1

    def contains(self, other: Box, slack: int = 0) -> bool:
        """Whether ``other`` lies inside this box, allowing ``slack`` pixels of overhang."""
        return (
            other.x0 >= self.x0 - slack
            and other.y0 >= self.y0 - slack
            and other.x1 <= self.x1 + slack
            and other.y1 <= self.y1 + slack
        )

    def shifted(self, dx: int, dy: int) -> Box:
        return Box(self.x0 + dx, self.y0 + dy, self.x1 + dx, self.y1 + dy)

    def clipped(self, width: int, height: int) -> Box:
        """This box cut to an image of ``width`` x ``height``."""
        return Box(max(0, self.x0), max(0, self.y0), min(width, self.x1), min(height, self.y1))


def boxes_mask(shape: tuple[int, int], boxes: Iterable[Box], pad: int = 0) -> np.ndarray:
    """A (height, width) mask covering ``boxes``, each grown by ``pad`` pixels (cut at the image)."""
    mask = np.zeros(shape, bool)
    for b in boxes:
        mask[max(0, b.y0 - pad) : b.y1 + pad, max(0, b.x0 - pad) : b.x1 + pad] = True
    return mask


def inscribed_ellipse(box: Box, grid: Box) -> np.ndarray:
    """A (grid.height, grid.width) mask of the ellipse inscribed in ``box``, over the pixels of ``grid``."""
    ys, xs = np.ogrid[grid.y0 : grid.y1, grid.x0 : grid.x1]
    across = (xs - (box.x0 + box.x1 - 1) / 2) / (box.width / 2)
    down = (ys - (box.y0 + box.y1 - 1) / 2) / (box.height / 2)
    return np.asarray(across**2 + down**2 <= 1)

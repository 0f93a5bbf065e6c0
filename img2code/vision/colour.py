"""Colour measures shared by the vision steps: dominant colours and the page's backdrop."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .geometry import Box

RGB = tuple[int, int, int]

QUANT_SHIFT = 3  # drop 3 low bits: 32 levels per channel, steady on antialiased edges
GRADIENT_MIN_SPAN = 12.0  # RGB distance across the page below which a backdrop counts as flat
GRADIENT_TOLERANCE = 12.0  # RGB distance within which a frame pixel fits the fitted gradient


def css_hex(colour: RGB) -> str:
    """CSS (and draw.io) hex notation of an RGB colour: ``#rrggbb``."""
    return "#{:02x}{:02x}{:02x}".format(*colour)


def colour_distance(a: Sequence[float], b: Sequence[float]) -> float:
    """Euclidean distance in RGB."""
    return float(np.linalg.norm(np.asarray(a, dtype=float) - np.asarray(b, dtype=float)))


def far_from(rgb: np.ndarray, colour: Sequence[float] | np.ndarray, distance: float) -> np.ndarray:
    """Which pixels of ``rgb`` (H x W x 3) lie farther than ``distance`` (RGB) from ``colour``: one
    colour, or one per pixel (H x W x 3, what each pixel is drawn on); a bool mask (H x W)."""
    away: np.ndarray = np.linalg.norm(rgb.astype(np.float32) - np.asarray(colour, np.float32), axis=2)
    return away > distance


def quantised(rgb: np.ndarray) -> np.ndarray:
    """One integer per pixel naming its colour at 32 levels per channel."""
    q = (rgb >> QUANT_SHIFT).astype(np.int32)
    return (q[..., 0] << 10) | (q[..., 1] << 5) | q[..., 2]


def dominant_colour(pixels: np.ndarray) -> RGB:
    """The median colour of the most common quantised colour among ``pixels`` (any shape x 3)."""
    flat = pixels.reshape(-1, 3)
    keys = quantised(flat)
    top = np.bincount(keys).argmax()
    r, g, b = np.median(flat[keys == top], axis=0)
    return int(r), int(g), int(b)


def strongest(pixels: np.ndarray, under: Sequence[float] | np.ndarray) -> RGB:
    """The colour of ink's cores: the median of the ``pixels`` (N x 3) farthest from what they are
    drawn on (``under``: one colour, or one per pixel), as anti-aliased edges blend the ink with it
    (glyphs, a thin slanted line)."""
    far = np.linalg.norm(pixels.astype(float) - np.asarray(under, dtype=float), axis=1)
    core = pixels[far >= np.percentile(far, 90)]
    r, g, b = np.median(core, axis=0)
    return int(r), int(g), int(b)


def _frame(rgb: np.ndarray, width: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Pixel coordinates (N x 2, x then y) and colours (N x 3) of a frame around the image."""
    h, w = rgb.shape[:2]
    mask = np.zeros((h, w), dtype=bool)
    mask[:width] = mask[-width:] = True
    mask[:, :width] = mask[:, -width:] = True
    ys, xs = np.nonzero(mask)
    return np.stack([xs, ys], axis=1).astype(float), rgb[ys, xs].astype(float)


@dataclass(frozen=True)
class Backdrop:
    """What the page is painted with under everything: a flat colour or a linear gradient.

    ``colour`` is the dominant colour of the image's frame (what a blank page would show);
    ``plane`` (3 x 3: per channel offset, x slope, y slope) is set when the frame is a gradient.
    """

    colour: RGB
    width: int
    height: int
    plane: np.ndarray | None = None

    def at(self, box: Box) -> RGB:
        """The backdrop's colour in the middle of ``box``."""
        if self.plane is None:
            return self.colour
        x, y = box.center
        return self._value(x, y)

    def pixels(self) -> np.ndarray:
        """The backdrop as an image (height x width x 3, float)."""
        if self.plane is None:
            return np.broadcast_to(np.array(self.colour, dtype=float), (self.height, self.width, 3)).copy()
        ys, xs = np.mgrid[0 : self.height, 0 : self.width]
        planes = [self.plane[c, 0] + self.plane[c, 1] * xs + self.plane[c, 2] * ys for c in range(3)]
        return np.clip(np.stack(planes, axis=2), 0, 255)

    def _value(self, x: float, y: float) -> RGB:
        assert self.plane is not None
        r, g, b = np.clip(self.plane @ np.array([1.0, x, y]), 0, 255).round()
        return int(r), int(g), int(b)

    def css(self) -> str:
        """A CSS ``background`` value drawing the backdrop."""
        if self.plane is None:
            return css_hex(self.colour)
        luma = np.array([0.299, 0.587, 0.114]) @ self.plane[:, 1:]
        angle = math.atan2(luma[0], -luma[1])  # CSS: 0deg points up, 90deg right
        dx, dy = math.sin(angle), -math.cos(angle)
        half = (abs(self.width * dx) + abs(self.height * dy)) / 2
        cx, cy = self.width / 2, self.height / 2
        start = self._value(cx - dx * half, cy - dy * half)
        end = self._value(cx + dx * half, cy + dy * half)
        return f"linear-gradient({math.degrees(angle) % 360:.0f}deg, {css_hex(start)}, {css_hex(end)})"


def backdrop(rgb: np.ndarray) -> Backdrop:
    """The page backdrop: flat if one colour owns the frame, else a fitted linear gradient if one fits."""
    h, w = rgb.shape[:2]
    points, colours = _frame(rgb)
    colour = dominant_colour(colours.astype(np.uint8))
    if np.mean(np.linalg.norm(colours - np.array(colour), axis=1) < GRADIENT_TOLERANCE) >= 0.6:
        return Backdrop(colour, w, h)
    design = np.column_stack([np.ones(len(points)), points])
    keep = np.ones(len(points), dtype=bool)
    for _ in range(3):  # least squares, then refit on the pixels that fit (bars and logos do not)
        plane = np.linalg.lstsq(design[keep], colours[keep], rcond=None)[0].T
        keep = np.linalg.norm(design @ plane.T - colours, axis=1) < GRADIENT_TOLERANCE
        if keep.sum() < 0.6 * len(points):
            return Backdrop(colour, w, h)
    corners = np.array([[1, 0, 0], [1, w, 0], [1, 0, h], [1, w, h]], dtype=float) @ plane.T
    span = max(colour_distance(a, b) for a in corners for b in corners)
    return Backdrop(colour, w, h, plane if span >= GRADIENT_MIN_SPAN else None)

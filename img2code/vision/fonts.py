"""Reference fonts: the faces pages are rebuilt with, drawn by Pillow to measure text against.

Each face names a CSS font stack and the font files (free, metric-compatible) that Chromium
draws that stack with on Linux, so a measurement made on a Pillow drawing holds in the browser.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from PIL import Image, ImageDraw, ImageFont

log = logging.getLogger(__name__)

REF_SIZE = 32  # px at which reference drawings are made


@dataclass(frozen=True)
class Face:
    """A font family as CSS names it, with the font files that draw it on this machine."""

    css: str
    regular: tuple[str, ...]
    bold: tuple[str, ...]


# The first face is the default; the others are chosen only when they match the pixels better.
# The files are the metric-compatible free fonts Chromium substitutes for the CSS names.
FACES = (
    Face(
        "Arial, Helvetica, sans-serif",
        ("LiberationSans-Regular.ttf", "Arial.ttf"),
        ("LiberationSans-Bold.ttf", "Arial Bold.ttf"),
    ),
    Face(
        '"DejaVu Sans", Verdana, sans-serif',
        ("DejaVuSans.ttf", "Verdana.ttf"),
        ("DejaVuSans-Bold.ttf", "Verdana Bold.ttf"),
    ),
    Face(
        '"Times New Roman", Times, serif',
        ("LiberationSerif-Regular.ttf", "Times New Roman.ttf"),
        ("LiberationSerif-Bold.ttf", "Times New Roman Bold.ttf"),
    ),
    Face(
        '"DejaVu Serif", Georgia, serif',
        ("DejaVuSerif.ttf", "Georgia.ttf"),
        ("DejaVuSerif-Bold.ttf", "Georgia Bold.ttf"),
    ),
    Face(
        '"DejaVu Sans Mono", Menlo, Consolas, monospace',
        ("DejaVuSansMono.ttf", "Menlo.ttc"),
        ("DejaVuSansMono-Bold.ttf", "Menlo.ttc"),
    ),
    Face(
        '"Courier New", Courier, monospace',
        ("LiberationMono-Regular.ttf", "Courier New.ttf"),
        ("LiberationMono-Bold.ttf", "Courier New Bold.ttf"),
    ),
)


@lru_cache(maxsize=16)
def load(face: Face, bold: bool) -> ImageFont.FreeTypeFont | None:
    """The face's font file at REF_SIZE, or None where it is not installed."""
    for name in face.bold if bold else face.regular:
        try:
            return ImageFont.truetype(name, REF_SIZE)
        except OSError:
            continue
    return None


def available() -> list[tuple[Face, bool, ImageFont.FreeTypeFont]]:
    """Every installed (face, bold, font) to compare text with."""
    found = [(face, bold, font) for face in FACES for bold in (False, True) if (font := load(face, bold))]
    if not found:
        log.warning("none of the reference fonts (Liberation, DejaVu) is installed; text will be skipped")
    return found


@lru_cache(maxsize=16)
def font_metrics(face: Face) -> tuple[float, float]:
    """Ascent and descent of ``face`` in ems: where the browser puts its baseline in a line box."""
    regular = load(face, False)
    if regular is None:
        return 0.905, 0.212  # Arial's
    ascent, descent = regular.font_variant(size=1000).getmetrics()  # large: whole pixels are fine
    return ascent / 1000, descent / 1000


@lru_cache(maxsize=8192)
def drawing(font: ImageFont.FreeTypeFont, text: str) -> tuple[tuple[float, float, float, float], np.ndarray]:
    """Ink extent and coverage of ``text`` drawn at REF_SIZE (cached: pages repeat words).

    The extent (left, top, right, bottom) is measured on the drawing as on the source, relative
    to the pen's start on the baseline; Pillow's own bounding box leaves out side bearings.
    """
    left, top, right, bottom = font.getbbox(text, anchor="ls")
    pad = 4
    origin_x, origin_y = pad - left, pad - top
    canvas = Image.new("L", (int(right - left) + 2 * pad, int(bottom - top) + 2 * pad))
    ImageDraw.Draw(canvas).text((origin_x, origin_y), text, font=font, fill=255, anchor="ls")
    coverage = np.asarray(canvas, dtype=float) / 255
    if not coverage.any():
        return (0.0, -1.0, 1.0, 0.0), np.zeros((1, 1))
    x0, x1 = edges(coverage.max(axis=0))
    y0, y1 = edges(coverage.max(axis=1))
    crop = coverage[int(y0) : int(np.ceil(y1)), int(x0) : int(np.ceil(x1))]
    return (x0 - origin_x, y0 - origin_y, x1 - origin_x, y1 - origin_y), crop


def edges(profile: np.ndarray) -> tuple[float, float]:
    """Where ink starts and ends along a coverage profile, to a fraction of a pixel.

    An edge crossing a pixel covers it partly, so the outermost inked pixel's coverage says how
    far into it the edge lies.
    """
    inked = np.flatnonzero(profile > 0.05)
    first, last = int(inked[0]), int(inked[-1])
    return first + 1 - float(profile[first]), last + float(profile[last])

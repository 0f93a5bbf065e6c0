"""Offline OCR with rapidocr: text lines with their boxes, words and confidence.

The engine is built once per process (lazily, so importing img2code stays fast). Tall
screenshots are read in overlapping horizontal strips: rapidocr would otherwise shrink the whole
page to 2000 px on its long side and lose small text.

Memory stays bounded whatever the shape: a page wider than rapidocr reads is shrunk once, up front,
to the width rapidocr would shrink each strip to anyway, and a strip far thinner than it is long is
padded, since rapidocr enlarges a strip's short side to 736 px (a 20x1000 strip became 736x36800).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import cv2
import numpy as np

from .geometry import Box

log = logging.getLogger(__name__)

STRIP_HEIGHT = 1536  # rows per OCR pass; rapidocr keeps images up to 2000 px unscaled
STRIP_OVERLAP = 160  # rows shared by neighbouring strips, more than a line of large text
MAX_WIDTH = 2000  # rapidocr's own max_side_len: it shrinks any wider strip to this
MAX_ASPECT = 8  # a strip longer than 8 times its short side is padded to 4:1, as rapidocr pads wide ones


@dataclass(frozen=True)
class Word:
    """One word of a line; its box comes from the recogniser's character positions (approximate)."""

    text: str
    box: Box


@dataclass(frozen=True)
class TextLine:
    """One detected line of text in image coordinates."""

    text: str
    box: Box
    confidence: float
    words: tuple[Word, ...]


@lru_cache(maxsize=1)
def _engine() -> Any:
    """The shared rapidocr engine (models ship inside the wheel; nothing is downloaded)."""
    from rapidocr import RapidOCR

    log.debug("loading rapidocr")
    # Screenshots are upright: the rotation classifier only costs time.
    return RapidOCR(params={"Global.use_cls": False, "Global.log_level": "warning"})


def _poly_box(poly: Any, dy: int, scale: float) -> Box:
    """The page box of a polygon found ``dy`` rows down an image shrunk ``scale`` times."""
    pts = np.asarray(poly, dtype=float)
    xs, ys = pts[:, 0] / scale, (pts[:, 1] + dy) / scale
    return Box(
        int(np.floor(xs.min())), int(np.floor(ys.min())), int(np.ceil(xs.max())), int(np.ceil(ys.max()))
    )


def _padded(strip: np.ndarray) -> np.ndarray:
    """``strip`` padded to 4:1 (right or bottom, in its edge's colour) when it is thinner than 1:8."""
    height, width = strip.shape[:2]
    if max(height, width) <= MAX_ASPECT * min(height, width):
        return strip
    edge = strip[-1] if height < width else strip[:, -1]
    padded = np.empty((max(height, -(-width // 4)), max(width, -(-height // 4)), 3), np.uint8)
    padded[:] = np.median(edge, axis=0)
    padded[:height, :width] = strip
    return padded


def _read_strip(rgb: np.ndarray, dy: int, scale: float) -> list[TextLine]:
    """OCR one strip of an image shrunk ``scale`` times; boxes come back in page coordinates."""
    bgr = np.ascontiguousarray(_padded(rgb)[:, :, ::-1])
    # The engine keeps the steps of its last call: each call names its own.
    result = _engine()(bgr, use_det=True, use_cls=False, use_rec=True, return_word_box=True)
    if result.boxes is None or result.txts is None:
        return []
    lines = []
    for poly, text, score, words in zip(
        result.boxes, result.txts, result.scores, result.word_results, strict=True
    ):
        text = text.strip()
        if not any(ch.isalnum() for ch in text):
            continue  # rules, bars and bullets read as "_", "|" or "-"
        word_list = tuple(
            Word(w[0], _poly_box(w[2], dy, scale)) for w in words if w[2] is not None and w[0].strip()
        )
        lines.append(TextLine(text, _poly_box(poly, dy, scale), float(score), word_list))
    return lines


def read_text(rgb: np.ndarray, min_confidence: float = 0.5) -> list[TextLine]:
    """Text lines of an RGB image (H x W x 3 uint8), top to bottom then left to right."""
    height, width = rgb.shape[:2]
    scale = min(1.0, MAX_WIDTH / width)
    if scale < 1.0:  # rapidocr would shrink every strip as much: shrinking first reads the same text
        size = (MAX_WIDTH, max(1, round(height * scale)))
        rgb = cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)
        log.debug("OCR reads %dx%d as %dx%d", width, height, *size)
    rows = rgb.shape[0]
    lines: list[TextLine] = []
    start = 0
    while True:
        end = min(rows, start + STRIP_HEIGHT)
        # Each strip owns the rows between the middles of its overlaps with its neighbours.
        own_top = 0 if start == 0 else (start + STRIP_OVERLAP // 2) / scale
        own_bottom = height if end == rows else (end - STRIP_OVERLAP // 2) / scale
        for line in _read_strip(rgb[start:end], start, scale):
            if own_top <= line.box.center[1] < own_bottom and line.confidence >= min_confidence:
                lines.append(replace(line, box=line.box.clipped(width, height)))
        if end == rows:
            break
        start = end - STRIP_OVERLAP
    lines.sort(key=lambda ln: (ln.box.y0, ln.box.x0))
    log.debug("OCR found %d lines in %dx%d", len(lines), width, height)
    return lines


def recognise(rgb: np.ndarray) -> tuple[str, float]:
    """The text of one small image holding a single word, read by the recogniser alone (no
    detection: its detector passes over lone glyphs such as "1" or "*"); with its confidence."""
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    result = _engine()(bgr, use_det=False, use_cls=False, use_rec=True)
    if not result.txts:
        return "", 0.0
    return str(result.txts[0]).strip(), float(result.scores[0])

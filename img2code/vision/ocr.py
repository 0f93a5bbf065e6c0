"""Offline OCR with rapidocr: text lines with their boxes, words and confidence.

The engine is built once per process (lazily, so importing img2code stays fast). Tall
screenshots are read in overlapping horizontal strips: rapidocr would otherwise shrink the whole
page to 2000 px on its long side and lose small text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np

from .geometry import Box

log = logging.getLogger(__name__)

STRIP_HEIGHT = 1536  # rows per OCR pass; rapidocr keeps images up to 2000 px unscaled
STRIP_OVERLAP = 160  # rows shared by neighbouring strips, more than a line of large text


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


def _poly_box(poly: Any, dy: int) -> Box:
    pts = np.asarray(poly, dtype=float)
    return Box(
        int(np.floor(pts[:, 0].min())),
        int(np.floor(pts[:, 1].min())) + dy,
        int(np.ceil(pts[:, 0].max())),
        int(np.ceil(pts[:, 1].max())) + dy,
    )


def _read_strip(rgb: np.ndarray, dy: int) -> list[TextLine]:
    """OCR one strip; boxes are shifted down by ``dy`` into page coordinates."""
    bgr = np.ascontiguousarray(rgb[:, :, ::-1])
    result = _engine()(bgr, return_word_box=True)
    if result.boxes is None or result.txts is None:
        return []
    lines = []
    for poly, text, score, words in zip(
        result.boxes, result.txts, result.scores, result.word_results, strict=True
    ):
        text = text.strip()
        if not any(ch.isalnum() for ch in text):
            continue  # rules, bars and bullets read as "_", "|" or "-"
        word_list = tuple(Word(w[0], _poly_box(w[2], dy)) for w in words if w[2] is not None and w[0].strip())
        lines.append(TextLine(text, _poly_box(poly, dy), float(score), word_list))
    return lines


def read_text(rgb: np.ndarray, min_confidence: float = 0.5) -> list[TextLine]:
    """Text lines of an RGB image (H x W x 3 uint8), top to bottom then left to right."""
    height, width = rgb.shape[:2]
    lines: list[TextLine] = []
    start = 0
    while True:
        end = min(height, start + STRIP_HEIGHT)
        # Each strip owns the rows between the middles of its overlaps with its neighbours.
        own_top = 0 if start == 0 else start + STRIP_OVERLAP // 2
        own_bottom = height if end == height else end - STRIP_OVERLAP // 2
        for line in _read_strip(rgb[start:end], start):
            if own_top <= line.box.center[1] < own_bottom and line.confidence >= min_confidence:
                lines.append(replace(line, box=line.box.clipped(width, height)))
        if end == height:
            break
        start = end - STRIP_OVERLAP
    lines.sort(key=lambda ln: (ln.box.y0, ln.box.x0))
    log.debug("OCR found %d lines in %dx%d", len(lines), width, height)
    return lines

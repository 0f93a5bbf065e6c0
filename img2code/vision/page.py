"""Read a screenshot into what the classic page emitter needs: page colour, painted regions, text runs."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from .colour import Backdrop, backdrop
from .ocr import read_text
from .regions import Region, find_regions
from .style import TextRun, text_runs


@dataclass
class Layout:
    """What the classic backend saw in a screenshot: page colour, painted regions, text runs."""

    width: int
    height: int
    background: Backdrop
    regions: list[Region]
    runs: list[TextRun]
    timings: dict[str, float] = field(default_factory=dict)


def analyse(rgb: np.ndarray) -> Layout:
    """Read a screenshot (H x W x 3 uint8) into a layout, timing each stage."""
    height, width = rgb.shape[:2]
    timings = {}
    start = time.perf_counter()
    lines = read_text(rgb)
    timings["ocr"] = time.perf_counter() - start
    start = time.perf_counter()
    runs = text_runs(rgb, lines)
    timings["style"] = time.perf_counter() - start
    start = time.perf_counter()
    background = backdrop(rgb)
    regions = find_regions(rgb, [line.box for line in lines], background)
    timings["segmentation"] = time.perf_counter() - start
    return Layout(width, height, background, regions, runs, timings)

"""Pools and lanes read from their rules, however connectors cross them; tables are no lanes."""

from __future__ import annotations

import cv2
import numpy as np

from img2code.vision.geometry import Box
from img2code.vision.lanes import read_frames

BLACK = (0, 0, 0)


def _pool() -> np.ndarray:
    """A pool titled on top, three lanes titled on the left, and a line straight through lane 2."""
    image = np.full((460, 660, 3), 255, np.uint8)
    cv2.rectangle(image, (20, 20), (620, 420), BLACK, 1)
    cv2.line(image, (20, 45), (620, 45), BLACK, 1)  # the pool's title bar
    for y in (170, 295):
        cv2.line(image, (20, y), (620, y), BLACK, 1)  # lane borders
    cv2.line(image, (50, 45), (50, 420), BLACK, 1)  # the lanes' title bars
    cv2.line(image, (300, 100), (300, 380), BLACK, 1)  # a connector from lane 1 to lane 3
    return image


def test_a_pool_holds_its_lanes_though_a_line_crosses_one() -> None:
    frames = read_frames(_pool())
    assert len(frames) == 1
    pool = frames[0]
    assert (pool.box, pool.side, pool.bar) == (Box(20, 20, 620, 420), "top", 25)
    assert [(lane.box.y0, lane.box.y1, lane.side, lane.bar) for lane in pool.lanes] == [
        (45, 170, "left", 30),
        (170, 295, "left", 30),
        (295, 420, "left", 30),
    ]


def test_a_table_with_a_header_row_is_no_pool() -> None:
    """Columns under header cells are as wide as lanes, but rows cross all of them."""
    image = np.full((360, 560, 3), 255, np.uint8)
    cv2.rectangle(image, (20, 20), (520, 320), BLACK, 1)
    for x in (145, 270, 395):
        cv2.line(image, (x, 20), (x, 320), BLACK, 1)
    for y in (50, 140, 230):
        cv2.line(image, (20, y), (520, y), BLACK, 1)
    assert read_frames(image) == []

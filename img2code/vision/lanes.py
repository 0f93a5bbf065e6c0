"""Pools and lanes: swimlane frames that connectors cross.

A cross-functional flowchart, a BPMN pool or an activity diagram's partitions are one frame
split into strips (lanes) by rules that run across all of it, each strip with a title bar. The
connectors between the lanes' boxes cross those rules and cut each lane's inside into pieces, so
one-colour areas (``shapes``) do not find the lanes; their rules do. Long thin straight lines
are traced, frames are the rectangles whose four sides are such lines meeting at the corners,
and a frame is read as:

- a titled frame (a pool): a rule across the whole frame a title bar's thickness from its top
  (``swimlane``) or its left side (``lane``), with no rule cutting that bar; its body may hold
  lanes;
- lanes: the strips that rules across a whole frame (or body) cut it into, when every strip is
  a titled frame of its own (two or more), wide enough to hold boxes (a table's rows and
  columns are thinner) and not crossed all together by other rules (a table's grid).

Only frames holding lanes are kept (a lone swimlane is found by its areas). A titled frame
whose body is crossed by rules that end at its sides (rows of a table) is no lane; connectors
run on through the lane's sides.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from .colour import dominant_colour
from .geometry import Box
from .shapes import MAX_TITLE, MIN_TITLE, Shape

LINE_CONTRAST = 40.0  # RGB distance between a rule and what lies a few pixels off it on both sides
LINE_OFFSET = 3  # pixels off a rule where its two sides are looked at (rules up to 5 px thick)
MIN_RULE = 80  # pixels: shorter straight lines are no frame side
RULE_GAP = 8  # pixels of a rule that may be missing (crossing lines, a label on it)
CORNER = 4  # pixels by which the sides of a frame may miss each other at a corner
MIN_LANE = 100  # pixels across a lane at least (draw.io's lanes start at 120; rows of a table are thinner)
BODY_PER_BAR = 4  # a titled frame is at least this many times as deep as its title bar
SPAN = 0.95  # share of a frame's width (height) a rule must run along to cross all of it


@dataclass(frozen=True)
class Rule:
    """A straight thin line: at ``at`` (y of a horizontal rule, x of a vertical one), from ``start``
    to ``stop`` along it (pixels, ``stop`` exclusive), ``thickness`` pixels thick."""

    at: int
    start: int
    stop: int
    thickness: int


def _line_mask(rgb: np.ndarray, axis: int) -> np.ndarray:
    """Pixels on a thin line running across ``axis`` (0: horizontal lines): unlike the pixels
    ``LINE_OFFSET`` away on both sides of it."""
    image = rgb.astype(np.float32)
    before = np.roll(image, LINE_OFFSET, axis=axis)
    after = np.roll(image, -LINE_OFFSET, axis=axis)
    mask = (np.linalg.norm(image - before, axis=2) > LINE_CONTRAST) & (
        np.linalg.norm(image - after, axis=2) > LINE_CONTRAST
    )
    edge = [slice(None), slice(None)]
    edge[axis] = slice(0, LINE_OFFSET)
    mask[tuple(edge)] = False
    edge[axis] = slice(-LINE_OFFSET, None)
    mask[tuple(edge)] = False
    return mask


def _long_runs(row: np.ndarray) -> list[tuple[int, int]]:
    """The runs of True in a bool row at least ``MIN_RULE`` long, gaps up to ``RULE_GAP`` closed."""
    on = np.flatnonzero(row)
    if on.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(on) > RULE_GAP + 1)
    starts = np.r_[on[0], on[breaks + 1]]
    stops = np.r_[on[breaks], on[-1]] + 1
    return [(int(a), int(b)) for a, b in zip(starts, stops, strict=True) if b - a >= MIN_RULE]


def find_rules(rgb: np.ndarray) -> tuple[list[Rule], list[Rule]]:
    """The horizontal and the vertical rules of an image; the rows (columns) of one line are one rule."""
    found: list[list[Rule]] = []
    for axis in (0, 1):
        mask = _line_mask(rgb, axis)
        lines = mask if axis == 0 else mask.T
        rules: list[Rule] = []
        open_: list[Rule] = []  # rules that the previous row may continue
        for at, row in enumerate(lines):
            still: list[Rule] = []
            for start, stop in _long_runs(row):
                same = next((r for r in open_ if start < r.stop and r.start < stop), None)
                if same is not None:
                    open_.remove(same)
                    still.append(
                        Rule(same.at, min(same.start, start), max(same.stop, stop), same.thickness + 1)
                    )
                else:
                    still.append(Rule(at, start, stop, 1))
            rules += open_
            open_ = still
        rules += open_
        found.append([replace(r, at=r.at + r.thickness // 2) for r in rules])
    return found[0], found[1]


def _across(
    rules: Sequence[Rule], start: int, stop: int, low: int, high: int, ending: bool = False
) -> list[int]:
    """Where rules run across all of ``start..stop``, strictly between ``low`` and ``high``; with
    ``ending``, only those that end there (a connector runs on past both ends)."""
    positions = sorted({r.at for r in rules if low + CORNER < r.at < high - CORNER})
    across: list[int] = []
    for at in positions:
        here = [r for r in rules if abs(r.at - at) <= 1]
        cover = sum(max(0, min(r.stop, stop) - max(r.start, start)) for r in here)
        beyond = any(r.start < start - CORNER or r.stop > stop + CORNER for r in here)
        if (
            cover >= SPAN * (stop - start)
            and not (ending and beyond)
            and (not across or at - across[-1] > CORNER)
        ):
            across.append(at)
    return across


@dataclass(frozen=True)
class Frame:
    """A rectangle of rules, and what it reads as: its title bar (``side`` "top" or "left", ``bar``
    pixels), the lanes in it, and the rule thickness."""

    box: Box
    side: str | None = None
    bar: int = 0
    lanes: tuple[Frame, ...] = ()


class _Reader:
    """Reads frames of one image's rules as pools and lanes."""

    def __init__(self, horizontal: list[Rule], vertical: list[Rule]) -> None:
        self.horizontal, self.vertical = horizontal, vertical

    def cuts(self, box: Box, axis: int, ending: bool = False) -> list[int]:
        """Rules across all of ``box``: horizontal ones (axis 0) as ys, vertical ones as xs (with
        ``ending``, only those ending at its sides)."""
        if axis == 0:
            return _across(self.horizontal, box.x0, box.x1, box.y0, box.y1, ending)
        return _across(self.vertical, box.y0, box.y1, box.x0, box.x1, ending)

    def titled(self, box: Box) -> Frame | None:
        """``box`` as a frame with a title bar (and the lanes in its body), or None."""
        for side, axis in (("top", 0), ("left", 1)):
            cuts = self.cuts(box, axis)
            start = box.y0 if axis == 0 else box.x0
            if not cuts or not MIN_TITLE <= cuts[0] - start <= MAX_TITLE:
                continue
            bar = cuts[0] - start
            if (box.height if axis == 0 else box.width) < BODY_PER_BAR * bar:
                continue  # a cell under a header cell, not a body under its title
            strip = (
                Box(box.x0, box.y0, box.x1, box.y0 + bar)
                if axis == 0
                else Box(box.x0, box.y0, box.x0 + bar, box.y1)
            )
            if self.cuts(strip, 1 - axis):
                continue  # the bar is cut: cells of a header row, not one title
            body = Box(box.x0, cuts[0], box.x1, box.y1) if axis == 0 else Box(cuts[0], box.y0, box.x1, box.y1)
            lanes = self.lanes(body)
            if not lanes and (self.cuts(body, 0, ending=True) or self.cuts(body, 1, ending=True)):
                return None  # rows or columns of a table
            return Frame(box, side, bar, tuple(lanes))
        return None

    def lanes(self, box: Box) -> list[Frame]:
        """The titled strips that rules across all of ``box`` cut it into (two or more), or none."""
        for axis in (0, 1):
            cuts = self.cuts(box, axis)
            if not cuts:
                continue
            if axis == 0:
                edges = [box.y0, *cuts, box.y1]
                strips = [Box(box.x0, a, box.x1, b) for a, b in itertools.pairwise(edges)]
            else:
                edges = [box.x0, *cuts, box.x1]
                strips = [Box(a, box.y0, b, box.y1) for a, b in itertools.pairwise(edges)]
            if min(s.height if axis == 0 else s.width for s in strips) < MIN_LANE:
                continue
            lanes = [self.titled(strip) for strip in strips]
            if any(lane is None for lane in lanes):
                continue
            bars = [
                lane.box.y0 + lane.bar if lane.side == "top" else lane.box.x0 + lane.bar
                for lane in lanes
                if lane
            ]
            grid = [at for at in self.cuts(box, 1 - axis) if all(abs(at - bar) > CORNER for bar in bars)]
            if not grid:  # no rule but their bars crosses all the strips (a table's rows would)
                return [lane for lane in lanes if lane is not None]
        return []

    def frames(self) -> list[Box]:
        """Rectangles whose sides are rules meeting at the corners (largest first)."""
        boxes = []
        for top in self.horizontal:
            lefts = [
                v
                for v in self.vertical
                if abs(v.at - top.start) <= CORNER and abs(v.start - top.at) <= CORNER
            ]
            rights = [
                v for v in self.vertical if abs(v.at - top.stop) <= CORNER and abs(v.start - top.at) <= CORNER
            ]
            for left in lefts:
                for right in rights:
                    bottom = min(left.stop, right.stop)
                    if max(left.stop, right.stop) - bottom > CORNER:
                        continue
                    closed = any(
                        abs(h.at - bottom) <= CORNER
                        and abs(h.start - top.start) <= CORNER
                        and abs(h.stop - top.stop) <= CORNER
                        for h in self.horizontal
                    )
                    if closed:
                        boxes.append(Box(left.at, top.at, right.at, bottom))
        kept: list[Box] = []  # of two frames a corner apart (an outline and its shadow), the inner one
        for box in sorted(set(boxes), key=lambda b: b.area):
            if not any(box.contains(k) and k.contains(box, CORNER) for k in kept):
                kept.append(box)
        return sorted(kept, key=lambda b: -b.area)


def read_frames(rgb: np.ndarray) -> list[Frame]:
    """The pools and groups of lanes of a diagram image, outermost ones only."""
    reader = _Reader(*find_rules(rgb))
    found: list[Frame] = []
    for box in reader.frames():
        if any(f.box.contains(box, CORNER) for f in found):
            continue
        frame = reader.titled(box)
        if frame is None or not frame.lanes:
            lanes = reader.lanes(box)
            frame = Frame(box, lanes=tuple(lanes)) if lanes else None
        if frame is not None:
            found.append(frame)
    return found


Line = tuple[int, int, int, int]  # (axis, at, start, stop): axis 0 horizontal (at a y), 1 vertical


def _box_sides(box: Box) -> list[Line]:
    return [
        (0, box.y0, box.x0, box.x1),
        (0, box.y1, box.x0, box.x1),
        (1, box.x0, box.y0, box.y1),
        (1, box.x1, box.y0, box.y1),
    ]


def _sides(frame: Frame) -> list[Line]:
    """The lines a frame and its lanes are drawn with."""
    box = frame.box
    lines = _box_sides(box)
    if frame.side == "top":
        lines.append((0, box.y0 + frame.bar, box.x0, box.x1))
    elif frame.side == "left":
        lines.append((1, box.x0 + frame.bar, box.y0, box.y1))
    for lane in frame.lanes:
        lines += _sides(lane)
    return lines


def _is_piece(shape: Shape, frame: Frame, lines: Sequence[Line]) -> bool:
    """Whether a shape is a piece of a frame's insides: in it, with a side on one of its ``lines``."""
    if not frame.box.contains(shape.box, CORNER):
        return False
    slack = CORNER + shape.stroke_width
    return any(
        axis == line_axis and abs(at - line_at) <= slack and start < line_stop and line_start < stop
        for axis, at, start, stop in _box_sides(shape.box)
        for line_axis, line_at, line_start, line_stop in lines
    )


def _shapes_of(rgb: np.ndarray, frame: Frame) -> list[Shape]:
    """A frame and its lanes as swimlane shapes (the frame itself only when it has a title)."""
    shapes = [shape for lane in frame.lanes for shape in _shapes_of(rgb, lane)]
    if frame.side is None:
        return shapes
    box = frame.box
    inside = Box(box.x0 + 1, box.y0 + 1, box.x1, box.y1)
    mask = np.ones((inside.height, inside.width), bool)
    if frame.side == "top":
        bar = Box(inside.x0, inside.y0, inside.x1, box.y0 + frame.bar)
        mask[frame.bar - 2 : frame.bar + 1] = False  # the bar's rule is outline
    else:
        bar = Box(inside.x0, inside.y0, box.x0 + frame.bar, inside.y1)
        mask[:, frame.bar - 2 : frame.bar + 1] = False
    body = Box(
        bar.x1 if frame.side == "left" else inside.x0,
        bar.y1 if frame.side == "top" else inside.y0,
        inside.x1,
        inside.y1,
    )
    fill = dominant_colour(rgb[bar.y0 : bar.y1, bar.x0 : bar.x1])
    body_fill = dominant_colour(rgb[body.y0 : body.y1, body.x0 : body.x1])
    stroke = dominant_colour(rgb[box.y0, box.x0 : box.x1])
    kind = "swimlane" if frame.side == "top" else "lane"
    outer = Shape(box, kind, fill, stroke, 1, inside, mask, 1.0, frame.bar, False, body_fill)
    return [outer, *shapes]


def with_lanes(rgb: np.ndarray, shapes: Sequence[Shape]) -> list[Shape]:
    """``shapes`` with the pools and lanes of the image added and the pieces their crossing
    connectors cut them into taken out; largest first."""
    frames = [(frame, _sides(frame)) for frame in read_frames(rgb)]
    kept = [s for s in shapes if not any(_is_piece(s, frame, lines) for frame, lines in frames)]
    lanes = [shape for frame, _ in frames for shape in _shapes_of(rgb, frame)]
    return sorted(kept + lanes, key=lambda s: -s.box.area)

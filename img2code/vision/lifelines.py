"""UML sequence lifelines: a box with a dashed line hanging from the middle of its bottom.

draw.io draws a lifeline as one shape (``shape=umlLifeline``) whose box reaches down to the end of
the dashed line, and messages connect to that line. A box found by ``shapes`` gets its line here:
the column below its bottom centre is followed while its gaps stay dash-sized; a long, broken run
that ends in no other shape, under a box standing in a row with another such box, makes the box
a lifeline, its mask a thin strip down the line (so messages attach to it). A stick figure can
head a lifeline too (draw.io's actor lifeline).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import replace

import numpy as np

from .colour import RGB, far_from
from .geometry import Box
from .shapes import Shape

log = logging.getLogger(__name__)

INK = 60.0  # RGB distance from the page at which a pixel is part of the line
MAX_GAP = 8  # pixels: a longer gap ends the line
MIN_LENGTH = 40  # pixels of line below the box for it to be a lifeline
DASHED = 0.9  # share of the run that is ink, above which the line is solid (a connector)
BESIDE = 6  # pixels each side of the line where ink (an activation bar's sides) keeps it going
STRIP = 3  # pixels each side of the line that its mask covers
MAX_DASH = 16  # pixels of line per dash at most (dash and gap): fewer dashes are lines crossing
ROW_SLACK = 4  # pixels between the tops of lifelines standing in one row
BOXES = ("rectangle", "rounded", "ellipse", "other", "actor")  # heads: boxes, entities, controls, actors


def _run_down(line: np.ndarray, near: np.ndarray, covered: np.ndarray) -> tuple[int, float, int, int]:
    """The broken run of ink starting at the top of ``near`` (ink beside the line, and shapes
    drawn over it, such as activation bars, do not end it): its length, and the share of ink, the
    number of dashes and the length on ``line`` itself outside those shapes."""
    inked = np.flatnonzero(near | covered)
    if inked.size == 0 or inked[0] > MAX_GAP:
        return 0, 0.0, 0, 0
    gaps = np.flatnonzero(np.diff(inked) > MAX_GAP)
    end = int(inked[gaps[0]]) if gaps.size else int(inked[-1])
    length = end + 1
    run = line[:length][~covered[:length]].astype(np.int8)
    if run.size == 0:
        return length, 0.0, 0, 0
    dashes = int(np.count_nonzero(np.diff(run) == 1)) + int(run[0])
    return length, float(run.mean()), dashes, run.size


def _stands_on(shape: Shape, lifelines: Iterable[Shape]) -> bool:
    """Whether ``shape`` stands on another lifeline's line: its middle in that one's column, its
    top below that one's top and above its end."""
    x = (shape.box.x0 + shape.box.x1) / 2
    return any(
        other.box.x0 <= x < other.box.x1 and other.box.y0 < shape.box.y0 < other.box.y1
        for other in lifelines
        if other is not shape
    )


def extend_lifelines(rgb: np.ndarray, shapes: Sequence[Shape], page: RGB) -> list[Shape]:
    """``shapes`` with each box that heads a dashed line down made a ``lifeline`` reaching its end."""
    h, w = rgb.shape[:2]
    ink = far_from(rgb, page, INK)
    result = list(shapes)
    found: dict[int, Shape] = {}
    for index, shape in enumerate(shapes):
        if shape.kind not in BOXES or shape.box.y1 >= h - MIN_LENGTH:
            continue
        x = (shape.box.x0 + shape.box.x1) // 2
        below = ink[shape.box.y1 + 1 :]
        line = np.asarray(below[:, max(0, x - 1) : x + 2].any(axis=1))
        covered = np.zeros(len(line), bool)  # rows of ``below`` where other shapes stand on the line
        top = shape.box.y1 + 1
        for other in shapes:
            if other is not shape and other.box.x0 <= x < other.box.x1:
                covered[max(0, other.box.y0 - top) : max(0, other.box.y1 - top)] = True
        beside = np.asarray(below[:, max(0, x - BESIDE) : x + BESIDE + 1].any(axis=1))
        length, share, dashes, free = _run_down(line, beside, covered)
        if length < max(MIN_LENGTH, 2 * shape.box.height) or share > DASHED or dashes < free / MAX_DASH:
            continue  # short, solid, or a few crossings rather than a dashed line
        end = shape.box.y1 + 1 + length
        if any(other.box.contains(Box(x, end, x + 1, end + 1), slack=MAX_GAP) for other in shapes):
            continue  # a dashed connector down to another shape, not a lifeline
        box = Box(shape.box.x0, shape.box.y0, shape.box.x1, min(h, end + 1))
        inside = Box(shape.inside.x0, shape.inside.y0, shape.inside.x1, box.y1)
        mask = np.zeros((inside.height, inside.width), bool)
        mask[: shape.mask.shape[0], : shape.mask.shape[1]] = shape.mask
        cx = x - inside.x0
        mask[shape.mask.shape[0] :, max(0, cx - STRIP) : cx + STRIP + 1] = True
        header = shape.box.height
        head = "actor" if shape.kind == "actor" else ""
        found[index] = replace(
            shape, kind="lifeline", box=box.clipped(w, h), inside=inside, mask=mask, param=header, head=head
        )
    # An activation bar on a lifeline, with the line going on below it, stands on that lifeline.
    found = {i: lifeline for i, lifeline in found.items() if not _stands_on(lifeline, found.values())}
    # A sequence diagram's lifelines stand in a row: a lone box with a dashed line down is not one.
    tops = [s.box.y0 for s in found.values()]
    for index, lifeline in found.items():
        if sum(abs(top - lifeline.box.y0) <= ROW_SLACK for top in tops) >= 2:
            result[index] = lifeline
            log.debug("lifeline under %s down to %d", shapes[index].box, lifeline.box.y1)
    return result

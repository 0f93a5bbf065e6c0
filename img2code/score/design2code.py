"""Design2Code's visual metrics (Si et al. 2024) over matched text blocks: Block-Match, Text, Position, Color.

Both pages are reduced to text blocks (text, box normalised by the page's size, text colour);
``textblocks.py`` reads them from a page by the authors' colour coding or, for a bare image, from
OCR. Then, as the authors' ``visual_eval_v3_multi`` (NoviScl/Design2Code at d9e038a), with the
candidate's blocks as rows and the reference's as columns:

1. blocks with the very same box are merged;
2. in rounds, first on the candidate's side, then on the reference's, every pair of neighbouring
   blocks (consecutive in reading order) is tried merged; merges whose changed matches gain more
   than 0.05 in mean similarity are kept, the best first and each block at most once; rounds go on
   until one merges nothing;
3. blocks are paired by ``scipy.optimize.linear_sum_assignment`` on minus the texts' difflib
   ratio, each good match (ratio over 0.5) favoured by 0.1 times the two best matches next to it
   (the context bonus), and pairs whose ratio is under 0.5 are dropped;
4. Block-Match = area of the matched blocks of both pages / area of all blocks of both pages (an
   unmatched or dropped block counts in the denominator only); Text = mean ratio of the pairs;
   Position = mean of 1 - max(|Δcx|, |Δcy|) of the normalised centres; Color = mean of
   max(0, 1 - CIEDE2000 / 100) between the pairs' text colours.

Scores are in [0, 1] (tables multiply by 100). A page without blocks, or no kept pair, gives 0 on
all four, as the authors' code does. Merges are tried as theirs are, but only the changed row or
column of the similarity matrix is computed again.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field, replace
from difflib import SequenceMatcher
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

MIN_SIMILARITY = 0.5  # pairs whose texts are less alike than this are dropped (the paper's cut)
MERGE_GAIN = 0.05  # a merge is kept when the matches it changes gain more than this on average
CONTEXT_BONUS = 0.1  # the final assignment favours a good match by this share of its neighbours'
CONTEXT_WINDOW = 1  # ... within this many rows and columns
METRICS = ("block", "text", "position", "color")


@dataclass(frozen=True)
class Block:
    """A text block: its text, its box as fractions of the page's width and height, its text colour."""

    text: str
    x: float
    y: float
    width: float
    height: float
    colour: tuple[float, float, float]

    @property
    def area(self) -> float:
        return self.width * self.height

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


@dataclass(frozen=True)
class TextBlocks:
    """The text blocks of one page and the pixel size they were normalised by; ``method`` is how
    they were read ("dom" or "ocr")."""

    blocks: tuple[Block, ...]
    width: int
    height: int
    method: str


@dataclass(frozen=True)
class Pair:
    """A kept match: indices into the merged reference and candidate blocks, and the text ratio."""

    reference: int
    candidate: int
    similarity: float


@dataclass
class Design2CodeScores:
    """The four scores, and the matching behind them: the merged blocks of both pages, the kept
    pairs, and the unmatched blocks of each side."""

    block: float
    text: float
    position: float
    color: float
    reference: list[Block] = field(default_factory=list)
    candidate: list[Block] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)  # reference blocks with no kept pair
    extra: list[int] = field(default_factory=list)  # candidate blocks with no kept pair

    def as_dict(self) -> dict[str, float]:
        """The scores by name ("block", "text", "position", "color"), rounded."""
        return {name: round(getattr(self, name), 5) for name in METRICS}


def merge(first: Block, second: Block) -> Block:
    """One block covering both (the authors' ``merge_blocks_wo_check``): texts joined by a space,
    boxes united, colours averaged and floored."""
    x0, y0 = min(first.x, second.x), min(first.y, second.y)
    x1 = max(first.x + first.width, second.x + second.width)
    y1 = max(first.y + first.height, second.y + second.height)
    r, g, b = ((a + b) // 2 for a, b in zip(first.colour, second.colour, strict=True))
    return Block(f"{first.text} {second.text}", x0, y0, x1 - x0, y1 - y0, (r, g, b))


def merge_same_boxes(blocks: list[Block]) -> list[Block]:
    """Blocks with the very same box become one, where the first stood: texts joined by a space,
    colours averaged (the authors' ``merge_blocks_by_bbox``)."""
    merged: dict[tuple[float, float, float, float], Block] = {}
    for block in blocks:
        key = (block.x, block.y, block.width, block.height)
        if key in merged:
            kept = merged[key]
            r, g, b = ((a + b) / 2 for a, b in zip(kept.colour, block.colour, strict=True))
            merged[key] = replace(kept, text=f"{kept.text} {block.text}", colour=(r, g, b))
        else:
            merged[key] = block
    return list(merged.values())


def mean_gain(current: list[float], updated: list[float]) -> float:
    """How much a merge improves the matches it changes (the authors' ``difference_of_means``): the
    mean cost of the matches only ``current`` has minus that of the matches only ``updated`` has,
    counted only when the best of the changed matches got better too."""
    before, after = Counter(current), Counter(updated)
    common = before & after
    before -= common
    after -= common
    only_before, only_after = list(before.elements()), list(after.elements())
    mean_before = sum(only_before) / len(only_before) if only_before else 0
    mean_after = sum(only_after) / len(only_after) if only_after else 0
    if mean_before - mean_after > 0 and min(only_before) <= min(only_after):
        return 0.0
    return mean_before - mean_after


def context_costs(
    costs: np.ndarray, bonus: float = CONTEXT_BONUS, window: int = CONTEXT_WINDOW
) -> np.ndarray:
    """The costs with a bonus for good matches whose neighbours match well too (the authors'
    ``adjust_cost_for_context``): each cost under -0.5 gains ``bonus`` times the sum of the
    ``2 * window`` lowest other costs in its window."""
    adjusted: np.ndarray = costs.copy()
    rows, cols = costs.shape
    for i, j in zip(*np.nonzero(costs < -0.5), strict=True):
        near = costs[
            max(0, i - window) : min(rows, i + window + 1), max(0, j - window) : min(cols, j + window + 1)
        ]
        ordered = np.sort(near.flatten())[::-1]
        ordered = np.delete(ordered, np.nonzero(ordered == costs[i, j])[0][0])
        adjusted[i, j] += bonus * np.sum(ordered[-window * 2 :])
    return adjusted


def _assignment(costs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.optimize import linear_sum_assignment  # ~0.3 s to import: only when scoring

    rows, cols = linear_sum_assignment(costs)
    return rows, cols


class _Matcher:
    """The cost matrix (minus the similarity) of candidate blocks (rows) against reference blocks
    (columns), kept current while neighbouring blocks of either side are merged."""

    def __init__(self, candidate: list[Block], reference: list[Block]) -> None:
        self.blocks = [candidate, reference]
        self.costs = np.array([self._line(0, block.text) for block in candidate]).reshape(
            len(candidate), len(reference)
        )

    def _line(self, side: int, text: str) -> np.ndarray:
        """Costs of ``text``, a block of ``side``, against every block of the other side."""
        line = np.zeros(len(self.blocks[1 - side]))
        for index, other in enumerate(self.blocks[1 - side]):
            matcher = (
                SequenceMatcher(None, text, other.text)
                if side == 0
                else SequenceMatcher(None, other.text, text)
            )
            if matcher.quick_ratio() > 0:  # else the ratio is 0 too
                line[index] = -matcher.ratio()
        return line

    def _replaced(self, side: int, index: int, line: np.ndarray) -> np.ndarray:
        """The costs with blocks ``index`` and ``index + 1`` of ``side`` replaced by one with ``line``."""
        costs = np.delete(self.costs, index + 1, axis=side)
        if side == 0:
            costs[index] = line
        else:
            costs[:, index] = line
        return costs

    @staticmethod
    def matched_costs(costs: np.ndarray) -> list[float]:
        rows, cols = _assignment(costs)
        return [float(cost) for cost in costs[rows, cols]]

    def merge_round(self, side: int) -> bool:
        """Merge the neighbours of ``side`` whose merging gains more than MERGE_GAIN, the best gains
        first and each block at most once (the authors' one pass); True when any merged."""
        blocks = self.blocks[side]
        current = self.matched_costs(self.costs)
        gains = []
        for index in range(len(blocks) - 1):
            joined = merge(blocks[index], blocks[index + 1])
            line = self._line(side, joined.text)
            gain = mean_gain(current, self.matched_costs(self._replaced(side, index, line)))
            if gain > MERGE_GAIN:
                gains.append((gain, index, joined, line))
        gains.sort(key=lambda found: found[0], reverse=True)
        taken: set[int] = set()
        dropped = []
        for _, index, joined, line in gains:
            if index in taken or index + 1 in taken:
                continue
            taken |= {index, index + 1}
            blocks[index] = joined
            if side == 0:
                self.costs[index] = line
            else:
                self.costs[:, index] = line
            dropped.append(index + 1)
        for index in sorted(dropped, reverse=True):
            del blocks[index]
        self.costs = np.delete(self.costs, dropped, axis=side)
        return bool(dropped)

    def merge_neighbours(self) -> None:
        """Rounds of merges, candidate side then reference side, until a round merges nothing."""
        while True:
            changed = [self.merge_round(side) for side in (0, 1) if len(self.blocks[side]) >= 2]
            if not any(changed):
                return


def match_blocks(
    reference: list[Block], candidate: list[Block]
) -> tuple[list[Block], list[Block], list[Pair]]:
    """Merge and pair the blocks of two pages; returns both merged lists and the kept pairs."""
    matcher = _Matcher(merge_same_boxes(candidate), merge_same_boxes(reference))
    matcher.merge_neighbours()
    cand, ref = matcher.blocks
    rows, cols = _assignment(context_costs(matcher.costs))
    pairs = []
    for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
        ratio = -float(matcher.costs[row, col])
        if ratio >= MIN_SIMILARITY:
            pairs.append(Pair(col, row, ratio))
    return ref, cand, pairs


def colour_similarity(
    first: list[tuple[float, float, float]], second: list[tuple[float, float, float]]
) -> np.ndarray:
    """max(0, 1 - CIEDE2000 / 100) of each pair of sRGB colours (0-255)."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    if not first:
        return np.zeros(0)
    lab1 = rgb2lab(np.array(first, dtype=float).reshape(-1, 1, 3) / 255)
    lab2 = rgb2lab(np.array(second, dtype=float).reshape(-1, 1, 3) / 255)
    distances: np.ndarray = deltaE_ciede2000(lab1, lab2).reshape(-1)
    return np.maximum(0.0, 1 - distances / 100)


def score_blocks(reference: TextBlocks, candidate: TextBlocks) -> Design2CodeScores:
    """Design2Code's Block-Match, Text, Position and Color of ``candidate`` against ``reference``."""
    if reference.blocks and candidate.blocks:
        ref, cand, pairs = match_blocks(list(reference.blocks), list(candidate.blocks))
    else:
        ref, cand, pairs = list(reference.blocks), list(candidate.blocks), []
    matched_ref = {pair.reference for pair in pairs}
    matched_cand = {pair.candidate for pair in pairs}
    missing = [i for i in range(len(ref)) if i not in matched_ref]
    extra = [i for i in range(len(cand)) if i not in matched_cand]
    details: dict[str, Any] = {
        "reference": ref,
        "candidate": cand,
        "pairs": pairs,
        "missing": missing,
        "extra": extra,
    }
    if not pairs:
        return Design2CodeScores(0.0, 0.0, 0.0, 0.0, **details)
    matched_area = sum(ref[p.reference].area + cand[p.candidate].area for p in pairs)
    total_area = sum(block.area for block in ref) + sum(block.area for block in cand)
    distances = [
        max(abs(a[0] - b[0]), abs(a[1] - b[1]))
        for a, b in ((ref[p.reference].centre, cand[p.candidate].centre) for p in pairs)
    ]
    colours = colour_similarity(
        [ref[p.reference].colour for p in pairs], [cand[p.candidate].colour for p in pairs]
    )
    return Design2CodeScores(
        block=matched_area / total_area if total_area > 0 else 0.0,
        text=float(np.mean([p.similarity for p in pairs])),
        position=float(np.mean([1 - d for d in distances])),
        color=float(np.mean(colours)),
        **details,
    )

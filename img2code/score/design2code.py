"""Design2Code's visual metrics (Si et al. 2024) over matched text blocks: Block-Match, Text, Position, Color.

Both pages are reduced to text blocks (text, box normalised by the page's size, text colour);
``textblocks.py`` reads them from a rendered DOM or, for a bare image, from OCR. Then, as the
paper's ``visual_eval_v3``:

1. blocks with the same box are merged, and neighbouring blocks (consecutive in reading order) of
   either page are merged while that raises the total similarity of the optimal assignment;
2. blocks are paired by ``scipy.optimize.linear_sum_assignment`` on the texts' difflib ratio, and
   pairs whose ratio is under 0.5 are dropped;
3. Block-Match = area of the matched blocks of both pages / area of all blocks of both pages (an
   unmatched or dropped block counts in the denominator only); Text = mean ratio of the pairs;
   Position = mean of 1 - max(|Δcx|, |Δcy|) of the normalised centres; Color = mean of
   max(0, 1 - CIEDE2000 / 100) between the pairs' text colours.

Scores are in [0, 1] (tables multiply by 100). No kept pair gives 0 on all four, as in the paper;
no text on either page leaves them undefined (None). The assignment and the merges use the exact
ratios, also those under the cut: ten lines of a paragraph each match it weakly, and only the
gain of merging them one by one leads to the whole paragraph. For speed a merge is tried only
where the two blocks together earn less than one perfect match (else merging can hardly gain).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from typing import Any

import numpy as np

log = logging.getLogger(__name__)

MIN_SIMILARITY = 0.5  # pairs whose texts are less alike than this are dropped (the paper's cut)
METRICS = ("block", "text", "position", "color")


@dataclass(frozen=True)
class Block:
    """A text block: its text, its box as fractions of the page's width and height, its text colour."""

    text: str
    x: float
    y: float
    width: float
    height: float
    colour: tuple[int, int, int]

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
    """The four scores (None when neither page has text), and the matching behind them: the merged
    blocks of both pages, the kept pairs, and the unmatched blocks of each side."""

    block: float | None
    text: float | None
    position: float | None
    color: float | None
    reference: list[Block] = field(default_factory=list)
    candidate: list[Block] = field(default_factory=list)
    pairs: list[Pair] = field(default_factory=list)
    missing: list[int] = field(default_factory=list)  # reference blocks with no kept pair
    extra: list[int] = field(default_factory=list)  # candidate blocks with no kept pair

    def as_dict(self) -> dict[str, float | None]:
        """The scores by name ("block", "text", "position", "color"), rounded."""
        return {name: None if (v := getattr(self, name)) is None else round(v, 5) for name in METRICS}


def merge(first: Block, second: Block) -> Block:
    """One block covering both: texts joined by a space, boxes united, colours averaged (as the paper)."""
    x0, y0 = min(first.x, second.x), min(first.y, second.y)
    x1 = max(first.x + first.width, second.x + second.width)
    y1 = max(first.y + first.height, second.y + second.height)
    colour = tuple((a + b) // 2 for a, b in zip(first.colour, second.colour, strict=True))
    return Block(f"{first.text} {second.text}", x0, y0, x1 - x0, y1 - y0, colour)  # type: ignore[arg-type]


def merge_same_boxes(blocks: list[Block]) -> list[Block]:
    """Blocks that share one box become one block (the paper's first step); order is kept."""
    merged: dict[tuple[float, float, float, float], Block] = {}
    for block in blocks:
        key = (block.x, block.y, block.width, block.height)
        merged[key] = merge(merged[key], block) if key in merged else block
    return list(merged.values())


def similarity(first: str, second: str) -> float:
    """difflib's ratio of two texts: 2 * matched characters / total characters."""
    return SequenceMatcher(None, first, second).ratio()


def _row(text: str, others: list[str]) -> np.ndarray:
    """difflib ratios of ``text`` to each of ``others`` (0 without a shared character, skipping difflib)."""
    matcher = SequenceMatcher(None)
    matcher.set_seq2(text)  # difflib indexes seq2 once for every seq1
    row = np.zeros(len(others))
    for index, other in enumerate(others):
        matcher.set_seq1(other)
        if matcher.quick_ratio() > 0:
            row[index] = matcher.ratio()
    return row


class _Matcher:
    """The similarity matrix of two block lists, kept current while blocks are merged."""

    def __init__(self, reference: list[Block], candidate: list[Block]) -> None:
        self.blocks = [reference, candidate]
        cand_texts = [block.text for block in candidate]
        rows = [_row(block.text, cand_texts) for block in reference]
        self.matrix = np.array(rows).reshape(len(reference), len(candidate))

    def assign(self, matrix: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, float]:
        """The optimal assignment (rows, columns) and its total similarity."""
        from scipy.optimize import linear_sum_assignment  # ~0.3 s to import: only when scoring

        matrix = self.matrix if matrix is None else matrix
        rows, cols = linear_sum_assignment(matrix, maximize=True)
        return rows, cols, float(matrix[rows, cols].sum())

    def _merged_matrix(self, side: int, index: int, block: Block) -> np.ndarray:
        """The matrix with blocks ``index`` and ``index + 1`` of ``side`` replaced by ``block``."""
        other = [b.text for b in self.blocks[1 - side]]
        if side == 0:
            matrix = np.delete(self.matrix, index + 1, axis=0)
            matrix[index] = _row(block.text, other)
        else:
            matrix = np.delete(self.matrix, index + 1, axis=1)
            matrix[:, index] = _row(block.text, other)
        return matrix

    def merge_neighbours(self) -> None:
        """Merge consecutive blocks of either side while that raises the assignment's total."""
        rows, cols, total = self.assign()
        changed = True
        while changed:
            changed = False
            for side in (0, 1):
                earned = np.zeros(self.matrix.shape[side])
                earned[rows if side == 0 else cols] = self.matrix[rows, cols]
                blocks = self.blocks[side]
                index = 0
                while index < len(blocks) - 1:
                    if earned[index] + earned[index + 1] < 1.0:
                        joined = merge(blocks[index], blocks[index + 1])
                        matrix = self._merged_matrix(side, index, joined)
                        new_rows, new_cols, new_total = self.assign(matrix)
                        if new_total > total + 1e-9:
                            blocks[index : index + 2] = [joined]
                            self.matrix, rows, cols, total = matrix, new_rows, new_cols, new_total
                            earned = np.zeros(self.matrix.shape[side])
                            earned[rows if side == 0 else cols] = self.matrix[rows, cols]
                            changed = True
                            continue  # the merged block may join its next neighbour too
                    index += 1


def match_blocks(
    reference: list[Block], candidate: list[Block]
) -> tuple[list[Block], list[Block], list[Pair]]:
    """Merge and pair the blocks of two pages; returns both merged lists and the kept pairs."""
    matcher = _Matcher(merge_same_boxes(reference), merge_same_boxes(candidate))
    if matcher.matrix.size:
        matcher.merge_neighbours()
    ref, cand = matcher.blocks
    pairs = []
    if matcher.matrix.size:
        rows, cols, _ = matcher.assign()
        for row, col in zip(rows.tolist(), cols.tolist(), strict=True):
            ratio = float(matcher.matrix[row, col])
            if ratio >= MIN_SIMILARITY:
                pairs.append(Pair(row, col, ratio))
    return ref, cand, pairs


def colour_similarity(first: list[tuple[int, int, int]], second: list[tuple[int, int, int]]) -> np.ndarray:
    """max(0, 1 - CIEDE2000 / 100) of each pair of sRGB colours (0-255)."""
    from skimage.color import deltaE_ciede2000, rgb2lab

    if not first:
        return np.zeros(0)
    lab1 = rgb2lab(np.array(first, dtype=float).reshape(-1, 1, 3) / 255)
    lab2 = rgb2lab(np.array(second, dtype=float).reshape(-1, 1, 3) / 255)
    return np.maximum(0.0, 1 - deltaE_ciede2000(lab1, lab2).reshape(-1) / 100)


def score_blocks(reference: TextBlocks, candidate: TextBlocks) -> Design2CodeScores:
    """Design2Code's Block-Match, Text, Position and Color of ``candidate`` against ``reference``."""
    ref, cand, pairs = match_blocks(list(reference.blocks), list(candidate.blocks))
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
    if not ref and not cand:
        return Design2CodeScores(None, None, None, None, **details)
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

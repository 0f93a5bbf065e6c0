"""All the scores of a candidate against a reference, by name: SSIM and the Design2Code set.

One place decides which metrics run and what they are called in result.json, scores.jsonl and the
reports: ``ssim``; ``block``, ``text``, ``position``, ``color`` (Design2Code, in [0, 1]); ``clip``
(see ``clip.py``), which is None with ``clip_unavailable`` saying why where no CLIP weights can be
loaded (it is never replaced by a stand-in number).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from .clip import clip_score, unavailable_reason
from .design2code import METRICS as DESIGN2CODE_METRICS
from .design2code import Design2CodeScores, TextBlocks, score_blocks
from .ssim import Comparison, compare

if TYPE_CHECKING:
    from PIL import Image

Scores = dict[str, "float | str | None"]


@dataclass
class Reference:
    """What candidates are measured against: the source image and, for Design2Code, its text blocks
    (from the DOM of a reference HTML, or from OCR of the image, read on first use)."""

    image: Image.Image
    blocks: TextBlocks | None = None

    def text_blocks(self) -> TextBlocks:
        if self.blocks is None:
            from .textblocks import blocks_from_ocr

            self.blocks = blocks_from_ocr(self.image)
        return self.blocks


@dataclass
class Measurement:
    """The outcome of ``measure``: SSIM's comparison and the Design2Code matching, when computed."""

    comparison: Comparison | None = None
    design2code: Design2CodeScores | None = None
    clip: float | None = None
    clip_unavailable: str | None = None  # why ``clip`` is None beside Design2Code scores

    def scores(self) -> Scores:
        """Every computed score by name (rounded); CLIP beside Design2Code, or why it is missing."""
        scores: Scores = {}
        if self.comparison is not None:
            scores["ssim"] = round(self.comparison.ssim, 5)
        if self.design2code is not None:
            scores.update(self.design2code.as_dict())
            scores["clip"] = None if self.clip is None else round(self.clip, 5)
            if self.clip_unavailable:
                scores["clip_unavailable"] = self.clip_unavailable
        return scores


def design2code_mean(scores: Scores) -> float | None:
    """The mean of Block, Text, Position and Color, or None when any is missing."""
    values = [scores.get(name) for name in DESIGN2CODE_METRICS]
    if any(not isinstance(value, float) for value in values):
        return None
    return sum(values) / len(values)  # type: ignore[arg-type]


def measure(
    reference: Reference,
    image: Image.Image,
    blocks: TextBlocks | None,
    metrics: tuple[str, ...],
) -> Measurement:
    """Score a candidate (its render ``image`` and, for an HTML candidate, its DOM ``blocks``)."""
    measurement = Measurement()
    if "ssim" in metrics:
        measurement.comparison = compare(reference.image, image)
    if "design2code" in metrics:
        if blocks is None:
            from .textblocks import blocks_from_ocr

            blocks = blocks_from_ocr(image)
        measurement.design2code = score_blocks(reference.text_blocks(), blocks)
        measurement.clip_unavailable = unavailable_reason()
        if measurement.clip_unavailable is None:
            measurement.clip = clip_score(reference.image, reference.text_blocks(), image, blocks)
    return measurement

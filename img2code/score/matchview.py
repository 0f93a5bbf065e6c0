"""The matched text blocks drawn side by side, so a person sees at a glance what the metrics saw.

Reference on the left, candidate on the right, each shrunk to ``PANEL_WIDTH``. Green boxes are
matched pairs (the same number on both sides), red boxes reference text the candidate lacks
(missing), orange boxes candidate text the reference lacks (extra).
"""

from __future__ import annotations

from PIL import Image, ImageDraw, ImageFont

from .design2code import Block, Design2CodeScores

PANEL_WIDTH = 640
GAP = 16
RGB = tuple[int, int, int]
LEGEND_HEIGHT = 28
MATCHED = (22, 163, 74)
MISSING = (220, 38, 38)
EXTRA = (234, 88, 12)
INK = (15, 23, 42)
LEGEND = (
    ("reference (left) · candidate (right)", INK),
    ("matched", MATCHED),
    ("missing", MISSING),
    ("extra", EXTRA),
)


def _panel(image: Image.Image) -> Image.Image:
    """The page shrunk to the panel width, greyed a little so the boxes stand out."""
    height = max(1, round(image.height * PANEL_WIDTH / image.width))
    panel = image.convert("RGB").resize((PANEL_WIDTH, height), Image.Resampling.BILINEAR)
    return Image.blend(panel, Image.new("RGB", panel.size, (255, 255, 255)), 0.35)


def _box(
    draw: ImageDraw.ImageDraw, block: Block, size: tuple[int, int], dx: int, dy: int, colour: RGB
) -> tuple[float, float, float, float]:
    """Outline a block on a panel of ``size`` placed at (dx, dy); return the box drawn."""
    width, height = size
    x0, y0 = dx + block.x * width, dy + block.y * height
    box = (x0, y0, max(x0 + 1, x0 + block.width * width), max(y0 + 1, y0 + block.height * height))
    draw.rectangle(box, outline=colour, width=2)
    return box


def draw_matches(reference: Image.Image, candidate: Image.Image, scores: Design2CodeScores) -> Image.Image:
    """Both pages side by side with every block outlined: matched, missing or extra."""
    left, right = _panel(reference), _panel(candidate)
    height = LEGEND_HEIGHT + max(left.height, right.height)
    canvas = Image.new("RGB", (2 * PANEL_WIDTH + GAP, height), (255, 255, 255))
    canvas.paste(left, (0, LEGEND_HEIGHT))
    canvas.paste(right, (PANEL_WIDTH + GAP, LEGEND_HEIGHT))
    draw = ImageDraw.Draw(canvas)
    font = ImageFont.load_default()
    x = 6
    for label, colour in LEGEND:
        draw.text((x, 8), label, fill=colour, font=font)
        x += round(draw.textlength(label, font=font)) + 18
    sides = ((left.size, 0), (right.size, PANEL_WIDTH + GAP))
    for index in scores.missing:
        _box(draw, scores.reference[index], sides[0][0], sides[0][1], LEGEND_HEIGHT, MISSING)
    for index in scores.extra:
        _box(draw, scores.candidate[index], sides[1][0], sides[1][1], LEGEND_HEIGHT, EXTRA)
    for number, pair in enumerate(scores.pairs, 1):
        for block, (size, dx) in zip(
            (scores.reference[pair.reference], scores.candidate[pair.candidate]), sides, strict=True
        ):
            x0, y0, _, _ = _box(draw, block, size, dx, LEGEND_HEIGHT, MATCHED)
            draw.text((x0 + 2, y0 + 1), str(number), fill=MATCHED, font=font)
    return canvas

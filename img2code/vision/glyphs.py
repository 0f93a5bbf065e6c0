"""Short texts by connectors that OCR's detector passes over: lone digits, "*", "0..1".

rapidocr's detector often skips a glyph standing alone beside a connector (a multiplicity "1" or
"*", a weight "3" on a line), though its recogniser reads the same glyph at once. Such glyphs are
found as ink instead: small blobs near a connector's route, outside every shape that holds no
other shape and outside the text already read, not the connector's own stroke, dashes or
arrowheads. Blobs side by side are grouped into words; each word is drawn alone on the page
colour and read by the recogniser.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np

from .colour import RGB, dominant_colour, far_from
from .connectors import Connector
from .geometry import Box
from .ocr import TextLine, Word, recognise
from .shapes import Shape

# A UML association end's multiplicity ("1", "0..*", "1..n"; OCR may drop a trailing "*").
MULTIPLICITY = re.compile(r"^(\d+|[*nNmM])(\s?\.\.\s?(\d+|[*nNmM])?)?$")
LONE_TEXT = re.compile(r"^[0-9A-Za-z*.+/#-]*[0-9A-Za-z*][0-9A-Za-z*.+/#-]*$")  # what a short label reads as
STROKES = "-_|~—– "  # what a bit of a line beside a word reads as
ARROW_GLYPHS = set("4VvAY^<>»«个")  # what OCR reads an arrowhead as
INK = 80.0  # RGB distance from the page at which a pixel is ink
WORD_HEIGHT = (4, 24)  # pixels: the tallest blob of a word lies in this range
WORD_WIDTH = 40  # pixels: the widest word read this way (longer text the detector finds)
LETTER_GAP = 0.5  # blob heights between two blobs of one word
REACH = 20  # pixels from a connector's route to a word, at most
HEAD_REACH = 6  # pixels from a connector's end within which a blob is its arrowhead
PIECE_LENGTH = 10  # pixels: a blob this long or longer may be a piece of a line ...
LINE_PIECE = 3.0  # ... when this many times longer than it is wide ...
HEAD_PIECE = 2.0  # ... or this many times, ending at a connector's end (an arrowhead on it)
THIN = 2.5  # pixels: a blob this thin ...
THIN_PIECE = 5  # ... and this long is a run of a line (a "1" has a flag)
ON_ROUTE = 3  # pixels from a route within which a blob lies on it; a dashed connector's is a dash ...
DASH_PIECE = 2.0  # ... and so is one as many times longer than wide with another such near it
DASH_SPACING = 3.0  # blob lengths between neighbouring dashes, at most
SOLID = 0.85  # a blob filling this much of its box is a dash or a dot of a line, or ...
LABEL_BOX = 5  # ... when this many pixels across or more, a label's own background box
TEXT_PAD = 2  # pixels around a line already read that are not searched again
MIN_CONFIDENCE = 0.9  # of a read, or ...
MULTIPLICITY_CONFIDENCE = 0.8  # ... of one that reads as a multiplicity, the text expected there
STARS = str.maketrans("★☆", "**")  # how the recogniser may name a lone asterisk
MAX_INK = 0.3  # share of ink around a word above which it does not stand on the page
CROP_PAD = 10  # pixels of page colour around a word when it is read ...
UPSCALE = 2  # ... at twice its size (a lone "*" reads surely only so)


Point = tuple[int, int]


@dataclass(frozen=True)
class _Blob:
    """One connected piece of ink: its label in the component image, box and shape."""

    label: int
    box: Box
    along: float  # its length along its main axis (pixels)
    across: float  # its width across that axis
    on_route: bool  # whether its middle lies on a connector's route


def without_arrowheads(text: str) -> str:
    """A multiplicity read together with the arrowhead beside it ("0..1V", "个0..1") without it."""
    bare = text.strip("".join(ARROW_GLYPHS) + " ")
    return bare if bare and not MULTIPLICITY.match(text) and MULTIPLICITY.match(bare) else text


def _leaves(shapes: Sequence[Shape]) -> list[Box]:
    """The boxes of the shapes that hold no other shape."""
    return [s.box for s in shapes if not any(o is not s and s.box.contains(o.box) for o in shapes)]


def _backgrounds(shape: tuple[int, int], shapes: Sequence[Shape], page: RGB) -> np.ndarray:
    """What each pixel is drawn on: the fill of the smallest shape whose box holds it (all of the
    box: a label's own box in a filled frame is a hole in the frame's fill), else the page."""
    canvas = np.empty((*shape, 3), np.float32)
    canvas[:] = page
    for s in sorted(shapes, key=lambda s: -s.inside.area):
        canvas[s.inside.y0 : s.inside.y1, s.inside.x0 : s.inside.x1] = s.body_fill or s.fill
    return canvas


def _searched(
    rgb: np.ndarray, under: np.ndarray, leaves: Sequence[Box], text_boxes: Sequence[Box]
) -> np.ndarray:
    """Ink that may be a lone glyph: unlike what it is drawn on (``under``, per pixel), outside
    leaf shapes (their text is their own label) and outside the lines already read."""
    ink = far_from(rgb, under, INK)
    for box in leaves:
        ink[box.y0 : box.y1, box.x0 : box.x1] = False
    for box in text_boxes:
        ink[_around(box, TEXT_PAD)] = False
    return ink


def _around(box: Box, pad: int) -> tuple[slice, slice]:
    """The rows and columns of a box grown by ``pad`` pixels (cut at the image's top and left)."""
    return slice(max(0, box.y0 - pad), box.y1 + pad), slice(max(0, box.x0 - pad), box.x1 + pad)


def _route_distances(shape: tuple[int, int], connectors: Sequence[Connector]) -> np.ndarray:
    """For each pixel, its distance to the nearest connector's route."""
    routes = np.full(shape, 255, np.uint8)
    for connector in connectors:
        cv2.polylines(routes, [np.asarray(connector.points, np.int32)], False, 0)
    return cv2.distanceTransform(routes, cv2.DIST_L2, 3)


def _extents(pixels: np.ndarray) -> tuple[float, float]:
    """The length of a blob (rows, columns of its pixels) along its main axis and across it."""
    centred = pixels - pixels.mean(axis=0)
    _, vectors = np.linalg.eigh(np.cov(centred.T) if len(pixels) > 1 else np.eye(2))
    along, across = centred @ vectors[:, 1], centred @ vectors[:, 0]
    return float(np.ptp(along)) + 1, float(np.ptp(across)) + 1


def _by_end(box: Box, end: Point) -> bool:
    """Whether a connector's end lies on or by a box."""
    x, y = end
    return box.x0 - HEAD_REACH <= x < box.x1 + HEAD_REACH and box.y0 - HEAD_REACH <= y < box.y1 + HEAD_REACH


def _at_an_end(box: Box, ends: Sequence[tuple[Point, Point]]) -> bool:
    """Whether any connector's end (``ends``: each one's first and last point) lies on or by a box."""
    return any(_by_end(box, end) for pair in ends for end in pair)


def _blobs(ink: np.ndarray, connectors: Sequence[Connector]) -> tuple[np.ndarray, list[_Blob], list[Box]]:
    """The component image of the ink, its small pieces within reach of a connector, and the
    small solid boxes there (a label's own background on a coloured page or container)."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    distances = _route_distances(ink.shape, connectors)
    dashed = _route_distances(ink.shape, [c for c in connectors if c.stroke.dashed])
    blobs, boxes = [], []
    for label in range(1, count):
        x, y, w, h, area = (int(v) for v in stats[label])
        if h > WORD_HEIGHT[1] or w > WORD_WIDTH or distances[y : y + h, x : x + w].min() > REACH:
            continue
        if min(w, h) >= LABEL_BOX and area >= SOLID * w * h:
            boxes.append(Box(x, y, x + w, y + h))
            continue
        if dashed[y + h // 2, x + w // 2] <= ON_ROUTE or (w > 2 and h > 2 and area >= SOLID * w * h):
            continue  # a dash of a dashed line (a dot of "0..1" is too small to be judged)
        along, across = _extents(np.argwhere(labels[y : y + h, x : x + w] == label))
        on_route = bool(distances[y + h // 2, x + w // 2] <= ON_ROUTE)
        blobs.append(_Blob(label, Box(x, y, x + w, y + h), along, across, on_route))
    return labels, blobs, boxes


def _is_glyph(blob: _Blob, blobs: Sequence[_Blob], ends: Sequence[tuple[Point, Point]]) -> bool:
    """Whether a blob may be (part of) a glyph, not a piece of a line: a thin run (a bit of a
    dotted or faint line, a tick), a long straight run or one ending in an arrowhead at a
    connector's end (where a label cuts the line), a dash lying on a route beside another, or a
    whole short connector (``ends``: each connector's first and last point)."""
    along, across, box = blob.along, blob.across, blob.box
    if across <= THIN and along >= THIN_PIECE:
        return False
    at_end = _at_an_end(box, ends)
    if along >= PIECE_LENGTH and along >= (HEAD_PIECE if at_end else LINE_PIECE) * across:
        return False
    if _dash(blob) and any(
        other is not blob and _dash(other) and box.gap(other.box) <= DASH_SPACING * along for other in blobs
    ):
        return False
    return not any(_by_end(box, first) and _by_end(box, last) for first, last in ends)


def _dash(blob: _Blob) -> bool:
    """Whether a blob is shaped like a dash of the route it lies on."""
    return blob.on_route and blob.along >= DASH_PIECE * blob.across


def _words(boxes: list[Box]) -> list[list[int]]:
    """Blobs grouped into words: side by side, overlapping in height, close enough."""
    order = sorted(range(len(boxes)), key=lambda i: boxes[i].x0)
    words: list[list[int]] = []
    for index in order:
        box = boxes[index]
        for word in words:
            last = boxes[word[-1]]
            top, bottom = min(boxes[i].y0 for i in word), max(boxes[i].y1 for i in word)
            height = max(bottom - top, box.height)
            if box.x0 - last.x1 <= LETTER_GAP * height and box.y0 < bottom and box.y1 > top:
                word.append(index)
                break
        else:
            words.append([index])
    return words


def find_glyphs(
    rgb: np.ndarray,
    page: RGB,
    shapes: Sequence[Shape],
    connectors: Sequence[Connector],
    text_boxes: Sequence[Box],
) -> list[TextLine]:
    """Lone short texts near the connectors that OCR did not read, as text lines."""
    if not connectors:
        return []
    leaves = _leaves(shapes)
    under = _backgrounds(rgb.shape[:2], shapes, page)
    ink = _searched(rgb, under, leaves, text_boxes)
    labels, blobs, label_boxes = _blobs(ink, connectors)
    # A blob at a leaf's edge is cut off by it: a bit of a line running into the shape.
    blobs = [b for b in blobs if not any(b.box.gap(leaf) <= 1 for leaf in leaves)]
    ends = [(c.points[0], c.points[-1]) for c in connectors]
    glyphs = [blob for blob in blobs if _is_glyph(blob, blobs, ends)]
    lines = []
    for word in _words([g.box for g in glyphs]):
        box = Box(
            min(glyphs[i].box.x0 for i in word),
            min(glyphs[i].box.y0 for i in word),
            max(glyphs[i].box.x1 for i in word),
            max(glyphs[i].box.y1 for i in word),
        )
        if max(glyphs[i].box.height for i in word) < WORD_HEIGHT[0] or box.width > WORD_WIDTH:
            continue
        if np.mean(ink[_around(box, CROP_PAD)]) > MAX_INK:
            continue  # not on the page: a bit of a fill, an icon, a picture
        r, g, b = (int(v) for v in under[box.y0, box.x0])
        text, confidence = _read(rgb, (r, g, b), labels, [glyphs[i].label for i in word], box)
        if _is_label(text, confidence, _at_an_end(box, ends)):
            lines.append(TextLine(text, box, confidence, (Word(text, box),)))
    for box in label_boxes:
        text, confidence = _read_box(rgb, box)
        if _is_label(text, confidence, _at_an_end(box, ends)):
            lines.append(TextLine(text, box, confidence, (Word(text, box),)))
    return lines


def _is_label(text: str, confidence: float, at_end: bool) -> bool:
    """Whether a word's reading is a short label: surely read (less surely where it reads as the
    multiplicity expected there), of letters, digits and a few signs, and no arrowhead standing
    apart from its line at a connector's end (a dashed one's, a hand-drawn one)."""
    multiplicity = bool(MULTIPLICITY.match(text))
    if not LONE_TEXT.match(text) or confidence < (
        MULTIPLICITY_CONFIDENCE if multiplicity else MIN_CONFIDENCE
    ):
        return False
    return not at_end or (multiplicity and text not in ARROW_GLYPHS)


def _read_box(rgb: np.ndarray, box: Box) -> tuple[str, float]:
    """The text in a label's own background box, read on that box's colour."""
    inside = rgb[box.y0 : box.y1, box.x0 : box.x1]
    image = np.empty((box.height + 2 * CROP_PAD, box.width + 2 * CROP_PAD, 3), np.uint8)
    image[:] = dominant_colour(inside.reshape(-1, 3))
    image[CROP_PAD:-CROP_PAD, CROP_PAD:-CROP_PAD] = inside
    return _recognised(image)


def _recognised(image: np.ndarray) -> tuple[str, float]:
    """The reading of a word's image at twice its size, without the bits of lines and arrowheads
    read beside it."""
    text, confidence = recognise(
        cv2.resize(image, None, fx=UPSCALE, fy=UPSCALE, interpolation=cv2.INTER_CUBIC)
    )
    return without_arrowheads(text.translate(STARS).strip(STROKES)), confidence


def _read(rgb: np.ndarray, page: RGB, labels: np.ndarray, blobs: list[int], box: Box) -> tuple[str, float]:
    """A word's blobs alone on what they are drawn on (their anti-aliased rims kept), read."""
    crop = Box(box.x0 - CROP_PAD, box.y0 - CROP_PAD, box.x1 + CROP_PAD, box.y1 + CROP_PAD).clipped(
        rgb.shape[1], rgb.shape[0]
    )
    mine = np.isin(labels[crop.y0 : crop.y1, crop.x0 : crop.x1], blobs).astype(np.uint8)
    mine = cv2.dilate(mine, np.ones((3, 3), np.uint8)).astype(bool)
    image = np.empty((crop.height, crop.width, 3), np.uint8)
    image[:] = page
    image[mine] = rgb[crop.y0 : crop.y1, crop.x0 : crop.x1][mine]
    return _recognised(image)

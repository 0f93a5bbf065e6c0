"""Font face, size, weight, colour and spacing of OCR'd text, measured from the pixels.

A line is separated from its local background by colour distance, which gives a soft ink mask
and the text colour. The line's text is drawn in each reference face (``fonts``) and stretched
onto the source ink: the best correlated face wins, the ink's height and width give the font
size, baseline and letter spacing, and each word's ink mass against the face's regular and bold
drawings gives its weight. Lines that OCR joined across wide gaps (menus, table rows) are cut
into runs there, so each run lands where it was.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from PIL import Image
from scipy import ndimage

from .colour import RGB, colour_distance, dominant_colour
from .fonts import FACES, REF_SIZE, Face, available, drawing, edges, load
from .geometry import Box, runs
from .ocr import TextLine, Word

log = logging.getLogger(__name__)

INK_ALPHA = 0.3  # coverage above which a pixel counts as ink
RUN_GAP_EM = 0.9  # a gap wider than this (in font sizes) ends a run; word spaces are ~0.28 em
MIN_CONTRAST = 24.0  # RGB distance under which nothing in the box is legible ink
SIZE_LATITUDE = 1.15  # how far the width may move the font size away from what the height says
SNAP_SHARE = 0.03  # a measured font size this close (relative) to a whole pixel size is that size
PALETTE_DISTANCE = 24.0  # RGB distance within which two text colours are taken for one
WORD_COLOUR_DISTANCE = 60.0  # RGB distance at which a word's colour is its own (a link), not noise
STRETCH_WEIGHT = 1.0  # likeness lost per unit of log width mismatch at the measured height
PAGE_FACE_BONUS = 0.1  # likeness a run's face gets for being the page's main face
# Font size per px of OCR line box height above which a run's own measure is broken (text runs
# measure 0.45-1.09 on the dev pages; a dash whose crop caught a stray stroke measured 8).
MAX_SIZE_PER_LINE = 1.4


@dataclass(frozen=True)
class Span:
    """Words of a run that differ from it in weight or colour (a bold lead-in, a link)."""

    text: str
    bold: bool
    colour: RGB


@dataclass(frozen=True)
class TextRun:
    """A piece of a text line with everything needed to draw it where it was."""

    text: str
    ink: Box  # tight box of the inked pixels
    left: float  # x where the text starts (its pen position), page pixels
    baseline: float  # y of the baseline, page pixels
    font_size: float  # px
    bold: bool
    colour: RGB
    letter_spacing: float  # px, so the run is as wide as in the source
    face: Face = FACES[0]
    underline: bool = False
    spans: tuple[Span, ...] = ()  # the run's words in order, where some differ from the run


def _likeness(source: np.ndarray, drawn: np.ndarray) -> float:
    """Correlation of a source ink crop with a drawing stretched to the same size, both blurred."""
    h, w = source.shape
    stretched = np.asarray(
        Image.fromarray((drawn * 255).astype(np.uint8)).resize((w, h), Image.Resampling.BILINEAR), np.float64
    )
    a = ndimage.gaussian_filter(source, 0.8).ravel()
    b = ndimage.gaussian_filter(stretched, 0.8).ravel()
    a, b = a - a.mean(), b - b.mean()
    norm = np.sqrt((a @ a) * (b @ b))
    return float(a @ b / norm) if norm > 0 else 0.0


def _stray(mask: np.ndarray) -> np.ndarray:
    """Pixels of ``mask`` that are not this line's glyphs.

    Those are blobs as tall as the box (borders, bars) and ink in rows apart from the line's main
    band (the descenders of the line above, the tops of the one below).
    """
    labels, _ = ndimage.label(mask, structure=np.ones((3, 3)))
    tall = [
        index
        for index, window in enumerate(ndimage.find_objects(labels), start=1)
        if window is not None and window[0].stop - window[0].start >= 0.9 * mask.shape[0]
    ]
    stray = np.isin(labels, tall) if tall else np.zeros_like(mask)
    bands = [list(b) for b in runs((mask & ~stray).any(axis=1))]
    if len(bands) > 1:
        merged = [bands[0]]
        for start, stop in bands[1:]:
            if start - merged[-1][1] <= max(2, mask.shape[0] // 10):
                merged[-1][1] = stop
            else:
                merged.append([start, stop])
        weight = [(mask[s:e] & ~stray[s:e]).sum() for s, e in merged]
        keep = merged[int(np.argmax(weight))]
        stray[: keep[0]] = True
        stray[keep[1] :] = True
    return stray


def _coverage(crop: np.ndarray, background: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Text colour and per-pixel ink coverage (0..1) of a crop over a known background."""
    diff = crop.astype(float) - background
    distance = np.linalg.norm(diff, axis=2)
    distance[_stray(distance >= MIN_CONTRAST)] = 0.0
    strongest = np.percentile(distance, 99.5)
    if strongest < MIN_CONTRAST:
        return background, np.zeros(distance.shape)
    colour = np.median(crop[distance >= 0.75 * strongest], axis=0)
    direction = colour - background
    alpha = np.clip((diff @ direction) / float(direction @ direction), 0.0, 1.0)
    alpha[distance == 0.0] = 0.0
    return colour, alpha


def _segments(columns: np.ndarray, min_gap: float) -> list[tuple[int, int]]:
    """Runs of inked columns, split where more than ``min_gap`` blank columns separate them."""
    inked = np.flatnonzero(columns)
    if inked.size == 0:
        return []
    cuts = np.flatnonzero(np.diff(inked) > min_gap)
    starts = np.concatenate([[inked[0]], inked[cuts + 1]])
    ends = np.concatenate([inked[cuts], [inked[-1]]]) + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _run_words(line: TextLine, segments: Sequence[tuple[int, int]], x0: int) -> list[list[Word]]:
    """The words of ``line`` that fall in each segment (by word centre)."""
    words = list(line.words) or [Word(line.text, line.box)]
    if len(segments) == 1:
        return [words]
    pieces: list[list[Word]] = [[] for _ in segments]
    for word in words:
        cx = word.box.center[0] - x0
        nearest = min(range(len(segments)), key=lambda i: max(segments[i][0] - cx, cx - segments[i][1], 0))
        pieces[nearest].append(word)
    return pieces


def _underline_rows(inked: np.ndarray) -> np.ndarray:
    """Indices of the rows of an underline: near the bottom, nearly as wide as the ink, and
    apart from the glyphs (the row above is mostly blank, where a glyph's foot would be full)."""
    none = np.array([], dtype=int)
    rows = np.flatnonzero(inked.any(axis=1))
    cols = np.flatnonzero(inked.any(axis=0))
    if rows.size < 6 or cols.size < 8:
        return none
    height = rows[-1] - rows[0] + 1
    span = inked[:, cols[0] : cols[-1] + 1].mean(axis=1)
    bottom = np.arange(rows[-1] - max(2, int(0.35 * height)), rows[-1] + 1)
    found = bottom[span[bottom] >= 0.75]
    if not 0 < found.size <= max(2, round(0.15 * height)) or np.any(np.diff(found) != 1):
        return none
    above = found[0] - 1
    return found if span[above] < 0.5 * span[found].min() else none


@dataclass
class _Measured:
    """A run's measurements before its face is chosen: ink, colour and each face's likeness."""

    text: str
    ink: Box
    extent: tuple[float, float, float, float]  # the ink's edges to a fraction of a pixel
    colour: RGB
    underline: bool
    scores: dict[tuple[Face, bool], float]
    boxes: dict[tuple[Face, bool], tuple[float, float, float, float]]
    weight: dict[tuple[Face, bool], float]  # source ink mass over the drawing's, at equal height
    words: list[tuple[str, float, RGB]]  # each word's text, ink mass and colour


def _word_inks(
    words: Sequence[Word], crop: np.ndarray, alpha: np.ndarray, ox: int
) -> list[tuple[str, float, RGB]]:
    """Ink mass and colour of each word: every inked column goes to the nearest word box."""
    cols = np.flatnonzero(alpha.max(axis=0) > INK_ALPHA)
    owner = np.array(
        [
            min(range(len(words)), key=lambda i: max(words[i].box.x0 - ox - c, c - (words[i].box.x1 - ox), 0))
            for c in cols
        ]
    )
    found = []
    for i, word in enumerate(words):
        mine = cols[owner == i] if cols.size else cols
        part = alpha[:, mine]
        strong = part >= 0.9 * part.max() if part.size else part
        if not strong.any():
            return []
        r, g, b = np.median(crop[:, mine][strong], axis=0).round()
        found.append((word.text, float(part.sum()), (int(r), int(g), int(b))))
    return found


def _measure(
    words: Sequence[Word],
    text: str,
    crop: np.ndarray,
    alpha: np.ndarray,
    colour: np.ndarray,
    ox: int,
    oy: int,
) -> _Measured | None:
    """Measure one run whose coverage is ``alpha`` (its crop starts at page pixel ``ox``, ``oy``)."""
    underline = _underline_rows(alpha > INK_ALPHA)
    alpha = alpha.copy()
    alpha[underline] = 0.0
    # Only the glyphs and their antialiased rims: a faint backdrop (a badge, a tinted cell) would
    # stretch the ink's edges and add to its mass.
    alpha[~ndimage.binary_dilation(alpha > INK_ALPHA, structure=np.ones((3, 3)))] = 0.0
    rows = np.flatnonzero(alpha.max(axis=1) > INK_ALPHA)
    cols = np.flatnonzero(alpha.max(axis=0) > INK_ALPHA)
    if rows.size == 0 or cols.size == 0:
        return None
    ink = Box(ox + int(cols[0]), oy + int(rows[0]), ox + int(cols[-1]) + 1, oy + int(rows[-1]) + 1)
    source = alpha[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]
    y0, y1 = edges(alpha.max(axis=1))
    x0, x1 = edges(alpha.max(axis=0))
    width, height = x1 - x0, y1 - y0
    scores, boxes, weight = {}, {}, {}
    for face, bold, font in available():
        box, drawn = drawing(font, text)
        left, top, right, bottom = box
        # The right face drawn at the height of the source ink is about as wide as it.
        stretch = width * (bottom - top) / max((right - left) * height, 1e-6)
        scores[face, bold] = _likeness(source, drawn) - STRETCH_WEIGHT * abs(np.log(max(stretch, 1e-3)))
        boxes[face, bold] = box
        scale = height / max(bottom - top, 1e-6)
        weight[face, bold] = float(source.sum()) / max(float(drawn.sum()) * scale**2, 1e-6)
    if not scores:
        return None
    r, g, b = (int(v) for v in colour.round())
    extent = (ox + x0, oy + y0, ox + x1, oy + y1)
    inks = _word_inks(words, crop, alpha, ox) if " ".join(w.text for w in words) == text else []
    return _Measured(text, ink, extent, (r, g, b), bool(underline.size), scores, boxes, weight, inks)


def _snapped(size: float) -> float:
    """A font size as a stylesheet would give it: whole pixels when that close, else tenths."""
    whole = round(size)
    return float(whole) if abs(size - whole) <= SNAP_SHARE * size else round(size, 1)


def _spans(measured: _Measured, face: Face, bold: bool, scale: float) -> tuple[list[Span], float]:
    """Per-word weight and colour, merged into spans, and how much wider (REF_SIZE px) the
    differing weights draw the run than ``bold`` alone would.

    A word's weight comes from its ink mass, which short words measure badly: a line keeps mixed
    weights only as a lead-in (its first words in the other weight, "Note: ..."); otherwise all its
    words take the weight of most of its letters.
    """
    regular, heavy = load(face, False), load(face, True)
    words = []
    for text, mass, colour in measured.words:
        word_bold = bold
        if regular is not None and heavy is not None:
            masses = [float(drawing(font, text)[1].sum()) * scale**2 for font in (regular, heavy)]
            ratios = [abs(np.log(max(mass, 1e-6) / max(m, 1e-6))) for m in masses]
            word_bold = bool(ratios[1] < ratios[0])
        if colour_distance(colour, measured.colour) < WORD_COLOUR_DISTANCE:
            colour = measured.colour
        words.append((text, word_bold, colour))
    weights = [w[1] for w in words]
    lead = next((i for i, w in enumerate(weights) if w != weights[0]), len(weights))
    if any(w != weights[0] for w in weights[lead:]) or (lead < len(weights) and weights[0] is False):
        heavy_chars = sum(len(t) for t, b, _ in words if b)
        majority = 2 * heavy_chars > sum(len(t) for t, _, _ in words)
        words = [(t, majority, c) for t, _, c in words]
    spans: list[Span] = []
    extra = 0.0
    for text, word_bold, colour in words:
        if word_bold != bold and regular is not None and heavy is not None:
            extra += (heavy.getlength(text) - regular.getlength(text)) * (1 if word_bold else -1)
        if spans and (spans[-1].bold, spans[-1].colour) == (word_bold, colour):
            spans[-1] = Span(f"{spans[-1].text} {text}", word_bold, colour)
        else:
            spans.append(Span(text, word_bold, colour))
    return spans, extra


def _finish(measured: _Measured, face: Face, bold: bool) -> TextRun:
    """The run drawn in ``face``: size from the ink height, spacing from the ink width.

    The run takes the weight of most of its letters; words of the other weight become spans.
    """
    x0, y0, x1, y1 = measured.extent
    for _ in range(2):
        left, top, right, bottom = measured.boxes[face, bold]
        by_height = (y1 - y0) / max(bottom - top, 1.0)  # font size / REF_SIZE
        spans, extra = _spans(measured, face, bold, by_height)
        heavy = sum(len(s.text) for s in spans if s.bold)
        if not spans or (heavy * 2 > sum(len(s.text) for s in spans)) == bold:
            break
        bold = not bold
    natural = right - left + extra
    # The width sums many advances and is the sharper measure of size; the height keeps it sane
    # where the face or the OCR text is wrong, and letter spacing absorbs the rest.
    by_width = (x1 - x0) / max(natural, 1.0)
    scale = float(np.clip(by_width, by_height / SIZE_LATITUDE, by_height * SIZE_LATITUDE))
    font_size = _snapped(REF_SIZE * scale)
    scale = font_size / REF_SIZE
    spacing = ((x1 - x0) - natural * scale) / max(len(measured.text) - 1, 1)
    plain = len(spans) <= 1 and all(s.bold == bold and s.colour == measured.colour for s in spans)
    return TextRun(
        text=measured.text,
        ink=measured.ink,
        left=x0 - left * scale,
        baseline=y1 - bottom * by_height,
        font_size=font_size,
        bold=bold,
        colour=measured.colour,
        letter_spacing=float(np.clip(spacing, -0.1 * font_size, 0.4 * font_size)),
        face=face,
        underline=measured.underline,
        spans=() if plain else tuple(spans),
    )


def _measure_line(rgb: np.ndarray, line: TextLine) -> list[_Measured]:
    """The runs of one OCR line, measured; empty if nothing legible is there."""
    height, width = rgb.shape[:2]
    box = Box(line.box.x0 - 2, line.box.y0, line.box.x1 + 2, line.box.y1).clipped(width, height)
    if box.area == 0:
        return []
    crop = rgb[box.y0 : box.y1, box.x0 : box.x1]
    frame = np.concatenate([crop[0], crop[-1], crop[:, 0], crop[:, -1]])
    background = np.asarray(dominant_colour(frame), dtype=float)
    _, alpha = _coverage(crop, background)
    rows = np.flatnonzero(alpha.max(axis=1) > INK_ALPHA)
    if rows.size == 0:
        return []
    columns = alpha.max(axis=0) > INK_ALPHA
    segments = _segments(columns, RUN_GAP_EM * (rows[-1] - rows[0] + 1) / 1.2)
    runs = []
    for (start, end), words in zip(segments, _run_words(line, segments, box.x0), strict=True):
        if not words:
            continue  # ink without words: an icon or a mark OCR did not read
        text = line.text if len(segments) == 1 else " ".join(w.text for w in words)
        colour, piece_alpha = _coverage(crop[:, start:end], background)
        run = _measure(words, text, crop[:, start:end], piece_alpha, colour, box.x0 + start, box.y0)
        if run is not None:
            runs.append(run)
    return runs


def text_runs(rgb: np.ndarray, lines: Sequence[TextLine]) -> list[TextRun]:
    """The styled runs of a page's OCR lines.

    A page mostly uses one family: the face that matches best over all its text (weighted by
    length) is preferred, and a run takes another only when that one matches clearly better.
    The weight is then the one of that face whose ink mass is nearer the source's: strokes
    thicken with weight far more reliably than shapes change.
    """
    measured = [(line, run) for line in lines for run in _measure_line(rgb, line)]
    totals: dict[Face, float] = {}
    for _, run in measured:
        for (face, _), score in run.scores.items():
            totals[face] = totals.get(face, 0.0) + score * len(run.text)
    page_face = max(totals, key=lambda f: totals[f]) if totals else FACES[0]
    styled: list[tuple[TextLine, TextRun]] = []
    for line, run in measured:
        face, _ = max(
            run.scores, key=lambda k: run.scores[k] + (PAGE_FACE_BONUS if k[0] == page_face else 0.0)
        )
        bold = (face, True) in run.weight and bool(
            abs(np.log(run.weight[face, True])) < abs(np.log(run.weight.get((face, False), 1e-6)))
        )
        styled.append((line, _finish(run, face, bold)))
    return _with_palette([_within_line(run, line, styled) for line, run in styled])


def _within_line(run: TextRun, line: TextLine, styled: Sequence[tuple[TextLine, TextRun]]) -> TextRun:
    """``run``, or where its size cannot be that of a text in ``line``'s box (a mark whose thin ink
    gives no scale: a dash, a dot), drawn as the nearest run of its line, or as big as the box."""
    most = MAX_SIZE_PER_LINE * line.box.height
    if run.font_size <= most:
        return run
    siblings = [other for owner, other in styled if owner is line and other.font_size <= most]
    if siblings:
        like = min(siblings, key=lambda other: abs(other.ink.center[0] - run.ink.center[0]))
        return replace(
            run,
            left=float(run.ink.x0),
            baseline=like.baseline,
            font_size=like.font_size,
            face=like.face,
            bold=like.bold,
            letter_spacing=0.0,
        )
    size = float(line.box.height)
    return replace(
        run, left=float(run.ink.x0), baseline=line.box.y1 - 0.2 * size, font_size=size, letter_spacing=0.0
    )


def _with_palette(runs: list[TextRun]) -> list[TextRun]:
    """The runs with near-equal text colours made equal, so the page has a few text colours.

    Colours are taken in order of how much text wears them; each joins the first palette colour
    within PALETTE_DISTANCE, or starts a new one.
    """
    use: dict[RGB, int] = {}
    for run in runs:
        for colour, text in [(run.colour, run.text), *((s.colour, s.text) for s in run.spans)]:
            use[colour] = use.get(colour, 0) + len(text)
    palette: list[RGB] = []
    mapping: dict[RGB, RGB] = {}
    for colour in sorted(use, key=lambda c: -use[c]):
        mapping[colour] = next((p for p in palette if colour_distance(p, colour) < PALETTE_DISTANCE), colour)
        if mapping[colour] == colour:
            palette.append(colour)
    return [
        replace(
            run,
            colour=mapping[run.colour],
            spans=tuple(replace(s, colour=mapping[s.colour]) for s in run.spans),
        )
        for run in runs
    ]

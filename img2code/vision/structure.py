"""Turn what the classic backend saw (``vision.page.Layout``: painted regions and text runs) into
a layout tree a front-end developer would write: rows and columns found by recursive XY-cut,
paragraphs instead of lines, headings, buttons, a nav, lists, card grids, a header and a footer.

The tree (``PageNode``) says what each element is and how its children flow, in CSS-neutral terms
(padding, gaps, offsets in pixels, column counts), so any writer can emit it: ``backends.
classic_flow`` writes plain HTML + CSS; other stacks can write Tailwind or components from it.

Geometry convention: every node's ``box`` is the box the element occupies in the source (for text
the line boxes, not the ink); ``margin`` places it in its parent's flow (see ``PageNode``).
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from .colour import RGB, colour_distance
from .fonts import REF_SIZE, Face, font_metrics, load
from .geometry import Box
from .grids import LINE_SLACK, Grid, find_grids
from .page import Layout
from .regions import Region
from .style import Span, TextRun

LINE_HEIGHT = 1.2  # em: the line box of a single line (multi-line paragraphs use their measured pitch)
# Spacing scale that measured gaps and paddings snap to: 1 px (a hairline's frame), then 2 px steps
# up to 64, then 4, then 8.
SPACING_STEPS = ((1, 1), (64, 2), (128, 4), (10**6, 8))
SAME_SIZE = 0.08  # relative font-size difference under which two runs share a style
SAME_COLOUR = 40.0  # RGB distance under which two text colours are one
PITCH_RANGE = (0.95, 2.2)  # baseline pitch, in font sizes, of lines of one paragraph
CENTRED_MIN_PX = 16  # a row's content this far from both sides of its box may stand in its middle
JUSTIFIED_PX = 2  # lines ending within this of one edge (JUSTIFIED_LINES of them) are justified
JUSTIFIED_LINES = 2
NATURAL_CHARS = 12  # a justified paragraph's last line this long shows its natural spacing
BULLETS = (".", "•", "·", "∙", "▪", "◦", "*")  # what OCR reads list markers as
WORD_GAP = 1.0  # font sizes: a wider space between two pieces of a line separates two texts
WORD_SIZE = 0.15  # relative size difference two pieces of one text may show (OCR sizes short words badly)
MIN_WRAPPED_CHARS = 18  # a line shorter than this did not wrap: the next line is its own element
HEADING_SIZE = 1.22  # a text this much larger than the body text is a heading
BOLD_HEADING_SIZE = 1.1  # ... or this much larger and bold, when short
BUTTON_MAX_CHARS = 32
BUTTON_MAX_HEIGHT = 3.6  # font sizes: a taller box around a short text is a panel, not a button
BUTTON_MAX_SIDE = 6  # font sizes of room beside the text, both sides together, that a button may have
NAV_MIN_ITEMS = 3
NAV_MAX_WORDS = 4
SHARED_EDGE = 2  # px two painted boxes may overlap by (a shared border line) and still stand apart
LINES_TOUCH = 0.3  # share of the shorter line's height two texts may overlap by and still stack
LINK_MAX_WORDS = 6  # a list item or an underlined text this short is a link
COLOURED_LINK_MAX_WORDS = 12  # a line this short in a colour the page's links have is a link
HEADER_SHARE = 0.2  # of the page height (at most 200 px): where the nav bar must sit
LIST_MIN_ITEMS = 3
TABLE_MIN_ROWS = 3  # rows whose cells line up in columns that make a table (two with 3+ columns)
CELL_MAX_LEAVES = 4  # texts, pictures and fields one table cell holds at most
GRID_MIN_ITEMS = 2
GRID_WIDTH_TOLERANCE = 0.08  # relative spread of widths that still reads as equal columns
FULL_WIDTH = 0.96  # share of the page width from which a band spans the page
# A paragraph's width: this share of the room between "every line fits" and "a line takes the next
# line's first word" (at most 8 px), or none when the room is under WRAP_MIN_ROOM px (rounding).
WRAP_ROOM = 0.5
WRAP_MIN_ROOM = 0.4
BLEND_SLACK = 30.0  # RGB distance by which an edge strip may miss the panel-to-background blend line
INPUT_HEIGHT = (14, 60)  # px: the heights an outlined empty box has when it is a text field
RULE_PX = 3  # a line at most this thick is a rule or one side of an outline
# px by which a rounded outline's sides fall short of its corners (they are not straight there)
FRAME_CORNER = 10
FRAME_MIN_SIDE = 16  # px: the least height of an outline's sides and width between them
COLUMN_OVERLAP = 0.5  # share of the shorter of two side-by-side columns that must lie beside the other
CONTENT_INSET = 0.08  # share of a column's width from which a centred run of its children is inset
CENTRED = 0.04  # share of the page width within which left and right margins count as equal


@dataclass
class TextStyle:
    """How a text is drawn: face, size (px), weight, colour, line height (unitless), spacing."""

    face: Face
    size: float
    bold: bool
    colour: RGB
    line_height: int = 0  # px, from one baseline to the next
    letter_spacing: float = 0.0
    underline: bool = False
    align: str = "left"  # left, center, right or justify


@dataclass
class BoxStyle:
    """How a painted element looks: background, corner radius, a border colour."""

    background: RGB | None = None
    radius: int = 0
    border: RGB | None = None
    border_width: int = 0
    border_sides: str = ""  # which sides the border is drawn on: some of "trbl"


@dataclass
class Flow:
    """How a container lays out its children.

    ``kind``: ``column`` (stacked; each child's ``margin`` is its gap to the previous one and its
    offset from the content's left edge), ``row`` (side by side, wrapping when narrow; ``margin``
    is the gap to the previous child and the offset from the top), ``grid`` (``columns`` equal
    columns, ``gap`` between them and between rows), ``stack`` (children overlap: each is placed
    at ``margin`` = its offset from the content box's top-left corner; the only absolute layout),
    ``table`` / ``table-row`` / ``cell`` (a ruled table, its rows and its cells, laid out by
    CSS table layout; a cell's ``padding`` places its contents, which stand in it as in a column).
    ``push`` marks the index of a row child pushed to the far end (``margin-left: auto``);
    ``centred`` a row drawn as a group in the middle of its box (``justify-content: center``).
    """

    kind: str = "column"
    padding: tuple[int, int, int, int] = (0, 0, 0, 0)  # top, right, bottom, left
    gap: int = 0
    columns: int = 0
    align: str = "start"  # cross-axis alignment of a row: start or center
    push: int | None = None
    centred: bool = False  # a row whose children stand as a group in the middle of its box


@dataclass
class PageNode:
    """One element of the page.

    ``role`` says what it is (page, header, nav, main, footer, section, row, column, grid, card,
    panel, heading, paragraph, button, link, list, item, table, cell, image, input, rule, text);
    ``tag`` the HTML element that carries that role. ``margin`` is (top, left) in px as the
    parent's ``flow`` reads it. ``width`` is the source width an element should keep at most (it shrinks
    on narrower screens); ``height`` a fixed height, for empty painted boxes and images only.
    """

    role: str
    tag: str
    box: Box
    children: list[PageNode] = field(default_factory=list)
    text: str = ""
    spans: tuple[Span, ...] = ()
    text_style: TextStyle | None = None
    box_style: BoxStyle = field(default_factory=BoxStyle)
    flow: Flow | None = None  # set on containers
    margin: tuple[int, int] = (0, 0)
    width: float | None = None
    height: int | None = None
    centred: bool = False  # centred in its parent column (margin-left: auto; margin-right: auto)
    level: int = 0  # heading level
    asset: str | None = None  # image file name under the output's assets/ (images only)
    region: Region | None = None
    bullet: bool = False  # a list marker stood before it (lists: a list whose items have markers)

    def walk(self) -> list[PageNode]:
        """This node and every node below it, depth first."""
        nodes = [self]
        for child in self.children:
            nodes.extend(child.walk())
        return nodes


def snap(px: float) -> int:
    """``px`` snapped to the spacing scale (sign kept)."""
    value = abs(px)
    for limit, step in SPACING_STEPS:
        if value <= limit:
            snapped = int(round(value / step) * step)
            break
    return int(math.copysign(snapped, px)) if snapped else 0


def _union(boxes: Sequence[Box]) -> Box:
    return Box(
        min(b.x0 for b in boxes), min(b.y0 for b in boxes), max(b.x1 for b in boxes), max(b.y1 for b in boxes)
    )


# --- text: lines into paragraphs -------------------------------------------------------------


@dataclass
class TextBlock:
    """Runs (one per line, or one for a single line) drawn as one element; ``bullet`` when a list
    marker stood before its first line."""

    runs: list[TextRun]
    bullet: bool = False
    justified: bool = False

    @property
    def first(self) -> TextRun:
        return self.runs[0]

    @property
    def natural(self) -> TextRun:
        """The line whose measure stands for the block's font: the first, but in a justified block
        its last (unstretched) line, or where that is short its least stretched one: stretched word
        spaces made the style step measure its lines up to a size too big."""
        if not self.justified:
            return self.first
        if len(self.runs[-1].text) >= NATURAL_CHARS:
            return self.runs[-1]
        return min(self.runs, key=lambda r: (r.font_size, r.letter_spacing))

    @property
    def ink(self) -> Box:
        return _union([r.ink for r in self.runs])

    @property
    def text(self) -> str:
        return " ".join(r.text for r in self.runs)

    @property
    def pitch(self) -> int:
        """Baseline to baseline distance in whole px (a single line: the default line height)."""
        if len(self.runs) < 2:
            return round(LINE_HEIGHT * self.first.font_size)
        steps = [b.baseline - a.baseline for a, b in zip(self.runs, self.runs[1:], strict=False)]
        return round(statistics.median(steps))

    def align(self) -> str:
        if len(self.runs) < 2:
            return "left"
        if self.justified:
            return "justify"
        lefts = [r.left for r in self.runs]
        centres = [(r.left + r.ink.x1) / 2 for r in self.runs]
        size = self.first.font_size
        if max(lefts) - min(lefts) <= 0.5 * size:
            return "left"
        if max(centres) - min(centres) <= 0.6 * size:
            return "center"
        return (
            "right"
            if max(r.ink.x1 for r in self.runs) - min(r.ink.x1 for r in self.runs) <= 0.5 * size
            else "left"
        )

    def box(self) -> Box:
        """The element's box: line boxes of its pitch, placed so the first baseline is the source's."""
        run = self.first
        size = self.natural.font_size
        pitch = self.pitch
        ascent, descent = font_metrics(run.face)
        asc, desc = round(ascent * size), round(descent * size)
        top = round(run.baseline) - math.floor((pitch - asc - desc) / 2 + asc)
        left = math.floor(min(r.left for r in self.runs))
        right = max(r.ink.x1 for r in self.runs)
        return Box(left, top, right, top + pitch * len(self.runs))


def _same_style(a: TextRun, b: TextRun) -> bool:
    return (
        abs(a.font_size - b.font_size) <= SAME_SIZE * max(a.font_size, b.font_size)
        and a.bold == b.bold
        and a.face == b.face
        and colour_distance(a.colour, b.colour) <= SAME_COLOUR
    )


def _continues(block: TextBlock, run: TextRun) -> bool:
    """Whether ``run`` is the next line of the paragraph ``block`` (it wrapped onto it)."""
    last = block.runs[-1]
    size = last.font_size
    if not _same_style(last, run) or len(last.text) < MIN_WRAPPED_CHARS:
        return False
    pitch = run.baseline - last.baseline
    if not PITCH_RANGE[0] * size <= pitch <= PITCH_RANGE[1] * size:
        return False
    if len(block.runs) > 1 and abs(pitch - block.pitch) > 0.15 * size + 1:
        return False  # irregular spacing: a new paragraph
    same_left = abs(run.left - last.left) <= 0.6 * size
    same_centre = abs((run.left + run.ink.x1) - (last.left + last.ink.x1)) / 2 <= 0.8 * size
    if not (same_left or same_centre):
        return False
    # The line broke because the next word did not fit: the line plus that word fills the width.
    width = max(max(r.ink.x1 - r.left for r in block.runs), run.ink.x1 - run.left)
    first_word = run.text.split(" ", 1)[0]
    word = (run.ink.x1 - run.left) * len(first_word) / max(1, len(run.text))
    return (last.ink.x1 - last.left) + word + 0.3 * size >= 0.85 * width


def _bullets(original_runs: Sequence[TextRun]) -> tuple[list[TextRun], set[int]]:
    """The runs without list markers (a lone dot before a text on its line, or a marker OCR read
    into the line's text), and the indices (in the returned list) of the runs that had one."""
    runs = [_marker_dropped(run) for run in original_runs]
    marked = {i for i, run in enumerate(runs) if run is not original_runs[i]}
    markers = set()
    for i, run in enumerate(runs):
        if run.text.strip() not in BULLETS or run.ink.height > 0.6 * run.font_size + 2:
            continue
        for j, other in enumerate(runs):
            if j == i or other.text.strip() in BULLETS:
                continue
            size = other.font_size
            beside = 0 < other.left - run.ink.x1 <= 2.5 * size
            if beside and other.ink.y0 - 2 <= (run.ink.y0 + run.ink.y1) / 2 <= other.ink.y1 + 2:
                markers.add(i)
                marked.add(j)
                break
    kept = [r for i, r in enumerate(runs) if i not in markers]
    index = {id(r): k for k, r in enumerate(kept)}
    return kept, {index[id(runs[j])] for j in marked}


def _marker_dropped(run: TextRun) -> TextRun:
    """``run`` without the list marker OCR read into its text ("• Item"), starting where the
    item's words do; ``run`` itself when it has none."""
    marker, _, rest = run.text.partition(" ")
    font = load(run.face, run.bold)
    if marker not in BULLETS or marker in (".", "*") or not rest.strip() or font is None:
        return run
    advance = font.getlength(marker + " ") * run.font_size / REF_SIZE + 2 * run.letter_spacing
    left = run.left + advance
    ink = Box(min(round(left), run.ink.x1 - 1), run.ink.y0, run.ink.x1, run.ink.y1)
    spans = run.spans[1:] if run.spans and run.spans[0].text == marker else run.spans
    return replace(run, text=rest.strip(), left=left, ink=ink, spans=spans)


def _pieces(run: TextRun) -> tuple[Span, ...]:
    return run.spans or (Span(run.text, run.bold, run.colour),)


def _joins(a: TextRun, b: TextRun) -> bool:
    """Whether ``b`` continues ``a``'s line as the next words of one text (OCR cut the line at a wide
    space, or at a change of weight or colour)."""
    size = max(a.font_size, b.font_size)
    gap = b.ink.x0 - a.ink.x1
    return (
        a.underline == b.underline
        and abs(a.font_size - b.font_size) <= WORD_SIZE * size
        and abs(a.baseline - b.baseline) <= 0.15 * size + 1
        and -1 <= gap <= WORD_GAP * size + 2 * max(a.letter_spacing, 0)
    )


def _joined(a: TextRun, b: TextRun) -> TextRun:
    """One run for two pieces of a line: words in spans, the face and size of the longer piece (OCR
    guesses them worse on short words), spacing refitted to the whole width."""
    pieces = _pieces(a) + _pieces(b)
    main = a if len(a.text) >= len(b.text) else b
    heavy = sum(len(p.text) for p in pieces if p.bold)
    bold = 2 * heavy > sum(len(p.text) for p in pieces)
    weights: dict[RGB, int] = {}
    for piece in pieces:
        weights[piece.colour] = weights.get(piece.colour, 0) + len(piece.text)
    colour = max(weights, key=lambda c: weights[c])
    text = f"{a.text} {b.text}"
    spacing = main.letter_spacing
    regular, heavy_font = load(main.face, False), load(main.face, True)
    if regular is not None and heavy_font is not None:
        scale = main.font_size / REF_SIZE
        natural = sum((heavy_font if p.bold else regular).getlength(p.text) for p in pieces)
        natural += regular.getlength(" ") * (len(pieces) - 1)
        spacing = (b.ink.x1 - a.left - natural * scale) / max(len(text) - 1, 1)
        spacing = min(max(spacing, -0.1 * main.font_size), 0.4 * main.font_size)
    plain = all(p.bold == bold and p.colour == colour for p in pieces)
    return TextRun(
        text=text,
        ink=_union([a.ink, b.ink]),
        left=a.left,
        baseline=a.baseline,
        font_size=main.font_size,
        bold=bold,
        colour=colour,
        letter_spacing=spacing,
        face=main.face,
        underline=a.underline,
        spans=() if plain else pieces,
    )


def _lines_joined(runs: Sequence[TextRun]) -> list[TextRun]:
    """Runs with the pieces of one line that belong to one text joined (see ``_joins``)."""
    out: list[TextRun] = []
    for run in sorted(runs, key=lambda r: (r.ink.x0, r.baseline)):
        host = next((i for i in range(len(out) - 1, -1, -1) if _joins(out[i], run)), None)
        if host is None:
            out.append(run)
        else:
            out[host] = _joined(out[host], run)
    return out


def paragraphs(runs: Sequence[TextRun]) -> list[TextBlock]:
    """Runs grouped into text blocks: lines that wrapped into one another become one paragraph;
    list markers are dropped, and a line after one always starts a block of its own."""
    kept, marked = _bullets(_lines_joined(runs))
    bulleted = {id(kept[i]) for i in marked}
    blocks: list[TextBlock] = []
    open_blocks: list[TextBlock] = []
    for run in sorted(kept, key=lambda r: (r.baseline, r.left)):
        target = None
        for block in open_blocks if id(run) not in bulleted else ():
            last = block.runs[-1]
            if last.baseline < run.baseline and _continues(block, run) and _overlap_x(last, run) > 0:
                target = block
                break
        if target is not None:
            target.runs.append(run)
        else:
            block = TextBlock([run], bullet=id(run) in bulleted)
            blocks.append(block)
            # a paragraph does not continue past a line of another text under it: the two would
            # overlap, and only absolute positions could draw them
            open_blocks = [b for b in open_blocks if _overlap_x(b.runs[-1], run) <= 0]
            open_blocks.append(block)
        # a block whose last line is far above this run can take no more lines
        open_blocks = [
            b for b in open_blocks if run.baseline - b.runs[-1].baseline <= 3 * b.runs[-1].font_size
        ]
    _mark_justified(blocks)
    return blocks


def _overlap_x(a: TextRun, b: TextRun) -> float:
    """How far two runs overlap horizontally (negative: the gap between them)."""
    return min(a.ink.x1, b.ink.x1) - max(a.left, b.left)


def _mark_justified(blocks: list[TextBlock]) -> None:
    """Mark the justified paragraphs: left-aligned ones whose lines but the last end on one right
    edge, with JUSTIFIED_LINES such lines on that edge from that left edge on the page (a ragged
    right edge seldom puts two lines within a pixel or two of each other: on 30 dev pages this
    found 7, 5 of whose references justify text; 12 more references justify some text)."""
    flush: list[tuple[TextBlock, float, int]] = []  # blocks with one right edge: left, right edge
    for block in blocks:
        body = block.runs[:-1]
        ends = [r.ink.x1 for r in body]
        if body and block.align() == "left" and max(ends) - min(ends) <= JUSTIFIED_PX:
            flush.append((block, block.first.left, round(statistics.median(ends))))
    for block, left, end in flush:
        lines = sum(
            len(other.runs) - 1
            for other, other_left, other_end in flush
            if abs(other_left - left) <= JUSTIFIED_PX and abs(other_end - end) <= JUSTIFIED_PX
        )
        block.justified = lines >= JUSTIFIED_LINES


# --- items and XY-cut ------------------------------------------------------------------------


@dataclass
class _Item:
    """Something to place: a text block or a region, with the items drawn inside a region."""

    box: Box  # element box (text: line boxes)
    ink: Box  # what is really drawn: cuts are made on these
    block: TextBlock | None = None
    region: Region | None = None
    inside: list[_Item] = field(default_factory=list)
    grid: Grid | None = None  # the lines of a ruled table the region is the outline of


def _edges_absorbed(regions: Sequence[Region], background: RGB) -> list[Region]:
    """Regions without the thin strips that segmentation leaves along a panel's edges (the
    antialiased rows of rounded corners, blends of the panel and the background): each is dropped
    and its panel grown over it. A strip of another colour is a border line and stays."""
    thin = [r for r in regions if min(r.box.width, r.box.height) <= 2]
    solid = [r for r in regions if min(r.box.width, r.box.height) > 2]
    grown = {id(r): r.box for r in solid}
    kept = list(solid)
    for strip in thin:
        host = None
        for panel in solid:
            box = grown[id(panel)]
            near = Box(box.x0 - 3, box.y0 - 3, box.x1 + 3, box.y1 + 3)
            if near.contains(strip.box) and strip.box.intersection(near) > 0:
                along = min(box.x1, strip.box.x1) - max(box.x0, strip.box.x0)
                down = min(box.y1, strip.box.y1) - max(box.y0, strip.box.y0)
                blend = (
                    colour_distance(strip.colour, panel.colour) + colour_distance(strip.colour, background)
                    <= colour_distance(panel.colour, background) + BLEND_SLACK
                )
                if blend and along >= 0.8 * strip.box.width and down >= 0.8 * strip.box.height - 3:
                    host = panel
                    break
        if host is None:
            kept.append(strip)
            continue
        b, t = grown[id(host)], strip.box
        grown[id(host)] = Box(min(b.x0, t.x0), min(b.y0, t.y0), max(b.x1, t.x1), max(b.y1, t.y1))
    return [Region(grown[id(r)], r.colour, r.kind, r.radius) if id(r) in grown else r for r in kept]


def _framed(regions: Sequence[Region]) -> list[Region]:
    """Regions with each pair of thin vertical lines that face each other (same rows, same colour;
    the outermost pair where lines repeat),
    and the thin horizontal lines closing them top and bottom, turned into one ``frame``: the
    outline of a box, which holds what lies inside it; a filled panel it surrounds takes it as
    its border."""
    thin = [r for r in regions if r.box.width <= RULE_PX and r.box.height >= FRAME_MIN_SIDE]
    flat = [r for r in regions if r.box.height <= RULE_PX and r.box.width >= FRAME_MIN_SIDE]
    used: set[int] = set()
    frames: list[Region] = []
    for left in sorted(thin, key=lambda r: r.box.x0):
        if id(left) in used:
            continue
        right = next(  # the farthest: lines between are dividers inside the box
            (
                r
                for r in sorted(thin, key=lambda r: -r.box.x0)
                if id(r) not in used
                and r is not left
                and r.box.x0 - left.box.x1 >= FRAME_MIN_SIDE
                and abs(r.box.y0 - left.box.y0) <= 3
                and abs(r.box.y1 - left.box.y1) <= 3
                and colour_distance(r.colour, left.colour) <= SAME_COLOUR
            ),
            None,
        )
        if right is None:
            continue
        box = Box(left.box.x0, min(left.box.y0, right.box.y0), right.box.x1, max(left.box.y1, right.box.y1))
        sides = "rl"
        for edge, side in ((box.y0, "t"), (box.y1, "b")):
            line = next(
                (
                    r
                    for r in flat
                    if id(r) not in used
                    and abs((r.box.y0 if side == "t" else r.box.y1) - edge) <= FRAME_CORNER
                    and r.box.x0 <= box.x0 + FRAME_CORNER
                    and r.box.x1 >= box.x1 - FRAME_CORNER
                ),
                None,
            )
            if line is not None:
                used.add(id(line))
                sides += side
                box = Box(box.x0, min(box.y0, line.box.y0), box.x1, max(box.y1, line.box.y1))
        used.update((id(left), id(right)))
        outline = (left.colour, left.box.width, "".join(sorted(sides)))
        frames.append(Region(box, left.colour, "frame", outline=outline))
    kept = [r for r in regions if id(r) not in used]
    for index, frame in enumerate(frames):
        near = Box(frame.box.x0 - 3, frame.box.y0 - 3, frame.box.x1 + 3, frame.box.y1 + 3)
        fill = next(
            (
                r
                for r in kept
                if r.kind == "panel" and near.contains(r.box) and r.box.area >= 0.9 * frame.box.area
            ),
            None,
        )
        if fill is not None:
            kept.remove(fill)
            frames[index] = Region(frame.box, fill.colour, "panel", fill.radius, outline=frame.outline)
    return kept + frames


def _nest(layout: Layout, blocks: list[TextBlock]) -> list[_Item]:
    """Top-level items, with every item nested in the smallest region that holds it."""
    # a table's lines first: a blend test would take them for the antialiased edge of a panel
    grids, rest = find_grids(layout.regions, [block.ink for block in blocks])
    absorbed = _edges_absorbed(rest, layout.background.colour)
    outlines = [(Region(g.box, g.colour, "frame", outline=(g.colour, g.width, "trbl")), g) for g in grids]
    ruled = {id(outline): grid for outline, grid in outlines}
    regions = sorted(_framed(absorbed) + [outline for outline, _ in outlines], key=lambda r: -r.box.area)
    placed: list[_Item] = []
    top: list[_Item] = []
    for region in regions:
        item = _Item(region.box, region.box, region=region, grid=ruled.get(id(region)))
        parent = next(
            (p for p in reversed(placed) if _holds(p.box, region.box) and p.box != region.box), None
        )
        (parent.inside if parent else top).append(item)
        placed.append(item)
    for block in blocks:
        box = block.box()
        item = _Item(box, block.ink, block=block)
        parent = next((p for p in reversed(placed) if _holds(p.box, block.ink)), None)
        (parent.inside if parent else top).append(item)
    return top


def _holds(outer: Box, inner: Box) -> bool:
    """Whether ``inner`` lies (nearly all of it) on ``outer``: what is drawn on a panel belongs in it."""
    if outer.contains(inner, slack=1):
        return True
    return inner.area > 0 and outer.area > 2 * inner.area and outer.intersection(inner) >= 0.85 * inner.area


def _painted_box(item: _Item) -> bool:
    """A region broader than a rule every way (a sliver of a gradient or a corner is no box)."""
    return item.block is None and min(item.box.width, item.box.height) > RULE_PX


def _split(items: list[_Item], axis: int) -> list[list[_Item]]:
    """Items grouped by the gaps of their ink's projection on ``axis`` (0: x, 1: y)."""
    spans = sorted(items, key=lambda i: (i.ink.x0, i.ink.x1) if axis == 0 else (i.ink.y0, i.ink.y1))
    groups: list[list[_Item]] = []
    end = -(10**9)
    last: _Item | None = None  # the item that reaches ``end``
    for item in spans:
        lo, hi = (item.ink.x0, item.ink.x1) if axis == 0 else (item.ink.y0, item.ink.y1)
        overlap = 2 if axis == 0 else -2
        if last is not None and _painted_box(item) and _painted_box(last):
            overlap = -SHARED_EDGE  # boxes side by side: they may touch or share a border line
        elif axis == 1 and last is not None and item.block is not None and last.block is not None:
            # lines of text may touch: a descender over the next line's capitals is no overlap
            overlap = -max(2, round(LINES_TOUCH * min(item.ink.height, last.ink.height)))
        if groups and lo < end + overlap:
            groups[-1].append(item)
            if hi > end:
                end, last = hi, item
        else:
            groups.append([item])
            end, last = hi, item
    return groups


def _text_node(block: TextBlock) -> PageNode:
    run = block.natural
    style = TextStyle(
        face=run.face,
        size=run.font_size,
        bold=run.bold,
        colour=run.colour,
        line_height=block.pitch,
        letter_spacing=_letter_spacing(block),
        underline=run.underline,
        align=block.align(),
    )
    spans = run.spans if len(block.runs) == 1 else _paragraph_spans(block, style)
    box = block.box()
    node = PageNode("paragraph" if len(block.runs) > 1 else "text", "p", box, text=block.text, spans=spans)
    node.text_style = style
    node.bullet = block.bullet
    if block.justified:  # its lines are stretched to the edge: the box ends there
        node.width = box.width
    elif len(block.runs) > 1:
        node.width = _wrap_width(block) or box.width + max(2, round(0.02 * box.width))
        # the element is that wide, and whatever holds it must make room for it
        node.box = Box(box.x0, box.y0, max(box.x1, box.x0 + math.ceil(node.width)), box.y1)
    return node


def _paragraph_spans(block: TextBlock, style: TextStyle) -> tuple[Span, ...]:
    """The words of a paragraph's lines in another colour than their line (its links), the rest in
    the paragraph's style; none when no line has such words. Weights stay the paragraph's: the
    width its lines wrap at is measured in its one weight."""
    pieces: list[Span] = []
    for run in block.runs:
        for piece in _pieces(run):
            colour = style.colour if piece.colour == run.colour else piece.colour
            if pieces and pieces[-1].colour == colour:
                pieces[-1] = Span(f"{pieces[-1].text} {piece.text}", style.bold, colour)
            else:
                pieces.append(Span(piece.text, style.bold, colour))
    return tuple(pieces) if len(pieces) > 1 else ()


def _wrap_width(block: TextBlock) -> float | None:
    """A width at which the browser breaks the paragraph's lines where the source broke them
    (``wrap_width`` of its lines in its font, size and letter spacing)."""
    run = block.first
    lines = [r.text for r in block.runs]
    return wrap_width(lines, run.face, run.bold, run.font_size, _letter_spacing(block))


def wrap_width(lines: Sequence[str], face: Face, bold: bool, size: float, spacing: float) -> float | None:
    """A width at which the browser breaks a text into ``lines``.

    Each line must fit and no line may take the next line's first word; drawn in the text's
    font, size and letter spacing (Chromium's advances are the font file's, as Pillow reads
    them), that leaves a range of widths. The result sits near the low end (a wider box would
    wrap differently at other widths); None when no width does it (OCR text or font differ).
    """
    font = load(face, bold)
    if font is None or len(lines) < 2:
        return None
    scale = size / REF_SIZE

    def drawn(text: str) -> float:
        return font.getlength(text) * scale + spacing * len(text)

    fits = max(drawn(line) for line in lines)
    breaks = min(drawn(f"{a} {b.split(' ', 1)[0]}") for a, b in itertools.pairwise(lines))
    if breaks - fits < WRAP_MIN_ROOM:
        return None
    return round(fits + min(WRAP_ROOM * (breaks - fits), 8.0), 1)


def _letter_spacing(block: TextBlock) -> float:
    """The block's letter spacing as CSS gets it: tenths of a pixel, none below one tenth (in a
    justified block, that of its natural line: the others' takes in their stretched spaces)."""
    measured = [block.natural] if block.justified else block.runs
    spacing = round(statistics.median(r.letter_spacing for r in measured), 1)
    return spacing if abs(spacing) >= 0.1 else 0.0


def _region_node(item: _Item) -> PageNode:
    region = item.region
    assert region is not None
    if region.kind == "image":
        return PageNode(
            "image", "img", region.box, region=region, height=region.box.height, width=region.box.width
        )
    height = region.box.height
    if region.outline is not None:  # a box drawn by its outline, filled or not
        node = PageNode("panel", "div", region.box, region=region)
        colour, width, sides = region.outline
        fill = region.colour if region.kind == "panel" else None
        node.box_style = BoxStyle(fill, region.radius, border=colour, border_width=width, border_sides=sides)
        node.height, node.width = height, region.box.width
        return node
    role = "rule" if height <= 3 or region.box.width <= 3 else "panel"
    node = PageNode(role, "hr" if role == "rule" else "div", region.box, region=region)
    node.box_style = BoxStyle(background=region.colour, radius=region.radius)
    node.height = height
    node.width = region.box.width
    return node


def _columns_joined(groups: list[list[_Item]]) -> list[list[_Item]]:
    """Consecutive bands that lie in side-by-side columns joined into one (then cut into columns).

    Cutting across first slices a sidebar and a main column wherever both happen to have a gap at
    the same height. From each band, the longest run of bands that reads as columns is joined.
    Items only fill gaps, so once a run has no vertical gutter no longer run has one.
    """
    out: list[list[_Item]] = []
    i = 0
    while i < len(groups):
        last = i
        for j in range(i + 1, len(groups)):
            side_by_side = _side_by_side(groups[i : j + 1])
            if side_by_side is None:
                break
            if side_by_side:
                last = j
        out.append([item for group in groups[i : last + 1] for item in group])
        i = last + 1
    return out


def _gaps(groups: list[list[_Item]], axis: int) -> list[int]:
    """The gaps between consecutive groups (sorted along ``axis``) of items' ink."""
    low = [min(i.ink.x0 if axis == 0 else i.ink.y0 for i in g) for g in groups]
    high = [max(i.ink.x1 if axis == 0 else i.ink.y1 for i in g) for g in groups]
    return [b - a for a, b in zip(high, low[1:], strict=False)]


def _side_by_side(bands: list[list[_Item]]) -> bool | None:
    """Whether consecutive ``bands`` are slices of side-by-side columns (None: no vertical gutter).

    They are when the widest gutter between the columns of their union is wider than every gap
    between the bands (the widest gap is the real cut, as in recursive XY-cut), the two tallest
    columns run beside each other for most of the shorter one's height, and not every band reaches
    every column (that would be the rows of a table or grid, which read row by row).
    """
    items = [item for band in bands for item in band]
    columns = _split(items, 0)
    if len(columns) < 2:
        return None
    if max(_gaps(columns, 0)) <= max(_gaps(bands, 1)):
        return False
    spans = sorted(
        ((min(i.ink.y0 for i in c), max(i.ink.y1 for i in c)) for c in columns), key=lambda s: s[0] - s[1]
    )
    (a0, a1), (b0, b1) = spans[0], spans[1]
    if min(a1, b1) - max(a0, b0) < COLUMN_OVERLAP * min(a1 - a0, b1 - b0):
        return False
    members = [{id(i) for i in c} for c in columns]
    return not all(any(id(i) in m for i in band) for band in bands for m in members)


def _arrange(items: list[_Item], frame: Box) -> tuple[Flow, list[PageNode]]:
    """Children of a container whose content box is ``frame``: its flow and its child nodes."""
    groups = _columns_joined(_split(items, 1))
    if len(groups) > 1:
        return _column([_group(g) for g in groups], frame)
    groups = _split(items, 0)
    if len(groups) > 1:
        return _row([_group(g) for g in groups], frame)
    if len(items) == 1:
        return _column([_node(items[0])], frame)
    # Overlapping items (text over a picture): the one place for absolute positions.
    nodes = [_node(i) for i in sorted(items, key=lambda i: -i.box.area)]
    for node in nodes:
        node.margin = (node.box.y0 - frame.y0, node.box.x0 - frame.x0)
    return Flow("stack"), nodes


def _group(items: list[_Item]) -> PageNode:
    """One item's node, or an anonymous container for several."""
    if len(items) == 1:
        return _node(items[0])
    box = _union([i.box for i in items])
    flow, children = _arrange(items, box)
    if flow.kind == "column" and len(children) == 1:
        return children[0]
    # as wide as its children's elements (a paragraph's box can be wider than its ink)
    box = _union([box, *(c.box for c in children)])
    return PageNode(flow.kind if flow.kind != "stack" else "stack", "div", box, children=children, flow=flow)


def _in_the_middle(box: Box, content: Box) -> bool:
    """Whether ``content`` stands in the middle of ``box``, well clear of both sides."""
    left, right = content.x0 - box.x0, box.x1 - content.x1
    return min(left, right) > CENTRED_MIN_PX and abs(left - right) <= max(4, 0.02 * box.width)


def _is_input(item: _Item) -> bool:
    """An empty box outlined on every side, a text line's height and several times as wide: a
    text field."""
    region = item.region
    if item.inside or region is None or region.outline is None or set(region.outline[2]) != set("trbl"):
        return False
    return (
        INPUT_HEIGHT[0] <= region.box.height <= INPUT_HEIGHT[1]
        and region.box.width >= 2.5 * region.box.height
    )


def _node(item: _Item) -> PageNode:
    if item.block is not None:
        return _text_node(item.block)
    if item.grid is not None:
        table = _ruled_table(item, item.grid)
        if table is not None:
            return table
    node = _region_node(item)
    if _is_input(item):
        node.role, node.tag = "input", "input"
    if item.inside:
        box = item.box
        content = _union([i.box for i in item.inside])
        pad_l = max(0, content.x0 - box.x0)
        pad_t = max(0, content.y0 - box.y0)
        pad_b = max(0, box.y1 - content.y1)
        pad_r = min(pad_l, max(0, box.x1 - content.x1))  # the rest is free room, not padding
        line = node.box_style.border_width
        sides = node.box_style.border_sides
        pad_t, pad_r, pad_b, pad_l = (
            max(0, pad - (line if side in sides else 0))
            for pad, side in ((pad_t, "t"), (pad_r, "r"), (pad_b, "b"), (pad_l, "l"))
        )
        # as CSS lays it out: the content box starts inside the border, then the padding
        edge_t, edge_r, edge_l = ((line if side in sides else 0) for side in "trl")
        frame = Box(
            min(box.x0 + edge_l + pad_l, box.x1),
            min(box.y0 + edge_t + pad_t, box.y1),
            max(box.x0, box.x1 - edge_r - pad_r),
            box.y1,
        )
        flow, children = _arrange(item.inside, frame)
        if flow.kind == "row" and flow.push is None and _in_the_middle(box, content):
            # not side paddings that leave the row a hair's room for what it holds
            flow.centred, pad_l, pad_r = True, 0, 0
        flow.padding = (pad_t, pad_r, pad_b, pad_l)
        node.flow = flow
        node.children = children
        node.height = None
        if node.role == "rule":
            node.role, node.tag = "panel", "div"
        if node.role == "image":
            node.role, node.tag = (
                "panel",
                "div",
            )  # a picture with text on it: a container with that background
            node.box_style = BoxStyle(background=item.region.colour if item.region else None)
    return node


def _cell_contents(
    items: list[_Item], grid: Grid
) -> tuple[dict[tuple[int, int], list[_Item]], dict[tuple[int, int], RGB]] | None:
    """What stands in each cell of ``grid`` (by row and column), and the cells' fills: a painted
    box covering whole cells is their background, and what it holds stands in them. None when
    something crosses a line of the grid."""
    cells = grid.cells
    contents: dict[tuple[int, int], list[_Item]] = {}
    fills: dict[tuple[int, int], RGB] = {}
    pending = list(items)
    while pending:
        item = pending.pop()
        region = item.region
        if region is not None and region.kind == "panel" and region.outline is None:
            covered = [
                (r, c)
                for r, row in enumerate(cells)
                for c, cell in enumerate(row)
                if region.box.contains(cell, slack=LINE_SLACK + 1)
            ]
            if covered:
                fills.update((place, region.colour) for place in covered)
                pending.extend(item.inside)
                continue
        place = grid.cell_of(item.ink)
        if place is None:
            return None
        contents.setdefault(place, []).append(item)
    return contents, fills


def _ruled_table(item: _Item, grid: Grid) -> PageNode | None:
    """The ruled grid ``item`` is the outline of as a table: a row per band between its lines, a
    cell (with its borders and fill) per column, its contents offset by the cell's padding. None
    when something in it crosses a line (it is then laid out as a box of its own)."""
    found = _cell_contents(item.inside, grid)
    if found is None:
        return None
    contents, fills = found
    line = BoxStyle(border=grid.colour, border_width=grid.width, border_sides="trbl")
    rows = []
    for r, (y0, y1) in enumerate(itertools.pairwise(grid.rows)):
        cells = []
        for c, (x0, x1) in enumerate(itertools.pairwise(grid.columns)):
            inner = Box(x0 + grid.width, y0 + grid.width, x1, y1)
            cell = PageNode("cell", "td", Box(x0, y0, x1, y1), flow=Flow("cell"))
            cell.box_style = replace(line, background=fills.get((r, c)))
            members = contents.get((r, c), [])
            if members:
                content = _union([m.box for m in members])
                flow, children = _arrange(members, Box(content.x0, content.y0, inner.x1, inner.y1))
                if flow.kind != "column":
                    group = PageNode(flow.kind, "div", content, children=children, flow=flow)
                    flow, children = Flow("column"), [group]
                centred = _in_the_middle(inner, content)
                for child in children:
                    child.margin = (child.margin[0], 0 if centred else child.box.x0 - content.x0)
                cell.children = children
                left = 0 if centred else content.x0 - inner.x0
                cell.flow = Flow("cell", padding=(content.y0 - inner.y0, 0, 0, left), centred=centred)
            cells.append(cell)
        rows.append(
            PageNode(
                "row", "tr", Box(grid.columns[0], y0, grid.columns[-1], y1), cells, flow=Flow("table-row")
            )
        )
    table = PageNode("table", "table", item.box, children=rows, flow=Flow("table"), box_style=line)
    table.width = item.box.width
    return table


def _column(nodes: list[PageNode], frame: Box) -> tuple[Flow, list[PageNode]]:
    """Nodes stacked in a column. A node is centred when its side margins are equal, unless it
    starts on the left edge its siblings share (a wide heading in a left-aligned column)."""
    nodes.sort(key=lambda n: n.box.y0)
    previous = frame.y0
    for node in nodes:
        left = node.box.x0 - frame.x0
        right = frame.x1 - node.box.x1
        aligned = sum(1 for other in nodes if other is not node and abs(other.box.x0 - node.box.x0) <= 2)
        node.centred = (
            left > 8
            and abs(left - right) <= max(4, 0.03 * frame.width)
            and node.role != "paragraph"
            and aligned < 2
        )
        node.margin = (node.box.y0 - previous, 0 if node.centred else left)
        previous = node.box.y1
    return Flow("column"), nodes


def _row(nodes: list[PageNode], frame: Box) -> tuple[Flow, list[PageNode]]:
    nodes.sort(key=lambda n: n.box.x0)
    top = min(n.box.y0 for n in nodes)
    gaps = [b.box.x0 - a.box.x1 for a, b in itertools.pairwise(nodes)]
    flow = Flow("row")
    centres = [(n.box.y0 + n.box.y1) / 2 for n in nodes]
    tops = [n.box.y0 - top for n in nodes]
    if max(tops) > 2 and max(centres) - min(centres) <= 3:
        flow.align = "center"
    previous = frame.x0
    widths = [n.box.width for n in nodes]
    if (
        len(nodes) >= GRID_MIN_ITEMS
        and max(widths) - min(widths) <= GRID_WIDTH_TOLERANCE * max(widths)
        and max(gaps) - min(gaps) <= 8
        and all(n.role not in ("text",) for n in nodes)
        and (len(nodes) >= 3 or all(n.flow is not None for n in nodes))
    ):
        flow.kind, flow.columns, flow.gap = "grid", len(nodes), max(0, round(statistics.median(gaps)))
        for node in nodes:
            node.margin = (node.box.y0 - top, 0)
            node.width = None
            if node.role == "panel" and node.children:
                node.role = "card"
        return flow, nodes
    if len(gaps) >= 2:
        order = sorted(gaps)
        widest = max(range(len(gaps)), key=lambda i: gaps[i])
        if gaps[widest] > 3 * max(order[-2], 8) and frame.x1 - nodes[-1].box.x1 <= 12:
            flow.push = widest + 1
    elif len(gaps) == 1 and gaps[0] > 0.3 * frame.width and frame.x1 - nodes[-1].box.x1 <= 12:
        flow.push = 1
    for node in nodes:
        offset = 0 if flow.align == "center" else node.box.y0 - top
        node.margin = (offset, node.box.x0 - previous)
        previous = node.box.x1
    return flow, nodes


# --- semantics ---------------------------------------------------------------------------------


def body_size(runs: Sequence[TextRun]) -> float:
    """The font size most of the page's letters have."""
    weights: dict[float, int] = {}
    for run in runs:
        weights[round(run.font_size)] = weights.get(round(run.font_size), 0) + len(run.text)
    return float(max(weights, key=lambda s: weights[s])) if weights else 16.0


def body_colour(runs: Sequence[TextRun]) -> RGB:
    """The colour most of the page's letters are drawn in."""
    weights: dict[RGB, int] = {}
    for run in runs:
        weights[run.colour] = weights.get(run.colour, 0) + len(run.text)
    return max(weights, key=lambda c: weights[c]) if weights else (0, 0, 0)


def _headings(root: PageNode, body: float) -> None:
    """Texts well above the body size (or bold and somewhat above, when short) become h1-h3 by size."""
    texts = [n for n in root.walk() if n.role in ("text", "paragraph") and n.text_style is not None]
    found = []
    for node in texts:
        style = node.text_style
        assert style is not None
        big = style.size >= HEADING_SIZE * body
        bold_big = style.bold and style.size >= BOLD_HEADING_SIZE * body and len(node.text) <= 80
        if (big or bold_big) and len(node.text) <= 160:
            found.append(node)
    sizes = sorted({round(n.text_style.size) for n in found if n.text_style}, reverse=True)
    for node in found:
        assert node.text_style is not None
        level = min(3, sizes.index(round(node.text_style.size)) + 1)
        if node.role == "text":  # a one-line heading needs no width; a wrapped one keeps its wraps
            node.width = None
        node.role, node.tag, node.level = "heading", f"h{level}", level


def _buttons(root: PageNode) -> None:
    """A panel holding one short line of text, not much taller than it, is a button."""
    for node in root.walk():
        if node.role not in ("panel", "card") or len(node.children) != 1:
            continue
        child = node.children[0]
        if child.role not in ("text", "heading") or child.text_style is None:
            continue
        size = child.text_style.size
        if len(child.text) > BUTTON_MAX_CHARS or node.box.height > BUTTON_MAX_HEIGHT * size + 8:
            continue
        if node.box.width > child.box.width + BUTTON_MAX_SIDE * size + 16:
            continue  # a bar with a caption, not a button
        node.role, node.tag = "button", "a"
        node.text, node.spans, node.text_style = child.text, child.spans, child.text_style
        node.children = []
        if node.flow is not None:
            pad_t, _pad_r, pad_b, pad_l = node.flow.padding
            node.flow = Flow("column", padding=(pad_t, pad_l, pad_b, pad_l))
        node.width = None


def _short(node: PageNode) -> bool:
    return node.role in ("text", "button") and len(node.text.split()) <= NAV_MAX_WORDS


def _large_items(children: list[PageNode]) -> list[PageNode]:
    """The tail of ``children`` that is short lines set large at one heading level: a menu's items
    drawn larger than the body text (three of them side by side are no headings; a title before
    them keeps its own level). Empty when the last child is no heading."""
    if not children or children[-1].role != "heading":
        return []
    level = children[-1].level
    start = len(children)
    while (
        start > 0
        and children[start - 1].role == "heading"
        and children[start - 1].level == level
        and len(children[start - 1].text.split()) <= NAV_MAX_WORDS
    ):
        start -= 1
    return children[start:]


def _menu_start(children: list[PageNode]) -> int:
    """Where the longest tail of ``children`` that reads as a menu's items starts: short lines and
    buttons, or short lines set large (``_large_items``). ``len(children)`` when there is none."""
    start = len(children)
    while start > 0 and _short(children[start - 1]):
        start -= 1
    return start if start < len(children) else start - len(_large_items(children))


def _link(node: PageNode) -> None:
    """Make a line of text (or one set large) a link."""
    if node.role in ("text", "heading"):
        node.role, node.tag, node.level = "link", "a", 0


def _nav(root: PageNode, page: Box) -> None:
    """A row of short texts near the top becomes the header's nav; its texts links."""
    limit = page.y0 + min(200, HEADER_SHARE * page.height)
    for node in root.walk():
        if node.flow is None or node.flow.kind != "row" or node.box.y1 > limit:
            continue
        # the links are the longest tail of short items (a logo or a title comes first)
        start = _menu_start(node.children)
        tail = node.children[start:]
        if len(tail) < NAV_MIN_ITEMS:
            continue
        for child in tail:
            _link(child)
        if start == 0 and node.role == "row":
            node.role, node.tag = "nav", "nav"
            return
        nav = PageNode("nav", "nav", _union([c.box for c in tail]), children=tail, flow=Flow("row", gap=0))
        top = min(c.margin[0] for c in tail)  # the items' tops were the row's; now the nav's
        nav.margin = (top, tail[0].margin[1])
        for child in tail:
            child.margin = (child.margin[0] - top, 0 if child is tail[0] else child.margin[1])
        if node.flow is not None and node.flow.push is not None and node.flow.push >= start:
            node.flow.push = start  # the nav as a whole is pushed to the far end
        node.children = [*node.children[:start], nav]
        return


def _lists(root: PageNode) -> None:
    """Three or more siblings in a column with the same style and shape become a list."""
    for node in root.walk():
        if node.flow is None or node.flow.kind != "column":
            continue
        children = node.children
        out: list[PageNode] = []
        i = 0
        while i < len(children):
            j = i + 1
            while (
                j < len(children)
                and _alike(children[i], children[j])
                and _alike(children[j - 1], children[j])
            ):
                j += 1
            bulleted = all(c.bullet for c in children[i:j])
            if j - i >= (2 if bulleted else LIST_MIN_ITEMS) and (bulleted or _regular(children[i:j])):
                items = children[i:j]
                box = _union([c.box for c in items])
                lst = PageNode("list", "ul", box, flow=Flow("column"), bullet=any(c.bullet for c in items))
                lst.margin = (items[0].margin[0], items[0].margin[1])
                first = items[0].margin
                for item in items:
                    wrapped = PageNode("item", "li", item.box, children=[item], flow=Flow("column"))
                    wrapped.margin = (item.margin[0], item.margin[1] - first[1])
                    item.margin = (0, 0)
                    if item.role == "paragraph":
                        item.role = "text"
                    lst.children.append(wrapped)
                lst.children[0].margin = (0, lst.children[0].margin[1])
                out.append(lst)
                i = j
            else:
                out.append(children[i])
                i += 1
        node.children = out


def _leaves(node: PageNode) -> list[PageNode]:
    """The texts, pictures and fields a node holds (itself, when it is one)."""
    return [n for n in node.walk() if n.text_style is not None or n.role in ("image", "input")]


def _cell(node: PageNode) -> bool:
    """Whether ``node`` can be one cell of a table row: a text, a picture, a field, a painted box,
    or a box holding a few of them (not a card: a picture with its caption and text)."""
    leaves = _leaves(node)
    if not leaves:
        return not node.children  # a painted box
    pictured = any(leaf.role == "image" for leaf in leaves) and any(leaf.text_style for leaf in leaves)
    return len(leaves) <= CELL_MAX_LEAVES and not pictured and node.role not in ("nav", "list")


def _table_row(node: PageNode) -> bool:
    """A row of two or more cells side by side, drawn as a row: a painted box itself, or holding
    painted cells (texts merely lined up in columns are as often columns of lists: a footer's
    addresses, a blog's dates beside its titles)."""
    return (
        node.flow is not None
        and node.flow.kind in ("row", "grid")
        and node.role in ("row", "grid", "panel")
        and len(node.children) >= 2
        and all(_cell(c) for c in node.children)
        and (node.region is not None or any(c.region is not None for c in node.children))
    )


def _columns_line_up(rows: list[PageNode]) -> bool:
    """Whether the rows' cells stand in columns: each row as many cells, and the span of each
    column's cells (over all rows) clear of the next column's."""
    count = len(rows[0].children)
    if any(len(r.children) != count for r in rows):
        return False
    spans = [
        (min(r.children[j].box.x0 for r in rows), max(r.children[j].box.x1 for r in rows))
        for j in range(count)
    ]
    return all(a[1] <= b[0] + SHARED_EDGE for a, b in itertools.pairwise(spans))


def _table_of(rows: list[PageNode]) -> PageNode:
    """A ``table`` of ``rows`` (``tr``); ``_table_cells`` makes their cells once links are known."""
    box = _union([r.box for r in rows])
    table = PageNode("table", "table", box, children=rows, flow=Flow("column"))
    table.margin = (rows[0].margin[0], rows[0].margin[1] - (rows[0].box.x0 - box.x0))
    for index, row in enumerate(rows):
        row.margin = (0 if index == 0 else row.margin[0], row.box.x0 - box.x0)
        row.tag = "tr"
    return table


def _table_cells(root: PageNode) -> None:
    """Each child of a table row made a cell element: ``td``, or ``th`` in a header row (the first,
    all bold); what cannot be a cell itself (a link, a button, a picture) is wrapped in one."""
    for table in root.walk():
        if table.tag != "table":
            continue
        head = [leaf for c in table.children[0].children for leaf in _leaves(c) if leaf.text_style]
        header = bool(head) and all(leaf.text_style is not None and leaf.text_style.bold for leaf in head)
        for index, row in enumerate(table.children):
            kind = "th" if header and index == 0 else "td"
            for text in (n for n in row.walk() if n.role == "heading"):
                text.role, text.tag, text.level = "text", "p", 0  # a bold cell is a header cell
            for position, cell in enumerate(row.children):
                if cell.role in ("text", "paragraph") or (cell.flow is not None and cell.role != "button"):
                    cell.tag = kind
                    continue
                wrapper = PageNode("cell", kind, cell.box, children=[cell], flow=Flow("column"))
                wrapper.margin, cell.margin = cell.margin, (0, 0)
                row.children[position] = wrapper


def _tables(root: PageNode) -> None:
    """Runs of rows in a column whose cells line up in columns become a table: three rows or more,
    or two of three columns or more (a label and its value twice is a form, not a table)."""
    for node in root.walk():
        if node.flow is None or node.flow.kind != "column" or node.tag == "table":
            continue
        children = node.children
        out: list[PageNode] = []
        i = 0
        while i < len(children):
            j = i
            while j < len(children) and _table_row(children[j]) and _columns_line_up(children[i : j + 1]):
                j += 1
            rows = children[i:j]
            if len(rows) >= TABLE_MIN_ROWS or (len(rows) == 2 and len(rows[0].children) >= 3):
                out.append(_table_of(rows))
                i = j
            else:
                out.append(children[i])
                i += 1
        node.children = out


def _links(root: PageNode, body: RGB) -> None:
    """Short texts that read as links become ``a``: underlined ones, the items of a list of short
    texts (menus, sidebars, footers), a row of several short texts (a footer's nav, a menu set
    large), short lines of regular weight in a colour other than the body text's, and longer lines
    in the colour of those links."""
    for node in root.walk():
        if node.flow is not None and node.flow.kind == "row" and node.tag != "tr":
            lines = [c for c in node.children if c.role == "text" and _short(c)]
            short = _large_items(node.children) or lines
            if len(short) >= NAV_MIN_ITEMS:
                for child in short:
                    _link(child)
        for child in node.children:
            if node.role == "item" and child.role == "text" and len(child.text.split()) <= LINK_MAX_WORDS:
                child.role, child.tag = "link", "a"
    longer = []  # lines too long for a link by their colour alone
    for node in root.walk():
        style = node.text_style
        if node.role != "text" or style is None:
            continue
        coloured = not style.bold and colour_distance(style.colour, body) > SAME_COLOUR
        if len(node.text.split()) > LINK_MAX_WORDS:
            longer.append(node)
        elif style.underline or coloured:
            node.role, node.tag = "link", "a"
    # the page's link colours: a longer line in one of them is a link too (a post's title)
    colours = [
        n.text_style.colour
        for n in root.walk()
        if n.role == "link"
        and n.text_style is not None
        and colour_distance(n.text_style.colour, body) > SAME_COLOUR
    ]
    for node in longer:
        style = node.text_style
        assert style is not None
        if len(node.text.split()) > COLOURED_LINK_MAX_WORDS or style.bold:
            continue
        if any(colour_distance(style.colour, c) <= SAME_COLOUR / 4 for c in colours):
            node.role, node.tag = "link", "a"


def _shared_styles(root: PageNode) -> None:
    """Siblings that are items of one menu or list (links of a row, texts of a list) are drawn in
    one style, as their CSS would say it: the face, size, weight, spacing and colour most of their
    letters have. OCR measures each short text on its own and scatters them (one class per link)."""
    for node in root.walk():
        texts = [c for c in node.children if c.role == "link" and c.text_style is not None]
        if node.role == "list":
            texts = [
                i.children[0] for i in node.children if len(i.children) == 1 and i.children[0].text_style
            ]
        if len(texts) < 2:
            continue
        styles = [t.text_style for t in texts if t.text_style is not None]
        sizes = [s.size for s in styles]
        if max(sizes) > (1 + WORD_SIZE) * min(sizes) or any(
            colour_distance(s.colour, styles[0].colour) > SAME_COLOUR for s in styles
        ):
            continue
        weights: dict[tuple[Face, float, bool, RGB], int] = {}
        for text, style in zip(texts, styles, strict=True):
            key = (style.face, style.size, style.bold, style.colour)
            weights[key] = weights.get(key, 0) + len(text.text)
        main = max(weights, key=lambda k: weights[k])
        shared = next(s for s in styles if (s.face, s.size, s.bold, s.colour) == main)
        spacing = round(statistics.median(s.letter_spacing for s in styles), 1)
        for text, style in zip(texts, styles, strict=True):
            # a text of several lines keeps its own line pitch: it sets the text's height
            pitch = style.line_height if text.box.height >= 1.5 * shared.line_height else shared.line_height
            text.text_style = replace(shared, letter_spacing=spacing, align=style.align, line_height=pitch)


def _alike(a: PageNode, b: PageNode) -> bool:
    if a.role not in ("text", "link", "paragraph") or b.role not in ("text", "link", "paragraph"):
        return False
    if a.bullet and b.bullet:
        return abs(a.box.x0 - b.box.x0) <= 4
    if a.role != b.role or a.role == "paragraph":
        return False
    sa, sb = a.text_style, b.text_style
    return (
        sa is not None
        and sb is not None
        and abs(sa.size - sb.size) <= 1
        and sa.bold == sb.bold
        and abs(a.box.x0 - b.box.x0) <= 4
        and len(a.text) <= 80
        and len(b.text) <= 80
    )


def _regular(nodes: list[PageNode]) -> bool:
    gaps = [n.margin[0] for n in nodes[1:]]
    return max(gaps) - min(gaps) <= 6


def _bands(root: PageNode, page: Box) -> None:
    """The top band with the nav becomes the header, the last band the footer, the rest main."""
    if root.flow is None or not root.children:
        return
    children = root.children
    header_end = 0
    for index, child in enumerate(children[:3]):
        if any(n.role == "nav" for n in child.walk()):
            header_end = index + 1
    footer_start = len(children)
    last = children[-1]
    if len(children) - header_end >= 2 and (
        (last.role in ("panel", "row", "grid", "column") and last.box.y0 >= page.y0 + 0.6 * page.height)
        or (last.box_style.background is not None and last.box.width >= FULL_WIDTH * page.width)
    ):
        footer_start = len(children) - 1
    groups = []
    if header_end:
        groups.append(("header", children[:header_end]))
    groups.append(("main", children[header_end:footer_start]))
    if footer_start < len(children):
        groups.append(("footer", children[footer_start:]))
    new = []
    for role, members in groups:
        if not members:
            continue
        if len(members) == 1 and members[0].role in ("panel", "row", "column") and members[0].flow:
            band = members[0]
            band.role, band.tag = role, role
            new.append(band)
            continue
        box = _union([m.box for m in members])
        band = PageNode(role, role, box, children=members, flow=Flow("column"))
        band.margin = (members[0].margin[0], 0)
        members[0].margin = (0, members[0].margin[1])
        _content_column(band, page)
        new.append(band)
    root.children = new


def _symmetric(box: Box, x0: int, x1: int) -> Box:
    """A centred column's box: as far from both edges of ``x0``..``x1`` as it is from the nearer
    one (its text's ragged right edge is no measure of its width; its left edge is)."""
    inset = min(box.x0 - x0, x1 - box.x1)
    return Box(x0 + inset, box.y0, x1 - inset, box.y1)


def _content_column(band: PageNode, page: Box) -> None:
    """A band whose content is centred on the page becomes a centred column of that width."""
    box = band.box
    left, right = box.x0 - page.x0, page.x1 - box.x1
    if box.width >= FULL_WIDTH * page.width:
        return
    if any(member.centred for member in band.children):
        # members centred on the page stay so only in a band centred on it too: one off to a side
        # (a corner button beside a centred column) would centre them on its own middle
        box = Box(min(box.x0, page.x0 + right), box.y0, max(box.x1, page.x1 - left), box.y1)
        left = right = min(left, right)
    if abs(left - right) <= CENTRED * page.width:
        band.box = _symmetric(box, page.x0, page.x1)
        band.centred, band.width = True, band.box.width
        shift = band.box.x0
    else:
        band.margin = (band.margin[0], left)
        band.width = box.width
        shift = box.x0
    for member in band.children:
        if not member.centred:
            member.margin = (member.margin[0], member.margin[1] - shift)


def _centred_runs(node: PageNode) -> None:
    """Runs of a column's children that together sit centred well inside it (a page's content
    column under a full-width bar) become one centred container of their width, instead of each
    keeping its own wide left offset (which a phone's width cannot afford)."""
    if node.flow is None or node.flow.kind != "column" or len(node.children) < 2:
        return
    x0 = node.box.x0 + node.flow.padding[3]
    x1 = node.box.x1 - node.flow.padding[1]
    width = x1 - x0
    runs: list[list[PageNode]] = [[]]
    for child in node.children:
        if child.box.width >= FULL_WIDTH * width:
            runs.append([child])
            runs.append([])
        else:
            runs[-1].append(child)
    out: list[PageNode] = []
    for run in runs:
        box = _union([c.box for c in run]) if run else None
        left, right = (box.x0 - x0, x1 - box.x1) if box else (0, 0)
        if box is None or len(run) < 2 or left < CONTENT_INSET * width or abs(left - right) > CENTRED * width:
            out.extend(run)
            continue
        box = _symmetric(box, x0, x1)
        wrapper = PageNode("column", "div", box, children=run, flow=Flow("column"))
        wrapper.centred, wrapper.width = True, box.width
        wrapper.margin = (run[0].margin[0], 0)
        run[0].margin = (0, run[0].margin[1])
        for child in run:
            if not child.centred:
                child.margin = (child.margin[0], child.box.x0 - box.x0)
        out.append(wrapper)
    node.children = out


def _sections(main: PageNode) -> None:
    """Split main into sections at headings of the top level (each heading starts one)."""
    if main.role != "main" or main.flow is None or main.flow.kind != "column":
        return
    starts = [i for i, c in enumerate(main.children) if c.role == "heading" and c.level <= 2]
    if len(starts) < 2:
        return
    bounds = ([0] if starts[0] != 0 else []) + starts + [len(main.children)]
    out = []
    for a, b in itertools.pairwise(bounds):
        members = main.children[a:b]
        if not members:
            continue
        # as wide as main: its members' offsets are measured from main's content box
        extent = _union([m.box for m in members])
        box = Box(main.box.x0, extent.y0, main.box.x1, extent.y1)
        section = PageNode("section", "section", box, children=members, flow=Flow())
        section.margin = (members[0].margin[0], 0)
        members[0].margin = (0, members[0].margin[1])
        out.append(section)
    main.children = out


def _names(root: PageNode) -> None:
    """Asset names for images, in reading order."""
    count = 0
    for node in root.walk():
        if node.role == "image":
            count += 1
            node.asset = f"image-{count}.png"


def build(layout: Layout) -> PageNode:
    """The page's layout tree."""
    page = Box(0, 0, layout.width, layout.height)
    blocks = paragraphs(layout.runs)
    items = _nest(layout, blocks)
    root = PageNode("page", "body", page)
    if items:
        content = _union([i.box for i in items])
        flow, children = _arrange(items, Box(0, 0, layout.width, max(layout.height, content.y1)))
        if flow.kind != "column":  # one band: a column of one, its children placed in its box
            flow, children = _arrange(items, content)
            node = PageNode(flow.kind, "div", content, children=children, flow=flow)
            flow, children = _column([node], page)
        root.flow, root.children = flow, children
    body = body_size(layout.runs)
    _headings(root, body)
    _buttons(root)
    _nav(root, page)
    _lists(root)
    _tables(root)
    _links(root, body_colour(layout.runs))
    _shared_styles(root)
    _table_cells(root)
    _bands(root, page)
    for child in root.children:
        _centred_runs(child)
        _sections(child)
    _names(root)
    return root

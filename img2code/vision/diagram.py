"""Read a diagram image into nodes (shapes and free text, with their labels) and connectors.

The classic backend's diagram digitiser: OCR finds the text, ``shapes`` the closed shapes,
``connectors`` the lines between them. Each text line goes to the smallest shape it sits in (a
container keeps only the title at its top); a line that a connector runs through is that
connector's label; the other lines are grouped into blocks that become text nodes.
"""

from __future__ import annotations

import itertools
import logging
import re
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import ndimage

from .activations import drop_message_gaps, join_covered_bars, join_cut_bars, onto_nested_bars
from .actors import find_actors
from .boundaries import find_crossed_boxes
from .colour import RGB, backdrop, colour_distance, far_from, strongest
from .columns import find_columns
from .connectors import Connector, find_connectors
from .dots import dotted_ends, erase_dots, find_dots
from .frames import as_frame, frame_tab
from .geometry import Box
from .glyphs import ARROW_GLYPHS, MULTIPLICITY, find_glyphs, without_arrowheads
from .hatching import unhatched
from .icons import find_pictograms, name_from_outside, picture
from .lanes import with_lanes
from .lifelines import extend_lifelines
from .lollipops import find_lollipops
from .markers import find_markers
from .ocr import TextLine, read_text
from .shapes import Shape, find_shapes, shape_at
from .states import find_final_states, find_initial_states
from .stores import find_stores

log = logging.getLogger(__name__)

LABEL_REACH = 3  # pixels between a connector and a text line that make the line its label
# A line beside a connector (within this many of its own heights, and nearer to it than to any
# shape's outline) is its label too: draw.io users drag labels off the line, above or beside it.
BESIDE_REACH = 1.2
BESIDE_WORDS = 4  # words at most in a label placed beside its connector (longer text is a note)
BESIDE_SPAN = (0.15, 0.85)  # where along its connector such a label sits (a shape's label sits by an end)
BRANCH_WORDS = {"yes", "no", "y", "n", "true", "false"}  # a decision's branch labels
END_LABEL_REACH = 20  # pixels from its connector at most to a multiplicity (glyph boxes are small)
END_LABEL_SPAN = 32  # pixels along the route from its end within which a multiplicity labels the end
ARROW_SIZE = 20  # pixels: the largest arrowhead taken for a letter
FIGURE_HEIGHT = 2.5  # times the page's typical word height: a letter or two this tall is a drawing
STROKE_CHARS = "-_|~—– "  # what a line touching a label reads as
VERTICAL_RATIO = 2.0  # height over width of a line box that stands up
STANDING_PAD = 6  # pixels around a standing line kept when it is read again upright
ROW_INDENT = 16  # pixels from a swimlane's left edge within which a line starts a row of its body
ROW_HEIGHT = 26  # pixels: draw.io's row height in class boxes, the least a row is given
LINE_HEIGHT = 1.2  # line pitch over font size in draw.io's HTML labels
SAME_ROW = 4  # pixels between the middles of lines side by side in one row
ROW_SIDE = 12  # pixels from a table's left or right side at which a line's end meets it
ROW_MIDDLE = 3  # pixels from a row's middle within which a line's end at the table's side is the row's
MEMBER = re.compile(r"\s*[-+#~]|.*\(.*\)")  # a UML class's attribute (by its visibility) or method
LIST_PITCH = 20  # pixels between lines of a class body under which they are one label, not rows
HUG = 3  # pixels from a shape's outline within which a whole route runs along it, no connector
PAGE_LINE = 24.0  # RGB distance from the page colour under which a traced line is a gap, not ink
NEST_SLACK = 2  # pixels a shape may overhang the shape it lies in and still be its child
LINE_GAP = 0.8  # line heights between two lines of one text block
BODY_FILL = 2.5  # a swimlane's body at most this many times its one text's height: the text fills it
LINE_OVERLAP = 0.4  # share of a line's height by which the boxes of two lines of a block may overlap
TEXT_PAD_X, TEXT_PAD_Y = 10, 2  # pixels a text node's box reaches beyond its lines ...
TEXT_PAD_SHARE = 0.3  # ... plus this share of their width (draw.io text boxes are roomy)
LIGHT_PAGE = 200  # a page whose every channel is this light is read once; a darker one twice ...
INK_SPAN = 120.0  # ... the second time as ink: black this far (RGB) from the page colour and farther
STRAY_SHARE = 0.5  # share of a piece of ink at a line box's edge inside the letters' band: a letter
INK_CONTRAST = 80.0  # RGB distance from the background at which a pixel is glyph ink
SHOWN_LINE = 0.5  # share of a route's pixels between its texts that show ink: the line is drawn there
MIN_SHOWN = 5  # route pixels between the texts, at least, to tell whether the line shows there
# Ink height over font size (measured on draw.io's Helvetica labels), by what the text reaches:
# x-height only, ascenders or capitals, descenders only, both.
INK_PER_EM = {(False, False): 0.64, (True, False): 0.75, (False, True): 0.91, (True, True): 1.05}
ASCENDING = set("bdfhklt0123456789()[]{}|/\\!?'\"#$%&@")
DESCENDING = set("gjpqy,;()[]{}|")


@dataclass
class Label:
    """A node's text: its lines top to bottom, a font size (px) and a colour."""

    lines: list[str]
    font_size: int
    colour: RGB
    vertical: bool = False  # written bottom to top (a lane's title)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass
class Node:
    """A shape or a free text block, in image pixels; ``shape`` is None for text."""

    box: Box
    shape: Shape | None
    label: Label | None = None
    align: str = "center"  # of its label ("left": lines listed from the top left)
    parent: int | None = None  # index of the shape node it lies in (its container), if any
    row: bool = False  # a row of a class box (an attribute or an operation)
    picture: bytes | None = None  # an icon's PNG, cut from the image
    label_outside: str = ""  # where a label written outside the shape sits: "bottom" or "top"


@dataclass
class Edge:
    """A connector and the label written on it (with where the label was), if any, and the labels
    by its ends (a UML association's multiplicities), each with where it was."""

    connector: Connector
    label: Label | None = None
    label_box: Box | None = None
    end_labels: list[tuple[Label, Box]] = field(default_factory=list)


@dataclass
class Diagram:
    """What the digitiser read: the page colour, nodes and edges.

    ``nodes`` starts with the shapes, largest first, in the order connectors refer to them;
    free text nodes follow.
    """

    width: int
    height: int
    page: RGB
    nodes: list[Node]
    edges: list[Edge]
    timings: dict[str, float] = field(default_factory=dict)


def _glyphs(rgb: np.ndarray, line: TextLine, under: RGB) -> np.ndarray:
    """The glyph ink of a line's box: far from the background, borders crossing the box left out,
    and ink reaching the box's edge outside the letters' band (a connector passing by, the next
    line's letters: OCR's boxes leave room round the glyphs) left out too; a letter reaching the
    edge of a box drawn tight round the line stays, as it lies mostly in that band."""
    crop = rgb[line.box.y0 : line.box.y1, line.box.x0 : line.box.x1].astype(float)
    ink = np.linalg.norm(crop - under, axis=2) > INK_CONTRAST
    if ink.size:
        ink[:, ink.mean(axis=0) > 0.8] = False
        ink[ink.mean(axis=1) > 0.8] = False
        _drop_strays(ink)
    return ink


def _drop_strays(ink: np.ndarray) -> None:
    """Clear the pieces of ``ink`` that reach its edge and lie mostly outside the rows of the
    pieces that do not (the letters' band)."""
    pieces, _ = ndimage.label(ink, structure=np.ones((3, 3)))
    edge = np.concatenate([pieces[0], pieces[-1], pieces[:, 0], pieces[:, -1]])
    touching = set(edge[edge > 0].tolist())
    rows = np.flatnonzero((ink & ~np.isin(pieces, list(touching))).any(axis=1))
    if rows.size == 0:
        return
    top, bottom = rows[0], rows[-1]
    for index, window in enumerate(ndimage.find_objects(pieces), start=1):
        if index in touching and window is not None:
            r0, r1 = window[0].start, window[0].stop - 1
            if min(r1, bottom) - max(r0, top) + 1 < STRAY_SHARE * (r1 - r0 + 1):
                ink[pieces == index] = False


def font_size(ink: np.ndarray, text: str) -> float | None:
    """The font size (px) that draws ``text`` with glyph ink this tall, or None without ink."""
    rows = np.flatnonzero(ink.any(axis=1))
    if rows.size == 0:
        return None
    reach = (any(c.isupper() or c in ASCENDING for c in text), any(c in DESCENDING for c in text))
    return (rows[-1] - rows[0] + 1) / INK_PER_EM[reach]


def _label(rgb: np.ndarray, lines: Sequence[TextLine], under: RGB) -> Label:
    """The label of some OCR lines drawn on ``under``: text, font size and colour from the glyph ink."""
    sizes, inks = [], []
    vertical = all(_is_vertical(line) for line in lines)
    for line in lines:
        ink = _glyphs(rgb, line, under)
        size = font_size(ink.T if vertical else ink, line.text)
        if size is not None:
            sizes.append(size)
            inks.append(rgb[line.box.y0 : line.box.y1, line.box.x0 : line.box.x1][ink])
    size = max(6, round(float(np.median(sizes)))) if sizes else 12
    colour = strongest(np.concatenate(inks), under) if inks else (0, 0, 0)
    ordered = sorted(lines, key=lambda ln: (ln.box.x0, ln.box.y0) if vertical else (ln.box.y0, ln.box.x0))
    return Label([_without_strokes(ln.text) for ln in ordered], size, colour, vertical)


def _is_vertical(line: TextLine) -> bool:
    """Whether OCR found the line standing up: a box much taller than wide, holding a few letters."""
    return line.box.height > VERTICAL_RATIO * line.box.width and len(line.text) >= 3


def _read_standing(rgb: np.ndarray, lines: Sequence[TextLine]) -> list[TextLine]:
    """``lines`` with those OCR found standing up (lanes' titles, written bottom to top) read again
    turned upright, all in one read: standing letters are read doubled ("Salles" for "Sales").
    The surer of the two readings is kept."""
    standing = [i for i, line in enumerate(lines) if _is_vertical(line)]
    if not standing:
        return list(lines)
    pad = STANDING_PAD
    crops = []
    for i in standing:
        b = lines[i].box
        crop = rgb[max(0, b.y0 - pad) : b.y1 + pad, max(0, b.x0 - pad) : b.x1 + pad]
        crops.append(
            np.pad(np.ascontiguousarray(np.rot90(crop, k=-1)), ((pad, pad), (pad, pad), (0, 0)), "edge")
        )
    sheet = np.full((sum(c.shape[0] for c in crops), max(c.shape[1] for c in crops), 3), 255, np.uint8)
    tops = np.cumsum([0] + [c.shape[0] for c in crops])
    for crop, top in zip(crops, tops[:-1], strict=True):
        sheet[top : top + crop.shape[0], : crop.shape[1]] = crop
    found = read_text(sheet)
    read = list(lines)
    for i, top, bottom in zip(standing, tops[:-1], tops[1:], strict=True):
        mine = [f for f in found if top <= f.box.center[1] < bottom]
        best = max(mine, key=lambda f: f.confidence, default=None)
        if best is not None and best.confidence > lines[i].confidence:
            read[i] = replace(lines[i], text=best.text, confidence=best.confidence)
    return read


def _read_on_page(rgb: np.ndarray, page: RGB, lines: list[TextLine]) -> list[TextLine]:
    """``lines`` and, on a dark or coloured page, the text its detector missed there: dark text
    on a teal page is read again drawn black on white (each pixel as dark as it is far from the
    page colour); lines read anew where nothing was read join the others."""
    if min(page) >= LIGHT_PAGE:
        return lines
    away = np.linalg.norm(rgb.astype(np.float32) - np.asarray(page, np.float32), axis=2)
    ink = (255 * np.clip(1 - away / INK_SPAN, 0, 1)).astype(np.uint8)
    found = read_text(np.repeat(ink[:, :, None], 3, axis=2))
    new = [f for f in found if not any(f.box.intersection(line.box) for line in lines)]
    return sorted(lines + new, key=lambda ln: (ln.box.y0, ln.box.x0))


def _without_strokes(text: str) -> str:
    """A line's text without the bits of lines OCR reads at its ends ("-no-", "|Step")."""
    return text.strip(STROKE_CHARS).strip() or text


def _blocks(lines: Sequence[TextLine]) -> list[list[TextLine]]:
    """Free lines grouped into blocks: each line joins a block whose last line is just above it."""
    blocks: list[list[TextLine]] = []
    for line in sorted(lines, key=lambda ln: (ln.box.y0, ln.box.x0)):
        for block in blocks:
            last = block[-1]
            gap = line.box.y0 - last.box.y1
            overlap = min(line.box.x1, last.box.x1) - max(line.box.x0, last.box.x0)
            # OCR's boxes are padded: the boxes of stacked lines may overlap by part of a line
            reach = -LINE_OVERLAP * min(line.box.height, last.box.height)
            if reach <= gap <= LINE_GAP * last.box.height and overlap > 0:
                block.append(line)
                break
        else:
            blocks.append([line])
    return blocks


def _union(boxes: Sequence[Box]) -> Box:
    return Box(
        min(b.x0 for b in boxes), min(b.y0 for b in boxes), max(b.x1 for b in boxes), max(b.y1 for b in boxes)
    )


def _samples(route: Sequence[tuple[int, int]]) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Points about a pixel apart along each segment of a route (a polyline), as x and y arrays."""
    for (x0, y0), (x1, y1) in itertools.pairwise(route):
        t = np.linspace(0, 1, max(abs(x1 - x0), abs(y1 - y0), 1) + 1)
        yield x0 + t * (x1 - x0), y0 + t * (y1 - y0)


def _touches(route: Sequence[tuple[int, int]], box: Box, reach: int = LABEL_REACH) -> bool:
    """Whether a route (a polyline) passes within ``reach`` pixels of a box."""
    near = Box(box.x0 - reach, box.y0 - reach, box.x1 + reach, box.y1 + reach)
    return any(
        np.any((near.x0 <= x) & (x < near.x1) & (near.y0 <= y) & (y < near.y1)) for x, y in _samples(route)
    )


def _distance(route: Sequence[tuple[int, int]], box: Box) -> float:
    """The least distance (pixels) between a route (a polyline) and a box."""
    best = float("inf")
    for x, y in _samples(route):
        dx = np.maximum(np.maximum(box.x0 - x, 0), x - box.x1)
        dy = np.maximum(np.maximum(box.y0 - y, 0), y - box.y1)
        best = min(best, float(np.hypot(dx, dy).min()))
    return best


def _lengths(points: np.ndarray) -> np.ndarray:
    """The lengths of a route's segments (``points``: n x 2)."""
    return np.hypot(*np.diff(points, axis=0).T)


def _nearest(points: np.ndarray, point: tuple[float, float]) -> tuple[int, float]:
    """The segment of a route (``points``: n x 2, n >= 2) nearest to ``point``, and where along it
    (0 at its start, 1 at its end) the nearest point lies."""
    starts, span = points[:-1], np.diff(points, axis=0)
    offset = np.asarray(point) - starts
    t = np.clip((offset * span).sum(axis=1) / np.maximum((span**2).sum(axis=1), 1e-9), 0, 1)
    segment = int(np.argmin(np.hypot(*(offset - t[:, None] * span).T)))
    return segment, float(t[segment])


def _along(route: Sequence[tuple[int, int]], point: tuple[float, float]) -> float:
    """Where along a route (0 at its start, 1 at its end) the point nearest to ``point`` lies."""
    points = np.asarray(route, float)
    if len(points) < 2:
        return 0.0
    lengths = _lengths(points)
    segment, t = _nearest(points, point)
    total = lengths.sum()
    return float((lengths[:segment].sum() + t * lengths[segment]) / total) if total else 0.0


def _edge_beside(edges: Sequence[Edge], shapes: Sequence[Shape], line: TextLine) -> int | None:
    """The connector a short free line sits beside, if it is nearer to it than to any shape."""
    if not edges or len(line.text.split()) > BESIDE_WORDS:
        return None
    distances = [_distance(e.connector.points, line.box) for e in edges]
    nearest = int(np.argmin(distances))
    if MULTIPLICITY.match(line.text.strip()):  # "1", "0..*": an association end's label, by the end
        return nearest if distances[nearest] <= END_LABEL_REACH else None
    if distances[nearest] > BESIDE_REACH * min(line.box.height, line.box.width):
        return None
    if _is_branch(line):
        return nearest  # "Yes", "No": a decision's branch, written by where the line leaves it
    if not BESIDE_SPAN[0] <= _along(edges[nearest].connector.points, line.box.center) <= BESIDE_SPAN[1]:
        return None
    outside = [s for s in shapes if not s.box.contains(line.box)]  # containers around it do not count
    if any(s.box.gap(line.box) <= distances[nearest] for s in outside):
        return None
    return nearest


def _is_branch(line: TextLine) -> bool:
    """Whether a line is a decision's branch label ("Yes", "No")."""
    return line.text.strip(" .:").lower() in BRANCH_WORDS


def _sides(
    rgb: np.ndarray, page: RGB, route: Sequence[tuple[int, int]], lines: list[TextLine]
) -> list[list[TextLine]]:
    """A connector's texts split by the side of it they lie on, where the line shows between them
    (a label drawn over a line hides it: lines of one label lie on both sides of the route)."""
    points = np.asarray(route, float)
    sides: dict[int, list[TextLine]] = {}
    for line in lines:
        sides.setdefault(_side(points, line.box.center), []).append(line)
    if len(sides) < 2:
        return [lines]
    area = _union([ln.box for ln in lines])
    xs, ys = (np.rint(np.concatenate(v)).astype(int) for v in zip(*_samples(route), strict=True))
    inside = (area.x0 <= xs) & (xs < area.x1) & (area.y0 <= ys) & (ys < area.y1)
    for ln in lines:  # a route through a text crosses its letters, no line
        inside &= ~((ln.box.x0 <= xs) & (xs < ln.box.x1) & (ln.box.y0 <= ys) & (ys < ln.box.y1))
    shown = far_from(rgb[ys[inside], xs[inside]][None], page, INK_CONTRAST)
    return list(sides.values()) if shown.size >= MIN_SHOWN and shown.mean() >= SHOWN_LINE else [lines]


def _side(points: np.ndarray, point: tuple[float, float]) -> int:
    """Which side of a route (1 left, -1 right, seen along it) a point lies on."""
    segment, _ = _nearest(points, point)
    span = points[segment + 1] - points[segment]
    offset = np.asarray(point) - points[segment]
    return 1 if span[0] * offset[1] - span[1] * offset[0] > 0 else -1


def _letters(text: str) -> int:
    """How many letters and digits ``text`` has."""
    return sum(ch.isalnum() for ch in text)


def is_figure(line: TextLine, lines: Sequence[TextLine]) -> bool:
    """Whether OCR read a drawing as a letter or two: a "word" of at most two letters or digits,
    far taller than the page's words of three or more (a stick figure reads as "of", "oK.")."""
    words = sorted(ln.box.height for ln in lines if _letters(ln.text) >= 3)
    if _letters(line.text) > 2 or not words:
        return False
    return line.box.height > FIGURE_HEIGHT * words[len(words) // 2]


def _is_arrowhead(line: TextLine) -> bool:
    """Whether OCR read an arrowhead as a letter: one glyph shaped like one, small, outside any
    shape (a hand-drawn open arrowhead reads as "V" or "4")."""
    return line.text.strip() in ARROW_GLYPHS and max(line.box.width, line.box.height) <= ARROW_SIZE


def _by_an_end(edge: Edge, line: TextLine) -> bool:
    """Whether a line on or beside a connector is a label of one of its ends (a multiplicity): within
    the end's share of the route, or within END_LABEL_SPAN pixels of it on a route three times as long."""
    if not MULTIPLICITY.match(line.text.strip()):
        return False
    length = float(_lengths(np.asarray(edge.connector.points, float)).sum())
    along = _along(edge.connector.points, line.box.center) * length
    reach = max(BESIDE_SPAN[0] * length, min(END_LABEL_SPAN, length / 3))
    return min(along, length - along) < reach


def _holds_shapes(shapes: Sequence[Shape], index: int) -> bool:
    """Whether shape ``index`` is a container: other shapes lie inside it (a marker drawn on a
    shape does not make it one)."""
    inside = shapes[index].inside
    return any(j != index and s.kind != "marker" and inside.contains(s.box) for j, s in enumerate(shapes))


def _holders(shapes: Sequence[Shape], lines: Sequence[TextLine]) -> list[int | None]:
    """For each line, the shape it labels: the smallest holding it, unless that one holds other
    shapes too (a container: the line may be a connector's label or free text there)."""
    holders = []
    for line in lines:
        holder = shape_at(shapes, *line.box.center)
        if holder is not None and shapes[holder].kind in ("swimlane", "lane"):
            shape = shapes[holder]
            x, y = line.box.center
            in_title = (
                y < shape.box.y0 + shape.param if shape.kind == "swimlane" else x < shape.box.x0 + shape.param
            )
            holder = holder if in_title else None
        elif holder is not None and _holds_shapes(shapes, holder):
            top = shapes[holder].inside.y0 + line.box.height * 2
            holder = holder if line.box.y0 <= top else None  # a container's title sits at its top
        holders.append(holder)
    return holders


def _on_page(shapes: Sequence[Shape], box: Box) -> bool:
    """Whether a text lies on the page or in a container (a shape holding others), where it may
    be a connector's label, rather than in a shape it is written in (a class's rows)."""
    holder = shape_at(shapes, *box.center)
    return holder is None or _holds_shapes(shapes, holder)


def _listed(
    shapes: Sequence[Shape], lines: Sequence[TextLine], holders: list[int | None]
) -> dict[int, float]:
    """The swimlanes (class boxes) whose body lines follow each other closer than rows of cells
    do, with that pitch (pixels): one label listing them (an HTML class), not a row cell per
    line. Their lines are given to them in ``holders``."""
    listed = {}
    for index, shape in enumerate(shapes):
        if shape.kind != "swimlane" or _holds_shapes(shapes, index):
            continue  # a container of shapes: its texts are theirs, or labels and notes
        body = [
            i
            for i, (line, holder) in enumerate(zip(lines, holders, strict=True))
            if holder is None and shape.inside.holds(*line.box.center)
        ]
        middles: list[float] = []
        for middle in sorted(lines[i].box.center[1] for i in body):
            if not middles or middle - middles[-1] > SAME_ROW:  # lines side by side are one row
                middles.append(middle)
        pitch = float(np.median(np.diff(middles))) if len(middles) >= 2 else LIST_PITCH
        if pitch < LIST_PITCH:
            listed[index] = pitch
            for i in body:
                holders[i] = index
    return listed


def _row_of(shapes: Sequence[Shape], line: TextLine) -> Box | None:
    """The row a line fills in a swimlane's body (a class's attribute), if it starts at its left."""
    y = line.box.center[1]
    for shape in shapes:
        body = shape.kind == "swimlane" and shape.inside.contains(line.box, slack=2)
        if body and line.box.x0 - shape.box.x0 <= ROW_INDENT and y > shape.box.y0 + shape.param:
            half = max(line.box.height, ROW_HEIGHT) // 2
            return Box(shape.box.x0, round(y) - half, shape.box.x1, round(y) + half)
    return None


def _onto_rows(nodes: Sequence[Node], edges: list[Edge]) -> list[Edge]:
    """``edges`` with each end that meets a table's or list's side level with one of its rows
    ending at that row: draw.io links tables' rows (an ER diagram's keys) at their middle. A UML
    class (members marked ``+ - # ~``, or methods) is linked as a whole, wherever a line meets it."""
    rows = [(index, node.box) for index, node in enumerate(nodes) if node.row]
    members = [node.box for node in nodes if node.row and node.label and MEMBER.match(node.label.text)]

    def end_at(index: int, point: tuple[int, int]) -> int:
        holder, (x, y) = nodes[index].box, point
        side = min(abs(x - holder.x0), abs(x - holder.x1)) <= ROW_SIDE
        if not side or any(holder.contains(box, NEST_SLACK) for box in members):
            return index
        for row, box in rows:
            if holder.contains(box, NEST_SLACK) and abs(y - box.center[1]) <= ROW_MIDDLE:
                return row
        return index

    for edge in edges:
        line = edge.connector
        source, target = end_at(line.source, line.points[0]), end_at(line.target, line.points[-1])
        edge.connector = replace(line, source=source, target=target)
    return edges


def _fill_bodies(nodes: list[Node]) -> None:
    """A text alone in a small swimlane's body (a composite state's subtitle, a one-line class)
    fills that body, as the text cell in draw.io's own such boxes does, rather than standing as a
    box of its own size in it."""
    for holder in nodes:
        if holder.shape is None or holder.shape.kind != "swimlane":
            continue
        body = Box(holder.box.x0, holder.box.y0 + holder.shape.param, holder.box.x1, holder.box.y1)
        held = [n for n in nodes if n is not holder and body.holds(*n.box.center)]
        if len(held) != 1 or held[0].shape is not None or held[0].row:
            continue
        text, label = held[0], held[0].label
        if (
            label is not None
            and body.height <= BODY_FILL * len(label.lines) * label.font_size * LINE_HEIGHT + 2 * TEXT_PAD_Y
        ):
            text.box = body


def _framed(rgb: np.ndarray, page: RGB, shape: Shape, held: Sequence[TextLine]) -> Shape:
    """``shape`` made a UML frame when the one text it holds sits in a tab at its top left corner
    (a box that lines cross holds its name, where a frame's tab is walled off on its own)."""
    if shape.kind != "rectangle" or len(held) != 1:
        return shape
    tab = frame_tab(rgb, page, shape.box, held[0].box)
    return shape if tab is None else as_frame(shape, tab)


def _named_frame(rgb: np.ndarray, page: RGB, nodes: list[Node], name: Box) -> Node | None:
    """The unnamed rectangle whose top left tab holds the text at ``name``, made a UML frame
    (``vision.frames``), or None."""
    for node in nodes:
        if node.shape is not None and node.shape.kind == "rectangle" and node.label is None:
            tab = frame_tab(rgb, page, node.box, name)
            if tab is not None:
                node.shape = as_frame(node.shape, tab)
                return node
    return None


def nest(nodes: list[Node]) -> None:
    """Give each node the smallest shape it lies in as its parent (a class's rows, a lane's boxes, a
    container's contents); a text node only needs its centre inside, and is cut to its container."""
    shapes = [(i, n) for i, n in enumerate(nodes) if n.shape is not None]
    for index, node in enumerate(nodes):
        x, y = node.box.center
        holders = [
            (other.box.area, i)
            for i, other in shapes
            if i != index
            and other.box.area > node.box.area
            and not (other.shape is not None and other.shape.kind == "frame")  # draw.io's holds nothing
            and (
                other.box.contains(node.box, NEST_SLACK) if node.shape is not None else other.box.holds(x, y)
            )
        ]
        if not holders:
            continue
        parent = min(holders)[1]
        node.parent = parent
        if node.shape is None:
            box, outer = node.box, nodes[parent].box
            node.box = Box(
                max(box.x0, outer.x0), max(box.y0, outer.y0), min(box.x1, outer.x1), min(box.y1, outer.y1)
            )


def _connectors(
    rgb: np.ndarray, shapes: Sequence[Shape], page: RGB, text_boxes: Sequence[Box], label_boxes: Sequence[Box]
) -> list[Connector]:
    """The diagram's connectors but for "lines" of the page's own colour (what is left between
    fills: a gap, white strokes of tiles, a white icon on a coloured area) and for lines that run
    along one of their shapes' sides all the way (a drawing's shaded edge): neither is a connector
    someone drew."""
    found = find_connectors(rgb, shapes, page, text_boxes, label_boxes)
    return [
        c
        for c in found
        if colour_distance(c.stroke.colour, page) > PAGE_LINE
        and not any(_hugs(c.points, shapes[end].box) for end in (c.source, c.target))
    ]


def _hugs(points: Sequence[tuple[int, int]], box: Box) -> bool:
    """Whether every point of a route lies within ``HUG`` pixels of the outline of ``box``."""

    def off_outline(x: int, y: int) -> float:
        outside = box.gap(Box(x, y, x, y))
        inside = min(x - box.x0, box.x1 - x, y - box.y0, box.y1 - y)
        return outside if outside > 0 else max(inside, 0)

    return all(off_outline(x, y) <= HUG for x, y in points)


def digitise(rgb: np.ndarray) -> Diagram:
    """Read a diagram image (H x W x 3 uint8) into nodes and connectors, timing each stage."""
    height, width = rgb.shape[:2]
    timings: dict[str, float] = {}
    start = time.perf_counter()
    page = backdrop(rgb).colour
    lines = _read_standing(rgb, _read_on_page(rgb, page, read_text(rgb)))
    lines = [replace(ln, text=without_arrowheads(ln.text)) for ln in lines if not is_figure(ln, lines)]
    timings["ocr"] = time.perf_counter() - start
    start = time.perf_counter()
    text_boxes = [ln.box for ln in lines]
    drawn = unhatched(rgb, page, text_boxes)  # hand-drawn hatched fills made solid
    dots = find_dots(drawn, page)
    drawn = erase_dots(drawn, dots, page)
    shapes = find_crossed_boxes(drawn, with_lanes(drawn, find_shapes(drawn, page, text_boxes)), page)
    shapes = find_stores(drawn, shapes, page, text_boxes)
    shapes = sorted(shapes + find_markers(drawn, shapes, page, text_boxes), key=lambda s: -s.box.area)
    shapes = drop_message_gaps(join_cut_bars(drawn, join_covered_bars(drawn, shapes, page), page), page)
    words = [ln.box for ln in lines if len(ln.text.strip()) >= 2]  # not a lone glyph OCR saw in a head
    shapes = extend_lifelines(drawn, find_actors(drawn, shapes, page, words), page)
    shapes = find_lollipops(drawn, shapes, page, words)
    shapes, drawn = find_final_states(drawn, shapes, page, text_boxes)
    shapes = find_pictograms(drawn, shapes, text_boxes)
    timings["shapes"] = time.perf_counter() - start
    start = time.perf_counter()
    holders = _holders(shapes, lines)
    arrowheads = [_is_arrowhead(ln) and holder is None for ln, holder in zip(lines, holders, strict=True)]
    lines = [ln for ln, arrowhead in zip(lines, arrowheads, strict=True) if not arrowhead]
    holders = [holder for holder, arrowhead in zip(holders, arrowheads, strict=True) if not arrowhead]
    listed = _listed(shapes, lines, holders)
    loose = [ln for ln, holder in zip(lines, holders, strict=True) if holder is None]
    text_boxes = [ln.box for ln in lines]
    # A line hidden behind a label is joined across each of its lines, and across the whole of a
    # label of several lines on the page or in a container (the line shows above the first and
    # below the last only).
    on_page = [ln for ln in loose if _on_page(shapes, ln.box)]
    labels = [_union([ln.box for ln in block]) for block in _blocks(on_page) if len(block) > 1]
    label_boxes = [ln.box for ln in loose] + labels
    icons = [s.inside for s in shapes if s.kind == "icon"]  # their drawing is no connector ink
    connectors = _connectors(drawn, shapes, page, text_boxes + icons, label_boxes)
    glyphs = find_glyphs(drawn, page, shapes, connectors, text_boxes)
    glyphs = [g for g, holder in zip(glyphs, _holders(shapes, glyphs), strict=True) if holder is None]
    if glyphs:  # traced again without them: a glyph taken for line ink bends a connector's end to it
        glyph_boxes = [g.box for g in glyphs]
        connectors = _connectors(
            drawn, shapes, page, text_boxes + icons + glyph_boxes, label_boxes + glyph_boxes
        )
        loose += glyphs
    connectors = dotted_ends(onto_nested_bars(connectors, shapes), dots)
    shapes = find_initial_states(shapes, text_boxes, connectors)
    timings["connectors"] = time.perf_counter() - start

    edges = [Edge(c) for c in connectors]
    # A line filling a row of a class box is that row, however near a connector runs to it.
    rows = [(line, _row_of(shapes, line)) for line in loose]
    on_edges: dict[int, list[TextLine]] = {}
    free: list[TextLine] = []
    for line in (line for line, row in rows if row is None):
        edge = next((i for i, e in enumerate(edges) if _touches(e.connector.points, line.box)), None)
        if edge is None:
            edge = _edge_beside(edges, shapes, line)
        if edge is None:
            if line not in glyphs:  # a glyph read from ink alone must label a connector
                free.append(line)
        elif _by_an_end(edges[edge], line):
            edges[edge].end_labels.append((_label(rgb, [line], page), line.box))
        else:
            on_edges.setdefault(edge, []).append(line)
    for index, held in on_edges.items():
        route = edges[index].connector.points
        # Texts on both sides of a drawn line are two, and a branch word ("Yes") is a label of
        # its own: the nearest labels the edge.
        parts = [
            part
            for side in _sides(drawn, page, route, held)
            for part in [[ln for ln in side if not _is_branch(ln)]] + [[ln] for ln in side if _is_branch(ln)]
            if part
        ]
        parts.sort(key=lambda part: _distance(route, _union([ln.box for ln in part])))
        held = parts[0]
        free += [line for block in parts[1:] for line in block if line not in glyphs]
        edges[index].label = _label(rgb, held, page)
        edges[index].label_box = _union([ln.box for ln in held])
    inside: dict[int, list[TextLine]] = {}
    for line, holder in zip(lines, holders, strict=True):
        if holder is not None:
            inside.setdefault(holder, []).append(line)
    shapes = [_framed(drawn, page, s, inside.get(i, [])) for i, s in enumerate(shapes)]
    nodes = [
        Node(s.box, s, _label(rgb, inside[i], s.fill) if i in inside else None) for i, s in enumerate(shapes)
    ]
    for node in nodes:
        if node.shape is not None and node.shape.kind == "icon":
            node.picture = picture(rgb, node.box)
    for index, pitch in listed.items():  # one box whose label lists its title and lines (an HTML class)
        node = nodes[index]
        node.shape = replace(shapes[index], kind="rectangle")
        node.align = "left"
        if node.label is not None:  # the lines' pitch tells the size better than glyphs crossed by rules
            node.label.font_size = max(6, round(pitch / LINE_HEIGHT))
    for line, row in rows:
        if row is not None:
            nodes.append(Node(row, None, _label(rgb, [line], page), align="left", row=True))
    edges = _onto_rows(nodes, edges)
    for block in _blocks(free):
        box = _union([ln.box for ln in block])
        frame = _named_frame(drawn, page, nodes, box)
        if frame is not None:  # a UML frame's name, in its tab: the frame's label
            frame.label = _label(rgb, block, page)
            continue
        pad = TEXT_PAD_X + round(TEXT_PAD_SHARE * box.width)
        box = Box(box.x0 - pad, box.y0 - TEXT_PAD_Y, box.x1 + pad, box.y1 + TEXT_PAD_Y).clipped(width, height)
        nodes.append(Node(box, None, _label(rgb, block, page)))
    find_columns(nodes)
    _fill_bodies(nodes)
    name_from_outside(nodes)
    nest(nodes)
    log.info(
        "diagram: %d shapes, %d text blocks, %d connectors (%d labelled)",
        len(shapes),
        len(nodes) - len(shapes),
        len(edges),
        len(on_edges),
    )
    return Diagram(width, height, page, nodes, edges, timings)

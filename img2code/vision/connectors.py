"""Connectors of a diagram: the lines between shapes, where they end and which ends carry arrowheads.

What is left once the shapes' fills, outlines (and drop shadows) and the text are taken away is
connector ink. Its connected pieces are thinned to one-pixel skeletons; a skeleton end within reach
of a shape's outline attaches the piece to that shape. An end is an arrowhead where the ink around
it is much heavier than a bare line would be, unless the line meets another running across it just
before the end (a bus, a shadow's rim: ``_stub``). A piece joining two shapes is one connector; a
piece joining more (merged orthogonal routes) links every plain end to every arrowed end. A line's
colour is that of its ink's cores, not of its anti-aliased edges.
"""

from __future__ import annotations

import itertools
import logging
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import cv2
import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix, csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from skimage.morphology import skeletonize

from .colour import RGB, far_from, strongest
from .geometry import Box, boxes_mask
from .shapes import SHADOW_DX, SHADOW_DY, WOBBLE, Shape

log = logging.getLogger(__name__)

INK_DISTANCE = 40.0  # RGB distance from what a pixel is drawn on for it to count as line ink
MIN_LENGTH = 8  # pixels; shorter pieces are specks, glyph bits and shadow corners
MIN_ROUTE = 10  # pixels a connector runs at least (shorter links join the parts of icons)
APEX_ANGLE = 100.0  # degrees: lines leaving a point closer together than this fan out from it
REACH = 12  # pixels between a line's end and a shape's outline that still attach them
HEAD_RADIUS = 6  # pixels from an end within which an arrowhead is looked for
WIDTH_RADIUS = 3  # pixels: the disc in which a line's width is measured
LONG_PIECE = 40  # pixels: on a shorter line an arrowhead's wide back is near both ends
TAPER_STEPS = 4  # path pixels on each side of the widest point compared to find the tip
HOLLOW_SHARE = 0.2  # page-coloured pixels a head's outline holds, at least, against the ink near it
OPEN_SHARE = 0.25  # share of the closed ink near an open V's tip that is the page between its arms
FILLED, HOLLOW, OPEN, OVAL = "filled", "hollow", "open", "oval"  # what an arrowhead is like (OVAL: a dot)
HEAD_RATIO = 1.5  # a head this many times wider than a line's other end makes that end no head
HEAD_SPREAD = 2  # pixels an end must be wider than its line to carry an arrowhead
STUB = 3  # pixels: an end this close to where its line meets a line running across is a stub
BRANCH = 2 * HEAD_RADIUS  # pixels the lines at a fork run on, at least, to be lines (not a head's spurs)
MAX_FAN = 6  # a piece with more plain or arrowed ends than this is a grid, not connectors
DASH_GAP = 6  # pixels: gaps up to this long are closed, so a dashed line is one piece
WIDE_DASH_GAP = 12  # pixels: gaps up to this long are closed next to dashes (thick lines' dashes)
BRIDGE_REACH = 4  # pixels around a label in which the lines it interrupts are looked for
MIN_DASHES = 4  # dashes a dashed line shows at least
MAX_DASH_AREA = 60  # pixels of ink in a typical dash (draw.io's are 3 to 8 px long)
DASHED_SHARE = 0.8  # share of its closed piece a line's own ink covers, under which it is dashed
LIFELINE_REACH = 8  # pixels each side of a lifeline where its dashes and activation bars are cleared
CLEAN_FIT = 0.98  # fit to its outline under which a shape's outline may wobble (hand-drawn)
SHADOW_EDGE = 2  # pixels round the offset copy a shadow's grey reaches (its blurred, anti-aliased rim)
ACTOR_MARGIN = 6  # pixels round an actor's box where the lines to it end
STRAIGHT_COVER = 0.95  # share of a straight segment on ink that makes two ends one straight line
SIMPLIFY = 2.0  # pixels a route may stray from the skeleton when bends are kept
CROSS_REACH = 13  # pixels across a swimlane's outline band over which a line crossing it is followed
CROSSED_PAD = 4  # pixels round where a line meets a crossed box's outline band: the band's width
LABEL_PAD = 6  # pixels round a text its label's background may cover
SWIMLANES = ("swimlane", "lane")  # containers whose outlines connectors cross (pools and lanes)


@dataclass(frozen=True)
class Stroke:
    """How a line is drawn: colour, width (pixels) and whether it is dashed."""

    colour: RGB
    width: int
    dashed: bool = False


@dataclass(frozen=True)
class Connector:
    """A line from shape ``source`` to shape ``target`` (indices into the shapes list).

    ``head_source`` and ``head_target`` say which ends carry an arrowhead (or other marker), and
    ``kind_source`` / ``kind_target`` what it is like (``FILLED``, a solid head; ``HOLLOW``, an
    outlined triangle as UML's generalisation has; ``OPEN``, an open V); ``points`` is the route
    from the source end to the target end, bends included.
    """

    source: int
    target: int
    head_source: bool
    head_target: bool
    stroke: Stroke
    points: tuple[tuple[int, int], ...] = field(default=())
    kind_source: str = FILLED
    kind_target: str = FILLED


def paint_fills(shape: tuple[int, int], shapes: Sequence[Shape], page: RGB) -> np.ndarray:
    """What each pixel is drawn on: the fill of the smallest shape holding it, else the page."""
    canvas = np.empty((*shape, 3), np.float32)
    canvas[:] = page
    for s in sorted(shapes, key=lambda s: -s.inside.area):
        view = canvas[s.inside.y0 : s.inside.y1, s.inside.x0 : s.inside.x1]
        if s.body_fill is None:
            view[s.mask] = s.fill
            continue
        view[s.mask] = s.body_fill  # a swimlane: its body, then its title bar
        bar = s.box.y0 + s.param - s.inside.y0 if s.kind == "swimlane" else s.box.x0 + s.param - s.inside.x0
        head = (
            (slice(0, max(0, bar)), slice(None))
            if s.kind == "swimlane"
            else (slice(None), slice(0, max(0, bar)))
        )
        view[head][s.mask[head]] = s.fill
    return canvas


def _outlines(shape: tuple[int, int], shapes: Sequence[Shape]) -> tuple[np.ndarray, np.ndarray]:
    """The band each shape's outline covers (bool) and, per pixel, which shape's outline it is (-1: none)."""
    band = np.zeros(shape, bool)
    owner = np.full(shape, -1, np.int32)
    h, w = shape
    for index in sorted(range(len(shapes)), key=lambda i: -shapes[i].inside.area):
        s = shapes[index]
        # lines drawn to an actor aim at its middle and meet near its box: they end a little out
        margin = s.stroke_width + 1 + (ACTOR_MARGIN if s.kind == "actor" else 0)
        grow = margin + (SHADOW_DY if s.shadow else 0) + (WOBBLE if s.fit < CLEAN_FIT else 0)
        box = Box(s.inside.x0 - grow, s.inside.y0 - grow, s.inside.x1 + grow, s.inside.y1 + grow).clipped(
            w, h
        )
        local = np.zeros((box.height, box.width), np.uint8)
        oy, ox = s.inside.y0 - box.y0, s.inside.x0 - box.x0
        local[oy : oy + s.mask.shape[0], ox : ox + s.mask.shape[1]] = s.mask
        kernel = np.ones((3, 3), np.uint8)
        drawn = local.copy()
        if s.kind == "lifeline":  # only the head has an outline; the line is cleared in connector_ink
            drawn[oy + s.param :] = 0
        ring = cv2.dilate(drawn, kernel, iterations=margin).astype(bool)
        if s.shadow:  # its soft edge reaches a pixel past the offset copy
            shadow = np.roll(local, (SHADOW_DY, SHADOW_DX), axis=(0, 1))
            ring |= cv2.dilate(shadow, kernel, iterations=SHADOW_EDGE).astype(bool)
        if s.kind != "lollipop":  # a lollipop's stick is inside its box: no line to trace
            ring &= ~cv2.erode(local, kernel, iterations=2).astype(bool)
        band[box.y0 : box.y1, box.x0 : box.x1] |= ring
        if s.kind == "marker":  # drawn on its shape; lines end at the shape
            continue
        edge = local.astype(bool) & ~cv2.erode(local, kernel).astype(bool)
        owner[box.y0 : box.y1, box.x0 : box.x1][edge] = index
        if s.kind == "folder":  # draw.io ends lines at a folder's box: beside the tab, above the body
            top = owner[s.inside.y0, s.inside.x0 : s.inside.x1]
            top[top < 0] = index
    return band, owner


def _bridge(joined: np.ndarray, ink: np.ndarray, box: Box) -> None:
    """Join the two lines that run into a label from either side (the label hides the line), in
    both the closed and the drawn ink (the hidden part is no dash gap)."""
    h, w = joined.shape
    outer = Box(box.x0 - BRIDGE_REACH, box.y0 - BRIDGE_REACH, box.x1 + BRIDGE_REACH, box.y1 + BRIDGE_REACH)
    outer = outer.clipped(w, h)
    ring = joined[outer.y0 : outer.y1, outer.x0 : outer.x1].copy()
    ring[box.y0 - outer.y0 : box.y1 - outer.y0, box.x0 - outer.x0 : box.x1 - outer.x0] = False
    parts, count = ndimage.label(ring, structure=np.ones((3, 3)))
    if count != 2:
        return
    ends = []
    for index in (1, 2):
        ys, xs = np.nonzero(parts == index)
        nearest = np.argmin(
            np.abs(xs + outer.x0 - (box.x0 + box.x1) / 2) + np.abs(ys + outer.y0 - (box.y0 + box.y1) / 2)
        )
        ends.append((int(xs[nearest]) + outer.x0, int(ys[nearest]) + outer.y0))
    for mask in (joined, ink):
        cv2.line(mask.view(np.uint8), ends[0], ends[1], 1, 2)


def _clear_lifelines(ink: np.ndarray, shapes: Sequence[Shape]) -> None:
    """Take lifelines' dashes and activation bars out of the ink, keeping the messages that cross them
    (only strokes that run up and down, no more than a few pixels across, are cleared; a dashed
    message's gaps are closed first, so its dashes across the whole reach are kept)."""
    drawn = ink.astype(np.uint8)
    strokes = cv2.morphologyEx(drawn, cv2.MORPH_OPEN, np.ones((1, 2 * LIFELINE_REACH // 3 + 1), np.uint8))
    dashes_joined = cv2.morphologyEx(drawn, cv2.MORPH_CLOSE, np.ones((1, DASH_GAP + 1), np.uint8))
    dashed = cv2.morphologyEx(dashes_joined, cv2.MORPH_OPEN, np.ones((1, 2 * LIFELINE_REACH + 1), np.uint8))
    across = (strokes > 0) | (dashed > 0)
    for s in shapes:
        if s.kind != "lifeline":
            continue
        cx = (s.box.x0 + s.box.x1) // 2
        top = s.box.y0 + s.param
        x0, x1 = max(0, cx - LIFELINE_REACH), cx + LIFELINE_REACH + 1
        ink[top : s.box.y1 + 1, x0:x1] &= across[top : s.box.y1 + 1, x0:x1]


def connector_ink(
    marked: np.ndarray,
    shapes: Sequence[Shape],
    text_boxes: Sequence[Box],
    band: np.ndarray,
    labels: Sequence[Box] = (),
) -> tuple[np.ndarray, np.ndarray]:
    """Pixels of lines and arrowheads: those ``marked`` (unlike what they are drawn on) off every
    outline and text, as drawn and with the gaps of dashed lines and the labels sitting on lines
    closed."""
    free = ~band & ~boxes_mask(band.shape, text_boxes, 1)
    ink = marked & free
    _clear_lifelines(ink, shapes)
    joined = (_closed(ink | _dash_bridges(ink), DASH_GAP)) & free
    for box in labels:
        _bridge(joined, ink, box)
    _bridge_crossings(joined, ink, shapes)
    return ink, joined | _lane_crossings(ink, shapes)


def _lane_crossings(ink: np.ndarray, shapes: Sequence[Shape]) -> np.ndarray:
    """Where lines cross swimlanes' outlines (connectors between the boxes of two lanes): the
    outline band of a swimlane where ink runs into it from both sides, straight across."""
    lanes = [s for s in shapes if s.kind in SWIMLANES]
    if not lanes:
        return np.zeros_like(ink)
    outlines = _outlines(ink.shape, lanes)[0]  # part of every shape's band: no need to cut it to it
    across = np.zeros_like(ink)
    for kernel in (np.ones((CROSS_REACH, 1), np.uint8), np.ones((1, CROSS_REACH), np.uint8)):
        across |= cv2.morphologyEx(ink.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)
    return across & outlines


def _bridge_crossings(joined: np.ndarray, ink: np.ndarray, shapes: Sequence[Shape]) -> None:
    """Join each line that runs across the outline of a box lines cross (``Shape.crossed``), at any
    slant: where ink meets the outline's band, the two lines by it are joined over it."""
    crossed = [s for s in shapes if s.crossed]
    if not crossed:
        return
    band = _outlines(ink.shape, crossed)[0]
    meeting = cv2.dilate(ink.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & band
    spots, _ = ndimage.label(meeting, structure=np.ones((3, 3)))
    for window in ndimage.find_objects(spots):
        if window is not None:
            y0, y1, x0, x1 = window[0].start, window[0].stop, window[1].start, window[1].stop
            _bridge(joined, ink, Box(x0 - CROSSED_PAD, y0 - CROSSED_PAD, x1 + CROSSED_PAD, y1 + CROSSED_PAD))


def _closed(mask: np.ndarray, gap: int) -> np.ndarray:
    """``mask`` with gaps up to ``gap`` pixels closed."""
    kernel = np.ones((gap + 1, gap + 1), np.uint8)
    return cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, kernel).astype(bool)


def _dash_bridges(ink: np.ndarray) -> np.ndarray:
    """Lines that join each dash to the next ink straight ahead of its ends, within
    ``WIDE_DASH_GAP`` pixels: the gaps of thick dashed lines, at any slant, which a closing with a
    square leaves open."""
    bridges = np.zeros(ink.shape, np.uint8)
    h, w = ink.shape
    parts, _ = ndimage.label(ink, structure=np.ones((3, 3)))
    for index, window in enumerate(ndimage.find_objects(parts), start=1):
        ys, xs = np.nonzero(parts[window] == index)
        if not 3 <= ys.size <= MAX_DASH_AREA:
            continue
        points = np.stack([xs + window[1].start, ys + window[0].start], axis=1).astype(float)
        centre = points.mean(axis=0)
        _, spread, axes = np.linalg.svd(points - centre, full_matrices=False)
        if spread[0] < 2 * spread[1]:
            continue  # a dot or a blob, no dash
        along = (points - centre) @ axes[0]
        for sign, reach in ((1, along.max()), (-1, -along.min())):
            direction = sign * axes[0]
            for step in range(2, WIDE_DASH_GAP + 1):
                x, y = np.round(centre + direction * (reach + step)).astype(int)
                if not (0 <= x < w and 0 <= y < h):
                    break
                near = parts[max(0, y - 1) : y + 2, max(0, x - 1) : x + 2]  # a thin slanted line: a pixel off
                if ((near != 0) & (near != index)).any():
                    start = np.round(centre + direction * reach).astype(int)
                    cv2.line(bridges, (int(start[0]), int(start[1])), (int(x), int(y)), 1, 2)
                    break
    return bridges.astype(bool)


def _skeleton_graph(skeleton: np.ndarray) -> tuple[np.ndarray, coo_matrix]:
    """The skeleton's pixels (N x 2, y then x) and their 8-neighbour graph (edge weights: step lengths)."""
    points = np.argwhere(skeleton)
    index = np.full(skeleton.shape, -1, np.int64)
    index[points[:, 0], points[:, 1]] = np.arange(len(points))
    rows, cols, weights = [], [], []
    h, w = skeleton.shape
    for dy, dx in ((0, 1), (1, 0), (1, 1), (1, -1)):
        y2, x2 = points[:, 0] + dy, points[:, 1] + dx
        ok = (y2 >= 0) & (y2 < h) & (x2 >= 0) & (x2 < w)
        other = np.full(len(points), -1)
        other[ok] = index[y2[ok], x2[ok]]
        linked = other >= 0
        rows.append(np.flatnonzero(linked))
        cols.append(other[linked])
        weights.append(np.full(int(linked.sum()), np.hypot(dy, dx)))
    r, c, wt = np.concatenate(rows), np.concatenate(cols), np.concatenate(weights)
    n = len(points)
    graph = coo_matrix((np.concatenate([wt, wt]), (np.concatenate([r, c]), np.concatenate([c, r]))), (n, n))
    return points, graph


def _ends(skeleton: np.ndarray) -> np.ndarray:
    """Skeleton pixels with exactly one neighbour (y, x rows)."""
    neighbours = ndimage.convolve(skeleton.astype(np.uint8), np.ones((3, 3), np.uint8), mode="constant")
    return np.argwhere(skeleton & (neighbours == 2))


@dataclass
class _End:
    """A piece's end at a shape: where it is (y, x), which skeleton pixel, and whether it has a head."""

    shape: int
    point: tuple[int, int]
    node: int
    head: bool
    gap: float
    spread: float = 0.0  # how wide the ink is across the line there (pixels)
    kind: str = FILLED  # what its head is like (FILLED, HOLLOW or OPEN)


def _attachments(
    piece: np.ndarray,
    skeleton: np.ndarray,
    offset: tuple[int, int],
    distance: np.ndarray,
    nearest: np.ndarray,
    lanes: set[int],
    actors: set[int],
) -> tuple[list[_End], np.ndarray, coo_matrix]:
    """The ends of one piece (cropped masks, ``offset`` its top-left) that reach a shape, one per
    shape; a line bending by a swimlane's outline (``lanes``) is no fan from it, and a piece coming
    near an actor ends there (``_apexes``)."""
    points, graph = _skeleton_graph(skeleton)
    links = graph.tocsr()  # for walking along the skeleton from an end
    width = line_width(piece, skeleton)
    node_of = {(int(y), int(x)): i for i, (y, x) in enumerate(points)}
    oy, ox = offset
    best: dict[int, _End] = {}
    for y, x in _ends(skeleton):
        gy, gx = y + oy, x + ox
        gap = float(distance[gy, gx])
        if gap > REACH:
            continue
        shape = int(nearest[gy, gx])
        along = _direction(points, graph, node_of[int(y), int(x)])
        spread = _spread(piece, int(y), int(x), HEAD_RADIUS, along)
        node = node_of[int(y), int(x)]
        head = spread >= width + HEAD_SPREAD and not _stub(links, node)
        end = _End(shape, (int(gy), int(gx)), node, head, gap, spread)
        known = best.get(shape)
        if known is None or (end.head, -end.gap) > (known.head, -known.gap):
            if known is not None:
                end.head, end.spread = end.head or known.head, max(end.spread, known.spread)
            best[shape] = end
        else:
            known.head, known.spread = known.head or end.head, max(end.spread, known.spread)
    for apex in _apexes(points, graph, distance, nearest, offset, set(best) | lanes, actors):
        best[apex.shape] = apex
    return list(best.values()), points, graph


def _apexes(
    points: np.ndarray,
    graph: coo_matrix,
    distance: np.ndarray,
    nearest: np.ndarray,
    offset: tuple[int, int],
    attached: set[int],
    actors: set[int],
) -> list[_End]:
    """Where lines drawn from one point of a shape (an actor's fan of associations) meet short of
    its outline: the skeleton turns back there instead of ending. For each shape the piece
    passes within ``REACH`` of and no end attaches to, its nearest skeleton pixel is an end when
    the skeleton leaves it in two directions less than ``APEX_ANGLE`` apart (a line merely
    passing by goes straight on), or when the shape is an actor (lines to it aim at its middle,
    and merge by its box whichever way they come)."""
    if not len(points):
        return []
    ys, xs = points[:, 0] + offset[0], points[:, 1] + offset[1]
    gaps, owners = distance[ys, xs], nearest[ys, xs]
    apexes = []
    for shape in set(owners[gaps <= REACH].tolist()) - attached:
        mine = np.flatnonzero((owners == shape) & (gaps <= REACH))
        node = int(mine[np.argmin(gaps[mine])])
        if shape in actors or _turns_back(points, graph, node):
            apexes.append(_End(int(shape), (int(ys[node]), int(xs[node])), node, False, float(gaps[node])))
    return apexes


def _turns_back(points: np.ndarray, graph: coo_matrix, node: int) -> bool:
    """Whether the skeleton leaves ``node`` in two directions less than ``APEX_ANGLE`` apart."""
    reach = dijkstra(graph, indices=node, limit=2 * HEAD_RADIUS)
    ring = np.flatnonzero((reach >= 1.5 * HEAD_RADIUS) & np.isfinite(reach))
    if len(ring) < 2:
        return False
    ways = (points[ring] - points[node]).astype(float)
    ways /= np.linalg.norm(ways, axis=1, keepdims=True)
    return float(np.degrees(np.arccos(np.clip((ways @ ways.T).min(), -1, 1)))) < APEX_ANGLE


def line_width(piece: np.ndarray, skeleton: np.ndarray) -> float:
    """A piece's line width: the ink in a disc around each skeleton pixel over the disc's diameter
    (a straight line of width w puts about w x diameter pixels there, at any angle), low in its
    range, since on a short arrow the head holds much of the skeleton."""
    if not skeleton.any():
        return 1.0
    size = 2 * WIDTH_RADIUS + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)).astype(np.float32)
    counts = cv2.filter2D(piece.astype(np.float32), -1, disc, borderType=cv2.BORDER_CONSTANT)[skeleton]
    return max(1.0, round(float(np.percentile(counts, 25)) / size, 1))


def _direction(points: np.ndarray, graph: coo_matrix, node: int) -> np.ndarray | None:
    """The way a line runs at one of its skeleton ends (x, y unit vector): towards the middle of
    the skeleton within two head radii along it (not across to other lines nearby, nor along a
    line it joins just after), or None for a stub."""
    reach = dijkstra(graph, indices=node, limit=2 * HEAD_RADIUS)
    near = points[np.isfinite(reach)][:, ::-1].astype(float)
    way = near.mean(axis=0) - points[node][::-1]
    length = float(np.hypot(*way))
    return way / length if length >= 1 else None


def _stub(links: csr_matrix, node: int) -> bool:
    """Whether an end is a stub off a line running across it: the line meets a bus, or a shadow's
    rim, within ``STUB`` pixels of the end, so the ink by the end is that line, not an arrowhead.
    There the skeleton forks into two branches or more (besides the stub) running at least
    ``BRANCH`` pixels on; an arrowhead's skeleton forks into its line and spurs no longer than
    its barbs. Branches that join up again (a hollow head's outline) are one. ``links``: the
    piece's skeleton graph (``_skeleton_graph``) in row form."""
    stub = [node]
    while len(stub) <= STUB:
        onward = [int(n) for n in links.indices[links.indptr[stub[-1]] : links.indptr[stub[-1] + 1]]]
        onward = [n for n in onward if n not in stub]
        if len(onward) != 1:
            break
        stub.append(onward[0])
    if len(stub) > STUB:
        return False
    # a fork is a knot of a few pixels: its branches are what leaves it past the knot
    reach = dijkstra(links, indices=stub[-1], limit=3 * BRANCH)
    past = np.setdiff1d(np.flatnonzero((reach > 2.5) & np.isfinite(reach)), stub)
    count, branch = connected_components(links[past][:, past], directed=False)
    return sum(reach[past[branch == k]].max() >= BRANCH for k in range(count)) >= 2


def _spread(piece: np.ndarray, y: int, x: int, radius: int, along: np.ndarray | None = None) -> float:
    """How wide the ink is across the line within ``radius`` of an end: the line's own width, or
    an arrowhead's. The line runs ``along`` (x, y), or else along the main axis of the ink within
    three radii of the end (measured from the end, so the line dominates)."""
    ys, xs = np.nonzero(piece)
    dy, dx = ys - y, xs - x
    d2 = dy * dy + dx * dx
    if along is None:
        near = d2 <= (3 * radius) ** 2
        if near.sum() < 3:
            return 0.0
        vectors = np.stack([dx[near], dy[near]], axis=1).astype(float)
        _, _, axes = np.linalg.svd(vectors, full_matrices=False)
        along = axes[0]
    normal = np.array([-along[1], along[0]])
    local = np.stack([dx[d2 <= radius**2], dy[d2 <= radius**2]], axis=1) @ normal
    return float(local.max() - local.min() + 1) if local.size else 0.0


def _head_kind(piece: np.ndarray, marked: np.ndarray, y: int, x: int) -> str:
    """What the arrowhead at an end (piece coordinates; ``marked``: all ink over the piece's window)
    is like: ``HOLLOW``, a closed outline round one region of the page's colour (UML's
    generalisation; a crow's foot's prongs hold two); ``OPEN``, a V whose inside opens backwards
    along the line (the closed piece covers a good share more than its ink); else ``FILLED``."""
    reach = 3 * HEAD_RADIUS
    window = (slice(max(0, y - reach), y + reach + 1), slice(max(0, x - reach), x + reach + 1))
    ink, closed = marked[window], piece[window]
    holes = ndimage.binary_fill_holes(ink) & ~ink & closed
    count = ndimage.label(holes, structure=np.ones((3, 3)))[1]
    if count == 1 and holes.sum() >= HOLLOW_SHARE * max(int((ink & closed).sum()), 1):
        return HOLLOW
    ys, xs = np.ogrid[: closed.shape[0], : closed.shape[1]]
    cy, cx = y - window[0].start, x - window[1].start
    near = closed & ((ys - cy) ** 2 + (xs - cx) ** 2 <= (2 * HEAD_RADIUS) ** 2)
    if count == 0 and (near & ~ink).sum() >= OPEN_SHARE * max(int(near.sum()), 1):
        return OPEN
    return FILLED


def _path(points: np.ndarray, graph: coo_matrix, start: int, stop: int) -> np.ndarray:
    """The skeleton pixels (y, x rows, piece coordinates) from one pixel to another; empty if apart."""
    _, predecessors = dijkstra(graph, indices=start, return_predecessors=True)
    path = [stop]
    while path[-1] != start and predecessors[path[-1]] >= 0:
        path.append(int(predecessors[path[-1]]))
    return points[path[::-1]] if path[-1] == start else points[:0]


def _tip_at_stop(piece: np.ndarray, path: np.ndarray) -> bool:
    """Whether a short line's one arrowhead points at the end of ``path`` (else at its start).

    From the head's widest point (its back) the ink narrows slowly towards the tip and drops at
    once to the line towards the tail: the side that stays wider is the tip's.
    """
    size = 2 * WIDTH_RADIUS + 1
    disc = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size)).astype(np.float32)
    widths = cv2.filter2D(piece.astype(np.float32), -1, disc, borderType=cv2.BORDER_CONSTANT)
    profile = widths[path[:, 0], path[:, 1]]
    widest = int(np.argmax(profile))
    before = profile[max(0, widest - TAPER_STEPS) : widest]
    after = profile[widest + 1 : widest + 1 + TAPER_STEPS]
    return float(after.mean() if after.size else 0.0) >= float(before.mean() if before.size else 0.0)


def _route(points: np.ndarray, graph: coo_matrix, start: int, stop: int, offset: tuple[int, int]) -> tuple:
    """The skeleton path between two pixels, simplified to its bends, in image (x, y) coordinates."""
    yx = _path(points, graph, start, stop)
    if not len(yx):
        return ()
    curve = np.stack([yx[:, 1] + offset[1], yx[:, 0] + offset[0]], axis=1).astype(np.int32)
    simple = cv2.approxPolyDP(curve.reshape(-1, 1, 2), SIMPLIFY, False).reshape(-1, 2)
    return tuple((int(x), int(y)) for x, y in simple)


def find_connectors(
    rgb: np.ndarray, shapes: Sequence[Shape], page: RGB, text_boxes: Sequence[Box], labels: Sequence[Box] = ()
) -> list[Connector]:
    """Connectors between ``shapes`` in a diagram image (H x W x 3 uint8); ``text_boxes`` are
    masked out, and a line broken by one of ``labels`` (text outside shapes) is joined across it."""
    if len(shapes) < 2:
        return []
    band, owner = _outlines(rgb.shape[:2], shapes)
    lanes = {i for i, s in enumerate(shapes) if s.kind in SWIMLANES or s.crossed}
    actors = {i for i, s in enumerate(shapes) if s.kind == "actor"}
    fills = paint_fills(rgb.shape[:2], shapes, page)
    marked = far_from(rgb, fills, INK_DISTANCE)  # unlike what each pixel is drawn on
    # Where a line's own colour shows: off the shapes and their outlines, not under a label.
    bare = ~band & np.all(fills == page, axis=2) & marked
    ink, joined = connector_ink(marked, shapes, text_boxes, band, labels)
    by_text = boxes_mask(ink.shape, text_boxes, LABEL_PAD)
    distance, (iy, ix) = ndimage.distance_transform_edt(owner < 0, return_indices=True)
    nearest = owner[iy, ix]
    pieces, _ = ndimage.label(joined, structure=np.ones((3, 3)))
    found: list[Connector] = []
    for index, window in enumerate(ndimage.find_objects(pieces), start=1):
        if window is None:
            continue
        if max(window[0].stop - window[0].start, window[1].stop - window[1].start) < MIN_LENGTH:
            continue
        piece = pieces[window] == index
        skeleton = skeletonize(piece)
        offset = (window[0].start, window[1].start)
        ends, points, graph = _attachments(piece, skeleton, offset, distance, nearest, lanes, actors)
        if len(ends) < 2:
            continue
        if len(ends) == 2 and ends[0].head and ends[1].head and max(piece.shape) < LONG_PIECE:
            at_stop = _tip_at_stop(piece, _path(points, graph, ends[0].node, ends[1].node))
            ends[0].head, ends[1].head = not at_stop, at_stop
        elif len(ends) == 2 and ends[0].head and ends[1].head:
            # Two heads of one line are alike; an end far narrower than the other is a splayed
            # stroke (a hand-drawn line's two strokes part at its ends), not a second head.
            narrow, wide = sorted(ends, key=lambda e: e.spread)
            narrow.head = narrow.spread * HEAD_RATIO > wide.spread
        drawn = piece & ink[window]
        for end in ends:
            local = (end.point[0] - offset[0], end.point[1] - offset[1])
            end.kind = _head_kind(piece, marked[window], *local) if end.head else FILLED
        on_page = drawn & bare[window]
        off_labels = drawn & ~by_text[window]  # a label's background is not the line
        pixels = next((p for p in (on_page, off_labels) if p.sum() >= MIN_LENGTH), drawn)
        colour = strongest(rgb[window][pixels], fills[window][pixels])
        width = round(line_width(drawn, skeleton & drawn)) if (skeleton & drawn).any() else 1
        dashed = _is_dashed(drawn, piece)
        found += _link(ends, points, graph, offset, Stroke(colour, width, dashed), piece)
    log.debug("connectors: %d", len(found))
    return found


def _is_dashed(drawn: np.ndarray, piece: np.ndarray) -> bool:
    """Whether a piece is a dashed line: its ink covers little of it, in many short dashes
    (a solid line that only lost bits under labels and outlines stays solid)."""
    if drawn.sum() >= DASHED_SHARE * piece.sum():
        return False
    dashes, count = ndimage.label(drawn, structure=np.ones((3, 3)))
    if count < MIN_DASHES:
        return False
    sizes = np.bincount(dashes.ravel())[1:]
    return float(np.median(sizes)) <= MAX_DASH_AREA


def _hub(ends: list[_End]) -> _End | None:
    """The end a fan spreads from: alone on its side (left, right, above or below) of the others."""
    if len(ends) > MAX_FAN + 1:
        return None
    for axis in (1, 0):  # x first: fans mostly spread across
        values = [end.point[axis] for end in ends]
        middle = (min(values) + max(values)) / 2
        low = [end for end in ends if end.point[axis] < middle]
        high = [end for end in ends if end.point[axis] >= middle]
        for side in (low, high):
            if len(side) == 1 and max(values) - min(values) > REACH:
                return side[0]
    return None


def _covered(piece: np.ndarray, a: tuple[int, int], b: tuple[int, int], offset: tuple[int, int]) -> float:
    """The share of the straight segment between two points (y, x) that lies on a piece's ink."""
    steps = max(abs(b[0] - a[0]), abs(b[1] - a[1]), 1)
    t = np.linspace(0, 1, steps + 1)
    ys = np.round(a[0] + t * (b[0] - a[0])).astype(int) - offset[0]
    xs = np.round(a[1] + t * (b[1] - a[1])).astype(int) - offset[1]
    inside = (ys >= 0) & (ys < piece.shape[0]) & (xs >= 0) & (xs < piece.shape[1])
    return float(piece[ys[inside], xs[inside]].sum()) / len(t)


def _crossing(ends: list[_End], piece: np.ndarray, offset: tuple[int, int]) -> list[tuple[_End, _End]]:
    """Straight lines crossing one another in one piece: pairs of ends joined by straight ink,
    when each end has exactly one such partner (else nothing)."""
    if len(ends) < 4 or len(ends) % 2:
        return []
    grown = cv2.dilate(piece.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    straight = [
        (a, b)
        for a, b in itertools.combinations(ends, 2)
        if _covered(grown, a.point, b.point, offset) >= STRAIGHT_COVER
    ]
    partners = Counter(id(end) for pair in straight for end in pair)
    if 2 * len(straight) != len(ends) or any(partners[id(end)] != 1 for end in ends):
        return []
    return straight


def _link(
    ends: list[_End],
    points: np.ndarray,
    graph: coo_matrix,
    offset: tuple[int, int],
    stroke: Stroke,
    piece: np.ndarray,
) -> list[Connector]:
    """Connectors for one piece's ends: a pair is one line, as are the pairs of straight lines
    crossing; more link plain ends to arrowed ends, or, when all ends look alike, the one end on
    its own side to all the others (a fan)."""
    crossing = _crossing(ends, piece, offset)
    if len(ends) == 2 or crossing:
        pairs = [(a, b) if not a.head or b.head else (b, a) for a, b in crossing or [(ends[0], ends[1])]]
    else:
        tails = [e for e in ends if not e.head]
        heads = [e for e in ends if e.head]
        hub = _hub(ends) if not tails or not heads else None
        if hub is not None:
            pairs = [(hub, e) if not hub.head or e.head else (e, hub) for e in ends if e is not hub]
        elif not tails or not heads or max(len(tails), len(heads)) > MAX_FAN:
            return []
        else:
            pairs = [(t, h) for t in tails for h in heads]
    routes = [(a, b, _route(points, graph, a.node, b.node, offset)) for a, b in pairs if a.shape != b.shape]
    return [
        Connector(a.shape, b.shape, a.head, b.head, stroke, route, a.kind, b.kind)
        for a, b, route in routes
        if _length(route) >= MIN_ROUTE
    ]


def _length(route: tuple[tuple[int, int], ...]) -> float:
    """A polyline's length in pixels."""
    return float(sum(np.hypot(x1 - x0, y1 - y0) for (x0, y0), (x1, y1) in itertools.pairwise(route)))

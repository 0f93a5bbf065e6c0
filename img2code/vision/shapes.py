"""Closed shapes of a diagram (boxes, pills, ellipses, diamonds, hexagons, cylinders) from pixels.

A shape's inside is a connected area of one colour (32 levels per channel) walled off from the
page by its outline or by its own fill. Each such area, thick enough not to be a stroke and with
its holes (text, inner shapes) filled, is fitted against ideal outlines drawn at its size; the
best fit names the kind. The outline's colour and width are read from the rings just outside.
Areas of the page colour that are only gaps enclosed by connectors and shapes fit no outline
closely and are dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace

import cv2
import numpy as np
from scipy import ndimage
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components
from skimage.measure import label

from .colour import RGB, colour_distance, dominant_colour, quantised
from .geometry import Box

log = logging.getLogger(__name__)

MIN_AREA = 150  # pixels of an inside; smaller areas are glyph holes and arrowheads
MIN_SIDE = 8  # pixels; a shape narrower than this is a stroke or a bar end (activation bars are 9)
MIN_HALF_THICKNESS = 3.5  # largest inscribed radius an inside needs: thinner areas are strokes
ROUND_SLACK = 0.02  # fit a circle may lose to a box rounded into one and still be the ellipse
MIN_FIT = 0.9  # IoU with an ideal outline below which an area is no basic shape
# Fit an area of the page's own colour needs to be a shape: connectors and shapes enclose gaps
# that are nearly boxes, while drawn boxes fit almost exactly.
PAGE_FIT = {
    "rectangle": 0.98,
    "rounded": 0.95,
    "ellipse": 0.9,
    "rhombus": 0.93,
    "hexagon": 0.95,
    "parallelogram": 0.93,
    "trapezoid": 0.93,
    "note": 0.95,
}
SHADOW_DX, SHADOW_DY = 2, 3  # draw.io's shadow offset (pixels)
SHADOW_DRAWN = 0.8  # share of a shadow's place, off the shape, that is drawn at least
SAME_COLOUR = 24.0  # RGB distance under which two colours are one (fill vs outline, outline vs page)
PAGE_COLOUR = 8.0  # RGB distance under which an area is of the page's own colour (a gap, unless shaped)
MAX_STROKE = 4  # pixels of outline width looked for
WALLED_FIT = 0.97  # fit a shape found only with text as walls needs (else it is cut up by lines)
WALL_PAD = 2  # pixels around a text box that a label's own background may reach
KINDS = (
    "rectangle",
    "rounded",
    "ellipse",
    "rhombus",
    "hexagon",
    "parallelogram",
    "trapezoid",
    "note",
    "cylinder",
    "swimlane",
    "lane",
    "lifeline",  # set by vision.lifelines
    "component",
    "folder",  # a UML package: a tab on the top left of its body
    "marker",  # a small framed box on a shape (set by vision.markers): lines do not end at it
    "actor",  # set by vision.actors
    "start",  # a UML initial state, set by vision.states
    "end",  # a UML final state, set by vision.states
    "frame",  # a UML frame (its name in a tab at its top left), set by vision.frames
    "lollipop",  # a UML provided interface: a ring on a stick (set by vision.lollipops)
    "other",
)
WOBBLE = 3  # pixels a hand-drawn outline strays from a straight one
WOBBLE_SHARE = 0.02  # share of an area's strays from its outline allowed beyond the wobble
ROUGH_SHARE = 0.25  # wobbly loose areas, against the clean shapes, that make a drawing hand-drawn
JETTY_SHARE = 0.15  # largest area of a component's jetty against the component's
GRADIENT_STEP = 3  # largest step (per channel) between neighbouring pixels of one gradient fill
MAX_TAB, MAX_TAB_SHARE = 30, 0.7  # pixels high and share of its body's width a folder's tab has at most
MIN_TITLE, MAX_TITLE = 16, 60  # pixels: a swimlane's title bar is this thick (a line of text fits)


@dataclass(frozen=True)
class Shape:
    """A closed shape: its draw.io geometry box (outline centre line), kind, colours and extent.

    ``inside`` is the filled area in image pixels (the box of the fitted mask); ``param`` is the
    corner radius of a ``rounded`` shape, the slant of a ``hexagon``, ``parallelogram`` or
    ``trapezoid``, the fold of a ``note``, the lid's half height of a
    ``cylinder``, the title bar's size of a ``swimlane`` (bar on top) or ``lane`` (bar on the
    left), the jetties' width of a ``component`` or the tab's width of a ``folder``, in pixels.
    """

    box: Box
    kind: str
    fill: RGB
    stroke: RGB | None
    stroke_width: int
    inside: Box
    mask: np.ndarray  # bool, the filled inside over ``inside``
    fit: float
    param: int = 0
    shadow: bool = False  # draw.io's drop shadow: a grey copy 2 px right and 3 px down
    body_fill: RGB | None = None  # a swimlane's body colour (``fill`` is its title bar's)
    tab_height: int = 0  # a UML frame's tab: how tall (``param``: how wide; set by vision.frames)
    crossed: bool = False  # lines cross its outline (set by vision.boundaries)
    head: str = ""  # a lifeline headed by a stick figure: "actor" (set by vision.lifelines)


def _ideal(kind: str, w: int, h: int, param: int) -> np.ndarray:
    """The ideal filled outline of ``kind`` drawn in a w x h box."""
    canvas = np.zeros((h, w), np.uint8)
    if kind in ("rectangle", "rounded"):
        r = min(param, w // 2, h // 2)
        cv2.rectangle(canvas, (r, 0), (w - 1 - r, h - 1), 1, -1)
        cv2.rectangle(canvas, (0, r), (w - 1, h - 1 - r), 1, -1)
        if r:
            for cx, cy in ((r, r), (w - 1 - r, r), (r, h - 1 - r), (w - 1 - r, h - 1 - r)):
                cv2.circle(canvas, (cx, cy), r, 1, -1)
    elif kind == "ellipse":  # pixel centres within semi-axes ``param`` half pixels short of the box
        y, x = np.mgrid[0:h, 0:w]
        rx, ry = max(0.5, (w - param) / 2), max(0.5, (h - param) / 2)
        canvas[((x - (w - 1) / 2) / rx) ** 2 + ((y - (h - 1) / 2) / ry) ** 2 <= 1] = 1
    elif kind == "rhombus":
        pts = [(w / 2, 0), (w - 1, h / 2), (w / 2, h - 1), (0, h / 2)]
        cv2.fillPoly(canvas, [np.round(pts).astype(np.int32)], 1)
    elif kind == "parallelogram":  # leaning right, as draw.io draws it
        s = min(param, w - 1)
        pts = [(s, 0), (w - 1, 0), (w - 1 - s, h - 1), (0, h - 1)]
        cv2.fillPoly(canvas, [np.round(pts).astype(np.int32)], 1)
    elif kind == "trapezoid":  # narrower at the top, as draw.io draws it
        s = min(param, w // 2)
        pts = [(s, 0), (w - 1 - s, 0), (w - 1, h - 1), (0, h - 1)]
        cv2.fillPoly(canvas, [np.round(pts).astype(np.int32)], 1)
    elif kind == "note":  # a sheet with its top right corner folded down
        s = min(param, w - 1, h - 1)
        pts = [(0, 0), (w - 1 - s, 0), (w - 1, s), (w - 1, h - 1), (0, h - 1)]
        cv2.fillPoly(canvas, [np.round(pts).astype(np.int32)], 1)
    elif kind == "hexagon":
        s = min(param, w // 2)
        pts = [(s, 0), (w - 1 - s, 0), (w - 1, h / 2), (w - 1 - s, h - 1), (s, h - 1), (0, h / 2)]
        cv2.fillPoly(canvas, [np.round(pts).astype(np.int32)], 1)
    return canvas.astype(bool)


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    union = np.count_nonzero(a | b)
    return np.count_nonzero(a & b) / union if union else 0.0


def _corner_cut(mask: np.ndarray) -> int:
    """How far in (pixels, along the rows) the least cut corner's top or bottom row starts."""
    h, w = mask.shape
    cuts = []
    for row in (mask[0], mask[-1]):
        filled = np.flatnonzero(row)
        if filled.size == 0:
            return min(w, h) // 2
        cuts += [int(filled[0]), w - 1 - int(filled[-1])]
    return min(cuts)


def classify(mask: np.ndarray) -> tuple[str, float, int]:
    """The best fitting kind for a filled area (its bounding box), the fit (IoU) and its parameter."""
    h, w = mask.shape
    # An ellipse reaching the box's edges or the centres of its outermost pixels (anti-aliased
    # rims fall on either side of the one-colour cut).
    trials: list[tuple[str, int]] = [("rectangle", 0), ("ellipse", 0), ("ellipse", 1), ("rhombus", 0)]
    cut = _corner_cut(mask)
    if cut >= 1:
        # A rounded corner of radius r starts its top row about r in: try radii around that.
        radii = {r for r in range(cut - 2, cut + 4) if r >= 2} | {min(w, h) // 2}
        trials += [("rounded", r) for r in sorted(radii)]
        if cut < 0.4 * w:  # a wider slant is a diamond
            trials.append(("hexagon", cut))
    top, bottom = np.flatnonzero(mask[0]), np.flatnonzero(mask[-1])
    if top.size and bottom.size and top[0] <= 1 and w - 1 - top[-1] >= 4:
        trials.append(("note", w - 1 - int(top[-1])))  # only the top right corner cut
    if top.size and bottom.size:
        lean = int(top[0]) - int(bottom[0])
        if lean >= 3 and int(top[-1]) - int(bottom[-1]) >= 3:
            trials.append(("parallelogram", lean))
        elif lean >= 3 and int(bottom[-1]) - int(top[-1]) >= 3:
            trials.append(("trapezoid", lean))
    best = ("rectangle", 0.0, 0)
    for kind, param in trials:
        fit = _iou(mask, _ideal(kind, w, h, param))
        if fit > best[1]:
            best = (kind, fit, 0 if kind == "ellipse" else param)
    kind, fit, param = best
    if kind == "rounded" and param >= min(w, h) // 2 - 2:
        # Rounded all along its short sides: an ellipse when that fits about as well (a circle).
        round_fit = max(_iou(mask, _ideal("ellipse", w, h, inset)) for inset in (0, 1))
        if round_fit >= fit - ROUND_SLACK:
            return "ellipse", round_fit, 0
    return best


def _ring(solid: np.ndarray, distance: int) -> np.ndarray:
    """Pixels exactly ``distance`` steps (chessboard) outside ``solid``."""
    kernel = np.ones((3, 3), np.uint8)
    outer = cv2.dilate(solid.astype(np.uint8), kernel, iterations=distance)
    inner = cv2.dilate(solid.astype(np.uint8), kernel, iterations=distance - 1) if distance > 1 else solid
    return outer.astype(bool) & ~inner.astype(bool)


def _outline(rgb: np.ndarray, solid: np.ndarray, box: Box, fill: RGB) -> tuple[RGB | None, int]:
    """The outline colour and width drawn around a filled area (None and 0 where there is none)."""
    pad = MAX_STROKE + 2
    h, w = rgb.shape[:2]
    window = Box(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad).clipped(w, h)
    local = np.zeros((window.height, window.width), bool)
    local[box.y0 - window.y0 : box.y1 - window.y0, box.x0 - window.x0 : box.x1 - window.x0] = solid
    crop = rgb[window.y0 : window.y1, window.x0 : window.x1]
    rings = [crop[_ring(local, d)] for d in range(1, MAX_STROKE + 3)]
    if any(r.size == 0 for r in rings):
        return None, 0
    outside = dominant_colour(rings[-1])
    near = np.concatenate(rings[:2]).astype(float)
    contrast = np.minimum(np.linalg.norm(near - fill, axis=1), np.linalg.norm(near - outside, axis=1))
    marked = contrast > SAME_COLOUR
    if marked.sum() < 0.3 * len(rings[0]):
        return None, 0
    # The strongest marked pixels: anti-aliased edges are paler than the outline's own colour.
    stroke = dominant_colour(
        near[marked & (contrast >= np.percentile(contrast[marked], 50))].astype(np.uint8)
    )
    width = 1
    for ring in rings[1:MAX_STROKE]:
        if np.mean(np.linalg.norm(ring.astype(float) - stroke, axis=1) < SAME_COLOUR) < 0.5:
            break
        width += 1
    return stroke, width


def _has_shadow(rgb: np.ndarray, solid: np.ndarray, inside: Box, width: int, page: RGB) -> bool:
    """Whether draw.io's drop shadow shows: the shape's own area moved ``SHADOW_DX`` right and
    ``SHADOW_DY`` down, off the shape and its outline, is drawn, and the same area moved the other
    way is not drawn alike (the page, or a shape of another colour stacked on it). Measured round
    the whole outline, so a rhombus's or an ellipse's shadow shows as a box's does."""
    h, w = rgb.shape[:2]
    pad = width + SHADOW_DY + 2
    window = Box(inside.x0 - pad, inside.y0 - pad, inside.x1 + pad, inside.y1 + pad).clipped(w, h)
    local = np.zeros((window.height, window.width), np.uint8)
    oy, ox = inside.y0 - window.y0, inside.x0 - window.x0
    local[oy : oy + solid.shape[0], ox : ox + solid.shape[1]] = solid
    covered = cv2.dilate(local, np.ones((3, 3), np.uint8), iterations=width).astype(bool)
    crop = rgb[window.y0 : window.y1, window.x0 : window.x1]
    below, above = (
        crop[np.roll(local, (sign * SHADOW_DY, sign * SHADOW_DX), axis=(0, 1)).astype(bool) & ~covered]
        for sign in (1, -1)
    )
    if below.size == 0 or above.size == 0 or _marked(below, page) <= SHADOW_DRAWN:
        return False
    shade, over = dominant_colour(below), dominant_colour(above)
    if max(shade) - min(shade) > SAME_COLOUR:  # a shadow is grey: a coloured neighbour is no shadow
        return False
    return _marked(above, page) < 0.3 or colour_distance(shade, over) >= SAME_COLOUR


def _marked(pixels: np.ndarray, page: RGB) -> float:
    """The share of pixels (N x 3) unlike the page."""
    return float(np.mean(np.linalg.norm(pixels.astype(float) - page, axis=1) > SAME_COLOUR))


def _outer_background(labels: np.ndarray) -> set[int]:
    """Labels of the areas touching the image's frame: the page around everything."""
    frame = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    counts = np.bincount(frame)
    return {int(i) for i in np.flatnonzero(counts >= max(8, 0.02 * frame.size))}


def _gradients_joined(labels: np.ndarray, rgb: np.ndarray) -> np.ndarray:
    """``labels`` with neighbouring areas joined where the colour steps smoothly from one to the
    other (a gradient fill crosses quantisation levels in steps of a unit or two; an outline or
    an anti-aliased edge steps far more)."""
    pixels = rgb.astype(np.int16)
    firsts, seconds = [], []
    for axis in (0, 1):
        a = labels[:-1] if axis == 0 else labels[:, :-1]
        b = labels[1:] if axis == 0 else labels[:, 1:]
        step = np.abs(np.diff(pixels, axis=axis)).max(axis=2)
        joins = (a != b) & (a > 0) & (b > 0) & (step <= GRADIENT_STEP)
        firsts.append(a[joins])
        seconds.append(b[joins])
    first, second = np.concatenate(firsts), np.concatenate(seconds)
    if first.size == 0:
        return labels
    count = int(labels.max()) + 1
    graph = coo_matrix((np.ones(first.size, bool), (first, second)), shape=(count, count))
    _, component = connected_components(graph, directed=False)
    joined = component + 1
    joined[0] = 0  # walls stay walls
    return joined[labels]


def _areas(rgb: np.ndarray, colours: np.ndarray, page: RGB) -> tuple[list[Shape], list[Shape]]:
    """Shapes from the one-colour areas of ``colours`` (quantised; -1 marks walls), gradients
    taken as one area; and the areas of the page's colour that fit a basic outline only loosely
    (a gap between lines, or a shape notched by small ones on its edge: see ``_components``)."""
    labels = _gradients_joined(label(colours, background=-1, connectivity=1), rgb)
    areas = np.bincount(labels.ravel())
    outer = _outer_background(labels)
    shapes: list[Shape] = []
    loose: list[Shape] = []
    for index, window in enumerate(ndimage.find_objects(labels), start=1):
        if window is None or index in outer or areas[index] < MIN_AREA:
            continue
        area = Box(window[1].start, window[0].start, window[1].stop, window[0].stop)
        if min(area.width, area.height) < MIN_SIDE:
            continue
        fill = dominant_colour(rgb[window][labels[window] == index])
        for solid, inside in _bodies(labels[window] == index, area):
            kind, fit, _ = classify(solid)
            if colour_distance(fill, page) < PAGE_COLOUR and fit < PAGE_FIT[kind]:
                if fit >= MIN_FIT:  # no clean outline: a gap between lines, or a notched shape
                    loose.append(_shape(rgb, solid, inside, fill, page))
                continue
            shapes.append(_shape(rgb, solid, inside, fill, page))
    return shapes, loose


def _shape(rgb: np.ndarray, solid: np.ndarray, inside: Box, fill: RGB, page: RGB) -> Shape:
    """A filled area made a shape: its kind, outline, geometry box and shadow."""
    h, w = rgb.shape[:2]
    kind, fit, param = classify(solid)
    if fit < MIN_FIT:
        kind = "other"
    stroke, width = _outline(rgb, solid, inside, fill)
    x0, y0 = inside.x0 - (width + 1) // 2, inside.y0 - (width + 1) // 2
    box = Box(x0, y0, inside.x1 + width // 2, inside.y1 + width // 2).clipped(w, h)
    shadow = _has_shadow(rgb, solid, inside, width, page)
    return Shape(box, kind, fill, stroke, width, inside, solid, fit, param, shadow)


def box_iou(a: Box, b: Box) -> float:
    inter = a.intersection(b)
    return inter / (a.area + b.area - inter) if inter else 0.0


def find_shapes(rgb: np.ndarray, page: RGB, text_boxes: Sequence[Box] = ()) -> list[Shape]:
    """Closed shapes of a diagram image (H x W x 3 uint8), largest first.

    A label with a background drawn across an outline (a connector's label on a container's
    edge) opens the inside to the page; a second look with the text boxes as walls finds those
    shapes, kept when they hold a shape or a text box and are new.
    """
    colours = quantised(rgb)
    shapes, loose = _areas(rgb, colours, page)
    shapes, loose = _components(shapes, loose)
    shapes += _hand_drawn(loose, len(shapes))
    if text_boxes:
        walled = colours.copy()
        for t in text_boxes:
            walled[max(0, t.y0 - WALL_PAD) : t.y1 + WALL_PAD, max(0, t.x0 - WALL_PAD) : t.x1 + WALL_PAD] = -1
        for extra in _areas(rgb, walled, page)[0]:
            holds = any(extra.inside.contains(s.box) for s in shapes) or any(
                extra.inside.contains(t) for t in text_boxes
            )
            new = all(box_iou(extra.box, s.box) < 0.5 for s in shapes)
            if holds and new and extra.fit >= WALLED_FIT:
                shapes.append(extra)
    shapes = _compounds(shapes)
    shapes.sort(key=lambda s: -s.box.area)
    log.debug("shapes: %d", len(shapes))
    return shapes


def _jetties(body: Shape, shapes: Sequence[Shape]) -> list[int]:
    """The two small equal boxes a UML component wears across its left edge, if ``body`` has them."""
    edge = body.inside.x0
    found = [
        i
        for i, s in enumerate(shapes)
        if s is not body
        and s.kind == "rectangle"
        and s.box.x0 < edge - 2 < edge + 2 < s.box.x1
        and body.inside.y0 <= s.box.center[1] < body.inside.y1
        and s.box.area < JETTY_SHARE * body.box.area
    ]
    if len(found) != 2:
        return []
    a, b = (shapes[i].box for i in found)
    same = abs(a.width - b.width) <= 2 and abs(a.height - b.height) <= 2 and a.width > a.height
    return found if same else []


def _components(shapes: list[Shape], loose: Sequence[Shape]) -> tuple[list[Shape], list[Shape]]:
    """UML components (``shape=component``): a box with two small boxes ("jetties") across its
    left edge. The jetties notch the box's inside, so a box of the page's colour fits a rectangle
    only loosely and is found among ``loose``; each becomes one shape holding its jetties. Returns
    the shapes and the loose areas left."""
    found: list[Shape] = []
    taken: set[int] = set()
    bodies: list[Shape] = []
    for body in [*shapes, *loose]:
        if body.kind not in ("rectangle", "other") or body.fit < MIN_FIT:
            continue
        jetties = _jetties(body, shapes)
        if not jetties or taken & set(jetties):
            continue
        taken |= set(jetties)
        taken |= {i for i, s in enumerate(shapes) if s is body}
        bodies.append(body)
        tab = shapes[jetties[0]]
        box = Box(tab.box.x0, body.box.y0, body.box.x1, body.box.y1)
        # The inside takes in the jetties, so their outlines are the shape's, not loose lines.
        inside = Box(tab.inside.x0, body.inside.y0, body.inside.x1, body.inside.y1)
        mask = np.zeros((inside.height, inside.width), bool)
        mask[:, body.inside.x0 - inside.x0 :] = True
        for part in (shapes[i].inside for i in jetties):
            mask[part.y0 - inside.y0 : part.y1 - inside.y0, part.x0 - inside.x0 : part.x1 - inside.x0] = True
        found.append(
            replace(
                body,
                box=box,
                inside=inside,
                mask=mask,
                kind="component",
                stroke=tab.stroke,
                stroke_width=tab.stroke_width,
                param=tab.box.width,
            )
        )
    left = [s for s in loose if all(s is not b for b in bodies)]
    return [s for i, s in enumerate(shapes) if i not in taken] + found, left


def _wobble_only(shape: Shape) -> bool:
    """Whether an area strays from its best outline only along it (within ``WOBBLE`` pixels), as a
    hand-drawn outline does, not by notches or arrowheads cut into it."""
    h, w = shape.mask.shape
    ideal = _ideal(shape.kind, w, h, shape.param).astype(np.uint8)  # the outline it was fitted to
    kernel = np.ones((3, 3), np.uint8)
    outer = cv2.dilate(np.pad(ideal, WOBBLE), kernel, iterations=WOBBLE)[WOBBLE:-WOBBLE, WOBBLE:-WOBBLE]
    inner = cv2.erode(np.pad(ideal, 1), kernel, iterations=WOBBLE)[1:-1, 1:-1]
    strays = shape.mask ^ ideal.astype(bool)
    return bool((strays & ~(outer.astype(bool) & ~inner.astype(bool))).sum() <= WOBBLE_SHARE * strays.sum())


def _hand_drawn(loose: Sequence[Shape], found: int) -> list[Shape]:
    """The loosely fitting areas of the page's colour that are shapes after all: in a hand-drawn
    (sketch style) diagram every outline wobbles, so its white boxes fit no outline cleanly. The
    drawing counts as hand-drawn when enough loose areas only wobble (``ROUGH_SHARE`` of the
    shapes found cleanly, and at least two); a clean drawing has one or two such gaps at most."""
    rough = [s for s in loose if _wobble_only(s)]
    return rough if len(rough) >= max(2, ROUGH_SHARE * found) else []


def _stacked(top: Shape, body: Shape) -> bool:
    """Whether ``top`` is a cylinder's lid on ``body``: as wide, same colours, sitting on it, flatter."""
    slack = top.stroke_width + 3
    return (
        abs(top.box.x0 - body.box.x0) <= slack
        and abs(top.box.x1 - body.box.x1) <= slack
        and top.kind not in ("rectangle", "rounded")  # a curved lid
        and body.inside.y0 < top.inside.y1 <= body.inside.y0 + slack + top.inside.height // 2
        and top.inside.y0 < body.inside.y0
        and top.inside.height < 0.6 * top.inside.width
        and top.inside.height < body.inside.height
        and colour_distance(top.fill, body.fill) < SAME_COLOUR
    )


def _titled(head: Shape, body: Shape, across: bool, shapes: Sequence[Shape]) -> bool:
    """Whether ``head`` is the title bar of a swimlane whose ``body`` it sits on (above, or left of
    it when ``across``): as long as the body's side, a thin bar, a shared outline between, and a
    body deeper than the bar, or of another colour with no cell beside the bar (rows of equal
    cells, and a coloured header row of cells, are tables)."""
    h, b = (head.box, body.box) if not across else (_flip(head.box), _flip(body.box))
    slack = head.stroke_width + 2
    return (
        abs(h.x0 - b.x0) <= slack
        and abs(h.x1 - b.x1) <= slack
        and abs(b.y0 - h.y1) <= slack
        and MIN_TITLE <= h.height <= MAX_TITLE
        and h.width >= 2 * h.height
        and (
            b.height > h.height + slack
            or not any(_beside(h, _flip(s.box) if across else s.box, slack) for s in shapes)
        )
    )


def _tabbed(tab: Shape, body: Shape, shapes: Sequence[Shape]) -> bool:
    """Whether ``tab`` is a folder's tab on ``body`` (a UML package): a small box on the body's top
    left, sharing its left side and its top outline, narrower than the body, drawn alike, with no
    cell beside it (a table's cell on a wider one below is no tab)."""
    slack = body.stroke_width + 2
    return (
        not any(_beside(tab.box, s.box, slack) for s in shapes)
        and tab.kind == body.kind == "rectangle"
        and abs(tab.box.x0 - body.box.x0) <= slack
        and abs(tab.box.y1 - body.box.y0) <= slack
        and tab.box.width <= MAX_TAB_SHARE * body.box.width
        and MIN_SIDE <= tab.box.height <= min(MAX_TAB, body.box.height)
        and (
            tab.stroke is body.stroke is None
            or (
                tab.stroke is not None
                and body.stroke is not None
                and colour_distance(tab.stroke, body.stroke) < SAME_COLOUR
            )
        )
    )


def folder_tab(shape: Shape) -> tuple[int, int]:
    """A folder's tab as (width, height) in pixels, read off its mask: the top rows it alone fills."""
    wide = shape.mask.sum(axis=1) >= MAX_TAB_SHARE * shape.mask.shape[1]
    height = int(np.argmax(wide)) + (shape.inside.y0 - shape.box.y0)
    return shape.param, height


def _beside(box: Box, other: Box, slack: int) -> bool:
    """Whether ``other`` is a cell in the same row as ``box``: same top and bottom, sharing a side."""
    return (
        abs(other.y0 - box.y0) <= slack
        and abs(other.y1 - box.y1) <= slack
        and (abs(other.x0 - box.x1) <= slack or abs(other.x1 - box.x0) <= slack)
    )


def _flip(box: Box) -> Box:
    return Box(box.y0, box.x0, box.y1, box.x1)


def _joined(first: Shape, second: Shape) -> tuple[Box, Box, np.ndarray]:
    """The box, inside and filled mask of two shapes taken as one."""
    inside = Box(
        min(first.inside.x0, second.inside.x0),
        min(first.inside.y0, second.inside.y0),
        max(first.inside.x1, second.inside.x1),
        max(first.inside.y1, second.inside.y1),
    )
    mask = np.zeros((inside.height, inside.width), bool)
    for part in (first, second):
        oy, ox = part.inside.y0 - inside.y0, part.inside.x0 - inside.x0
        mask[oy : oy + part.mask.shape[0], ox : ox + part.mask.shape[1]] |= part.mask
    box = Box(
        min(first.box.x0, second.box.x0),
        min(first.box.y0, second.box.y0),
        max(first.box.x1, second.box.x1),
        max(first.box.y1, second.box.y1),
    )
    return box, inside, mask


def _compounds(shapes: list[Shape]) -> list[Shape]:
    """Join the parts draw.io draws one shape with: a cylinder's lid and body, a swimlane's title
    bar and body (``swimlane`` with the bar on top, ``lane`` with it on the left), a folder's tab
    and body."""
    tests = (
        ("cylinder", _stacked),
        ("swimlane", lambda a, b: _titled(a, b, False, shapes)),
        ("lane", lambda a, b: _titled(a, b, True, shapes)),
        ("folder", lambda a, b: _tabbed(a, b, shapes)),
    )
    merged: list[Shape] = []
    used: set[int] = set()
    for i, head in enumerate(shapes):
        for kind, test in tests:
            j = next(
                (j for j, body in enumerate(shapes) if j != i and j not in used and test(head, body)), None
            )
            if j is None or i in used:
                continue
            body = shapes[j]
            used |= {i, j}
            box, inside, mask = _joined(head, body)
            if kind == "cylinder":
                param, fill = (head.box.height + 1) // 2, body.fill
            elif kind == "folder":
                param, fill = head.box.width, body.fill
            else:
                param, fill = (head.box.height if kind == "swimlane" else head.box.width), head.fill
            merged.append(
                Shape(
                    box,
                    kind,
                    fill,
                    body.stroke,
                    body.stroke_width,
                    inside,
                    mask,
                    body.fit,
                    param,
                    body.shadow,
                    body.fill,
                )
            )
    return _extended([s for i, s in enumerate(shapes) if i not in used] + merged)


def _extended(shapes: list[Shape]) -> list[Shape]:
    """Grow each swimlane by the boxes stacked under it, as wide and sharing its bottom outline
    (a class's attributes, then its methods)."""
    shapes = list(shapes)
    grown = True
    while grown:
        grown = False
        for i, lane in enumerate(shapes):
            if lane.kind != "swimlane":
                continue
            slack = lane.stroke_width + 2
            j = next(
                (
                    j
                    for j, s in enumerate(shapes)
                    if s.kind == "rectangle"
                    and abs(s.box.x0 - lane.box.x0) <= slack
                    and abs(s.box.x1 - lane.box.x1) <= slack
                    and abs(s.box.y0 - lane.box.y1) <= slack
                ),
                None,
            )
            if j is None:
                continue
            box, inside, mask = _joined(lane, shapes[j])
            shapes[i] = replace(lane, box=box, inside=inside, mask=mask)
            del shapes[j]
            grown = True
            break
    return shapes


def _bodies(mask: np.ndarray, box: Box) -> list[tuple[np.ndarray, Box]]:
    """The thick parts of an area, each with its holes filled and cropped to its own box.

    Lines of the area's colour that run into it (connectors into a black bar or dot) are opened
    away; a few steps of growth inside the area give back the corners the opening cut.
    """
    solid = ndimage.binary_fill_holes(mask)
    size = 2 * int(MIN_HALF_THICKNESS) + 1
    kernel = np.ones((size, size), np.uint8)
    opened = cv2.morphologyEx(np.pad(solid, size).astype(np.uint8), cv2.MORPH_OPEN, kernel)
    opened = opened[size:-size, size:-size]
    for _ in range(size // 2):
        opened = cv2.dilate(opened, np.ones((3, 3), np.uint8)) & solid
    parts, _ = ndimage.label(opened)
    bodies = []
    for index, window in enumerate(ndimage.find_objects(parts), start=1):
        if window is None:
            continue
        part = ndimage.binary_fill_holes(parts[window] == index)
        if (
            part.sum() < MIN_AREA
            or min(part.shape) < MIN_SIDE
            or _thickness(mask[window] & part) < MIN_HALF_THICKNESS
        ):
            continue  # small, or an outline (a ring of one colour fills to a shape but is no inside)
        x0, y0 = box.x0 + window[1].start, box.y0 + window[0].start
        bodies.append((part, Box(x0, y0, x0 + part.shape[1], y0 + part.shape[0])))
    return bodies


def _thickness(mask: np.ndarray) -> float:
    """The radius of the largest disc inside a mask (pixels)."""
    return float(cv2.distanceTransform(np.pad(mask, 1).astype(np.uint8), cv2.DIST_L2, 3).max())


def shape_at(shapes: Sequence[Shape], x: float, y: float) -> int | None:
    """Index of the smallest shape whose filled inside holds the point, or None."""
    holders = []
    for i, shape in enumerate(shapes):
        ix, iy = int(x) - shape.inside.x0, int(y) - shape.inside.y0
        if 0 <= iy < shape.mask.shape[0] and 0 <= ix < shape.mask.shape[1] and shape.mask[iy, ix]:
            holders.append(i)
    return min(holders, key=lambda i: shapes[i].inside.area, default=None)

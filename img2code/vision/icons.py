"""Pictograms: a tile with no text whose inside holds a drawing (the boxed icons of enterprise
integration patterns and cloud palettes: a pipe, a database, an envelope drawn in a coloured box).

Read as shapes, such a tile is a box with loose pieces lying in it, and the lines of its drawing
are taken for connectors between them. It is one node in the diagram it comes from (a stencil),
so it is kept as one: the tile becomes an ``icon`` shape (written as the picture it is, cut from
the image), its pieces are no shapes of their own, and its inside is no connector ink. Its name is
the text right under it, or right over it (``name_icons``), as a stencil's label sits outside it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from io import BytesIO
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image
from scipy import ndimage

from .colour import far_from
from .geometry import Box, boxes_mask
from .shapes import Shape

if TYPE_CHECKING:
    from .diagram import Node

TILES = ("rectangle", "rounded", "ellipse")  # what a pictogram's tile is read as
MAX_SIDE = 200  # px: a larger box holding unlabelled boxes is a container, not an icon
OUTLINE_INSET = 2  # px inside a tile's outline where its drawing is looked for
INK_DISTANCE = 60.0  # RGB distance from a tile's fill at which a pixel is drawn
DRAWN_SHARE = 0.02  # share of a tile's inside a drawing covers, at least
COMPACT = 3.0  # longest over shortest side of a shape a name outside it may belong to, at most
NAME_GAP = 16  # px between an icon and its name under (or over) it, at most
NAME_OVERLAP = 8  # px by which a name's padded box may reach into the icon


def _drawn_in(rgb: np.ndarray, tile: Shape, pieces: Sequence[Box]) -> bool:
    """Whether a drawing fills enough of a tile's inside (its fill with the holes the drawing
    leaves in it, its outline left out), besides ``pieces``."""
    inside = ndimage.binary_fill_holes(tile.mask)
    inside = ndimage.binary_erosion(inside, iterations=tile.stroke_width + OUTLINE_INSET)
    box = tile.inside
    inside &= ~boxes_mask(inside.shape, [piece.shifted(-box.x0, -box.y0) for piece in pieces])
    if not inside.any():
        return False
    drawn = far_from(rgb[box.y0 : box.y1, box.x0 : box.x1], tile.fill, INK_DISTANCE)
    return float(drawn[inside].mean()) >= DRAWN_SHARE


def find_pictograms(rgb: np.ndarray, shapes: Sequence[Shape], text_boxes: Sequence[Box]) -> list[Shape]:
    """``shapes`` with each small tile that holds no text but a drawing made an ``icon``, and the
    shapes in it left out. A drawing is several shapes, or ink covering ``DRAWN_SHARE`` of the
    tile besides them; one shape alone in a tile is a box in a box, and stays one."""
    centres = [box.center for box in text_boxes]
    pieces: dict[int, list[int]] = {}
    for index, tile in enumerate(shapes):
        if tile.kind not in TILES or max(tile.box.width, tile.box.height) > MAX_SIDE:
            continue
        if any(tile.box.holds(x, y) for x, y in centres):
            continue
        held = [j for j, other in enumerate(shapes) if j != index and tile.inside.contains(other.box)]
        if len(held) >= 2 or _drawn_in(rgb, tile, [shapes[j].box for j in held]):
            pieces[index] = held
    gone = {j for held in pieces.values() for j in held}
    return [replace(s, kind="icon") if i in pieces else s for i, s in enumerate(shapes) if i not in gone]


def picture(rgb: np.ndarray, box: Box) -> bytes:
    """The PNG of ``box`` cut from the image: how an icon is drawn in the file."""
    out = BytesIO()
    crop = np.ascontiguousarray(rgb[box.y0 : box.y1, box.x0 : box.x1])
    Image.fromarray(crop).save(out, "PNG", optimize=True)
    return out.getvalue()


def _nameable(node: Node) -> bool:
    """Whether a node may be named by a text outside it: a stick figure, an icon, or a compact
    plain shape without a text of its own (not a bar: a lifeline's activation, a header)."""
    if node.shape is not None and node.shape.kind == "actor":
        return True  # whatever OCR read in its head is no name: draw.io writes it below
    if node.shape is None or node.label is not None:
        return False
    if node.shape.kind == "icon":
        return True
    width, height = node.box.width, node.box.height
    return node.shape.kind in (*TILES, "cylinder") and max(width, height) <= COMPACT * min(width, height)


def _texts_by(node: Node, nodes: list[Node], below: bool) -> list[Node]:
    """The text blocks spanning ``node``'s middle right under it (or right over it), nearest
    first; under a stick figure, the blocks stacked under each other there (a name of two)."""
    x = node.box.center[0]
    texts = [
        n for n in nodes if n.shape is None and not n.row and n.label is not None and n.box.x0 <= x < n.box.x1
    ]
    found: list[Node] = []
    edge = node.box.y1 if below else node.box.y0
    while True:
        gaps = [(n.box.y0 - edge if below else edge - n.box.y1, n) for n in texts if n not in found]
        near = [(gap, n) for gap, n in gaps if -NAME_OVERLAP <= gap <= NAME_GAP]
        if not near:
            return found
        found.append(min(near, key=lambda pair: pair[0])[1])
        if node.shape is None or node.shape.kind != "actor":
            return found
        edge = found[-1].box.y1


def name_from_outside(nodes: list[Node]) -> None:
    """Give each stick figure, icon, and compact plain shape without a text of its own the text
    block right under it (else, but for a stick figure, right over it) that spans its middle as its
    label, written outside it as draw.io's actors and stencils are; that block is no node of its
    own then."""
    for node in [n for n in nodes if _nameable(n)]:
        assert node.shape is not None
        if node.shape.kind == "actor":
            node.label = None
        name, node.label_outside = _texts_by(node, nodes, below=True), "bottom"
        if not name and node.shape.kind != "actor":
            name, node.label_outside = _texts_by(node, nodes, below=False), "top"
        if not name:
            node.label_outside = ""
            continue
        label = name[0].label
        assert label is not None
        for block in name[1:]:
            assert block.label is not None
            label.lines += block.label.lines
        node.label = label
        for block in name:
            nodes.remove(block)

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
from .geometry import Box
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
    for piece in pieces:
        inside[piece.y0 - box.y0 : piece.y1 - box.y0, piece.x0 - box.x0 : piece.x1 - box.x0] = False
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
    """Whether a node may be named by a text outside it: an icon, or a compact plain shape without
    a text of its own (not a bar: a lifeline's activation, a header over a list)."""
    if node.shape is None or node.label is not None or node.shape.kind not in (*TILES, "icon", "cylinder"):
        return False
    width, height = node.box.width, node.box.height
    return node.shape.kind == "icon" or max(width, height) <= COMPACT * min(width, height)


def name_from_outside(nodes: list[Node]) -> None:
    """Give each icon, and each compact plain shape without a text of its own, the text block right
    under it (else right over it) that spans its middle as its label, written outside it as a
    stencil's is; that block is no node of its own then."""
    for node in [n for n in nodes if _nameable(n)]:
        x = node.box.center[0]
        texts = [
            n
            for n in nodes
            if n.shape is None and not n.row and n.label is not None and n.box.x0 <= x < n.box.x1
        ]
        below = [n for n in texts if -NAME_OVERLAP <= n.box.y0 - node.box.y1 <= NAME_GAP]
        above = [n for n in texts if -NAME_OVERLAP <= node.box.y0 - n.box.y1 <= NAME_GAP]
        if below:
            name, node.label_outside = min(below, key=lambda n: n.box.y0), "bottom"
        elif above:
            name, node.label_outside = max(above, key=lambda n: n.box.y1), "top"
        else:
            continue
        node.label = name.label
        nodes.remove(name)

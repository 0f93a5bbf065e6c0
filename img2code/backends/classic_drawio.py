"""Write a digitised diagram as an editable draw.io file: native vertices and connected edges.

Image pixels are draw.io units, so the file opens at the size the picture had. Shapes become
draw.io's own styles (``rounded=1``, ``ellipse``, ``rhombus``, ``shape=hexagon``, ``text``) with
the colours read from the pixels; connectors become edges with ``source`` and ``target``, fixed
exit and entry points where the lines met the shapes, and their bends as waypoints.
"""

from __future__ import annotations

import base64
import html
import itertools

import numpy as np
from lxml import etree

from ..vision.colour import RGB, css_hex
from ..vision.connectors import FILLED, HOLLOW, OPEN, OVAL, Connector
from ..vision.diagram import Diagram, Label, Node
from ..vision.geometry import Box
from ..vision.shapes import folder_tab

# draw.io's arrowheads by what the picture's look like (a hollow one also gets endFill=0)
ARROWS = {FILLED: "classic", HOLLOW: "block", OPEN: "open", OVAL: "oval"}
WHITE = (255, 255, 255)
LOLLIPOP_DIRECTIONS = ("north", "south", "east", "west")  # ring on the left, right, top, bottom
_FACING = {"bottom": "top", "top": "bottom"}  # a label outside a shape aligns towards it
AXIS_SLACK = 3  # pixels a segment may lean and still run straight across or down
SLANTED = {  # kinds whose param is a slant, with draw.io's perimeter for each
    "hexagon": "hexagonPerimeter2",
    "parallelogram": "parallelogramPerimeter",
    "trapezoid": "trapezoidPerimeter",
}


def _style(parts: list[str], settings: dict[str, object]) -> str:
    """A draw.io style string: bare names first, then key=value pairs, each ended by ';'."""
    return "".join(f"{p};" for p in parts) + "".join(f"{k}={v};" for k, v in settings.items())


def _label_settings(label: Label | None) -> dict[str, object]:
    if label is None:
        return {}
    settings: dict[str, object] = {"fontSize": label.font_size, "fontColor": css_hex(label.colour)}
    return settings | ({"horizontal": 0} if label.vertical else {})


def vertex_style(node: Node) -> str:
    """The draw.io style that draws ``node`` as it looked."""
    shape = node.shape
    if shape is None:
        settings: dict[str, object] = {"html": 1, "align": node.align, "verticalAlign": "middle"}
        settings["whiteSpace"] = "wrap"
        if node.align == "left":
            settings["spacingLeft"] = 4
        settings |= {"strokeColor": "none", "fillColor": "none"}
        return _style(["text"], settings | _label_settings(node.label))
    parts: list[str] = []
    settings = {}
    if shape.kind == "ellipse":
        parts.append("ellipse")
    elif shape.kind in ("start", "end"):  # UML's initial and final states, as draw.io's palette has them
        parts.append("ellipse")
        settings["shape"] = f"{shape.kind}State"
    elif shape.kind == "rhombus":
        parts.append("rhombus")
    elif shape.kind in SLANTED:
        settings |= {"shape": shape.kind, "perimeter": SLANTED[shape.kind], "fixedSize": 1}
        settings["size"] = shape.param + (shape.stroke_width + 1) // 2
    elif shape.kind == "cylinder":
        settings |= {"shape": "cylinder3", "boundedLbl": 1, "backgroundOutline": 1, "size": shape.param}
    elif shape.kind == "note":
        settings |= {"shape": "note", "size": shape.param + (shape.stroke_width + 1) // 2}
    elif shape.kind == "lollipop":
        settings |= {"shape": "lollipop", "direction": LOLLIPOP_DIRECTIONS[shape.param]}
    elif shape.kind == "icon" and node.picture is not None:  # drawn as the picture it is
        image = base64.b64encode(node.picture).decode()
        settings = {"shape": "image", "html": 1, "imageAspect": 0, "image": f"data:image/png,{image}"}
        return _style([], settings | _outside(node) | _label_settings(node.label))
    elif shape.kind == "store":  # a data store: its top and bottom lines, no sides
        settings |= {"shape": "partialRectangle", "left": 0, "right": 0}
    elif shape.kind == "actor":
        settings |= {"shape": "umlActor", "verticalLabelPosition": "bottom", "verticalAlign": "top"}
        settings["outlineConnect"] = 0
    elif shape.kind == "component":
        settings |= {"shape": "component", "jettyWidth": shape.param, "align": "left", "spacingLeft": 36}
    elif shape.kind == "folder":
        tab_width, tab_height = folder_tab(shape)
        settings |= {"shape": "folder", "tabWidth": tab_width, "tabHeight": tab_height, "tabPosition": "left"}
    elif shape.kind == "frame":
        settings |= {"shape": "umlFrame", "width": shape.param, "height": shape.tab_height}
    elif shape.kind == "lifeline":
        settings |= {"shape": "umlLifeline", "perimeter": "lifelinePerimeter", "size": shape.param}
        if shape.head == "actor":
            settings["participant"] = "umlActor"
        settings |= {"container": 1, "collapsible": 0, "recursiveResize": 0}
    elif shape.kind in ("swimlane", "lane"):
        parts.append("swimlane")
        settings |= {"horizontal": int(shape.kind == "swimlane"), "startSize": shape.param}
        if shape.body_fill is not None:  # draw.io leaves a swimlane's body unfilled without it
            settings["swimlaneFillColor"] = css_hex(shape.body_fill)
    elif shape.kind == "rounded":
        radius = shape.param + (shape.stroke_width + 1) // 2
        settings |= {
            "rounded": 1,
            "arcSize": max(1, round(100 * radius / max(1, min(node.box.width, node.box.height)))),
        }
    else:
        settings["rounded"] = 0
    if node.align == "left":  # a label listing lines from the top (a class's members)
        settings |= {"align": "left", "verticalAlign": "top", "spacingLeft": 4}
    settings |= {"whiteSpace": "wrap", "html": 1, "fillColor": css_hex(shape.fill)}
    settings["strokeColor"] = css_hex(shape.stroke) if shape.stroke is not None else "none"
    if shape.stroke is not None and shape.stroke_width > 1:
        settings["strokeWidth"] = shape.stroke_width
    return _style(parts, settings | _outside(node) | _label_settings(node.label))


def _outside(node: Node) -> dict[str, object]:
    """Where a label written outside its shape goes: under (or over) it, facing it."""
    if not node.label_outside:
        return {}
    return {"verticalLabelPosition": node.label_outside, "verticalAlign": _FACING[node.label_outside]}


def _side_point(box: Box, point: tuple[int, int]) -> tuple[float, float]:
    """Where a line end near ``box`` meets it, relative to the box (0..1 each), on the nearest side."""
    x, y = point
    rx = min(1.0, max(0.0, (x - box.x0) / max(1, box.width)))
    ry = min(1.0, max(0.0, (y - box.y0) / max(1, box.height)))
    distances = {
        "left": abs(x - box.x0),
        "right": abs(x - box.x1),
        "top": abs(y - box.y0),
        "bottom": abs(y - box.y1),
    }
    side = min(distances, key=distances.__getitem__)
    if side in ("left", "right"):
        rx = 0.0 if side == "left" else 1.0
    else:
        ry = 0.0 if side == "top" else 1.0
    return round(rx, 3), round(ry, 3)


def is_orthogonal(route: tuple[tuple[int, int], ...]) -> bool:
    """Whether a route bends and runs only across and down (each segment within ``AXIS_SLACK``)."""
    if len(route) < 3:
        return False
    return all(
        min(abs(x1 - x0), abs(y1 - y0)) <= AXIS_SLACK for (x0, y0), (x1, y1) in itertools.pairwise(route)
    )


def squared(route: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
    """An orthogonal route's bends moved onto exact horizontals and verticals (no 1-pixel jogs)."""
    points = [list(p) for p in route]
    for i in range(len(points) - 1):
        (x0, y0), (x1, y1) = points[i], points[i + 1]
        axis = 0 if abs(x1 - x0) <= abs(y1 - y0) else 1  # a vertical segment shares x, a horizontal y
        if i + 1 < len(points) - 1:  # move the bend, never the ends on the shapes
            points[i + 1][axis] = points[i][axis]
        elif i > 0:
            points[i][axis] = points[i + 1][axis]
    return tuple((x, y) for x, y in points)


def edge_style(
    connector: Connector, source: Box, target: Box, label: Label | None = None, page: RGB = (255, 255, 255)
) -> str:
    """The draw.io style of a connector: plain segments, its colour and width, its arrowheads, and
    its label's font on the page colour (a label hides the line under it)."""
    style = "orthogonalEdgeStyle" if is_orthogonal(connector.points) else "none"
    settings: dict[str, object] = {"edgeStyle": style, "rounded": 0, "html": 1}
    for side, head, kind in (
        ("end", connector.head_target, connector.kind_target),
        ("start", connector.head_source, connector.kind_source),
    ):
        settings[f"{side}Arrow"] = ARROWS[kind] if head else "none"
        if head and kind == HOLLOW:
            settings[f"{side}Fill"] = 0
    settings["strokeColor"] = css_hex(connector.stroke.colour)
    if connector.stroke.width > 1:
        settings["strokeWidth"] = connector.stroke.width
    if connector.stroke.dashed:
        settings["dashed"] = 1
    if len(connector.points) >= 2:
        ex, ey = _side_point(source, connector.points[0])
        nx, ny = _side_point(target, connector.points[-1])
        settings |= {"exitX": ex, "exitY": ey, "exitDx": 0, "exitDy": 0}
        settings |= {"entryX": nx, "entryY": ny, "entryDx": 0, "entryDy": 0}
    if label is not None:
        settings |= _label_settings(label) | {"labelBackgroundColor": css_hex(page)}
    return _style([], settings)


def _offset(route: tuple[tuple[int, int], ...], box: Box) -> tuple[int, int]:
    """How far a label sits from the middle of its route (draw.io places edge labels there)."""
    if len(route) < 2:
        return 0, 0
    points = np.array(route, float)
    lengths = np.hypot(*np.diff(points, axis=0).T)
    half = lengths.sum() / 2
    i = int(np.searchsorted(np.cumsum(lengths), half))
    i = min(i, len(lengths) - 1)
    before = lengths[:i].sum()
    t = (half - before) / lengths[i] if lengths[i] else 0.0
    mx, my = points[i] + t * (points[i + 1] - points[i])
    cx, cy = box.center
    return round(cx - mx), round(cy - my)


def _end_label(
    root: etree._Element,
    edge_id: str,
    number: int,
    route: tuple[tuple[int, int], ...],
    label: Label,
    box: Box,
    page: RGB,
) -> None:
    """A label by one end of an edge, as draw.io's own: a child cell of the edge placed relative to
    it (x -1 at the source end, 1 at the target end) and offset to where it was."""
    at_target = len(route) >= 2 and np.hypot(*np.subtract(box.center, route[-1])) < np.hypot(
        *np.subtract(box.center, route[0])
    )
    end = route[-1] if at_target else route[0]
    settings = {"html": 1, "resizable": 0, "align": "center", "verticalAlign": "middle"}
    style = _style(["text"], settings | {"labelBackgroundColor": css_hex(page)})
    cell = etree.SubElement(
        root,
        "mxCell",
        {
            "id": f"{edge_id}-l{number}",
            "value": _value(label),
            "style": style + _style([], _label_settings(label)),
        },
    )
    cell.set("vertex", "1")
    cell.set("connectable", "0")
    cell.set("parent", edge_id)
    geometry = etree.SubElement(cell, "mxGeometry", x="1" if at_target else "-1", relative="1")
    geometry.set("as", "geometry")
    cx, cy = box.center
    etree.SubElement(geometry, "mxPoint", x=str(round(cx - end[0])), y=str(round(cy - end[1]))).set(
        "as", "offset"
    )


def _value(label: Label | None) -> str:
    """An HTML label's value: escaped lines joined by <br>."""
    return "<br>".join(html.escape(line, quote=False) for line in label.lines) if label else ""


def _cell_id(index: int | None) -> str:
    """The id of node ``index``'s cell, or of the layer for None."""
    return "1" if index is None else f"n{index + 1}"


def _ancestors(nodes: list[Node], index: int | None) -> list[int]:
    """``index`` and the nodes holding it, innermost first."""
    chain: list[int] = []
    while index is not None and index not in chain:
        chain.append(index)
        index = nodes[index].parent
    return chain


def _origin(nodes: list[Node], parent: int | None) -> tuple[int, int]:
    """The absolute point a child of ``parent`` is placed from (0, 0 on the layer)."""
    return (0, 0) if parent is None else (nodes[parent].box.x0, nodes[parent].box.y0)


def _common_ancestor(nodes: list[Node], a: int, b: int) -> int | None:
    """The innermost node holding both ``a`` and ``b`` (an edge's parent), None for the layer."""
    above_b = set(_ancestors(nodes, nodes[b].parent))
    return next((i for i in _ancestors(nodes, nodes[a].parent) if i in above_b), None)


def _parents_first(nodes: list[Node]) -> list[int]:
    """Node indices ordered so that each parent comes before its children (draw.io needs it)."""
    return sorted(range(len(nodes)), key=lambda i: (len(_ancestors(nodes, i)), i))


def _container_style(node: Node, children: list[Node]) -> str:
    """What makes a shape a container that carries its children: a class box with rows stacks
    them as draw.io's own class stencil does; any other holder is a plain container."""
    shape = node.shape
    if shape is not None and shape.kind == "swimlane" and children and all(c.row for c in children):
        settings: dict[str, object] = {"childLayout": "stackLayout", "horizontalStack": 0, "resizeParent": 1}
        return _style(
            [], settings | {"resizeParentMax": 0, "resizeLast": 0, "collapsible": 1, "marginBottom": 0}
        )
    if shape is not None and shape.kind in ("swimlane", "lane", "lifeline"):
        return ""  # draw.io's swimlanes and lifelines are containers already
    return _style([], {"container": 1})


def to_drawio(diagram: Diagram, name: str = "Page-1") -> str:
    """The diagram as an uncompressed ``<mxfile>`` (cells 0 and 1, then vertices, then edges)."""
    mxfile = etree.Element("mxfile", host="img2code")
    page = etree.SubElement(mxfile, "diagram", id="img2code", name=name)
    model = etree.SubElement(page, "mxGraphModel", grid="0", page="0", pageWidth=str(diagram.width))
    model.set("pageHeight", str(diagram.height))
    if diagram.page != WHITE:
        model.set("background", css_hex(diagram.page))  # draw.io paints the page colour behind the cells
    root = etree.SubElement(model, "root")
    etree.SubElement(root, "mxCell", {"id": "0"})
    etree.SubElement(root, "mxCell", {"id": "1", "parent": "0"})
    nodes = diagram.nodes
    holding = {node.parent for node in nodes if node.parent is not None}
    for index in _parents_first(nodes):
        node = nodes[index]
        style = vertex_style(node)
        if index in holding:
            style += _container_style(node, [n for n in nodes if n.parent == index])
        attributes = {"id": f"n{index + 1}", "value": _value(node.label), "style": style}
        cell = etree.SubElement(
            root, "mxCell", {**attributes, "vertex": "1", "parent": _cell_id(node.parent)}
        )
        box = node.box
        ox, oy = _origin(nodes, node.parent)  # draw.io places a child relative to its parent
        etree.SubElement(
            cell,
            "mxGeometry",
            x=str(box.x0 - ox),
            y=str(box.y0 - oy),
            width=str(box.width),
            height=str(box.height),
        ).set("as", "geometry")
    for index, edge in enumerate(diagram.edges):
        connector = edge.connector
        source, target = connector.source, connector.target  # shapes lead the nodes, in the same order
        style = edge_style(connector, nodes[source].box, nodes[target].box, edge.label, diagram.page)
        attributes = {"id": f"e{index + 1}", "value": _value(edge.label), "style": style}
        parent = _common_ancestor(nodes, source, target)
        ox, oy = _origin(nodes, parent)  # an edge's waypoints are in its parent's coordinates
        cell = etree.SubElement(root, "mxCell", {**attributes, "edge": "1", "parent": _cell_id(parent)})
        cell.set("source", f"n{source + 1}")
        cell.set("target", f"n{target + 1}")
        geometry = etree.SubElement(cell, "mxGeometry", relative="1")
        geometry.set("as", "geometry")
        if edge.label_box is not None:
            dx, dy = _offset(connector.points, edge.label_box)
            etree.SubElement(geometry, "mxPoint", x=str(dx), y=str(dy)).set("as", "offset")
        for number, (label, box) in enumerate(edge.end_labels, start=1):
            _end_label(root, cell.get("id", ""), number, connector.points, label, box, diagram.page)
        route = squared(connector.points) if is_orthogonal(connector.points) else connector.points
        bends = route[1:-1]
        if bends:
            array = etree.SubElement(geometry, "Array")
            array.set("as", "points")
            for x, y in bends:
                etree.SubElement(array, "mxPoint", x=str(x - ox), y=str(y - oy))
    etree.indent(mxfile)
    return etree.tostring(mxfile, encoding="unicode") + "\n"

"""Write a digitised diagram as an editable draw.io file: native vertices and connected edges.

Image pixels are draw.io units, so the file opens at the size the picture had. Shapes become
draw.io's own styles (``rounded=1``, ``ellipse``, ``rhombus``, ``shape=hexagon``, ``text``) with
the colours read from the pixels; connectors become edges with ``source`` and ``target``, fixed
exit and entry points where the lines met the shapes, and their bends as waypoints.
"""

from __future__ import annotations

import html

import numpy as np
from lxml import etree

from ..vision.colour import RGB, css_hex
from ..vision.connectors import Connector
from ..vision.diagram import Diagram, Label, Node
from ..vision.geometry import Box

ARROW = "classic"
WHITE = (255, 255, 255)
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
    elif shape.kind == "rhombus":
        parts.append("rhombus")
    elif shape.kind in SLANTED:
        settings |= {"shape": shape.kind, "perimeter": SLANTED[shape.kind], "fixedSize": 1}
        settings["size"] = shape.param + (shape.stroke_width + 1) // 2
    elif shape.kind == "cylinder":
        settings |= {"shape": "cylinder3", "boundedLbl": 1, "backgroundOutline": 1, "size": shape.param}
    elif shape.kind == "note":
        settings |= {"shape": "note", "size": shape.param + (shape.stroke_width + 1) // 2}
    elif shape.kind == "lifeline":
        settings |= {"shape": "umlLifeline", "perimeter": "lifelinePerimeter", "size": shape.param}
        settings |= {"container": 1, "collapsible": 0, "recursiveResize": 0}
    elif shape.kind in ("swimlane", "lane"):
        parts.append("swimlane")
        settings |= {"horizontal": int(shape.kind == "swimlane"), "startSize": shape.param}
        if shape.body_fill is not None and shape.body_fill != shape.fill:
            settings["swimlaneFillColor"] = css_hex(shape.body_fill)
    elif shape.kind == "rounded":
        radius = shape.param + (shape.stroke_width + 1) // 2
        settings |= {
            "rounded": 1,
            "arcSize": max(1, round(100 * radius / max(1, min(node.box.width, node.box.height)))),
        }
    else:
        settings["rounded"] = 0
    settings |= {"whiteSpace": "wrap", "html": 1, "fillColor": css_hex(shape.fill)}
    settings["strokeColor"] = css_hex(shape.stroke) if shape.stroke is not None else "none"
    if shape.stroke is not None and shape.stroke_width > 1:
        settings["strokeWidth"] = shape.stroke_width
    return _style(parts, settings | _label_settings(node.label))


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


def edge_style(
    connector: Connector, source: Box, target: Box, label: Label | None = None, page: RGB = (255, 255, 255)
) -> str:
    """The draw.io style of a connector: plain segments, its colour and width, its arrowheads, and
    its label's font on the page colour (a label hides the line under it)."""
    settings: dict[str, object] = {"edgeStyle": "none", "rounded": 0, "html": 1}
    settings["endArrow"] = ARROW if connector.head_target else "none"
    settings["startArrow"] = ARROW if connector.head_source else "none"
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


def _value(label: Label | None) -> str:
    """An HTML label's value: escaped lines joined by <br>."""
    return "<br>".join(html.escape(line, quote=False) for line in label.lines) if label else ""


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
    for index, node in enumerate(diagram.nodes):
        attributes = {"id": f"n{index + 1}", "value": _value(node.label), "style": vertex_style(node)}
        cell = etree.SubElement(root, "mxCell", {**attributes, "vertex": "1", "parent": "1"})
        box = node.box
        etree.SubElement(
            cell, "mxGeometry", x=str(box.x0), y=str(box.y0), width=str(box.width), height=str(box.height)
        ).set("as", "geometry")
    for index, edge in enumerate(diagram.edges):
        connector = edge.connector
        source, target = connector.source, connector.target  # shapes lead the nodes, in the same order
        style = edge_style(
            connector, diagram.nodes[source].box, diagram.nodes[target].box, edge.label, diagram.page
        )
        attributes = {"id": f"e{index + 1}", "value": _value(edge.label), "style": style}
        cell = etree.SubElement(root, "mxCell", {**attributes, "edge": "1", "parent": "1"})
        cell.set("source", f"n{source + 1}")
        cell.set("target", f"n{target + 1}")
        geometry = etree.SubElement(cell, "mxGeometry", relative="1")
        geometry.set("as", "geometry")
        if edge.label_box is not None:
            dx, dy = _offset(connector.points, edge.label_box)
            etree.SubElement(geometry, "mxPoint", x=str(dx), y=str(dy)).set("as", "offset")
        bends = connector.points[1:-1]
        if bends:
            array = etree.SubElement(geometry, "Array")
            array.set("as", "points")
            for x, y in bends:
                etree.SubElement(array, "mxPoint", x=str(x), y=str(y))
    etree.indent(mxfile)
    return etree.tostring(mxfile, encoding="unicode") + "\n"

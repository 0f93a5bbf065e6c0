"""The recovered diagram as a Mermaid flowchart (``OUT/diagram.mmd``), for README and docs users.

It is written from the run's own ``diagram.drawio`` (the same graph the draw.io file holds, from
any backend): vertices become nodes in the nearest Mermaid shape, vertices that hold others become
``subgraph`` blocks, edges with both ends become links (arrowheads, dashes and labels kept), and
text vertices that label nothing stay out (Mermaid has no free text), as do unlabelled, unlinked
marks drawn on another vertex (a task's marker). ``check_mermaid`` is a
small grammar check of the subset written here, so a test can tell that the file parses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from ..score.graph import direction, normalise_label, parse_style, shape_type
from .drawio import STRICT, _model_of

FILENAME = "diagram.mmd"
# Mermaid's node shapes by draw.io shape type or style name: (opening, closing).
SHAPES = {
    "rectangle": ("[", "]"),
    "rounded": ("(", ")"),
    "ellipse": ("((", "))"),
    "double circle": ("(((", ")))"),  # UML's final state
    "rhombus": ("{", "}"),
    "cylinder": ("[(", ")]"),
    "hexagon": ("{{", "}}"),
    "parallelogram": ("[/", "/]"),
    "trapezoid": ("[/", "\\]"),
    "swimlane": ("[", "]"),
    "text": ("[", "]"),
    "other": ("[", "]"),
}
_ID = r"[A-Za-z][A-Za-z0-9_]*"
_LABEL = r'"[^"]*"'
_OPEN_CLOSE = "|".join(
    re.escape(a) + _LABEL + re.escape(b) for a, b in sorted(set(SHAPES.values()), key=lambda p: -len(p[0]))
)
_NODE = re.compile(rf"^({_ID})(?:{_OPEN_CLOSE})$")
_LINK = re.compile(rf"^({_ID})\s+(-->|---|<-->|-\.->|-\.-|<-\.->)(?:\|{_LABEL}\|)?\s+({_ID})$")
_SUBGRAPH = re.compile(rf"^subgraph\s+({_ID})\[{_LABEL}\]$")
_HEADER = re.compile(r"^flowchart\s+(TD|TB|BT|LR|RL)$")


@dataclass
class _Vertex:
    id: str
    label: str
    shape: str
    parent: str | None
    children: list[str] = field(default_factory=list)


def _text(label: str) -> str:
    """A label inside Mermaid's double quotes: plain text, quotes as entities, lines as <br>."""
    lines = [normalise_label(line) for line in re.split(r"<br\s*/?>|\n", label, flags=re.IGNORECASE)]
    return "<br>".join(line for line in lines if line).replace('"', "#quot;")


def _shape(style: str) -> str:
    name, values = parse_style(style)
    kind = shape_type(style)
    if kind == "other":
        kind = next((k for k in ("hexagon", "parallelogram", "trapezoid") if values.get("shape") == k), kind)
    if values.get("shape") == "endState":
        kind = "double circle"
    if values.get("shape") == "lollipop":  # a provided interface: its ring
        kind = "ellipse"
    return kind if name != "text" else "text"


def drawio_to_mermaid(code: str) -> str:
    """A ``.drawio`` file's first page as a Mermaid flowchart (top to bottom, or left to right when
    the drawing is wider than tall)."""
    _, model = _model_of(etree.fromstring(code.encode("utf-8"), STRICT))
    cells = list(model.iter("mxCell"))
    vertices: dict[str, _Vertex] = {}
    boxes: list[tuple[float, float, float, float]] = []
    for cell in cells:
        if cell.get("vertex") != "1" or cell.get("id") is None:
            continue
        vertices[cell.get("id", "")] = _Vertex(
            cell.get("id", ""),
            _text(cell.get("value", "")),
            _shape(cell.get("style", "")),
            cell.get("parent"),
        )
        geometry = cell.find("mxGeometry")
        if geometry is not None:
            x, y = float(geometry.get("x", 0)), float(geometry.get("y", 0))
            boxes.append((x, y, x + float(geometry.get("width", 0)), y + float(geometry.get("height", 0))))
    edges = [
        c
        for c in cells
        if c.get("edge") == "1" and c.get("source") in vertices and c.get("target") in vertices
    ]
    edge_ids = {c.get("id") for c in cells if c.get("edge") == "1"}
    labels: dict[str, list[str]] = {}
    for vertex in list(vertices.values()):
        if vertex.parent in edge_ids:  # an edge's label cell
            labels.setdefault(vertex.parent or "", []).append(vertex.label)
            del vertices[vertex.id]
    linked = {c.get("source") for c in edges} | {c.get("target") for c in edges}
    holders = {v.parent for v in vertices.values()}
    for vertex in list(vertices.values()):
        if vertex.parent in vertices and not (vertex.label or vertex.id in linked or vertex.id in holders):
            del vertices[vertex.id]  # a mark drawn on its parent (a task's marker): nothing to a reader
    for vertex in vertices.values():
        if vertex.parent in vertices:
            vertices[vertex.parent].children.append(vertex.id)
    names = {vid: f"n{i + 1}" for i, vid in enumerate(vertices)}

    def keep(vertex: _Vertex) -> bool:  # free text labels nothing a reader of a flowchart needs
        return vertex.shape != "text" or vertex.id in linked or bool(vertex.children)

    wide = boxes and (max(b[2] for b in boxes) - min(b[0] for b in boxes)) > 1.5 * (
        max(b[3] for b in boxes) - min(b[1] for b in boxes)
    )
    lines = [f"flowchart {'LR' if wide else 'TD'}"]

    def emit(vertex: _Vertex, depth: int) -> None:
        pad = "    " * depth
        if vertex.children:
            lines.append(f'{pad}subgraph {names[vertex.id]}["{vertex.label or " "}"]')
            for child in vertex.children:
                emit(vertices[child], depth + 1)
            lines.append(f"{pad}end")
        elif keep(vertex):
            opening, closing = SHAPES.get(vertex.shape, SHAPES["rectangle"])
            lines.append(f'{pad}{names[vertex.id]}{opening}"{vertex.label or " "}"{closing}')

    for vertex in vertices.values():
        if vertex.parent not in vertices:
            emit(vertex, 1)
    for cell in edges:
        source, target = names[cell.get("source", "")], names[cell.get("target", "")]
        style = cell.get("style", "")
        way = direction(style)
        dashed = parse_style(style)[1].get("dashed") == "1"
        both = way == "none" and "startArrow" in style and parse_style(style)[1].get("startArrow") != "none"
        if way == "backward":
            source, target = target, source
        arrow = ("-.-" if dashed else "---") if way == "none" and not both else "-.->" if dashed else "-->"
        if both:
            arrow = "<-.->" if dashed else "<-->"
        text = " ".join(t for t in [_text(cell.get("value", "")), *labels.get(cell.get("id", ""), [])] if t)
        label = f'|"{text}"|' if text else ""
        lines.append(f"    {source} {arrow}{label} {target}")
    return "\n".join(lines) + "\n"


def check_mermaid(text: str) -> list[str]:
    """What keeps ``text`` from parsing as the Mermaid flowchart subset written here (empty: it parses).

    Checks the header, every statement's form (node, link with optional label, subgraph, end),
    balanced subgraphs, and that links join declared nodes or subgraphs.
    """
    problems: list[str] = []
    lines = [line.strip() for line in text.splitlines()]
    statements = [(n, line) for n, line in enumerate(lines, 1) if line and not line.startswith("%%")]
    if not statements or not _HEADER.match(statements[0][1]):
        return ["line 1: a flowchart starts with 'flowchart TD' (or TB, BT, LR, RL)"]
    declared: set[str] = set()
    links: list[tuple[int, str, str]] = []
    depth = 0
    for number, line in statements[1:]:
        if line == "end":
            depth -= 1
            if depth < 0:
                problems.append(f"line {number}: 'end' without a subgraph")
                depth = 0
        elif match := _SUBGRAPH.match(line):
            depth += 1
            declared.add(match[1])
        elif match := _NODE.match(line):
            declared.add(match[1])
        elif match := _LINK.match(line):
            links.append((number, match[1], match[3]))
        else:
            problems.append(f"line {number}: not a node, link, subgraph or end: {line!r}")
    if depth:
        problems.append(f"{depth} subgraph(s) not closed by 'end'")
    for number, a, b in links:
        problems += [f"line {number}: {name} is not declared" for name in (a, b) if name not in declared]
    return problems

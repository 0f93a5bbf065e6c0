"""Repair a draw.io graph model so that draw.io draws all of it, as the model meant.

draw.io fails silently on much of what a model gets wrong: a cell with a missing or unknown parent
makes it re-root the graph and drop most of the drawing, an edge to an unknown id is not drawn,
a geometry without ``as="geometry"`` is ignored, ``;base64,`` inside a style splits it. It fails
loudly on duplicate ids and on a cell that is its own parent. ``repair_model`` fixes each of these
in place and says what it did, one short sentence per kind of repair.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections import Counter
from dataclasses import dataclass

from lxml import etree

WRAPPERS = ("object", "UserObject")  # elements that carry a cell's id and attributes around an mxCell
DEFAULT_SIZE = (120.0, 60.0)
NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
BASE64_URI = re.compile(r"(image=data:image/[\w.+-]+);base64,")
IMAGE_URI = re.compile(r"(?:^|;)image=data:image/([\w.+-]+),([^;]*)")
IMAGE_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"RIFF", b"<svg", b"<?xml", b"BM")


@dataclass
class ModelCell:
    """One cell of the model: ``holder`` carries its id (an mxCell, or an object wrapping one), and
    ``cell`` is the mxCell with parent, vertex, edge, source and target."""

    holder: etree._Element
    cell: etree._Element

    @property
    def id(self) -> str:
        return self.holder.get("id", "")

    @property
    def parent(self) -> str | None:
        return self.cell.get("parent")

    @property
    def vertex(self) -> bool:
        return self.cell.get("vertex") == "1"

    @property
    def edge(self) -> bool:
        return self.cell.get("edge") == "1"

    def geometry(self) -> etree._Element | None:
        return self.cell.find("mxGeometry")


def cells_of(root: etree._Element) -> list[ModelCell]:
    """The cells under a ``<root>`` element, in document order."""
    found = []
    for element in root:
        if element.tag == "mxCell":
            found.append(ModelCell(element, element))
        elif element.tag in WRAPPERS and element.find("mxCell") is not None:
            found.append(ModelCell(element, element.find("mxCell")))
    return found


def repair_model(model: etree._Element) -> list[str]:
    """Repair an ``<mxGraphModel>`` element in place; return the repairs made, as short sentences."""
    repairs: list[str] = []
    root = _root_element(model, repairs)
    _lift_nested_cells(root, repairs)
    _drop_strangers(root, repairs)
    _fix_ids(root, repairs)
    _fix_kinds(cells_of(root), repairs)
    root_id, layer_id = _root_and_layer(root, repairs)
    _fix_parents(root, root_id, layer_id, repairs)
    _fix_edges(root, repairs)
    _fix_geometry(root, layer_id, repairs)
    _fix_images(cells_of(root), repairs)
    return repairs


def _say(repairs: list[str], count: int, one: str, many: str) -> None:
    """Record a repair made ``count`` times, in the singular or plural sentence."""
    if count:
        repairs.append(one if count == 1 else many.format(count))


def _root_element(model: etree._Element, repairs: list[str]) -> etree._Element:
    """The model's one ``<root>``: created around stray cells, and further roots merged into it."""
    roots = model.findall("root")
    root = roots[0] if roots else etree.SubElement(model, "root")
    for extra in roots[1:]:
        root.extend(list(extra))
        model.remove(extra)
    _say(repairs, len(roots) - 1, "merged a second <root> into the first", "merged {} extra <root> elements")
    strays = [element for element in model if element.tag in ("mxCell", *WRAPPERS)]
    root.extend(strays)
    _say(repairs, len(strays), "moved a cell outside <root> into it", "moved {} cells outside <root> into it")
    return root


def _lift_nested_cells(root: etree._Element, repairs: list[str]) -> None:
    """Cells written inside other cells go up to ``<root>``, as children of the cell they were in."""
    lifted = 0
    for cell in cells_of(root):
        for nested in [n for n in cell.cell.iter("mxCell", *WRAPPERS) if n is not cell.cell][::-1]:
            if nested.getparent() is not None and nested.getparent().tag in WRAPPERS:
                continue  # the mxCell of a wrapper goes with its wrapper
            container = _container_id(nested)
            nested.getparent().remove(nested)
            inner = nested if nested.tag == "mxCell" else nested.find("mxCell")
            if inner is not None and inner.get("parent") is None and container:
                inner.set("parent", container)
            cell.holder.addnext(nested)
            lifted += 1
    _say(repairs, lifted, "moved a cell nested in another up to <root>", "moved {} nested cells up to <root>")


def _container_id(element: etree._Element) -> str | None:
    """The id of the cell that ``element`` was written inside."""
    for ancestor in element.iterancestors("mxCell", *WRAPPERS):
        holder = ancestor.getparent() if ancestor.getparent().tag in WRAPPERS else ancestor
        if holder.get("id"):
            return holder.get("id")
    return None


def _drop_strangers(root: etree._Element, repairs: list[str]) -> None:
    """Remove what ``<root>`` may not hold: anything but cells (and comments)."""
    holders = {cell.holder for cell in cells_of(root)}
    strangers = [e for e in root if isinstance(e.tag, str) and e not in holders]
    for element in strangers:
        root.remove(element)
    if strangers:
        tags = ", ".join(sorted({f"<{e.tag}>" for e in strangers}))
        _say(
            repairs,
            len(strangers),
            f"dropped a {tags} that is not a cell",
            f"dropped {{}} non-cells ({tags})",
        )


def _fix_ids(root: etree._Element, repairs: list[str]) -> None:
    """Every cell gets an id, and ids become unique (exact repeats of a cell are dropped)."""
    cells = cells_of(root)
    taken = {cell.id for cell in cells if cell.id}
    seen: dict[str, bytes] = {}
    missing = renamed = repeated = 0
    for cell in cells:
        if not cell.id:
            cell.holder.set("id", _fresh("cell", taken))
            missing += 1
        elif cell.id in seen:
            if etree.tostring(cell.holder) == seen[cell.id]:
                root.remove(cell.holder)
                repeated += 1
                continue
            cell.holder.set("id", _fresh(cell.id, taken))
            renamed += 1
        seen[cell.id] = etree.tostring(cell.holder)
    _say(repairs, missing, "gave a cell without an id one", "gave {} cells without an id one")
    _say(repairs, renamed, "renamed a duplicate id", "renamed {} duplicate ids")
    _say(repairs, repeated, "dropped a repeated copy of a cell", "dropped {} repeated copies of cells")


def _fresh(stem: str, taken: set[str]) -> str:
    """An id starting with ``stem`` that is not yet taken (and is taken from now on)."""
    number = 2
    while f"{stem}-{number}" in taken:
        number += 1
    taken.add(f"{stem}-{number}")
    return f"{stem}-{number}"


def _fix_kinds(cells: list[ModelCell], repairs: list[str]) -> None:
    """Cells drawn like shapes or edges get the vertex or edge flag draw.io needs to draw them."""
    vertices = edges = both = 0
    for cell in cells:
        links = cell.cell.get("source") is not None or cell.cell.get("target") is not None
        if cell.vertex and cell.edge:
            cell.cell.attrib.pop("vertex" if links else "edge")
            both += 1
        elif not cell.vertex and not cell.edge and links:
            cell.cell.set("edge", "1")
            edges += 1
        elif not cell.vertex and not cell.edge and cell.geometry() is not None:
            cell.cell.set("vertex", "1")
            vertices += 1
    _say(repairs, vertices, 'marked a shape without vertex="1" as a vertex', "marked {} shapes as vertices")
    _say(repairs, edges, 'marked a link without edge="1" as an edge', "marked {} links as edges")
    _say(
        repairs,
        both,
        "made a cell flagged both vertex and edge one of them",
        "fixed {} vertex-and-edge cells",
    )


def _root_and_layer(root: etree._Element, repairs: list[str]) -> tuple[str, str]:
    """The ids of the root cell (no parent) and the first layer (a child of the root), added if missing.

    Further parentless cells would each re-root the graph: they become layers.
    """
    cells = cells_of(root)
    taken = {cell.id for cell in cells}
    tops = [cell for cell in cells if cell.parent is None and not cell.vertex and not cell.edge]
    top = next((cell for cell in tops if cell.id == "0"), tops[0] if tops else None)
    if top is None:
        root_id = "0" if "0" not in taken else _fresh("root", taken)
        root.insert(0, etree.Element("mxCell", id=root_id))
        repairs.append(f"added the root cell {root_id}")
    else:
        root_id = top.id
    others = [cell for cell in tops if cell is not top]
    for cell in others:
        cell.cell.set("parent", root_id)
    _say(repairs, len(others), "made a second parentless cell a layer", "made {} parentless cells layers")
    layers = [c for c in cells_of(root) if c.parent == root_id and not c.vertex and not c.edge]
    if layers:
        return root_id, layers[0].id
    layer_id = "1" if "1" not in taken else _fresh("layer", taken)
    root_cell = next(c for c in cells_of(root) if c.id == root_id)
    root_cell.holder.addnext(etree.Element("mxCell", id=layer_id, parent=root_id))
    repairs.append(f"added the default layer {layer_id}")
    return root_id, layer_id


def _fix_parents(root: etree._Element, root_id: str, layer_id: str, repairs: list[str]) -> None:
    """Shapes and edges with no, an unknown, their own, or the root as parent, or in a parent cycle,
    go onto the first layer."""
    cells = [cell for cell in cells_of(root) if cell.vertex or cell.edge]
    parents = {cell.id: cell.parent for cell in cells_of(root)}
    problems: Counter[str] = Counter()
    for cell in cells:
        parent = cell.parent
        problem = (
            "without a parent"
            if parent is None
            else "whose parent does not exist"
            if parent not in parents
            else "that named itself as parent"
            if parent == cell.id
            else "placed on the root cell"
            if parent == root_id
            else "caught in a parent cycle"
            if _in_cycle(cell.id, parents)
            else ""
        )
        if problem:
            cell.cell.set("parent", layer_id)
            parents[cell.id] = layer_id
            problems[problem] += 1
    for problem, count in problems.items():
        what = "a cell" if count == 1 else f"{count} cells"
        repairs.append(f"moved {what} {problem} onto layer {layer_id}")


def _in_cycle(start: str, parents: dict[str, str | None]) -> bool:
    """True when following parents from ``start`` comes back to a cell already passed."""
    seen = {start}
    current = parents.get(start)
    while current is not None and current in parents:
        if current in seen:
            return True
        seen.add(current)
        current = parents[current]
    return False


def _fix_edges(root: etree._Element, repairs: list[str]) -> None:
    """Links to cells that do not exist are removed; an edge left with an end that has neither a
    cell nor a fixed point cannot be drawn and is dropped, with its labels."""
    ids = {cell.id for cell in cells_of(root)}
    unlinked = dropped = 0
    doomed: set[str] = set()
    for cell in cells_of(root):
        if not cell.edge:
            continue
        geometry = cell.geometry()
        for end in ("source", "target"):
            terminal = cell.cell.get(end)
            if terminal is not None and (terminal not in ids or terminal == cell.id):
                del cell.cell.attrib[end]
                unlinked += 1
            point = geometry is not None and geometry.find(f"mxPoint[@as='{end}Point']") is not None
            if cell.cell.get(end) is None and not point:
                doomed.add(cell.id)
    while doomed:  # an edge's labels are its children: they go with it
        for cell in cells_of(root):
            if cell.id in doomed:
                root.remove(cell.holder)
                dropped += cell.edge
        doomed = {cell.id for cell in cells_of(root) if cell.parent in doomed}
    _say(
        repairs, unlinked, "removed a link to a cell that does not exist", "removed {} links to missing cells"
    )
    _say(repairs, dropped, "dropped an edge with a loose end", "dropped {} edges with loose ends")


def _fix_geometry(root: etree._Element, layer_id: str, repairs: list[str]) -> None:
    """Every shape gets a usable geometry (numbers, a size, ``as="geometry"``), every edge a relative one."""
    added = sized = unnumbered = untagged = 0
    placed: list[etree._Element] = []
    for cell in cells_of(root):
        if not (cell.vertex or cell.edge):
            continue
        geometry = cell.geometry()
        if geometry is None:
            geometry = etree.SubElement(cell.cell, "mxGeometry")
            if cell.edge:
                geometry.set("relative", "1")
                geometry.set("as", "geometry")
            else:
                placed.append(geometry)
            added += 1
            continue
        if geometry.get("as") != "geometry":
            geometry.set("as", "geometry")
            untagged += 1
        for name in ("x", "y", "width", "height"):
            unnumbered += _make_number(geometry, name)
        if cell.vertex and geometry.get("relative") != "1" and not _has_size(geometry):
            geometry.set("width", _format(DEFAULT_SIZE[0]))
            geometry.set("height", _format(DEFAULT_SIZE[1]))
            sized += 1
    _place_below(placed, root, layer_id)
    _say(repairs, added, "added a missing geometry", "added {} missing geometries")
    _say(repairs, untagged, 'added as="geometry" to a geometry', 'added as="geometry" to {} geometries')
    _say(repairs, unnumbered, "fixed a position or size that was not a number", "fixed {} non-numeric values")
    _say(repairs, sized, "gave a shape without a size a default one", "gave {} shapes without a size one")


def _make_number(geometry: etree._Element, name: str) -> int:
    """Make ``geometry[name]`` a plain number ("120px" -> "120"), or drop it; 1 if it changed."""
    value = geometry.get(name)
    if value is None:
        return 0
    try:
        float(value)
        return 0
    except ValueError:
        match = NUMBER.search(value)
    if match:
        geometry.set(name, match.group())
    else:
        del geometry.attrib[name]
    return 1


def _has_size(geometry: etree._Element) -> bool:
    return all(float(geometry.get(name, "0")) > 0 for name in ("width", "height"))


def _format(value: float) -> str:
    return f"{value:g}"


def _place_below(geometries: list[etree._Element], root: etree._Element, layer_id: str) -> None:
    """Give new geometries a default size, in a row under the shapes already on the first layer."""
    if not geometries:
        return
    bottom = 0.0
    for cell in cells_of(root):
        geometry = cell.geometry()
        if cell.vertex and cell.parent == layer_id and geometry is not None and geometry not in geometries:
            bottom = max(bottom, float(geometry.get("y", "0")) + float(geometry.get("height", "0")))
    for number, geometry in enumerate(geometries):
        geometry.set("x", _format(20 + number * (DEFAULT_SIZE[0] + 20)))
        geometry.set("y", _format(bottom + 40 if bottom else 20))
        geometry.set("width", _format(DEFAULT_SIZE[0]))
        geometry.set("height", _format(DEFAULT_SIZE[1]))
        geometry.set("as", "geometry")


def _fix_images(cells: list[ModelCell], repairs: list[str]) -> None:
    """Embedded images in styles: ``;base64,`` rewritten to draw.io's form, undecodable ones removed."""
    rewritten = removed = 0
    for cell in cells:
        style = cell.cell.get("style")
        if not style or "data:image/" not in style:
            continue
        style, count = BASE64_URI.subn(r"\1,", style)
        rewritten += count
        for match in list(IMAGE_URI.finditer(style)):
            if not _valid_image(match.group(1), match.group(2)):
                style = style.replace(match.group(0), "", 1)
                removed += 1
        cell.cell.set("style", style.lstrip(";"))
    _say(repairs, rewritten, "rewrote an image data URI into draw.io's style form", "rewrote {} data URIs")
    _say(
        repairs, removed, "removed an embedded image that is not valid", "removed {} invalid embedded images"
    )


def _valid_image(kind: str, payload: str) -> bool:
    """True when the payload decodes (base64) to something that starts like an image."""
    if kind.startswith("svg") and payload.lstrip().startswith(("<svg", "%3Csvg", "<?xml")):
        return True
    try:
        data = base64.b64decode(re.sub(r"\s", "", payload), validate=True)
    except (binascii.Error, ValueError):
        return False
    return data.startswith(IMAGE_MAGIC)

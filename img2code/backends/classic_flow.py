"""Write a layout tree (``vision.structure``) as one HTML page in flow layout: flex rows and
columns, grids of equal columns, semantic tags, design tokens in ``:root``, one class per role and
style, and the screenshot's pictures as real image files (or data URIs).

Per-element geometry (a gap, an offset, a width) goes in small utility classes (``mt-24``,
``ml-16``, ``w-320``) on the spacing scale; vertical gaps and paddings carry each rounding over to
the next one down the page (``_Writer.settle``), so texts stay within a pixel or two of their source
places. Positions are absolute only inside a ``stack`` (content that overlaps in the source), in a
relatively positioned parent.
"""

from __future__ import annotations

import base64
import html
import io
import re
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from ..vision.colour import RGB, css_hex
from ..vision.fonts import FACES
from ..vision.page import Layout
from ..vision.structure import SHARED_EDGE, Flow, PageNode, TextStyle, body_colour, body_size, build, snap
from ..vision.style import Span
from .classic_page import spans_html

CONTAINERS = (
    "header",
    "main",
    "footer",
    "section",
    "nav",
    "row",
    "column",
    "grid",
    "stack",
    "card",
    "panel",
    "list",
    "item",
)
CONTAINER_SLACK = 0.03  # share of its width an unpainted container may grow by, so its text keeps its lines
# A row's child starts this many px under its source width and grows (as its container's slack
# allows) past it: an exact fit would wrap the row at the source width on the first rounded pixel.
ROW_GIVE = 2
SAME_LINE = 4  # px between the tops of a menu's links on one line
PHONE_GUTTER = 16  # px a centred content column keeps from the screen's edges once it fills it
FIXED_OFFSET = 24  # px: wider left offsets are written as a share of the parent's width
# From the source's width up, a text (or a menu) that was one line stays one line: a font a hair
# wider than the screenshot's must not wrap it (and push everything below down); narrower screens
# wrap it.
HEADER_CELL = "    th { text-align: inherit; }  /* a header cell's text stands where its cell puts it */"
ONE_LINE = "    @media (min-width: {width}px) {{ .one-line {{ white-space: nowrap; flex-wrap: nowrap; }} }}"
SIZE_NAMES = ("xs", "sm", "base", "lg", "xl", "2xl", "3xl", "4xl", "5xl", "6xl")


@dataclass
class _Sheet:
    """Classes by role (one per distinct declaration block), utility classes, design tokens."""

    body_colour: RGB
    body_size: float
    background: str
    rules: dict[str, str] = field(default_factory=dict)  # class name -> declarations
    _by_decl: dict[tuple[str, str], str] = field(default_factory=dict)
    _counts: dict[str, int] = field(default_factory=dict)
    colours: dict[RGB, str] = field(default_factory=dict)
    sizes: dict[float, str] = field(default_factory=dict)

    def name(self, role: str, decl: str) -> str:
        if (role, decl) not in self._by_decl:
            self._counts[role] = self._counts.get(role, 0) + 1
            n = self._counts[role]
            name = role if n == 1 else f"{role}-{n}"
            self._by_decl[role, decl] = name
            self.rules[name] = decl
        return self._by_decl[role, decl]

    def utility(self, name: str, decl: str) -> str:
        self.rules.setdefault(name, decl)
        return name

    def colour(self, colour: RGB) -> str:
        if colour not in self.colours:
            self.colours[colour] = f"--color-{len(self.colours) + 1}"
        return f"var({self.colours[colour]})"

    def size(self, px: float) -> str:
        key = round(px, 1)
        if key not in self.sizes:
            self.sizes[key] = ""
        return f"var(--size-{key:g})".replace(".", "_")


def _text_decl(style: TextStyle, sheet: _Sheet) -> str:
    decl = []
    if style.face != FACES[0]:
        decl.append(f"font-family: {style.face.css};")
    decl.append(f"font-size: {sheet.size(style.size)};")
    decl.append(f"font-weight: {700 if style.bold else 400};")
    decl.append(f"line-height: {style.line_height}px;")
    decl.append(f"color: {sheet.colour(style.colour)};")
    if abs(style.letter_spacing) >= 0.1:
        decl.append(f"letter-spacing: {style.letter_spacing:.1f}px;")
    if style.underline:
        decl.append("text-decoration: underline;")
    else:
        decl.append("text-decoration: none;")
    if style.align != "left":
        decl.append(f"text-align: {style.align};")
    return " ".join(decl)


def _flow_decl(node: PageNode, sheet: _Sheet, room: int, vertical: tuple[int, int] | None = None) -> str:
    """The declarations of a box: its paint, its layout and its padding (side paddings as a share of
    ``room``, the width of the box its percentages resolve against: its parent's; top and bottom
    ones ``vertical``, else the source's on the spacing scale)."""
    flow = node.flow
    decl = []
    if node.box_style.background is not None:
        decl.append(f"background: {sheet.colour(node.box_style.background)};")
    if node.box_style.radius:
        decl.append(f"border-radius: {node.box_style.radius}px;")
    if node.box_style.border is not None:
        line = f"{node.box_style.border_width}px solid {sheet.colour(node.box_style.border)}"
        sides = node.box_style.border_sides
        if set(sides) == set("trbl"):
            decl.append(f"border: {line};")
        else:
            names = {"t": "top", "r": "right", "b": "bottom", "l": "left"}
            decl.extend(f"border-{names[side]}: {line};" for side in "trbl" if side in sides)
    if flow is None:
        return " ".join(decl)
    if flow.kind == "column":
        decl.append("display: flex; flex-direction: column; align-items: flex-start;")
    elif flow.kind == "row":
        align = "center" if flow.align == "center" else "flex-start"
        centred = " justify-content: center;" if flow.centred else ""
        decl.append(f"display: flex; flex-wrap: wrap; align-items: {align};{centred}")
    elif flow.kind == "grid":
        width = node.box.width - flow.padding[1] - flow.padding[3]
        gap = snap(flow.gap)
        least = max(40, int((width + gap) / (flow.columns + 0.5) - gap))
        decl.append(
            "display: grid; "
            f"grid-template-columns: repeat(auto-fit, minmax(min({least}px, 100%), 1fr)); gap: {gap}px;"
            " align-items: start;"
        )
    elif flow.kind == "stack":
        decl.append(f"position: relative; height: {node.box.height}px;")
    elif flow.kind == "table":
        decl.append("display: table; border-collapse: collapse; table-layout: fixed; width: 100%;")
    elif flow.kind == "cell":  # as wide as its column, as tall as its row, where the table is drawn
        share = round(100 * node.box.width / max(room, 1), 2)
        centred = " text-align: center;" if flow.centred else ""
        decl.append(f"width: {share:g}%; height: {node.box.height}px; vertical-align: top;{centred}")
        pad_top, _, _, pad_left = flow.padding  # its text where the source has it, to the pixel
        if pad_top or pad_left:
            decl.append(f"padding: {pad_top}px 0 0 {pad_left}px;")
        return " ".join(decl)
    top, bottom = vertical if vertical is not None else (snap(flow.padding[0]), snap(flow.padding[2]))
    if top or bottom or flow.padding[1] or flow.padding[3]:
        right, left = (_inset(p, room) for p in (flow.padding[1], flow.padding[3]))
        insets = [f"{top}px" if top else "0", right, f"{bottom}px" if bottom else "0", left]
        decl.append(f"padding: {' '.join(insets)};")
    return " ".join(decl)


def _text_of_item(node: PageNode) -> PageNode | None:
    """The text of a list item that holds nothing else: written as the item itself,
    ``<li>Text</li>``, not ``<li><p>Text</p></li>``."""
    only = node.children[0] if len(node.children) == 1 else None
    holder = node.role == "item" or (node.flow is not None and node.flow.kind == "cell")
    return only if holder and only is not None and only.role in ("text", "paragraph") else None


def _empty(node: PageNode) -> bool:
    """A box or a rule: a painted rectangle that holds neither children nor text."""
    return node.flow is None and not node.children and node.text_style is None


def _edge_to_edge(node: PageNode) -> bool:
    """A row of painted boxes drawn edge to edge (a menu bar of cells, a table row of filled
    cells): one band, whose boxes would not part on a wider screen."""
    children = node.children
    return (
        node.flow is not None
        and node.flow.kind == "row"
        and len(children) >= 2
        and all(c.region is not None for c in children)
        and all(c.margin[1] <= SHARED_EDGE for c in children[1:])
    )


def _plain(node: PageNode) -> bool:
    """A container that draws nothing itself and has no side padding: a content column."""
    flow = node.flow
    style = node.box_style
    return (
        flow is not None
        and not flow.padding[1]
        and not flow.padding[3]
        and style.background is None
        and style.border is None
    )


def _inset(px: float, width: int, *, snapped: bool = True) -> str:
    """A side padding (snapped to the spacing scale) or an absolute offset (exact): pixels when
    small, else at most that share of the width, so a band whose content sat far from its edges on
    a wide screen does not overflow a phone."""
    value = snap(px) if snapped else round(px)
    if px <= FIXED_OFFSET or width <= 0:
        return f"{value}px" if value else "0"
    return f"min({value}px, {100 * px / width:.2f}%)"


def _inline(node: PageNode, sheet: _Sheet, tag: str) -> str:
    """The node's escaped text (in the element ``tag``), with its bold words in <b> and other
    differing words in links or spans (see ``spans_html``)."""
    if not node.spans or node.text_style is None:
        return html.escape(node.text)
    style = node.text_style
    return spans_html(
        node.spans,
        style.bold,
        style.colour,
        lambda span: sheet.name("accent", _span_decl(span, style, sheet)),
        links=tag != "a",
    )


def _span_decl(span: Span, style: TextStyle, sheet: _Sheet) -> str:
    decl = f"font-weight: {700 if span.bold else 400};" if span.bold != style.bold else ""
    if span.colour != style.colour:  # a link, drawn as the words were
        decl = f"{decl} color: {sheet.colour(span.colour)}; text-decoration: none;".strip()
    return decl


@dataclass
class _Writer:
    sheet: _Sheet
    rgb: np.ndarray
    inline_assets: bool
    assets: dict[str, bytes] = field(default_factory=dict)
    extra: dict[int, list[str]] = field(default_factory=dict)  # more classes for some nodes (by id)
    # nodes not drawn at the page's own width (another shot's own, by id): no spacing carries past them
    absent: frozenset[int] = frozenset()
    # the drawn width of boxes that stretch across their parent (by id): wider than their content
    # where the parent is, so their children's shares resolve against it
    filled: dict[int, int] = field(default_factory=dict)
    # the vertical spacing on the spacing scale (by id): each box's children's top margins, and its
    # top and bottom padding; set by ``settle`` before anything is written
    tops: dict[int, list[int]] = field(default_factory=dict)
    paddings: dict[int, tuple[int, int]] = field(default_factory=dict)
    # containers given room past their source width for text drawn a little wider (by id): a box
    # filling one keeps its own width
    slackened: set[int] = field(default_factory=set)

    def content_width(self, node: PageNode) -> int:
        """The width of ``node``'s content box as drawn at the source width (less its padding)."""
        pad = node.flow.padding if node.flow is not None else (0, 0, 0, 0)
        return self.filled.get(id(node), node.box.width) - pad[1] - pad[3]

    def placement(self, node: PageNode, parent: PageNode) -> list[str]:
        """Utility classes placing ``node`` in ``parent``'s flow.

        Left offsets wider than ``FIXED_OFFSET`` are percentages of the parent's content width, so
        that they shrink with the window; containers keep their source width as a ``max-width``.
        """
        flow = parent.flow
        classes: list[str] = []
        if flow is None or flow.kind in ("table", "table-row"):  # a table's rows and cells
            return classes
        if flow.kind == "cell":  # a cell's contents stand in it as in a column
            flow = Flow("column", padding=flow.padding)
        if flow.kind == "stack":  # placed by its style attribute; a paragraph still wraps as it did
            if node.role in ("paragraph", "heading") and node.width:
                classes.append(self._max_width(node.width))
            return classes
        left = node.margin[1]
        room = self.content_width(parent)
        rigid = node.role in ("button", "image", "input") or _empty(node)
        fixed = node.box.width if rigid else None
        if flow.kind == "row":
            index = parent.children.index(node)
            if flow.push is not None and index == flow.push:
                classes.append(self.sheet.utility("ml-auto", "margin-left: auto;"))
            elif snap(left):
                classes.append(self._left(left, room, fixed))
            if self._top(node, parent):
                classes.append(self._margin("mt", self._top(node, parent)))
        elif flow.kind == "column":
            if self._top(node, parent):
                classes.append(self._margin("mt", self._top(node, parent)))
            if node.centred:
                classes.append(self.sheet.utility("mx-auto", "align-self: center;"))
            elif snap(left):
                classes.append(self._left(left, room, fixed))
            kept = self._fixed_left(node, parent)
            if node.role == "image" and kept:  # a picture and its margin fit a phone
                classes.append(self.sheet.utility(f"fit-{kept}", f"max-width: calc(100% - {kept}px);"))
        elif flow.kind == "grid" and self._top(node, parent):
            classes.append(self._margin("mt", self._top(node, parent)))
        hang = self._overhang(node, parent)
        if hang:
            classes.append(self._margin("mb", -hang))
        width = node.width
        if (
            width is None
            and node.flow is not None
            and (node.role in ("row", "column", "grid", "list", "stack", "nav", "table") or node.centred)
        ):
            width = node.box.width
            # room for text a little wider than the source's (not in a row: it would wrap there;
            # not for a grid: its columns share out all its width)
            if (
                not node.centred
                and node.flow.push is None
                and flow.kind == "column"
                and node.flow.kind not in ("grid", "table")
            ):
                width += max(8, round(CONTAINER_SLACK * width))
                self.slackened.add(id(node))
        if (
            width is None
            and node.flow is not None
            and flow.kind == "column"
            and not node.centred
            and node.role != "button"
        ):
            classes.append(self.sheet.utility("stretch", "align-self: stretch;"))
            self.filled[id(node)] = room
        if node.role == "image" or flow.kind == "grid" or width is None:
            return classes
        if node.text_style is not None and node.role != "button":
            if node.role in ("paragraph", "heading") and flow.kind == "row":
                # its whole text on one line is what a row measures: it would wrap below the others
                classes.append(self._basis(width, slack=False))
            elif node.role in ("paragraph", "heading"):
                classes.append(self._max_width(width))
            return classes
        if node.role == "button":
            return classes
        if flow.kind == "row" and node.role in ("nav", "row"):  # as wide as its content, no wider
            classes.append(self.sheet.utility("shrink", "flex: 0 1 auto; min-width: 0;"))
        elif flow.kind == "row" and _empty(node):
            classes.append(self.sheet.utility(f"fixed-{width:g}", f"flex: 0 1 {width:g}px; min-width: 0;"))
        elif flow.kind == "row":
            # only the last child may grow past its width: growing, one before it pushes the rest
            classes.append(self._basis(width, slack=parent.children[-1] is node))
        elif node.centred and _plain(node) and room >= width + 2 * PHONE_GUTTER:
            # the same column on a wide screen, and some room from the edges on a phone
            most = width + 2 * PHONE_GUTTER
            decl = f"width: 100%; max-width: {most}px; padding-inline: {PHONE_GUTTER}px;"
            classes.append(self.sheet.utility(f"container-{width}", decl))
        elif node.centred:
            classes.append(self.sheet.utility(f"w-{width}", f"width: 100%; max-width: {width}px;"))
        elif width >= room - 2 and id(parent) not in self.slackened:
            classes.append(self.sheet.utility("stretch", "align-self: stretch;"))
            self.filled[id(node)] = room
        else:
            classes.append(self.sheet.utility("stretch", "align-self: stretch;"))
            classes.append(self._max_width(width))
        return classes

    def _basis(self, px: float, *, slack: bool = True) -> str:
        """A row child's size: a hair under ``px``, growing back to it, or past it as the row's
        slack allows (not a paragraph: its width decides where its lines break)."""
        most = round(px + max(8, CONTAINER_SLACK * px)) if slack else px
        name = f"basis-{px:g}{'' if slack else '-exact'}".replace(".", "_")
        return self.sheet.utility(name, f"flex: 1 1 {px - ROW_GIVE:g}px; max-width: {most}px; min-width: 0;")

    def _max_width(self, px: float) -> str:
        """A max-width utility (a paragraph's may keep a tenth of a pixel: it decides its wraps)."""
        return self.sheet.utility(f"max-w-{px:g}".replace(".", "_"), f"max-width: {px:g}px;")

    def _left(self, px: float, room: int, rigid: int | None = None) -> str:
        """A left margin: pixels when small, else a share of the parent's content width; for an
        element of a fixed width (``rigid``: a button, a picture), never so much that it sticks
        out on the right of a narrow screen."""
        if abs(px) <= FIXED_OFFSET or room <= 0:
            return self._margin("ml", snap(px))
        share = round(100 * px / room, 1)
        name = f"ml-{share:g}p".replace(".", "_") if share >= 0 else f"-ml-{-share:g}p".replace(".", "_")
        if rigid is not None and share > 0:
            value = f"max(0px, min({share:g}%, calc(100% - {rigid}px)))"
            return self.sheet.utility(f"{name}-w{rigid}", f"margin-left: {value};")
        return self.sheet.utility(name, f"margin-left: {share:g}%;")

    @staticmethod
    def _fixed_left(node: PageNode, parent: PageNode | None) -> int:
        """The left margin in pixels an element keeps in its column (0: none, or a share)."""
        if parent is None or parent.flow is None or parent.flow.kind != "column" or node.centred:
            return 0
        left = snap(node.margin[1])
        return left if 0 < left <= FIXED_OFFSET else 0

    def settle(self, node: PageNode, drift: float = 0.0) -> float:
        """Snap the vertical spacing of ``node``'s subtree to the scale, carrying each rounding over
        to the next spacing down the page, so that what is drawn stays within a pixel of its source
        place: rounding every gap alike moved the end of a long page several pixels off.

        ``drift`` is how far above its source place ``node`` is drawn; the result is how far above
        its source place its bottom edge is."""
        flow = node.flow
        if node.role == "button" and flow is not None:
            # its text's line between paddings that add up to its source height
            pad_t, _, pad_b, _ = flow.padding
            top = snap(pad_t)
            self.paddings[id(node)] = (top, max(0, pad_b + pad_t - top))
            return drift
        if (
            flow is None
            or not node.children
            or node.role in ("input", "image")
            or _text_of_item(node) is not None
        ):
            return drift  # drawn as tall as in the source
        if flow.kind in ("table", "table-row"):  # rows as tall as drawn: each cell starts afresh
            for child in node.children:
                self.settle(child)
            return drift
        pad_t, _, pad_b, _ = flow.padding
        top = max(0, snap(pad_t + drift)) if pad_t else 0
        carried = pad_t + drift - top
        tops: list[int] = []
        if flow.kind == "stack":  # children placed at their exact offsets; the box keeps its height
            for child in node.children:
                self.settle(child)
            tops = [0] * len(node.children)
            end = carried
        elif flow.kind in ("column", "cell"):
            for child in node.children:
                if id(child) in self.absent:
                    tops.append(snap(child.margin[0]))
                    self.settle(child)
                    continue
                wanted = child.margin[0] + carried
                tops.append(snap(wanted))
                carried = self.settle(child, wanted - tops[-1])
            end = carried
        else:  # row, grid: each child from the row's top (a centred row's children take none)
            centred = flow.align == "center"
            ends = []
            for child in node.children:
                wanted = carried if centred else child.margin[0] + carried
                tops.append(0 if centred else snap(wanted))
                ends.append(self.settle(child, wanted - tops[-1]))
            # the row ends where its lowest drawn child does
            bottoms = [child.box.y1 - drift for child, drift in zip(node.children, ends, strict=True)]
            end = max(child.box.y1 for child in node.children) - max(bottoms)
        self.tops[id(node)] = tops
        if node.region is not None:  # a painted box keeps its source height to the pixel
            bottom = max(0, round(pad_b + end))
        else:
            bottom = max(0, snap(pad_b + end)) if pad_b else 0
        self.paddings[id(node)] = (top, bottom)
        return pad_b + end - bottom

    def box_decl(self, node: PageNode, room: int) -> str:
        """``_flow_decl`` with the top and bottom paddings ``settle`` gave ``node``."""
        return _flow_decl(node, self.sheet, room, self.paddings.get(id(node)))

    def _top(self, node: PageNode, parent: PageNode) -> int:
        """``node``'s top margin in ``parent``, as ``settle`` snapped it."""
        tops = self.tops.get(id(parent))
        return tops[parent.children.index(node)] if tops else snap(node.margin[0])

    @staticmethod
    def _overhang(node: PageNode, parent: PageNode) -> int:
        """How far ``node`` reaches below the bottom of ``parent``'s content box in the source (a
        line box taller than the panel it is drawn on), where it would make the parent taller: the
        last of a column, any of a row; boxes drawn in the source only, as other containers are as tall
        as their content. Given back as a negative bottom margin, the parent keeps its
        source height and what follows it its place."""
        flow = parent.flow
        if flow is None or flow.kind not in ("column", "row") or parent.region is None:
            return 0
        if flow.kind == "column" and node is not parent.children[-1]:
            return 0
        return max(0, node.box.y1 - (parent.box.y1 - flow.padding[2]))

    def _margin(self, kind: str, px: int) -> str:
        prop = {"mt": "margin-top", "mb": "margin-bottom", "ml": "margin-left"}[kind]
        name = f"{kind}-{px}" if px >= 0 else f"-{kind}-{-px}"
        return self.sheet.utility(name, f"{prop}: {px}px;")

    def element(self, node: PageNode, parent: PageNode | None, depth: int, out: list[str]) -> None:
        pad = "  " * depth
        classes = self.placement(node, parent) if parent is not None else []
        classes += self.extra.get(id(node), [])
        basis = node.box.width  # what the box's percentages resolve against: its parent's width
        if parent is not None:
            stacked = parent.flow is not None and parent.flow.kind == "stack"
            basis = parent.box.width if stacked else self.content_width(parent)
        style_attr = ""
        if parent is not None and parent.flow is not None and parent.flow.kind == "stack":
            # offsets are from the parent's content box; CSS places from its padding box
            pad_top, _, _, pad_left = parent.flow.padding
            top, left = node.margin[0] + pad_top, node.margin[1] + pad_left
            inset = _inset(left, parent.box.width, snapped=False)
            size = ""
            if node.text_style is None and node.role not in ("image", "input") and node.width:
                # placed absolutely, a box would shrink to its content: it keeps its width, or
                # what is left of its parent's on a narrower screen
                rest = "100%" if inset == "0" else f"calc(100% - {inset})"  # right of its offset
                size = f" width: min({node.width:g}px, {rest});"
            style_attr = f' style="position: absolute; top: {top}px; left: {inset};{size}"'
        if node.role == "image":
            src = self.image(node)
            cls = " ".join(["image", *classes])
            out.append(
                f'{pad}<img class="{cls}" src="{src}" width="{node.box.width}" height="{node.box.height}"'
                f' alt=""{style_attr}>'
            )
            return
        if node.text_style is not None and node.role != "button":
            out.append(f"{pad}{self.text(node, node.tag, classes, style_attr)}")
            return
        only = _text_of_item(node)
        if only is not None:
            inner = [*self.placement(only, node), *self.extra.get(id(only), [])]
            if node.tag != "li":  # a cell keeps its own box (borders, padding, width); its text wraps in it
                classes.insert(0, self.sheet.name(node.role, self.box_decl(node, basis)))
                inner = self.extra.get(id(only), [])
            out.append(f"{pad}{self.text(only, node.tag, [*classes, *inner], style_attr)}")
            return
        if node.role == "nav" and node.flow is not None and all(c.role == "link" for c in node.children):
            self.menu(node, classes, depth, out)
            return
        if node.role == "button":
            assert node.text_style is not None
            decl = self.box_decl(node, basis).replace(
                "display: flex; flex-direction: column; align-items: flex-start;", "display: inline-block;"
            )
            decl = f"{decl} {_text_decl(node.text_style, self.sheet)} white-space: nowrap;".strip()
            classes.insert(0, self.sheet.name("button", decl))
            words = _inline(node, self.sheet, "a")
            out.append(f'{pad}<a href="#" class="{" ".join(classes)}"{style_attr}>{words}</a>')
            return
        if node.role == "input":
            left = self._fixed_left(node, parent)
            most = f"calc(100% - {left}px)" if left else "100%"  # its margin too must fit a phone
            size = f"width: {node.box.width}px; max-width: {most}; height: {node.box.height}px;"
            fill = "" if node.box_style.background is not None else " background: transparent;"
            classes.insert(0, self.sheet.name("input", f"{self.box_decl(node, basis)} {size}{fill}".strip()))
            out.append(f'{pad}<input type="text" class="{" ".join(classes)}"{style_attr}>')
            return
        if node.role == "rule" or _empty(node):
            decl = self.box_decl(node, basis)
            decl += f" height: {node.height or node.box.height}px;"
            if node.role == "rule":
                decl += " border: 0;"
            role = "rule" if node.role == "rule" else "box"
            classes.insert(0, self.sheet.name(role, decl.strip()))
            tag = "hr" if node.role == "rule" else "div"
            out.append(
                f'{pad}<{tag} class="{" ".join(classes)}"{style_attr}>' + ("" if tag == "hr" else f"</{tag}>")
            )
            return
        decl = self.box_decl(node, basis)
        if node.role == "list":
            decl += " list-style: disc;" if node.bullet else " list-style: none;"
        classes.insert(0, self.sheet.name(node.role, decl.strip()))
        if _edge_to_edge(node):
            classes.append("one-line")  # see ONE_LINE: its font drawing a hair wider must not wrap it
        out.append(f'{pad}<{node.tag} class="{" ".join(classes)}"{style_attr}>')
        child_depth = depth + 1
        if node.tag == "table":
            ruled = node.flow is not None and node.flow.kind == "table"
            # in a table laid out by the flow, the rows lie in its flow as if the body were not there
            rows = "" if ruled else f' class="{self.sheet.utility("rows", "display: contents;")}"'
            out.append(f"{pad}  <tbody{rows}>")
            child_depth += 1
        for child in node.children:
            self.element(child, node, child_depth, out)
        if node.tag == "table":
            out.append(f"{pad}  </tbody>")
        out.append(f"{pad}</{node.tag}>")

    def text(self, node: PageNode, tag: str, classes: list[str], style_attr: str = "") -> str:
        """The element ``tag`` holding ``node``'s text, with its text class first."""
        assert node.text_style is not None
        role = {"heading": node.tag, "link": "link"}.get(node.role, "text")
        classes = [self.sheet.name(role, _text_decl(node.text_style, self.sheet)), *classes]
        if round(node.box.height / max(node.text_style.line_height, 1)) <= 1:
            classes.append("one-line")  # see ONE_LINE
        attrs = ' href="#"' if tag == "a" else ""
        words = _inline(node, self.sheet, tag)
        return f'<{tag}{attrs} class="{" ".join(classes)}"{style_attr}>{words}</{tag}>'

    def menu(self, nav: PageNode, classes: list[str], depth: int, out: list[str]) -> None:
        """A nav of links as menus are written: nav > ul > li > a (the ul lays the items out)."""
        pad = "  " * depth
        decl = f"{self.box_decl(nav, nav.box.width)} list-style: none;".strip()  # on the ul
        out.append(f'{pad}<nav class="{" ".join(classes)}">' if classes else f"{pad}<nav>")
        one_line = all(abs(link.box.y0 - nav.children[0].box.y0) <= SAME_LINE for link in nav.children)
        menu = " ".join([self.sheet.name("menu", decl), *(["one-line"] if one_line else [])])  # see ONE_LINE
        out.append(f'{pad}  <ul class="{menu}">')
        for link in nav.children:
            # a flex item: the link's own line height makes the item's (not the page's line box)
            item = " ".join([self.sheet.utility("menu-item", "display: flex;"), *self.placement(link, nav)])
            opening = f'<li class="{item}">'
            out.append(f"{pad}    {opening}{self.text(link, 'a', self.extra.get(id(link), []))}</li>")
        out.append(f"{pad}  </ul>")
        out.append(f"{pad}</nav>")

    def image(self, node: PageNode) -> str:
        name = node.asset or f"image-{len(self.assets) + 1}.png"
        box = node.box.clipped(self.rgb.shape[1], self.rgb.shape[0])
        crop = self.rgb[box.y0 : box.y1, box.x0 : box.x1]
        buffer = io.BytesIO()
        Image.fromarray(np.ascontiguousarray(crop)).save(buffer, format="PNG", optimize=False)
        data = buffer.getvalue()
        if self.inline_assets:
            return "data:image/png;base64," + base64.b64encode(data).decode("ascii")
        self.assets[name] = data
        return f"assets/{name}"


def _token_names(sheet: _Sheet) -> None:
    """Readable names for the tokens: the body text colour and size, the others by rank."""
    sizes = sorted(sheet.sizes)
    base = min(sizes, key=lambda s: abs(s - sheet.body_size)) if sizes else sheet.body_size
    index = sizes.index(base) if sizes else 0
    for i, size in enumerate(sizes):
        rank = SIZE_NAMES.index("base") + (i - index)
        sheet.sizes[size] = SIZE_NAMES[rank] if 0 <= rank < len(SIZE_NAMES) else f"{size:g}".replace(".", "_")


def _render_tokens(css: str, sheet: _Sheet) -> tuple[str, str]:
    """Rewrite size variables to their ranked names; return (:root body, rules)."""
    _token_names(sheet)
    lines = [f"    --color-bg: {sheet.background};"]
    ordered = sorted(sheet.colours.items(), key=lambda kv: kv[0] != sheet.body_colour)
    renames = {}
    for i, (colour, var) in enumerate(ordered):
        new = (
            "--color-text"
            if colour == sheet.body_colour
            else f"--color-{i if ordered[0][0] == sheet.body_colour else i + 1}"
        )
        renames[var] = new
        lines.append(f"    {new}: {css_hex(colour)};")
    css = re.sub(r"var\((--color-\d+)\)", lambda m: f"var({renames.get(m.group(1), m.group(1))})", css)
    for size, label in sorted(sheet.sizes.items()):
        token = f"var(--size-{size:g})".replace(".", "_")
        css = css.replace(token, f"var(--text-{label})")
        lines.append(f"    --text-{label}: {size:g}px;")
    return "\n".join(lines), css


def to_html(
    layout: Layout, rgb: np.ndarray, *, inline_assets: bool = False, title: str = "Page"
) -> tuple[str, dict[str, bytes]]:
    """The layout as an HTML page in flow layout, and the image files it links (name -> PNG)."""
    tree = build(layout)
    return write(tree, layout, rgb, inline_assets=inline_assets, title=title)


def write(
    tree: PageNode,
    layout: Layout,
    rgb: np.ndarray,
    *,
    inline_assets: bool = False,
    title: str = "Page",
    extra_classes: dict[int, list[str]] | None = None,
    extra_css: str = "",
    absent: frozenset[int] = frozenset(),
) -> tuple[str, dict[str, bytes]]:
    """Write ``tree`` (built from ``layout`` of the screenshot ``rgb``) as HTML + its assets;
    ``extra_classes`` (node id -> class names) and the ``extra_css`` that defines them come last;
    ``absent``: the nodes (by id) that ``extra_css`` hides at the screenshot's width."""
    colour, size = body_colour(layout.runs), body_size(layout.runs)
    sheet = _Sheet(colour, size, layout.background.css())
    writer = _Writer(sheet, rgb, inline_assets, extra=extra_classes or {}, absent=absent)
    writer.settle(tree)
    body: list[str] = []
    for child in tree.children:
        writer.element(child, tree, 1, body)
    rules = "\n".join(f"    .{name} {{ {decl} }}" for name, decl in sheet.rules.items())
    root, rules = _render_tokens(rules, sheet)
    if "one-line" in "".join(body):
        rules += "\n" + ONE_LINE.format(width=layout.width)
    if any(line.lstrip().startswith("<th") for line in body):
        rules += "\n" + HEADER_CELL
    if extra_css:
        rules += "\n" + extra_css
    body_html = "\n".join(body)
    page = f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)}</title>
  <style>
    :root {{
{root}
    }}
    * {{ margin: 0; padding: 0; box-sizing: border-box; }}
    html {{ background: var(--color-bg); }}
    body {{ display: flex; flex-direction: column; align-items: flex-start; min-height: {layout.height}px;
      background: var(--color-bg); color: var(--color-text); font-family: {FACES[0].css};
      overflow-wrap: anywhere; }}
    body > * {{ max-width: 100%; }}
    img {{ display: block; max-width: 100%; height: auto; }}
    a {{ color: inherit; }}
{rules}
  </style>
</head>
<body>
{body_html}
</body>
</html>
"""
    return page, writer.assets

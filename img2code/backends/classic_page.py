"""Write a page layout (``vision.page``) as one self-contained HTML page: every painted region a
``<div>`` and every text run a ``<p>``, absolutely placed where the screenshot has them."""

from __future__ import annotations

import heapq
import html
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from ..vision.colour import RGB, css_hex
from ..vision.fonts import FACES, font_metrics
from ..vision.geometry import Box
from ..vision.page import Layout
from ..vision.regions import Region
from ..vision.style import Span, TextRun

LINE_HEIGHT = 1.2  # em; text boxes are placed so that their baseline lands on the source's


class _Styles:
    """One CSS class per distinct declaration block, named by kind in order of first use."""

    def __init__(self) -> None:
        self._names: dict[tuple[str, str], str] = {}
        self._counts: dict[str, int] = {}

    def name(self, kind: str, declarations: str) -> str:
        """The class for ``declarations`` (made on first use)."""
        if (kind, declarations) not in self._names:
            self._counts[kind] = self._counts.get(kind, 0) + 1
            self._names[kind, declarations] = f"{kind}-{self._counts[kind]}"
        return self._names[kind, declarations]

    def css(self) -> str:
        """The rules, one line each, in order of first use."""
        return "\n".join(f"    .{name} {{ {decl} }}" for (_, decl), name in self._names.items())


@dataclass
class _Node:
    """An element to emit: a region or a text run, with the regions and runs drawn inside it."""

    box: Box
    region: Region | None = None
    run: TextRun | None = None
    rank: int = 0  # paint order of regions: a higher rank is drawn over a lower one
    children: list[_Node] = field(default_factory=list)


def _tree(layout: Layout) -> _Node:
    """Nest regions and runs by containment so that every element sits in what it is drawn on."""
    root = _Node(Box(0, 0, layout.width, layout.height))
    placed: list[_Node] = []  # largest first, so the last container found is the tightest
    for rank, region in enumerate(layout.regions):
        node = _Node(region.box, region=region, rank=rank)
        parent = next((p for p in reversed(placed) if p.box.contains(region.box)), root)
        parent.children.append(node)
        placed.append(node)
    for run in layout.runs:
        parent = next((p for p in reversed(placed) if p.box.contains(run.ink, slack=1)), root)
        parent.children.append(_Node(run.ink, run=run))
    return root


def _ordered(children: list[_Node]) -> list[_Node]:
    """Reading order, except that a region comes after the overlapping siblings it is drawn over.

    A topological sort that always takes the earliest ready element in reading order. Text needs
    no such care: it is lifted above every region by ``z-index``.
    """
    order = sorted(children, key=lambda c: (c.box.y0, c.box.x0))
    if len(order) < 2:
        return order
    boxes = np.array([[c.box.x0, c.box.y0, c.box.x1, c.box.y1] for c in order])
    x0, y0, x1, y1 = boxes.T
    overlap = (x0[:, None] < x1[None, :]) & (x0[None, :] < x1[:, None])
    overlap &= (y0[:, None] < y1[None, :]) & (y0[None, :] < y1[:, None])
    is_region = np.array([c.region is not None for c in order])
    rank = np.array([c.rank for c in order])
    # waits[i, j]: region i is drawn over region j, so j must come first.
    waits = overlap & is_region[:, None] & is_region[None, :] & (rank[None, :] < rank[:, None])
    pending = waits.sum(axis=1)
    ready = [i for i in range(len(order)) if pending[i] == 0]
    heapq.heapify(ready)
    result = []
    while ready:
        i = heapq.heappop(ready)
        result.append(order[i])
        for j in np.flatnonzero(waits[:, i]):
            pending[j] -= 1
            if pending[j] == 0:
                heapq.heappush(ready, int(j))
    return result


def _text_element(run: TextRun, origin: Box, styles: _Styles) -> str:
    """One run as a <p> placed so that the browser draws its baseline where the source has it."""
    size = run.font_size
    weight = 700 if run.bold else 400
    decl = f"font-size: {size:g}px; font-weight: {weight}; color: {css_hex(run.colour)};"
    if run.face != FACES[0]:
        decl = f"font-family: {run.face.css}; " + decl
    if run.underline:
        decl += " text-decoration: underline;"
    name = styles.name("text", decl)
    ascent, descent = font_metrics(run.face)
    # Chromium rounds the font's ascent and descent to whole pixels, centres them in the line box
    # and puts the baseline on a whole pixel below the box's (rounded) top: measured, not guessed.
    asc, desc = round(ascent * size), round(descent * size)
    top = round(run.baseline) - math.floor((LINE_HEIGHT * size - asc - desc) / 2 + asc)
    where = f"left: {run.left - origin.x0:.1f}px; top: {top - origin.y0}px;"
    if abs(run.letter_spacing) >= 0.05:
        where += f" letter-spacing: {run.letter_spacing:.2f}px;"
    return f'<p class="{name}" style="{where}">{_inline(run, styles)}</p>'


def spans_html(
    spans: Sequence[Span], bold: bool, colour: RGB, span_class: Callable[[Span], str], *, links: bool = True
) -> str:
    """Escaped words of a text: bold words that differ only in weight in <b>, words in another
    colour as a link (what coloured words in a text are; not with ``links`` off: in a text that is a
    link itself, as links do not nest), other differing words in a span; links and spans of the
    class ``span_class`` names."""
    pieces = []
    for span in spans:
        text = html.escape(span.text)
        if span.bold == bold and span.colour == colour:
            pieces.append(text)
        elif span.bold and not bold and span.colour == colour:
            pieces.append(f"<b>{text}</b>")
        elif span.colour != colour and links:
            pieces.append(f'<a href="#" class="{span_class(span)}">{text}</a>')
        else:
            pieces.append(f'<span class="{span_class(span)}">{text}</span>')
    return " ".join(pieces)


def _inline(run: TextRun, styles: _Styles) -> str:
    """The run's escaped text, with its bold words in <b> and other differing words in spans."""
    if not run.spans:
        return html.escape(run.text)

    def span_class(span: Span) -> str:
        decl = f"font-weight: {700 if span.bold else 400};" if span.bold != run.bold else ""
        if span.colour != run.colour:  # a link, drawn as the words were
            decl = f"{decl} color: {css_hex(span.colour)}; text-decoration: none;".strip()
        return styles.name("words", decl)

    return spans_html(run.spans, run.bold, run.colour, span_class)


def _emit(node: _Node, origin: Box, styles: _Styles, depth: int, out: list[str]) -> None:
    """Append the HTML of ``node``'s children (reading order) to ``out``."""
    pad = "  " * depth
    for child in _ordered(node.children):
        if child.run is not None:
            out.append(pad + _text_element(child.run, origin, styles))
            continue
        region = child.region
        assert region is not None
        decl = f"background: {css_hex(region.colour)};"
        if region.radius:
            decl += f" border-radius: {region.radius}px;"
        name = styles.name("image" if region.kind == "image" else "panel", decl)
        box = child.box
        where = (
            f"left: {box.x0 - origin.x0}px; top: {box.y0 - origin.y0}px; "
            f"width: {box.width}px; height: {box.height}px;"
        )
        role = ' role="img"' if region.kind == "image" else ""
        if not child.children:
            out.append(f'{pad}<div class="{name}"{role} style="{where}"></div>')
            continue
        out.append(f'{pad}<div class="{name}"{role} style="{where}">')
        _emit(child, box, styles, depth + 1, out)
        out.append(f"{pad}</div>")


def to_html(layout: Layout, title: str = "Page") -> str:
    """The layout as one self-contained HTML page with a single stylesheet."""
    styles = _Styles()
    body: list[str] = []
    _emit(_tree(layout), Box(0, 0, layout.width, layout.height), styles, 1, body)
    bg = layout.background.css()
    body_lines = "\n".join(body)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape(title)}</title>
  <style>
    * {{ margin: 0; padding: 0; box-sizing: border-box; }}
    html {{ background: {bg}; }}
    body {{ position: relative; width: {layout.width}px; height: {layout.height}px; overflow: hidden;
      background: {bg}; font-family: {FACES[0].css}; }}
    div, p {{ position: absolute; }}
    p {{ white-space: pre; line-height: {LINE_HEIGHT}; z-index: 1; }}
{styles.css()}
  </style>
</head>
<body>
{body_lines}
</body>
</html>
"""

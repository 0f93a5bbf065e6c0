"""Hand-drawn copies of draw.io diagrams: draw.io's own sketch style on every cell.

``sketch=1;curveFitting=1;jiggle=2`` makes draw.io draw rough, doubled outlines, wobbly lines and
hatched fills (rough.js): the look of a whiteboard sketch, made from diagrams whose ground truth
is known. Used to test and measure the digitiser on hand-drawn input.
"""

from __future__ import annotations

from lxml import etree

from .drawio import STRICT

SKETCH = "sketch=1;curveFitting=1;jiggle=2;"


def sketched(xml: str) -> str:
    """The diagram (plain ``<mxfile>`` or ``<mxGraphModel>`` XML) with the sketch style on every
    vertex and edge."""
    root = etree.fromstring(xml.encode("utf-8"), STRICT)
    for cell in root.iter("mxCell"):
        if cell.get("vertex") == "1" or cell.get("edge") == "1":
            style = cell.get("style", "")
            cell.set("style", (style if not style or style.endswith(";") else style + ";") + SKETCH)
    return str(etree.tostring(root, encoding="unicode"))

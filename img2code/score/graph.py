"""Structural scores of a diagram against its reference: nodes, shape types, edges and labels.

Both sides are lists of rendered cells in one pixel space (draw.io's own graph after rendering,
see ``img2code.render.drawio.RenderedCell``), so a candidate is judged by what it draws, not by
how its XML is written.

- Nodes: vertices matched one-to-one at IoU >= 0.5 (optimal assignment, scipy's
  ``linear_sum_assignment`` on IoU); precision, recall and F1 over the node counts.
- Shape accuracy: the share of matched nodes whose shape type (parsed from the style) agrees.
- Edges: (source, target, direction) mapped through the node matching; an edge without
  arrowheads (or with both) is undirected and matches its endpoints in either order. Edges with
  a loose end (no source or no target) are left out on both sides and counted apart.
  ``connection_f1`` is the same without direction: which nodes are linked at all.
- Labels: character error rate over matched nodes, total edit distance over total reference
  length, after markup is stripped and whitespace collapsed; capped at 1.0 per diagram, so one
  diagram with a long extra text cannot outweigh the others in a mean.
- Font sizes: ``font_size_agreement``, the share of matched nodes labelled on both sides whose
  font size (the style's ``fontSize``, draw.io's vertex default 12 without one) is within
  ``FONT_SIZE_TOLERANCE`` of the reference's; None when no such pair.
- Edge colours: ``edge_colour_agreement``, the share of reference edges linking two matched nodes
  that a candidate edge links too (paired one to one) and whose stroke colour (the style's
  ``strokeColor``, draw.io's black without one) is within ``COLOUR_TOLERANCE`` of the reference's
  (RGB distance); None when no such pair.
- Containment: (parent, child) pairs of nodes (a child's nearest ancestor that is a node, a
  group passed through) mapped through the node matching; ``containment_f1`` is None when
  neither side nests anything.
- Edge labels: each labelled edge (its own value and the text cells that are its children, in
  sorted order) as (linked nodes, text); a candidate's labelled edge matches when it links the
  same matched nodes (in either direction) and its text is within ``LABEL_TOLERANCE`` edits per
  character.
  ``edge_label_f1`` is None when neither side labels an edge.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.optimize import linear_sum_assignment

if TYPE_CHECKING:
    from ..render.drawio import RenderedCell

MIN_IOU = 0.5
LABEL_TOLERANCE = 0.25  # edits per reference character at which two edge labels still agree
FONT_SIZE_TOLERANCE = 0.2  # relative difference at which two labels' font sizes still agree
COLOUR_TOLERANCE = 60.0  # RGB distance at which two edges' stroke colours still agree
DEFAULT_FONT_SIZE = 12.0  # draw.io's vertex font size where a style sets none
NO_ARROW = ("none", "")
SHAPE_TYPES = ("rectangle", "rounded", "ellipse", "rhombus", "cylinder", "text", "swimlane", "other")
# Style names (the bare first token, or shape=...) that draw one of the basic types.
_SHAPE_NAMES = {
    "ellipse": "ellipse",
    "doubleellipse": "ellipse",
    "mxgraph.flowchart.start_1": "ellipse",
    "mxgraph.flowchart.start_2": "ellipse",
    "rhombus": "rhombus",
    "mxgraph.flowchart.decision": "rhombus",
    "cylinder": "cylinder",
    "cylinder3": "cylinder",
    "datastore": "cylinder",
    "mxgraph.flowchart.database": "cylinder",
    "text": "text",
    "edgelabel": "text",
    "swimlane": "swimlane",
    "rect": "rectangle",
    "rectangle": "rectangle",
    "label": "rectangle",
    "mxgraph.flowchart.process": "rectangle",
    "mxgraph.flowchart.terminator": "rounded",
}
_TAG = re.compile(r"<[^>]*>")
_BREAK = re.compile(r"<\s*(br|/div|/p|/li|/tr|/h\d)\b[^>]*>", re.IGNORECASE)


@dataclass
class GraphScores:
    """How well a candidate diagram's structure matches the reference's."""

    nodes_reference: int
    nodes_candidate: int
    nodes_matched: int
    node_precision: float
    node_recall: float
    node_f1: float
    shape_accuracy: float | None  # None when no node matched
    edges_reference: int
    edges_candidate: int
    edges_matched: int
    edge_precision: float
    edge_recall: float
    edge_f1: float
    connection_f1: float  # edges matched ignoring direction
    loose_edges_reference: int  # edges with no source or no target, not scored
    loose_edges_candidate: int
    label_cer: float | None  # None when no node matched; at most 1.0
    font_size_agreement: float | None = None  # None when no matched pair is labelled on both sides
    containment_reference: int = 0  # (parent, child) node pairs
    containment_candidate: int = 0
    containment_matched: int = 0
    containment_f1: float | None = None  # None when neither side nests a node in another
    edge_colour_agreement: float | None = None  # None when no reference edge's link is drawn too
    edge_labels_reference: int = 0  # labelled edges
    edge_labels_candidate: int = 0
    edge_labels_matched: int = 0
    edge_label_f1: float | None = None  # None when neither side labels an edge

    def as_dict(self) -> dict[str, Any]:
        """Plain values, floats rounded for result.json."""
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def parse_style(style: str) -> tuple[str | None, dict[str, str]]:
    """A draw.io style string as its bare name (the first token without ``=``) and its key=value pairs."""
    name = None
    values: dict[str, str] = {}
    for token in style.split(";"):
        token = token.strip()
        if not token:
            continue
        if "=" in token:
            key, value = token.split("=", 1)
            values[key.strip()] = value.strip()
        elif name is None:
            name = token
    return name, values


def shape_type(style: str) -> str:
    """The basic shape a vertex style draws: one of ``SHAPE_TYPES``."""
    name, values = parse_style(style)
    for candidate in (values.get("shape"), name):
        if candidate and candidate.lower() in _SHAPE_NAMES:
            kind = _SHAPE_NAMES[candidate.lower()]
            break
    else:
        if values.get("shape") or name:
            return "other"
        kind = "rectangle"
    if kind == "rectangle" and values.get("rounded") == "1":
        kind = "rounded"
    unpainted = values.get("fillColor") == "none" and values.get("strokeColor") == "none"
    return "text" if kind in ("rectangle", "rounded") and unpainted else kind  # only a label shows


def normalise_label(label: str) -> str:
    """A label as plain text: markup stripped (line breaks kept as spaces), whitespace collapsed."""
    if "<" in label and ">" in label:
        label = _TAG.sub("", _BREAK.sub(" ", label))
    return " ".join(html.unescape(label).split())


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions and substitutions cost 1)."""
    if len(a) < len(b):
        a, b = b, a
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def is_node(cell: RenderedCell, edge_ids: set[str]) -> bool:
    """Whether a vertex is a node to score: drawn with an area, not an edge's label, not a bare group."""
    if not cell.vertex or cell.width <= 0 or cell.height <= 0:
        return False
    if cell.parent is not None and cell.parent in edge_ids:
        return False
    return parse_style(cell.style)[0] != "group"


def nodes_of(cells: Iterable[RenderedCell]) -> list[RenderedCell]:
    """The vertices of ``cells`` that count as nodes (see ``is_node``)."""
    cells = list(cells)
    edge_ids = {c.id for c in cells if c.edge}
    return [c for c in cells if is_node(c, edge_ids)]


def iou_matrix(reference: Sequence[RenderedCell], candidate: Sequence[RenderedCell]) -> np.ndarray:
    """Intersection over union of every reference box with every candidate box."""
    if not reference or not candidate:
        return np.zeros((len(reference), len(candidate)))
    ref = np.array([[c.x, c.y, c.x + c.width, c.y + c.height] for c in reference], dtype=float)
    cand = np.array([[c.x, c.y, c.x + c.width, c.y + c.height] for c in candidate], dtype=float)
    w = np.minimum(ref[:, None, 2], cand[None, :, 2]) - np.maximum(ref[:, None, 0], cand[None, :, 0])
    h = np.minimum(ref[:, None, 3], cand[None, :, 3]) - np.maximum(ref[:, None, 1], cand[None, :, 1])
    inter = np.clip(w, 0, None) * np.clip(h, 0, None)
    area_ref = (ref[:, 2] - ref[:, 0]) * (ref[:, 3] - ref[:, 1])
    area_cand = (cand[:, 2] - cand[:, 0]) * (cand[:, 3] - cand[:, 1])
    union = area_ref[:, None] + area_cand[None, :] - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def match_nodes(
    reference: Sequence[RenderedCell], candidate: Sequence[RenderedCell], min_iou: float = MIN_IOU
) -> list[tuple[int, int]]:
    """One-to-one pairs (reference index, candidate index) maximising total IoU, each pair >= ``min_iou``."""
    iou = iou_matrix(reference, candidate)
    if iou.size == 0:
        return []
    rows, cols = linear_sum_assignment(iou, maximize=True)
    return [(int(r), int(c)) for r, c in zip(rows, cols, strict=True) if iou[r, c] >= min_iou]


def direction(style: str) -> str:
    """``forward`` (arrowhead at the target), ``backward`` (at the source) or ``none`` (neither or both).

    draw.io draws ``endArrow=classic`` when the style does not say otherwise.
    """
    _, values = parse_style(style)
    end = values.get("endArrow", "classic") not in NO_ARROW
    start = values.get("startArrow", "none") not in NO_ARROW
    if end == start:
        return "none"
    return "forward" if end else "backward"


def _edge_keys(edges: Iterable[RenderedCell], node_map: dict[str, str]) -> Counter[tuple[str, str, bool]]:
    """Edges as (from, to, directed) keys in the shared node naming; undirected ends sorted."""
    keys: Counter[tuple[str, str, bool]] = Counter()
    for edge in edges:
        a, b = node_map.get(edge.source or ""), node_map.get(edge.target or "")
        if a is None or b is None:
            # An endpoint that is no matched node: a key nothing on the other side can equal.
            a = a or f"?{edge.id}:s"
            b = b or f"?{edge.id}:t"
        way = direction(edge.style)
        if way == "backward":
            a, b = b, a
        if way == "none":
            a, b = sorted((a, b))
        keys[a, b, way != "none"] += 1
    return keys


def _f1(precision: float, recall: float) -> float:
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def _ratio(part: int, whole: int) -> float:
    """``part / whole``, counting nothing out of nothing as perfect."""
    return part / whole if whole else (1.0 if part == 0 else 0.0)


def _prf(matched: int, n_ref: int, n_cand: int) -> tuple[float, float, float]:
    precision, recall = _ratio(matched, n_cand), _ratio(matched, n_ref)
    if n_ref == 0 and n_cand == 0:
        return 1.0, 1.0, 1.0
    return precision, recall, _f1(precision, recall)


def _label_cer(pairs: Sequence[tuple[RenderedCell, RenderedCell]]) -> float | None:
    if not pairs:
        return None
    distance = length = 0
    for ref, cand in pairs:
        a, b = normalise_label(ref.label), normalise_label(cand.label)
        distance += edit_distance(a, b)
        length += len(a)
    return min(1.0, distance / length) if length else (0.0 if distance == 0 else 1.0)


def font_size(style: str) -> float:
    """The font size a vertex style draws its label in (draw.io's default where it sets none)."""
    try:
        return float(parse_style(style)[1].get("fontSize", DEFAULT_FONT_SIZE))
    except ValueError:
        return DEFAULT_FONT_SIZE


def _font_size_agreement(pairs: Sequence[tuple[RenderedCell, RenderedCell]]) -> float | None:
    labelled = [(r, c) for r, c in pairs if normalise_label(r.label) and normalise_label(c.label)]
    if not labelled:
        return None
    agree = sum(
        abs(font_size(c.style) - font_size(r.style)) <= FONT_SIZE_TOLERANCE * font_size(r.style)
        for r, c in labelled
    )
    return agree / len(labelled)


def stroke_colour(style: str) -> tuple[int, int, int] | None:
    """An edge's stroke colour as RGB: draw.io's black where the style sets none (or ``default``);
    None for ``none`` or a value that is no ``#rrggbb``/``#rgb`` colour."""
    value = parse_style(style)[1].get("strokeColor", "default").strip().lower()
    if value == "default":
        return 0, 0, 0
    digits = value.removeprefix("#")
    hexadecimal = all(c in "0123456789abcdef" for c in digits)
    if not value.startswith("#") or len(digits) not in (3, 6) or not hexadecimal:
        return None
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _edge_colour_agreement(
    reference: Sequence[RenderedCell],
    candidate: Sequence[RenderedCell],
    ref_names: dict[str, str],
    cand_names: dict[str, str],
) -> float | None:
    """The share of reference edges between matched nodes whose link a candidate edge draws too
    (one to one, direction aside) in a stroke colour within ``COLOUR_TOLERANCE``."""
    drawn: dict[tuple[str, str], list[tuple[int, int, int] | None]] = {}
    for edge in candidate:
        a, b = cand_names.get(edge.source or ""), cand_names.get(edge.target or "")
        if a and b:
            drawn.setdefault((min(a, b), max(a, b)), []).append(stroke_colour(edge.style))
    paired = agree = 0
    for edge in reference:
        a, b = ref_names.get(edge.source or ""), ref_names.get(edge.target or "")
        colours = drawn.get((min(a, b), max(a, b)), []) if a and b else []
        wanted = stroke_colour(edge.style)
        if not colours or wanted is None:
            continue
        got = colours.pop(0)
        paired += 1
        agree += got is not None and float(np.linalg.norm(np.subtract(got, wanted))) <= COLOUR_TOLERANCE
    return agree / paired if paired else None


def _node_parents(cells: Sequence[RenderedCell], nodes: Sequence[RenderedCell]) -> dict[str, str]:
    """Each nested node's nearest ancestor that is a node (groups and other non-nodes passed through)."""
    parent_of = {c.id: c.parent for c in cells}
    node_ids = {n.id for n in nodes}
    parents: dict[str, str] = {}
    for node in nodes:
        seen = {node.id}
        up = parent_of.get(node.id)
        while up is not None and up not in seen:
            if up in node_ids:
                parents[node.id] = up
                break
            seen.add(up)
            up = parent_of.get(up)
    return parents


def _containment(
    reference: Sequence[RenderedCell],
    ref_nodes: Sequence[RenderedCell],
    candidate: Sequence[RenderedCell],
    cand_nodes: Sequence[RenderedCell],
    cand_names: dict[str, str],
) -> tuple[int, int, int, float | None]:
    """(parent, child) pairs on each side, how many agree through the node matching, and their F1."""
    ref_pairs = {(f"r:{p}", f"r:{c}") for c, p in _node_parents(reference, ref_nodes).items()}
    cand_pairs = {(cand_names[p], cand_names[c]) for c, p in _node_parents(candidate, cand_nodes).items()}
    matched = len(ref_pairs & cand_pairs)
    f1 = _prf(matched, len(ref_pairs), len(cand_pairs))[2] if ref_pairs or cand_pairs else None
    return len(ref_pairs), len(cand_pairs), matched, f1


def _edge_labels(cells: Sequence[RenderedCell], names: dict[str, str]) -> list[tuple[tuple[str, str], str]]:
    """Labelled edges as (their two ends in the shared naming, sorted; the label's plain text)."""
    texts: dict[str, list[str]] = {}
    edges = [c for c in cells if c.edge]
    for edge in edges:
        texts[edge.id] = [normalise_label(edge.label)]
    for cell in cells:
        if cell.vertex and cell.parent in texts:
            texts[cell.parent].append(normalise_label(cell.label))
    labelled = []
    for edge in edges:
        text = " ".join(sorted(t for t in texts[edge.id] if t))  # the cells' order means nothing
        if text:
            a = names.get(edge.source or "", f"?{edge.id}:s")
            b = names.get(edge.target or "", f"?{edge.id}:t")
            labelled.append(((min(a, b), max(a, b)), text))
    return labelled


def _same_text(reference: str, candidate: str) -> bool:
    a, b = reference.lower(), candidate.lower()
    return edit_distance(a, b) <= max(1.0, LABEL_TOLERANCE * len(a))  # one slip always passes


def _edge_label_scores(
    reference: Sequence[RenderedCell],
    candidate: Sequence[RenderedCell],
    ref_names: dict[str, str],
    cand_names: dict[str, str],
) -> tuple[int, int, int, float | None]:
    """Labelled edges on each side, how many agree (same linked nodes, close text), and their F1."""
    ref_labels, cand_labels = _edge_labels(reference, ref_names), _edge_labels(candidate, cand_names)
    unused = list(cand_labels)
    matched = 0
    for ends, text in ref_labels:
        hit = next((i for i, (e, t) in enumerate(unused) if e == ends and _same_text(text, t)), None)
        if hit is not None:
            matched += 1
            unused.pop(hit)
    total = len(ref_labels), len(cand_labels)
    f1 = _prf(matched, *total)[2] if any(total) else None
    return *total, matched, f1


def score_graph(
    reference: Sequence[RenderedCell], candidate: Sequence[RenderedCell], min_iou: float = MIN_IOU
) -> GraphScores:
    """Compare a candidate diagram's rendered cells with the reference's (see the module docstring)."""
    ref_nodes, cand_nodes = nodes_of(reference), nodes_of(candidate)
    pairs = match_nodes(ref_nodes, cand_nodes, min_iou)
    node_p, node_r, node_f1 = _prf(len(pairs), len(ref_nodes), len(cand_nodes))
    matched = [(ref_nodes[r], cand_nodes[c]) for r, c in pairs]
    same_shape = sum(shape_type(r.style) == shape_type(c.style) for r, c in matched)

    # Name matched nodes by their reference id on both sides; unmatched ones keep a side-tagged id.
    ref_names = {n.id: f"r:{n.id}" for n in ref_nodes}
    cand_names = {n.id: f"c:{n.id}" for n in cand_nodes}
    for ref, cand in matched:
        cand_names[cand.id] = ref_names[ref.id]
    ref_edges = [e for e in reference if e.edge]
    cand_edges = [e for e in candidate if e.edge]
    ref_tied = [e for e in ref_edges if e.source and e.target]
    cand_tied = [e for e in cand_edges if e.source and e.target]
    ref_keys, cand_keys = _edge_keys(ref_tied, ref_names), _edge_keys(cand_tied, cand_names)
    edges_matched = sum((ref_keys & cand_keys).values())
    edge_p, edge_r, edge_f1 = _prf(edges_matched, len(ref_tied), len(cand_tied))

    linked = sum((_unordered(ref_keys) & _unordered(cand_keys)).values())
    connection_f1 = _prf(linked, len(ref_tied), len(cand_tied))[2]
    nesting = _containment(reference, ref_nodes, candidate, cand_nodes, cand_names)
    edge_labels = _edge_label_scores(reference, candidate, ref_names, cand_names)
    return GraphScores(
        nodes_reference=len(ref_nodes),
        nodes_candidate=len(cand_nodes),
        nodes_matched=len(pairs),
        node_precision=node_p,
        node_recall=node_r,
        node_f1=node_f1,
        shape_accuracy=same_shape / len(matched) if matched else None,
        edges_reference=len(ref_tied),
        edges_candidate=len(cand_tied),
        edges_matched=edges_matched,
        edge_precision=edge_p,
        edge_recall=edge_r,
        edge_f1=edge_f1,
        connection_f1=connection_f1,
        loose_edges_reference=len(ref_edges) - len(ref_tied),
        loose_edges_candidate=len(cand_edges) - len(cand_tied),
        label_cer=_label_cer(matched),
        font_size_agreement=_font_size_agreement(matched),
        edge_colour_agreement=_edge_colour_agreement(ref_tied, cand_tied, ref_names, cand_names),
        containment_reference=nesting[0],
        containment_candidate=nesting[1],
        containment_matched=nesting[2],
        containment_f1=nesting[3],
        edge_labels_reference=edge_labels[0],
        edge_labels_candidate=edge_labels[1],
        edge_labels_matched=edge_labels[2],
        edge_label_f1=edge_labels[3],
    )


def _unordered(keys: Counter[tuple[str, str, bool]]) -> Counter[tuple[str, str]]:
    """The same edges with direction dropped: endpoints sorted."""
    pairs: Counter[tuple[str, str]] = Counter()
    for (a, b, _), count in keys.items():
        pairs[min(a, b), max(a, b)] += count
    return pairs

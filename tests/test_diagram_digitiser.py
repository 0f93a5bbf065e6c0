"""The classic diagram digitiser: shapes, connectors, arrowheads and labels read back from pixels.

The round trips render a diagram of the project's own with draw.io, digitise the picture with the
classic backend, render the answer the way a run does, and score it against draw.io's own graph.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image
from test_drawio_render import DIAGRAMS

from img2code.backends.base import GenerationRequest
from img2code.backends.classic import ClassicBackend
from img2code.config import GenerationOptions
from img2code.render.browser import Browser
from img2code.render.drawio import render_drawio
from img2code.score.graph import score_graph, shape_type
from img2code.targets.drawio import DrawioTarget
from img2code.vision import ocr
from img2code.vision.connectors import find_connectors
from img2code.vision.diagram import Diagram, _hugs, digitise, is_figure
from img2code.vision.dots import find_dots
from img2code.vision.geometry import Box
from img2code.vision.glyphs import find_glyphs, without_arrowheads
from img2code.vision.lifelines import extend_lifelines
from img2code.vision.ocr import TextLine
from img2code.vision.shapes import find_shapes

BLACK = (0, 0, 0)
FIGURE_PAGE = [
    ("Action", 10, 40, 17),
    ("Object", 60, 42, 17),
    ("of", 100, 46, 74),
    ("oK.", 300, 58, 69),
    ("No", 200, 20, 17),
]


def digitised(image: Image.Image) -> str:
    """The classic backend's answer for a diagram picture, as a run asks for it."""
    request = GenerationRequest("drawio", "generate", "", [image], GenerationOptions())
    return ClassicBackend().generate(request).text


@pytest.mark.parametrize(
    ("name", "min_node_f1", "min_edge_f1"),
    [
        ("order_flow.drawio", 1.0, 1.0),
        ("flowchart.drawio", 0.95, 0.8),
        # lines leave the circles across their shadows' rims: no arrowhead at those ends
        ("shadowed_events.drawio", 1.0, 1.0),
        # lines arrive at the ellipses by their shadows: the shadows' rims are no line ink
        ("shadowed_use_cases.drawio", 1.0, 1.0),
    ],
)
def test_round_trip_keeps_nodes_edges_and_labels(
    browser: Browser,
    name: str,
    min_node_f1: float,
    min_edge_f1: float,
) -> None:
    reference = render_drawio(browser, (DIAGRAMS / name).read_text())
    answer = digitised(reference.image)
    extraction = DrawioTarget().extract(answer)
    assert extraction.repairs == []  # a plain, valid file: nothing for the target to fix
    width, height = reference.image.size
    candidate = DrawioTarget().render(browser, extraction.code, width, height)
    scores = score_graph(reference.cells, candidate.cells)
    assert scores.node_f1 >= min_node_f1, scores
    assert scores.edge_f1 >= min_edge_f1, scores
    assert scores.shape_accuracy is not None and scores.shape_accuracy >= 0.8, scores
    assert scores.label_cer is not None and scores.label_cer <= 0.1, scores


def test_order_flow_shapes_styles_and_edges(browser: Browser) -> None:
    """The project's fixture read back: kinds, fills, a dashed plain line and the edge labels."""
    reference = render_drawio(browser, (DIAGRAMS / "order_flow.drawio").read_text())
    diagram = digitise(np.asarray(reference.image))
    kinds = sorted(node.shape.kind for node in diagram.nodes if node.shape is not None)
    assert kinds == ["cylinder", "ellipse", "rectangle", "rectangle", "rhombus", "rounded"]
    texts = [node.label.text for node in diagram.nodes if node.shape is None and node.label]
    assert texts == ["Checked every hour"]
    start = next(n for n in diagram.nodes if n.label and n.label.text == "New order")
    assert start.shape is not None and start.shape.fill == (213, 232, 212)  # #d5e8d4
    labels = sorted(e.label.text for e in diagram.edges if e.label is not None)
    assert labels == ["no", "yes"]
    dashed = [e.connector for e in diagram.edges if e.connector.stroke.dashed]
    assert len(dashed) == 1 and not dashed[0].head_source and not dashed[0].head_target
    assert max(e.connector.stroke.width for e in diagram.edges) == 2


def _boxes_and_arrow(reverse: bool) -> np.ndarray:
    """Two outlined boxes joined by a line with a filled arrowhead at one end."""
    image = np.full((160, 360, 3), 255, np.uint8)
    cv2.rectangle(image, (20, 50), (120, 110), BLACK, 1)
    cv2.ellipse(image, ((290, 80), (120, 60), 0), BLACK, 1)
    tip, tail = ((228, 80), (122, 80)) if not reverse else ((122, 80), (228, 80))
    cv2.line(image, tail, tip, BLACK, 1)
    back = -10 if not reverse else 10
    head = np.array([tip, (tip[0] + back, tip[1] - 5), (tip[0] + back, tip[1] + 5)], np.int32)
    cv2.fillPoly(image, [head], BLACK)
    return image


@pytest.mark.parametrize("reverse", [False, True])
def test_arrowhead_gives_the_direction(reverse: bool) -> None:
    diagram = digitise(_boxes_and_arrow(reverse))
    kinds = [node.shape.kind for node in diagram.nodes if node.shape is not None]
    assert sorted(kinds) == ["ellipse", "rectangle"]
    assert len(diagram.edges) == 1
    link = diagram.edges[0].connector
    source, target = diagram.nodes[link.source].shape, diagram.nodes[link.target].shape
    heads = (link.head_source, link.head_target)
    # One arrowhead, at the ellipse when drawn left to right, at the box when reversed.
    assert heads in ((False, True), (True, False))
    pointed_at = target if link.head_target else source
    assert pointed_at is not None and pointed_at.kind == ("rectangle" if reverse else "ellipse")


def test_emitted_styles_are_drawio_native() -> None:
    answer = digitised(Image.fromarray(_boxes_and_arrow(False)))
    extraction = DrawioTarget().extract(answer)
    assert extraction.repairs == []
    assert 'style="ellipse;' in answer and 'edge="1"' in answer and "endArrow=classic" in answer
    assert shape_type("rounded=0;whiteSpace=wrap;html=1;") == "rectangle"


def test_grid_of_equal_cells_is_a_table_not_swimlanes() -> None:
    """Rows of equal cells stay rectangles; a bar on a deeper body is a swimlane's title."""
    image = np.full((260, 420, 3), 255, np.uint8)
    for x in (20, 100, 180):
        for y in (20, 50, 80, 110):
            cv2.rectangle(image, (x, y), (x + 80, y + 30), BLACK, 1)
    cv2.rectangle(image, (280, 20), (400, 46), BLACK, 1)  # a title bar ...
    cv2.rectangle(image, (280, 46), (400, 160), BLACK, 1)  # ... on its body
    page = (255, 255, 255)
    kinds = sorted(s.kind for s in find_shapes(image, page))
    assert kinds == ["rectangle"] * 12 + ["swimlane"]


def test_a_cell_on_a_wider_one_is_a_table_cell_not_a_folder_tab() -> None:
    """A small box on the top left of a wider one is a folder's tab only with nothing beside it."""
    image = np.full((200, 520, 3), 255, np.uint8)
    cv2.rectangle(image, (20, 40), (60, 54), BLACK, 1)  # a tab ...
    cv2.rectangle(image, (20, 54), (220, 124), BLACK, 1)  # ... on its package
    for x in (280, 380):  # a table's last row of two cells ...
        cv2.rectangle(image, (x, 40), (x + 100, 70), BLACK, 1)
    cv2.rectangle(image, (280, 70), (440, 110), BLACK, 1)  # ... over a wider total cell
    kinds = sorted(s.kind for s in find_shapes(image, (255, 255, 255)))
    assert kinds == ["folder"] + ["rectangle"] * 3


def test_filled_circle_is_an_ellipse() -> None:
    image = np.full((120, 120, 3), 255, np.uint8)
    cv2.circle(image, (60, 60), 40, (40, 120, 200), -1, cv2.LINE_AA)
    shapes = find_shapes(image, (255, 255, 255))
    assert [s.kind for s in shapes] == ["ellipse"]


def _arrow(image: np.ndarray, tail: tuple[int, int], tip: tuple[int, int], dash: int = 0) -> None:
    """A 2 px line from ``tail`` to ``tip`` (dashes and gaps of ``dash`` px when set), with a head."""
    start, end = np.array(tail, float), np.array(tip, float)
    length = float(np.hypot(*(end - start)))
    unit = (end - start) / length
    step = dash or length
    for at in np.arange(0, length - 12, 2 * step if dash else length):
        a, b = start + unit * at, start + unit * min(at + step, length - 12)
        cv2.line(image, tuple(int(v) for v in a), tuple(int(v) for v in b), BLACK, 2)
    normal = np.array([-unit[1], unit[0]])
    back = end - unit * 14
    head = np.array([end, back + normal * 6, back - normal * 6], np.int32)
    cv2.fillPoly(image, [head], BLACK)


def _links(diagram: Diagram) -> set[tuple[tuple[int, int], tuple[int, int]]]:
    """Each edge as (source box's top left, target box's top left)."""
    found = set()
    for edge in diagram.edges:
        source, target = (diagram.nodes[i].box for i in (edge.connector.source, edge.connector.target))
        if edge.connector.head_source and not edge.connector.head_target:
            source, target = target, source
        found.add(((source.x0, source.y0), (target.x0, target.y0)))
    return found


def test_crossing_lines_link_their_own_ends() -> None:
    image = np.full((400, 520, 3), 255, np.uint8)
    for x, y in ((20, 20), (400, 20), (20, 300), (400, 300)):
        cv2.rectangle(image, (x, y), (x + 90, y + 60), BLACK, 1)
    _arrow(image, (70, 82), (430, 298))  # top left to bottom right
    _arrow(image, (445, 82), (80, 298))  # top right to bottom left, across the first
    diagram = digitise(image)
    assert _links(diagram) == {((20, 20), (400, 300)), ((400, 20), (20, 300))}
    assert all(e.connector.head_source != e.connector.head_target for e in diagram.edges)


def test_slanted_dashed_line_with_wide_gaps_is_one_edge() -> None:
    image = np.full((400, 400, 3), 255, np.uint8)
    cv2.rectangle(image, (20, 20), (110, 80), BLACK, 1)
    cv2.rectangle(image, (250, 300), (340, 360), BLACK, 1)
    _arrow(image, (112, 82), (280, 298), dash=8)
    diagram = digitise(image)
    assert _links(diagram) == {((20, 20), (250, 300))}
    assert diagram.edges[0].connector.stroke.dashed


def test_thin_slanted_edges_keep_their_colours_not_their_anti_aliased_edges(browser: Browser) -> None:
    # draw.io's 1 px lines at a slant are mostly blends with the page: read as grey (#b3b3b3 for
    # black) before the line's colour came from its cores
    reference = render_drawio(browser, (DIAGRAMS / "slanted_edges.drawio").read_text())
    width, height = reference.image.size
    candidate = DrawioTarget().render(browser, digitised(reference.image), width, height)
    scores = score_graph(reference.cells, candidate.cells)
    assert scores.connection_f1 == 1, scores
    assert scores.edge_colour_agreement == 1, scores


def test_messages_starting_at_a_dot_keep_their_bars_whole_and_the_dot_as_a_marker(browser: Browser) -> None:
    # draw.io's sequence message from a bar: a filled dot on the bar's side, once cut the bar apart
    reference = render_drawio(browser, (DIAGRAMS / "dotted_messages.drawio").read_text())
    answer = digitised(reference.image)
    width, height = reference.image.size
    candidate = DrawioTarget().render(browser, answer, width, height)
    scores = score_graph(reference.cells, candidate.cells)
    assert (scores.node_f1, scores.edge_f1) == (1, 1), scores
    assert answer.count("startArrow=oval") == 4


@pytest.mark.parametrize(("name", "dots"), [("dotted_messages.drawio", 4), ("flowchart.drawio", 0)])
def test_dots_are_found_and_arrowheads_are_no_dots(browser: Browser, name: str, dots: int) -> None:
    # an opening leaves a filled arrowhead's core round too: its barbs and tip give it away
    image = np.asarray(render_drawio(browser, (DIAGRAMS / name).read_text()).image.convert("RGB"))
    found = find_dots(image, (255, 255, 255))
    assert len(found) == dots, found
    assert all(3 <= dot.radius <= 6 for dot in found)


def test_a_shadow_is_seen_round_any_outline_not_only_under_a_flat_bottom(browser: Browser) -> None:
    # a rhombus's shadow shows along its lower sides, not under the middle of its box
    image = np.asarray(render_drawio(browser, (DIAGRAMS / "shadowed_decision.drawio").read_text()).image)
    shapes = find_shapes(image[:, :, :3].copy(), (255, 255, 255), [])
    found = sorted((s.box.y0 // 50, s.box.x0 // 50, s.kind, s.shadow) for s in shapes)
    assert [(kind, shadow) for _, _, kind, shadow in found] == [
        ("rhombus", True),
        ("ellipse", True),
        ("rhombus", False),
    ], found


def test_a_route_running_along_its_shape_s_side_all_the_way_is_no_connector() -> None:
    # a drawing's shaded bottom edge, traced from the icon to the one beside it, hugs the first
    icon = Box(2088, 1111, 2132, 1160)
    assert _hugs(((2089, 1162), (2117, 1162)), icon)
    assert not _hugs(((2110, 1162), (2110, 1190)), icon)  # a line leaving the icon's bottom
    assert not _hugs(((2133, 1130), (2160, 1130)), icon)  # a short line off its right side


def test_activation_bar_is_a_shape_and_a_thin_strip_no_title_bar() -> None:
    """A sequence diagram's 10 px activation bar is a shape; a 10 px coloured strip on a box is a
    shape of its own, not the title bar of a swimlane (no line of text fits in it)."""
    image = np.full((260, 320, 3), 255, np.uint8)
    cv2.rectangle(image, (40, 40), (50, 200), BLACK, 1)
    cv2.rectangle(image, (120, 40), (300, 50), (120, 180, 240), -1)
    cv2.rectangle(image, (120, 40), (300, 50), BLACK, 1)
    cv2.rectangle(image, (120, 50), (300, 220), BLACK, 1)
    shapes = find_shapes(image, (255, 255, 255))
    sizes = sorted((s.kind, s.box.width, s.box.height) for s in shapes)
    assert sizes == [("rectangle", 10, 160), ("rectangle", 180, 10), ("rectangle", 180, 170)]


def test_plain_lines_joining_a_bus_just_before_their_shapes_have_no_arrowheads() -> None:
    """Short stubs from a bus to small boxes (an org chart's fan) end plainly: the bus a few
    pixels behind an end is no arrowhead."""
    image = np.full((260, 200, 3), 255, np.uint8)
    cv2.rectangle(image, (2, 135), (30, 165), BLACK, 1)
    cv2.line(image, (31, 150), (50, 150), BLACK, 1)
    cv2.line(image, (50, 80), (50, 220), BLACK, 1)
    for y in (80, 120, 180, 220):
        cv2.rectangle(image, (62, y - 7), (82, y + 7), BLACK, 1)
        cv2.line(image, (50, y), (61, y), BLACK, 1)
    diagram = digitise(image)
    assert len(diagram.edges) == 4
    assert not any(e.connector.head_source or e.connector.head_target for e in diagram.edges)


def test_lifeline_mostly_under_an_activation_bar_on_a_coloured_page() -> None:
    """A lifeline whose dashed line is mostly hidden under a white activation bar (on a coloured
    page, where the bar's fill is as unlike the page as the dashes) is still a lifeline."""
    teal, white = (0, 102, 102), (255, 255, 255)
    image = np.full((420, 360, 3), teal, np.uint8)
    for left, bar in ((20, (70, 380)), (200, (70, 140))):
        cv2.rectangle(image, (left, 20), (left + 100, 60), white, -1)
        cv2.rectangle(image, (left, 20), (left + 100, 60), BLACK, 1)
        for y in range(62, 410, 8):
            cv2.line(image, (left + 50, y), (left + 50, y + 3), BLACK, 1)
        cv2.rectangle(image, (left + 45, bar[0]), (left + 55, bar[1]), white, -1)
        cv2.rectangle(image, (left + 45, bar[0]), (left + 55, bar[1]), BLACK, 1)
    shapes = extend_lifelines(image, find_shapes(image, teal), teal)
    assert sorted(s.kind for s in shapes) == ["lifeline", "lifeline", "rectangle", "rectangle"]


def test_activation_bars_level_on_two_lifelines_are_no_lifelines() -> None:
    """Bars at one height on two lifelines, each with the dashed line going on below it, stand on
    their lifelines: they are no row of lifelines of their own."""
    image = np.full((420, 360, 3), 255, np.uint8)
    for left in (20, 200):
        cv2.rectangle(image, (left, 20), (left + 100, 60), BLACK, 1)
        for y in range(62, 410, 8):
            cv2.line(image, (left + 50, y), (left + 50, y + 3), BLACK, 1)
        cv2.rectangle(image, (left + 45, 100), (left + 55, 180), (255, 255, 255), -1)
        cv2.rectangle(image, (left + 45, 100), (left + 55, 180), BLACK, 1)
    shapes = extend_lifelines(image, find_shapes(image, (255, 255, 255)), (255, 255, 255))
    kinds = sorted((s.kind, s.box.height > 300) for s in shapes)
    assert kinds == [("lifeline", True), ("lifeline", True), ("rectangle", False), ("rectangle", False)]


def test_a_stick_figure_read_as_a_short_word_is_no_text() -> None:
    """OCR reads a stick figure as "of" or "oK.": a word of one or two letters far taller than the
    page's words is a drawing; a short word of the page's size is text."""
    lines = [TextLine(t, Box(10, y, 10 + w, y + h), 0.9, ()) for t, y, w, h in FIGURE_PAGE]
    assert [ln.text for ln in lines if is_figure(ln, lines)] == ["of", "oK."]


def test_reading_a_lone_glyph_leaves_the_ocr_detecting() -> None:
    """The recogniser alone reads a cut-out glyph, and the next full read still finds text (the
    engine keeps the steps of its last call)."""
    page = np.full((80, 320, 3), 255, np.uint8)
    cv2.putText(page, "Order 42", (20, 50), cv2.FONT_HERSHEY_SIMPLEX, 1.0, BLACK, 2)
    glyph = np.full((40, 40, 3), 255, np.uint8)
    cv2.putText(glyph, "7", (10, 30), cv2.FONT_HERSHEY_SIMPLEX, 0.8, BLACK, 2)
    assert ocr.recognise(glyph)[0] == "7"
    assert [line.text for line in ocr.read_text(page)] == ["Order 42"]


def test_a_multiplicity_read_with_its_arrowhead_loses_the_arrowhead() -> None:
    assert [without_arrowheads(t) for t in ("0..1V", "个0..1", "1 <", "V", "4", "Yes", "Vendor")] == [
        "0..1",
        "0..1",
        "1",
        "V",
        "4",
        "Yes",
        "Vendor",
    ]


def test_a_glyph_in_its_own_label_box_on_a_filled_frame_is_read() -> None:
    """Multiplicities drawn in small white label boxes inside a teal frame (draw.io's
    labelBackgroundColor), which OCR did not read, are found and read by the glyph finder."""
    white, teal = (255, 255, 255), (0, 102, 102)
    image = np.full((300, 700, 3), 255, np.uint8)
    cv2.rectangle(image, (10, 10), (690, 290), teal, -1)
    cv2.rectangle(image, (10, 10), (690, 290), BLACK, 1)
    for x in (60, 440):
        cv2.rectangle(image, (x, 110), (x + 200, 190), white, -1)
        cv2.rectangle(image, (x, 110), (x + 200, 190), BLACK, 1)
    cv2.line(image, (260, 150), (440, 150), BLACK, 1)
    for x in (272, 420):
        cv2.rectangle(image, (x - 2, 128), (x + 9, 143), white, -1)
        cv2.putText(image, "1", (x, 140), cv2.FONT_HERSHEY_SIMPLEX, 0.4, BLACK, 1, cv2.LINE_AA)
    shapes = find_shapes(image, white)
    connectors = find_connectors(image, shapes, white, [])
    glyphs = find_glyphs(image, white, shapes, connectors, [])
    assert sorted((g.text, g.box.x0 // 100) for g in glyphs) == [("1", 2), ("1", 4)]

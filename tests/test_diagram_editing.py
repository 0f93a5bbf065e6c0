"""Digitised diagrams edit like hand-made ones: nesting, labels on their edges, no gaps as edges,
a Mermaid copy of the graph, and hand-drawn (sketch style) input.

Each fixture is rendered with draw.io, read back with the classic digitiser, rendered again and
compared with draw.io's own graph of the fixture.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from lxml import etree
from test_drawio_render import DIAGRAMS

from img2code.backends.classic_drawio import to_drawio
from img2code.config import RunConfig
from img2code.errors import InputError
from img2code.evaluate import describe_summary, summarise
from img2code.render.browser import Browser
from img2code.render.drawio import DiagramRender, render_drawio
from img2code.score.graph import GraphScores, parse_style, score_graph
from img2code.targets.drawio import DrawioTarget
from img2code.targets.drawio_sketch import sketched
from img2code.targets.mermaid import check_mermaid, drawio_to_mermaid
from img2code.vision.diagram import digitise
from img2code.vision.frames import frame_tab
from img2code.vision.geometry import Box
from img2code.vision.hatching import unhatched
from img2code.vision.lollipops import find_lollipops
from img2code.vision.ocr import read_text
from img2code.vision.shapes import find_shapes


def round_trip(browser: Browser, xml: str) -> tuple[str, DiagramRender, GraphScores]:
    """The digitised file of a fixture's render, that file's render, and its scores."""
    reference = render_drawio(browser, xml)
    code = to_drawio(digitise(np.asarray(reference.image.convert("RGB"))))
    width, height = reference.image.size
    candidate = DrawioTarget().render(browser, code, width, height)
    return code, candidate, score_graph(reference.cells, candidate.cells)


def test_class_rows_and_lane_boxes_come_back_nested(browser: Browser) -> None:
    code, candidate, scores = round_trip(browser, (DIAGRAMS / "nested.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert (scores.containment_reference, scores.containment_f1) == (5, 1), scores
    root = etree.fromstring(code.encode())
    cells = {c.get("id"): c for c in root.iter("mxCell")}
    holders = {c.get("parent") for c in cells.values() if c.get("parent") not in (None, "0", "1")}
    styles = [cells[h].get("style", "") for h in holders]
    assert any("childLayout=stackLayout" in s for s in styles)  # the class stacks its rows
    edge = next(c for c in cells.values() if c.get("edge") == "1")
    assert edge.get("parent") in holders  # the lane's edge lives in the lane
    # Moving the parents in the file moves what they hold: children are placed relative to them.
    for holder in holders:
        geometry = cells[holder].find("mxGeometry")
        assert geometry is not None
        geometry.set("x", str(float(geometry.get("x", 0)) + 50))
    moved = DrawioTarget().render(browser, etree.tostring(root, encoding="unicode"), 1000, 400)
    before = {c.id: c for c in candidate.cells}
    children = [c for c in moved.cells if c.vertex and c.parent in holders]
    assert len(children) == 5
    assert all(c.x == pytest.approx(before[c.id].x + 50) for c in children)


@pytest.fixture(scope="module")
def flowchart(browser: Browser) -> tuple[str, DiagramRender, GraphScores]:
    return round_trip(browser, (DIAGRAMS / "flowchart.drawio").read_text())


def test_yes_and_no_ride_on_the_edges_of_the_decision(
    flowchart: tuple[str, DiagramRender, GraphScores],
) -> None:
    code, _, scores = flowchart
    assert (scores.edge_labels_reference, scores.edge_label_f1) == (2, 1), scores
    texts = [c.get("value", "") for c in etree.fromstring(code.encode()).iter("mxCell") if c.get("vertex")]
    assert not {"yes", "no"} & {t.lower() for t in texts}  # no loose text vertices left behind


def test_a_white_gap_between_filled_boxes_is_no_edge(browser: Browser) -> None:
    """Tiles with white outlines on a dark area, and a white strip between two boxes (a gap)."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "white_gap.drawio").read_text())
    assert scores.node_precision == 1 and scores.nodes_matched == 8, scores  # the strip is too thin to find
    assert scores.edges_candidate == 0 and scores.loose_edges_candidate == 0, scores
    assert 'edge="1"' not in code


def test_the_mermaid_copy_of_the_flowchart_parses(flowchart: tuple[str, DiagramRender, GraphScores]) -> None:
    code, _, _ = flowchart
    text = drawio_to_mermaid(code)
    assert check_mermaid(text) == [], text
    assert text.count("-->") == 5 and '|"yes"|' in text and '{"In stock?"}' in text
    nested = drawio_to_mermaid((DIAGRAMS / "architecture.drawio").read_text())
    assert check_mermaid(nested) == [] and 'subgraph n2["Backend"]' in nested
    # UML states are Mermaid's circle (initial) and double circle (final), not empty boxes
    states = drawio_to_mermaid((DIAGRAMS / "states.drawio").read_text())
    assert check_mermaid(states) == [], states
    assert 'n1((" "))' in states and 'n4(((" ")))' in states, states


def test_the_grammar_check_finds_broken_mermaid() -> None:
    good = 'flowchart TD\n    a["A"]\n    b{"B?"}\n    a -->|"go"| b\n'
    assert check_mermaid(good) == []
    assert check_mermaid(good.replace("flowchart TD", "graph")) != []
    assert check_mermaid(good + "    a --> c\n") == ["line 5: c is not declared"]
    assert check_mermaid(good.replace('{"B?"}', '{"B?"')) != []
    assert check_mermaid(good + 'subgraph s["S"]\n') == ["1 subgraph(s) not closed by 'end'"]


def test_the_sketched_flowchart_keeps_its_nodes_and_edges(browser: Browser) -> None:
    """draw.io's hand-drawn look: hatched fills, wobbly doubled outlines, splayed line ends and
    open arrowheads that OCR reads as "V" or "4"."""
    _, _, scores = round_trip(browser, sketched((DIAGRAMS / "flowchart.drawio").read_text()))
    assert scores.node_f1 >= 0.8, scores
    assert scores.edge_f1 >= 0.6, scores
    assert scores.edge_label_f1 == 1, scores  # "yes" and "no" still ride on their edges


def test_hatching_is_painted_solid_and_clean_fills_are_left_alone(browser: Browser) -> None:
    xml = (DIAGRAMS / "flowchart.drawio").read_text()
    for image, hatched in (
        (render_drawio(browser, sketched(xml)).image, True),
        (render_drawio(browser, xml).image, False),
    ):
        rgb = np.asarray(image.convert("RGB"))
        changed = int((np.abs(unhatched(rgb, (255, 255, 255)).astype(int) - rgb).sum(axis=2) > 0).sum())
        assert changed > 2000 if hatched else changed == 0, changed


def test_only_diagrams_write_a_mermaid_copy() -> None:
    assert RunConfig(target="drawio", also=("mermaid",)).also == ("mermaid",)
    with pytest.raises(InputError):
        RunConfig(target="html", also=("mermaid",))
    with pytest.raises(InputError):
        RunConfig(target="drawio", also=("plantuml",))


def test_the_eval_summary_gives_medians_beside_means() -> None:
    rows = [{"name": n, "status": "ok", "label_cer": v} for n, v in (("a", 0.0), ("b", 0.1), ("c", 1.0))]
    summary = summarise(rows, backend="classic")
    assert summary["mean"]["label_cer"] == pytest.approx(1.1 / 3, abs=1e-4)
    assert summary["median"]["label_cer"] == 0.1
    assert "median" in describe_summary(summary)[1]


def test_components_and_gradient_fills_come_back_whole(browser: Browser) -> None:
    """A UML component's jetties notch its box (white ones fit no outline cleanly) and a gradient
    fill crosses colour levels: each is still one node, and the edges between them are found."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "uml_parts.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    styles = [c.get("style", "") for c in etree.fromstring(code.encode()).iter("mxCell") if c.get("vertex")]
    assert sum("shape=component" in s for s in styles) == 2, styles


def test_multiplicities_ride_on_the_ends_of_their_association(browser: Browser) -> None:
    """ "1" and "0..*" by the ends of an association are that edge's end labels (child cells placed
    relative to it), and the class rows beside the line stay rows."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "association.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert (scores.edge_labels_reference, scores.edge_label_f1) == (1, 1), scores
    cells = list(etree.fromstring(code.encode()).iter("mxCell"))
    edge = next(c for c in cells if c.get("edge") == "1")
    ends = [c for c in cells if c.get("parent") == edge.get("id")]
    assert len(ends) == 2 and not edge.get("value"), [etree.tostring(c) for c in ends]
    assert sorted(c.find("mxGeometry").get("x") for c in ends) == ["-1", "1"]  # type: ignore[union-attr]


def test_a_class_drawn_as_one_html_label_stays_one_box(browser: Browser) -> None:
    """draw.io's HTML class (title, rules and member lines in one label): lines closer than rows
    of cells are one listed label of one box, not a row cell each, and the rows stay nested in
    stacked classes (``nested.drawio``)."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "html_classes.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert scores.label_cer is not None and scores.label_cer < 0.1, scores
    vertices = [c for c in etree.fromstring(code.encode()).iter("mxCell") if c.get("vertex")]
    assert all("align=left" in c.get("style", "") for c in vertices)


def test_actors_are_one_node_each_with_their_name_and_their_fan_of_lines(browser: Browser) -> None:
    """A stick figure (a small unfilled head, or a filled one) is one umlActor named by the text
    under it, and two associations drawn from one point of it are two edges from it."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "use_case.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    actors = [c for c in etree.fromstring(code.encode()).iter("mxCell") if "umlActor" in c.get("style", "")]
    assert sorted(c.get("value") for c in actors) == ["Clerk", "Customer"]


def test_pools_hold_their_lanes_and_the_lanes_their_boxes(browser: Browser) -> None:
    """A pool of three lanes, with connectors running from lane to lane (one straight through the
    middle lane): the pool holds the lanes, each lane its boxes, and every connector is found
    whole. The table beside it (a header row, cells under it) is no pool."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "pool_lanes.drawio").read_text())
    assert scores.edge_f1 == 1, scores
    cells = {c.get("id"): c for c in etree.fromstring(code.encode()).iter("mxCell")}
    by_value = {c.get("value"): c for c in cells.values() if c.get("vertex")}
    pool = by_value["Order handling"]
    lanes = [c for c in cells.values() if c.get("parent") == pool.get("id") and c.get("vertex")]
    assert len(lanes) == 3 and all("horizontal=0" in c.get("style", "") for c in lanes), lanes
    # The lanes' standing titles are read upright (read as they stand, letters come doubled).
    assert sorted(c.get("value") for c in lanes) == ["Sales", "Shipping", "Store"]
    lane_ids = {c.get("id") for c in lanes}
    for box in ("Take order", "Confirm", "Pick items", "Ship parcel"):
        assert by_value[box].get("parent") in lane_ids, box
    assert by_value["Take order"].get("parent") == by_value["Confirm"].get("parent")
    swimlanes = [c for c in cells.values() if c.get("style", "").startswith("swimlane")]
    assert len(swimlanes) == 4, [c.get("value") for c in swimlanes]  # the table's cells are none


def test_packages_are_folders_and_lines_end_at_their_boxes(browser: Browser) -> None:
    """A UML package (a tab on its body's top left) is one ``shape=folder``, not a tab and a box;
    a line ending beside the tab, above the body (where draw.io ends it), is attached to it; and
    the slanted dashed dependency (thin dashes a pixel off one another's line) is one edge."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "packages.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    vertices = [c for c in etree.fromstring(code.encode()).iter("mxCell") if c.get("vertex")]
    assert sorted(c.get("value") for c in vertices if "shape=folder" in c.get("style", "")) == [
        "Domain",
        "Storage",
        "Web",
    ]


def test_task_markers_are_children_of_their_tasks(browser: Browser) -> None:
    """BPMN's message envelope and sub-process "+" (small framed boxes drawn on a task, the "+" on
    its bottom outline) are nodes of their own inside their task; the task keeps its label, and a
    line into the task beside the marker ends at the task."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "task_markers.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert scores.containment_f1 == 1 and scores.label_cer == 0, scores
    mermaid = drawio_to_mermaid(code)  # the marks stay out of the Mermaid copy: no empty subgraphs
    assert "subgraph" not in mermaid and '" "' not in mermaid and not check_mermaid(mermaid), mermaid


def test_lone_glyphs_by_connectors_label_them(browser: Browser) -> None:
    """Multiplicities ("1", "*") and a weight ("3") standing alone by their connectors, which
    OCR's detector passes over, are read from their ink and label their edges."""
    _, _, scores = round_trip(browser, (DIAGRAMS / "lone_glyphs.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert (scores.edge_labels_reference, scores.edge_labels_matched) == (3, 3), scores


def test_a_label_keeps_to_its_side_of_a_drawn_line(browser: Browser) -> None:
    """A weight above a drawn line labels it and a name below it stays a text of its own; a label
    of two lines drawn over a line (hiding it) stays one label, and that line is still found."""
    _, _, scores = round_trip(browser, (DIAGRAMS / "label_sides.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert (scores.edge_labels_reference, scores.edge_labels_matched) == (3, 3), scores


def test_dark_labels_on_a_coloured_page_are_read(browser: Browser) -> None:
    """On a teal page OCR's detector misses small dark labels; read again as ink on white, every
    message gets its label."""
    _, _, scores = round_trip(browser, (DIAGRAMS / "teal_page.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert (scores.edge_labels_reference, scores.edge_labels_matched) == (4, 4), scores


def test_branch_words_by_where_lines_leave_a_decision_label_them(browser: Browser) -> None:
    """ "Yes" and "No" written by where their lines leave a decision (not midway along them) are
    those edges' labels, not loose texts."""
    _, _, scores = round_trip(browser, (DIAGRAMS / "branches.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert (scores.edge_labels_reference, scores.edge_labels_matched) == (2, 2), scores


def test_initial_and_final_states_are_draw_io_s_own_states(browser: Browser) -> None:
    """UML's initial state (a solid disc an arrow leaves) and final state (the disc in a ring) come
    back as draw.io's startState and endState in the boxes it draws them in, so the transitions
    attach to them; a dot with a plain line to a box (a timeline's) stays an ellipse."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "states.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    cells = [c for c in etree.fromstring(code.encode()).iter("mxCell") if c.get("vertex") == "1"]
    styles = {c.get("style", "") for c in cells}
    states = {s.split("shape=")[1].split(";")[0]: c for c in cells if "State;" in (s := c.get("style", ""))}
    assert sorted(states) == ["endState", "startState"], [c.get("style") for c in cells]
    for state in states.values():
        geometry = state.find("mxGeometry")
        assert geometry is not None
        assert float(geometry.get("width", 0)) == pytest.approx(30, abs=2)
    assert len([s for s in styles if s.startswith("ellipse") and "State" not in s]) == 1, styles  # the dot


def test_arrowheads_keep_their_kind(browser: Browser) -> None:
    """A UML generalisation's hollow triangle comes back hollow (``block``, ``endFill=0``), a
    dependency's open V open, a plain arrowhead filled: the three say different things."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "inheritance.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    cells = {c.get("id"): c for c in etree.fromstring(code.encode()).iter("mxCell")}
    names = {key: c.get("value") for key, c in cells.items()}
    heads = {}
    for edge in (c for c in cells.values() if c.get("edge")):
        _, values = parse_style(edge.get("style", ""))
        heads[names[edge.get("source")]] = (values.get("endArrow"), values.get("endFill", "1"))
    assert heads == {
        "Circle": ("block", "0"),
        "Square": ("block", "0"),
        "Canvas": ("classic", "1"),
        "Logger": ("open", "1"),
    }, heads


def test_a_uml_frame_is_draw_io_s_frame_and_holds_nothing(browser: Browser) -> None:
    """A UML frame (a box whose name sits in a tab cut off at its top left corner, as sequence
    diagrams and combined fragments have) is draw.io's umlFrame named by its tab, and, as draw.io's
    own frame, holds nothing: what lies in it stays on the page."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "uml_frame.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert scores.containment_candidate == 0, scores
    cells = {c.get("id"): c for c in etree.fromstring(code.encode()).iter("mxCell")}
    frames = [c for c in cells.values() if "shape=umlFrame" in c.get("style", "")]
    assert [c.get("value") for c in frames] == ["sd Order"], [c.get("style") for c in cells.values()]
    _, values = parse_style(frames[0].get("style", ""))
    assert abs(int(values["width"]) - 80) <= 4 and abs(int(values["height"]) - 30) <= 4, values


def test_a_sequence_diagram_keeps_its_bars_whole_and_its_messages(browser: Browser) -> None:
    """A sequence diagram: a bar with a nested bar drawn over it is one bar (not two pieces),
    messages to the nested call end at it, two messages between the same bars wall off no box,
    and a dashed message crossing a lifeline it skips is one edge, not one per lifeline."""
    _, _, scores = round_trip(browser, (DIAGRAMS / "sequence.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    assert scores.containment_f1 == 1 and scores.edge_label_f1 == 1, scores


def test_lines_between_tables_link_their_rows_and_a_class_as_a_whole(browser: Browser) -> None:
    """A line meeting a table's side level with one of its rows links that row (draw.io's ER
    diagrams link keys); a line meeting a UML class (members marked + - # ~) links the class, even
    level with one of its members."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "table_rows.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    cells = {c.get("id"): c for c in etree.fromstring(code.encode()).iter("mxCell")}
    ends = sorted(
        tuple(sorted((cells[e.get("source")].get("value", ""), cells[e.get("target")].get("value", ""))))
        for e in cells.values()
        if e.get("edge") == "1"
    )  # the lines have no heads: which end is the source does not matter
    assert ends == [("Payment", "due"), ("customer_id", "id"), ("order_id", "total")], ends


def test_lines_crossing_a_frame_go_on_across_it(browser: Browser) -> None:
    """A UML frame round a system's use cases, crossed by the associations of an actor outside it:
    the frame is found from its outline (lines cut its inside up), keeps its name in its tab, and
    the associations run across it to the use cases, not to the frame."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "use_case_frame.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    frames = [c for c in etree.fromstring(code.encode()).iter("mxCell") if "umlFrame" in c.get("style", "")]
    assert [c.get("value") for c in frames] == ["Shop"]


def test_an_actor_s_fan_of_associations_links_each_use_case(browser: Browser) -> None:
    """Five associations drawn from one actor (draw.io aims them at its middle, so they merge by
    its box) are five edges from the actor, not one knot of lines."""
    _, _, scores = round_trip(browser, (DIAGRAMS / "actor_fan.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores


def test_a_provided_interface_is_a_lollipop_the_dependency_ends_at(browser: Browser) -> None:
    """A ring on a short stick out of a component's side is draw.io's lollipop (ring on the left:
    direction north), and the dependency drawn to the ring ends at it, not at the component."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "lollipop.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    styles = [c.get("style", "") for c in etree.fromstring(code.encode()).iter("mxCell")]
    assert sum("shape=lollipop;direction=north" in s for s in styles) == 1, styles
    assert '((" "))' in drawio_to_mermaid(code)  # Mermaid draws the ring


def test_a_lollipop_covers_its_ring_and_stick_not_its_whole_box(browser: Browser) -> None:
    """Only the ring and the stick are the lollipop's: a dependency's arrowhead drawn by the stick,
    inside the lollipop's box, stays line ink (its barbs were masked with the box)."""
    render = render_drawio(browser, (DIAGRAMS / "lollipop.drawio").read_text())
    image = np.asarray(render.image.convert("RGB"))
    page = (255, 255, 255)
    shapes = find_lollipops(image, find_shapes(image, page, []), page)
    (lollipop,) = [s for s in shapes if s.kind == "lollipop"]
    mask = lollipop.mask
    assert mask[mask.shape[0] // 2].all()  # the stick, level with the ring's middle, and the ring
    assert not mask[0, -1] and not mask[-1, -1]  # beside the stick, by the component: not its


def test_a_container_keeps_its_title_and_its_edges_their_labels(browser: Browser) -> None:
    """In a filled container holding states, a three-line label drawn over a transition (its white
    background hiding the line) labels that transition whole; it is no part of the container's
    title, and the line under it is no page-coloured gap."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "container_labels.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1 and scores.edge_label_f1 == 1, scores
    cells = [c for c in etree.fromstring(code.encode()).iter("mxCell") if "swimlane" in c.get("style", "")]
    assert [c.get("value") for c in cells] == ["Filling Order"]
    assert "swimlaneFillColor=#fff2cc" in cells[0].get("style", "")  # its body filled as drawn


def test_a_stick_figure_can_head_a_lifeline(browser: Browser) -> None:
    """A stick figure with a dashed line hanging from it, beside a box lifeline, is draw.io's
    actor lifeline (participant=umlActor), and its message starts at it."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "actor_lifeline.drawio").read_text())
    assert scores.node_f1 == 1 and scores.edge_f1 == 1, scores
    styles = [c.get("style", "") for c in etree.fromstring(code.encode()).iter("mxCell")]
    assert sum("shape=umlLifeline" in s and "participant=umlActor" in s for s in styles) == 1, styles


def test_a_text_in_a_box_s_very_corner_is_no_frame_name() -> None:
    """A tiny text right in a box's corner leaves no room for a tab's lines: no frame, and no
    warning from measuring an empty run of pixels."""
    page = np.full((100, 100, 3), 255, np.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert frame_tab(page, (255, 255, 255), Box(0, 0, 100, 100), Box(1, 1, 4, 4)) is None
        # a text above the box, off its corner, is no name in its tab either
        assert frame_tab(page, (255, 255, 255), Box(20, 40, 100, 100), Box(22, 0, 60, 10)) is None


def test_ink_by_a_label_s_lines_leaves_its_font_size_as_drawn(browser: Browser) -> None:
    """Ink reaching into the room OCR leaves round a line's letters (a connector passing a
    text's corner, the next line's letters) is not the letters' height."""
    reference = render_drawio(browser, (DIAGRAMS / "crowded_labels.drawio").read_text())
    _, _, scores = round_trip(browser, (DIAGRAMS / "crowded_labels.drawio").read_text())
    assert scores.node_f1 == 1 and scores.font_size_agreement == 1, scores
    rgb = np.asarray(reference.image.convert("RGB")).copy()
    sizes = {tuple(n.label.lines): n.label.font_size for n in digitise(rgb).nodes if n.label}
    for line in read_text(rgb):
        if line.text in ("Progress", "Reports"):  # a stroke into the top left corner of its box
            steps = np.arange(7)
            rgb[line.box.y0 - 5 + steps, line.box.x0 - 5 + steps] = 0
    crossed = {tuple(n.label.lines): n.label.font_size for n in digitise(rgb).nodes if n.label}
    assert crossed.keys() == sizes.keys() and all(abs(crossed[k] - sizes[k]) <= 1 for k in sizes), (
        crossed,
        sizes,
    )


def test_icons_are_one_node_each_drawn_as_their_picture_and_named_below(browser: Browser) -> None:
    """Integration-pattern and AWS icons (a tile with a drawing and no text): one node each, not a
    box with loose pieces and lines between them, with its name under it as its label."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "icons.drawio").read_text())
    assert (scores.node_f1, scores.edge_f1, scores.label_cer) == (1, 1, 0), scores
    vertices = [c for c in etree.fromstring(code.encode()).iter("mxCell") if c.get("vertex")]
    assert len(vertices) == 3
    for cell in vertices:
        _, style = parse_style(cell.get("style", ""))
        assert style["shape"] == "image" and style["image"].startswith("data:image/png,"), style
        assert (style["verticalLabelPosition"], style["verticalAlign"]) == ("bottom", "top")


def test_a_data_store_between_two_lines_is_one_node_its_lines_end_at(browser: Browser) -> None:
    """Data flow stores (two lines, the name between them, no sides) are nodes the flows end at;
    two boxes one above the other with a labelled line between them are no store."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "data_store.drawio").read_text())
    assert (scores.node_f1, scores.edge_f1, scores.label_cer) == (1, 1, 0), scores
    stores = [
        c for c in etree.fromstring(code.encode()).iter("mxCell") if "partialRectangle" in c.get("style", "")
    ]
    assert sorted(c.get("value") for c in stores) == ["Orders", "Stock"]


def test_the_lines_of_a_free_text_stay_one_text_where_ocr_s_boxes_overlap(browser: Browser) -> None:
    """draw.io's plain (non-HTML) labels set their lines close: OCR's padded boxes of the two lines
    overlap, and the text was cut into a node per line."""
    code, _, _ = round_trip(browser, (DIAGRAMS / "crowded_labels.drawio").read_text())
    texts = [
        c.get("value")
        for c in etree.fromstring(code.encode()).iter("mxCell")
        if "text;" in c.get("style", "")
    ]
    assert sorted(texts) == ["Desired<br>functionality", "Progress<br>reports"], texts


def test_a_text_alone_in_a_composite_state_s_body_fills_the_body(browser: Browser) -> None:
    """A composite state's one line of text under its title is a cell filling its body, as in
    draw.io's own state shapes, nested in the state."""
    _, _, scores = round_trip(browser, (DIAGRAMS / "composite_states.drawio").read_text())
    assert (scores.node_f1, scores.containment_f1, scores.edge_f1) == (1, 1, 1), scores


def test_an_activation_bar_a_frame_s_border_crosses_stays_one_bar(browser: Browser) -> None:
    """A combined fragment's frame drawn across a lifeline cuts its activation bar into pieces at
    each border; they are one bar again."""
    _, candidate, scores = round_trip(browser, (DIAGRAMS / "frame_across_bar.drawio").read_text())
    assert scores.node_recall == 1, scores
    bars = [c for c in candidate.cells if c.vertex and c.width <= 14 and c.height >= 30]
    assert sorted(round(c.height) for c in bars) == [40, 240], bars


def test_texts_listed_under_a_header_bar_are_rows_of_its_column(browser: Browser) -> None:
    """A PEST-like template: header bars over columns of texts with no box drawn round them come
    back as stacked swimlanes holding their texts as rows (dragging a bar takes its column)."""
    code, _, scores = round_trip(browser, (DIAGRAMS / "header_columns.drawio").read_text())
    assert (scores.node_f1, scores.containment_f1) == (1, 1), scores
    styles = [c.get("style", "") for c in etree.fromstring(code.encode()).iter("mxCell") if c.get("vertex")]
    assert sum("childLayout=stackLayout" in s for s in styles) == 2

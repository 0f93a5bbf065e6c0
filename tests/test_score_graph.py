"""Structural diagram scores: node matching, shape types, edge direction and label errors."""

from __future__ import annotations

from dataclasses import replace

import pytest

from img2code.render.drawio import RenderedCell
from img2code.score.graph import normalise_label, score_graph, shape_type


def vertex(cell_id: str, x: float, y: float, label: str = "", style: str = "html=1;") -> RenderedCell:
    return RenderedCell(cell_id, True, False, x, y, 120, 60, label, style, None, None, "1")


def edge(cell_id: str, source: str, target: str, style: str = "html=1;") -> RenderedCell:
    return RenderedCell(cell_id, False, True, 0, 0, 10, 10, "", style, source, target, "1")


@pytest.fixture
def reference() -> list[RenderedCell]:
    """A start pill, a decision, two boxes and a store, linked by four arrows and one plain line."""
    return [
        vertex("start", 100, 10, "Start", "rounded=1;whiteSpace=wrap;html=1;"),
        vertex("ask", 100, 110, "Valid?", "rhombus;whiteSpace=wrap;html=1;"),
        vertex("yes", 10, 210, "Save the order"),
        vertex("no", 200, 210, "Reject"),
        vertex("db", 10, 310, "Orders", "shape=cylinder3;whiteSpace=wrap;html=1;"),
        edge("e1", "start", "ask"),
        edge("e2", "ask", "yes"),
        edge("e3", "ask", "no", "endArrow=classic;html=1;"),
        edge("e4", "yes", "db", "endArrow=none;html=1;"),
        edge("e5", "no", "start", "startArrow=block;endArrow=none;"),
    ]


def test_a_diagram_scores_perfectly_against_itself(reference: list[RenderedCell]) -> None:
    scores = score_graph(reference, reference)
    assert (scores.node_f1, scores.edge_f1, scores.connection_f1, scores.shape_accuracy) == (1, 1, 1, 1)
    assert scores.label_cer == 0
    assert (scores.nodes_reference, scores.edges_reference) == (5, 5)


def test_ids_do_not_matter_only_geometry(reference: list[RenderedCell]) -> None:
    renamed = {c.id: f"x{i}" for i, c in enumerate(reference)}
    candidate = [
        replace(c, id=renamed[c.id], source=renamed.get(c.source or ""), target=renamed.get(c.target or ""))
        for c in reversed(reference)
    ]
    scores = score_graph(reference, candidate)
    assert scores.node_f1 == 1 and scores.edge_f1 == 1


def test_a_missing_node_lowers_recall_not_precision(reference: list[RenderedCell]) -> None:
    candidate = [c for c in reference if c.id != "no" and "no" not in (c.source, c.target)]
    scores = score_graph(reference, candidate)
    assert scores.node_recall == pytest.approx(4 / 5)
    assert scores.node_precision == 1
    assert scores.edge_recall == pytest.approx(3 / 5) and scores.edge_precision == 1


def test_a_shifted_node_no_longer_matches(reference: list[RenderedCell]) -> None:
    moved = [replace(c, x=c.x + 70) if c.id == "yes" else c for c in reference]  # IoU 50/190 < 0.5
    scores = score_graph(reference, moved)
    assert scores.nodes_matched == 4
    nudged = [replace(c, x=c.x + 10) if c.id == "yes" else c for c in reference]  # IoU 110/130
    assert score_graph(reference, nudged).nodes_matched == 5


def test_a_reversed_arrow_lowers_edge_f1_but_not_connections(reference: list[RenderedCell]) -> None:
    reversed_arrow = [replace(c, source="ask", target="start") if c.id == "e1" else c for c in reference]
    scores = score_graph(reference, reversed_arrow)
    assert scores.edge_f1 == pytest.approx(4 / 5)
    assert scores.connection_f1 == 1


def test_a_line_without_arrowheads_matches_either_way(reference: list[RenderedCell]) -> None:
    flipped = [replace(c, source="db", target="yes") if c.id == "e4" else c for c in reference]
    assert score_graph(reference, flipped).edge_f1 == 1
    # A start arrow is the same as an end arrow the other way round.
    same = [replace(c, source="start", target="no", style="") if c.id == "e5" else c for c in reference]
    assert score_graph(reference, same).edge_f1 == 1
    # Losing the arrowhead is a direction error.
    plain = [replace(c, style="endArrow=none;") if c.id == "e2" else c for c in reference]
    assert score_graph(reference, plain).edge_f1 == pytest.approx(4 / 5)


def test_a_changed_label_raises_the_character_error_rate(reference: list[RenderedCell]) -> None:
    typo = [replace(c, label="Save the ordre") if c.id == "yes" else c for c in reference]
    scores = score_graph(reference, typo)
    total = sum(len(c.label) for c in reference if c.vertex)
    assert scores.label_cer == pytest.approx(2 / total)
    blank = [replace(c, label="") if c.vertex else c for c in reference]
    assert score_graph(reference, blank).label_cer == 1


def test_font_sizes_agree_within_a_fifth_of_the_reference_s(reference: list[RenderedCell]) -> None:
    assert score_graph(reference, reference).font_size_agreement == 1
    sized = {"start": "fontSize=14;", "ask": "fontSize=15;", "yes": "fontSize=24;"}  # 12 without one
    resized = [replace(c, style=c.style + sized.get(c.id, "")) for c in reference]
    assert score_graph(reference, resized).font_size_agreement == pytest.approx(3 / 5)
    unlabelled = [replace(c, label="") for c in reference]
    assert score_graph(reference, unlabelled).font_size_agreement is None


def test_edge_colours_agree_within_a_tolerance_black_by_default(reference: list[RenderedCell]) -> None:
    assert score_graph(reference, reference).edge_colour_agreement == 1
    drawn = {"e1": "strokeColor=#222222;", "e2": "strokeColor=#B3B3B3;", "e3": "strokeColor=none;"}
    recoloured = [replace(c, style=c.style + drawn.get(c.id, "")) for c in reference]
    # e1 dark grey still reads as black; e2 light grey and e3 undrawn do not
    assert score_graph(reference, recoloured).edge_colour_agreement == pytest.approx(3 / 5)
    red = [replace(c, style=c.style + "strokeColor=#f00;") if c.id == "e4" else c for c in reference]
    assert score_graph(red, recoloured).edge_colour_agreement == pytest.approx(2 / 5)
    unlinked = [c for c in reference if not c.edge]
    assert score_graph(reference, unlinked).edge_colour_agreement is None


def test_shape_types_come_from_the_style() -> None:
    assert shape_type("rounded=1;whiteSpace=wrap;html=1;") == "rounded"
    assert shape_type("ellipse;whiteSpace=wrap;") == "ellipse"
    assert shape_type("shape=cylinder3;boundedLbl=1;") == "cylinder"
    assert shape_type("text;html=1;strokeColor=none;") == "text"
    assert shape_type("fillColor=none;strokeColor=none;html=1;") == "text"
    assert shape_type("swimlane;startSize=20;") == "swimlane"
    assert shape_type("shape=mxgraph.aws4.lambda;") == "other"
    assert shape_type("") == "rectangle"


def test_changed_shape_types_lower_shape_accuracy(reference: list[RenderedCell]) -> None:
    boxes = [replace(c, style="html=1;") if c.vertex else c for c in reference]
    scores = score_graph(reference, boxes)
    assert scores.node_f1 == 1
    assert scores.shape_accuracy == pytest.approx(2 / 5)  # the two plain boxes were boxes already


def test_labels_are_compared_as_plain_text() -> None:
    assert normalise_label("Save <b>the</b>&nbsp;order<br>now ") == "Save the order now"
    assert normalise_label("two\n  lines") == "two lines"


def test_edge_labels_and_loose_edges_are_not_scored(reference: list[RenderedCell]) -> None:
    extra = [
        RenderedCell("lbl", True, False, 50, 50, 30, 12, "yes", "edgeLabel;html=1;", None, None, "e2"),
        RenderedCell("loose", False, True, 0, 0, 5, 5, "", "html=1;", "ask", None, "1"),
    ]
    scores = score_graph([*reference, *extra], reference)
    assert scores.node_f1 == 1 and scores.edge_f1 == 1
    assert scores.loose_edges_reference == 1


def test_empty_diagrams() -> None:
    assert score_graph([], []).node_f1 == 1
    scores = score_graph([], [vertex("a", 0, 0)])
    assert scores.node_precision == 0 and scores.shape_accuracy is None and scores.label_cer is None


def test_a_long_extra_text_caps_the_character_error_rate_at_one(reference: list[RenderedCell]) -> None:
    wordy = [replace(c, label="a very long paragraph " * 20) if c.id == "yes" else c for c in reference]
    assert score_graph(reference, wordy).label_cer == 1


def _nested() -> list[RenderedCell]:
    """A lane holding two boxes (one through a group), and a class holding a row."""
    return [
        RenderedCell("lane", True, False, 0, 0, 400, 200, "Lane", "swimlane;", None, None, "1"),
        vertex("a", 20, 40, "A"),
        RenderedCell("g", True, False, 180, 30, 200, 100, "", "group;", None, None, "lane"),
        vertex("b", 200, 40, "B"),
        RenderedCell("cls", True, False, 0, 300, 160, 80, "Order", "swimlane;", None, None, "1"),
        RenderedCell("row", True, False, 0, 326, 160, 26, "+ id: int", "text;", None, None, "cls"),
    ]


def test_containment_pairs_are_matched_through_the_nodes() -> None:
    nested = _nested()
    nested[1] = replace(nested[1], parent="lane")
    nested[3] = replace(nested[3], parent="g")
    scores = score_graph(nested, nested)
    assert (scores.containment_reference, scores.containment_f1) == (3, 1)
    flat = [replace(c, parent="1") for c in nested]
    scores = score_graph(nested, flat)
    assert scores.containment_candidate == 0 and scores.containment_f1 == 0
    assert scores.node_f1 == 1  # nesting does not change what is drawn
    assert score_graph(flat, flat).containment_f1 is None  # nothing nests on either side


def test_edge_labels_count_on_the_edge_that_carries_them(reference: list[RenderedCell]) -> None:
    labelled = [replace(c, label="Yes") if c.id == "e2" else c for c in reference]
    labelled.append(RenderedCell("l", True, False, 250, 150, 20, 12, "No", "edgeLabel;", None, None, "e3"))
    assert score_graph(labelled, labelled).edge_label_f1 == 1
    assert score_graph(labelled, labelled).node_f1 == 1  # the child label is no node
    # The same texts as free text vertices, not on the edges: no edge label found.
    loose = [replace(c, label="") if c.id == "e2" else c for c in reference]
    loose += [vertex("t1", 60, 170, "Yes", "text;"), vertex("t2", 250, 150, "No", "text;")]
    scores = score_graph(labelled, loose)
    assert (scores.edge_labels_reference, scores.edge_labels_matched, scores.edge_label_f1) == (2, 0, 0)
    # A label on the wrong edge does not count; an OCR slip within tolerance does.
    swapped = [replace(c, label="yes.") if c.id == "e2" else c for c in labelled]
    assert score_graph(labelled, swapped).edge_label_f1 == 1
    wrong = [
        replace(c, label="") if c.id == "e2" else replace(c, label="Yes") if c.id == "e1" else c
        for c in labelled
    ]
    assert score_graph(labelled, wrong).edge_labels_matched == 1
    assert score_graph(reference, reference).edge_label_f1 is None

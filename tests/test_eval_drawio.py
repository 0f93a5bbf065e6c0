"""`img2code eval --target drawio` over a folder of our own diagrams with the classic backend:
each diagram rendered, converted back and scored against draw.io's own graph."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_drawio_render import DIAGRAMS

from img2code.cli import main
from img2code.evaluate import read_rows
from img2code.evaluate.drawio import GRAPH_METRICS, find_cases


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two diagrams (one saved as .xml, as jgraph's templates are) and a file that is no diagram."""
    root = tmp_path_factory.mktemp("diagrams")
    shutil.copy(DIAGRAMS / "order_flow.drawio", root / "order_flow.drawio")
    shutil.copy(DIAGRAMS / "flowchart.drawio", root / "flowchart.xml")
    (root / "notes.txt").write_text("not a diagram")
    return root


@pytest.fixture(scope="module")
def evaluated(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("eval") / "out"
    args = ["eval", str(folder), "--target", "drawio", "-o", str(out), "--backend", "classic", "-q"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "2 cases: 2 scored, 0 failed" in result.output
    return out


def test_cases_are_the_diagram_files(folder: Path) -> None:
    assert [(case.name, case.image.suffix) for case in find_cases(folder)] == [
        ("flowchart", ".xml"),
        ("order_flow", ".drawio"),
    ]


def test_each_diagram_is_scored_on_pixels_and_structure(evaluated: Path) -> None:
    rows = read_rows(evaluated / "scores.jsonl")
    assert sorted(rows) == ["flowchart", "order_flow"]
    for row in rows.values():
        assert row["status"] == "ok"
        assert 0.5 < row["ssim"] <= 1.0
        optional = ("containment_f1", "edge_label_f1")  # None where neither side nests or labels an edge
        assert all(row[name] is not None for name in GRAPH_METRICS if name not in optional), row
        assert row["containment_f1"] is None and row["group"] == "other"
    assert rows["order_flow"]["edge_label_f1"] == 1.0  # its "yes" and "no" ride on their edges
    assert rows["order_flow"]["node_f1"] == 1.0 and rows["order_flow"]["edge_f1"] == 1.0
    assert rows["order_flow"]["nodes"] == "7" and rows["order_flow"]["edges"] == "5"
    summary = json.loads((evaluated / "summary.json").read_text())
    assert summary["mean"]["node_f1"] > 0.9


def test_ground_truth_and_runs_are_kept(evaluated: Path) -> None:
    cells = json.loads((evaluated / "references" / "order_flow.cells.json").read_text())
    assert {cell["label"] for cell in cells if cell["vertex"]} >= {"New order", "Paid?", "Orders"}
    assert (evaluated / "references" / "order_flow.png").read_bytes().startswith(b"\x89PNG")
    run = evaluated / "cases" / "order_flow"
    assert "<mxGraphModel" in (run / "diagram.drawio").read_text()
    report = (evaluated / "report.html").read_text()
    assert "cases/order_flow/report.html" in report and "data:image/jpeg;base64," in report


def test_score_reads_a_diagram_candidate_and_its_structure(folder: Path, evaluated: Path) -> None:
    source = evaluated / "references" / "order_flow.png"
    candidate = evaluated / "cases" / "order_flow" / "diagram.drawio"
    args = ["score", str(source), str(candidate), "--json", "--reference", str(folder / "order_flow.drawio")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert scores["ssim"] > 0.9
    assert scores["structure"]["node_f1"] == 1.0 and scores["structure"]["edge_f1"] == 1.0
    # Scored against another diagram, the structure falls apart and the sizes are said not to match.
    wrong = CliRunner().invoke(main, [*args[:-1], str(folder / "flowchart.xml")])
    other = json.loads(wrong.output)["structure"]
    assert other["node_f1"] < 0.5 and "note" in other
    plain = CliRunner().invoke(main, ["score", str(source), str(candidate)])
    assert plain.exit_code == 0 and plain.output.startswith("SSIM ") and "Structure" not in plain.output


def test_a_diagram_reference_needs_a_diagram_candidate(folder: Path, evaluated: Path) -> None:
    source = evaluated / "references" / "order_flow.png"
    args = ["score", str(source), str(source), "--reference", str(folder / "order_flow.drawio")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2 and "only a .drawio candidate" in result.output

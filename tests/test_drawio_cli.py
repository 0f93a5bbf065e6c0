"""`img2code render` on draw.io files, and whole `img2code drawio` runs on the tiny Qwen3-VL.

The tiny random model writes noise: the run must still finish, each answer either repaired into
a diagram and scored or recorded as a failed iteration, with result.json saying which. The same
model scripted to answer one loose cell shows a run that succeeds through repair, render and refine.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree
from PIL import Image
from scripted_qwen3vl import build_scripted_qwen3vl

import img2code
from img2code.cli import main

ROOT = Path(__file__).resolve().parents[1]
DIAGRAMS = ROOT / "fixtures" / "diagrams"
LOOSE_CELL = '<mxCell value="Go"><mxGeometry/>'  # no ids, parent, vertex flag, size: all repaired


@pytest.fixture(scope="module")
def flowchart_png(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The flowchart fixture drawn by `img2code render`: the picture the drawio run starts from."""
    png = tmp_path_factory.mktemp("render") / "flowchart.png"
    done = CliRunner().invoke(main, ["render", str(DIAGRAMS / "flowchart.drawio"), "-o", str(png)])
    assert done.exit_code == 0, done.output
    assert done.output.strip() == f"{png} (343x512, 6 shapes, 5 edges)"
    return png


def test_render_draws_a_drawio_file(flowchart_png: Path) -> None:
    with Image.open(flowchart_png) as image:
        assert image.size == (343, 512)
        assert len(image.convert("RGB").getcolors(1 << 16) or []) > 20  # shapes, text and edges, not blank


def test_score_draws_a_diagram_saved_as_xml_as_it_draws_a_drawio_file(flowchart_png: Path, tmp_path: Path):
    as_xml = tmp_path / "flowchart.xml"  # jgraph's own diagrams are saved so
    as_xml.write_bytes((DIAGRAMS / "flowchart.drawio").read_bytes())
    scores = {}
    for candidate in (DIAGRAMS / "flowchart.drawio", as_xml):
        done = CliRunner().invoke(main, ["score", str(flowchart_png), str(candidate), "--json"])
        assert done.exit_code == 0, done.output
        scores[candidate.suffix] = json.loads(done.stdout)["ssim"]
    assert scores[".xml"] == scores[".drawio"] > 0.7  # drawn alike (the run places it without a border)


def test_render_refuses_a_broken_drawio_file(tmp_path: Path) -> None:
    broken = tmp_path / "broken.drawio"
    broken.write_text("<mxfile><diagram>")
    done = CliRunner().invoke(main, ["render", str(broken), "-o", str(tmp_path / "out.png")])
    assert done.exit_code == 2 and "broken.drawio is not valid XML" in done.output
    assert not (tmp_path / "out.png").exists()


def test_tiny_model_run_finishes_and_says_what_happened(
    flowchart_png: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    args = ["drawio", str(flowchart_png), "-o", str(out), "--backend", "transformers"]
    args += ["--model", str(tiny_model_dir), "--max-iters", "1", "--max-new-tokens", "64"]
    done = subprocess.run(
        [sys.executable, "-m", "img2code", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert "Traceback" not in done.stderr, done.stderr
    result = json.loads((out / "result.json").read_text())
    assert done.returncode == (0 if result["status"] == "ok" else 1)
    assert result["target"] == "drawio" and result["backend"]["name"] == "transformers"
    [iteration] = result["iterations"]
    assert (out / "iterations" / "00" / "raw.txt").exists()
    if iteration["status"] == "ok":  # noise repaired into a diagram: the diagram is the code output
        assert result["outputs"]["code"] == "diagram.drawio" and (out / "diagram.drawio").exists()
        assert iteration["repairs"]
    else:
        assert iteration["error"]["stage"] in ("extract", "render") and iteration["error"]["message"]
        assert result["status"] == "failed" and not (out / "diagram.drawio").exists()
    assert (out / "report.html").exists() and (out / "source.png").exists()


def test_scripted_model_run_repairs_renders_and_refines_a_diagram(
    flowchart_png: Path, tiny_model_dir: Path, tmp_path: Path
) -> None:
    model = build_scripted_qwen3vl(tiny_model_dir, tmp_path / "model", answer=LOOSE_CELL)
    out = tmp_path / "out"
    result = img2code.convert(
        flowchart_png, out, target="drawio", backend="transformers", model=str(model), max_iters=2
    )
    assert result.status == "ok" and [it.mode for it in result.iterations] == ["generate", "refine"]
    first = result.iterations[0]
    assert "added the default layer 1" in first.repairs
    assert 'marked a shape without vertex="1" as a vertex' in first.repairs
    assert first.render_size == (343, 512) and 0 < first.ssim < 1
    assert result.outputs["code"] == "diagram.drawio"
    cell = etree.parse(str(out / "diagram.drawio")).find(".//mxCell[@value='Go']")
    assert (cell.get("vertex"), cell.get("parent"), cell.find("mxGeometry").get("width")) == ("1", "1", "120")
    refine_answer = (out / "iterations" / "01" / "raw.txt").read_text()
    assert refine_answer == LOOSE_CELL  # the refine prompt was built and answered
    assert 'href="diagram.drawio"' in (out / "report.html").read_text()


def test_classic_batch_digitises_each_picture_and_fails_a_bad_one_alone(
    flowchart_png: Path, tmp_path: Path
) -> None:
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "flow.png").write_bytes(flowchart_png.read_bytes())
    (inputs / "broken.png").write_text("not a picture")
    out = tmp_path / "out"
    done = CliRunner().invoke(main, ["drawio", str(inputs), "-o", str(out), "--backend", "classic"])
    assert done.exit_code == 1, done.output  # one input failed
    lines = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    status = {Path(line["input"]).name: line["status"] for line in lines}
    assert status == {"flow.png": "ok", "broken.png": "failed"}
    result = json.loads((out / "flow" / "result.json").read_text())
    assert result["target"] == "drawio" and result["outputs"]["code"] == "diagram.drawio"
    assert etree.parse(str(out / "flow" / "diagram.drawio")).find(".//mxCell[@edge='1']") is not None
    assert 'href="flow/report.html"' in (out / "report.html").read_text()

"""The drawio target of ``img2code eval``: a folder of draw.io diagrams (``.drawio`` or ``.xml``).

Each diagram is rendered with draw.io's own export page: the PNG is the image to convert, and the
graph draw.io built is the ground truth (every cell's box, label, source and target). Both are kept
in ``OUT/references/`` (``NAME.png``, ``NAME.cells.json``). The run's best diagram is rendered the
same way, placed in the source's pixels, and scored: SSIM (from the run) and the structure scores
of ``score.graph`` (nodes, shape types, edges, labels, nesting, edge labels); a case's
group is the part of its name before ``__`` (``flowcharts__x.xml``: flowcharts).
"""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from ..config import DIAGRAM_SUFFIXES, RunConfig
from ..errors import Img2CodeError
from ..output import atomic_write
from ..render.drawio import render_drawio
from ..score.graph import score_graph
from ..targets.drawio import DrawioTarget, load_drawio
from . import Case

if TYPE_CHECKING:
    from ..session import Converter
GRAPH_METRICS = (
    "node_f1",
    "node_precision",
    "node_recall",
    "shape_accuracy",
    "edge_f1",
    "connection_f1",
    "label_cer",
    "font_size_agreement",
    "edge_colour_agreement",
    "containment_f1",
    "edge_label_f1",
)
BORDER = 10  # pixels of page around the rendered reference, as draw.io exports it


def find_cases(folder: Path) -> list[Case]:
    """Every diagram file of ``folder``, by name; each is its own reference."""
    files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DIAGRAM_SUFFIXES)
    return [Case(path.stem, path, {"drawio": path}) for path in files]


def run_config(config: RunConfig) -> RunConfig:
    """The cases are converted with the eval's own settings."""
    return config


def evaluate_case(case: Case, out_dir: Path, converter: Converter) -> dict[str, float | str | None]:
    """Render the case's diagram, convert the render into ``out_dir``, and score the result."""
    renderer = converter.renderer
    reference = renderer.call(render_drawio, load_drawio(case.references["drawio"]), border=BORDER)
    references = out_dir.parent.parent / "references"
    source = references / f"{case.name}.png"
    atomic_write(source, reference.png)
    cells = json.dumps([asdict(cell) for cell in reference.cells], ensure_ascii=False)
    atomic_write(references / f"{case.name}.cells.json", cells.encode("utf-8"))

    result = converter.convert(source, out_dir)
    best = result.best
    if best is None:
        raise Img2CodeError(f"no usable result: {result.stopped_because}")
    code = (out_dir / DrawioTarget.filename).read_text(encoding="utf-8")
    width, height = reference.image.size
    candidate = DrawioTarget().render(renderer, code, width, height)
    graph = score_graph(reference.cells, candidate.cells).as_dict()
    scores = {name: value for name, value in best.metrics().items() if not name.endswith("_unavailable")}
    return {
        "status": result.status,
        **scores,
        **{name: graph[name] for name in GRAPH_METRICS},
        "nodes": str(graph["nodes_reference"]),
        "edges": str(graph["edges_reference"]),
        "group": group_of(case.name),
    }


def group_of(name: str) -> str:
    """The kind of diagram a case is, from its name: ``flowcharts__order`` is in ``flowcharts``."""
    return name.split("__", 1)[0] if "__" in name else "other"

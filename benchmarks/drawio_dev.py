"""The classic diagram digitiser over real draw.io diagrams, scored per group, clean or hand-drawn.

Each diagram of the data folder is rendered with draw.io's export page (as ``img2code eval
--target drawio`` does), digitised with ``vision.diagram.digitise``, written with
``backends.classic_drawio.to_drawio``, rendered again and scored with ``score.graph``. With
``--sketch`` every cell first gets ``sketch=1;curveFitting=1;jiggle=2`` (draw.io's hand-drawn
look: rough doubled outlines, hatched fills): the same diagrams as if sketched.

Reference renders and OCR lines are cached in ``--cache`` (OCR dominates the time and does not
change while the rules after it do); ``seconds`` per diagram is the digitiser's own time with the
OCR's first, uncached times (each read of the diagram) added back. Prints JSON: per group (the
name before ``__``) and over all, the mean and median of node/edge/containment/edge-label F1 and
label CER, containment F1 also over the diagrams whose reference nests, the count of page-colour
edges, seconds.

    .venv/bin/python benchmarks/drawio_dev.py [--data ../shared/data/drawio-dev] [--sketch] [--limit N]
        [--only NAME_PART] [--every N] [--rows rows.jsonl]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import statistics
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np
from lxml import etree

from img2code.backends.classic_drawio import to_drawio
from img2code.errors import Img2CodeError
from img2code.evaluate.drawio import BORDER, group_of
from img2code.render.browser import Browser
from img2code.render.drawio import RenderedCell, render_drawio
from img2code.score.graph import score_graph
from img2code.targets.drawio import DrawioTarget, load_drawio
from img2code.targets.drawio_sketch import sketched
from img2code.vision import diagram as digitiser
from img2code.vision import ocr

ROOT = Path(__file__).resolve().parents[1]
METRICS = (
    "node_f1",
    "edge_f1",
    "connection_f1",
    "containment_f1",
    "edge_label_f1",
    "label_cer",
    "font_size_agreement",
    "edge_colour_agreement",
    "seconds",
)


def cached_ocr(cache: Path) -> Any:
    """``read_text`` with its answers kept on disk by image hash, and its first time recorded."""
    original = ocr.read_text
    spent: dict[str, float] = {}

    def read_text(rgb: np.ndarray, min_confidence: float = 0.5) -> list[ocr.TextLine]:
        key = hashlib.sha1(rgb.tobytes() + str(rgb.shape).encode()).hexdigest()
        path = cache / f"ocr-{key}.pickle"
        if path.exists():
            seconds, lines = pickle.loads(path.read_bytes())
        else:
            started = time.perf_counter()
            lines = original(rgb, min_confidence)
            seconds = time.perf_counter() - started
            path.write_bytes(pickle.dumps((seconds, lines)))
        spent["ocr"] = spent.get("ocr", 0.0) + seconds  # a diagram may be read more than once
        return list(lines)

    return read_text, spent


def page_edges(code: str) -> int:
    """Edges drawn in the page's own colour (white unless the file sets a background) or without a
    stroke: gaps traced as connectors. White lines on a dark page are real connectors."""
    root = etree.fromstring(code.encode("utf-8"))
    model = root.find(".//mxGraphModel")
    page = (model.get("background") if model is not None else None) or "#ffffff"
    count = 0
    for cell in root.iter("mxCell"):
        if cell.get("edge") == "1":
            style = cell.get("style", "").lower()
            if f"strokecolor={page.lower()}" in style or "strokecolor=none" in style:
                count += 1
    return count


def summary(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"diagrams": len(rows)}
    for name in METRICS:
        values = [row[name] for row in rows if isinstance(row.get(name), (int, float))]
        out[name] = {
            "mean": round(statistics.fmean(values), 3) if values else None,
            "median": round(statistics.median(values), 3) if values else None,
            "n": len(values),
        }
    nests = [row["containment_f1"] for row in rows if row.get("containment_reference")]
    out["containment_f1_where_reference_nests"] = round(statistics.fmean(nests), 3) if nests else None
    out["page_edges"] = sum(row.get("page_edges", 0) for row in rows)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "drawio-dev")
    parser.add_argument("--cache", type=Path, default=ROOT / ".cache" / "drawio-dev-bench")
    parser.add_argument("--sketch", action="store_true", help="Score the hand-drawn copies.")
    parser.add_argument("--limit", type=int, default=0)
    parser.add_argument("--only", default="", help="Only the diagrams whose name holds this.")
    parser.add_argument("--every", type=int, default=1, help="Only every Nth diagram (a quicker sample).")
    parser.add_argument("--rows", type=Path, help="Also write one JSON line per diagram here.")
    args = parser.parse_args()
    files = sorted(p for p in args.data.iterdir() if p.suffix in (".xml", ".drawio") and args.only in p.name)
    files = files[:: args.every]
    files = files[: args.limit] if args.limit else files
    args.cache.mkdir(parents=True, exist_ok=True)
    read_text, spent = cached_ocr(args.cache)
    digitiser.read_text = read_text  # type: ignore[assignment]
    rows: list[dict[str, Any]] = []
    done = {}  # a --rows file already holding a diagram's row: that row is kept (a run resumes)
    if args.rows and args.rows.exists():
        done = {row["name"]: row for row in map(json.loads, args.rows.read_text().splitlines())}
    with Browser(timeout_s=60) as browser:
        for path in files:
            if path.stem in done:
                rows.append(done[path.stem])
                continue
            tag = ("sketch-" if args.sketch else "") + path.stem
            ref_path = args.cache / f"{tag}.ref.pickle"
            try:
                if ref_path.exists():
                    png, cells = pickle.loads(ref_path.read_bytes())
                else:
                    xml = load_drawio(path)
                    reference = render_drawio(browser, sketched(xml) if args.sketch else xml, border=BORDER)
                    png, cells = reference.png, [asdict(c) for c in reference.cells]
                    ref_path.write_bytes(pickle.dumps((png, cells)))
                from io import BytesIO

                from PIL import Image

                rgb = np.asarray(Image.open(BytesIO(png)).convert("RGB"))
                started = time.perf_counter()
                spent["ocr"] = 0.0
                result = digitiser.digitise(rgb)
                code = to_drawio(result)
                seconds = time.perf_counter() - started - result.timings.get("ocr", 0) + spent.get("ocr", 0)
                candidate = DrawioTarget().render(browser, code, rgb.shape[1], rgb.shape[0])
            except Img2CodeError as exc:
                rows.append({"name": path.stem, "group": group_of(path.stem), "error": str(exc)})
                continue
            scores = score_graph([RenderedCell(**c) for c in cells], candidate.cells).as_dict()
            row = {"name": path.stem, "group": group_of(path.stem), **scores, "seconds": round(seconds, 2)}
            row["page_edges"] = page_edges(code)
            rows.append(row)
            if args.rows:
                with args.rows.open("a", encoding="utf-8") as out:
                    out.write(json.dumps(row) + "\n")
    groups = sorted({row["group"] for row in rows})
    report = {
        "sketch": args.sketch,
        "failed": [row["name"] for row in rows if "error" in row],
        "all": summary([r for r in rows if "error" not in r]),
        **{g: summary([r for r in rows if r["group"] == g and "error" not in r]) for g in groups},
    }
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

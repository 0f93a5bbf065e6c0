"""The classic backend through the whole pipeline on real pages: final SSIM and seconds per stage.

    .venv/bin/python benchmarks/classic_pages.py [--limit 10] [--layout flow|absolute] [--no-correct]
        [--data DIR]

Prints JSON: one row per page (SSIM of the result, of a blank page in the source's background
colour for scale, and the seconds of each stage), then the means.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

import img2code
from img2code.score.ssim import compare
from img2code.vision.colour import backdrop

ROOT = Path(__file__).resolve().parents[1]


def blank_ssim(source: Path) -> float:
    """SSIM of a page of nothing but the source's background colour: what "no effort" scores."""
    image = Image.open(source).convert("RGB")
    blank = Image.new("RGB", image.size, tuple(int(c) for c in backdrop(np.asarray(image)).colour))
    return compare(image, blank).ssim


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limit", type=int, default=10)
    parser.add_argument("--layout", choices=("flow", "absolute"), default="flow")
    parser.add_argument(
        "--no-correct",
        dest="correct",
        action="store_false",
        help="without the corrector (the default runs it)",
    )
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "design2code-dev")
    args = parser.parse_args()
    pages = sorted(args.data.glob("*.png"))[: args.limit]
    rows = []
    with tempfile.TemporaryDirectory(prefix="img2code-classic-") as work:
        for page in pages:
            result = img2code.convert(
                page, Path(work) / page.stem, backend="classic", layout=args.layout, correct=args.correct
            )
            best = result.best
            timings = best.timings if best else {}
            rows.append(
                {
                    "page": page.stem,
                    "size": f"{result.source.width}x{result.source.height}",
                    "status": result.status,
                    "ssim": round(best.ssim, 4) if best else None,
                    "blank_ssim": round(blank_ssim(page), 4),
                    "seconds": {stage: round(s, 3) for stage, s in timings.items()}
                    | {"total": round(result.timings["total"], 3)},
                }
            )
    scored = [row for row in rows if row["ssim"] is not None]
    stages = sorted({stage for row in rows for stage in row["seconds"]})
    summary = {
        "pages": len(rows),
        "failures": len(rows) - len(scored),
        "mean_ssim": round(statistics.mean(row["ssim"] for row in scored), 4),
        "mean_blank_ssim": round(statistics.mean(row["blank_ssim"] for row in rows), 4),
        "median_total_seconds": round(statistics.median(row["seconds"]["total"] for row in rows), 3),
        "mean_seconds": {
            stage: round(statistics.mean(row["seconds"].get(stage, 0.0) for row in rows), 3)
            for stage in stages
        },
        "cpus": os.cpu_count(),
    }
    print(json.dumps({"benchmark": "classic_pages", "rows": rows, "summary": summary}, indent=2))


if __name__ == "__main__":
    main()

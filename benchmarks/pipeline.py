"""The refine loop's own cost per iteration, model excluded: render + score + feedback + writing.

A replay backend answers every request at once with a real Design2Code page, so each iteration
runs the real loop (refine prompt built from the measured differences, extraction, Chromium
render, SSIM, heatmap, files written) and nothing else. Prints JSON: the median of 20 iterations
per page size, with the median seconds of each stage.

    .venv/bin/python benchmarks/pipeline.py [--iterations 20] [--data ../shared/data/design2code-dev]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

from PIL import Image

from img2code.backends.base import Backend, Generation, GenerationRequest, Usage
from img2code.config import RunConfig
from img2code.images import load_image
from img2code.output import OutputFolder
from img2code.progress import Progress
from img2code.refine import RefineLoop
from img2code.render.browser import Browser
from img2code.targets import get_target

ROOT = Path(__file__).resolve().parents[1]
# (label, height, pages stacked to make the source, page whose HTML the "model" answers with)
CASES = [("1280x800", 800, ["13293"], "13293"), ("1280x4000", 4000, ["9797", "17632"], "9797")]


class ReplayBackend(Backend):
    """Answers every request with the same page, instantly: the loop's cost without a model."""

    name = "replay"
    follows_prompts = True  # so every iteration after the first builds the refine prompt

    def __init__(self, answer: str) -> None:
        self.answer = answer

    @property
    def model(self) -> str:
        return "replay"

    def generate(self, request: GenerationRequest) -> Generation:
        return Generation(text=self.answer, finish_reason="stop", usage=Usage(), seconds=0.0)


def make_source(data: Path, pages: list[str], height: int, path: Path) -> None:
    """Stack the screenshots of ``pages`` and cut them to 1280 x ``height``."""
    shots = [Image.open(data / f"{page}.png").convert("RGB") for page in pages]
    canvas = Image.new("RGB", (1280, height), "white")
    y = 0
    for shot in shots:
        canvas.paste(shot, (0, y))
        y += shot.height
    canvas.save(path)


def measure(data: Path, label: str, height: int, pages: list[str], answer_page: str, runs: int) -> dict:
    """Run ``runs`` iterations of the loop on one page size; medians of the total and each stage."""
    work = Path(tempfile.mkdtemp(prefix="img2code-bench-"))
    make_source(data, pages, height, work / "source.png")
    html = (data / f"{answer_page}.html").read_text(encoding="utf-8")
    html = html.replace("</head>", f"<style>body{{min-height:{height}px}}</style></head>", 1)
    source = load_image(work / "source.png")
    config = RunConfig(backend="classic", max_iters=runs, target_ssim=None, min_gain=0.0, patience=runs + 1)
    folder = OutputFolder(work / "out")
    totals: list[float] = []
    marks = [time.perf_counter()]

    def lap(_outcome) -> None:
        marks.append(time.perf_counter())
        totals.append(marks[-1] - marks[-2])

    with Browser() as browser:
        browser.render_html("<p>warm-up</p>", 1280, 800)
        marks[0] = time.perf_counter()
        replay = ReplayBackend(html)
        loop = RefineLoop(source, replay, get_target("html"), browser, config, folder, Progress())
        outcome = loop.run(on_iteration=lap)
    stages = sorted({stage for it in outcome.iterations for stage in it.timings})
    return {
        "page": label,
        "iterations": len(totals),
        "render_height": outcome.iterations[-1].render_size[1],
        "ssim": round(outcome.iterations[-1].ssim, 4),
        "median_ms": round(statistics.median(totals) * 1000, 1),
        "min_ms": round(min(totals) * 1000, 1),
        "max_ms": round(max(totals) * 1000, 1),
        "stages_median_ms": {
            # "generate" here is only building the refine prompt (the feedback): the backend replays.
            ("feedback" if stage == "generate" else stage): round(
                statistics.median(it.timings.get(stage, 0.0) for it in outcome.iterations) * 1000, 1
            )
            for stage in stages
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--iterations", type=int, default=20)
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "design2code-dev")
    args = parser.parse_args()
    results = [measure(args.data, *case, runs=args.iterations) for case in CASES]
    machine = {"cpus": os.cpu_count(), "machine": platform.machine(), "python": platform.python_version()}
    print(json.dumps({"benchmark": "pipeline", "machine": machine, "results": results}, indent=2))


if __name__ == "__main__":
    main()

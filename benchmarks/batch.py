"""A batch through a local OpenAI-compatible server: wall time and images per minute per --jobs.

Makes N test images (the fixture mockups and Design2Code pages, cut to at most 1280x1600), starts
``transformers serve`` on 127.0.0.1 with a model folder (by default the tiny Qwen3-VL rewired to
answer a fixed HTML snippet, so every run renders and scores) or uses ``--base-url``, and converts
them all once per --jobs value into a fresh folder. Prints JSON: wall time, images per minute, and
where the time went (the stages summed over the inputs, the browser's queue, the rest per input).

    .venv/bin/python benchmarks/batch.py [--images 20] [--jobs 1,4] [--model-dir PATH]
    .venv/bin/python benchmarks/batch.py --base-url http://localhost:1234/v1 --model qwen/qwen3-vl-8b

With --per-image-browser it also converts the images one by one with convert() as a single run
does (a Chromium launched per image), for comparison with the batch's one shared browser.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from PIL import Image

from img2code.backends import BackendChoice, create_backend
from img2code.batch import run_batch
from img2code.config import RunConfig
from img2code.session import Converter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the tiny model recipes and the server fixture live there
DATA = ROOT.parent / "shared" / "data" / "design2code-dev"
STAGES = ("generate", "extract", "render", "score", "write")


def make_images(folder: Path, count: int) -> None:
    """``count`` screenshots: the mockups, then Design2Code pages, each cut to at most 1280x1600."""
    sources = sorted((ROOT / "fixtures" / "mockups").glob("*.png")) + sorted(DATA.glob("*.png"))
    if len(sources) < count:
        raise SystemExit(f"only {len(sources)} source images found")
    folder.mkdir(parents=True, exist_ok=True)
    for source in sources[:count]:
        with Image.open(source) as image:
            rgb = image.convert("RGB")
        rgb.crop((0, 0, min(rgb.width, 1280), min(rgb.height, 1600))).save(folder / source.name)


def measure_batch(images: Path, out: Path, config: RunConfig, jobs: int) -> dict:
    """Convert every image once with ``jobs`` workers; the wall time and where it went."""
    started = time.perf_counter()
    result = run_batch([images], out, config=config, jobs=jobs)
    wall = time.perf_counter() - started
    stages = dict.fromkeys(STAGES, 0.0)
    ttft, per_input, outside = [], [], 0.0
    for record in result.records:
        saved = json.loads((out / record.name / "result.json").read_text())
        spent = 0.0
        for iteration in saved["iterations"]:
            for stage, seconds in iteration["timings"].items():
                stages[stage] = stages.get(stage, 0.0) + seconds
                spent += seconds
            if iteration["first_token_seconds"] is not None:
                ttft.append(iteration["first_token_seconds"])
        per_input.append(record.seconds)
        outside += record.seconds - spent  # source.png, result.json, report.html, loading the image
    return {
        "jobs": jobs,
        "wall_s": round(wall, 2),
        "images_per_min": round(60 * len(result.records) / wall, 1),
        "statuses": result.counts,
        "per_image_s_median": round(statistics.median(per_input), 2),
        "ttft_s_median": round(statistics.median(ttft), 3) if ttft else None,
        "summed_over_inputs_s": {
            **{stage: round(seconds, 2) for stage, seconds in stages.items()},
            "outside_the_loop": round(outside, 2),
        },
        "shared_browser": {k: round(v, 2) for k, v in result.renders.items()},
    }


def measure_one_by_one(images: Path, out: Path, config: RunConfig) -> dict:
    """Convert the images in turn as single runs do: one backend, but a browser launched per image."""
    backend = create_backend(BackendChoice("openai", "benchmark"), config)
    started = time.perf_counter()
    render = 0.0
    paths = sorted(images.iterdir())
    for image in paths:
        with Converter(config, backend=backend) as converter:  # a session (and a browser) per image
            result = converter.convert(image, out / image.stem)
        render += sum(it.timings.get("render", 0.0) for it in result.iterations)
    wall = time.perf_counter() - started
    return {
        "jobs": "one by one, a browser launched per image",
        "wall_s": round(wall, 2),
        "images_per_min": round(60 * len(paths) / wall, 1),
        "render_s_total": round(render, 2),
    }


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=20)
    parser.add_argument("--jobs", default="1,4", help="comma-separated --jobs values")
    parser.add_argument("--max-iters", type=int, default=1)
    parser.add_argument("--model-dir", type=Path, help="a model folder to serve (default: the scripted tiny)")
    parser.add_argument("--base-url", help="use this running server instead of starting one")
    parser.add_argument("--model", default="", help="with --base-url: the model name it serves")
    parser.add_argument("--work", type=Path, help="where images and outputs go (default: a temp folder)")
    parser.add_argument("--per-image-browser", action="store_true", help="also measure single runs in turn")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    load_at_start = os.getloadavg()[0]
    logging.basicConfig(level=logging.ERROR)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    work = args.work or Path(tempfile.mkdtemp(prefix="img2code-batch-bench-"))
    images = work / "images"
    make_images(images, args.images)
    server = None
    base_url, model = args.base_url, args.model
    if not base_url:
        from local_server import LocalServer

        server = LocalServer(args.model_dir or _scripted_model(work), work / "serve.log")
        server.start()
        base_url, model = server.url, server.model
    config = RunConfig(backend="openai", base_url=base_url, model=model, max_iters=args.max_iters)
    try:
        runs = [
            measure_batch(images, work / f"out-{i}-jobs{n}", config, int(n))  # a fresh folder: no resume
            for i, n in enumerate(args.jobs.split(","))
        ]
        if args.per_image_browser:
            runs.append(measure_one_by_one(images, work / "out-single", config))
    finally:
        if server is not None:
            server.stop()
    report = {
        "machine": {
            "cpus": os.cpu_count(),
            "load_avg_1m": [round(load_at_start, 1), round(os.getloadavg()[0], 1)],  # at start, at end
            "python": platform.python_version(),
        },
        "images": args.images,
        "max_iters": args.max_iters,
        "server": "transformers serve on 127.0.0.1 (CPU)" if server else base_url,
        "model": model,
        "runs": runs,
    }
    print(json.dumps(report, indent=2))


def _scripted_model(work: Path) -> Path:
    """The tiny Qwen3-VL, rewired to answer a fixed snippet: the loop runs to the end every time."""
    from scripted_qwen3vl import build_scripted_qwen3vl
    from tiny_qwen3vl import build_tiny_qwen3vl

    return build_scripted_qwen3vl(build_tiny_qwen3vl(work / "tiny"), work / "scripted")


if __name__ == "__main__":
    main()

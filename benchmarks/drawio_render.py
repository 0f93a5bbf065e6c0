"""Seconds per diagram for draw.io's export page in the sandboxed Chromium, over real diagrams.

Renders every .xml/.drawio file of the data folder with one Browser (the export page is loaded
once and reused), and prints JSON: how many rendered, the first render (which loads the page)
apart, then mean, median and max seconds of the others, and each failure's message. Then the
first ``--fresh`` diagrams again, each on a freshly loaded page: what reusing the page saves.
Other work on the machine moves these numbers; compare runs made on the same, otherwise idle,
machine.

    .venv/bin/python benchmarks/drawio_render.py [--data ../shared/data/drawio-dev] [--limit N] [--fresh N]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from img2code.errors import RenderError
from img2code.render.browser import Browser
from img2code.render.drawio import export_page, render_drawio

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "drawio-dev")
    parser.add_argument("--limit", type=int, default=0, help="Render only the first N diagrams.")
    parser.add_argument("--timeout", type=float, default=30.0, help="Seconds allowed per page operation.")
    parser.add_argument("--fresh", type=int, default=10, help="Diagrams rendered again on a fresh page each.")
    args = parser.parse_args()
    files = sorted(path for path in args.data.iterdir() if path.suffix in (".xml", ".drawio"))
    files = files[: args.limit] if args.limit else files
    seconds: list[float] = []
    failures: dict[str, str] = {}
    cells = 0
    started = time.perf_counter()
    with Browser(timeout_s=args.timeout) as browser:
        for path in files:
            try:
                rendered = render_drawio(browser, path.read_text(encoding="utf-8"))
            except RenderError as exc:
                failures[path.name] = str(exc)
                continue
            seconds.append(rendered.seconds)
            cells += len(rendered.cells)
        fresh = []
        for path in files[: args.fresh]:
            browser.discard_app(export_page())
            try:
                fresh.append(render_drawio(browser, path.read_text(encoding="utf-8")).seconds)
            except RenderError:
                continue  # already listed among the failures
    reused = seconds[1:]
    print(
        json.dumps(
            {
                "diagrams": len(files),
                "rendered": len(seconds),
                "failed": failures,
                "cells": cells,
                "first_render_s": round(seconds[0], 3) if seconds else None,
                "mean_s": round(statistics.mean(reused), 3) if reused else None,
                "median_s": round(statistics.median(reused), 3) if reused else None,
                "max_s": round(max(reused), 3) if reused else None,
                "fresh_page_median_s": round(statistics.median(fresh), 3) if fresh else None,
                "reused_page_median_s_same_diagrams": round(statistics.median(seconds[1 : len(fresh)]), 3)
                if len(fresh) > 1
                else None,
                "total_s": round(time.perf_counter() - started, 1),
                "cpus": os.cpu_count(),
                "machine": platform.machine(),
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

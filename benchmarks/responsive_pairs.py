"""Responsive pairs from the Design2Code dev set, with the classic backend (issue 18's measurement).

Each reference page ``N.html`` is rendered here at 1280 and at 390 px (full page, the top
``--max-height`` pixels kept) to give a (desktop, mobile) pair of the same page. For each pair:

- ``responsive@W``: the one responsive page the classic backend writes by default (one flow DOM,
  mobile first: backends.classic_responsive) rendered at W, SSIM against the shot of width W;
  ``responsive_absolute@W``: the same with ``--layout absolute`` (each shot's pixel trace, switched
  by ``@media``: responsive.page_from_layouts);
- ``alone_absolute@W`` / ``alone_flow@W``: the classic page of that width's shot alone (the absolute
  layout, and the flow layout that is the classic default), rendered at W;
- ``desktop_only@390``: the desktop shot's page (flow, and absolute) rendered at 390 against the
  mobile shot: what a user gets without --responsive.

    .venv/bin/python benchmarks/responsive_pairs.py ../shared/data/design2code-dev --limit 20

Prints one JSON line per pair and a summary line (means); --out also appends them to a file.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from img2code.backends import classic_flow, classic_page, classic_responsive
from img2code.render.browser import Browser
from img2code.responsive import page_from_layouts
from img2code.score.ssim import compare
from img2code.vision.page import analyse

WIDTHS = (1280, 390)


def shot(browser: Browser, path: Path, width: int, max_height: int) -> Image.Image:
    image = browser.render_file(path, width, 800).image
    return image.crop((0, 0, image.width, min(image.height, max_height)))


def ssim_of(browser: Browser, code: str, target: Image.Image, width: int) -> float:
    rendered = browser.render_html(code, width, target.height)
    return round(compare(target, rendered.image).ssim, 4)


def flow_page(layout: object, image: Image.Image) -> str:
    page, _ = classic_flow.to_html(layout, np.asarray(image), inline_assets=True)  # type: ignore[arg-type]
    return str(page)


def measure(browser: Browser, path: Path, max_height: int) -> dict[str, object]:
    started = time.perf_counter()
    desktop, mobile = (shot(browser, path, width, max_height) for width in WIDTHS)
    layouts = [analyse(np.asarray(image)) for image in (desktop, mobile)]
    shots = [np.asarray(image) for image in (desktop, mobile)]
    responsive, _ = classic_responsive.to_html(layouts, shots, WIDTHS, inline_assets=True)
    traces = page_from_layouts(layouts, WIDTHS)
    row: dict[str, object] = {"case": path.stem, "sizes": [desktop.size, mobile.size]}
    for layout, image, width in zip(layouts, (desktop, mobile), WIDTHS, strict=True):
        row[f"responsive@{width}"] = ssim_of(browser, responsive, image, width)
        row[f"responsive_absolute@{width}"] = ssim_of(browser, traces, image, width)
        row[f"alone_absolute@{width}"] = ssim_of(browser, classic_page.to_html(layout), image, width)
        row[f"alone_flow@{width}"] = ssim_of(browser, flow_page(layout, image), image, width)
    row["desktop_only_flow@390"] = ssim_of(browser, flow_page(layouts[0], desktop), mobile, 390)
    row["desktop_only_absolute@390"] = ssim_of(browser, classic_page.to_html(layouts[0]), mobile, 390)
    row["seconds"] = round(time.perf_counter() - started, 1)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--max-height", type=int, default=1600)
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    cases = sorted(args.folder.glob("*.html"), key=lambda p: int(p.stem) if p.stem.isdigit() else 0)
    rows = []
    with Browser(timeout_s=30) as browser:
        for path in cases[: args.limit]:
            row = measure(browser, path, args.max_height)
            rows.append(row)
            line = json.dumps(row)
            print(line, flush=True)
            if args.out:
                with args.out.open("a") as handle:
                    handle.write(line + "\n")
    keys = [k for k in rows[0] if "@" in k] if rows else []
    summary = {k: round(sum(float(r[k]) for r in rows) / len(rows), 4) for k in keys}  # type: ignore[arg-type]
    print(json.dumps({"pairs": len(rows), "means": summary}), file=sys.stdout)


if __name__ == "__main__":
    main()

"""How far a re-render of each reference ``N.html`` lands from its shipped ``N.png``, so eval scores
can be read fairly: the dataset's screenshots were taken with their authors' fonts, ours differ.

For every page of a Design2Code-style folder it prints, as JSON lines and then a summary:
``ssim`` of the re-render against the shipped screenshot (what ``reference_ssim`` in an eval is),
the height ratio of the two, and the Design2Code scores that the shipped screenshot itself, read by
OCR, gets against the re-render's blocks (the authors' colour coding): the ceiling of a perfect copy
of the screenshot under ``img2code eval``, whose reference is that page.

    .venv/bin/python benchmarks/design2code_reference.py ../shared/data/design2code-dev [--limit N]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from img2code.evaluate.html import find_cases
from img2code.images import load_image
from img2code.render.browser import Browser
from img2code.score.design2code import METRICS, score_blocks
from img2code.score.ssim import compare
from img2code.score.textblocks import blocks_from_ocr, page_blocks


def measure_page(browser: Browser, image: Path, html: Path) -> dict[str, object]:
    shipped = load_image(image).image
    rendered, coded = page_blocks(browser, html.read_text(encoding="utf-8"), shipped.width, candidate=False)
    ocr = blocks_from_ocr(shipped)
    scores = score_blocks(coded, ocr).as_dict()
    return {
        "name": image.stem,
        "ssim": round(compare(shipped, rendered.image).ssim, 5),
        "height_ratio": round(rendered.image.height / shipped.height, 4),
        **{f"ocr_{name}": value for name, value in scores.items()},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    cases = [case for case in find_cases(args.folder) if "html" in case.references][: args.limit]
    rows = []
    started = time.perf_counter()
    with Browser() as browser:
        for case in cases:
            row = measure_page(browser, case.image, case.references["html"])
            rows.append(row)
            print(json.dumps(row), flush=True)
    keys = ["ssim", "height_ratio", *(f"ocr_{name}" for name in METRICS)]
    summary = {
        "pages": len(rows),
        "mean": {key: round(statistics.fmean(r[key] for r in rows if r[key] is not None), 5) for key in keys},
        "same_height": sum(r["height_ratio"] == 1.0 for r in rows),
        "seconds": round(time.perf_counter() - started, 1),
    }
    json.dump({"summary": summary}, sys.stdout)
    print()


if __name__ == "__main__":
    main()

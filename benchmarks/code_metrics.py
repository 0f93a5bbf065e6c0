"""Seconds per pair of the ``code`` metrics (``score.code``), and their values, over the pages an
``img2code eval`` wrote: each ``OUT/cases/N/index.html`` against its reference ``DIR/N.html``, in one
Chromium. Prints a JSON line per page and then a summary (means; overflow means are shares of pages).

    .venv/bin/python benchmarks/code_metrics.py ../shared/data/design2code-dev OUT [--limit N]

Without an eval folder (``--self``), each reference is scored against itself: every metric should be
perfect, which checks the set end to end and times the renders alone.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from img2code.evaluate.html import find_cases
from img2code.render.browser import Browser
from img2code.score.code import METRICS, score_code


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a Design2Code-style folder (N.png, N.html)")
    parser.add_argument("out", type=Path, nargs="?", help="the eval's output folder (its cases/N/index.html)")
    parser.add_argument(
        "--self", dest="against_self", action="store_true", help="score each reference against itself"
    )
    parser.add_argument("--limit", type=int, default=None)
    args = parser.parse_args()
    if args.out is None and not args.against_self:
        parser.error("give the eval's OUT folder, or --self")
    rows = []
    with Browser() as browser:
        browser.render_html("<p>warm</p>", 390, 844)  # the launch is not a pair's cost
        for case in find_cases(args.folder)[: args.limit]:
            reference = case.references.get("html")
            if reference is None:
                continue
            html = reference.read_text(encoding="utf-8", errors="replace")
            run = None if args.out is None else args.out / "cases" / case.name
            if run is not None and not (run / "index.html").is_file():
                continue
            start = time.perf_counter()
            if run is None:
                scores = score_code(browser, html, html)
            else:
                scores = score_code(browser, html, run / "index.html", assets=(run / "assets",))
            seconds = round(time.perf_counter() - start, 3)
            scrolls = scores.scrolls or {}
            raw = {
                f"{side}_scrolls@{w}": int(pair[i])
                for w, pair in scrolls.items()
                for i, side in enumerate(("cand", "ref"))
            }
            row = {"name": case.name, **scores.as_dict(), **raw, "seconds": seconds}
            rows.append(row)
            print(json.dumps(row), flush=True)
    summary: dict[str, object] = {"pairs": len(rows)}
    for name in (*METRICS, "seconds"):
        values = [row[name] for row in rows if isinstance(row.get(name), (int, float))]
        summary[name] = round(statistics.fmean(values), 4) if values else None
    for name in (
        "overflow@390",
        "overflow@768",
        "cand_scrolls@390",
        "cand_scrolls@768",
        "ref_scrolls@390",
        "ref_scrolls@768",
    ):
        summary[f"{name}_pages"] = sum(1 for row in rows if row.get(name))
    summary["seconds_median"] = round(statistics.median(row["seconds"] for row in rows), 3) if rows else None
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

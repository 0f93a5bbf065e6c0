"""Every front-end stack of the classic backend on Design2Code pages: offline renders, SSIM against
the source and against the html stack, render seconds, Design2Code scores, code metrics (each
stack's page read as its scripts leave it, as ``eval`` reads it). Prints JSON.

    .venv/bin/python benchmarks/stacks.py [--limit 20] [--data ../shared/data/design2code-dev] [--out F]
        [--pages EVAL/cases]   # the html pages of an earlier classic eval (CASE/index.html): no OCR

The page is read once (OCR, regions) and written in every stack from that one layout, so the stacks
differ only in how the page is written. Render seconds: each stack has a Chromium of its own; "first"
is its first render (a fresh page and context), "reused" the median of the others.
"""

from __future__ import annotations

import argparse
import base64
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from img2code.backends.base import GenerationRequest
from img2code.backends.classic import ClassicBackend
from img2code.backends.classic_stacks import to_stack
from img2code.config import GenerationOptions
from img2code.evaluate.html import find_cases
from img2code.render.browser import Browser
from img2code.score.code import score_code
from img2code.score.design2code import score_blocks
from img2code.score.ssim import compare
from img2code.score.textblocks import candidate_blocks, page_blocks
from img2code.stacks import STACKS, StackTarget
from img2code.vision import page as vision_page

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data" / "design2code-dev")
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--pages", type=Path, help="CASE/index.html of an earlier classic run, read instead")
    parser.add_argument("--no-design2code", action="store_true", help="no Design2Code scores (faster)")
    parser.add_argument("--no-code", action="store_true", help="no code metrics (faster)")
    args = parser.parse_args()
    cases = find_cases(args.data)
    if args.pages:
        cases = [case for case in cases if (args.pages / case.name / "index.html").is_file()]
    cases = cases[: args.limit]
    backend = ClassicBackend(inline_assets=True)  # pictures as data URIs: every stack shows them alike
    analyse = vision_page.analyse
    browsers = {stack: Browser(timeout_s=60) for stack in STACKS}
    rows: list[dict[str, object]] = []
    try:
        for case in cases:
            source = Image.open(case.image).convert("RGB")
            started = time.perf_counter()
            if args.pages:
                classic_page = _with_inline_assets(args.pages / case.name)
            else:
                layout = analyse(np.asarray(source))
                vision_page.analyse = lambda rgb, layout=layout: layout  # type: ignore[assignment]
            analyse_s = time.perf_counter() - started
            reference_html = case.references["html"].read_text(encoding="utf-8", errors="replace")
            reference_blocks = None
            if not args.no_design2code:
                reference_blocks = page_blocks(
                    browsers["html"], reference_html, source.width, candidate=False
                )[1]
            html_render = None
            for stack in STACKS:
                request = GenerationRequest(
                    "html", "generate", "", [source], GenerationOptions(), stack=stack
                )
                text = to_stack(classic_page, stack)[0] if args.pages else backend.generate(request).text
                target = StackTarget(stack)
                code = target.extract(text).code
                row: dict[str, object] = {"case": case.name, "stack": stack, "analyse_s": round(analyse_s, 2)}
                try:
                    rendered = target.render(browsers[stack], code, source.width, source.height)
                except Exception as exc:
                    row["error"] = str(exc)
                    rows.append(row)
                    print(json.dumps(row), file=sys.stderr, flush=True)
                    continue
                if stack == "html":
                    html_render = rendered.image
                if reference_blocks is not None:
                    blocks = candidate_blocks(
                        browsers[stack], target.scored_page(code, rendered), source.width
                    )
                    row.update(score_blocks(reference_blocks, blocks).as_dict())
                row.update(
                    render_s=round(rendered.seconds, 3),
                    ssim=round(compare(source, rendered.image).ssim, 5),
                    ssim_vs_html=None
                    if html_render is None
                    else round(compare(html_render, rendered.image).ssim, 5),
                    vendored=len(rendered.vendored),
                    blocked=rendered.blocked,
                    errors=rendered.errors,
                    code_bytes=len(code.encode()),
                )
                if not args.no_code:  # the page as its scripts leave it, read as eval reads it
                    snapshot = target.snapshot(browsers[stack], code, source.width, source.height)
                    row.update(score_code(browsers[stack], reference_html, snapshot).as_dict())
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
    finally:
        for browser in browsers.values():
            browser.close()
    summary = {stack: summarise([r for r in rows if r["stack"] == stack]) for stack in STACKS}
    text = json.dumps({"pages": len(cases), "stacks": summary, "rows": rows}, indent=2)
    if args.out:
        args.out.write_text(text + "\n")
    print(json.dumps({"pages": len(cases), "stacks": summary}, indent=2))


def _with_inline_assets(folder: Path) -> str:
    """A run's index.html with the pictures it links (assets/NAME) as data URIs."""
    page = (folder / "index.html").read_text(encoding="utf-8")
    assets = folder / "assets"
    for path in sorted(assets.iterdir()) if assets.is_dir() else []:
        uri = "data:image/png;base64," + base64.b64encode(path.read_bytes()).decode("ascii")
        page = page.replace(f'"assets/{path.name}"', f'"{uri}"')
    return page


def summarise(rows: list[dict[str, object]]) -> dict[str, object]:
    ok = [r for r in rows if "error" not in r]

    def mean(key: str) -> float | None:
        values = [float(r[key]) for r in ok if isinstance(r.get(key), (int, float))]  # type: ignore[arg-type]
        return round(statistics.fmean(values), 4) if values else None

    seconds = [float(r["render_s"]) for r in ok]  # type: ignore[arg-type]
    gaps = [1 - float(r["ssim_vs_html"]) for r in ok if isinstance(r.get("ssim_vs_html"), float)]  # type: ignore[arg-type]
    return {
        "rendered": f"{len(ok)}/{len(rows)}",
        "with_blocked_requests": sum(1 for r in ok if r["blocked"]),
        "with_page_errors": sum(1 for r in ok if r["errors"]),
        "ssim": mean("ssim"),
        "min_ssim_vs_html": None if not gaps else round(1 - max(gaps), 4),
        "render_first_s": seconds[0] if seconds else None,
        "render_reused_median_s": round(statistics.median(seconds[1:]), 3) if len(seconds) > 1 else None,
        **{name: mean(name) for name in ("block", "text", "position", "color")},
        **{
            name: mean(name)
            for name in ("ssim@390", "ssim@768", "overflow@390", "absolute", "roles", "tree_bleu")
        },
        "code_kb": mean("code_bytes") and round(mean("code_bytes") / 1024, 1),  # type: ignore[operator]
    }


if __name__ == "__main__":
    main()

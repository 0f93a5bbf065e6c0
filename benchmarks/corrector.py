"""How much of a degraded page `img2code fix` wins back: prints JSON.

Real reference pages of ../shared/data/design2code-dev are degraded as a model would get them wrong
(inline styles on chosen elements): text colours shifted by ΔE 10-40, font sizes x0.8-1.25, margins
and paddings +-8-40 px, one background colour changed, widths squeezed. The source is the original
rendered by the project's renderer in the 1280 x 720 window Design2Code's blocks are read in; the
corrector sees only that image (OCR blocks). The pages are then scored as an eval scores them:
SSIM against the source, and Design2Code against the original's own blocks (colour-coded renders
of both pages). Recovery = gained / lost, summed over
pages (so pages that lost nothing do not divide by zero); "worse" counts pages the fix lowered.

    .venv/bin/python benchmarks/corrector.py --pages 10 --kinds colour,font,spacing,background,width
    .venv/bin/python benchmarks/corrector.py --summarise rows-*.jsonl   # rows of split runs (--skip, --out)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from img2code.correct import correct  # noqa: E402
from img2code.render.browser import Browser  # noqa: E402
from img2code.score.design2code import score_blocks  # noqa: E402
from img2code.score.feedback import design_text, hex_colour, read_page  # noqa: E402
from img2code.score.ssim import compare  # noqa: E402
from img2code.score.textblocks import VIEWPORT_HEIGHT, blocks_from_ocr, candidate_blocks, page_blocks  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "design2code-dev"
KINDS = ("colour", "font", "spacing", "background", "width")
# the window Design2Code's blocks are read in: a page sized by its window (100vh, fixed bars) lays
# out alike in the source and in the scores
WIDTH, HEIGHT = 1280, VIEWPORT_HEIGHT
MAX_HEIGHT = 3000  # longer pages are skipped (time)


def shifted_colour(rgb: tuple[int, ...], distance: float, rng: random.Random) -> str:
    """``rgb`` moved by ``distance`` (ΔE) in a random Lab direction that stays inside sRGB (lab2rgb
    clips what falls outside: black moved "darker" would come back black, no change at all)."""
    import warnings

    from skimage.color import lab2rgb, rgb2lab

    lab = rgb2lab(np.array(rgb[:3], dtype=float).reshape(1, 1, 3) / 255)[0, 0]
    best = None
    for _ in range(200):
        direction = np.array([rng.gauss(0, 1) for _ in range(3)])
        moved = lab + direction / np.linalg.norm(direction) * distance
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            back = np.round(lab2rgb(moved.reshape(1, 1, 3))[0, 0] * 255)
        reached = float(np.linalg.norm(rgb2lab(back.reshape(1, 1, 3) / 255)[0, 0] - lab))
        if best is None or abs(reached - distance) < best[0]:
            best = (abs(reached - distance), back)
        if abs(reached - distance) <= 1:
            break
    assert best is not None
    return hex_colour(tuple(float(v) for v in best[1]))


def degrade(html: str, page, kind: str, rng: random.Random) -> str | None:  # type: ignore[no-untyped-def]
    """The page with inline styles that get one kind of thing wrong; None when it has nothing to spoil."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    elements = page.elements
    with_text = list(dict.fromkeys(run.element for run in page.texts))
    changes: list[tuple[str, str]] = []
    if kind == "colour":
        for i in rng.sample(with_text, min(5, len(with_text))):
            changes.append(
                (
                    elements[i].selector,
                    f"color: {shifted_colour(elements[i].colour, rng.uniform(10, 40), rng)}",
                )
            )
    elif kind == "font":
        for i in rng.sample(with_text, min(5, len(with_text))):
            scale = rng.choice([rng.uniform(0.8, 0.92), rng.uniform(1.08, 1.25)])
            changes.append((elements[i].selector, f"font-size: {elements[i].font_size * scale:.1f}px"))
    elif kind == "spacing":
        blocks = [
            e.index
            for e in elements
            if e.tag not in ("html", "body")
            and not e.display.startswith("inline")
            and e.box[3] > 0
            and any(run.element == e.index or elements[run.element].parent == e.index for run in page.texts)
        ]
        for i in rng.sample(blocks, min(3, len(blocks))):
            amount = rng.choice([-1, 1]) * rng.uniform(8, 40)
            prop = rng.choice(["margin-top", "padding-top", "padding-bottom"])
            if prop.startswith("padding"):
                amount = abs(amount)
            base = elements[i].margin_top if prop == "margin-top" else 0
            changes.append((elements[i].selector, f"{prop}: {base + amount:.0f}px"))
    elif kind == "background":
        coloured = [
            e for e in elements if e.background[3] > 0.5 and e.box[2] * e.box[3] >= 2000 and e.tag != "html"
        ]
        if coloured:
            e = rng.choice(coloured)
            changes.append(
                (e.selector, f"background-color: {shifted_colour(e.background, rng.uniform(15, 40), rng)}")
            )
        else:
            changes.append(
                ("body", f"background-color: {shifted_colour((255, 255, 255), rng.uniform(15, 40), rng)}")
            )
    elif kind == "width":
        # boxes whose own text spans 200 px or more, squeezed under it so that the text wraps
        wide = {}
        for run in page.texts:
            if run.box[2] - run.box[0] >= 200 and run.lines == 1:
                box = _block(page, run.element)
                if box.tag not in ("html", "body"):
                    wide.setdefault(box.index, run.box[2] - run.box[0])
        for i in rng.sample(sorted(wide), min(2, len(wide))):
            changes.append((elements[i].selector, f"max-width: {wide[i] * rng.uniform(0.6, 0.85):.0f}px"))
    done = 0
    for selector, declaration in changes:
        found = soup.select_one(selector)
        if found is None:
            continue
        style = str(found.get("style", "")).strip().rstrip(";")
        found["style"] = f"{style}; {declaration}" if style else declaration
        done += 1
    return str(soup) if done else None


def _block(page, index):  # type: ignore[no-untyped-def]
    element = page.elements[index]
    while element.display.startswith("inline") and element.parent >= 0:
        element = page.elements[element.parent]
    return element


def scores(browser: Browser, html: str, source, reference_blocks) -> dict[str, float]:  # type: ignore[no-untyped-def]
    render = browser.render_html(html, WIDTH, HEIGHT).image
    d2c = score_blocks(reference_blocks, candidate_blocks(browser, html, WIDTH))
    return {"ssim": compare(source, render).ssim, "position": d2c.position, "color": d2c.color}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--skip", type=int, default=0, help="leave out the first SKIP pages (to split a run)")
    parser.add_argument("--kinds", default=",".join(KINDS))
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--out", type=Path, default=None, help="write per-page rows here (JSON lines)")
    parser.add_argument("--summarise", type=Path, nargs="+", help="only summarise rows written by --out")
    args = parser.parse_args()
    if args.summarise:
        rows = [json.loads(line) for path in args.summarise for line in path.read_text().splitlines() if line]
        print(json.dumps(summary(rows), indent=1))
        return
    kinds = args.kinds.split(",")
    rows = []
    names = sorted(p.stem for p in DATA.glob("*.html"))
    with Browser() as browser:
        pages = 0
        for name in names:
            if pages >= args.skip + args.pages:
                break
            html = (DATA / f"{name}.html").read_text(errors="replace")
            source_render = browser.render_html(html, WIDTH, HEIGHT)
            source = source_render.image
            if source.height > MAX_HEIGHT:
                continue
            pages += 1
            if pages <= args.skip:
                continue
            _, reference_blocks = page_blocks(browser, html, WIDTH, candidate=False)
            original = scores(browser, html, source, reference_blocks)
            design = design_text(source, blocks_from_ocr(source))
            page = read_page(browser, html, WIDTH, HEIGHT)
            for kind in kinds:
                rng = random.Random(f"{args.seed}-{name}-{kind}")
                bad = degrade(html, page, kind, rng)
                if bad is None:
                    continue
                before = scores(browser, bad, source, reference_blocks)
                started = time.perf_counter()
                fixed = correct(browser, bad, design)
                seconds = time.perf_counter() - started
                after = scores(browser, fixed.code, source, reference_blocks)
                row = {
                    "page": name,
                    "kind": kind,
                    "original": original,
                    "degraded": before,
                    "fixed": after,
                    "seconds": seconds,
                    "renders": fixed.renders,
                    "kept": [g.kind for g in fixed.groups if g.kept] if fixed.changed else [],
                }
                rows.append(row)
                print(json.dumps(row), file=sys.stderr, flush=True)
                if args.out:
                    with args.out.open("a") as handle:
                        handle.write(json.dumps(row) + "\n")
    print(json.dumps(summary(rows), indent=1))


def summary(rows: list[dict]) -> dict[str, object]:  # type: ignore[type-arg]
    out: dict[str, object] = {}
    for kind in [*dict.fromkeys(row["kind"] for row in rows), "all"]:
        chosen = [row for row in rows if kind in ("all", row["kind"])]
        entry: dict[str, object] = {"pages": len(chosen)}
        for metric in ("ssim", "position", "color"):
            lost = sum(r["original"][metric] - r["degraded"][metric] for r in chosen)
            gained = sum(r["fixed"][metric] - r["degraded"][metric] for r in chosen)
            entry[metric] = {
                "lost": round(lost / len(chosen), 4),
                "recovered_share": round(gained / lost, 3) if lost > 1e-6 else None,
                "worse_pages": sum(r["fixed"][metric] < r["degraded"][metric] - 1e-4 for r in chosen),
            }
        entry["seconds_per_page"] = round(sum(r["seconds"] for r in chosen) / len(chosen), 2)
        entry["renders_per_page"] = round(sum(r["renders"] for r in chosen) / len(chosen), 1)
        out[kind] = entry
    return out


if __name__ == "__main__":
    main()

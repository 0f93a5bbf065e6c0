"""img2code's Design2Code scores side by side with the Design2Code authors' own code.

For ``--pages`` pages of a Design2Code folder (``N.html`` + ``N.png``, picked with ``--seed``) it
scores five (reference, candidate) pairs per page with both implementations:

    identical  the reference itself
    recolour   a stylesheet that paints headings, links and buttons #c03 and paragraphs, list
               items and table cells #1f4e99
    retext     words of about half the text nodes swapped for other words (markup kept)
    shift      body padding 120 px at the top and 40 px at the left
    classic    what ``img2code html N.png --backend classic --max-iters 1`` makes of the screenshot
               (cached in ``--cache``; delete a page's folder there to redo it)

The authors' side is ``visual_eval_v3_multi`` of NoviScl/Design2Code, vendored in
``design2code_original/`` (see its README for the commit and the patches; CLIP is stubbed out, so
its fifth score is 0 and ignored). It works on copies in a temporary folder: it writes its
screenshots and helper pages next to the HTML. ``--dedup`` turns its ``check_repetitive_content``
step back on (off by default: it cuts pages inside ``<style>``). The project's side is
``img2code.score.candidate.score_candidate(..., metrics=("design2code",))``.

Prints, per kind and metric, mean |project - original|, the bias (project - original), the
page-by-page Pearson r, the worst page, the seconds per pair of each side, then PASS/FAIL for the
goal: mean |diff| <= 0.02 per metric, |bias| <= 0.02 on the classic pairs, no pair off by more than
0.10, r >= 0.9 on the classic pairs. Every pair's numbers go to ``--out`` (JSON).

    nice .venv/bin/python benchmarks/design2code_agreement.py [--pages 10] [--seed 0] [--dedup]
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import math
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VENDORED = Path(__file__).resolve().parent / "design2code_original"
DEFAULT_DATA = ROOT.parent / "shared" / "data" / "design2code-dev"
DEFAULT_OUT = ROOT / "benchmarks" / "results" / "design2code_agreement.json"
DEFAULT_CACHE = Path(tempfile.gettempdir()) / "img2code-d2c-agreement-classic"
BIN = Path(sys.executable).parent

KINDS = ("identical", "recolour", "retext", "shift", "classic")
METRICS = ("block", "text", "position", "color")
GOAL_MEAN, GOAL_BIAS, GOAL_WORST, GOAL_R = 0.02, 0.02, 0.10, 0.9

RECOLOUR_CSS = (
    "h1, h2, h3, h4, h5, h6, a, button, th { color: #c03 !important; }\n"
    "p, li, td { color: #1f4e99 !important; }"
)
SHIFT_CSS = "body { padding-top: 120px !important; padding-left: 40px !important; }"
WORDS = (
    "lorem",
    "ipsum",
    "dolor",
    "amet",
    "consectetur",
    "adipiscing",
    "elit",
    "sed",
    "tempor",
    "incididunt",
    "labore",
    "dolore",
    "magna",
    "aliqua",
    "enim",
    "minim",
    "veniam",
    "quis",
    "nostrud",
    "exercitation",
    "ullamco",
    "laboris",
    "nisi",
    "aliquip",
    "commodo",
    ").split(",
)


# --- the authors' code ---------------------------------------------------------------------------


def stub_module(name: str, **attributes: Any) -> None:
    module = types.ModuleType(name)
    module.__dict__.update(attributes)
    sys.modules[name] = module
    parent, _, child = name.rpartition(".")
    if parent:
        setattr(sys.modules[parent], child, module)


def load_original(dedup: bool) -> types.ModuleType:
    """``Design2Code.metrics.visual_score`` with the patches made here, at import time: a ``clip``
    stub (no weights load) and a CLIP similarity of 0; ``sklearn`` and ``matplotlib`` stubs where
    they are not installed (imported there, never used); ``check_repetitive_content`` a no-op
    unless ``dedup``."""
    stub_module("clip", load=lambda *args, **kwargs: (None, None))
    if importlib.util.find_spec("sklearn") is None:
        for name in ("sklearn", "sklearn.metrics"):
            stub_module(name)
        stub_module("sklearn.metrics.pairwise", cosine_similarity=None)
    if importlib.util.find_spec("matplotlib") is None:
        stub_module("matplotlib")
        stub_module("matplotlib.pyplot")
    sys.path.insert(0, str(VENDORED))
    from Design2Code.metrics import visual_score

    visual_score.calculate_clip_similarity_with_blocks = lambda *args: 0.0
    if not dedup:
        visual_score.check_repetitive_content = lambda *args, **kwargs: None
    return visual_score


@contextlib.contextmanager
def authors_environment() -> Iterator[list[str]]:
    """Where the authors' ``os.system("python3 metrics/screenshot_single.py ...")`` calls work: the
    current folder is ``Design2Code/`` and this interpreter's ``python3`` comes first on PATH. What
    they print (also their subprocesses) is caught, line by line, into the yielded list."""
    lines: list[str] = []
    cwd, path = os.getcwd(), os.environ.get("PATH", "")
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with tempfile.TemporaryFile() as sink:
        os.dup2(sink.fileno(), 1)
        os.dup2(sink.fileno(), 2)
        os.chdir(VENDORED / "Design2Code")
        os.environ["PATH"] = f"{BIN}{os.pathsep}{path}"
        try:
            yield lines
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.chdir(cwd)
            os.environ["PATH"] = path
            for fd, copy in zip((1, 2), saved, strict=True):
                os.dup2(copy, fd)
                os.close(copy)
            sink.seek(0)
            lines.extend(line for line in sink.read().decode(errors="replace").splitlines() if line.strip())


def score_original(visual_score: types.ModuleType, reference: Path, candidate: Path) -> dict[str, Any]:
    """The authors' five scores of ``candidate`` against ``reference`` (both in their own folder,
    which gets their screenshots), with the seconds and what they printed."""
    started = time.perf_counter()
    result: dict[str, Any] = {}
    with authors_environment() as lines:
        try:
            _, _, scores = visual_score.visual_eval_v3_multi([[str(candidate)], str(reference)])[0]
            result.update(zip((*METRICS, "clip"), (float(value) for value in scores), strict=True))
        except Exception as error:  # the authors' code fails, or its vendored copy does not load
            result["error"] = f"{type(error).__name__}: {error}"
    result["seconds"] = round(time.perf_counter() - started, 3)
    if lines:
        result["printed"] = lines[:20]
    return result


# --- the project's scorer ------------------------------------------------------------------------


def score_project(reference: Path, candidate: Path) -> dict[str, Any]:
    started = time.perf_counter()
    result: dict[str, Any] = {}
    try:  # the scorer is being rewritten: an error is recorded, not fatal
        from img2code.score.candidate import score_candidate

        scores = score_candidate(reference, candidate, metrics=("design2code",))
        result.update({name: scores.get(name) for name in METRICS})
        if "blocks" in scores:
            result["blocks"] = scores["blocks"]
    except Exception as error:
        result["error"] = f"{type(error).__name__}: {error}"
    result["seconds"] = round(time.perf_counter() - started, 3)
    return result


def project_version() -> str:
    """The commit of the working tree the project's scores came from, "+dirty" with local edits."""

    def git(*arguments: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(ROOT), *arguments], capture_output=True, text=True, check=False
        )
        return done.stdout.strip()

    dirty = git("status", "--porcelain", "--", "img2code")
    return git("rev-parse", "--short", "HEAD") + ("+dirty" if dirty else "")


# --- the candidates ------------------------------------------------------------------------------


def inject_css(html: str, css: str) -> str:
    """``html`` with a ``<style>`` of ``css`` last in its head (else first in its body, else first)."""
    style = f"<style>\n{css}\n</style>\n"
    for pattern, before in ((r"</head\s*>", True), (r"<body\b[^>]*>", False)):
        found = re.search(pattern, html, re.IGNORECASE)
        if found:
            at = found.start() if before else found.end()
            return html[:at] + style + html[at:]
    return style + html


def retext(html: str, rng: random.Random) -> str:
    """``html`` with the words of about half its text nodes swapped, each with probability 0.5, for
    other words: what a model that misread the text would write. Markup stays (lxml re-serialises)."""
    import lxml.html

    document = lxml.html.document_fromstring(html)

    def swap(text: str | None) -> str | None:
        if not text or not text.strip() or rng.random() < 0.5:
            return text
        return re.sub(r"[A-Za-z]{3,}", lambda m: rng.choice(WORDS) if rng.random() < 0.5 else m[0], text)

    for element in document.iter():
        if not isinstance(element.tag, str):  # comments, processing instructions
            element.tail = swap(element.tail)
            continue
        if element.tag not in ("script", "style", "noscript", "title", "head"):
            element.text = swap(element.text)
        element.tail = swap(element.tail)
    doctype = document.getroottree().docinfo.doctype
    return lxml.html.tostring(document, encoding="unicode", doctype=doctype or None)


def classic_page(image: Path, cache: Path) -> tuple[Path | None, dict[str, Any]]:
    """The classic backend's page for ``image``, made once and kept in ``cache/<name>/``."""
    folder = cache / image.stem
    page = folder / "index.html"
    info: dict[str, Any] = {"folder": str(folder)}
    if page.is_file():
        info["cached"] = True
        return page, info
    command = [str(BIN / "img2code"), "html", str(image), "-o", str(folder), "--backend", "classic"]
    started = time.perf_counter()
    done = subprocess.run([*command, "--max-iters", "1"], capture_output=True, text=True, check=False)
    info["seconds"] = round(time.perf_counter() - started, 3)
    if done.returncode != 0 or not page.is_file():
        info["error"] = f"exit {done.returncode}: {(done.stderr or done.stdout).strip()[-500:]}"
        return None, info
    return page, info


def candidates(reference: Path, image: Path, seed: int, cache: Path) -> dict[str, tuple[str | None, Any]]:
    """Each kind's candidate HTML (None where it could not be made) and a note on how it was made."""
    html = reference.read_text(encoding="utf-8")
    made: dict[str, tuple[str | None, Any]] = {
        "identical": (html, None),
        "recolour": (inject_css(html, RECOLOUR_CSS), None),
        "retext": (retext(html, random.Random(f"{seed}-{reference.stem}")), None),
        "shift": (inject_css(html, SHIFT_CSS), None),
    }
    page, info = classic_page(image, cache)
    made["classic"] = (page.read_text(encoding="utf-8") if page else None, info)
    return made


# --- statistics ----------------------------------------------------------------------------------


def pearson(xs: list[float], ys: list[float]) -> float | None:
    """Pearson's r; None where either side (to 6 decimals, their printed precision) is constant."""
    if len(xs) < 2 or len({round(x, 6) for x in xs}) < 2 or len({round(y, 6) for y in ys}) < 2:
        return None
    return statistics.correlation(xs, ys)


def summarise(rows: list[dict[str, Any]], kinds: tuple[str, ...], metric: str) -> dict[str, Any]:
    """Agreement on ``metric`` over the rows of ``kinds`` where both sides gave a number."""
    pairs = [
        (row["page"], row["original"][metric], row["project"][metric])
        for row in rows
        if row["kind"] in kinds
        and isinstance(row["original"].get(metric), float)
        and isinstance(row["project"].get(metric), (int, float))
    ]
    if not pairs:
        return {"n": 0}
    diffs = [project - original for _, original, project in pairs]
    worst = max(range(len(pairs)), key=lambda i: abs(diffs[i]))
    return {
        "n": len(pairs),
        "mean_abs": statistics.mean(abs(d) for d in diffs),
        "bias": statistics.mean(diffs),
        "r": pearson([p[1] for p in pairs], [p[2] for p in pairs]),
        "worst": abs(diffs[worst]),
        "worst_page": pairs[worst][0],
        "original_mean": statistics.mean(p[1] for p in pairs),
        "project_mean": statistics.mean(p[2] for p in pairs),
    }


def fmt(value: float | None, sign: bool = False, digits: int = 3) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:+.{digits}f}" if sign else f"{value:.{digits}f}"


def print_report(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The table and the goal's verdicts; returns both as data for the JSON."""
    groups = [(kind, (kind,)) for kind in KINDS] + [("all", KINDS)]
    header = (
        f"{'kind':<10} {'metric':<9} {'n':>3} {'mean|Δ|':>8} {'bias':>8} {'r':>6} "
        f"{'worst|Δ|':>8} {'page':>6} {'orig':>6} {'proj':>6}"
    )
    print(header)
    print("-" * len(header))
    table: dict[str, dict[str, Any]] = {}
    for label, kinds in groups:
        if not any(row["kind"] in kinds for row in rows):
            continue
        table[label] = {}
        for metric in METRICS:
            s = table[label][metric] = summarise(rows, kinds, metric)
            if not s["n"]:
                print(f"{label:<10} {metric:<9} {0:>3}  (no pair scored by both sides)")
                continue
            print(
                f"{label:<10} {metric:<9} {s['n']:>3} {fmt(s['mean_abs'], digits=4):>8} "
                f"{fmt(s['bias'], True, 4):>8} {fmt(s['r']):>6} {fmt(s['worst'], digits=4):>8} "
                f"{s['worst_page']:>6} "
                f"{fmt(s['original_mean']):>6} {fmt(s['project_mean']):>6}"
            )
        print()

    print("seconds per pair (mean / median / max) and errors, each side")
    print(f"{'kind':<10} {'pairs':>5} {'original':>20} {'project':>20} {'orig err':>8} {'proj err':>8}")
    seconds: dict[str, Any] = {}
    for label, kinds in groups:
        chosen = [
            row for row in rows if row["kind"] in kinds and row["original"].get("error") != "no candidate"
        ]
        if not chosen:
            continue
        seconds[label] = {}
        shown = []
        for side in ("original", "project"):
            times = [row[side]["seconds"] for row in chosen]
            spread = statistics.mean(times), statistics.median(times), max(times)
            seconds[label][side] = dict(zip(("mean", "median", "max"), spread, strict=True))
            shown.append(" / ".join(f"{t:.1f}" for t in spread))
        errors = [
            sum("error" in row[side] for row in rows if row["kind"] in kinds)
            for side in ("original", "project")
        ]
        print(f"{label:<10} {len(chosen):>5} {shown[0]:>20} {shown[1]:>20} {errors[0]:>8} {errors[1]:>8}")
    print()

    def verdict(values: dict[str, float | None], passes: Callable[[float], bool]) -> str:
        if any(value is None for value in values.values()):
            return "N/A "
        return "PASS" if all(passes(value) for value in values.values() if value is not None) else "FAIL"

    checks = {
        f"mean |Δ| <= {GOAL_MEAN} per metric (all pairs)": (
            {m: table["all"][m].get("mean_abs") for m in METRICS},
            lambda v: v <= GOAL_MEAN,
        ),
        f"|bias| <= {GOAL_BIAS} on the classic pairs": (
            {m: table.get("classic", {}).get(m, {}).get("bias") for m in METRICS},
            lambda v: abs(v) <= GOAL_BIAS,
        ),
        f"no pair off by more than {GOAL_WORST}": (
            {m: table["all"][m].get("worst") for m in METRICS},
            lambda v: v <= GOAL_WORST,
        ),
        f"Pearson r >= {GOAL_R} on the classic pairs": (
            {m: table.get("classic", {}).get(m, {}).get("r") for m in METRICS},
            lambda v: v >= GOAL_R,
        ),
    }
    goal = {}
    for name, (values, passes) in checks.items():
        status = verdict(values, passes)
        goal[name] = {"status": status.strip(), "values": values}
        digits = 3 if "Pearson" in name else 4
        shown = "  ".join(f"{m} {fmt(v, 'bias' in name, digits)}" for m, v in values.items())
        print(f"{status}  {name}: {shown}")
    return {"table": table, "seconds_per_pair": seconds, "goal": goal}


# --- main ----------------------------------------------------------------------------------------


def pick_pages(data: Path, count: int, seed: int) -> list[str]:
    names = sorted(p.stem for p in data.glob("*.html") if (data / f"{p.stem}.png").is_file())
    return sorted(random.Random(seed).sample(names, min(count, len(names))), key=lambda n: (len(n), n))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--cache", type=Path, default=DEFAULT_CACHE, help="classic pages, made once")
    parser.add_argument("--dedup", action="store_true", help="keep the authors' check_repetitive_content")
    parser.add_argument("--report", type=Path, help="only print the table of an earlier run's --out JSON")
    parser.add_argument(
        "--kinds", default=",".join(KINDS), help="comma-separated subset of " + ",".join(KINDS)
    )
    args = parser.parse_args()
    if args.report:
        earlier = json.loads(args.report.read_text())
        print(f"{args.report}: {json.dumps(earlier['settings'])}\n")
        print_report(earlier["rows"])
        return
    kinds = [kind for kind in args.kinds.split(",") if kind]
    if unknown := set(kinds) - set(KINDS):
        parser.error(f"unknown kinds: {', '.join(sorted(unknown))}")

    visual_score = load_original(args.dedup)
    version = project_version()  # the scorer may change while this runs: its commit before and after
    pages = pick_pages(args.data, args.pages, args.seed)
    print(f"pages (seed {args.seed}): {' '.join(pages)}", flush=True)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="img2code-d2c-agreement-") as work:
        for page in pages:
            reference, image = args.data / f"{page}.html", args.data / f"{page}.png"
            made = candidates(reference, image, args.seed, args.cache)
            for kind in kinds:
                html, note = made[kind]
                row: dict[str, Any] = {"page": page, "kind": kind}
                if note:
                    row["made"] = note
                if html is None:
                    row["original"] = row["project"] = {"error": "no candidate", "seconds": 0.0}
                    rows.append(row)
                    print(
                        f"{page:>6} {kind:<9} no candidate: {note.get('error') if note else ''}", flush=True
                    )
                    continue
                sides = {}
                for side in ("original", "project"):  # each side its own copies
                    folder = Path(work) / f"{page}-{kind}-{side}"
                    folder.mkdir()
                    shutil.copyfile(reference, folder / "reference.html")
                    (folder / "candidate.html").write_text(html, encoding="utf-8")
                    sides[side] = folder
                row["original"] = score_original(
                    visual_score, sides["original"] / "reference.html", sides["original"] / "candidate.html"
                )
                row["project"] = score_project(
                    sides["project"] / "reference.html", sides["project"] / "candidate.html"
                )
                rows.append(row)
                shown = "  ".join(
                    f"{m} {fmt(row['original'].get(m))}/{fmt(row['project'].get(m))}" for m in METRICS
                )
                problems = [
                    f"{side}: {row[side]['error']}"
                    for side in ("original", "project")
                    if "error" in row[side]
                ]
                print(
                    f"{page:>6} {kind:<9} orig/proj {shown}  "
                    f"[{row['original']['seconds']:.1f}s / {row['project']['seconds']:.1f}s]"
                    + (f"  ERROR {'; '.join(problems)}" if problems else ""),
                    flush=True,
                )
                shutil.rmtree(sides["original"])
                shutil.rmtree(sides["project"])
    print()
    report = print_report(rows)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    settings = {"pages": pages, "seed": args.seed, "dedup": args.dedup, "data": str(args.data)}
    settings["img2code"] = {"start": version, "end": project_version()}
    args.out.write_text(
        json.dumps({"settings": settings, "rows": rows, **report}, indent=2, default=str) + "\n"
    )
    print(f"\nper-pair numbers: {args.out}")


if __name__ == "__main__":
    main()

"""The command line: parses options, calls the library, maps errors to exit codes. No logic here.

Exit codes: 0 ok, 1 the run failed (or only partly succeeded), 2 bad usage or bad input, 130 Ctrl-C.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

import click

from .config import (
    BACKENDS,
    DEFAULT_MODEL,
    DIAGRAM_SUFFIXES,
    LAYOUTS,
    METRIC_SETS,
    PRESETS,
    SCORE_METRIC_SETS,
    SERVERS,
    STACKS,
    TARGETS,
    RunConfig,
    parse_metrics,
)
from .errors import Img2CodeError
from .interrupt import CTRL_C

log = logging.getLogger("img2code")
Command = Callable[..., Any]


class Img2CodeGroup(click.Group):
    """Turns an Img2CodeError into a one-line message and its exit code instead of a traceback, and
    Ctrl-C into exit code 130 (commands that can say more about what was kept do so first)."""

    def invoke(self, ctx: click.Context) -> Any:
        previous_hook = sys.unraisablehook
        sys.unraisablehook = _redeliver_ctrl_c(previous_hook)
        previous_handler = signal.signal(signal.SIGINT, _on_ctrl_c)
        try:
            return super().invoke(ctx)
        except Img2CodeError as exc:
            click.echo(f"img2code: error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            exit_interrupted("interrupted")
        finally:
            sys.unraisablehook = previous_hook
            signal.signal(signal.SIGINT, previous_handler)


def _on_ctrl_c(signum: int, frame: Any) -> None:
    """Ctrl-C: tell the worker threads first (Chromium, in the same process group, dies of the same
    signal, and a render failing now failed because of it), then stop the main thread as usual."""
    CTRL_C.set()
    signal.default_int_handler(signum, frame)


def _redeliver_ctrl_c(
    previous: Callable[[sys.UnraisableHookArgs], Any],
) -> Callable[[sys.UnraisableHookArgs], Any]:
    """A sys.unraisablehook that sends Ctrl-C again when Python swallowed it: a KeyboardInterrupt
    that lands in a weakref callback or ``__del__`` (as in the middle of an import) is only printed
    as "Exception ignored", and the run would go on as if Ctrl-C had not been pressed."""

    def hook(unraisable: sys.UnraisableHookArgs) -> None:
        if unraisable.exc_type is not None and issubclass(unraisable.exc_type, KeyboardInterrupt):
            # A real SIGINT to the main thread (it wakes a sleep or a wait), a moment later: out of
            # the callback that swallowed the first, and out of this hook.
            main_thread = threading.main_thread().ident or 0
            again = threading.Timer(0.05, signal.pthread_kill, (main_thread, signal.SIGINT))
            again.daemon = True
            again.start()
        else:
            previous(unraisable)

    return hook


def exit_interrupted(note: str) -> NoReturn:
    """End the process after Ctrl-C: say ``note``, flush stdout, stderr and the logs, exit with 130.

    The outputs are written by then (the ``with`` blocks and ``finally`` clauses the interrupt went
    through wrote them and closed Chromium). ``os._exit`` skips the interpreter's finalisation on
    purpose: worker threads may still be inside onnxruntime or a model, and tearing their native
    threads down there ends the process in SIGABRT ("terminate called without an active exception")
    instead of 130. It ends the calling process, so tests interrupt the CLI in a subprocess.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not cut the flush short
    with contextlib.suppress(Exception):  # a closed pipe or console must not change the exit code
        click.echo(f"\n{note}", err=True)
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(130)


def verbosity(command: Command) -> Command:
    """Add -v/--verbose and -q/--quiet to a command and configure logging from them."""

    def configure(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
        from .terminal import configure_logging

        ctx.ensure_object(dict)[param.name] = value
        verbose, quiet = ctx.obj.get("verbose", 0), ctx.obj.get("quiet", False)
        configure_logging(logging.ERROR if quiet else logging.DEBUG if verbose else logging.WARNING)
        return value

    command = click.option(
        "-v",
        "--verbose",
        count=True,
        expose_value=False,
        callback=configure,
        help="Show more detail (debug logging).",
    )(command)
    return click.option(
        "-q",
        "--quiet",
        is_flag=True,
        expose_value=False,
        callback=configure,
        help="Print only errors and the final line.",
    )(command)


@click.group(cls=Img2CodeGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="img2code")
def main() -> None:
    """Turn pictures of software into code: screenshots and mockups into HTML."""


class PathOrUrl(click.Path):
    """A path, or an http(s) URL kept as the string it is (a Path would fold its "//")."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, str) and value.lower().startswith(("http://", "https://")):
            return value
        return super().convert(value, param, ctx)


CONVERSION_OPTIONS = [
    click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help="Output folder."),
    click.option(
        "--backend",
        type=click.Choice(BACKENDS),
        default="auto",
        show_default=True,
        help="auto: a server if --base-url/--server/IMG2CODE_BASE_URL names one, else local Qwen3-VL "
        "weights if present, else classic (no model).",
    ),
    click.option(
        "--model",
        default=DEFAULT_MODEL,
        show_default=True,
        help="Hub id or local folder of a Qwen3-VL model; with a server, the name it serves the model by.",
    ),
    click.option(
        "--base-url",
        help="An OpenAI-compatible server, e.g. http://localhost:1234/v1 [default: $IMG2CODE_BASE_URL].",
    ),
    click.option(
        "--server",
        type=click.Choice(list(SERVERS)),
        help="Use a local server's usual base URL: lmstudio :1234/v1, ollama :11434/v1, vllm :8000/v1.",
    ),
    click.option("--api-key", help="The server's API key, if it needs one [default: $IMG2CODE_API_KEY]."),
    click.option(
        "--retry-time",
        type=click.FloatRange(min=0),
        default=60.0,
        show_default=True,
        help="Seconds to keep retrying a busy or unreachable server before the input fails.",
    ),
    click.option(
        "--preset",
        type=click.Choice(list(PRESETS)),
        default="qwen-vl",
        show_default=True,
        help="Generation preset; the options below override single values.",
    ),
    click.option("--temperature", type=float),
    click.option("--top-p", type=float),
    click.option("--top-k", type=int),
    click.option("--min-p", type=float),
    click.option("--repetition-penalty", type=float),
    click.option("--presence-penalty", type=float),
    click.option("--max-new-tokens", type=int),
    click.option(
        "--max-iters", type=click.IntRange(min=1), default=3, show_default=True, help="Iterations at most."
    ),
    click.option(
        "--candidates",
        type=click.IntRange(1, 64),
        default=1,
        show_default=True,
        help="Answers asked for per iteration (one batched generation, or N requests at once); all are "
        "rendered and scored, the best is kept.",
    ),
    click.option(
        "--target-ssim",
        type=click.FloatRange(0, 1),
        default=0.95,
        show_default=True,
        help="Stop once the best render reaches this SSIM.",
    ),
    click.option(
        "--metrics",
        default="ssim",
        show_default=True,
        help="Scored every iteration, comma-separated: ssim, design2code (Block, Text, Position, Color).",
    ),
    click.option(
        "--select-by",
        type=click.Choice(METRIC_SETS),
        default="ssim",
        show_default=True,
        help="What ranks iterations: SSIM, or the mean of the Design2Code scores (SSIM breaks ties).",
    ),
    click.option(
        "--max-image-tokens",
        type=click.IntRange(min=4),
        default=1280,
        show_default=True,
        help="Cap on the image tokens (32x32 pixel patches) of each image the model sees.",
    ),
    click.option(
        "--max-frames",
        type=click.IntRange(min=1),
        default=16,
        show_default=True,
        help="Screen recordings (mp4, webm, mov, mkv, animated GIF/WebP): key frames kept at most.",
    ),
    click.option(
        "--render-timeout",
        type=click.FloatRange(min=0.5),
        default=15.0,
        show_default=True,
        help="Seconds allowed for each page operation.",
    ),
    click.option("--dtype", default="auto", show_default=True, help="Model dtype (transformers backend)."),
    click.option(
        "--device-map", default="auto", show_default=True, help="Model device map (transformers backend)."
    ),
    click.option("--force", is_flag=True, help="Replace the results already in OUT."),
    click.option(
        "--layout",
        type=click.Choice(LAYOUTS),
        default="flow",
        show_default=True,
        help="Pages by the classic backend: flow (rows, columns, semantic tags; reflows) or absolute "
        "(every text where the screenshot has it; one width only).",
    ),
    click.option(
        "--inline-assets",
        is_flag=True,
        help="Embed images as data URIs (one self-contained file) instead of files in OUT/assets, and "
        "the stack's libraries instead of their CDN links.",
    ),
    click.option(
        "--stack",
        type=click.Choice(STACKS),
        default="html",
        show_default=True,
        help="What pages are written in: plain HTML+CSS, Tailwind, React (+ OUT/App.jsx), Vue "
        "(+ OUT/App.vue) or Bootstrap. Rendered offline: CDN links are answered from vendored copies.",
    ),
    click.option(
        "--correct/--no-correct",
        default=True,
        show_default=True,
        help="HTML: after each generation, correct measured colours, font sizes, widths and offsets with "
        "CSS (no model), keeping only what scores better.",
    ),
    click.option(
        "--text-hints/--no-text-hints",
        default=None,
        help="Give the model the source's OCR'd texts with their boxes in the first prompt "
        "[default: on for model backends].",
    ),
]
SAMPLING = (
    "temperature",
    "top_p",
    "top_k",
    "min_p",
    "repetition_penalty",
    "presence_penalty",
    "max_new_tokens",
)


def conversion_options(command: Command) -> Command:
    """The options every converting command shares (backend, generation, loop, rendering)."""
    for option in reversed(CONVERSION_OPTIONS):
        command = option(command)
    return command


def run_config(target: str, options: dict[str, Any]) -> RunConfig:
    """A RunConfig from the shared conversion options; sampling options override the preset."""
    sampling = {name: options.pop(name) for name in SAMPLING}
    preset = options["preset"]
    return RunConfig(
        target=target,
        backend=options["backend"],
        model=options["model"],
        preset=preset,
        generation=PRESETS[preset].with_overrides(**sampling),
        max_iters=options["max_iters"],
        target_ssim=options["target_ssim"],
        metrics=parse_metrics(options["metrics"]),
        select_by=options["select_by"],
        max_image_tokens=options["max_image_tokens"],
        render_timeout_s=options["render_timeout"],
        dtype=options["dtype"],
        device_map=options["device_map"],
        force=options["force"],
        base_url=options["base_url"],
        server=options["server"],
        api_key=options["api_key"],
        retry_s=options["retry_time"],
        candidates=options.get("candidates", 1),
        layout=options.get("layout", "flow"),
        inline_assets=options.get("inline_assets", False),
        stack=options.get("stack", "html"),
        also=tuple(options.get("also", ())),
        correct=options.get("correct", True),
        text_hints=options.get("text_hints"),
        max_frames=options.get("max_frames", 16),
    )


def run_conversion(
    ctx: click.Context,
    target: str,
    image: Path | list[tuple[int | None, Path]],
    options: dict[str, Any],
    url: tuple[str, int, bool] | None = None,
) -> None:
    """Convert one image (several shots of one responsive page; a URL, with its capture width and
    whether to add a phone view), print a summary and the report's path; exit 1 unless the run was ok."""
    from .session import convert
    from .terminal import TerminalProgress

    out = options["out"]
    config = run_config(target, options)
    try:
        with TerminalProgress(config.max_iters, quiet=ctx.obj.get("quiet", False)) as progress:
            if url is not None:
                from .capture import convert_url

                address, width, mobile = url
                result = convert_url(
                    address, out, config=config, width=width, mobile=mobile, progress=progress
                )
            else:
                result = convert(image, out, config=config, progress=progress)
    except KeyboardInterrupt:
        exit_interrupted("interrupted: the run's result.json says how far it got")
    best = result.best
    widths = ", ".join(
        f"{k} {v:.4f}" for k, v in (best.scores if best else {}).items() if k.startswith("ssim@")
    )
    summary = f"{result.status}: " + (
        f"SSIM {best.ssim:.4f} (iteration {best.index + 1} of {len(result.iterations)})"
        + (f"; the worst of {widths}" if widths else "")
        if best
        else f"no usable result ({result.stopped_because})"
    )
    click.echo(summary, err=True)
    click.echo(f"report: {result.out_dir / 'report.html'}")
    if not result.ok:
        sys.exit(1)


def run_batch_conversion(
    ctx: click.Context, target: str, paths: tuple[Path, ...], jobs: int, options: dict[str, Any]
) -> None:
    """Convert many images into OUT/<name>/, print a summary and the report's path; exit 1 unless all ok."""
    from .batch import run_batch
    from .terminal import TerminalBatchProgress

    config = run_config(target, options)
    try:
        with TerminalBatchProgress(quiet=ctx.obj.get("quiet", False)) as progress:
            result = run_batch(paths, options["out"], config=config, jobs=jobs, progress=progress)
    except KeyboardInterrupt:
        exit_interrupted("interrupted: finished inputs are kept; run the same command again to resume")
    counts = ", ".join(f"{n} {status}" for status, n in result.counts.items() if n)
    skipped = f" ({result.skipped} done earlier)" if result.skipped else ""
    click.echo(f"{len(result.records)} inputs: {counts}{skipped} in {result.seconds:.1f} s", err=True)
    click.echo(f"report: {result.report}")
    if not result.ok:
        sys.exit(1)


JOBS_OPTION = click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Inputs converted at once (a batch, or the cases of an eval).",
)


def converting_command(command: Command) -> Command:
    """The arguments and options of a command that converts one image, or many into a batch."""
    decorators: list[Callable[[Command], Command]] = [
        main.command(),
        click.argument("paths", nargs=-1, type=PathOrUrl(path_type=Path)),
        conversion_options,
        JOBS_OPTION,
        verbosity,
        click.pass_context,
    ]
    for decorate in reversed(decorators):
        command = decorate(command)
    return command


def convert_paths(
    ctx: click.Context, target: str, paths: tuple[Path, ...], jobs: int, options: dict[str, Any]
) -> None:
    """One image: a single run in OUT. Several, or a folder: a batch with a subfolder per input."""
    if not paths:
        raise click.UsageError("Missing argument 'PATHS...'.")
    if any(isinstance(path, str) for path in paths):
        raise click.UsageError("a URL is converted alone, into HTML: img2code html URL -o OUT")
    if len(paths) == 1 and not paths[0].is_dir():
        run_conversion(ctx, target, paths[0], options)
    else:
        run_batch_conversion(ctx, target, paths, jobs, options)


@converting_command
@click.option(
    "--responsive",
    is_flag=True,
    help="The images are one page at several widths (desktop.png mobile.png, each its pixel width, or "
    "WIDTH=IMAGE): write one page that matches each at its width.",
)
@click.option(
    "--shot",
    "shots",
    multiple=True,
    metavar="WIDTH=IMAGE",
    help="One shot of a responsive page and its viewport width; give two or more (implies --responsive).",
)
@click.option(
    "--width",
    type=click.IntRange(200, 3840),
    default=1280,
    show_default=True,
    help="A URL: the viewport width it is captured at.",
)
@click.option("--mobile", is_flag=True, help="A URL: also capture it as a 390 px phone; one responsive page.")
def html(
    ctx: click.Context,
    paths: tuple[Path, ...],
    jobs: int,
    responsive: bool,
    shots: tuple[str, ...],
    width: int,
    mobile: bool,
    **options: Any,
) -> None:
    """Convert UI screenshots or mockups, or a web page's URL, into HTML (and a report).

    One IMAGE: OUT/index.html. Several images or folders: OUT/<name>/ for each, OUT/manifest.jsonl and
    OUT/report.html; a re-run skips the inputs already done (--force redoes them). With --responsive
    (or --shot): one page from several shots of it. A URL (http:// or https://): the live page,
    captured full page, is the source. A screen recording (mp4, webm, mov, mkv, animated GIF/WebP):
    one page that opens in its first state and reaches the later ones by the same clicks
    (OUT/frames/ holds its key frames; result.json its state coverage).
    """
    from .responsive import parse_shot

    if responsive or shots:
        specs = [parse_shot(text) for text in shots] + [parse_shot(str(path)) for path in paths]
        run_conversion(ctx, "html", specs, options)
    elif len(paths) == 1 and isinstance(paths[0], str):
        run_conversion(ctx, "html", Path(), options, url=(paths[0], width, mobile))
    else:
        convert_paths(ctx, "html", paths, jobs, options)


@converting_command
@click.option(
    "--also",
    type=click.Choice(["mermaid"]),
    multiple=True,
    help="Also write the recovered graph in this format: mermaid (OUT/diagram.mmd, a Mermaid flowchart).",
)
def drawio(ctx: click.Context, paths: tuple[Path, ...], jobs: int, **options: Any) -> None:
    """Convert diagram pictures (flowchart, architecture, UML) into editable draw.io files (and a report).

    One IMAGE: OUT/diagram.drawio. Several images or folders: OUT/<name>/ for each, OUT/manifest.jsonl
    and OUT/report.html; a re-run skips the inputs already done (--force redoes them).
    """
    convert_paths(ctx, "drawio", paths, jobs, options)


@main.command()
@click.argument("file", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "-o", "--out", type=click.Path(path_type=Path, dir_okay=False), required=True, help="PNG to write."
)
@click.option("--width", type=click.IntRange(min=16), default=1280, show_default=True, help="Viewport width.")
@click.option(
    "--height",
    type=click.IntRange(min=16),
    default=800,
    show_default=True,
    help="Viewport height (the screenshot is the full page).",
)
@click.option("--timeout", type=click.FloatRange(min=0.5), default=15.0, show_default=True)
@verbosity
def render(file: Path, out: Path, width: int, height: int, timeout: float) -> None:
    """Render an HTML FILE to a full-page PNG, or a draw.io FILE (.drawio, .xml) with draw.io's own
    export page (--width and --height do not apply), offline and sandboxed."""
    from .images import check_input_file
    from .output import atomic_write, refuse_overwriting
    from .render.browser import Browser
    from .targets.drawio import load_drawio

    refuse_overwriting(out, file)
    check_input_file(file)  # before Chromium starts, as is a diagram's loading
    model = load_drawio(file) if file.suffix.lower() in DIAGRAM_SUFFIXES else None
    with Browser(timeout_s=timeout) as browser:  # the page reads itself, no file beside it
        if model is not None:
            from .render.drawio import render_drawio

            diagram = render_drawio(browser, model)
            shapes = sum(cell.vertex for cell in diagram.cells)
            edges = sum(cell.edge for cell in diagram.cells)
            png, size, detail = diagram.png, diagram.image.size, f", {shapes} shapes, {edges} edges"
        else:
            page = browser.render_file(file, width, height)
            png, size, detail = page.png, page.image.size, ""
    atomic_write(out, png)
    click.echo(f"{out} ({size[0]}x{size[1]}{detail})")


@main.command()
@click.argument("source", type=click.Path(path_type=Path))
@click.argument("candidate", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the scores as JSON.")
@click.option(
    "--diff", type=click.Path(path_type=Path, dir_okay=False), help="Also write the diff heatmap here."
)
@click.option(
    "--metrics",
    default="ssim",
    show_default=True,
    help="Comma-separated: ssim, design2code (Block, Text, Position, Color over matched text blocks), "
    "code (a .html SOURCE and CANDIDATE: reflow at 390/768 px, sideways scrolling, absolute positioning, "
    "text roles, TreeBLEU).",
)
@click.option(
    "--reference",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    help="The .drawio SOURCE was rendered from: also score a .drawio CANDIDATE's nodes, edges and labels; "
    "or the .html page SOURCE shows, for --metrics code.",
)
@verbosity
def score(
    source: Path, candidate: Path, as_json: bool, diff: Path | None, metrics: str, reference: Path | None
) -> None:
    """Compare a SOURCE (an image, or a reference .html rendered 1280 px wide) with a CANDIDATE
    (.html, rendered at the source's size, a .drawio drawn in the source's pixels, or an image)."""
    from .images import check_input_file
    from .output import refuse_overwriting
    from .score.candidate import describe_scores, score_candidate

    for path in (source, candidate, reference):
        if path is not None:
            check_input_file(path)
    if diff is not None:
        refuse_overwriting(diff, source, candidate, *([reference] if reference else []))
    scores = score_candidate(
        source,
        candidate,
        metrics=parse_metrics(metrics, SCORE_METRIC_SETS),
        diff_path=diff,
        reference_diagram=reference,
    )
    if as_json:
        click.echo(json.dumps(scores, indent=2))
        return
    for line in describe_scores(scores):
        click.echo(line)


@main.command()
@click.argument("page", type=click.Path(path_type=Path, exists=True, dir_okay=False))
@click.option(
    "--source",
    type=click.Path(path_type=Path, exists=True, dir_okay=False),
    required=True,
    help="The screenshot the page should look like.",
)
@click.option(
    "-o", "--out", type=click.Path(path_type=Path, file_okay=False), required=True, help="Output folder."
)
@click.option("--timeout", type=click.FloatRange(min=0.5), default=15.0, show_default=True)
@verbosity
def fix(page: Path, source: Path, out: Path, timeout: float) -> None:
    """Correct an HTML PAGE against the screenshot SOURCE without a model: measured colours, font sizes,
    widths and offsets become CSS patches in one <style id="img2code-corrections">, each kept only if
    the page scores better. Writes OUT/index.html, OUT/render.png and OUT/result.json."""
    from .correct import fix_file
    from .images import check_input_file

    for path in (page, source):
        check_input_file(path)
    correction = fix_file(page, source, out, timeout_s=timeout)
    kept = sum(len(group.patches) for group in correction.groups if group.kept) if correction.changed else 0
    before, after = correction.before, correction.after
    click.echo(
        f"{out / 'index.html'}: {kept} patch(es) kept; SSIM {before['ssim']:.4f} -> {after['ssim']:.4f}, "
        f"Position {before['position']:.4f} -> {after['position']:.4f}, Color {before['color']:.4f} -> "
        f"{after['color']:.4f} ({correction.renders} renders, {correction.seconds:.1f} s)"
    )


@main.command(name="eval")
@click.argument("folder", type=click.Path(path_type=Path, exists=True, file_okay=False))
@click.option(
    "--target",
    type=click.Choice(TARGETS),
    default="html",
    show_default=True,
    help="html: N.png with optional N.html reference (Design2Code's layout); "
    "drawio: .drawio/.xml diagrams, rendered, converted back and scored against their own graph.",
)
@click.option("--limit", type=click.IntRange(min=1), help="Only the first N cases.")
@conversion_options
@JOBS_OPTION
@verbosity
@click.pass_context
def evaluate(
    ctx: click.Context, /, folder: Path, target: str, limit: int | None, jobs: int, **options: Any
) -> None:
    """Convert and score every case of FOLDER into OUT: scores.jsonl (an interrupted eval resumes
    from it; --force starts over), summary.json and a sortable report.html."""
    from .evaluate import describe_row, describe_summary, run_eval

    quiet = ctx.obj.get("quiet", False)
    out = options["out"]
    config = run_config(target, options)
    try:
        summary = run_eval(
            folder,
            out,
            config,
            target=target,
            limit=limit,
            restart=config.force,
            jobs=jobs,
            on_case=None
            if quiet
            else lambda index, total, row: click.echo(describe_row(index, total, row), err=True),
        )
    except KeyboardInterrupt:
        exit_interrupted(
            f"interrupted: finished cases are kept in {out / 'scores.jsonl'}; "
            "run the same command again to resume"
        )
    for line in describe_summary(summary):
        click.echo(line)
    click.echo(f"report: {out / 'report.html'}")


@main.command()
@click.option("--model", default=DEFAULT_MODEL, show_default=True, help="Model whose weights to look for.")
@verbosity
def doctor(model: str) -> None:
    """Check Chromium, fonts, OCR, torch/transformers and the model weights; say how to fix each."""
    from .doctor import run_checks

    checks = run_checks(model)
    for check in checks:
        mark = "ok  " if check.ok else ("FAIL" if check.required else "warn")
        click.echo(f"[{mark}] {check.name}: {check.detail}")
        if not check.ok and check.fix:
            click.echo(f"       fix: {check.fix}")
    if any(check.required and not check.ok for check in checks):
        sys.exit(1)

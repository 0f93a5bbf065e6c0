"""The visual diff report: one self-contained HTML file (images embedded) a person can open offline."""

from __future__ import annotations

import base64
import io
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from PIL import Image

if TYPE_CHECKING:
    from .results import Iteration, Record, RunResult

THUMBNAIL_WIDTH = 480
STAGES = ("generate", "extract", "render", "score", "write")
DESIGN2CODE_COLUMNS = ("block", "text", "position", "color", "clip")  # shown x100 when an iteration has them


@cache
def environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("img2code.templates", "report"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def thumbnail(path: Path, width: int = THUMBNAIL_WIDTH, max_height: int | None = None) -> str | None:
    """A JPEG data URL of the image at ``path`` scaled to ``width`` (its top ``max_height`` pixels
    after scaling, when given); None when it does not exist."""
    if not path.exists():
        return None
    with Image.open(path) as image:
        rgb = image.convert("RGB")
    if max_height is not None and rgb.height * width > max_height * rgb.width:
        rgb = rgb.crop((0, 0, rgb.width, round(max_height * rgb.width / width)))
    if rgb.width > width:
        rgb = rgb.resize((width, max(1, round(rgb.height * width / rgb.width))), Image.Resampling.BILINEAR)
    buffer = io.BytesIO()
    rgb.save(buffer, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def ssim_chart(points: list[tuple[int, float | None]], width: int = 480, height: int = 160) -> dict[str, Any]:
    """Geometry of the SSIM-per-iteration chart, drawn as inline SVG by the template."""
    pad = 28
    count = max(len(points), 2)
    known = [ssim for _, ssim in points if ssim is not None]
    low = min([*known, 0.5]) if known else 0.0
    low = max(0.0, min(low, 0.9) - 0.05)

    def x(i: int) -> float:
        return pad + i * (width - 2 * pad) / (count - 1)

    def y(value: float) -> float:
        return height - pad - (value - low) / (1.0 - low) * (height - 2 * pad)

    dots = [
        {"x": x(i), "y": y(ssim), "label": f"{ssim:.3f}", "n": n}
        for i, (n, ssim) in enumerate(points)
        if ssim is not None
    ]
    ticks = [{"y": y(v), "label": f"{v:.2f}"} for v in (low, (low + 1) / 2, 1.0)]
    return {
        "width": width,
        "height": height,
        "pad": pad,
        "dots": dots,
        "ticks": ticks,
        "line": " ".join(f"{d['x']:.1f},{d['y']:.1f}" for d in dots),
    }


def render_run_report(result: RunResult, root: Path) -> str:
    """The report of one run whose files lie under ``root``."""
    rows = []
    for iteration in result.iterations:
        folder = root / iteration.folder
        rows.append(
            {
                "it": iteration,
                "render": thumbnail(folder / "render.png"),
                "diff": thumbnail(folder / "diff.png"),
                "blocks": thumbnail(folder / "blocks.png", 2 * THUMBNAIL_WIDTH),
                "total": sum(iteration.timings.values()),
                "widths": _other_widths(result, root, iteration),
            }
        )
    best = result.best
    return (
        environment()
        .get_template("run.html.j2")
        .render(
            result=result,
            rows=rows,
            best=best,
            stages=STAGES,
            metric_columns=[
                name for name in DESIGN2CODE_COLUMNS if any(name in it.scores for it in result.iterations)
            ],
            source=thumbnail(root / "source.png"),
            chart=ssim_chart([(it.index, it.ssim) for it in result.iterations]),
            video=_video(result, root),
        )
    )


def _video(result: RunResult, root: Path) -> dict[str, Any] | None:
    """A screen recording's contact sheet, and each key frame beside the best page's closest state."""
    video = result.video
    if video is None:
        return None
    coverage = video.get("coverage") or {}
    matches = {match["frame"]: match for match in coverage.get("frames", [])}
    frames = []
    for frame in video.get("key_frames", []):
        match = matches.get(frame["index"])
        frames.append(
            {
                **frame,
                "image": thumbnail(root / frame["file"], THUMBNAIL_WIDTH // 2),
                "match": match,
                "reached_image": thumbnail(root / match["file"], THUMBNAIL_WIDTH // 2)
                if match and match.get("file")
                else None,
            }
        )
    return {
        **video,
        "sheet_image": thumbnail(root / video.get("sheet", ""), 2 * THUMBNAIL_WIDTH),
        "frames": frames,
        "coverage": coverage or None,
        "per_iteration": [
            (it.index, it.scores.get("state_coverage"), it.scores.get("states_reached"))
            for it in result.iterations
            if "state_coverage" in it.scores
        ],
    }


def _other_widths(result: RunResult, root: Path, iteration: Iteration) -> list[dict[str, Any]]:
    """A responsive run's other widths for one iteration: source, render and diff at each, side by side."""
    folder = root / iteration.folder
    return [
        {
            "width": width,
            "source": thumbnail(root / "widths" / str(width) / "source.png", THUMBNAIL_WIDTH // 2),
            "render": thumbnail(folder / f"render@{width}.png", THUMBNAIL_WIDTH // 2),
            "diff": thumbnail(folder / f"diff@{width}.png", THUMBNAIL_WIDTH // 2),
            "ssim": iteration.scores.get(f"ssim@{width}"),
        }
        for width in result.settings.get("widths", [])[1:]
    ]


def render_batch_report(records: list[Record], root: Path, thumbnail_width: int = 200) -> str:
    """The report of a batch under ``root``: a row per input, linking each run's own report."""
    rows = []
    for record in records:
        folder = root / record.name
        rows.append(
            {
                "record": record,
                "source": thumbnail(folder / "source.png", thumbnail_width),
                "render": thumbnail(folder / "render.png", thumbnail_width),
                "report": f"{record.name}/report.html" if (folder / "report.html").exists() else None,
            }
        )
    counts: dict[str, int] = {}
    for record in records:
        counts[record.status] = counts.get(record.status, 0) + 1
    return (
        environment()
        .get_template("batch.html.j2")
        .render(rows=rows, counts=counts, root=root, seconds=sum(r.seconds for r in records))
    )

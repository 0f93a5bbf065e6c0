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
    from .results import Record, RunResult

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
        )
    )


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

"""Score a candidate (an HTML file or an image) against a source image: `img2code score`."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..images import load_image
from ..output import atomic_write
from .ssim import compare, diff_heatmap, encode_png

HTML_SUFFIXES = (".html", ".htm")


def score_candidate(source: Path, candidate: Path, *, diff_path: Path | None = None) -> dict[str, Any]:
    """SSIM and the most different regions; an HTML candidate is rendered at the source's size first."""
    reference = load_image(source).image
    if candidate.suffix.lower() in HTML_SUFFIXES:
        from ..render.browser import Browser

        if not candidate.is_file():
            raise InputError(f"{candidate}: file not found")
        with Browser(allowed_dir=candidate.parent) as browser:
            image = browser.render_file(candidate, reference.width, reference.height).image
    else:
        image = load_image(candidate).image
    comparison = compare(reference, image)
    if diff_path is not None:
        atomic_write(diff_path, encode_png(diff_heatmap(reference, comparison)))
    return {
        "source": str(source),
        "candidate": str(candidate),
        "ssim": round(comparison.ssim, 5),
        "width": comparison.width,
        "height": comparison.height,
        "candidate_size": list(image.size),
        "regions": [asdict(region) for region in comparison.regions],
    }

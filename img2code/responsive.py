"""One responsive page from several shots of it (desktop, tablet, mobile), each at its own width.

    img2code html desktop.png mobile.png -o out/ --responsive      # widths: each shot's pixel width
    img2code html --shot 1280=desktop.png --shot 390=mobile.png -o out/

The widest shot is the run's source (``source.png``, the refine loop's regions); the others are
rendered and scored too, every iteration, at their own width: ``ssim@W`` for each width, and the
iteration's SSIM is the worst of them, so the loop keeps the page that is good everywhere.
The model sees every shot with its width. The classic backend writes one flow page from the
narrowest shot, adapted to the wider ones (``backends.classic_responsive``); with ``--layout
absolute``, ``page_from_layouts`` here: each shot's pixel trace, the narrowest as the base and the
wider ones shown from their breakpoints by ``@media (min-width: ...)``.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PIL import Image

from .config import MAX_IMAGE_PIXELS
from .errors import InputError
from .images import SourceImage, load_image

if TYPE_CHECKING:
    from .backends.base import GenerationRequest
    from .vision.page import Layout

_SHOT = re.compile(r"^(\d+)=(.+)$")
MIN_WIDTH, MAX_WIDTH = 100, 3840


@dataclass(frozen=True)
class Shot:
    """A screenshot of the page at viewport ``width``; its image is ``width`` pixels wide."""

    width: int
    source: SourceImage

    @property
    def image(self) -> Image.Image:
        return self.source.image

    @property
    def height(self) -> int:
        return self.source.height


def parse_shot(text: str) -> tuple[int | None, Path]:
    """``"390=mobile.png"`` as (390, Path("mobile.png")); a bare path has no width (its pixel width)."""
    found = _SHOT.match(text)
    if found:
        return int(found.group(1)), Path(found.group(2))
    return None, Path(text)


def load_shots(
    specs: Sequence[str | Path | tuple[int | None, str | Path]], *, max_pixels: int = MAX_IMAGE_PIXELS
) -> list[Shot]:
    """The shots ``specs`` name (paths, or (width, path) pairs; a path's width is its pixel width),
    widest first. A shot whose pixels are wider than its width (a 3x phone screenshot) is scaled down
    to it. Raises InputError for fewer than two shots, a width out of range or the same width twice."""
    if len(specs) < 2:
        raise InputError("a responsive page needs two shots or more (e.g. a desktop and a mobile one)")
    shots = []
    for spec in specs:
        width, path = spec if isinstance(spec, tuple) else (None, spec)
        source = load_image(path, max_pixels=max_pixels)
        width = width or source.width
        if not MIN_WIDTH <= width <= MAX_WIDTH:
            raise InputError(f"{path}: width {width} is outside {MIN_WIDTH}-{MAX_WIDTH} pixels")
        if source.width != width:
            height = max(1, round(source.height * width / source.width))
            scaled = source.image.resize((width, height), Image.Resampling.LANCZOS)
            source = replace(
                source, image=scaled, conversions=[*source.conversions, f"scaled to {width} px wide"]
            )
        shots.append(Shot(width, source))
    widths = [shot.width for shot in shots]
    if len(set(widths)) != len(widths):
        raise InputError(f"two shots have the same width ({', '.join(map(str, widths))}); give each its own")
    return sorted(shots, key=lambda shot: -shot.width)


def width_key(width: int) -> str:
    """The score name of SSIM at one width: ``ssim@390``."""
    return f"ssim@{width}"


def extend_request(
    request: GenerationRequest,
    source: SourceImage,
    others: Sequence[Shot],
    best_renders: Sequence[Image.Image] = (),
) -> GenerationRequest:
    """``request`` (made for the widest shot) with the other shots added and explained; when refining,
    ``best_renders`` are the best page rendered at each of the other widths."""
    widths = (source.width, *(shot.width for shot in others))
    listing = ", ".join(f"{w} px" for w in widths)
    refining = request.mode == "refine" and len(best_renders) == len(others)
    first = len(request.images) + 1
    lines = [
        "",
        f"This page must be responsive: it is shown at {len(widths)} viewport widths ({listing}).",
        f"The first image is the page at {source.width} px.",
    ]
    for k, shot in enumerate(others):
        at = first + (2 * k if refining else k)
        lines.append(f"Image {at} is the target at {shot.width} px wide ({shot.width}x{shot.height}).")
        if refining:
            lines.append(f"Image {at + 1} is how your current HTML renders {shot.width} px wide.")
    lines.append(
        "Write ONE HTML file that matches every target at its own width: mobile-first CSS for the "
        "narrowest width, and @media (min-width: ...) rules for the wider layouts. "
        "Every width is scored; the worst one counts."
    )
    images = list(request.images)
    for k, shot in enumerate(others):
        images.append(shot.image)
        if refining:
            images.append(best_renders[k])
    return replace(request, prompt=request.prompt + "\n".join(lines), images=images, widths=widths)


def breakpoints(widths: Sequence[int]) -> list[int]:
    """Where each wider layout takes over: half way between neighbouring widths, narrowest first."""
    ordered = sorted(widths)
    return [(a + b) // 2 + 1 for a, b in pairwise(ordered)]


def page_from_layouts(layouts: Sequence[Layout], widths: Sequence[int]) -> str:
    """One page from several shots, model-free, as pixel traces: each shot's layout (``vision.page.
    analyse``) rebuilt on its own (the classic absolute layout), the narrowest the base and
    ``@media (min-width: ...)`` showing the wider ones at their widths. Text appears once per
    layout (only one layout is displayed at a time)."""
    from .backends.classic_page import LINE_HEIGHT, _emit, _Styles, _tree
    from .vision.fonts import FACES
    from .vision.geometry import Box

    order = sorted(range(len(widths)), key=lambda k: widths[k])
    rules: list[str] = []
    bodies: list[str] = []
    shown: list[str] = []
    for k in order:
        width = widths[k]
        layout = layouts[k]
        styles = _PrefixedStyles(f"w{width}-")
        body: list[str] = []
        _emit(_tree(layout), Box(0, 0, layout.width, layout.height), cast(_Styles, styles), 2, body)
        bg = layout.background.css()
        rules.append(
            f"    .at-{width} {{ width: {layout.width}px; height: {layout.height}px; background: {bg}; }}"
        )
        rules.append(styles.css())
        bodies.append(f'  <div class="at at-{width}">\n' + "\n".join(body) + "\n  </div>")
        shown.append(f".at-{width} {{ display: block; }} html {{ background: {bg}; }}")
    narrow = widths[order[0]]
    media = [
        f"    @media (min-width: {at}px) {{ .at {{ display: none; }} {rule} }}"
        for at, rule in zip(breakpoints(widths), shown[1:], strict=True)
    ]
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{html.escape("Page")}</title>
  <style>
    * {{ margin: 0; padding: 0; box-sizing: border-box; }}
    body {{ font-family: {FACES[0].css}; }}
    .at {{ position: relative; overflow: hidden; display: none; }}
    .at div, .at p {{ position: absolute; }}
    .at p {{ white-space: pre; line-height: {LINE_HEIGHT}; z-index: 1; }}
{chr(10).join(rules)}
    /* mobile first: the {narrow} px layout, then the wider ones from their breakpoints */
    {shown[0]}
{chr(10).join(media)}
  </style>
</head>
<body>
{chr(10).join(bodies)}
</body>
</html>
"""


class _PrefixedStyles:
    """classic_page's one-class-per-declaration-block, with names prefixed per layout."""

    def __init__(self, prefix: str) -> None:
        from .backends.classic_page import _Styles

        self.prefix = prefix
        self.inner = _Styles()

    def name(self, kind: str, declarations: str) -> str:
        return self.prefix + self.inner.name(kind, declarations)

    def css(self) -> str:
        return re.sub(r"^(\s*)\.", rf"\1.{self.prefix}", self.inner.css(), flags=re.MULTILINE)

"""The html target of ``img2code eval``: a folder in Design2Code's layout, ``N.png`` with an optional
``N.html`` reference.

Each screenshot is converted with the Design2Code metrics on. With a reference HTML, the reference
blocks come from that page rendered here at the screenshot's width, as the authors' code reads them
(the paper scores HTML against HTML), and ``reference_ssim`` says how far that re-render lands from
the shipped screenshot (fonts differ between machines). Without one, they come from OCR of the
screenshot. SSIM is always against the screenshot, the image the converter saw.

With a reference HTML the converted page is also scored by the ``code`` metrics (``score.code``:
SSIM at 390 and 768 px against the reference's own reflow, sideways scrolling, the share of absolutely
positioned elements, the roles texts sit in, TreeBLEU). A failure there is logged and leaves those
metrics empty (``code_error`` says why); the case keeps its other scores.
"""

from __future__ import annotations

import logging
import re
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import Img2CodeError
from ..images import load_image
from ..score.code import METRICS as CODE_METRICS
from ..score.code import score_code
from ..score.metrics import Reference
from ..score.ssim import compare
from ..score.textblocks import page_blocks
from . import Case

if TYPE_CHECKING:
    from ..config import RunConfig
    from ..session import Converter

log = logging.getLogger(__name__)


def _natural(path: Path) -> list[int | str]:
    """Sort key that puts 2.png before 10.png."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path.stem)]


def find_cases(folder: Path) -> list[Case]:
    """Every ``N.png`` of ``folder``, with ``N.html`` as its reference where it exists."""
    cases = []
    for image in sorted(folder.glob("*.png"), key=_natural):
        html = image.with_suffix(".html")
        cases.append(Case(image.stem, image, {"html": html} if html.is_file() else {}))
    return cases


def run_config(config: RunConfig) -> RunConfig:
    """Every case is scored by the Design2Code metrics too."""
    return replace(config, metrics=(*config.metrics, "design2code"))


def evaluate_case(case: Case, out_dir: Path, converter: Converter) -> dict[str, float | str | None]:
    """Convert the case's screenshot into ``out_dir`` and return the best iteration's scores."""
    source = load_image(case.image, max_pixels=converter.config.max_image_pixels)
    row: dict[str, float | str | None] = {}
    reference_html = case.references.get("html")
    if reference_html is not None:
        try:
            html = reference_html.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            raise Img2CodeError(f"{reference_html}: cannot read it: {exc.strerror or exc}") from exc
        rendered, blocks = page_blocks(converter.renderer, html, source.width, candidate=False)
        reference = Reference(source.image, blocks)
        row["reference"] = "html"
        row["reference_ssim"] = round(compare(source.image, rendered.image).ssim, 5)
    else:
        reference = Reference(source.image)
        row["reference"] = "image"
    result = converter.convert(case.image, out_dir, reference=reference)
    best = result.best
    if best is None:
        raise Img2CodeError(f"no usable result: {result.stopped_because}")
    scores = {name: value for name, value in best.metrics().items() if not name.endswith("_unavailable")}
    if reference_html is not None:
        row.update(_code_scores(converter, html, result.out_dir, source.image.size))
    return {"status": result.status, **scores, **row}


def _code_scores(
    converter: Converter, reference: str, out_dir: Path, size: tuple[int, int]
) -> dict[str, float | str | None]:
    """The code metrics of the run's page (``out_dir/index.html``, reading ``out_dir/assets``); a
    page in another stack than html is read as its scripts leave it (``StackTarget.snapshot``, at
    the source's ``size``)."""
    page: str | Path = out_dir / "index.html"
    try:
        if converter.config.stack != "html":
            from ..stacks import StackTarget

            code = (out_dir / "index.html").read_text(encoding="utf-8")
            page = StackTarget(converter.config.stack).snapshot(converter.renderer, code, *size)
        return dict(score_code(converter.renderer, reference, page, assets=(out_dir / "assets",)).as_dict())
    except Img2CodeError as exc:
        log.warning("eval: no code metrics for %s: %s", out_dir.name, exc)
        return {**dict.fromkeys(CODE_METRICS), "code_error": str(exc)}

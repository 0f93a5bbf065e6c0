"""Score a candidate (HTML, a diagram or an image) against a source (an image or a reference HTML):
`img2code score`.

An HTML source is rendered at ``width`` pixels (full page); for Design2Code both HTML pages give
their text blocks as the authors' code reads them (``textblocks.page_blocks``). An image source or
candidate gets its blocks from OCR; an HTML candidate is rendered at the source's size for SSIM. A
draw.io candidate (``.drawio`` or ``.xml``) is drawn by draw.io in the source's pixels, as a run
draws it; with a reference diagram (the one the source image was rendered from, 10 px border) its
structure is scored too (``score.graph``). The ``code`` metrics (``score.code``) score an HTML
candidate against a reference HTML: the ``reference`` when it is one, else an HTML source.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import DIAGRAM_SUFFIXES
from ..errors import InputError
from ..images import load_image
from ..output import atomic_write
from .metrics import Reference, measure
from .ssim import diff_heatmap, encode_png

if TYPE_CHECKING:
    from PIL import Image

    from ..render.browser import Browser
    from ..render.drawio import RenderedCell
    from .design2code import TextBlocks

HTML_SUFFIXES = (".html", ".htm")
REFERENCE_BORDER = 10  # the border `img2code render` and the drawio eval draw a reference with
SOURCE_WIDTH = 1280  # an HTML source is rendered this wide (Design2Code's screenshots are)
SOURCE_HEIGHT = 800


def is_html(path: Path) -> bool:
    return path.suffix.lower() in HTML_SUFFIXES


def is_diagram(path: Path) -> bool:
    return path.suffix.lower() in DIAGRAM_SUFFIXES


def structure(
    browser: Browser, reference: Path, cells: list[RenderedCell], size: tuple[int, int]
) -> dict[str, Any]:
    """Graph scores of a rendered candidate's cells against the reference diagram's own graph."""
    from ..render.drawio import render_drawio
    from ..targets.drawio import load_drawio
    from .graph import score_graph

    truth = render_drawio(browser, load_drawio(reference), border=REFERENCE_BORDER)
    scores: dict[str, Any] = score_graph(truth.cells, cells).as_dict()
    if truth.image.size != size:
        scores["note"] = (
            f"the reference renders at {truth.image.width}x{truth.image.height}, the source is "
            f"{size[0]}x{size[1]}: boxes may not line up (render the source with `img2code render`)"
        )
    return scores


def read_page(
    path: Path, browser: Browser, width: int, height: int, *, javascript: bool = True
) -> Image.Image:
    """A page's image: an HTML file rendered ``width`` wide, any other file loaded as an image."""
    if not is_html(path):
        return load_image(path).image
    if not path.is_file():
        raise InputError(f"{path}: file not found")
    return browser.render_file(path, width, height, javascript=javascript).image


def page_text_blocks(path: Path, browser: Browser, width: int, *, candidate: bool) -> TextBlocks | None:
    """An HTML page's Design2Code blocks, read as the authors' code reads them; None for an image."""
    if not is_html(path):
        return None
    from .textblocks import page_blocks

    try:
        html = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read it: {exc.strerror or exc}") from exc
    return page_blocks(browser, html, width, candidate=candidate)[1]


def score_candidate(
    source: Path,
    candidate: Path,
    *,
    metrics: tuple[str, ...] = ("ssim",),
    diff_path: Path | None = None,
    width: int = SOURCE_WIDTH,
    reference_diagram: Path | None = None,
) -> dict[str, Any]:
    """The asked metrics (see ``metrics.py``, and ``code.py`` for ``code``) of ``candidate`` against
    ``source``, with SSIM's most different regions; ``diff_path`` also gets SSIM's heatmap. A
    ``reference_diagram`` that is an .html file is the reference page of the code metrics."""
    from ..render.browser import Browser

    d2c = "design2code" in metrics
    code_reference = None
    if reference_diagram is not None and is_html(reference_diagram):
        code_reference, reference_diagram = reference_diagram, None
    if "code" in metrics:
        code_reference = code_reference or (source if is_html(source) else None)
        if code_reference is None or not is_html(candidate):
            raise InputError(
                "the code metrics score an .html CANDIDATE against a reference .html "
                "(the SOURCE, or --reference)"
            )
    with Browser() as browser:  # each page reads itself, no file beside it
        # a reference page is static: its scripts stay off for SSIM (Design2Code runs them, below)
        image = read_page(source, browser, width, SOURCE_HEIGHT, javascript=False)
        reference = Reference(
            image, page_text_blocks(source, browser, width, candidate=False) if d2c else None
        )
        graph = None
        cand_blocks = None
        if is_diagram(candidate):
            from ..targets.drawio import DrawioTarget, load_drawio

            diagram = DrawioTarget().render(browser, load_drawio(candidate), image.width, image.height)
            rendered = diagram.image
            if reference_diagram is not None:
                graph = structure(browser, reference_diagram, diagram.cells, image.size)
        else:
            if reference_diagram is not None:
                raise InputError("--reference (a diagram) scores only a .drawio candidate")
            rendered = read_page(candidate, browser, image.width, image.height)
            if d2c:
                cand_blocks = page_text_blocks(candidate, browser, image.width, candidate=True)
        code = None
        if code_reference is not None and "code" in metrics:
            from .code import score_code

            assets = candidate.parent / "assets"  # a run's OUT/assets, which its index.html uses
            code = score_code(browser, code_reference, candidate, assets=(assets,) if assets.is_dir() else ())
    measurement = measure(reference, rendered, cand_blocks, metrics)
    result: dict[str, Any] = {"source": str(source), "candidate": str(candidate), **measurement.scores()}
    if code is not None:
        result.update(code.as_dict(), code_texts_held=code.texts_held, code_seconds=round(code.seconds, 3))
    comparison = measurement.comparison
    if comparison is not None:
        if diff_path is not None:
            atomic_write(diff_path, encode_png(diff_heatmap(image, comparison)))
        result.update(
            width=comparison.width,
            height=comparison.height,
            regions=[asdict(region) for region in comparison.regions],
        )
    result["candidate_size"] = list(rendered.size)
    if graph is not None:
        result["structure"] = graph
    if measurement.design2code is not None:
        scores = measurement.design2code
        result["blocks"] = {
            "reference": len(scores.reference),
            "candidate": len(scores.candidate),
            "matched": len(scores.pairs),
            "reference_from": reference.text_blocks().method,
            "candidate_from": "html" if cand_blocks is not None else "ocr",
        }
    return result


def describe_scores(scores: dict[str, Any]) -> list[str]:
    """``score_candidate``'s result as lines for a person."""
    lines = []
    if "ssim" in scores:
        lines.append(f"SSIM {scores['ssim']:.4f}  ({scores['width']}x{scores['height']} compared)")
        for number, region in enumerate(scores["regions"], 1):
            lines.append(
                f"  {number}. x {region['x']}, y {region['y']}, {region['width']}x{region['height']}: "
                f"dissimilarity {region['dissimilarity']:.2f}"
            )
    if "block" in scores:
        values = "  ".join(
            f"{name.capitalize()} {'–' if scores[name] is None else f'{100 * scores[name]:.1f}'}"
            for name in ("block", "text", "position", "color")
        )
        counts = scores["blocks"]
        lines.append(
            f"Design2Code  {values}  ({counts['matched']} of {counts['reference']} reference blocks matched, "
            f"{counts['candidate']} in the candidate)"
        )
        if scores["clip"] is None:
            lines.append(f"  CLIP unavailable: {scores['clip_unavailable']}")
        else:
            lines.append(f"  CLIP {100 * scores['clip']:.1f} (text painted out)")
    if "tree_bleu" in scores:
        from .code import describe_code

        lines.append(describe_code(scores))
    if "structure" in scores:
        graph = scores["structure"]
        cer = "–" if graph["label_cer"] is None else f"{graph['label_cer']:.3f}"
        lines.append(
            f"Structure  nodes F1 {graph['node_f1']:.3f} ({graph['nodes_matched']} of "
            f"{graph['nodes_reference']} matched, {graph['nodes_candidate']} drawn)  "
            f"edges F1 {graph['edge_f1']:.3f} ({graph['edges_matched']} of {graph['edges_reference']})  "
            f"label CER {cer}"
        )
        if "note" in graph:
            lines.append(f"  note: {graph['note']}")
    return lines

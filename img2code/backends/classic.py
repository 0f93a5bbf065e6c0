"""The model-free backend: OCR and colour segmentation rebuild a page as HTML (``vision.page`` reads
it, ``classic_page`` writes it), and a diagram as an editable draw.io file (``vision.diagram`` reads
it, ``classic_drawio`` writes it).

It reads nothing but the source image (no prompt, so the refine loop cannot steer it) and is the
default when no model is available, and the baseline every model must beat.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence

import numpy as np

from ..errors import BackendError
from .base import Backend, Generation, GenerationRequest

log = logging.getLogger(__name__)


class ClassicBackend(Backend):
    """Rebuilds pages from pixels: rapidocr text, scikit-image colour regions, then either a flow
    layout (``layout="flow"``: rows, columns and semantic tags, ``classic_flow``) or the pixel trace
    (``layout="absolute"``: every text where the screenshot has it, ``classic_page``)."""

    name = "classic"
    follows_prompts = False

    def __init__(self, layout: str = "flow", inline_assets: bool = False) -> None:
        self.layout = layout
        self.inline_assets = inline_assets

    @property
    def model(self) -> str:
        return "classic: rapidocr + colour segmentation (pages), shape and connector tracing (diagrams)"

    def generate(self, request: GenerationRequest) -> Generation:
        if request.target not in ("html", "drawio"):
            raise BackendError(f"the classic backend cannot produce {request.target!r}")
        if not request.images:
            raise BackendError("the classic backend needs the source image")
        start = time.perf_counter()
        rgb = np.asarray(request.images[0].convert("RGB"))
        assets: dict[str, bytes] = {}
        if request.target == "drawio":
            text = self._diagram(rgb)
        elif len(request.widths) > 1:  # several shots of one responsive page
            shots = [np.asarray(image.convert("RGB")) for image in request.images[: len(request.widths)]]
            text, assets = self._responsive(shots, request.widths)
        else:
            text, assets = self._page(rgb)
        if request.target == "html" and request.stack != "html":  # the page in Tailwind, React, ...
            from .classic_stacks import to_stack

            text, assets = to_stack(text, request.stack, assets)
        return Generation(text=text, finish_reason="stop", seconds=time.perf_counter() - start, assets=assets)

    def _page(self, rgb: np.ndarray) -> tuple[str, dict[str, bytes]]:
        """A screenshot rebuilt as one HTML page, and the image files it links (name -> PNG)."""
        from ..vision.page import analyse
        from . import classic_flow, classic_page

        layout = analyse(rgb)
        emit_start = time.perf_counter()
        assets: dict[str, bytes] = {}
        if self.layout == "absolute":
            page = classic_page.to_html(layout)
        else:
            page, assets = classic_flow.to_html(layout, rgb, inline_assets=self.inline_assets)
        layout.timings["emit"] = time.perf_counter() - emit_start
        log.info(
            "classic: %d regions, %d text runs (%s)",
            len(layout.regions),
            len(layout.runs),
            ", ".join(f"{k} {v:.2f}s" for k, v in layout.timings.items()),
        )
        return page, assets

    def _responsive(self, shots: list[np.ndarray], widths: Sequence[int]) -> tuple[str, dict[str, bytes]]:
        """Shots of one page at ``widths`` rebuilt as one responsive page: one flow DOM, mobile
        first (``classic_responsive``), or each shot's pixel trace switched by ``@media``."""
        from ..vision.page import analyse

        layouts = [analyse(rgb) for rgb in shots]
        if self.layout == "absolute":
            from ..responsive import page_from_layouts

            return page_from_layouts(layouts, widths), {}
        from .classic_responsive import to_html

        return to_html(layouts, shots, widths, inline_assets=self.inline_assets)

    @staticmethod
    def _diagram(rgb: np.ndarray) -> str:
        """A diagram digitised into an editable draw.io file."""
        from ..vision.diagram import digitise
        from .classic_drawio import to_drawio

        diagram = digitise(rgb)
        log.info("classic drawio: %s", ", ".join(f"{k} {v:.2f}s" for k, v in diagram.timings.items()))
        return to_drawio(diagram)

"""The model-free backend: OCR and colour segmentation rebuild a page as HTML (``vision.page`` reads
it, ``classic_page`` writes it), and a diagram as an editable draw.io file (``vision.diagram`` reads
it, ``classic_drawio`` writes it).

It reads nothing but the source image (no prompt, so the refine loop cannot steer it) and is the
default when no model is available, and the baseline every model must beat.
"""

from __future__ import annotations

import logging
import time

import numpy as np

from ..errors import BackendError
from .base import Backend, Generation, GenerationRequest

log = logging.getLogger(__name__)


class ClassicBackend(Backend):
    """Rebuilds pages from pixels: rapidocr text, scikit-image colour regions, absolute layout."""

    name = "classic"
    follows_prompts = False

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
        text = self._diagram(rgb) if request.target == "drawio" else self._page(rgb)
        return Generation(text=text, finish_reason="stop", seconds=time.perf_counter() - start)

    @staticmethod
    def _page(rgb: np.ndarray) -> str:
        """A screenshot rebuilt as one HTML page."""
        from ..vision.page import analyse
        from .classic_page import to_html

        layout = analyse(rgb)
        emit_start = time.perf_counter()
        page = to_html(layout)
        layout.timings["emit"] = time.perf_counter() - emit_start
        log.info(
            "classic: %d regions, %d text runs (%s)",
            len(layout.regions),
            len(layout.runs),
            ", ".join(f"{k} {v:.2f}s" for k, v in layout.timings.items()),
        )
        return page

    @staticmethod
    def _diagram(rgb: np.ndarray) -> str:
        """A diagram digitised into an editable draw.io file."""
        from ..vision.diagram import digitise
        from .classic_drawio import to_drawio

        diagram = digitise(rgb)
        log.info("classic drawio: %s", ", ".join(f"{k} {v:.2f}s" for k, v in diagram.timings.items()))
        return to_drawio(diagram)

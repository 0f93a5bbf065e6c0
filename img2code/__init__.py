"""img2code: turn screenshots and mockups into HTML with Qwen3-VL and a render-compare-refine loop.

>>> import img2code
>>> result = img2code.convert("mockup.png", "out/")          # doctest: +SKIP
>>> result.status, result.best.ssim                          # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

from .config import PRESETS, GenerationOptions, RunConfig
from .errors import Img2CodeError
from .progress import Progress
from .results import Iteration, RunResult, StageError

__all__ = [
    "PRESETS",
    "GenerationOptions",
    "Img2CodeError",
    "Iteration",
    "Progress",
    "RunConfig",
    "RunResult",
    "StageError",
    "convert",
]
__version__ = "0.1.0"


def convert(
    image: str | Path,
    out: str | Path,
    *,
    target: str = "html",
    progress: Progress | None = None,
    **settings: object,
) -> RunResult:
    """Convert ``image`` into ``target`` code in the folder ``out``; see RunConfig for ``settings``.

    Raises InputError (bad image, OUT already holding results without ``force=True``) before
    writing anything; afterwards every failure is recorded in the returned RunResult and result.json.
    """
    from .convert import convert as run_conversion  # keeps `import img2code` light

    return run_conversion(image, out, config=RunConfig(target=target, **settings), progress=progress)

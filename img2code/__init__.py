"""img2code: turn screenshots and mockups into HTML with Qwen3-VL and a render-compare-refine loop.

>>> import img2code
>>> result = img2code.convert("mockup.png", "out/")          # doctest: +SKIP
>>> result.status, result.best.ssim                          # doctest: +SKIP
"""

from __future__ import annotations

from .config import PRESETS, GenerationOptions, RunConfig
from .convert import convert  # eager: a lazy import would rebind img2code.convert to the module
from .errors import Img2CodeError, InputError
from .progress import Progress
from .results import Iteration, RunResult, StageError

__all__ = [
    "PRESETS",
    "GenerationOptions",
    "Img2CodeError",
    "InputError",
    "Iteration",
    "Progress",
    "RunConfig",
    "RunResult",
    "StageError",
    "convert",
]
__version__ = "0.1.0"

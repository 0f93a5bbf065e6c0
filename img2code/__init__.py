"""img2code: turn screenshots and mockups into HTML, and diagrams into draw.io, with a
render-compare-refine loop.

>>> import img2code
>>> result = img2code.convert("mockup.png", "out/")          # doctest: +SKIP
>>> result.status, result.best.ssim                          # doctest: +SKIP

The names below are imported on first use, so ``import img2code`` (and ``img2code --help``) stays
fast: Playwright, OpenCV and the scorers load only when a conversion needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .config import PRESETS, GenerationOptions, RunConfig
    from .errors import Img2CodeError, InputError
    from .progress import BatchProgress, Progress
    from .results import BatchResult, Iteration, Record, RunResult, StageError
    from .session import Converter, convert

# Each public name and the module that defines it. No module of the package may share a public
# name: importing a submodule binds it on the package, which would shadow the name.
_EXPORTS = {
    "PRESETS": "config",
    "GenerationOptions": "config",
    "RunConfig": "config",
    "Img2CodeError": "errors",
    "InputError": "errors",
    "BatchProgress": "progress",
    "Progress": "progress",
    "BatchResult": "results",
    "Iteration": "results",
    "Record": "results",
    "RunResult": "results",
    "StageError": "results",
    "Converter": "session",
    "convert": "session",
}
__all__ = [
    "PRESETS",
    "BatchProgress",
    "BatchResult",
    "Converter",
    "GenerationOptions",
    "Img2CodeError",
    "InputError",
    "Iteration",
    "Progress",
    "Record",
    "RunConfig",
    "RunResult",
    "StageError",
    "convert",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    """Import a public name's module on first use, and keep the name for later look-ups."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})

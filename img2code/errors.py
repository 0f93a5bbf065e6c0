"""The one error tree of img2code. Every error a user can meet is one of these.

Img2CodeError                 base; ``exit_code`` is what the CLI exits with
├── InputError                bad input file or option (exit 2)
│   ├── ImageError            unreadable, empty, truncated or oversized image
│   └── OutputExistsError     OUT already holds results and --force was not given
├── SetupError                a missing part of the installation (Chromium, torchvision) (exit 1)
├── BackendError              the model backend could not run (exit 1)
│   ├── ModelNotFoundError    weights not found locally and the hub is unreachable
│   └── GenerationError       the model failed while generating
├── ExtractionError           no usable code in the model's answer (an iteration fails, the run goes on)
└── RenderError               the browser could not render a candidate
    └── RenderTimeout         a page operation ran past its time limit
"""

from __future__ import annotations


class Img2CodeError(Exception):
    """Base of every img2code error; ``exit_code`` is the CLI exit status it maps to."""

    exit_code = 1


class InputError(Img2CodeError):
    """The user gave something unusable: a bad file, a bad option value."""

    exit_code = 2


class ImageError(InputError):
    """An input image that cannot be used; the message names the file and the problem."""


class OutputExistsError(InputError):
    """The output folder already holds results; pass --force to replace them."""


class SetupError(Img2CodeError):
    """A required part of the installation is missing; the message says how to fix it."""


class BackendError(Img2CodeError):
    """A generation backend could not do its work."""


class ModelNotFoundError(BackendError):
    """Model weights are neither local nor downloadable."""


class GenerationError(BackendError):
    """Generation started but failed."""


class ExtractionError(Img2CodeError):
    """The model's answer holds no usable code."""


class RenderError(Img2CodeError):
    """Rendering a candidate failed."""


class RenderTimeout(RenderError):
    """A page operation (load, script, screenshot) ran past its time limit."""

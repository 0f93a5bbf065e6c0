"""The backend contract: one request in, one generation out."""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import ClassVar

from PIL import Image

from ..config import GenerationOptions
from ..errors import BackendError

PIXELS_PER_IMAGE_TOKEN = 32 * 32  # Qwen3-VL: 16-pixel patches merged 2x2, one image token per 32x32 pixels


def capped_copy(image: Image.Image, max_image_tokens: int) -> Image.Image:
    """``image`` as a model may see it: scaled down (same aspect) to at most ``max_image_tokens``
    image tokens' worth of pixels; the image itself when it is small enough."""
    limit = max_image_tokens * PIXELS_PER_IMAGE_TOKEN
    if image.width * image.height <= limit:
        return image
    scale = math.sqrt(limit / (image.width * image.height))
    size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
    return image.resize(size, Image.Resampling.BICUBIC)


@dataclass
class VideoFrames:
    """A screen recording as a model sees it: its key frames in order, and when each appears
    (seconds from the start); ``tokens`` caps the visual tokens of all frames together."""

    images: list[Image.Image]
    seconds: list[float]
    tokens: int = 5120


@dataclass
class GenerationRequest:
    """What a backend is asked to produce.

    ``images`` are full-resolution RGB images (the source first, then e.g. the current render);
    model backends cap them to ``max_image_tokens`` 32x32 patches each before encoding.
    ``target`` ("html" or "drawio") and ``mode`` ("generate" or "refine") let a model-free backend
    know what to build; model backends follow ``prompt``.
    """

    target: str
    mode: str
    prompt: str
    images: list[Image.Image]
    options: GenerationOptions
    system: str | None = None
    max_image_tokens: int = 1280
    on_token: Callable[[str], None] | None = None  # called with each streamed text piece
    # A screen recording's key frames. ``images[0]`` (the source) is then its first frame, which
    # model backends send as part of the video, not again; the other images follow the video.
    video: VideoFrames | None = None
    # Several shots of one responsive page: the viewport width of each of the first len(widths) images.
    widths: tuple[int, ...] = ()
    stack: str = "html"  # an html page's stack (tailwind, react, vue, bootstrap): see stacks.py


@dataclass
class Usage:
    """Token counts of one generation (0 where a backend has none)."""

    prompt_tokens: int = 0
    completion_tokens: int = 0


@dataclass
class Generation:
    """A backend's answer: raw text plus how it ended and what it cost."""

    text: str
    finish_reason: str  # "stop", "length" or "error"
    usage: Usage = field(default_factory=Usage)
    seconds: float = 0.0
    first_token_seconds: float | None = None
    # Files the code links by relative path (``assets/NAME``), name -> bytes: written beside the code.
    assets: dict[str, bytes] = field(default_factory=dict)


class Backend(ABC):
    """A way of turning an image (and a prompt) into code."""

    name: ClassVar[str]
    #: whether the backend reads prompts, so the refine loop can send it feedback
    follows_prompts: ClassVar[bool] = True
    #: whether generate() may be called from several threads at once (a batch then overlaps them)
    concurrent: ClassVar[bool] = False

    @property
    def model(self) -> str:
        """What produced the code: a model id or path, or a description of the method."""
        return self.name

    @abstractmethod
    def generate(self, request: GenerationRequest) -> Generation:
        """Produce code (or an answer holding code) for ``request``."""

    def generate_candidates(self, request: GenerationRequest, n: int) -> list[Generation | BackendError]:
        """``n`` answers for ``request`` (``--candidates N``): a failed one is its error, the others
        still count. Raises the first error when every answer failed. This default asks one at a time;
        model backends batch them (one ``generate`` with N sequences, or N requests at once)."""
        answers: list[Generation | BackendError] = []
        for _ in range(n):
            try:
                answers.append(self.generate(request))
            except BackendError as exc:
                answers.append(exc)
        return raise_if_all_failed(answers)

    def close(self) -> None:  # noqa: B027 - optional hook, most backends hold nothing
        """Release whatever the backend holds (models, connections)."""

    def __enter__(self) -> Backend:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def raise_if_all_failed(answers: list[Generation | BackendError]) -> list[Generation | BackendError]:
    """``answers`` when at least one is a Generation; else raise the first error."""
    if answers and all(isinstance(answer, BackendError) for answer in answers):
        raise answers[0]  # type: ignore[misc]
    return answers

"""Run configuration and generation presets: the one place where defaults live."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from .errors import InputError

# A 1280x16384 page is 21 MP; colour segmentation costs ~95 bytes a pixel (60 MP took 6.3 GB).
MAX_IMAGE_PIXELS = 25_000_000

DEFAULT_MODEL = "Qwen/Qwen3-VL-8B-Instruct"
TARGETS = ("html", "drawio")
DIAGRAM_SUFFIXES = (".drawio", ".xml")  # draw.io files (jgraph's own diagrams are saved as .xml)
METRIC_SETS = ("ssim", "design2code")  # what an iteration can be scored by (and ranked by)
SCORE_METRIC_SETS = (*METRIC_SETS, "code")  # `img2code score` also takes code (against a reference HTML)
BACKENDS = ("auto", "transformers", "openai", "classic")
STACKS = ("html", "tailwind", "react", "vue", "bootstrap")  # what an HTML page is written in (stacks.py)
LAYOUTS = ("flow", "absolute")  # how the classic backend lays a page out (RunConfig.layout)
# The usual base URL of each local OpenAI-compatible server (--server NAME).
SERVERS = {
    "lmstudio": "http://localhost:1234/v1",
    "ollama": "http://localhost:11434/v1",
    "vllm": "http://localhost:8000/v1",
}
BASE_URL_ENV = "IMG2CODE_BASE_URL"
API_KEY_ENV = "IMG2CODE_API_KEY"


def parse_metrics(text: str, allowed: tuple[str, ...] = METRIC_SETS) -> tuple[str, ...]:
    """``"ssim,design2code"`` as a tuple of metric sets; a name not ``allowed`` raises InputError."""
    names = tuple(dict.fromkeys(part.strip().lower() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in allowed]
    if unknown or not names:
        raise InputError(
            f"unknown metric(s) {', '.join(unknown) or text!r}; choose from {', '.join(allowed)}"
        )
    return names


@dataclass(frozen=True)
class GenerationOptions:
    """Sampling options shared by every model backend. ``None`` means: leave it to the backend."""

    temperature: float | None = None
    top_p: float | None = None
    top_k: int | None = None
    min_p: float | None = None
    repetition_penalty: float | None = None
    presence_penalty: float | None = None
    max_new_tokens: int = 16384

    def with_overrides(self, **overrides: float | int | None) -> GenerationOptions:
        """A copy with the given options replaced; ``None`` values leave the preset's value."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:
            raise InputError(f"unknown generation option(s): {', '.join(sorted(unknown))}")
        given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
        return replace(self, **given)


# Presets from the model's publishers (Qwen's model card) and LM Studio's defaults for this model.
PRESETS: dict[str, GenerationOptions] = {
    "qwen-vl": GenerationOptions(
        temperature=0.7,
        top_p=0.8,
        top_k=20,
        repetition_penalty=1.0,
        presence_penalty=1.5,
        max_new_tokens=16384,
    ),
    "lmstudio": GenerationOptions(
        temperature=0.15,
        top_p=0.95,
        top_k=20,
        min_p=0.0,
        repetition_penalty=None,
        max_new_tokens=16384,
    ),
}
LMSTUDIO_CONTEXT_TOKENS = 32768


@dataclass
class RunConfig:
    """Everything one conversion needs besides the input image and the output folder."""

    target: str = "html"
    backend: str = "auto"
    model: str = DEFAULT_MODEL
    preset: str = "qwen-vl"
    # None: the preset's options, filled in by __post_init__ (so readers always see options)
    generation: GenerationOptions = None  # type: ignore[assignment]
    max_iters: int = 3
    target_ssim: float | None = 0.95
    min_gain: float = 0.002  # an iteration must beat the best by this much to count as progress
    patience: int = 2  # stop after this many iterations without progress
    max_image_tokens: int = 1280  # the model sees a copy capped to this many 32x32 patches
    max_image_pixels: int = MAX_IMAGE_PIXELS  # larger inputs are refused (see MAX_IMAGE_PIXELS)
    render_timeout_s: float = 15.0
    force: bool = False
    device_map: str = "auto"
    dtype: str = "auto"
    cache_dir: Path | None = None
    metrics: tuple[str, ...] = ("ssim",)  # scored every iteration; SSIM always is
    select_by: str = "ssim"  # ranks iterations: ssim, or design2code (the mean of its four scores)
    base_url: str | None = None  # an OpenAI-compatible server (see endpoint())
    server: str | None = None  # lmstudio, ollama or vllm: fills in the usual base URL
    api_key: str | None = None  # else $IMG2CODE_API_KEY; local servers need none
    retry_s: float = 60.0  # how long the openai backend keeps retrying a busy or unreachable server
    candidates: int = 1  # answers asked for per iteration; all are rendered and scored, the best kept
    layout: str = "flow"  # classic pages: flow (rows, columns, semantic tags) or absolute (pixel trace)
    inline_assets: bool = False  # images as data URIs in the code instead of files in OUT/assets
    # (and the stack's libraries embedded in OUT/index.html instead of loaded from their CDN)
    stack: str = "html"  # html: HTML+CSS; tailwind, react, vue, bootstrap (stacks.py)
    also: tuple[str, ...] = ()  # extra formats written beside the code: "mermaid" (drawio: OUT/diagram.mmd)
    correct: bool = True  # html: model-free CSS corrections after each generation (correct.py)
    text_hints: bool | None = None  # OCR'd source texts in the first prompt; None: on with a model
    max_frames: int = 16  # screen recordings: key frames kept at most (video/frames.py)

    def __post_init__(self) -> None:
        if self.target not in TARGETS:
            raise InputError(f"unknown target {self.target!r}; choose one of {', '.join(TARGETS)}")
        if self.preset not in PRESETS:
            raise InputError(f"unknown preset {self.preset!r}; choose one of {', '.join(PRESETS)}")
        if self.generation is None:
            self.generation = PRESETS[self.preset]
        if self.max_iters < 1:
            raise InputError("max_iters must be at least 1")
        if self.candidates < 1:
            raise InputError("candidates must be at least 1")
        if self.max_frames < 1:
            raise InputError("max_frames must be at least 1")
        if self.stack not in STACKS:
            raise InputError(f"unknown stack {self.stack!r}; choose one of {', '.join(STACKS)}")
        if self.stack != "html" and self.target != "html":
            raise InputError(f"--stack {self.stack} writes web pages: it needs the html target")
        if self.layout not in LAYOUTS:
            raise InputError(f"unknown layout {self.layout!r}; choose one of {', '.join(LAYOUTS)}")
        if self.max_image_tokens < 4:
            raise InputError("max_image_tokens must be at least 4")
        if any(extra != "mermaid" for extra in self.also) or (self.also and self.target != "drawio"):
            raise InputError("only the drawio target writes an extra format: --also mermaid")
        unknown = [name for name in (*self.metrics, self.select_by) if name not in METRIC_SETS]
        if unknown:
            raise InputError(f"unknown metric(s) {', '.join(unknown)}; choose from {', '.join(METRIC_SETS)}")
        self.metrics = tuple(dict.fromkeys(("ssim", *self.metrics, self.select_by)))
        if self.server is not None and self.server not in SERVERS:
            raise InputError(f"unknown server {self.server!r}; choose one of {', '.join(SERVERS)}")

    def endpoint(self) -> tuple[str, str] | None:
        """The OpenAI-compatible base URL to use and where it came from, or None when none is set.

        ``base_url`` wins over ``server``, which wins over ``$IMG2CODE_BASE_URL``.
        """
        if self.base_url:
            return self.base_url, "--base-url"
        if self.server:
            return SERVERS[self.server], f"--server {self.server}"
        if os.environ.get(BASE_URL_ENV):
            return os.environ[BASE_URL_ENV], BASE_URL_ENV
        return None

    def resolved_api_key(self) -> str | None:
        """The API key: ``api_key``, else ``$IMG2CODE_API_KEY``, else None."""
        return self.api_key or os.environ.get(API_KEY_ENV) or None

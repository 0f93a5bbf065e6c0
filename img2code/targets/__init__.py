"""Output formats: each knows its prompts, how to pull code from an answer, and how to render it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..errors import InputError
from .drawio import DrawioTarget
from .html import Extraction, HtmlTarget

if TYPE_CHECKING:
    from PIL import Image

    from ..render import Renderer

__all__ = ["DrawioTarget", "Extraction", "HtmlTarget", "Target", "get_target"]


class Rendering(Protocol):
    """What a target's render gives the loop: the PNG as written and the decoded image."""

    png: bytes
    image: Image.Image


class Target(Protocol):
    """An output format: its file name, prompts, extraction and rendering."""

    name: str
    filename: str
    raw_suffix: str

    def prompts(self, mode: str, **values: object) -> tuple[str, str]: ...
    def extract(self, text: str, *, truncated: bool = False) -> Extraction: ...
    def render(self, renderer: Renderer, code: str, width: int, height: int) -> Rendering: ...


TARGET_CLASSES: dict[str, type[Target]] = {"html": HtmlTarget, "drawio": DrawioTarget}


def get_target(name: str, stack: str = "html") -> Target:
    """The target called ``name``; for html, written in ``stack`` (see stacks.py)."""
    if name not in TARGET_CLASSES:
        raise InputError(f"unknown target {name!r} (available: {', '.join(TARGET_CLASSES)})")
    if name == "html" and stack != "html":
        from ..stacks import stack_target

        return stack_target(stack)
    return TARGET_CLASSES[name]()

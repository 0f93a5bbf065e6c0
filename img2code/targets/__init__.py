"""Output formats: each knows its prompts, how to pull code from an answer, and how to render it."""

from __future__ import annotations

from ..errors import InputError
from .html import Extraction, HtmlTarget

__all__ = ["Extraction", "HtmlTarget", "get_target"]


def get_target(name: str) -> HtmlTarget:
    """The target called ``name``."""
    if name == "html":
        return HtmlTarget()
    raise InputError(f"target {name!r} is not available yet (available: html)")

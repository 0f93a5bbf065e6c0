"""Rendering candidates: ``Renderer`` is what the loop, the targets and the scorers render with.

Two classes have its shape: ``browser.Browser`` (one sandboxed Chromium, used from one thread) and
``shared.SharedBrowser`` (a Browser on a thread of its own that any thread may hand renders to).
Tests render with a fake of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, Protocol, TypeVar

if TYPE_CHECKING:
    from .browser import Browser, Rendered

P = ParamSpec("P")
T = TypeVar("T")


class Renderer(Protocol):
    """Renders HTML to screenshots; ``call`` runs a function that drives the Browser's pages itself."""

    timeout_s: float

    def render_html(
        self,
        html: str,
        width: int,
        height: int,
        *,
        javascript: bool = True,
        full_page: bool = True,
        script: str | None = None,
    ) -> Rendered: ...

    def render_file(
        self,
        path: Path,
        width: int,
        height: int,
        *,
        javascript: bool = True,
        full_page: bool = True,
        script: str | None = None,
    ) -> Rendered: ...

    def call(self, fn: Callable[Concatenate[Browser, P], T], *args: P.args, **kwargs: P.kwargs) -> T: ...

    def close(self) -> None: ...

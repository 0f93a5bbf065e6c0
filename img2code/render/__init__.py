"""Rendering candidates: ``Renderer`` is what the loop, the targets and the scorers render with.

Two classes have its shape: ``browser.Browser`` (one sandboxed Chromium, used from one thread) and
``shared.SharedBrowser`` (a Browser on a thread of its own that any thread may hand renders to).
Tests render with a fake of the same shape.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Concatenate, ParamSpec, Protocol, TypedDict, TypeVar

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from .browser import Browser, Rendered

P = ParamSpec("P")
T = TypeVar("T")


class RenderOptions(TypedDict, total=False):
    """How a page is rendered (see ``Browser.render_html``); what is left out takes its default."""

    javascript: bool  # run the page's own scripts (default: True)
    full_page: bool  # capture the whole page, not only the viewport (default: True)
    script: str | None  # a JavaScript function evaluated after the screenshot: Rendered.value
    # a JavaScript function polled (each frame) after the load until it returns true or the page
    # throws; the screenshot waits for it (pages that React or Vue draw after their load event)
    wait_for: str | None


class Renderer(Protocol):
    """Renders HTML to screenshots; ``call`` runs a function that drives the Browser's pages itself."""

    timeout_s: float

    def render_html(
        self, html: str, width: int, height: int, **options: Unpack[RenderOptions]
    ) -> Rendered: ...

    def render_file(
        self,
        path: Path,
        width: int,
        height: int,
        *,
        assets: Iterable[Path] = (),
        **options: Unpack[RenderOptions],
    ) -> Rendered: ...

    def call(self, fn: Callable[Concatenate[Browser, P], T], *args: P.args, **kwargs: P.kwargs) -> T: ...

    def close(self) -> None: ...

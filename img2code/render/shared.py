"""One Browser shared by many threads: a thread of its own owns Chromium and renders requests in turn.

Playwright's sync API binds a browser to the thread that started it, so concurrent conversions
(``img2code html DIR --jobs N``) cannot call one Browser directly. They hand their renders to this
thread instead: one Chromium and one Playwright driver for the whole batch, pages reused across
inputs, and renders (~0.1-0.3 s) queued while the slow part, generation, overlaps.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from .browser import Browser, Rendered

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from . import RenderOptions

log = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")


class SharedBrowser:
    """A Browser that any thread may render with; the arguments are those of Browser.

    ``render_html`` and ``render_file`` behave as Browser's; ``call(fn, ...)`` runs ``fn(browser, ...)``
    on the owning thread, for renderers that drive pages themselves. ``stats`` counts renders, the
    seconds spent rendering and the seconds callers waited for their turn.
    """

    def __init__(self, timeout_s: float = 15.0, executable: str | None = None):
        self.timeout_s = timeout_s
        self._requests: queue.Queue[tuple[Callable[[Browser], Any], Future[Any], float] | None] = (
            queue.Queue()
        )
        self._lock = threading.Lock()
        self.stats = {"renders": 0, "render_s": 0.0, "wait_s": 0.0}
        self._thread = threading.Thread(
            target=self._serve,
            args=(timeout_s, executable),
            name="img2code-render",
            daemon=True,  # an interrupted batch must not wait for a render to end
        )
        self._thread.start()

    def __enter__(self) -> SharedBrowser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def call(self, fn: Callable[Concatenate[Browser, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """Run ``fn(browser, *args, **kwargs)`` on the browser's thread and return (or raise) its result."""
        if not self._thread.is_alive():
            raise RuntimeError("the shared browser is closed")
        future: Future[T] = Future()
        self._requests.put((lambda browser: fn(browser, *args, **kwargs), future, time.perf_counter()))
        return future.result()

    def render_html(self, html: str, width: int, height: int, **options: Unpack[RenderOptions]) -> Rendered:
        """Browser.render_html, on the browser's thread."""
        return self.call(Browser.render_html, html, width, height, **options)

    def render_file(
        self,
        path: Path,
        width: int,
        height: int,
        *,
        assets: Iterable[Path] = (),
        **options: Unpack[RenderOptions],
    ) -> Rendered:
        """Browser.render_file, on the browser's thread."""
        return self.call(Browser.render_file, path, width, height, assets=tuple(assets), **options)

    def close(self, timeout_s: float = 10.0) -> None:
        """Finish the queued renders, close Chromium and stop the thread (waiting ``timeout_s`` at most)."""
        if self._thread.is_alive():
            self._requests.put(None)
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                log.warning("the render thread did not stop within %.0f s", timeout_s)

    def _serve(self, timeout_s: float, executable: str | None) -> None:
        """The owning thread: take requests in order until close() queues None."""
        with Browser(timeout_s=timeout_s, executable=executable) as browser:
            while (request := self._requests.get()) is not None:
                task, future, queued = request
                if not future.set_running_or_notify_cancel():
                    continue
                started = time.perf_counter()
                try:
                    future.set_result(task(browser))
                except BaseException as exc:  # handed to the caller's thread
                    future.set_exception(exc)
                with self._lock:
                    self.stats["renders"] += 1
                    self.stats["wait_s"] += started - queued
                    self.stats["render_s"] += time.perf_counter() - started

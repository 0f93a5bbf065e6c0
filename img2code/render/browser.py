"""One sandboxed Chromium per run: renders untrusted HTML offline, with a time limit, reusing pages.

Generated code is untrusted, so every page runs with the network shut three ways: a route that
aborts every request but ``data:``, ``about:`` and ``blob:`` (and the files below); a host resolver
that resolves nothing and a dead proxy, which also stop what routes never see (``sendBeacon``,
keepalive fetches, ``<link rel=prefetch>``); WebRTC limited to proxied UDP (none). Service workers
are blocked and WebSockets closed before they connect.

Untrusted pages read no ``file:`` URL. ``render_html`` sets the page's text (its URL stays
``about:blank``). ``render_file`` opens the file at ``PAGE_ORIGIN`` + its path, a made-up https
origin whose requests the route answers from disk only for the file itself and for files inside the
assets its caller named (a run's ``OUT/assets``), aborting the rest. Chromium refuses ``file:`` URLs
to pages of any other origin, so ``file:`` requests that routes do not see (a worker's fetch, for
one) cannot reach the disk either.

Pages are reused: a launch costs more than a render. A page with JavaScript goes back to
``about:blank`` before each render, since ``set_content`` keeps the old window and with it
timers that would otherwise draw into the next render. A page that hangs is recovered by
closing its context (0.03 s); the next render gets a fresh one.

Front-end libraries that pages load from the usual CDNs (Tailwind's Play CDN, React, Babel, Vue,
Bootstrap on unpkg, jsDelivr, cdnjs) are answered from the copies ``vendor`` knows, installed by
set-up; every other request to the network stays blocked. Each render reports what was served and
what was blocked, and the page's uncaught errors.

Trusted local web apps (draw.io's export page) get a page of their own: opened once from their
``file:`` URL with JavaScript on, able to read their own folder (and only it) through ``file:``
URLs, and reused.

Playwright's sync API ties a ``Browser`` to the thread that first renders with it, and allows
one driver per thread: Browsers of one thread share it (each still has its own Chromium).
"""

from __future__ import annotations

import functools
import io
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar
from urllib.parse import urlsplit
from urllib.request import url2pathname

from PIL import Image
from playwright.sync_api import Browser as PlaywrightBrowser
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import (
    FloatRect,
    Page,
    Playwright,
    Route,
    ViewportSize,
    WebSocketRoute,
    sync_playwright,
)
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ..errors import InputError, RenderError, RenderTimeout, SetupError
from . import vendor

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from . import RenderOptions

logger = logging.getLogger(__name__)
P = ParamSpec("P")
T = TypeVar("T")

LAUNCH_FLAGS = [
    "--no-sandbox",  # containers rarely allow Chromium's own sandbox; the network and time limits below stay
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    # Network closed below the routes: nothing resolves and everything else goes to a dead proxy.
    "--host-resolver-rules=MAP * ~NOTFOUND",
    "--proxy-server=http://127.0.0.1:1",
    "--proxy-bypass-list=<-loopback>",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    # Local apps load their own scripts and stencils by XHR; routes confine them to their folder.
    "--allow-file-access-from-files",
]
SYSTEM_CHROMIUMS = ("chromium", "chromium-browser")
PASS_SCHEMES = ("data", "about", "blob")
PAGE_ORIGIN = "https://img2code.invalid"  # render_file's pages are served from here (.invalid never resolves)
MAX_VIEWPORT_HEIGHT = 1024  # taller sources still get a normal screen, so 100vh sections look right
MAX_PAGE_HEIGHT = 16384  # full-page screenshots stop here (Chromium's largest texture)
CAPTURE_FAILED = "Unable to capture screenshot"  # Chromium's message when no frame came to capture
RESET_TIMEOUT_S = 1.0  # about:blank takes ~40 ms; longer means the previous page still hangs
WAIT_STEP_MS = 250  # wait_for is polled in steps this long, so that a page's error ends the wait at once
FIX = (
    "install Chromium (Debian/Ubuntu: `apt-get install chromium`) or Playwright's own browser "
    "(`playwright install chromium`), or set IMG2CODE_CHROMIUM to a Chromium executable"
)


@dataclass
class Rendered:
    """A screenshot: Chromium's PNG bytes as written, the decoded RGB image, the seconds it took, and
    the value of a script evaluated on the rendered page (it runs even with JavaScript off, since
    the page's own scripts are what that setting stops)."""

    png: bytes
    image: Image.Image
    seconds: float
    value: Any = None  # what ``script`` returned, when one was given
    errors: list[str] = field(default_factory=list)  # the page's uncaught errors, first lines
    vendored: list[str] = field(default_factory=list)  # CDN URLs answered from vendored copies
    blocked: list[str] = field(default_factory=list)  # network URLs the page asked for, aborted


@dataclass
class _Readable:
    """What the pages of one context may read: a trusted app's ``folder`` through ``file:`` URLs, or
    the ``page`` ``render_file`` shows now and its ``assets`` from PAGE_ORIGIN; nothing else."""

    folder: Path | None = None
    page: Path | None = None
    assets: tuple[Path, ...] = ()
    vendored: list[str] = field(default_factory=list)  # this render's CDN URLs answered locally
    blocked: list[str] = field(default_factory=list)  # this render's network URLs aborted

    def route(self, route: Route) -> None:
        """Let through what cannot reach the network, serve the readable files and the vendored
        libraries, abort the rest."""
        url = route.request.url
        parts = urlsplit(url)
        if parts.scheme in PASS_SCHEMES or (parts.scheme == "file" and _inside(_path(url), self.folder)):
            route.continue_()
        elif f"{parts.scheme}://{parts.netloc}" == PAGE_ORIGIN and self.serves(path := _path(url)):
            # UTF-8, as render_html's text and the Design2Code reading of the same file are
            route.fulfill(path=path, content_type="text/html; charset=utf-8" if path == self.page else None)
        elif (library := vendor.lookup(url)) is not None:
            self.vendored.append(url)
            # CORS allowed: pages load libraries with crossorigin attributes, as the CDNs' snippets do
            headers = {"Access-Control-Allow-Origin": "*", "Cache-Control": "max-age=31536000"}
            route.fulfill(path=library.path, content_type=library.content_type, headers=headers)
        else:
            logger.debug("blocked %s", url[:200])
            if parts.scheme in ("http", "https"):
                self.blocked.append(url)
            route.abort("blockedbyclient")

    def serves(self, path: Path) -> bool:
        """True when ``path`` (resolved) is the page's file or a file inside one of its assets."""
        return path.is_file() and (path == self.page or any(_inside(path, asset) for asset in self.assets))


@dataclass
class _Tab:
    """The one reused page of a context, what it may read, and ``dirty`` once it has shown a page
    with JavaScript."""

    page: Page
    readable: _Readable
    dirty: bool = False
    errors: list[str] = field(default_factory=list)  # uncaught errors of the page shown now


class Browser:
    """A lazily launched, sandboxed Chromium that renders HTML to screenshots.

    ``executable`` (else ``$IMG2CODE_CHROMIUM``, else a system ``chromium``, else Playwright's
    bundled browser) is launched on the first render. ``timeout_s`` bounds every page
    operation.
    """

    def __init__(self, timeout_s: float = 15.0, executable: str | None = None):
        self.timeout_s = timeout_s
        self.executable = executable
        self._playwright: Playwright | None = None
        self._browser: PlaywrightBrowser | None = None
        self._tabs: dict[bool | Path, _Tab] = {}  # one context and page per JavaScript setting or app

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Close every context, the browser and Playwright; safe to call twice."""
        for key in list(self._tabs):
            self._discard(key)
        if self._browser is not None:
            try:
                self._browser.close()
            except PlaywrightError as exc:
                logger.debug("closing Chromium: %s", exc)
            self._browser = None
        if self._playwright is not None:
            _release_playwright()
            self._playwright = None

    def call(self, fn: Callable[Concatenate[Browser, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        """``fn(self, *args, **kwargs)``: how renderers that drive pages themselves (draw.io) are
        called, the same on this Browser as on a SharedBrowser, which runs them on its own thread."""
        return fn(self, *args, **kwargs)

    def render_html(self, html: str, width: int, height: int, **options: Unpack[RenderOptions]) -> Rendered:
        """Render an HTML string at ``width`` pixels wide and screenshot it.

        The viewport is ``width`` x ``min(height, 1024)`` and the screenshot the full page (at
        least the viewport, at most 16384 px tall); with ``full_page=False`` the viewport is
        ``width`` x ``height`` and only it is captured. ``script`` (a JavaScript function) is
        evaluated on the page after the screenshot; its result is ``Rendered.value``. Raises
        RenderTimeout past ``timeout_s``.
        """
        return self._render(self._content(html), width, height, **options)

    def render_file(
        self,
        path: Path,
        width: int,
        height: int,
        *,
        assets: Iterable[Path] = (),
        **options: Unpack[RenderOptions],
    ) -> Rendered:
        """Render an .html file as ``render_html`` does, opened at ``PAGE_ORIGIN`` + its path so
        relative links resolve.

        The page may read itself and the files inside ``assets`` (folders or single files, such
        as a run's ``OUT/assets``); files beside it, above it or linked from its assets stay shut.
        """
        path = Path(path).resolve()
        try:
            with path.open("rb"):
                pass
        except OSError as exc:
            raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
        url = PAGE_ORIGIN + path.as_uri().removeprefix("file://")
        readable = tuple(Path(asset).resolve() for asset in assets)
        return self._render(self._goto(url), width, height, page=path, assets=readable, **options)

    def _content(self, html: str) -> Callable[[Page], object]:
        """A loader that sets ``html`` as the page's content (its URL stays about:blank)."""
        return lambda page: page.set_content(html, wait_until="load", timeout=self._ms)

    def _goto(self, url: str) -> Callable[[Page], object]:
        """A loader that opens ``url``."""
        return lambda page: page.goto(url, wait_until="load", timeout=self._ms)

    def app_page(self, index: Path) -> Page:
        """The reused page of a trusted local web app, ``index`` opened from its ``file:`` URL.

        JavaScript is on and ``file:`` access is limited to the folder of ``index``; every other
        request is aborted. Loaded on first use and kept until ``discard_app`` or ``close``.
        """
        index = Path(index).resolve()
        self._forget_dead_browser()
        tab = self._tabs.get(index)
        if tab is not None:
            return tab.page
        start = time.perf_counter()
        readable = _Readable(folder=index.parent)
        page = self._new_page(javascript=True, readable=readable)
        self._tabs[index] = _Tab(page, readable)
        try:
            page.goto(index.as_uri(), wait_until="load", timeout=self._ms)
        except PlaywrightTimeoutError as exc:
            self._discard(index)
            raise RenderTimeout(f"loading {index.name} took longer than {self.timeout_s:g} s") from exc
        except PlaywrightError as exc:
            self._discard(index)
            raise RenderError(f"loading {index} failed: {exc.message}") from exc
        logger.debug("loaded %s in %.2f s", index.name, time.perf_counter() - start)
        return page

    def discard_app(self, index: Path) -> None:
        """Close an app's page (after a failure or time-out); the next ``app_page`` loads it afresh."""
        self._discard(Path(index).resolve())

    @property
    def _ms(self) -> float:
        return self.timeout_s * 1000

    def _render(
        self,
        load: Callable[[Page], object],
        width: int,
        height: int,
        *,
        page: Path | None = None,
        assets: tuple[Path, ...] = (),
        **options: Unpack[RenderOptions],
    ) -> Rendered:
        """``_render_once``, and once more in a fresh context where Chromium could not capture the
        screenshot (its compositor gave no frame in time: seen once in a test run under heavy load)."""
        try:
            return self._render_once(load, width, height, page=page, assets=assets, **options)
        except RenderError as exc:
            if CAPTURE_FAILED not in str(exc) or isinstance(exc, RenderTimeout):
                raise
            logger.warning("render: Chromium could not capture the screenshot; rendering once more")
            return self._render_once(load, width, height, page=page, assets=assets, **options)

    def _render_once(
        self,
        load: Callable[[Page], object],
        width: int,
        height: int,
        *,
        page: Path | None = None,
        assets: tuple[Path, ...] = (),
        javascript: bool = True,
        full_page: bool = True,
        script: str | None = None,
        wait_for: str | None = None,
    ) -> Rendered:
        """Load a page with ``load``, wait for ``wait_for``, screenshot it, evaluate ``script``; on
        any failure drop the context. The page may read the file ``page`` and files inside ``assets``
        (resolved paths)."""
        start = time.perf_counter()
        tab = self._tab(javascript)
        tab.readable.page, tab.readable.assets = page, assets
        tab.errors, tab.readable.vendored, tab.readable.blocked = [], [], []
        viewport: ViewportSize = {
            "width": width,
            "height": min(height, MAX_VIEWPORT_HEIGHT) if full_page else height,
        }
        step = "loading the page"
        try:
            if tab.page.viewport_size != viewport:
                tab.page.set_viewport_size(viewport)
            tab.dirty = javascript
            load(tab.page)
            if wait_for is not None and javascript:
                step = "waiting for the page's scripts to draw it (its root element stayed empty)"
                self._wait(tab, wait_for)
            step = "taking the screenshot"
            # The clip keeps the requested width when content overflows sideways, and caps the height.
            clip: FloatRect | None = (
                {"x": 0, "y": 0, "width": width, "height": MAX_PAGE_HEIGHT} if full_page else None
            )
            png = tab.page.screenshot(
                type="png", full_page=full_page, clip=clip, animations="disabled", timeout=self._ms
            )
            value = None
            if script is not None:
                step = "reading the page"
                value = tab.page.evaluate(script)
        except PlaywrightTimeoutError as exc:
            self._discard(javascript)
            logger.warning("render: %s ran past %g s; its context was closed", step, self.timeout_s)
            raise RenderTimeout(
                f"{step} took longer than {self.timeout_s:g} s (a script that never ends, or a huge page?)"
            ) from exc
        except PlaywrightError as exc:
            self._discard(javascript)
            raise RenderError(f"{step} failed: {exc.message}") from exc
        return Rendered(
            png,
            decode_rgb(png),
            time.perf_counter() - start,
            value,
            errors=list(tab.errors),
            vendored=list(tab.readable.vendored),
            blocked=list(tab.readable.blocked),
        )

    def _wait(self, tab: _Tab, condition: str) -> None:
        """Poll the JavaScript function ``condition`` each frame until it returns true, the page
        throws (its pageerror events arrive between steps) or ``timeout_s`` passes (raises)."""
        deadline = time.perf_counter() + self.timeout_s
        while True:
            try:
                tab.page.wait_for_function(condition, polling="raf", timeout=WAIT_STEP_MS)
                return
            except PlaywrightTimeoutError:
                if tab.errors:
                    return
                if time.perf_counter() > deadline:
                    raise

    def _tab(self, javascript: bool) -> _Tab:
        """The reused page for this JavaScript setting, blank and responsive; created on demand."""
        self._forget_dead_browser()
        tab = self._tabs.get(javascript)
        if tab is not None and tab.dirty:
            try:
                tab.page.goto("about:blank", timeout=min(self.timeout_s, RESET_TIMEOUT_S) * 1000)
                tab.dirty = False
            except PlaywrightError as exc:
                logger.info(
                    "the previous page did not let go (%s); starting a fresh context",
                    exc.message.splitlines()[0],
                )
                self._discard(javascript)
                tab = None
        if tab is None:
            readable = _Readable()
            tab = self._tabs[javascript] = _Tab(self._new_page(javascript, readable), readable)
            tab.page.on("pageerror", functools.partial(_note_error, tab))
        return tab

    def _forget_dead_browser(self) -> None:
        """Drop every page when Chromium has died; its pages went with it."""
        if self._browser is not None and not self._browser.is_connected():
            self._tabs.clear()

    def _new_page(self, javascript: bool, readable: _Readable) -> Page:
        """A page in a new sandboxed context: routes block the network and every file ``readable``
        does not name, operations time out."""
        try:
            context = self._chromium().new_context(
                device_scale_factor=1,
                java_script_enabled=javascript,
                service_workers="block",
                accept_downloads=False,
            )
            context.set_default_timeout(self._ms)
            context.route("**/*", readable.route)
            context.route_web_socket("**/*", _refuse_web_socket)
            page = context.new_page()
            page.on("popup", _close_popup)
            return page
        except PlaywrightError as exc:
            raise RenderError(f"Chromium could not open a page: {exc.message}") from exc

    def _discard(self, key: bool | Path) -> None:
        """Close a context (this also stops a page stuck in a script)."""
        tab = self._tabs.pop(key, None)
        if tab is None:
            return
        try:
            tab.page.context.close()
        except PlaywrightError as exc:
            logger.debug("closing a context: %s", exc)

    def _chromium(self) -> PlaywrightBrowser:
        """The running browser, launched on first use (again if it died)."""
        if self._browser is not None and self._browser.is_connected():
            return self._browser
        if self._playwright is None:
            self._playwright = _acquire_playwright()
        errors = []
        for executable in _candidates(self.executable):
            start = time.perf_counter()
            try:
                self._browser = self._playwright.chromium.launch(
                    executable_path=executable, args=LAUNCH_FLAGS
                )
            except PlaywrightError as exc:
                errors.append(f"{executable or 'Playwright bundled Chromium'}: {exc.message.splitlines()[0]}")
                continue
            logger.debug(
                "launched %s in %.2f s", executable or "bundled Chromium", time.perf_counter() - start
            )
            return self._browser
        self.close()
        raise SetupError(f"Chromium could not be started ({'; '.join(errors)}). Fix: {FIX}.")


_thread_driver = threading.local()


def _acquire_playwright() -> Playwright:
    """This thread's Playwright driver, started on first use and counted: the sync API refuses a
    second one in a thread while the first runs."""
    if getattr(_thread_driver, "users", 0) == 0:
        _thread_driver.playwright = sync_playwright().start()
        _thread_driver.users = 0
    _thread_driver.users += 1
    playwright: Playwright = _thread_driver.playwright
    return playwright


def _release_playwright() -> None:
    """Stop this thread's driver once its last Browser is closed."""
    _thread_driver.users -= 1
    if _thread_driver.users == 0:
        _thread_driver.playwright.stop()
        del _thread_driver.playwright


def _candidates(executable: str | None) -> list[str | None]:
    """Executables to try in order; ``None`` stands for Playwright's bundled browser."""
    chosen = executable or os.environ.get("IMG2CODE_CHROMIUM")
    if chosen:
        return [chosen]
    found = [shutil.which(name) for name in SYSTEM_CHROMIUMS]
    return [*dict.fromkeys(path for path in found if path), None]


def _inside(path: Path, folder: Path | None) -> bool:
    """True when ``path`` (symlinks resolved) is ``folder`` or lies inside it."""
    return folder is not None and path.resolve().is_relative_to(folder)


def _path(url: str) -> Path:
    """The local path a ``file:`` or PAGE_ORIGIN URL names, symlinks resolved (a link leads nowhere new)."""
    return Path(url2pathname(urlsplit(url).path)).resolve()


def decode_rgb(png: bytes) -> Image.Image:
    """Decode a screenshot; Chromium's are RGB already, and skipping the copy saves ~15 ms on tall pages."""
    image = Image.open(io.BytesIO(png))
    image.load()
    return image if image.mode == "RGB" else image.convert("RGB")


def _note_error(tab: _Tab, error: PlaywrightError) -> None:
    """Keep the first line of an uncaught error of the page (a few at most)."""
    if len(tab.errors) < 5:
        message = (error.message or str(error)).strip().splitlines()
        tab.errors.append(f"{error.name}: {message[0] if message else ''}"[:300])


def _close_popup(popup: Page) -> None:
    """Close a window the page opened: only the page itself is rendered."""
    popup.close()


def _refuse_web_socket(socket: WebSocketRoute) -> None:
    """Close a page's WebSocket before it reaches any server."""
    socket.close()

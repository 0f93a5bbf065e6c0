"""A live web page as the source: ``img2code html https://example.com -o out/ [--width 1280] [--mobile]``.

The page is loaded once per width in a Chromium of its own that may use the network: only for this
capture, with a time limit, no downloads, no service workers, and only http(s) pages. Each load is
screenshotted full page (``--mobile`` adds a 390 px phone view, so the run makes one responsive page
from both); the DOM of the widest load is kept as ``OUT/reference.html``, the reference for
``img2code score OUT/reference.html OUT/index.html --metrics code``. Everything the run generates
is still rendered in the sandboxed, offline Chromium of ``render/browser.py``.
"""

from __future__ import annotations

import logging
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from .errors import InputError, SetupError

if TYPE_CHECKING:
    from playwright.sync_api import Browser as PlaywrightBrowser

    from .config import RunConfig
    from .progress import Progress
    from .results import RunResult

log = logging.getLogger(__name__)

MOBILE_WIDTH = 390  # an iPhone 12-15's CSS width
VIEWPORT_HEIGHT = 800
MOBILE_HEIGHT = 844
MAX_CAPTURE_HEIGHT = 16384  # Chromium's largest texture; longer pages are cut here
CAPTURE_TIMEOUT_S = 30.0  # at least this long for a live page to load (the network is slower than disk)
SETTLE_S = 2.0  # after "load", how long to wait for the network to go quiet (late images, fonts)
PAGE_HEIGHT = "Math.max(document.documentElement.scrollHeight, document.body?.scrollHeight ?? 0)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
REFERENCE_FILE = "reference.html"
MOBILE_AGENT = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)


def is_url(text: str | Path) -> bool:
    """Whether an input names a web page rather than a file."""
    return isinstance(text, str) and text.lower().startswith(("http://", "https://"))


@dataclass
class Capture:
    """What a capture saved: a full-page screenshot per width (widest first) and the page's DOM."""

    url: str
    final_url: str
    shots: list[tuple[int, Path]] = field(default_factory=list)
    html: str = ""
    seconds: float = 0.0


def capture_url(
    url: str,
    folder: Path,
    *,
    width: int = 1280,
    mobile: bool = False,
    timeout_s: float = 30.0,
    executable: str | None = None,
) -> Capture:
    """Load ``url`` at ``width`` (and, with ``mobile``, as a 390 px phone) and screenshot it into
    ``folder``. InputError for a URL that is not http(s), does not answer, answers with an error
    status, or is a file download rather than a page; SetupError when Chromium cannot start."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InputError(f"{url!r} is not an http(s) URL")
    from playwright.sync_api import Error as PlaywrightError

    from .render.browser import _acquire_playwright, _release_playwright

    started = time.perf_counter()
    views = [(width, False)] + ([(MOBILE_WIDTH, True)] if mobile and width != MOBILE_WIDTH else [])
    result = Capture(url, url)
    playwright = _acquire_playwright()
    try:
        browser = _launch(playwright, executable)
        try:
            for view_width, phone in views:
                path = folder / f"capture-{view_width}.png"
                html, final = _load(browser, url, view_width, phone, path, timeout_s)
                result.shots.append((view_width, path))
                if not result.html:
                    result.html, result.final_url = html, final
        finally:
            try:
                browser.close()
            except PlaywrightError as exc:
                log.debug("closing the capture browser: %s", exc)
    finally:
        _release_playwright()
    result.seconds = time.perf_counter() - started
    return result


def _launch(playwright: object, executable: str | None) -> PlaywrightBrowser:
    """A Chromium for captures: the renderer's flags without its network shut-off."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Playwright

    from .render.browser import FIX, LAUNCH_FLAGS, _candidates

    assert isinstance(playwright, Playwright)
    network = ("--host-resolver-rules", "--proxy-server", "--proxy-bypass-list", "--allow-file-access")
    flags = [flag for flag in LAUNCH_FLAGS if not flag.startswith(network)]
    errors = []
    for candidate in _candidates(executable):
        try:
            return playwright.chromium.launch(executable_path=candidate, args=flags)
        except PlaywrightError as exc:
            errors.append(f"{candidate or 'Playwright bundled Chromium'}: {exc.message.splitlines()[0]}")
    raise SetupError(f"Chromium could not be started ({'; '.join(errors)}). Fix: {FIX}.")


def _load(
    browser: PlaywrightBrowser, url: str, width: int, phone: bool, path: Path, timeout_s: float
) -> tuple[str, str]:
    """One load of ``url`` at ``width``, screenshotted full page into ``path``: (its DOM, its final URL)."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import Route

    def only_web(route: Route) -> None:  # no file:, no ftp:, nothing but the web and inline data
        scheme = urlsplit(route.request.url).scheme
        if scheme in ("http", "https", "data", "blob"):
            route.continue_()
        else:
            route.abort()

    context = browser.new_context(
        viewport={"width": width, "height": MOBILE_HEIGHT if phone else VIEWPORT_HEIGHT},
        device_scale_factor=1,
        is_mobile=phone,
        has_touch=phone,
        user_agent=MOBILE_AGENT if phone else None,
        accept_downloads=False,
        service_workers="block",
    )
    try:
        context.set_default_timeout(timeout_s * 1000)
        context.route("**/*", only_web)
        page = context.new_page()
        try:
            response = page.goto(url, wait_until="load", timeout=timeout_s * 1000)
        except PlaywrightError as exc:
            raise InputError(_load_failure(url, exc.message)) from None
        if response is None:
            raise InputError(f"{url} gave no page")
        if response.status >= 400:
            raise InputError(f"{url} answered HTTP {response.status} {response.status_text}".rstrip())
        kind = (response.header_value("content-type") or "").split(";")[0].strip().lower()
        if kind and kind not in HTML_TYPES:
            raise InputError(f"{url} is a {kind} file, not a web page; give the URL of a page")
        try:
            page.wait_for_load_state("networkidle", timeout=SETTLE_S * 1000)
        except PlaywrightError:
            log.debug("%s kept loading after %.0f s; capturing it as it is", url, SETTLE_S)
        height = int(page.evaluate(PAGE_HEIGHT))
        clip = {"x": 0, "y": 0, "width": width, "height": max(1, min(height, MAX_CAPTURE_HEIGHT))}
        page.screenshot(path=str(path), full_page=True, clip=clip)  # type: ignore[arg-type]
        return page.content(), page.url
    except PlaywrightError as exc:
        raise InputError(f"capturing {url} failed: {exc.message.splitlines()[0]}") from None
    finally:
        try:
            context.close()
        except PlaywrightError as exc:
            log.debug("closing a capture context: %s", exc)


def _load_failure(url: str, message: str) -> str:
    """Why a URL could not be loaded, in a line."""
    first = message.splitlines()[0] if message else "no answer"
    if "Download is starting" in message or "download" in first.lower():
        return f"{url} is a file download, not a web page; give the URL of a page"
    if "ERR_NAME_NOT_RESOLVED" in message:
        return f"could not load {url}: its host name does not resolve (no network, or a typo?)"
    if "ERR_CONNECTION_REFUSED" in message or "ERR_CONNECTION" in message or "ERR_ADDRESS" in message:
        return f"could not load {url}: nothing answers there ({first})"
    if "Timeout" in message:
        return f"could not load {url}: no page within the time limit ({first})"
    return f"could not load {url}: {first}"


def convert_url(
    url: str,
    out: Path,
    *,
    config: RunConfig,
    width: int = 1280,
    mobile: bool = False,
    progress: Progress | None = None,
) -> RunResult:
    """Capture ``url`` and convert it like an image (two widths with ``mobile``: one responsive page);
    the page's DOM goes to ``OUT/reference.html`` and the URL into result.json's settings."""
    from .output import check_destination
    from .session import Converter

    check_destination(out, force=config.force)  # before any network traffic
    with tempfile.TemporaryDirectory(prefix="img2code-capture-") as folder:
        timeout_s = max(CAPTURE_TIMEOUT_S, config.render_timeout_s)
        captured = capture_url(url, Path(folder), width=width, mobile=mobile, timeout_s=timeout_s)
        shots: list[tuple[int | None, str | Path]] = [(w, p) for w, p in captured.shots]
        with Converter(config) as converter:
            return converter.convert(
                shots if len(shots) > 1 else shots[0][1],
                out,
                progress=progress,
                extras={REFERENCE_FILE: captured.html},
                origin=captured.final_url,
            )

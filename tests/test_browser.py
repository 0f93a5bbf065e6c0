"""The sandboxed renderer, against the real Chromium: network shut, time limits, recovery, sizes."""

from __future__ import annotations

import http.server
import io
import socket
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Page

from img2code.errors import RenderError, RenderTimeout, SetupError
from img2code.render.browser import Browser

GREEN = (0, 128, 0)
RED = (255, 0, 0)
WHITE = (255, 255, 255)


class CountingServer(http.server.ThreadingHTTPServer):
    """An HTTP server on 127.0.0.1 that counts every TCP connection and request it gets."""

    def __init__(self) -> None:
        self.connections = 0
        self.paths: list[str] = []
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server.paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            do_POST = do_GET

            def log_message(self, *args: object) -> None:
                """Keep the test output quiet."""

        super().__init__(("127.0.0.1", 0), Handler)

    def process_request(self, request: socket.socket, client_address: tuple[str, int]) -> None:  # type: ignore[override]
        self.connections += 1
        super().process_request(request, client_address)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Overrides conftest's: a shorter page timeout, since these tests wait out hanging pages."""
    with Browser(timeout_s=10) as shared:
        yield shared


@pytest.fixture
def server() -> Iterator[CountingServer]:
    counting = CountingServer()
    thread = threading.Thread(target=counting.serve_forever, daemon=True)
    thread.start()
    yield counting
    counting.shutdown()
    counting.server_close()


def pixel(image: Image.Image, x: int, y: int) -> tuple[int, int, int]:
    return image.getpixel((x, y))  # type: ignore[return-value]


def test_untrusted_page_reaches_no_server_and_still_renders(browser: Browser, server: CountingServer) -> None:
    url = server.url
    html = f"""<html><head>
      <link rel="stylesheet" href="{url}/style.css">
      <link rel="prefetch" href="{url}/prefetch"><link rel="preconnect" href="{url}">
      <style>@import url("{url}/import.css"); .bg {{ background: url("{url}/bg.png"); }}</style>
    </head><body style="margin:0">
      <div style="height:50px;background:rgb(0,128,0)"></div>
      <img src="http://example.com/x.png"><img src="{url}/x.png">
      <img src="{url.replace("http:", "https:")}/secure.png">
      <iframe src="{url}/frame.html"></iframe><div class="bg">x</div>
      <script>
        const xhr = new XMLHttpRequest(); xhr.open("GET", "{url}/xhr"); xhr.send();
        fetch("{url}/fetch").catch(() => {{}});
        fetch("{url}/keepalive", {{method: "POST", body: "x", keepalive: true}}).catch(() => {{}});
        navigator.sendBeacon("{url}/beacon", "x");
        new Image().src = "{url}/script-image.png";
        try {{ new WebSocket("ws://127.0.0.1:{server.server_address[1]}/ws"); }} catch (e) {{}}
      </script>
    </body></html>"""
    rendered = browser.render_html(html, 640, 400)
    browser.render_html("<p>next</p>", 640, 400)  # navigating away flushes beacons and keepalive requests
    time.sleep(0.5)

    assert rendered.image.size == (640, 400)
    assert pixel(rendered.image, 10, 10) == GREEN
    assert (server.connections, server.paths) == (0, [])
    # The server does count what reaches it: the zero above is not a deaf server.
    with urllib.request.urlopen(f"{url}/control", timeout=5) as response:
        assert response.read() == b"ok"
    assert server.paths == ["/control"]


def test_webrtc_sends_no_udp_packets(browser: Browser) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.bind(("127.0.0.1", 0))
        udp.settimeout(0.1)
        port = udp.getsockname()[1]
        html = f"""<p>x</p><script>
          const pc = new RTCPeerConnection({{iceServers: [{{urls: "stun:127.0.0.1:{port}"}}]}});
          pc.createDataChannel("d"); pc.createOffer().then(offer => pc.setLocalDescription(offer));
        </script>"""
        browser.render_html(html, 320, 200)
        packets = 0
        deadline = time.monotonic() + 1.5
        while time.monotonic() < deadline:
            try:
                udp.recvfrom(2048)
                packets += 1
            except TimeoutError:
                pass
    assert packets == 0


def test_files_load_only_when_named_as_assets(tmp_path: Path) -> None:
    site, outside = tmp_path / "out", tmp_path / "elsewhere"
    site.mkdir()
    outside.mkdir()
    Image.new("RGB", (50, 50), GREEN).save(site / "inside.png")
    Image.new("RGB", (50, 50), RED).save(outside / "secret.png")
    page = site / "index.html"
    page.write_text(
        f'<body style="margin:0"><img src="inside.png" style="display:block">'
        f'<img src="{(outside / "secret.png").as_uri()}" style="display:block;width:50px;height:50px"></body>'
    )

    with Browser(timeout_s=10) as sandboxed:
        allowed = sandboxed.render_file(page, 320, 200, assets=[site / "inside.png"]).image
        text_only = sandboxed.render_file(page, 320, 200).image

    assert pixel(allowed, 25, 25) == GREEN  # the image named as an asset loads
    assert pixel(allowed, 25, 75) != RED  # the file outside the folder does not
    assert pixel(text_only, 25, 25) != GREEN  # without assets no file but the page itself loads


def test_runaway_script_times_out_and_the_next_render_succeeds() -> None:
    with Browser(timeout_s=2) as limited:
        limited.render_html("<p>warm up</p>", 320, 200)
        start = time.monotonic()
        with pytest.raises(RenderTimeout, match="2 s"):
            limited.render_html("<script>while (true) {}</script>", 320, 200)
        elapsed = time.monotonic() - start
        after = limited.render_html('<body style="margin:0;background:rgb(0,128,0)"></body>', 320, 200)

    assert 1.8 < elapsed < 5
    assert after.image.size == (320, 200)
    assert pixel(after.image, 100, 100) == GREEN


def test_a_page_that_hangs_when_left_does_not_fail_the_next_render() -> None:
    with Browser(timeout_s=5) as limited:
        limited.render_html(
            "<p>x</p><script>addEventListener('pagehide', () => { while (true) {} })</script>", 320, 200
        )
        after = limited.render_html('<body style="margin:0;background:rgb(0,128,0)"></body>', 320, 200)

    assert pixel(after.image, 100, 100) == GREEN
    assert after.seconds < 4  # recovered by a fresh context, not by waiting out the whole time limit


def test_timers_of_a_previous_page_do_not_draw_into_the_next(browser: Browser) -> None:
    painter = (
        "<body><script>setInterval(() => { document.documentElement.style.background = 'red' }, 0)</script>"
    )
    browser.render_html(painter, 320, 200)
    after = browser.render_html("<body><p>plain</p></body>", 320, 200)

    assert pixel(after.image, 200, 150) == WHITE


@pytest.mark.parametrize("width", [375, 1280])
def test_width_is_the_requested_width_even_when_content_overflows(browser: Browser, width: int) -> None:
    html = (
        '<body style="margin:0"><div style="width:3000px;height:20px;background:rgb(0,128,0)"></div></body>'
    )
    rendered = browser.render_html(html, width, 800)

    assert rendered.image.size == (width, 800)
    assert pixel(rendered.image, width - 1, 10) == GREEN


def test_tall_page_is_captured_whole(browser: Browser) -> None:
    html = (
        '<body style="margin:0"><div style="height:3950px"></div>'
        '<div style="height:50px;background:rgb(0,128,0)"></div></body>'
    )
    rendered = browser.render_html(html, 1280, 800)

    assert rendered.image.size == (1280, 4000)
    assert pixel(rendered.image, 640, 3975) == GREEN


def test_viewport_is_a_normal_screen_for_100vh_sections(browser: Browser) -> None:
    html = '<body style="margin:0"><div style="height:100vh;background:rgb(0,128,0)"></div></body>'
    full = browser.render_html(html, 800, 3000).image
    viewport_only = browser.render_html(html, 800, 300, full_page=False).image

    assert full.size == (800, 1024)
    assert pixel(full, 400, 1023) == GREEN
    assert viewport_only.size == (800, 300)


def test_javascript_false_does_not_run_scripts(browser: Browser) -> None:
    html = "<body><script>document.documentElement.style.background = 'rgb(255,0,0)'</script></body>"
    with_js = browser.render_html(html, 320, 200, javascript=True).image
    without_js = browser.render_html(html, 320, 200, javascript=False).image

    assert pixel(with_js, 100, 100) == RED
    assert pixel(without_js, 100, 100) == WHITE


def test_png_is_chromium_output_and_repeatable(browser: Browser) -> None:
    html = "<h1>Title</h1><p>Some text in a paragraph.</p>"
    first = browser.render_html(html, 640, 480)
    second = browser.render_html(html, 640, 480)

    assert first.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert first.png == second.png
    assert Image.open(io.BytesIO(first.png)).convert("RGB").tobytes() == first.image.tobytes()
    assert first.image.mode == "RGB"
    assert first.seconds > 0


def test_missing_chromium_says_how_to_fix_it(tmp_path: Path) -> None:
    with Browser(executable=str(tmp_path / "no-chromium")) as missing, pytest.raises(SetupError) as caught:
        missing.render_html("<p>x</p>", 320, 200)
    assert "apt-get install chromium" in str(caught.value)
    assert "playwright install chromium" in str(caught.value)


def _failing_captures(monkeypatch: pytest.MonkeyPatch, failures: int) -> list[int]:
    """Make Chromium's screenshot fail ``failures`` times as it does when no frame comes; the
    calls made are counted in the list returned."""
    real = Page.screenshot
    calls: list[int] = []

    def screenshot(page: Page, **options: object) -> bytes:
        calls.append(1)
        if len(calls) <= failures:
            raise PlaywrightError("Protocol error (Page.captureScreenshot): Unable to capture screenshot")
        return real(page, **options)  # type: ignore[arg-type]

    monkeypatch.setattr(Page, "screenshot", screenshot)
    return calls


def test_a_screenshot_chromium_could_not_capture_is_taken_once_more(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chromium under heavy load once gave no frame to capture, and a whole run failed on it."""
    calls = _failing_captures(monkeypatch, 1)
    shot = browser.render_html('<body style="margin:0;background:#ff0000"></body>', 120, 80)
    assert len(calls) == 2 and shot.image.getpixel((10, 10)) == (255, 0, 0)
    monkeypatch.undo()
    _failing_captures(monkeypatch, 2)  # not more than once: a page that never captures fails
    with pytest.raises(RenderError, match="Unable to capture screenshot"):
        browser.render_html("<p>never</p>", 120, 80)

"""A URL as the source: the live page is captured (network allowed for that load only) and converted.

Every page comes from an HTTP server on 127.0.0.1 that the test starts; nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner
from local_server import free_port
from PIL import Image

from img2code.capture import capture_url, is_url
from img2code.cli import main
from img2code.errors import InputError

PAGE = b"""<!DOCTYPE html><html><head><meta charset="utf-8"><title>Local</title>
<style>body { margin: 0; font-family: 'Liberation Sans', sans-serif; }
header { padding: 16px; background: #234; color: #fff; font-size: 22px; }
main { padding: 16px; height: 1400px; background: linear-gradient(#fff, #def); }
@media (max-width: 500px) { header { font-size: 16px; } }</style></head>
<body><header>Local page</header><main>Tall enough to need a full-page capture.</main>
<script>document.title = window.innerWidth + 'px';</script></body></html>"""

SHORT = b"""<!DOCTYPE html><html><body style="margin:0">
<h1 style="margin:0;padding:20px;background:#234;color:#fff;font:24px 'Liberation Sans'">Local page</h1>
<div style="height:160px;background:#def"></div></body></html>"""


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path == "/":
            self._answer(200, "text/html; charset=utf-8", PAGE)
        elif self.path == "/short":
            self._answer(200, "text/html", SHORT)
        elif self.path == "/moved":
            self.send_response(302)
            self.send_header("Location", "/report.zip")
            self.end_headers()
        elif self.path == "/report.zip":
            self._answer(200, "application/zip", b"PK\x03\x04" + bytes(64), attachment=True)
        else:
            self._answer(404, "text/plain", b"not here")

    def _answer(self, status: int, kind: str, body: bytes, attachment: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        if attachment:
            self.send_header("Content-Disposition", 'attachment; filename="report.zip"')
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_page_is_captured_full_page_at_each_width_with_its_dom(site: str, tmp_path: Path) -> None:
    captured = capture_url(site + "/", tmp_path, width=800, mobile=True, timeout_s=20)

    assert [width for width, _ in captured.shots] == [800, 390]
    for width, path in captured.shots:
        with Image.open(path) as shot:
            assert shot.width == width and shot.height > 1400  # the whole page, not the viewport
    assert "<title>800px</title>" in captured.html  # the DOM after its scripts ran, at the first width
    assert is_url(site) and not is_url(Path("http:/x"))


@pytest.mark.parametrize(
    ("path", "words"),
    [("/moved", "download"), ("/report.zip", "download"), ("/nothing", "HTTP 404")],
)
def test_downloads_and_error_pages_are_refused(site: str, tmp_path: Path, path: str, words: str) -> None:
    with pytest.raises(InputError, match=words):
        capture_url(site + path, tmp_path, width=800, timeout_s=20)
    assert not list(tmp_path.iterdir())


def test_a_url_that_does_not_answer_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}/"
    answer = CliRunner().invoke(main, ["html", url, "-o", str(tmp_path / "out"), "--backend", "classic"])
    assert answer.exit_code == 2
    assert "nothing answers" in answer.output and url in answer.output
    assert not (tmp_path / "out").exists()


def test_a_url_is_converted_like_an_image(site: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    args = ["html", site + "/short", "-o", str(out), "--backend", "classic", "--width", "400", "-q"]
    answer = CliRunner().invoke(main, [*args, "--no-correct", "--max-iters", "1"])
    assert answer.exit_code == 0, answer.output

    saved = json.loads((out / "result.json").read_text())
    assert saved["settings"]["origin"] == site + "/short"
    assert saved["source"]["width"] == 400 and saved["outputs"]["reference_html"] == "reference.html"
    assert "Local page" in (out / "reference.html").read_text()
    assert (out / "index.html").is_file() and saved["final"]["ssim"] > 0.5

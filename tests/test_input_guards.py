"""Hostile inputs are refused up front: exit 2, one line naming the file and the limit, nothing written.

Each case runs the real ``img2code`` command in a subprocess with a time limit, so a hang fails the
test instead of stalling the suite. The memory test adds an address-space limit: the guarded cases
must stop before OCR, Chromium or onnxruntime start (those do not run under such a limit anyway).
"""

from __future__ import annotations

import base64
import json
import os
import resource
import subprocess
import sys
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image

from img2code.errors import ImageError
from img2code.images import load_image

IMG2CODE = Path(sys.executable).with_name("img2code")
MEMORY_LIMIT = 4 * 1024**3  # bytes of address space for the memory test
OCR_PROBE = """
import json
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps
from img2code.vision.ocr import read_text

read_text(np.full((760, 16, 3), 255, np.uint8))  # 16x760 passes the input guards
wide = Image.new("RGB", (4000, 600), "white")
ImageDraw.Draw(wide).text((2500, 250), "Checkout now", font=ImageFont.load_default(size=100), fill="black")
lines = [(line.text, list(vars(line.box).values())) for line in read_text(np.asarray(wide))]
ink = ImageOps.invert(wide).getbbox()
# VmHWM: this process's own peak (ru_maxrss keeps the peak of the pytest process it was forked from)
status = dict(line.split(":", 1) for line in open("/proc/self/status"))
peak_mb = int(status["VmHWM"].split()[0]) / 1024
print(json.dumps({"peak_mb": peak_mb, "lines": lines, "ink": ink}))
"""


def run_img2code(
    *args: str | Path, timeout: float = 60, memory: int | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the real command; a run past ``timeout`` seconds fails the test (it would have hung)."""

    def limit_memory() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    command = [str(IMG2CODE), *map(str, args)]
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=timeout, preexec_fn=limit_memory, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail(f"`{' '.join(command)}` still ran after {timeout} s")


def assert_refused(done: subprocess.CompletedProcess[str], *fragments: str) -> None:
    """Exit 2 with a single error line holding every fragment (and no traceback)."""
    assert done.returncode == 2, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("img2code: error:")]
    assert len(errors) == 1, done.stderr
    for fragment in fragments:
        assert fragment in errors[0]


def blank_png(folder: Path, width: int, height: int) -> Path:
    path = folder / f"{width}x{height}.png"
    Image.new("RGB", (width, height), "white").save(path)
    return path


def inflating_drawio(path: Path, inflated_mb: int) -> Path:
    """A compressed .drawio whose diagram text inflates to ``inflated_mb`` MB of (URI-encoded) XML.

    The repeated part is compressed once after a full flush, which makes it self-contained, so the
    file is built in milliseconds: about 3 KB of file per MB of XML.
    """
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    head = packer.compress(quote("<mxGraphModel><root>").encode()) + packer.flush(zlib.Z_FULL_FLUSH)
    cells = quote("<mxCell/>").encode()
    megabyte = cells * (2**20 // len(cells))
    body = packer.compress(megabyte) + packer.flush(zlib.Z_FULL_FLUSH)
    tail = packer.compress(quote("</root></mxGraphModel>").encode()) + packer.flush()
    text = base64.b64encode(head + body * inflated_mb + tail).decode()
    path.write_text(f'<mxfile><diagram id="p" name="Page-1">{text}</diagram></mxfile>')
    return path


def test_thin_and_flat_images_are_refused_by_shape(tmp_path: Path) -> None:
    """Item 7: a 1x20000 strip and a 20x1000 sliver name their size and the limit they break."""
    thin = run_img2code(
        "html", blank_png(tmp_path, 1, 20000), "-o", tmp_path / "thin", "--backend", "classic"
    )
    assert_refused(thin, "1x20000.png: 1x20000 pixels", "each side must be at least 16 px")
    sliver = run_img2code(
        "drawio", blank_png(tmp_path, 20, 1000), "-o", tmp_path / "sliver", "--backend", "classic"
    )
    assert_refused(sliver, "20x1000.png: 20x1000 pixels", "aspect ratio 1:50 is beyond 1:48")
    flat = run_img2code(  # 175 KB that colour segmentation turned into 6.3 GB
        "html", blank_png(tmp_path, 7500, 8000), "-o", tmp_path / "flat", "--backend", "classic"
    )
    assert_refused(flat, "7500x8000 = 60,000,000 pixels", "over the limit of 25,000,000")
    assert not any((tmp_path / name).exists() for name in ("thin", "sliver", "flat"))


@pytest.mark.parametrize(
    ("size", "problem"),
    [
        ((1280, 16384), None),  # a full-page desktop screenshot at Chromium's height limit
        ((390, 16384), None),  # a full-page phone screenshot
        ((360, 16384), None),
        ((3000, 800), None),  # a wide diagram
        ((16, 16), None),
        ((15, 100), "15x100 pixels: each side must be at least 16 px"),
        ((16, 769), "16x769 pixels: aspect ratio 1:48.1 is beyond 1:48"),
        ((769, 16), "769x16 pixels: aspect ratio 1:48.1 is beyond 1:48"),
    ],
)
def test_real_shapes_load_and_the_limits_are_exact(
    tmp_path: Path, size: tuple[int, int], problem: str | None
) -> None:
    """Item 7: the limits leave real screenshots and diagrams alone and refuse just past them."""
    image = blank_png(tmp_path, *size)
    if problem is None:
        assert load_image(image).image.size == size
    else:
        with pytest.raises(ImageError, match=f"^{image}: {problem}$"):
            load_image(image)


@pytest.mark.slow
def test_ocr_stays_small_on_narrow_and_wide_pages() -> None:
    """Item 7: OCR of a page the guards let through stays under 1.5 GB (a 16x760 sliver took 3.4 GB),
    and a page wider than rapidocr reads still gets its text boxes in full-size coordinates."""
    done = subprocess.run([sys.executable, "-c", OCR_PROBE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    probe = json.loads(done.stdout.splitlines()[-1])
    assert probe["peak_mb"] < 1500
    [(text, (x0, y0, x1, y1))] = probe["lines"]
    assert text == "Checkout now"
    ink_x0, ink_y0, ink_x1, ink_y1 = probe[
        "ink"
    ]  # the box holds the ink with a margin (as rapidocr draws it)
    assert x0 <= ink_x0 < ink_x1 <= x1 and y0 <= ink_y0 < ink_y1 <= y1
    assert abs((x0 + x1) - (ink_x0 + ink_x1)) / 2 < 30 and abs((y0 + y1) - (ink_y0 + ink_y1)) / 2 < 30


def test_a_diagram_that_inflates_past_the_cap_is_refused(tmp_path: Path) -> None:
    """Item 8: 100 MB of XML packed into a 0.3 MB file stops at the 64 MB cap, naming the file."""
    diagram = inflating_drawio(tmp_path / "bomb.drawio", inflated_mb=100)
    assert diagram.stat().st_size < 400_000
    done = run_img2code("render", diagram, "-o", tmp_path / "bomb.png")
    assert_refused(done, str(diagram), "inflates to over 64 MB of XML")
    assert not (tmp_path / "bomb.png").exists()


@pytest.mark.parametrize(
    "command",
    [
        ["render", "{fifo}.drawio", "-o", "{out}.png"],
        ["render", "{fifo}.html", "-o", "{out}.png", "--timeout", "2"],
        ["score", "{fifo}.png", "{fifo}.html"],
        ["score", "{image}", "{fifo}.drawio"],
        ["score", "{image}", "{fifo}.html"],
        ["html", "{fifo}.png", "-o", "{out}", "--backend", "classic"],
    ],
    ids=["render-drawio", "render-html", "score-source", "score-drawio", "score-html", "html"],
)
def test_a_named_pipe_is_refused_not_read(tmp_path: Path, command: list[str]) -> None:
    """Item 9: reading a FIFO blocks forever; every input of every command is checked first."""
    image = blank_png(tmp_path, 64, 48)
    for suffix in (".drawio", ".html", ".png"):
        os.mkfifo(tmp_path / f"pipe{suffix}")
    values = {"fifo": tmp_path / "pipe", "out": tmp_path / "out", "image": image}
    args = [part.format(**values) for part in command]
    pipe = next(arg for arg in args if arg.startswith(str(tmp_path / "pipe")))
    done = run_img2code(*args, timeout=30)
    assert_refused(done, f"{pipe}: not a regular file (a named pipe)")
    assert not (tmp_path / "out").exists() and not (tmp_path / "out.png").exists()


@pytest.mark.parametrize("size", [(1, 1), (20000, 1)], ids=["1x1", "20000x1"])
def test_tiny_images_are_bad_input_before_out_is_made(tmp_path: Path, size: tuple[int, int]) -> None:
    """Item 12: no traceback, no result.json saying "still running": exit 2 and no OUT at all."""
    image = blank_png(tmp_path, *size)
    out = tmp_path / "out"
    done = run_img2code("html", image, "-o", out, "--backend", "classic")
    assert_refused(done, f"{image}: {size[0]}x{size[1]} pixels: each side must be at least 16 px")
    assert not out.exists()


def test_hostile_inputs_exit_cleanly_under_a_memory_limit(tmp_path: Path) -> None:
    """Under 4 GB of address space the thin image and the inflating diagram still end in exit 2.

    Unguarded, the thin image drives OCR past 20 GB and the diagram inflates to 2 GB of text twice
    over: both died of MemoryError.
    """
    thin = blank_png(tmp_path, 1, 20000)
    done = run_img2code("html", thin, "-o", tmp_path / "thin", "--backend", "classic", memory=MEMORY_LIMIT)
    assert_refused(done, "each side must be at least 16 px")
    diagram = inflating_drawio(tmp_path / "bomb.drawio", inflated_mb=2500)
    done = run_img2code("render", diagram, "-o", tmp_path / "bomb.png", memory=MEMORY_LIMIT)
    assert_refused(done, str(diagram), "inflates to over 64 MB of XML")
    assert not (tmp_path / "thin").exists() and not (tmp_path / "bomb.png").exists()

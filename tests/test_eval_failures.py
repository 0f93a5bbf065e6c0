"""`img2code eval` over a folder where some N.png cannot be read: those cases fail alone, with the
reason, and the eval still ends with its scores, summary and report."""

from __future__ import annotations

import json
import struct
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from img2code.cli import main
from img2code.evaluate import read_rows

MOCKUPS = Path(__file__).resolve().parent.parent / "fixtures" / "mockups"


def _png_claiming(width: int, height: int) -> bytes:
    """A PNG header declaring ``width`` x ``height`` pixels and holding none (Pillow refuses to open it)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """1.png and 2.png: small crops of the mockups (fast to convert); 3.png to 6.png: broken, each its way."""
    root = tmp_path / "cases"
    root.mkdir()
    for name, mockup in (("1", "login.png"), ("2", "pricing.png")):
        with Image.open(MOCKUPS / mockup) as image:
            image.convert("RGB").crop((0, 0, 384, 256)).save(root / f"{name}.png")
    (root / "3.png").write_text("not a PNG at all")
    (root / "4.png").write_bytes((root / "1.png").read_bytes()[:600])  # cut short mid-download
    (root / "5.png").mkdir()  # a folder with an image's name: cannot be read as a file
    (root / "6.png").write_bytes(_png_claiming(30000, 30000))  # a decompression bomb's header
    return root


@pytest.mark.slow  # real OCR and Chromium: about 10 s
def test_unreadable_images_fail_their_cases_and_the_report_says_why(folder: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["eval", str(folder), "-o", str(out), "--backend", "classic", "--max-iters", "1", "-q"]
    )

    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code == 0, result.output
    assert "6 cases: 2 scored, 4 failed" in result.output
    rows = read_rows(out / "scores.jsonl")
    assert [rows[name]["status"] for name in "123456"] == ["ok", "ok", "failed", "failed", "failed", "failed"]
    summary = json.loads((out / "summary.json").read_text())
    assert [failure["name"] for failure in summary["failures"]] == ["3", "4", "5", "6"]

    report = (out / "report.html").read_text()
    for name in "12":  # the scored cases keep their links and thumbnails
        assert f'href="cases/{name}/report.html"' in report
    assert report.count('alt="source ') == 2 and report.count('alt="render ') == 2
    for name in "3456":  # each broken case is a failed row that says why
        error = rows[name]["error"]
        assert error and error.startswith(str(folder / f"{name}.png"))
        row = report[report.index(f'<td data-value="{name}">') :].split("</tr>", 1)[0]
        assert 'class="status-failed"' in row and error in row.replace("&#39;", "'"), row
        assert "cannot read this image" in row

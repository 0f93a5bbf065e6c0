"""The command line as a user meets it: exit codes, messages, the output folder and its contract."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from img2code.cli import main

ROOT = Path(__file__).resolve().parents[1]
MOCKUP = ROOT / "fixtures" / "mockups" / "login.png"


def run(*args: str) -> subprocess.CompletedProcess:
    """The installed entry point, as a user runs it."""
    return subprocess.run(
        [sys.executable, "-m", "img2code", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )


def png_claiming(width: int, height: int) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` pixels, with a single tiny data chunk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 16))


def truncated_png(path: Path) -> bytes:
    Image.new("RGB", (200, 100), (10, 120, 200)).save(path)
    return path.read_bytes()[:120]


BAD_INPUTS = {
    "missing": (None, "not found"),
    "empty": (b"", "empty"),
    "text": (b"<html>not an image</html>\n", "not a readable image"),
    "truncated": ("truncated", "truncated"),
    "bomb": (png_claiming(100_000, 100_000), "too large"),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUTS))
def test_bad_input_exits_2_naming_the_file_and_writes_nothing(tmp_path, case):
    content, problem = BAD_INPUTS[case]
    image = tmp_path / f"{case}.png"
    if content == "truncated":
        content = truncated_png(image)
    if content is not None:
        image.write_bytes(content)
    before = sorted(tmp_path.iterdir())
    result = CliRunner().invoke(
        main, ["html", str(image), "-o", str(tmp_path / "out"), "--backend", "classic"]
    )
    assert result.exit_code == 2, result.output
    assert str(image) in result.stderr and problem in result.stderr
    assert sorted(tmp_path.iterdir()) == before  # not even OUT was created


@pytest.fixture(scope="module")
def classic_run(tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    """One full classic conversion of a fixture mockup through the real entry point."""
    out = tmp_path_factory.mktemp("run") / "out"
    return run("html", str(MOCKUP), "-o", str(out), "--backend", "classic"), out


def test_classic_run_leaves_the_whole_output_folder(classic_run):
    done, out = classic_run
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"report: {out / 'report.html'}"
    assert "backend: classic" in done.stderr
    for name in ("index.html", "render.png", "diff.png", "source.png", "result.json", "report.html"):
        assert (out / name).stat().st_size > 0, name
    for name in ("raw.txt", "index.html", "render.png", "diff.png"):
        assert (out / "iterations" / "00" / name).exists(), name
    assert not list(out.parent.glob(".*img2code*"))  # no staging folder left behind


def test_result_json_says_what_happened(classic_run):
    _, out = classic_run
    result = json.loads((out / "result.json").read_text())
    assert result["status"] == "ok" and result["target"] == "html"
    assert result["backend"]["name"] == "classic" and result["backend"]["why"]
    assert result["best_iteration"] == 0 and result["errors"] == []
    (iteration,) = result["iterations"]
    assert iteration["ssim"] == result["final"]["ssim"] > 0.9
    assert {"generate", "extract", "render", "score"} <= set(iteration["timings"])
    with Image.open(out / "render.png") as render, Image.open(MOCKUP) as source:
        assert render.width == source.width


def test_report_is_self_contained(classic_run):
    _, out = classic_run
    report = (out / "report.html").read_text()
    assert "SSIM" in report and "classic" in report
    assert '<td class="num">–</td>' in report and "0 / 0" not in report  # no model, no tokens
    assert "data:image/" in report  # images are embedded, not linked
    assert "http://" not in report and "https://" not in report and 'src="iterations' not in report


def test_existing_results_are_kept_without_force(classic_run):
    _, out = classic_run
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    done = run("html", str(MOCKUP), "-o", str(out), "--backend", "classic")
    assert done.returncode == 2 and "--force" in done.stderr and str(out) in done.stderr
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_force_replaces_results_and_a_failed_rerun_loses_nothing(tmp_path):
    out = tmp_path / "out"
    first = CliRunner().invoke(main, ["html", str(MOCKUP), "-o", str(out), "--backend", "classic"])
    assert first.exit_code == 0, first.output
    (out / "mine.txt").write_text("a note of the user's")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"nope")
    failed = CliRunner().invoke(main, ["html", str(bad), "-o", str(out), "--backend", "classic", "--force"])
    assert failed.exit_code == 2 and (out / "mine.txt").exists() and (out / "index.html").exists()
    other = ROOT / "fixtures" / "mockups" / "pricing.png"
    again = CliRunner().invoke(main, ["html", str(other), "-o", str(out), "--backend", "classic", "--force"])
    assert again.exit_code == 0, again.output
    assert json.loads((out / "result.json").read_text())["source"]["path"] == str(other)
    assert (out / "mine.txt").read_text() == "a note of the user's"  # --force replaces only img2code's files


def test_render_and_score_commands(tmp_path, classic_run):
    _, out = classic_run
    png = tmp_path / "page.png"
    rendered = CliRunner().invoke(
        main, ["render", str(out / "index.html"), "-o", str(png), "--width", "1024"]
    )
    assert rendered.exit_code == 0, rendered.output
    assert Image.open(png).width == 1024
    scored = CliRunner().invoke(main, ["score", str(MOCKUP), str(out / "index.html"), "--json"])
    assert scored.exit_code == 0, scored.output
    scores = json.loads(scored.stdout)
    assert scores["ssim"] == pytest.approx(
        json.loads((out / "result.json").read_text())["final"]["ssim"], abs=0.01
    )
    blank = tmp_path / "blank.png"
    Image.new("RGB", Image.open(MOCKUP).size, "white").save(blank)
    worse = CliRunner().invoke(main, ["score", str(MOCKUP), str(blank), "--json"])
    assert json.loads(worse.stdout)["ssim"] < scores["ssim"] - 0.05


def test_unknown_option_value_is_a_usage_error(tmp_path):
    done = CliRunner().invoke(main, ["html", str(MOCKUP), "-o", str(tmp_path / "o"), "--backend", "magic"])
    assert done.exit_code == 2 and "magic" in done.stderr


def test_doctor_reports_each_check_with_a_fix():
    done = run("doctor")
    assert "Chromium" in done.stdout and "[ok  ]" in done.stdout
    for line in done.stdout.splitlines():
        assert line.startswith(("[ok  ]", "[warn]", "[FAIL]", "       fix:")), line
    assert done.returncode == (1 if "[FAIL]" in done.stdout else 0)


def test_a_failed_forced_rerun_keeps_the_earlier_results(tmp_path):
    out = tmp_path / "out"
    assert (
        CliRunner().invoke(main, ["html", str(MOCKUP), "-o", str(out), "--backend", "classic"]).exit_code == 0
    )
    before = (out / "index.html").read_bytes()
    args = ["html", str(MOCKUP), "-o", str(out), "--force", "--backend", "transformers"]
    failed = CliRunner().invoke(main, [*args, "--model", str(tmp_path / "no-such-model")])
    assert failed.exit_code == 1
    assert "huggingface-cli download" in failed.stderr and "kept the earlier results" in failed.stderr
    assert (out / "index.html").read_bytes() == before
    assert json.loads((out / "result.json").read_text())["status"] == "ok"
    staged = Path(failed.stdout.split("report: ", 1)[1].strip()).parent
    assert json.loads((staged / "result.json").read_text())["status"] == "failed"

"""A whole `img2code html` run on the tiny random Qwen3-VL: the model path end to end, never quality.

The tiny model writes noise. The run must still finish: each answer is either repaired into a page
and scored, or recorded as a failed iteration, and result.json says which.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MOCKUP = ROOT / "fixtures" / "mockups" / "dashboard.png"


@pytest.fixture(scope="module")
def tiny_run(tiny_model_dir: Path, tmp_path_factory) -> tuple[subprocess.CompletedProcess, Path]:
    out = tmp_path_factory.mktemp("tiny") / "out"
    args = ["html", str(MOCKUP), "-o", str(out), "--backend", "transformers", "--model", str(tiny_model_dir)]
    args += ["--max-iters", "2", "--target-ssim", "1", "--max-new-tokens", "48", "--max-image-tokens", "64"]
    done = subprocess.run(
        [sys.executable, "-m", "img2code", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    return done, out


def test_run_finishes_and_result_json_says_what_happened(tiny_run, tiny_model_dir):
    done, out = tiny_run
    assert "Traceback" not in done.stderr, done.stderr
    result = json.loads((out / "result.json").read_text())
    assert done.returncode == (0 if result["status"] == "ok" else 1)
    assert result["backend"] == {
        "name": "transformers",
        "model": str(tiny_model_dir),
        "why": "--backend transformers was asked for",
    }
    assert result["stopped_because"] and "still running" not in result["stopped_because"]
    assert 1 <= len(result["iterations"]) <= 2
    for iteration in result["iterations"]:
        folder = out / "iterations" / f"{iteration['index']:02d}"
        assert (folder / "raw.txt").exists()  # the model's own words are always kept
        assert iteration["usage"]["prompt_tokens"] > 64 and iteration["usage"]["completion_tokens"] <= 48
        assert iteration["timings"]["generate"] > 0
        if iteration["status"] == "ok":  # noise repaired into a page, and the repairs recorded
            assert 0 <= iteration["ssim"] <= 1 and (folder / "render.png").exists() and iteration["repairs"]
        else:  # or a failed iteration that says where and why
            assert iteration["error"]["stage"] in ("extract", "render") and iteration["error"]["message"]
    assert result["status"] in ("ok", "failed")
    assert (result["best_iteration"] is None) == (result["status"] == "failed")
    assert (out / "report.html").exists() and (out / "source.png").exists()

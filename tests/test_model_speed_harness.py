"""benchmarks/model_speed.py runs end to end on the CPU with the tiny model and reports sane numbers."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_harness_reports_positive_timings(tiny_model_dir: Path, tmp_path: Path):
    out = tmp_path / "speed.json"
    command = [sys.executable, str(ROOT / "benchmarks" / "model_speed.py"), "--tiny", str(tiny_model_dir)]
    done = subprocess.run(
        [*command, "--new-tokens", "8", "--out", str(out)],
        capture_output=True,
        text=True,
        timeout=180,
    )

    assert done.returncode == 0, done.stderr[-3000:]
    report = json.loads(done.stdout)  # stdout is exactly one JSON object
    assert json.loads(out.read_text()) == report
    assert report["device"] == "cpu"
    assert report["torch"] and report["transformers"]
    assert report["image"]["image_tokens"] == 1000
    assert report["vision_encoder_s"] > 0
    assert report["peak_memory_bytes"] > 0
    assert report["params_total"] > report["params_vision"] > 0
    configs = report["configs"]
    assert set(configs) == {"baseline", "flash_attention_2", "static_cache_compile", "prompt_lookup"}
    assert configs["flash_attention_2"]["skipped"]
    assert set(configs["baseline"]["decode"]) == {"1", "4", "8"}
    for name in ("baseline", "static_cache_compile", "prompt_lookup"):
        assert "error" not in configs[name], configs[name]
        assert configs[name]["ttft_s"] > 0
        assert configs[name]["speedup_vs_baseline_batch1"] > 0
        for batch, timing in configs[name]["decode"].items():
            assert timing["decode_tokens_per_s"] > 0, (name, batch)
            assert timing["seq_tokens_per_s"] * int(batch) == pytest.approx(timing["decode_tokens_per_s"])

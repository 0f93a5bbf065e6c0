"""The Python API as the README shows it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import img2code

MOCKUP = Path(__file__).resolve().parents[1] / "fixtures" / "mockups" / "pricing.png"


def test_convert_returns_what_result_json_holds(tmp_path):
    result = img2code.convert(MOCKUP, tmp_path / "out", backend="classic", max_iters=2)
    assert isinstance(result, img2code.RunResult)
    assert result.status == "ok" and result.best is not None and result.best.ssim > 0.9
    assert result.to_json() == json.loads((tmp_path / "out" / "result.json").read_text())


def test_bad_settings_and_bad_images_raise_input_error_before_writing(tmp_path):
    with pytest.raises(img2code.InputError, match="max_iters"):
        img2code.convert(MOCKUP, tmp_path / "a", backend="classic", max_iters=0)
    with pytest.raises(img2code.InputError, match="not found"):
        img2code.convert(tmp_path / "missing.png", tmp_path / "b")
    assert list(tmp_path.iterdir()) == []

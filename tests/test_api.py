"""The Python API as the README shows it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

import img2code

MOCKUP = Path(__file__).resolve().parents[1] / "fixtures" / "mockups" / "pricing.png"


def test_convert_returns_what_result_json_holds(tmp_path):
    result = img2code.convert(MOCKUP, tmp_path / "out", backend="classic", max_iters=2)
    assert isinstance(result, img2code.RunResult)
    assert result.status == "ok" and result.best is not None and result.best.ssim > 0.7  # flow: not a trace
    assert result.to_json() == json.loads((tmp_path / "out" / "result.json").read_text())


def test_bad_settings_and_bad_images_raise_input_error_before_writing(tmp_path):
    with pytest.raises(img2code.InputError, match="max_iters"):
        img2code.convert(MOCKUP, tmp_path / "a", backend="classic", max_iters=0)
    with pytest.raises(img2code.InputError, match="not found"):
        img2code.convert(tmp_path / "missing.png", tmp_path / "b")
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_starts_without_the_heavy_libraries():
    """`img2code --help` must start fast: Playwright, OpenCV, numpy and the rest load only when needed."""
    probe = (
        "import sys, img2code.cli; "
        "print(sorted({'cv2', 'numpy', 'openai', 'PIL', 'playwright', 'rich', 'torch'} "
        "& {name.split('.')[0] for name in sys.modules}))"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_public_names_load_on_first_use_and_stay_what_they_are():
    import img2code.batch  # imports the session module, which must not rebind img2code.convert
    import img2code.session

    assert img2code.convert is img2code.session.convert and callable(img2code.convert)
    assert img2code.Converter is img2code.session.Converter
    assert set(img2code.__all__) <= set(dir(img2code))
    assert all(getattr(img2code, name) is not None for name in img2code.__all__)
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        img2code.nothing  # noqa: B018

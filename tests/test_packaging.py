"""The wheel users install carries the templates the prompts and reports are made from."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_wheel_ships_every_template(tmp_path):
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "-w",
            str(tmp_path),
            ".",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    (wheel,) = tmp_path.glob("img2code-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    templates = {
        f"img2code/templates/{p.relative_to(ROOT / 'templates')}" for p in (ROOT / "templates").rglob("*.j2")
    }
    assert templates and templates <= names, templates - names
    assert "img2code/cli.py" in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "img2code = img2code.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()

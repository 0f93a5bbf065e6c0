"""Load, validate and normalise input images into plain RGB (the backends make the model's capped copy).

``check_input_file`` is the one check every command applies to an input path before opening it.
"""

from __future__ import annotations

import re
import stat
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .config import MAX_IMAGE_PIXELS
from .errors import ImageError, InputError

if TYPE_CHECKING:
    from .backends.base import VideoFrames

SUPPORTED_FORMATS = ("PNG", "JPEG", "WEBP", "BMP", "GIF")
FORMAT_ALIASES = {"MPO": "JPEG"}  # phone cameras write JPEGs with extra pictures, which Pillow names MPO
SIGNATURES = {  # how each format's files begin: tells a damaged image from a file that is no image
    "PNG": rb"\x89PNG\r\n\x1a\n",
    "JPEG": rb"\xff\xd8\xff",
    "WEBP": rb"RIFF.{4}WEBP",
    "BMP": rb"BM",
    "GIF": rb"GIF8[79]a",
}
HIGH_DEPTH_MODES = ("I;16", "I;16B", "I;16L", "I;16N", "I", "F")
ALPHA_MODES = ("RGBA", "RGBa", "LA", "La", "PA")
BACKGROUND = (255, 255, 255)  # transparency is flattened on white, as a browser page would show it
# Shape limits: a 1280 px page up to Chromium's 16384 px (1:12.8) and a 360-390 px phone page as tall
# (1:45.5) pass; slivers like 20x1000 (1:50) drove OCR past 3 GB and 1x20000 past 20 GB.
MIN_SIDE = 16  # px; also the narrowest viewport `img2code render` takes
MAX_ASPECT = 48  # the long side may be at most this many times the short one
NOT_REGULAR = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a named pipe", stat.S_IFSOCK: "a socket"}


@dataclass
class SourceImage:
    """A normalised input: RGB pixels plus where they came from and what was done to them."""

    path: Path
    image: Image.Image
    format: str
    original_mode: str
    conversions: list[str] = field(default_factory=list)
    video: VideoFrames | None = None  # a screen recording's key frames; ``image`` is the first

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def check_input_file(path: Path, error: type[InputError] = InputError) -> None:
    """Raise ``error`` naming ``path`` unless it is an existing regular file.

    Every input is checked before it is opened: reading a named pipe or a device blocks forever.
    """
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise error(f"{path}: file not found") from None
    except OSError as exc:
        raise error(f"{path}: cannot read it: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        kind = NOT_REGULAR.get(stat.S_IFMT(mode), "a device")
        raise error(f"{path}: not a regular file ({kind})")


def check_shape(path: Path, width: int, height: int, max_pixels: int = MAX_IMAGE_PIXELS) -> None:
    """Raise ImageError unless ``width`` x ``height`` is within the shape limits (the message names them).

    Slivers and huge pages cost the OCR and segmentation stages gigabytes, so they are refused up front.
    """
    size = f"{path}: {width}x{height} pixels"
    if min(width, height) < MIN_SIDE:
        raise ImageError(f"{size}: each side must be at least {MIN_SIDE} px")
    aspect = max(width, height) / min(width, height)
    if aspect > MAX_ASPECT:
        raise ImageError(f"{size}: aspect ratio 1:{round(aspect, 1):g} is beyond 1:{MAX_ASPECT}")
    if width * height > max_pixels:
        raise ImageError(
            f"{path}: image is {width}x{height} = {width * height:,} pixels, "
            f"over the limit of {max_pixels:,} (a decompression bomb or a mistake)"
        )


def load_image(path: str | Path, *, max_pixels: int = MAX_IMAGE_PIXELS) -> SourceImage:
    """Open ``path`` and return it as RGB; raise ImageError naming the file and the problem.

    EXIF orientation is applied, transparency flattened on white, palette/CMYK/16-bit converted,
    an animated GIF reduced to its first frame. The shape (``check_shape``) is checked from the
    header before any pixel is decoded, so a decompression bomb or a sliver is refused cheaply.
    """
    path = Path(path)
    check_input_file(path, ImageError)
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: file is empty")
    try:
        with warnings.catch_warnings():
            # max_pixels is checked below, from the header; Pillow's own warning would preempt it.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            opened = Image.open(path)
    except Image.DecompressionBombError as exc:  # far past any sane size: Pillow refuses to open it
        raise ImageError(f"{path}: image is too large to open safely ({exc})") from None
    except UnidentifiedImageError:
        raise ImageError(_unreadable(path)) from None
    except (OSError, SyntaxError) as exc:
        raise ImageError(f"{path}: cannot open image ({exc})") from None
    with opened:
        image_format = FORMAT_ALIASES.get(opened.format or "", opened.format)
        if image_format not in SUPPORTED_FORMATS:
            raise ImageError(
                f"{path}: {opened.format} images are not supported (use {', '.join(SUPPORTED_FORMATS)})"
            )
        check_shape(path, *opened.size, max_pixels)
        conversions: list[str] = []
        frames = getattr(opened, "n_frames", 1)
        if frames > 1:
            opened.seek(0)
            conversions.append(f"kept the first of {frames} frames")
        try:
            opened.load()
        except (OSError, SyntaxError, ValueError) as exc:
            raise ImageError(f"{path}: image data is corrupt or truncated ({exc})") from None
        image = _normalise(opened, conversions)
        return SourceImage(
            path=path, image=image, format=image_format, original_mode=opened.mode, conversions=conversions
        )


def _unreadable(path: Path) -> str:
    """Why Pillow could not identify ``path``: a damaged file of a known format, or no image at all."""
    with path.open("rb") as file:
        head = file.read(16)
    for name, signature in SIGNATURES.items():
        if re.match(signature, head, re.DOTALL):
            return f"{path}: {name} data is corrupt or truncated"
    return f"{path}: not a readable image (supported: {', '.join(SUPPORTED_FORMATS)})"


def _normalise(image: Image.Image, conversions: list[str]) -> Image.Image:
    """Return an RGB copy with orientation applied; record each conversion in ``conversions``."""
    oriented = ImageOps.exif_transpose(image)
    if oriented is not image:
        orientation = image.getexif().get(0x0112)
        if orientation not in (None, 1):
            conversions.append(f"applied EXIF orientation {orientation}")
        image = oriented
    mode = image.mode
    if mode in HIGH_DEPTH_MODES:
        image = _to_8bit(image)
        conversions.append(f"converted {mode} to 8-bit")
    elif mode in ALPHA_MODES or "transparency" in image.info:
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, BACKGROUND)
        flat.paste(rgba, mask=rgba.getchannel("A"))
        conversions.append(f"flattened {mode} transparency on white")
        return flat
    elif mode != "RGB":
        conversions.append(f"converted {mode} to RGB")
    return image.convert("RGB") if image.mode != "RGB" else image


def _to_8bit(image: Image.Image) -> Image.Image:
    """Scale a 16-bit, 32-bit integer or float greyscale image to 8-bit by its own value range."""
    values = np.asarray(image, dtype=np.float64)
    top = 65535.0 if image.mode.startswith("I;16") else max(float(values.max()), 1.0)
    scaled = np.clip(values / top * 255.0 + 0.5, 0, 255).astype(np.uint8)
    return Image.fromarray(scaled, mode="L")

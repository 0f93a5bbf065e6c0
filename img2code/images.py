"""Load, validate and normalise input images into plain RGB (the backends make the model's capped copy)."""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from .errors import ImageError

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


@dataclass
class SourceImage:
    """A normalised input: RGB pixels plus where they came from and what was done to them."""

    path: Path
    image: Image.Image
    format: str
    original_mode: str
    conversions: list[str] = field(default_factory=list)

    @property
    def width(self) -> int:
        return self.image.width

    @property
    def height(self) -> int:
        return self.image.height


def load_image(path: str | Path, *, max_pixels: int = 60_000_000) -> SourceImage:
    """Open ``path`` and return it as RGB; raise ImageError naming the file and the problem.

    EXIF orientation is applied, transparency flattened on white, palette/CMYK/16-bit converted,
    an animated GIF reduced to its first frame. The size is checked from the header before any
    pixel is decoded, so a decompression bomb is refused cheaply.
    """
    path = Path(path)
    if not path.exists():
        raise ImageError(f"{path}: file not found")
    if not path.is_file():
        raise ImageError(f"{path}: not a file")
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
        width, height = opened.size
        if width < 1 or height < 1:
            raise ImageError(f"{path}: image has no pixels ({width}x{height})")
        if width * height > max_pixels:
            raise ImageError(
                f"{path}: image is {width}x{height} = {width * height:,} pixels, "
                f"over the limit of {max_pixels:,} (a decompression bomb or a mistake)"
            )
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

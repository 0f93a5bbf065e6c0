"""Input images: bad files are refused with a message naming them, good ones come back as plain RGB."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from img2code.backends.base import PIXELS_PER_IMAGE_TOKEN, capped_copy
from img2code.errors import ImageError, InputError
from img2code.images import load_image

RED, BLUE, WHITE = (255, 0, 0), (0, 0, 255), (255, 255, 255)
SMALL = (16, 16)  # the smallest image load_image takes


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(path: Path, width: int, height: int) -> Path:
    """A PNG that claims ``width`` x ``height`` RGB pixels but holds none: costs a few bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + _png_chunk(b"IHDR", ihdr) + _png_chunk(b"IEND", b""))
    return path


def _noisy_png_bytes() -> bytes:
    """A PNG whose pixel data does not compress away, so cutting it loses real pixels."""
    pixels = np.random.default_rng(0).integers(0, 256, (120, 120, 3), dtype=np.uint8)
    buffer = BytesIO()
    Image.fromarray(pixels).save(buffer, "PNG")
    return buffer.getvalue()


def _two_colours(size: tuple[int, int] = (64, 48)) -> Image.Image:
    """Left half red, right half blue: pixels that any format keeps recognisable."""
    image = Image.new("RGB", size, RED)
    image.paste(BLUE, (size[0] // 2, 0, size[0], size[1]))
    return image


def _missing(tmp: Path) -> Path:
    return tmp / "missing.png"


def _empty(tmp: Path) -> Path:
    path = tmp / "empty.png"
    path.touch()
    return path


def _text_named_png(tmp: Path) -> Path:
    path = tmp / "notes.png"
    path.write_text("these are notes, not a picture\n")
    return path


def _truncated_in_pixels(tmp: Path) -> Path:
    path = tmp / "cut-pixels.png"
    data = _noisy_png_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _truncated_after_header(tmp: Path) -> Path:
    path = tmp / "cut-header.png"
    path.write_bytes(_noisy_png_bytes()[:40])
    return path


def _bomb(tmp: Path) -> Path:
    return _png_header_only(tmp / "bomb.png", 100_000, 100_000)


def _over_limit(tmp: Path) -> Path:
    return _png_header_only(tmp / "big.png", 10_000, 10_000)


@pytest.mark.parametrize(
    ("make", "problem"),
    [
        (_missing, "file not found"),
        (_empty, "file is empty"),
        (_text_named_png, "not a readable image"),
        (_truncated_in_pixels, "truncated"),
        (_truncated_after_header, "PNG data is corrupt or truncated"),
        (_bomb, "too large"),
        (_over_limit, "10000x10000"),
    ],
    ids=["missing", "empty", "text-as-png", "truncated-pixels", "truncated-header", "bomb", "over-limit"],
)
def test_unusable_files_are_refused_naming_the_file_and_the_problem(
    tmp_path: Path, make: Callable[[Path], Path], problem: str
) -> None:
    path = make(tmp_path)
    with pytest.raises(ImageError) as caught:
        load_image(path)
    assert isinstance(caught.value, InputError)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert str(path) in message
    assert problem in message


def test_the_size_limit_is_ours_not_pillows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Pillow warns past its own threshold; max_pixels alone decides, and the refusal gives the size."""
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # Pillow warns past 1000, refuses past 2000
    path = tmp_path / "square.png"
    _two_colours((40, 40)).save(path)  # 1600 pixels
    assert load_image(path).image.size == (40, 40)
    with pytest.raises(ImageError, match=r"40x40 = 1,600 pixels, over the limit of 1,500"):
        load_image(path, max_pixels=1500)


@pytest.mark.parametrize(
    ("suffix", "save_format", "params", "tolerance"),
    [
        (".png", "PNG", {}, 0),
        (".jpg", "JPEG", {"quality": 95}, 12),
        (".webp", "WEBP", {"lossless": True}, 0),
        (".bmp", "BMP", {}, 0),
        (".gif", "GIF", {}, 0),
    ],
)
def test_supported_formats_load_as_rgb(
    tmp_path: Path, suffix: str, save_format: str, params: dict, tolerance: int
) -> None:
    path = tmp_path / f"two-colours{suffix}"
    _two_colours().save(path, save_format, **params)
    source = load_image(path)
    assert source.format == save_format
    assert source.image.mode == "RGB"
    assert (source.width, source.height) == (64, 48)
    for (x, y), colour in (((8, 24), RED), ((56, 24), BLUE)):
        assert np.abs(np.subtract(source.image.getpixel((x, y)), colour)).max() <= tolerance


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("animated.gif", {"duration": 100, "loop": 0}),
        ("camera.jpg", {"format": "MPO", "quality": 95}),  # a phone JPEG with a second picture
    ],
)
def test_multi_picture_files_give_their_first_picture(tmp_path: Path, name: str, params: dict) -> None:
    frames = [Image.new("RGB", (30, 20), colour) for colour in (RED, (0, 255, 0), BLUE)]
    path = tmp_path / name
    frames[0].save(path, save_all=True, append_images=frames[1:], **params)
    source = load_image(path)
    assert np.abs(np.subtract(source.image.getpixel((15, 10)), RED)).max() <= 8
    assert any("first of 3 frames" in step for step in source.conversions)


def test_exif_orientation_is_applied(tmp_path: Path) -> None:
    """A photo stored sideways with Orientation=6 comes back upright, as a viewer shows it."""
    stored = Image.new("RGB", (60, 40), WHITE)
    stored.paste(RED, (0, 0, 20, 20))  # top-left corner as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    path = tmp_path / "sideways.jpg"
    stored.save(path, exif=exif, quality=95)
    source = load_image(path)
    assert source.image.size == (40, 60)
    assert np.abs(np.subtract(source.image.getpixel((30, 10)), RED)).max() <= 12  # now top-right
    assert np.abs(np.subtract(source.image.getpixel((10, 10)), WHITE)).max() <= 12
    assert "applied EXIF orientation 6" in source.conversions


def _rgba(tmp: Path, name: str, **params: object) -> Path:
    """Transparent everywhere but one opaque blue pixel at (1, 1)."""
    image = Image.new("RGBA", SMALL, (0, 0, 0, 0))
    image.putpixel((1, 1), (*BLUE, 255))
    image.save(tmp / name, **params)
    return tmp / name


def _palette_with_transparent_index(tmp: Path) -> Path:
    image = Image.new("P", SMALL, 0)
    image.putpalette([0, 0, 0, *BLUE])
    image.putpixel((1, 1), 1)
    image.save(tmp / "keyed.gif", transparency=0)
    return tmp / "keyed.gif"


@pytest.mark.parametrize(
    "make",
    [
        lambda tmp: _rgba(tmp, "alpha.png"),
        lambda tmp: _rgba(tmp, "alpha.webp", lossless=True),
        _palette_with_transparent_index,
    ],
    ids=["png", "webp", "gif-keyed"],
)
def test_transparency_is_flattened_on_white(tmp_path: Path, make: Callable[[Path], Path]) -> None:
    source = load_image(make(tmp_path))
    assert source.image.mode == "RGB"
    assert source.image.getpixel((0, 0)) == WHITE  # fully transparent: the white page shows through
    assert source.image.getpixel((1, 1)) == BLUE  # opaque: unchanged
    assert any("transparency on white" in step for step in source.conversions)


def test_half_transparent_black_becomes_grey(tmp_path: Path) -> None:
    path = tmp_path / "shadow.png"
    Image.new("LA", SMALL, (0, 128)).save(path)
    assert load_image(path).image.getpixel((2, 2)) == (127, 127, 127)


def _palette(tmp: Path) -> Path:
    image = Image.new("P", SMALL, 0)
    image.putpalette([*WHITE, *RED])
    image.putpixel((1, 1), 1)
    image.save(tmp / "palette.png")
    return tmp / "palette.png"


def _cmyk(tmp: Path) -> Path:
    image = Image.new("CMYK", SMALL, (0, 0, 0, 0))  # no ink: white
    image.putpixel((1, 1), (0, 255, 255, 0))  # magenta and yellow ink: red
    image.save(tmp / "print.jpg", quality=100, subsampling=0)
    return tmp / "print.jpg"


def _sixteen_bit(tmp: Path) -> Path:
    values = np.zeros(SMALL, dtype=np.uint16)
    values[0, 0], values[1, 1] = 65535, 32768
    image = Image.fromarray(values)
    assert image.mode == "I;16"
    image.save(tmp / "depth.png")
    return tmp / "depth.png"


@pytest.mark.parametrize(
    ("make", "mode", "expected", "tolerance"),
    [
        (_palette, "P", {(0, 0): WHITE, (1, 1): RED}, 0),
        (_cmyk, "CMYK", {(0, 0): WHITE, (1, 1): RED}, 16),
        (_sixteen_bit, "I;16", {(0, 0): WHITE, (1, 1): (128, 128, 128), (2, 2): (0, 0, 0)}, 0),
    ],
    ids=["palette", "cmyk", "16-bit"],
)
def test_other_modes_become_rgb_with_the_same_look(
    tmp_path: Path, make: Callable[[Path], Path], mode: str, expected: dict, tolerance: int
) -> None:
    source = load_image(make(tmp_path))
    assert source.original_mode == mode
    assert source.image.mode == "RGB"
    for xy, colour in expected.items():
        assert np.abs(np.subtract(source.image.getpixel(xy), colour)).max() <= tolerance, xy
    assert source.conversions  # the change is recorded for result.json


def test_a_tall_page_is_kept_whole_and_the_model_sees_a_capped_copy(tmp_path: Path) -> None:
    page = Image.new("RGB", (1280, 6000), WHITE)
    page.paste(RED, (0, 5900, 1280, 6000))  # a footer at the very bottom
    path = tmp_path / "long-page.png"
    page.save(path)
    source = load_image(path)
    assert source.image.size == (1280, 6000)
    assert source.image.getpixel((640, 5950)) == RED  # nothing cropped off the bottom

    view = capped_copy(source.image, max_image_tokens=1280)
    assert 0.95 * 1280 <= view.width * view.height / PIXELS_PER_IMAGE_TOKEN <= 1280  # nearly the whole cap
    assert view.height / view.width == pytest.approx(6000 / 1280, rel=0.01)
    assert np.abs(np.subtract(view.getpixel((view.width // 2, view.height - 5)), RED)).max() <= 8
    assert source.image.size == (1280, 6000)  # the capped copy left the source alone


@pytest.mark.parametrize(
    ("size", "cap"),
    [((1280, 720), 1280), ((4000, 3000), 1280), ((100, 100_000), 64), ((1, 1), 4), ((3840, 2160), 4)],
)
def test_a_capped_copy_stays_within_the_cap(size: tuple[int, int], cap: int) -> None:
    view = capped_copy(Image.new("RGB", size, WHITE), cap)
    assert view.width * view.height <= max(cap * PIXELS_PER_IMAGE_TOKEN, 1)
    assert view.width >= 1 and view.height >= 1


def test_an_image_already_within_the_cap_is_not_resized() -> None:
    image = _two_colours((640, 320))
    assert capped_copy(image, max_image_tokens=1280) is image

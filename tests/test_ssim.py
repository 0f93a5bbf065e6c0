"""Scoring a render against its source: SSIM, alignment, regions, heatmap, PNG encoding."""

from __future__ import annotations

import io
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage.metrics import structural_similarity

from img2code.score.ssim import align, compare, diff_heatmap, encode_png, ssim

SCREENSHOTS = Path(__file__).resolve().parents[2] / "shared" / "data" / "design2code-dev"
PAIRS = [("1002", "1041"), ("10582", "10642"), ("10668", "10676")]


def screenshot(name: str, width: int = 1280, height: int = 720) -> Image.Image:
    path = SCREENSHOTS / f"{name}.png"
    assert path.exists(), f"needs the Design2Code screenshots beside the project, in {SCREENSHOTS}"
    return Image.open(path).convert("RGB").crop((0, 0, width, height))


def with_box(image: Image.Image, x: int, y: int, width: int, height: int) -> Image.Image:
    """The image with a solid box painted over it, the kind of change a wrong element makes."""
    pixels = np.array(image)
    pixels[y : y + height, x : x + width] = (30, 120, 220)
    return Image.fromarray(pixels)


@pytest.mark.parametrize(("first", "second"), PAIRS)
def test_fast_ssim_matches_scikit_image(first: str, second: str) -> None:
    a = np.asarray(screenshot(first))
    b = np.asarray(screenshot(second))
    expected, expected_map = structural_similarity(a, b, channel_axis=2, data_range=255, full=True)

    score, ssim_map = ssim(a, b)

    assert score == pytest.approx(expected, abs=1e-3)
    assert np.abs(ssim_map - expected_map.mean(axis=2)).max() < 1e-3


def test_compare_score_is_ssim_at_half_size_for_wide_pages() -> None:
    source, candidate = screenshot("1002"), screenshot("1041")
    half = [
        cv2.resize(np.asarray(image), (640, 360), interpolation=cv2.INTER_AREA)
        for image in (source, candidate)
    ]

    comparison = compare(source, candidate)

    assert comparison.scale == 0.5
    assert comparison.ssim == pytest.approx(
        structural_similarity(*half, channel_axis=2, data_range=255), abs=1e-3
    )


def test_identical_images_score_one_with_no_regions() -> None:
    image = screenshot("1002")

    comparison = compare(image, image.copy())

    assert comparison.ssim == pytest.approx(1.0, abs=1e-6)
    assert comparison.regions == []
    assert comparison.ssim_map.shape == (720, 1280)
    assert comparison.ssim_map.min() > 1 - 1e-4


def test_changed_region_is_found_where_it_is() -> None:
    source = screenshot("10582", height=800)
    candidate = with_box(source, 700, 500, 200, 60)

    comparison = compare(source, candidate)

    assert comparison.ssim < 0.99
    top = comparison.regions[0]
    assert 680 <= top.x <= 700 and 500 <= top.x + top.width <= 920 + 20
    assert 480 <= top.y <= 500 and 560 <= top.y + top.height <= 580
    assert 0 < top.dissimilarity <= 1


def test_regions_are_ranked_by_total_difference_and_capped() -> None:
    source = screenshot("10582", height=800)
    pixels = np.array(with_box(with_box(source, 100, 100, 20, 20), 1000, 700, 24, 24))
    cv2.rectangle(pixels, (500, 300), (900, 600), (30, 120, 220), 4)  # a large but thin change
    comparison = compare(source, Image.fromarray(pixels), max_regions=2)

    assert len(comparison.regions) == 2
    frame, small = comparison.regions
    # The frame ranks first: more pixels differ, though its box differs less on average.
    assert frame.x <= 500 < frame.x + frame.width and frame.y <= 300 < 600 < frame.y + frame.height
    assert frame.dissimilarity < small.dissimilarity


def test_different_sizes_align_and_missing_content_is_penalised() -> None:
    source = screenshot("10582", height=1200)
    half_width = source.resize((640, 600))
    cut_short = source.crop((0, 0, 1280, 700))

    a, b = align(source, half_width)
    short_a, short_b = align(source, cut_short)
    scaled = compare(source, half_width)
    short = compare(source, cut_short)

    assert a.shape == b.shape == (1200, 1280, 3)
    assert short_a.shape == short_b.shape == (1200, 1280, 3)
    assert (short_b[700:] == 255).all()  # white where the candidate has nothing
    assert scaled.ssim > 0.8  # same page at another scale still scores well
    assert short.ssim < 0.97  # the missing bottom (500 px, partly white anyway) costs score
    assert any(region.y + region.height > 700 for region in short.regions)


def test_taller_candidate_pads_the_source() -> None:
    source = screenshot("1002")
    a, b = align(source, source.crop((0, 0, 1280, 720)).resize((1280, 900)))
    assert a.shape == b.shape == (900, 1280, 3)
    assert (a[720:] == 255).all()


def test_transparency_counts_as_white() -> None:
    clear = Image.new("RGBA", (200, 100), (0, 0, 0, 0))
    white = Image.new("RGB", (200, 100), (255, 255, 255))
    assert compare(clear, white).ssim == pytest.approx(1.0, abs=1e-6)


def test_heatmap_colours_differences_and_outlines_regions() -> None:
    source = screenshot("10582", height=800)
    candidate = with_box(source, 700, 500, 200, 60)
    comparison = compare(source, candidate)

    heatmap = np.asarray(diff_heatmap(source, comparison))

    assert heatmap.shape == (800, 1280, 3)
    changed, unchanged = heatmap[530, 800].astype(int), heatmap[100, 100].astype(int)
    assert max(changed) - min(changed) > 60  # coloured heat where the box was painted
    assert max(unchanged) == min(unchanged)  # plain grey where nothing changed
    region = comparison.regions[0]
    assert tuple(heatmap[region.y + region.height // 2, region.x]) == (255, 0, 255)  # the outline


def test_heatmap_of_a_short_candidate_covers_the_aligned_size() -> None:
    source = screenshot("1002")
    comparison = compare(source, source.crop((0, 0, 1280, 300)))
    assert diff_heatmap(source, comparison).size == (comparison.width, comparison.height) == (1280, 720)


def test_encode_png_is_lossless() -> None:
    image = screenshot("1041")
    decoded = Image.open(io.BytesIO(encode_png(image)))
    assert decoded.format == "PNG"
    assert np.array_equal(np.asarray(decoded.convert("RGB")), np.asarray(image))

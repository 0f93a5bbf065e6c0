"""Design2Code's metrics: the matching on plain blocks, and each score's property on pages rendered
in the real Chromium (the authors' colour-coded blocks) and read back by OCR (the image-only path)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from click.testing import CliRunner

from img2code.cli import main
from img2code.render.browser import Browser
from img2code.score.candidate import score_candidate
from img2code.score.design2code import Block, TextBlocks, context_costs, merge_same_boxes, score_blocks
from img2code.score.textblocks import VIEWPORT_HEIGHT, blocks_from_ocr, page_blocks

WIDTH, HEIGHT = 800, 600
TEXTS = ["Quarterly report", "Revenue grew in every region", "Costs fell by a tenth", "Read the full story"]
COLOURS = ["#1d4ed8", "#111827", "#b91c1c", "#15803d"]
PLACES = [(40, 30), (40, 140), (40, 240), (420, 400)]


def page(texts=TEXTS, colours=COLOURS, places=PLACES) -> str:
    """A page of four absolutely placed text blocks, each in its own colour."""
    blocks = "\n".join(
        f'<p style="position:absolute;left:{x}px;top:{y}px;color:{colour};margin:0">{text}</p>'
        for text, colour, (x, y) in zip(texts, colours, places, strict=True)
    )
    return (
        "<!DOCTYPE html><html><body style=\"margin:0;background:#fff;font:24px 'DejaVu Sans'\">"
        f"{blocks}</body></html>"
    )


def block(text: str, x: float = 0.1, y: float = 0.1, size: float = 0.1, colour=(0, 0, 0)) -> Block:
    return Block(text, x, y, size, size / 4, colour)


def blocks(*items: Block) -> TextBlocks:
    return TextBlocks(tuple(items), WIDTH, HEIGHT, "html")


def coded(browser: Browser, html: str, *, candidate: bool = False) -> TextBlocks:
    return page_blocks(browser, html, WIDTH, candidate=candidate)[1]


@pytest.fixture(scope="module")
def reference(browser: Browser) -> TextBlocks:
    return coded(browser, page())


def scores_of(browser: Browser, reference: TextBlocks, html: str) -> dict[str, float]:
    return score_blocks(reference, coded(browser, html, candidate=True)).as_dict()


# -- the matching and the formulas, on plain blocks --------------------------------------------


def test_neighbouring_blocks_merge_when_that_matches_better():
    reference = blocks(block("Ship faster with one place for every build", size=0.5))
    candidate = blocks(
        block("Ship faster with one place", size=0.3), block("for every build", x=0.4, size=0.2)
    )
    scores = score_blocks(reference, candidate)
    assert len(scores.candidate) == 1 and scores.candidate[0].text == reference.blocks[0].text
    assert scores.text == 1.0 and scores.missing == [] and scores.extra == []


def test_the_lines_of_a_paragraph_merge_into_it_one_by_one():
    lines = [f"line {n} of a paragraph that wraps over ten lines" for n in range(10)]
    reference = blocks(Block(" ".join(lines), 0.1, 0.1, 0.5, 0.3, (0, 0, 0)))
    candidate = blocks(
        *(Block(line, 0.1, 0.1 + 0.03 * n, 0.5, 0.03, (0, 0, 0)) for n, line in enumerate(lines))
    )
    scores = score_blocks(reference, candidate)  # each line alone matches the paragraph at under 0.2
    assert len(scores.candidate) == 1 and scores.as_dict() == {
        "block": 1.0,
        "text": 1.0,
        "position": 1.0,
        "color": 1.0,
    }


def test_pairs_less_alike_than_half_are_dropped_and_score_zero():
    scores = score_blocks(blocks(block("Pricing")), blocks(block("Contact us")))
    assert scores.pairs == [] and scores.missing == [0] and scores.extra == [0]
    assert scores.as_dict() == {"block": 0.0, "text": 0.0, "position": 0.0, "color": 0.0}


def test_block_match_counts_unmatched_blocks_of_both_pages():
    kept = block("Sign in", size=0.2)
    lost = block("Forgot your password?", y=0.6, size=0.1)
    scores = score_blocks(blocks(kept, lost), blocks(kept))
    assert scores.block == pytest.approx(2 * kept.area / (2 * kept.area + lost.area))
    assert scores.text == scores.position == scores.color == 1.0


def test_position_is_one_minus_the_larger_centre_shift():
    moved = Block("Sign in", 0.2, 0.15, 0.1, 0.025, (0, 0, 0))  # 0.1 right, 0.05 down
    scores = score_blocks(blocks(block("Sign in")), blocks(moved))
    assert scores.position == pytest.approx(0.9)


def test_color_is_ciede2000_scaled_to_one():
    black, white = block("Sign in"), block("Sign in", colour=(255, 255, 255))
    assert score_blocks(blocks(black), blocks(black)).color == 1.0
    assert score_blocks(blocks(black), blocks(white)).color == 0.0  # ΔE of black to white is 100


def test_a_page_without_blocks_scores_zero_as_the_authors_code_does():
    assert set(score_blocks(blocks(), blocks()).as_dict().values()) == {0.0}
    assert set(score_blocks(blocks(block("Sign in")), blocks()).as_dict().values()) == {0.0}


def test_a_merge_is_kept_only_when_it_gains_more_than_five_hundredths():
    reference = blocks(block("the quick brown fox jumps"))
    almost = score_blocks(reference, blocks(block("the quick brown fox jump"), block("s", y=0.5)))
    assert [b.text for b in almost.candidate] == ["the quick brown fox jump", "s"]  # +0.001: not merged
    split = score_blocks(reference, blocks(block("the quick brown"), block("fox jumps", y=0.5)))
    assert [b.text for b in split.candidate] == ["the quick brown fox jumps"]


def test_the_final_assignment_favours_matches_whose_neighbours_match():
    costs = np.array([[-1.0, -0.9], [-0.9, -1.0]])
    assert context_costs(costs) == pytest.approx(np.array([[-1.19, -1.1], [-1.1, -1.19]]))
    assert context_costs(np.array([[-0.4]]))[0, 0] == -0.4  # only matches better than 0.5 gain


# -- each property on rendered pages (colour-coded blocks) ----------------------------------------


def test_a_page_against_itself_scores_one_everywhere(browser, reference):
    assert len(reference.blocks) == 4
    assert scores_of(browser, reference, page()) == {"block": 1.0, "text": 1.0, "position": 1.0, "color": 1.0}


def test_one_changed_text_lowers_text(browser, reference):
    texts = [*TEXTS[:2], "Costs fell by a third", TEXTS[3]]
    scores = scores_of(browser, reference, page(texts=texts))
    assert scores["text"] < 0.99
    assert scores["color"] == 1.0 and scores["block"] == 1.0 and scores["position"] > 0.99


def test_one_changed_colour_lowers_color_only(browser, reference):
    colours = [*COLOURS[:2], "#0f766e", COLOURS[3]]
    scores = scores_of(browser, reference, page(colours=colours))
    assert scores["color"] < 0.95
    assert scores["block"] == scores["text"] == scores["position"] == 1.0


def test_moved_blocks_lower_position(browser, reference):
    places = [(x + 160, y + 60) for x, y in PLACES[:2]] + PLACES[2:]
    scores = scores_of(browser, reference, page(places=places))
    assert scores["position"] < 0.95
    assert scores["block"] == scores["text"] == scores["color"] == 1.0


def test_hidden_text_is_no_block(browser):
    html = page().replace(
        "</body>",
        '<p style="display:none">Hidden</p><p style="visibility:hidden">Ghost</p>'
        '<div style="position:absolute;top:500px;height:30px;overflow:hidden">'
        '<p style="margin:0">Shown line</p><p style="margin:40px 0 0">Clipped away</p></div></body>',
    )
    assert [b.text for b in coded(browser, html).blocks] == [t.lower() for t in [*TEXTS, "Shown line"]]


def test_text_in_untagged_inline_elements_joins_its_paragraph_as_in_the_authors_code(browser):
    html = (
        "<html><body style=\"font:20px 'DejaVu Sans'\"><p>Every plan has <strong>unlimited</strong> "
        "projects and <code>git</code> access</p><p>Next <b>bold</b> words</p></body></html>"
    )
    merged = merge_same_boxes(list(coded(browser, html).blocks))
    assert [b.text for b in merged] == [
        "every plan has unlimited projects and git access",
        "next words",
        "bold",
    ]


def test_a_block_has_the_colour_a_person_sees(browser):
    html = (
        "<html><body style=\"margin:0;font:bold 40px 'DejaVu Sans'\">"
        '<p style="color:#ffffff;background:#000000;margin:40px">Night sale</p>'
        '<div style="position:fixed;inset:0;background:rgba(0,0,0,0.5)"></div></body></html>'
    )
    (sale,) = coded(browser, html).blocks
    assert all(100 <= channel <= 135 for channel in sale.colour)  # white under half black, not #ffffff


def test_a_viewport_sized_hero_scores_full_position_against_itself(tmp_path):
    hero = tmp_path / "hero.html"
    hero.write_text(
        "<html><body style=\"margin:0;font:24px 'DejaVu Sans'\">"
        '<section style="height:100vh;background:#1e3a8a;color:#fff"><h1>Ship faster</h1></section>'
        "<p>Every plan includes unlimited projects.</p><p>Cancel at any time.</p></body></html>"
    )
    scores = score_candidate(hero, hero, metrics=("design2code",))
    assert (scores["block"], scores["position"]) == (1.0, 1.0)


# -- a reference that is only an image (OCR) ------------------------------------------------------


def test_an_image_reference_is_read_by_ocr_and_matches_its_page(browser, reference):
    image = browser.render_html(page(), WIDTH, VIEWPORT_HEIGHT).image  # the page the coded blocks saw
    ocr = blocks_from_ocr(image)
    assert [b.text for b in ocr.blocks] == [text.lower() for text in TEXTS]
    assert set(score_blocks(ocr, ocr).as_dict().values()) == {1.0}
    against_dom = score_blocks(ocr, reference).as_dict()
    assert against_dom["text"] == 1.0
    assert against_dom["position"] > 0.97 and against_dom["color"] > 0.9 and against_dom["block"] > 0.9


def test_score_command_reports_design2code_and_says_clip_is_unavailable(tmp_path):
    no_clip = {"IMG2CODE_CLIP_MODEL": str(tmp_path / "no-clip-here")}
    reference = tmp_path / "reference.html"
    reference.write_text(page())
    moved = tmp_path / "moved.html"
    moved.write_text(page(places=[(x, y + 80) for x, y in PLACES]))
    runner = CliRunner(env=no_clip)
    same = runner.invoke(
        main, ["score", str(reference), str(reference), "--metrics", "ssim,design2code", "--json"]
    )
    assert same.exit_code == 0, same.output
    scores = json.loads(same.output)
    assert [scores[name] for name in ("ssim", "block", "text", "position", "color")] == [1.0] * 5
    assert scores["clip"] is None and "CLIP" in scores["clip_unavailable"]
    assert scores["blocks"]["reference_from"] == scores["blocks"]["candidate_from"] == "html"
    shifted = runner.invoke(main, ["score", str(reference), str(moved), "--metrics", "design2code"])
    assert shifted.exit_code == 0, shifted.output
    assert (
        "Position 88.9" in shifted.output
    )  # 80 px down a page 720 px tall and "Text 100.0" in shifted.output and "SSIM" not in shifted.output


def test_clip_is_scored_with_the_text_painted_out_when_weights_are_there(tmp_path, monkeypatch):
    from tiny_clip import build_tiny_clip

    monkeypatch.setenv("IMG2CODE_CLIP_MODEL", str(build_tiny_clip(tmp_path / "clip")))
    reference = tmp_path / "reference.html"
    reference.write_text(page())
    dark = tmp_path / "dark.html"
    dark.write_text(page().replace("background:#fff", "background:#1e293b"))
    same = score_candidate(reference, reference, metrics=("design2code",))
    assert same["clip"] == 1.0 and "clip_unavailable" not in same
    assert score_candidate(reference, dark, metrics=("design2code",))["clip"] < 0.9999

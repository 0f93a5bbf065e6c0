"""The model-free corrector's rules (correct.py), with fakes: it keeps only the patch groups that
score better and never returns a page worse than its input. Its repairs on real renders are tested in
test_feedback.py (one browser for both)."""

from __future__ import annotations

import pytest
from PIL import Image

from img2code import correct as corrector
from img2code.correct import STYLE_ID, Patch, correct_with, split_corrections, with_corrections
from img2code.score.feedback import Comparison, DesignText, Element, Finding, PageRead


def _comparison(ssim: float) -> Comparison:
    image = Image.new("RGB", (8, 8), "white")
    from img2code.score.design2code import TextBlocks

    design = DesignText(image, TextBlocks((), 8, 8, "ocr"), [], [])
    return Comparison(design, PageRead(image, [], []), [], [], [], ssim, 1.0, 1.0, 1.0, 1.0)


def test_a_patch_group_that_scores_worse_is_dropped(monkeypatch):
    good = Patch("h1", "color", "#000000", "colour")
    bad = Patch("p", "margin-top", "99px", "margin")

    def groups(kind, comparison, found):
        return {"text_colour": [[[good]]], "moved_y": [[[bad]]]}.get(kind, [])

    def measure(code: str) -> Comparison:
        ssim = 0.8 + (0.1 if "#000000" in code else 0) - (0.2 if "99px" in code else 0)
        return _comparison(ssim)

    monkeypatch.setattr(corrector, "_groups", groups)
    monkeypatch.setattr(corrector, "findings", lambda comparison: [])
    page = "<html><body><h1>a</h1><p>b</p></body></html>"
    fixed = correct_with(page, measure)
    assert "#000000" in fixed.code and "99px" not in fixed.code
    assert fixed.after["ssim"] == pytest.approx(0.9)
    dropped = [group for group in fixed.groups if group.kind == "moved_y"]
    assert dropped and not any(group.kept for group in dropped)
    assert all(group.after["ssim"] < group.before["ssim"] for group in dropped)
    # at most two renders per group: all its patches, then the costlier half
    assert fixed.renders <= 1 + 2 * len({(g.kind, g.round, g.part) for g in fixed.groups})


def test_one_wrong_patch_does_not_sink_the_right_ones_of_its_kind(monkeypatch):
    """Eight font sizes, the costliest wrong: tried all together (and halved) the wrong one spoils
    every try; in groups, the right ones further down are kept."""
    patches = [Patch(f"p{i}", "font-size", "16px", "size") for i in range(8)]
    monkeypatch.setattr(corrector, "_patches", lambda kind, c, f: patches if kind == "font_size" else [])
    monkeypatch.setattr(corrector, "findings", lambda comparison: [])

    def measure(code: str) -> Comparison:
        right = sum(f"p{i} {{" in code for i in range(1, 8))
        return _comparison(0.5 + 0.01 * right - (0.3 if "p0 {" in code else 0))

    fixed = correct_with("<html><body><p>b</p></body></html>", measure)
    assert "p0 {" not in fixed.code and all(f"p{i} {{" in fixed.code for i in range(2, 8))
    assert fixed.renders <= 1 + 2 * len({(g.kind, g.round, g.part) for g in fixed.groups})


def test_late_groups_whose_small_drops_add_up_are_undone_alone(monkeypatch):
    """Margins win SSIM 0.2; two backgrounds after them each win a little and cost Color 0.0008
    (each within what a group may cost, together more): the last is undone, not all three."""
    margins = Patch("p", "margin-top", "0px", "m")
    first, second = Patch("p", "background-color", "#eee", "b"), Patch("h1", "background-color", "#ddd", "b")
    groups = {"moved_y": [[[margins]]], "background": [[[first]], [[second]]]}
    monkeypatch.setattr(corrector, "_groups", lambda kind, c, f: groups.get(kind, []))
    monkeypatch.setattr(corrector, "findings", lambda comparison: [])

    def measure(code: str) -> Comparison:
        backgrounds = code.count("background-color")
        comparison = _comparison(0.5 + (0.2 if "margin-top" in code else 0) + 0.01 * backgrounds)
        comparison.color -= 0.0008 * backgrounds
        return comparison

    fixed = correct_with("<html><body><h1>a</h1><p>b</p></body></html>", measure)
    assert "margin-top" in fixed.code and "#eee" in fixed.code and "#ddd" not in fixed.code
    assert fixed.after["ssim"] == pytest.approx(0.71) and fixed.changed
    tried = [(g.kind, g.kept, g.undone) for g in fixed.groups]
    assert tried[:3] == [("moved_y", True, False), ("background", True, False), ("background", False, True)]


def test_nothing_kept_returns_the_input_unchanged(monkeypatch):
    monkeypatch.setattr(corrector, "_groups", lambda kind, c, f: [[[Patch("p", "color", "#111111", "x")]]])
    monkeypatch.setattr(corrector, "findings", lambda comparison: [])
    page = "<html><body><p>b</p></body></html>"
    fixed = correct_with(page, lambda code: _comparison(0.9 if code == page else 0.5))
    assert fixed.code == page and not fixed.changed


def test_corrections_live_in_one_style_that_a_later_round_rewrites():
    page = "<html><head></head><body><p>b</p></body></html>"
    once = with_corrections(page, {"body > p": {"color": "#101010"}})
    base, rules = split_corrections(once)
    assert base == page and rules == {"body > p": {"color": "#101010"}}
    twice = with_corrections(base, {"body > p": {"color": "#202020", "font-size": "14px"}})
    assert twice.count(STYLE_ID) == 1 and "#101010" not in twice
    assert twice.index(STYLE_ID) < twice.index("</body>")


@pytest.mark.slow
def test_a_tiny_model_run_carries_text_hints_and_findings_in_its_prompts(scripted_model_dir, tmp_path):
    """The loop end to end on the tiny Qwen3-VL (the scripted copy, whose random weights are set to
    answer one small page, so that the first iteration has a draft; never judged for quality):
    the first prompt lists the source's OCR'd texts, the refine prompt the findings measured on the
    draft, and result.json records them."""
    from pathlib import Path

    from img2code import convert
    from img2code.config import PRESETS

    mockup = Path(__file__).resolve().parents[1] / "fixtures" / "mockups" / "dashboard.png"
    result = convert(
        mockup,
        tmp_path / "out",
        backend="transformers",
        model=str(scripted_model_dir),
        max_iters=2,
        target_ssim=1.0,
        max_image_tokens=64,
        generation=PRESETS["qwen-vl"].with_overrides(max_new_tokens=48),
    )
    first = (result.out_dir / "iterations/00/prompt.txt").read_text()
    assert "The texts read from it" in first
    assert result.iterations[0].ok, result.iterations[0].error
    findings = result.iterations[0].findings
    assert findings and all(finding["words"] for finding in findings)
    refine = (result.out_dir / "iterations/01/prompt.txt").read_text()
    assert "What was measured on your page" in refine
    assert findings[0]["words"] in refine


def _read(*elements: tuple[str, float], max_width: str = "none") -> PageRead:
    """A read page of static block paragraphs: (selector, width) each, dark grey text."""
    image = Image.new("RGB", (8, 8), "white")
    read = [
        Element(i, selector, "p", -1, (0, 0, width, 40), (40, 40, 40, 1.0), (0, 0, 0, 0.0), 16.0,
                "block", "static", 0.0, 0.0, width, max_width, True)
        for i, (selector, width) in enumerate(elements)
    ]  # fmt: skip
    return PageRead(image, read, [])


def test_a_text_whose_size_is_off_keeps_its_colour():
    """Smaller letters draw lighter ink: its colour is judged once its size is right."""
    page = _read(("p:nth-of-type(1)", 8.0), ("p:nth-of-type(2)", 8.0))
    found = [
        Finding("text_colour", "p:nth-of-type(1)", "#202020", "#606060", 20.0, 0.1, element=0, measured=0),
        Finding("font_size", "p:nth-of-type(1)", 20.0, 16.0, 0.2, 0.1, element=0),
        Finding("text_colour", "p:nth-of-type(2)", "#202020", "#606060", 20.0, 0.1, element=1, measured=1),
    ]
    patches = corrector.colour_patches(found, page)
    assert [p.selector for p in patches] == ["p:nth-of-type(2)"]
    assert patches[0].value == "#000000"


def test_a_width_patch_never_makes_a_box_wider_than_its_parent():
    """The design's width where there is room; on a phone the parent's, not a sideways scroll."""
    found = [Finding("box_width", "main > p", 784, 600, 0.2, 0.1, element=0)]
    patches = corrector.width_patches(found, _read(("main > p", 600.0)))
    assert {(p.property, p.value) for p in patches} == {("width", "min(784px, 100%)"), ("max-width", "784px")}


def test_a_wide_left_margin_patch_gives_its_room_back_on_a_phone(browser):
    """A margin fitted at the design's width keeps its px there; a phone gets the room back
    instead of scrolling sideways. A small margin stays plain px."""
    assert corrector._left_margin(12, 1280) == "12px"
    wide = corrector._left_margin(504.5, 1280)
    style = f"nav {{ width: 300px; height: 20px; margin-left: {wide}; }}"
    page = f"<style>* {{ margin: 0 }} {style}</style><nav></nav>"
    probe = """() => [getComputedStyle(document.querySelector('nav')).marginLeft,
        document.documentElement.scrollWidth]"""
    assert browser.render_html(page, 1280, 200, script=probe).value == ["504.5px", 1280]
    assert browser.render_html(page, 390, 200, script=probe).value[1] <= 390


def test_a_box_its_max_width_squeezes_gets_the_cap_lifted():
    """A text the design shows in one line needs at least its width: a box its own max-width holds
    narrower loses the cap (its width is then what the page's layout gives it, not a number fitted
    to the ink), where a box not capped gets the width."""
    at_least = Finding("box_width", "nav", 415, 110, 305.0, 0.1, element=0, detail={"at_least": 1.0})
    lifted = corrector.width_patches([at_least], _read(("nav", 110.0), max_width="110px"))
    assert [(p.selector, p.property, p.value) for p in lifted] == [("nav", "max-width", "none")]
    widened = corrector.width_patches([at_least], _read(("nav", 110.0)))
    assert {p.property for p in widened} == {"width", "max-width"}


def test_a_box_takes_the_width_its_one_line_texts_need_over_a_wrapped_text_s_guess():
    """Two findings on one box: a wrapped paragraph's (costlier, told from its ragged lines) and a
    one-line text's, which the box must hold; the one-line text's width is the box's."""
    wrapped = Finding("box_width", "footer", 429, 305, 124.0, 0.3, element=0)
    one_line = Finding("box_width", "footer", 395, 305, 90.0, 0.1, element=0, detail={"at_least": 1.0})
    patches = corrector.width_patches([wrapped, one_line], _read(("footer", 305.0)))
    assert ("max-width", "395px") in {(p.property, p.value) for p in patches}


def test_a_render_that_is_the_design_s_pixels_is_kept_whatever_the_matching_reads():
    """A width patch makes the render the design's own pixels (SSIM 1.0) while the text matching
    reads a little less Color (its pairing of OCR lines and page texts shifts): it is kept."""
    before, after = _comparison(0.95), _comparison(1.0)
    after.color -= 0.002
    assert corrector.better(after, before)
    worse_colour = _comparison(0.99)
    worse_colour.color -= 0.002
    assert not corrector.better(worse_colour, before)


def test_a_fix_drawn_any_lower_than_its_input_gives_the_input_back(monkeypatch):
    """SSIM of the page as it is drawn is what an eval scores: a corrected page drawn 0.0003 lower
    there (11094's widths: a move the scores read with scripts off liked) gives the input back,
    however little it lost."""
    kept = corrector.PatchGroup("moved_x", [Patch("p", "margin-left", "4px", "move")], {}, {}, True, 0)

    def corrected(code, measure, *, max_rounds):  # type: ignore[no-untyped-def]
        return corrector.Correction("fixed", {}, {}, [kept])

    monkeypatch.setattr(corrector, "correct_with", corrected)
    monkeypatch.setattr(
        corrector, "_drawn_ssim", lambda renderer, code, design: 0.8056 if code == "fixed" else 0.8059
    )
    monkeypatch.setattr(corrector, "read_page", lambda *args: None)
    monkeypatch.setattr(corrector, "compare_page", lambda *args: _comparison(0.8059))
    result = corrector.correct(None, "input", _comparison(1.0).design)  # type: ignore[arg-type]
    assert result.reverted and result.code == "input" and not kept.kept


def test_the_report_says_which_declarations_were_taken_out_of_a_style_attribute(tmp_path):
    from pathlib import Path

    from img2code.correct import Correction, PatchGroup
    from img2code.report import render_run_report
    from img2code.results import BackendInfo, Iteration, RunResult, SourceInfo
    from img2code.style_attributes import StyledElement

    scores = {"ssim": 0.9, "position": 1.0, "color": 0.9}
    strong = StyledElement("strong", "color: red", 0, 1)
    dropped = Patch("p > strong", "color", "inherit", "its parent's", strong)
    ruled = Patch("h1", "color", "#1a73e8", "a rule")
    group = PatchGroup("text_colour", [dropped, ruled], scores, {**scores, "color": 1.0}, True, 0)
    correction = Correction("<p></p>", scores, scores, [group])
    iteration = Iteration(0, "generate", ok=True, ssim=0.9, corrections=correction.to_json())
    result = RunResult(
        "ok", "html", tmp_path, SourceInfo(Path("shot.png"), 8, 8, "PNG", "RGB"),
        BackendInfo("classic", "", ""), {}, [iteration], 0,
    )  # fmt: skip
    report = render_run_report(result, tmp_path)
    assert "p &gt; strong { color: inherit }</code> (taken out of its style attribute)" in report
    assert "h1 { color: #1a73e8 }</code><" in report


def test_a_wrong_page_colour_is_fixed_before_the_text_colours_it_tints(monkeypatch):
    """Letters drawn on a wrong page colour blend their edges with it, so their ink reads off too;
    text colours fixed first took colours that only made up for the page's and then spoiled it once
    the page was right (14247's background kind: Color 0.0036 worse after the fix)."""
    text = Patch("p", "color", "#4b5351", "ink off on the tinted page")
    page_colour = Patch("body", "background-color", "#ffffff", "page colour")

    def groups(kind, comparison, found):
        return {"text_colour": [[[text]]], "background": [[[page_colour]]]}.get(kind, [])

    def measure(code: str) -> Comparison:
        right_page, patched_text = "#ffffff" in code, "#4b5351" in code
        return _comparison(
            {(False, False): 0.8, (False, True): 0.85, (True, False): 1.0, (True, True): 0.95}[
                (right_page, patched_text)
            ]
        )

    monkeypatch.setattr(corrector, "_groups", groups)
    monkeypatch.setattr(corrector, "findings", lambda comparison: [])
    fixed = correct_with("<html><body><p>b</p></body></html>", measure)
    assert "#ffffff" in fixed.code and "#4b5351" not in fixed.code

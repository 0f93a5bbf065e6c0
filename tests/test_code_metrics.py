"""The ``code`` metric set (``score.code``) on small hand-written pages in the real Chromium: absolute
positioning, sideways scrolling, text roles, TreeBLEU, reflow SSIM with height padding, scripts that
try to forge the readings, and `img2code score --metrics code`."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from img2code.cli import main
from img2code.render.browser import Browser
from img2code.score.candidate import describe_scores
from img2code.score.code import METRICS, CodeScores, role_agreement, score_code, tree_bleu

LINES = [f"Line number {n} of the article about gardens" for n in range(12)]

FLOW = f"""<!DOCTYPE html><html><body style="margin:0;font:16px 'DejaVu Sans'">
<header><nav><ul><li><a href="#">Home</a></li><li><a href="#">About</a></li></ul></nav></header>
<main><h1>Gardens of the north</h1>
<p>{" ".join(LINES)}</p>
<a class="btn btn-primary" href="#">Sign up now</a>
<table><tr><td>Roses</td><td>Tulips</td></tr></table></main>
<footer><p>Copyright the garden people</p></footer></body></html>"""

# A pixel trace of the same text: every line an absolutely placed <p>, the body 1200 px wide.
TRACE_LINES = ["Home", "About", "Gardens of the north", *LINES, "Sign up now", "Roses", "Tulips",
               "Copyright the garden people"]  # fmt: skip
TRACE = (
    "<!DOCTYPE html><html><body style=\"margin:0;width:1200px;position:relative;font:16px 'DejaVu Sans'\">"
    + "".join(
        f'<p style="position:absolute;margin:0;left:{20 + 90 * (i % 2)}px;top:{24 * i}px;white-space:pre">'
        f"{text}</p>"
        for i, text in enumerate(TRACE_LINES)
    )
    + "</body></html>"
)

# The trace again, with scripts that try to make it read like the flow page: they rewrite positions,
# replace the body with the flow page's markup, and replace the functions a reader would call.
FORGE_SCRIPT = """<script>
const flow = FLOW;
const forge = () => {
  document.querySelectorAll("*").forEach((el) => el.style.setProperty("position", "static", "important"));
  const parsed = new DOMParser().parseFromString(flow, "text/html");
  document.documentElement.innerHTML = parsed.documentElement.innerHTML;
};
const real = window.getComputedStyle;
window.getComputedStyle = (el) => ({...real(el), position: "static", visibility: "visible"});
Element.prototype.getBoundingClientRect = () => ({width: 0, height: 0});
document.addEventListener("DOMContentLoaded", forge);
window.addEventListener("load", () => setTimeout(forge, 0));
setInterval(forge, 5);
</script></body>"""
FORGER = TRACE.replace("</body>", FORGE_SCRIPT.replace("FLOW", json.dumps(FLOW)))


@pytest.fixture(scope="module")
def trace(browser: Browser) -> CodeScores:
    return score_code(browser, FLOW, TRACE)


@pytest.fixture(scope="module")
def itself(browser: Browser) -> CodeScores:
    return score_code(browser, FLOW, FLOW)


def test_a_pixel_trace_is_almost_all_absolute_and_the_flow_page_none(trace, itself):
    assert (
        trace.absolute == 1.0
    )  # every visible element (the body, holding only absolute ones, has no height)
    assert trace.absolute_reference == 0.0
    assert itself.absolute == 0.0


def test_a_fixed_width_page_scrolls_sideways_on_a_phone_where_the_reference_does_not(trace, itself):
    assert trace.overflow == {390: 1, 768: 1}
    assert itself.overflow == {390: 0, 768: 0}


def test_overflow_counts_only_where_the_reference_fits(browser):
    wide = "<html><body style='margin:0'><div style='width:1000px;height:50px'>x</div></body></html>"
    fits = "<html><body><p>x</p></body></html>"
    assert score_code(browser, wide, wide).overflow == {390: 0, 768: 0}  # the reference scrolls too
    assert score_code(browser, fits, wide).overflow == {390: 1, 768: 1}
    narrow = wide.replace("width:1000px", "width:600px")
    assert score_code(browser, fits, narrow).overflow == {390: 1, 768: 0}


def test_a_page_scores_full_marks_against_itself(itself):
    assert itself.ssim == {390: pytest.approx(1.0), 768: pytest.approx(1.0)}
    assert itself.roles == 1.0 and itself.texts_held == 8
    assert itself.tree_bleu == 1.0
    assert set(itself.as_dict()) == set(METRICS)


def test_the_trace_loses_roles_structure_and_reflow(trace, itself):
    # Its words are all there (the cut paragraph is held), but only the paragraphs' roles agree.
    assert trace.texts_held == itself.texts_held
    assert trace.roles == pytest.approx(2 / 8)  # the article's paragraph and the footer's
    assert trace.tree_bleu is not None and trace.tree_bleu < 0.1
    assert trace.ssim[390] < 0.9 and trace.ssim[768] < 0.9


def test_same_text_in_another_role_is_a_mismatch(browser):
    reference = (
        "<html><body><h1>Welcome to the shop</h1><p>We sell apples and pears all year.</p></body></html>"
    )
    as_paragraph = reference.replace("h1>", "p>")
    scores = score_code(browser, reference, as_paragraph)
    assert scores.texts_held == 2 and scores.roles == 0.5
    as_div = reference.replace("<p>", "<div>").replace("</p>", "</div>")
    assert score_code(browser, reference, as_div).roles == 0.5  # a div is "other", not a paragraph


def test_roles_follow_the_nearest_holder_and_button_styled_links():
    reference = (("Sign up", "button"), ("Read the whole story here", "link"), ("Plain words", "other"))
    candidate = (("Sign up", "button"), ("Read the whole", "paragraph"), ("story here", "link"),
                 ("Plain words", "other"))  # fmt: skip
    roles, held = role_agreement(reference, candidate)
    assert held == 3 and roles == pytest.approx(2 / 3)  # "Read the whole story" is mostly a paragraph
    assert role_agreement(reference, (("Something else entirely", "other"),)) == (None, 0)


def test_roles_read_in_the_page(browser):
    reference = (
        "<html><body><a class='btn-primary' href='#'>Buy now</a>"
        "<ul><li><strong>Fresh</strong> fruit</li></ul><label>Your name</label>"
        "<table><tr><th>Price</th></tr></table><div role='heading'>Offers</div></body></html>"
    )
    candidate = (
        "<html><body><button>Buy now</button><ol><li>Fresh fruit</li></ol><label>Your name</label>"
        "<div role='cell'>Price</div><h2>Offers</h2></body></html>"
    )
    scores = score_code(browser, reference, candidate)
    assert scores.texts_held == 6 and scores.roles == 1.0  # "Fresh" and "fruit" are two texts there
    swapped = candidate.replace("<button>Buy now</button>", "<a href='#'>Buy now</a>")
    assert score_code(browser, reference, swapped).roles == pytest.approx(5 / 6)


def test_tree_bleu_is_the_share_of_reference_subtrees_found():
    reference = frozenset({"body>header,main", "main>h1,p", "ul>li,li"})
    assert tree_bleu(reference, reference) == 1.0
    assert tree_bleu(reference, frozenset({"main>h1,p", "div>div"})) == pytest.approx(1 / 3)
    assert tree_bleu(reference, frozenset({"main>p,h1"})) == 0.0  # child order matters
    assert tree_bleu(frozenset(), reference) is None


def test_a_flat_div_soup_has_low_tree_bleu(browser):
    soup = (
        "<html><body>" + "".join(f"<div><div>{line}</div></div>" for line in TRACE_LINES) + "</body></html>"
    )
    scores = score_code(browser, FLOW, soup)
    assert scores.tree_bleu is not None and scores.tree_bleu < 0.15
    more = FLOW.replace("<p>Copyright", "<p><span><b>New</b></span> Copyright")  # subtrees added, none lost
    assert score_code(browser, FLOW, more).tree_bleu == 1.0


def test_pages_of_different_heights_are_padded_with_their_own_background(browser):
    short = "<html><body style='margin:0;background:#101820;color:#eee'><p>Night mode</p></body></html>"
    tall = short.replace("<p>Night mode</p>", "<p>Night mode</p><div style='height:3000px'></div>")
    scores = score_code(browser, short, tall)  # the short one is 844 px, the tall one 3000+: same look
    assert scores.ssim[390] > 0.99 and scores.ssim[768] > 0.99
    white_below = tall.replace(
        "<body style='margin:0;background:#101820", "<body style='margin:0;background:#fff"
    )
    assert score_code(browser, short, white_below).ssim[390] < 0.5


def test_a_candidates_scripts_cannot_forge_its_readings(browser, trace):
    forged = score_code(browser, FLOW, FORGER)
    assert forged.absolute == trace.absolute
    assert forged.overflow == trace.overflow
    assert forged.roles == trace.roles and forged.texts_held == trace.texts_held
    assert forged.tree_bleu == pytest.approx(trace.tree_bleu)  # the <script> itself adds no subtree
    assert forged.ssim[390] == pytest.approx(trace.ssim[390], abs=1e-6)


def test_score_command_reports_code_metrics(tmp_path, browser):
    reference, candidate, shot = tmp_path / "ref.html", tmp_path / "cand.html", tmp_path / "shot.png"
    reference.write_text(FLOW)
    candidate.write_text(TRACE)
    shot.write_bytes(browser.render_html(FLOW, 1280, 800).png)
    runner = CliRunner()
    # A screenshot source takes the reference page from --reference (an HTML source would serve too).
    args = [
        "score",
        str(shot),
        str(candidate),
        "--reference",
        str(reference),
        "--metrics",
        "ssim,code",
        "--json",
    ]
    result = runner.invoke(main, args)
    assert result.exit_code == 0, result.output
    scores = json.loads(result.output)
    assert set(METRICS) <= set(scores) and scores["overflow@390"] == 1.0 and scores["absolute"] > 0.9
    assert scores["tree_bleu"] < 0.1 and 0 < scores["ssim"] < 1
    lines = describe_scores(scores)
    assert any(line.startswith("Code  SSIM@390") and "does not: 390px, 768px" in line for line in lines)
    result = runner.invoke(main, ["score", str(shot), str(candidate), "--metrics", "code"])
    assert result.exit_code != 0 and "reference .html" in result.output

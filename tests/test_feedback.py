"""Measured findings (score/feedback.py) and the corrector's repairs (correct.py) on real renders: a
page with a known wrong colour, font size and margin against the screenshot of the right page. The
screenshot's text blocks are the right page's own (as an eval with a reference page has them; OCR'd
blocks take the same path, at OCR's cost)."""

from __future__ import annotations

import pytest

from img2code.correct import STYLE_ID, correct, offset_patches
from img2code.score.feedback import PageRead, delta_e, design_text, measure_page, read_page
from img2code.score.textblocks import blocks_from_ocr, candidate_blocks, page_blocks

WIDTH, HEIGHT = 640, 720  # page_blocks renders 720 px tall at least (the authors' viewport)
STYLE = """
body { margin: 0; padding: 24px; font-family: 'DejaVu Sans', sans-serif; background: #ffffff; }
h1 { margin: 0 0 20px; font-size: 30px; color: #1a73e8; }
p { margin: 0; font-size: 16px; line-height: 28px; color: #333333; }
.box { margin-top: 24px; padding: 16px; background: #f4e4c4; }
.box p { font-size: 18px; color: #202020; }
"""


def page(extra: str = "") -> str:
    return f"""<!DOCTYPE html><html><head><style>{STYLE}{extra}</style></head><body>
<h1>Quarterly report</h1>
<p>Revenue grew in every region this year</p>
<div class="box"><p>Orders shipped on time</p></div>
</body></html>"""


RIGHT = page()
# a wrong colour (h1), a wrong font size (the first paragraph), a wrong margin (the box, 40 px lower)
WRONG = page("h1 { color: #d0352b; } body > p { font-size: 20px; } .box { margin-top: 64px; }")
H1 = "body > h1:nth-of-type(1)"
PARAGRAPH = "body > p:nth-of-type(1)"
BOX_TEXT = "body > div:nth-of-type(1) > p:nth-of-type(1)"


@pytest.fixture(scope="module")
def design(browser):
    shot, blocks = page_blocks(browser, RIGHT, WIDTH, candidate=False)
    assert shot.image.size == (WIDTH, HEIGHT)
    return design_text(shot.image, blocks)


def _hex_rgb(value: str) -> tuple[int, int, int]:
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def test_each_wrong_value_is_a_finding_with_its_selector_and_numbers(browser, design):
    _, found = measure_page(browser, WRONG, design)
    by_kind = {(f.kind, f.selector): f for f in found}

    colour = by_kind[("text_colour", H1)]
    assert delta_e(_hex_rgb(str(colour.design)), (0x1A, 0x73, 0xE8)) < 6
    assert delta_e(_hex_rgb(str(colour.page)), (0xD0, 0x35, 0x2B)) < 6
    assert colour.error > 30

    size = by_kind[("font_size", PARAGRAPH)]
    assert size.page == 20.0
    assert float(size.design) == pytest.approx(16, abs=1.0)  # type: ignore[arg-type]

    moved = by_kind[("moved", BOX_TEXT)]
    assert moved.detail["dy"] == pytest.approx(-40, abs=3)
    assert abs(moved.detail["dx"]) <= 3
    # in plain words, with the numbers and the selector
    assert H1 in colour.describe() and "#d0352b" in colour.describe()
    assert f"{-int(moved.detail['dy'])} px too low" in moved.describe()
    assert found == sorted(found, key=lambda f: f.cost, reverse=True)


def test_the_right_page_has_no_colour_size_or_place_findings(browser, design):
    _, found = measure_page(browser, RIGHT, design)
    assert not [f for f in found if f.kind in ("text_colour", "font_size", "moved", "background")]


def test_a_text_the_design_shows_twice_pairs_with_the_twin_where_it_stands(browser):
    """The text "Contact" at the top and at the bottom, listed in another order in the design's source than
    in the page's (as OCR's reading order may list them): each pairs with the one where it stands,
    not across the page (which read as two texts moved by 162 px)."""
    head = """<!DOCTYPE html><html><head><style>body { margin: 0; padding: 24px; display: flex;
    flex-direction: column; font: 18px 'DejaVu Sans', sans-serif; } p { margin: 0 0 60px; }
    </style></head><body>"""
    design_page = f"""{head}<p style="order: 3">Contact</p><p style="order: 1">Contact</p>
    <p style="order: 2">Our shop sells bicycles</p></body></html>"""
    same_look = f"{head}<p>Contact</p><p>Our shop sells bicycles</p><p>Contact</p></body></html>"
    shot, blocks = page_blocks(browser, design_page, WIDTH, candidate=False)
    _, found = measure_page(browser, same_look, design_text(shot.image, blocks))
    assert not [f for f in found if f.kind in ("moved", "missing_text", "extra_text")]


@pytest.mark.parametrize("page_font", ["18px", "22px"])
def test_a_link_in_a_line_of_text_is_measured_against_the_links_own_colour(browser, page_font):
    """One line, dark words and a blue link; the page's link is red (and, in the second case, the
    line's font too large). The design's colour for the link is the blue at the link's place (not
    the line's dark ink), and the dark words get none."""
    line = """<!DOCTYPE html><html><head><style>body { margin: 0; padding: 24px; font: 18px
    'DejaVu Sans', sans-serif; color: #222222; } a { color: #1a73e8; }</style></head><body>
    <p>Read <a href="#">the whole manual</a> before you ride</p></body></html>"""
    shot = browser.render_html(line, WIDTH, HEIGHT).image
    blocks = blocks_from_ocr(shot)
    assert len(blocks.blocks) == 1  # OCR reads the line as one block
    wrong = line.replace("#1a73e8", "#d0352b").replace("font: 18px", f"font: {page_font}")
    _, found = measure_page(browser, wrong, design_text(shot, blocks))
    colours = [f for f in found if f.kind == "text_colour"]
    assert [f.selector for f in colours] == ["body > p:nth-of-type(1) > a:nth-of-type(1)"]
    assert delta_e(_hex_rgb(str(colours[0].design)), (0x1A, 0x73, 0xE8)) < 8


def test_a_list_read_with_its_bullets_is_not_a_wrong_font_size_or_place(browser):
    """OCR reads "• IT Asset Recovery" where the page's text is "IT Asset Recovery" (its bullet is
    a marker, not text): the wider line is not a larger font, nor the bullet's left edge a move."""
    items = "".join(f"<li>{text}</li>" for text in ("IT Asset Recovery", "Business Relocation"))
    listed = f"""<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 16px
    'DejaVu Sans', sans-serif; }} li {{ margin-bottom: 12px; }}</style></head><body><ul>{items}</ul>
    </body></html>"""
    shot = browser.render_html(listed, WIDTH, HEIGHT).image
    blocks = blocks_from_ocr(shot)
    assert blocks.blocks[0].text.startswith("•")
    _, found = measure_page(browser, listed, design_text(shot, blocks))
    assert not [f for f in found if f.kind in ("font_size", "moved")]


def test_a_long_bulleted_line_is_sized_by_its_letters_not_by_a_box_that_takes_in_the_line_above(browser):
    """Tight list lines: OCR's box of a bulleted line reaches up into the descenders of the line
    above (10679: 21 px tall for 14 px letters), and read by its height a right 14 px item "needed"
    21 px. A line long enough is sized by its letters' widths, as a wrapped text is."""
    items = "".join(
        f"<li>{text}</li>"
        for text in (
            "One non-science course from an approved list (pillar 3): 3 units",
            "Present H2O research at an Indigenous knowledge conference (pillar 3): 1 unit",
            "Present H2O research at a conference (pillar 2 or 3): 1 unit, by agreement",
        )
    )
    listed = f"""<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 14px/1.15
    'DejaVu Sans', sans-serif; }}</style></head><body><ul>{items}</ul></body></html>"""
    shot = browser.render_html(listed, WIDTH, HEIGHT).image
    _, found = measure_page(browser, listed, design_text(shot, blocks_from_ocr(shot)))
    assert not [f for f in found if f.kind == "font_size"]


def test_a_shift_in_a_sidebar_does_not_count_as_moving_the_main_column(browser):
    """The sidebar's link is 20 px low and the main column's last paragraph 30 px low: each gets
    its own margin back; the sidebar's shift does not move (so does not discount) the paragraph
    that merely lies lower on the page."""
    columns = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; display: flex;
    align-items: flex-start; gap: 40px; font: 18px 'DejaVu Sans', sans-serif; }}
    aside {{ width: 160px; }} p {{ margin: 0; }} aside p {{ margin-top: {side}px; }}
    main p + p {{ margin-top: {main}px; }}</style></head><body>
    <aside><p>Menu link</p></aside><main><p>Opening words of the page</p><p>Closing words of the
    page</p></main></body></html>"""
    shot, blocks = page_blocks(browser, columns.format(side=0, main=150), WIDTH, candidate=False)
    design = design_text(shot.image, blocks)
    comparison, _ = measure_page(browser, columns.format(side=20, main=180), design)
    margins = {patch.selector: patch.value for patch in offset_patches(comparison, comparison.page, 1)}
    assert margins == {
        "body > aside:nth-of-type(1)": "-20px",
        "body > main:nth-of-type(1) > p:nth-of-type(2)": "150px",
    }


def test_a_text_pushed_down_by_a_padding_is_lifted_by_taking_the_padding_back(browser):
    """A filled box whose padding-top is 40 px where the design's is 8: its text is 32 px low.
    Taking back the padding keeps the box where it is (a negative margin would lift the whole box
    and its fill with it)."""
    boxed = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 18px
    'DejaVu Sans', sans-serif; }} p {{ margin: 0 0 16px; }} .box {{ padding: {pad}px 16px 8px;
    background: #dde8f0; }}</style></head><body><p>Opening words of the page</p>
    <div class="box"><p>Words in a filled box</p></div></body></html>"""
    shot, blocks = page_blocks(browser, boxed.format(pad=8), WIDTH, candidate=False)
    comparison, _ = measure_page(browser, boxed.format(pad=40), design_text(shot.image, blocks))
    patches = offset_patches(comparison, comparison.page, 1, paddings=True)
    assert [(p.selector, p.property, p.value) for p in patches] == [
        ("body > div:nth-of-type(1)", "padding-top", "8px")
    ]


def test_text_that_scripts_draw_is_not_read(browser, design):
    """The page is read with its own scripts off: a script cannot forge what the findings say."""
    forged = RIGHT.replace(
        "</body>", "<script>document.querySelector('h1').textContent = 'Forged';</script></body>"
    )
    comparison, found = measure_page(browser, forged, design)
    assert not any("Forged" in run.text for run in comparison.page.texts)
    assert not [f for f in found if f.kind in ("text_differs", "extra_text")]


def _element(page: PageRead, selector: str):
    return next(e for e in page.elements if e.selector == selector)


def _run(page: PageRead, selector: str):
    return next(run for run in page.texts if page.elements[run.element].selector == selector)


def test_fix_repairs_the_colour_the_font_size_and_the_margin(browser, design):
    fixed = correct(browser, WRONG, design)
    assert fixed.changed
    assert f'<style id="{STYLE_ID}">' in fixed.code and "absolute" not in fixed.code
    assert fixed.after["ssim"] > fixed.before["ssim"]
    width, height = design.image.size
    after, right = read_page(browser, fixed.code, width, height), read_page(browser, RIGHT, width, height)
    assert delta_e(_element(after, H1).colour, (0x1A, 0x73, 0xE8)) < 5
    assert _element(after, PARAGRAPH).font_size == pytest.approx(16, abs=1)
    assert _run(after, BOX_TEXT).box[1] == pytest.approx(_run(right, BOX_TEXT).box[1], abs=3)
    kept = [group for group in fixed.groups if group.kept]
    assert {group.kind for group in kept} >= {"text_colour", "font_size", "moved_y"}
    for group in fixed.groups:  # every group tried is recorded with its scores before and after
        assert set(group.before) == set(group.after) >= {"ssim", "position", "color"}


def test_a_page_that_is_already_right_gets_no_patch(browser, design):
    fixed = correct(browser, RIGHT, design)
    assert not fixed.changed
    assert fixed.code == RIGHT


@pytest.mark.slow
def test_img2code_fix_writes_the_page_its_render_and_every_patch(browser, tmp_path):
    """`img2code fix PAGE --source SHOT -o OUT` (the screenshot read by OCR, as a user gives one)."""
    import json

    from click.testing import CliRunner

    from img2code.cli import main

    shot = tmp_path / "right.png"
    shot.write_bytes(browser.render_html(RIGHT, WIDTH, HEIGHT).png)
    wrong = tmp_path / "wrong.html"
    wrong.write_text(WRONG)
    out = tmp_path / "fixed"
    done = CliRunner().invoke(main, ["fix", str(wrong), "--source", str(shot), "-o", str(out)])
    assert done.exit_code == 0, done.output
    assert "patch(es) kept" in done.output
    record = json.loads((out / "result.json").read_text())
    assert record["after"]["ssim"] > record["before"]["ssim"]
    kept = [group for group in record["groups"] if group["kept"]]
    assert kept and all(group["patches"] and group["after"] and group["before"] for group in kept)
    assert f'<style id="{STYLE_ID}">' in (out / "index.html").read_text()
    assert (out / "render.png").stat().st_size > 0


WRAPPED = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font-family:
'DejaVu Sans', sans-serif; }} p {{ margin: 0; width: 420px; font-size: {size}; line-height: 1.5; }}
</style></head><body><p>Orders are packed the day they come in and leave the warehouse before noon
the next morning, so that most customers in the region hold their parcel within two working days;
larger orders travel by freight and take a day longer.</p></body></html>"""


@pytest.mark.parametrize("size", ["13px", "19px"])
def test_a_wrapped_paragraph_in_a_wrong_font_size_is_a_finding(browser, size):
    """A paragraph over several lines had no size finding (only texts of one line were measured),
    and a wrong size reflows it, so the design's lines pair with parts of it. The width of its
    letters, its lines laid end to end, tells the size."""
    right = WRAPPED.format(size="16px")
    shot, blocks = page_blocks(browser, right, WIDTH, candidate=False)
    design = design_text(shot.image, blocks)
    _, found = measure_page(browser, WRAPPED.format(size=size), design)
    [finding] = [f for f in found if f.kind == "font_size"]
    assert finding.selector == "body > p:nth-of-type(1)"
    assert float(finding.design) == pytest.approx(16, abs=1)  # type: ignore[arg-type]
    _, found = measure_page(browser, right, design)
    assert not [f for f in found if f.kind == "font_size"]


def test_a_row_pushed_tall_by_one_cells_padding_gives_the_padding_back(browser):
    """One cell of a menu row has 40 px of padding-bottom where the design's has 8: the row grows
    and the paragraph under it (under another cell) is 32 px low. The cell's padding is taken back,
    not a negative margin put on the paragraph (which would overlap the row where it is tall)."""
    rows = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 18px
    'DejaVu Sans', sans-serif; }} p {{ margin: 0; }} ul {{ display: flex; gap: 24px; margin: 0;
    padding: 0; list-style: none; }} li {{ padding-bottom: 8px; }} li + li + li {{ padding-bottom:
    {pad}px; }} main {{ margin-top: 16px; }}</style></head><body><ul><li>Home</li><li>Prices</li>
    <li>Contact us</li></ul><main><p>Opening words of the page</p></main></body></html>"""
    shot, blocks = page_blocks(browser, rows.format(pad=8), WIDTH, candidate=False)
    comparison, _ = measure_page(browser, rows.format(pad=40), design_text(shot.image, blocks))
    patches = offset_patches(comparison, comparison.page, 1, paddings=True)
    assert [(p.selector, p.property, p.value) for p in patches] == [
        ("body > ul:nth-of-type(1) > li:nth-of-type(3)", "padding-bottom", "8px")
    ]


def test_a_cell_moved_inside_its_row_does_not_move_what_lies_under_the_row(browser):
    """A menu cell is 12 px low in a row its taller neighbour sets the height of: the cell gets
    its margin back, and the paragraph under the row, which never moved, gets no patch (the cell's
    margin does not move it, so nothing is to be made up)."""
    rows = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 18px
    'DejaVu Sans', sans-serif; }} p {{ margin: 0; }} ul {{ display: flex; align-items: flex-start;
    gap: 24px; margin: 0; padding: 0; list-style: none; }} li + li + li {{ margin-top: {top}px; }}
    main {{ margin-top: 16px; }}</style></head><body><ul><li>Home<br>and away<br>from home</li>
    <li>Prices</li><li>Contact us</li></ul><main><p>Opening words of the page</p></main></body></html>"""
    shot, blocks = page_blocks(browser, rows.format(top=0), WIDTH, candidate=False)
    comparison, _ = measure_page(browser, rows.format(top=12), design_text(shot.image, blocks))
    patches = offset_patches(comparison, comparison.page, 1)
    assert [(p.selector, p.property, p.value) for p in patches] == [
        ("body > ul:nth-of-type(1) > li:nth-of-type(3)", "margin-top", "0px")
    ]


def test_a_fix_that_the_page_s_own_script_undoes_is_not_kept(browser):
    """The page's script draws a 60 px banner at its top, as the design shows one. Read with its
    scripts off (as the corrector reads pages), the page sits 60 px high and margins would lower
    it; drawn as the loop draws it, with the banner, those margins put it 60 px low. The input
    comes back, its groups undone."""
    banner = '<div style="height: 60px; background: #c8d8e8"></div>'
    shot, blocks = page_blocks(browser, RIGHT.replace("<body>", f"<body>{banner}"), WIDTH, candidate=False)
    drawn = RIGHT.replace(
        "</body>", f"<script>document.body.insertAdjacentHTML('afterbegin', '{banner}');</script></body>"
    )
    fixed = correct(browser, drawn, design_text(shot.image, blocks))
    assert fixed.reverted and not fixed.changed and fixed.code == drawn
    assert any(group.undone for group in fixed.groups)


MENU = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 18px 'DejaVu Sans',
sans-serif; }} nav {{ text-align: center; {squeeze} }} nav a {{ display: inline-block; padding: 4px 10px;
color: #1a4d8f; }} p {{ margin: 24px 0 0; }}</style></head><body><nav><a>Home</a><a>Prices</a><a>Shop</a>
<a>Contact</a><a>About us</a></nav><p>Opening words of the page</p></body></html>"""


def test_a_menu_squeezed_into_a_column_gets_its_width_back(browser):
    """The design's menu is one row; the page's nav is held to 110 px, so its items stack. No item
    wraps that a text's own width would tell, but the items the design sets side by side spread
    wider than the nav: it is found too narrow, and the fix lifts its cap."""
    shot, blocks = page_blocks(browser, MENU.format(squeeze=""), WIDTH, candidate=False)
    design = design_text(shot.image, blocks)
    squeezed = MENU.format(squeeze="max-width: 110px;")
    _, found = measure_page(browser, squeezed, design)
    [width] = [f for f in found if f.kind == "box_width"]
    assert width.selector == "body > nav:nth-of-type(1)" and float(width.design) > 400  # type: ignore[arg-type]
    fixed = correct(browser, squeezed, design)
    assert "body > nav:nth-of-type(1) { max-width: none !important; }" in fixed.code
    assert fixed.after["ssim"] > 0.999


FOOTER = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 16px 'DejaVu Sans',
sans-serif; }} aside a {{ display: block; margin-bottom: 10px; }} main {{ margin: 24px 0 40px; }}
footer {{ text-align: center; {squeeze} }}</style></head><body><aside><a>Home</a><a>Prices</a>
<a>Contact us</a></aside><main>Bicycles for every road and every rider</main><footer><a>Home</a> |
<a>Prices</a> | <a>Contact us</a></footer></body></html>"""


def test_a_footer_that_repeats_the_menu_in_one_line_pairs_with_the_footer(browser):
    """OCR reads the design's footer as one line "home | prices | contact us"; in the page the
    footer is held to 90 px and wraps. The matching paired that line with the menu's three items
    (their words) and the menu's texts with the footer's pieces, all moved alike; paired again by
    place, the line takes the footer's texts, and the footer is found too narrow and fixed."""
    shot = browser.render_html(FOOTER.format(squeeze=""), WIDTH, HEIGHT).image
    design = design_text(shot, blocks_from_ocr(shot))
    squeezed = FOOTER.format(squeeze="max-width: 90px;")
    comparison, found = measure_page(browser, squeezed, design)
    page = comparison.page
    for pair in comparison.pairs:
        places = {page.elements[page.texts[run].element].selector.split(" > ")[1] for run in pair.runs}
        wanted = "footer:nth-of-type(1)" if "|" in pair.design_text else None
        assert wanted is None or places == {wanted}, (pair.design_text, places)
        assert "|" in pair.design_text or "footer:nth-of-type(1)" not in places, (pair.design_text, places)
    assert [f.selector for f in found if f.kind == "box_width"] == ["body > footer:nth-of-type(1)"]
    assert correct(browser, squeezed, design).after["ssim"] > 0.999


def test_a_link_under_a_line_of_descenders_is_read_as_the_design_is(browser):
    """Tight lines (13 px type, 15 px apart): the box of a link's ink takes in the descenders of the
    line above. The design's colour of the link was read there (dark), the page's in the link's
    own box (its blue), so a right page had a colour finding. Both sides are read alike now."""
    tight = """<!DOCTYPE html><html><head><style>body { margin: 0; padding: 24px; font: 13px 'DejaVu
    Sans', sans-serif; line-height: 15px; } a { color: #6666aa; } p { width: 560px; }</style></head>
    <body><p>Many groups of young people quietly enjoy playing jigsaw puzzles, gaming, copying pages
    and maybe joining a <a href="#">web team</a> with a dedicated Webmaster in the long run.</p>
    </body></html>"""
    shot, blocks = page_blocks(browser, tight, WIDTH, candidate=False)
    _, found = measure_page(browser, tight, design_text(shot.image, blocks))
    assert not [f for f in found if f.kind == "text_colour"]


MIXED = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font-family: 'DejaVu Sans',
sans-serif; }} p {{ width: 560px; font-size: {p}px; }} a {{ font-size: {a}px; color: #1a4d8f; }}
</style></head><body><p>Among the many topics we received over the last few years, one stood out: talk
with <a>Wil Wheaton</a>, who waxes poetic on everything from games to the craft of writing stories.</p>
</body></html>"""


def test_a_line_in_two_font_sizes_is_not_measured_as_one(browser):
    """The design's paragraph and its link are 12 px; the page's are 10 and 15 px. OCR's box of
    the second line takes in the first line's foot (it was measured as two lines, a size twice
    too large), and a line holding both sizes measures neither: each size found is the design's."""
    shot = browser.render_html(MIXED.format(p=12, a=12), WIDTH, HEIGHT).image
    _, found = measure_page(browser, MIXED.format(p=10, a=15), design_text(shot, blocks_from_ocr(shot)))
    sizes = [float(f.design) for f in found if f.kind == "font_size"]  # type: ignore[arg-type]
    assert sizes and all(size == pytest.approx(12, abs=1) for size in sizes)


def test_texts_in_two_sizes_paired_as_one_give_no_size():
    """A link set in 15 px inside a 10 px paragraph, paired as one with a design line: the scale
    of their letters together is neither's, so neither gets a size (the link was given the
    paragraph's scale, 14.2 -> 16.5 px, where the design's was 12)."""
    from PIL import Image

    from img2code.score.feedback import Element, Matched, TextRun, _font_finding

    def element(index: int, size: float) -> Element:
        return Element(index, f"e{index}", "p", -1, (0, 0, 500, 40), (0, 0, 0, 1.0), (0, 0, 0, 0.0), size,
                       "inline", "static", 0.0, 0.0, 500, "none", True)  # fmt: skip

    text = "a line of forty letters or more to be measured by its letters"
    runs = [TextRun(text[:20], 0, (0, 0, 150, 30), (0, 0, 0), 2, 150.0),
            TextRun(text[20:], 1, (0, 20, 300, 30), (0, 0, 0), 1, 300.0)]  # fmt: skip
    page = PageRead(Image.new("RGB", (8, 8)), [element(0, 15.0), element(1, 10.0)], runs)
    pair = Matched((0, 0, 540, 12), (0, 0, 0), text, 1, [0, 1], 1.0, [540])
    assert _font_finding(pair, page, (0, 0, 300, 30), runs, "same", 1) == []
    page.elements[0] = element(0, 10.0)  # one size: measured
    assert _font_finding(pair, page, (0, 0, 300, 30), runs, "same", 1)


def test_a_part_of_a_line_whose_place_drifts_reads_no_design_colour():
    """A link and the words after it, paired as one with a design line whose text has more before
    theirs, are placed in the design by their right ends. Where the link is set in another size
    than its words, or their letters are wider than the design's, the link lands on the design's
    words before it (a dark #1d1d1d read for a #6666aa link, 10668): its colour cannot be read
    there. In one size at the design's scale it is."""
    from PIL import Image

    from img2code.score.feedback import Element, Matched, TextRun, _design_ink

    def element(index: int, size: float) -> Element:
        return Element(index, f"e{index}", "a", -1, (0, 0, 300, 20), (0, 0, 0, 1.0), (0, 0, 0, 0.0), size,
                       "inline", "static", 0.0, 0.0, 300, "none", True)  # fmt: skip

    design = design_text(Image.new("RGB", (700, 40), "white"), blocks_from_ocr(Image.new("RGB", (8, 8))))
    runs = [TextRun("web team", 0, (300, 10, 380, 24), (102, 102, 170), 1, 80.0),
            TextRun("with a dedicated webmaster of the site", 1, (380, 12, 690, 24), (34, 34, 34), 1,
                    310.0)]  # fmt: skip
    page = PageRead(Image.new("RGB", (700, 40), "white"), [element(0, 15.0), element(1, 10.0)], runs)
    text = "multiple people formed into a web team with a dedicated webmaster of the site"
    at_scale = Matched((37, 10, 690, 22), (34, 34, 34), text, 1, [0, 1], 0.5, [653])  # 8.5 px a letter
    narrower = Matched((235, 10, 690, 22), (34, 34, 34), text, 1, [0, 1], 0.5, [455])  # 5.9 px a letter

    def colour(pair: Matched) -> object:
        return _design_ink(design, pair, page, runs, (300, 10, 690, 24), (0, -2), "bullet", runs[0])

    assert colour(at_scale) is None  # two sizes
    page.elements[0] = element(0, 10.0)
    assert colour(at_scale) is not None
    assert colour(narrower) is None


LINK_LINE = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 16px 'DejaVu Sans',
sans-serif; }} p {{ width: {width}px; margin-top: {top}px; line-height: 1.6; }} a {{ color: #1a4d8f; }}
</style></head><body><p>To this end, I have turned off email notifications on my computer except for
my wife and my dissertation committee (sorry, Mom). I compose an email without seeing my inbox. And I
use <a>SaneBox</a> to move mail.</p></body></html>"""


@pytest.mark.parametrize("width", [504, 744])
def test_a_link_and_the_words_after_it_in_one_line_are_one_line(browser, width):
    """The page is the design 40 px lower. The design's last line ("... use SaneBox to move mail.")
    pairs with the link and the text after it, two texts in one line: counted as two lines against
    the design's one, the paragraph was found too narrow."""
    shot = browser.render_html(LINK_LINE.format(width=width, top=16), 800, HEIGHT).image
    design = design_text(shot, blocks_from_ocr(shot))
    _, found = measure_page(browser, LINK_LINE.format(width=width, top=56), design)
    assert not [f for f in found if f.kind == "box_width"]


STACK = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 13px 'DejaVu Sans',
sans-serif; }} .note {{ width: {width}px; padding: 0 10px; text-align: center; }}</style></head><body>
<div class="note"><span>© 2012–2023 The Dalglish Family Clinic. All rights reserved.</span><br>The
clinic is supported through the Weston Foundation in association with the Health Network.</div>
</body></html>"""


def test_texts_stacked_in_a_narrow_box_are_measured_each_on_its_own(browser):
    """Two texts one above the other, in a box 150 px narrower than the design's: each text's own
    width finding stands; their spread together is no menu squeezed into a column (none of them
    stand side by side in the design) and adds no width of its own (a guess from the texts' ends)."""
    shot = browser.render_html(STACK.format(width=400), WIDTH, HEIGHT).image
    _, found = measure_page(browser, STACK.format(width=250), design_text(shot, blocks_from_ocr(shot)))
    widths = [f for f in found if f.kind == "box_width"]
    assert len(widths) == 2 and {f.selector for f in widths} == {"body > div:nth-of-type(1)"}


SIZED_LINK = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 12px 'DejaVu Sans',
sans-serif; }} p {{ width: 560px; line-height: 1.4; }}</style></head><body><p{p}>Among the many topics
we have received over the last years there are always some that do not warrant a full episode, and
then the guest <a{a}>Will Wheaton</a> waxes poetic on everything from theme parks to the popcorn eating
style he shares with the hosts of the show.</p></body></html>"""


def test_a_link_set_apart_in_size_inside_a_paragraph_takes_the_paragraph_s_size(browser):
    """The paragraph is set at 10 px and its link at 15 px where the design sets both at 12: the
    link's letters are read inside the paragraph's lines in the design (no text of their own to
    pair), so the link had no size finding and kept its 15 px while the paragraph's 12 px patch
    was tried alone."""
    shot = browser.render_html(SIZED_LINK.format(p="", a=""), WIDTH, HEIGHT).image
    design = design_text(shot, blocks_from_ocr(shot))
    bad = SIZED_LINK.format(p=' style="font-size: 10px"', a=' style="font-size: 15px"')
    _, found = measure_page(browser, bad, design)
    sizes = {f.selector: f.design for f in found if f.kind == "font_size"}
    link = "body > p:nth-of-type(1) > a:nth-of-type(1)"
    assert link in sizes and abs(float(sizes[link]) - 12) < 1  # type: ignore[arg-type]
    fixed = correct(browser, bad, design).code
    probe = (
        "() => [...document.querySelectorAll('p, a')].map((e) => parseFloat(getComputedStyle(e).fontSize))"
    )
    assert all(abs(size - 12) < 1 for size in browser.render_html(fixed, WIDTH, HEIGHT, script=probe).value)


def test_a_link_broken_over_a_line_end_is_read_as_one_text_per_line(browser):
    """A link whose first word ends one line and whose second starts the next: one box around both
    pieces covers the paragraph's width over two lines, an "extra text" as large as the paragraph
    (the corrector's block score fell 0.17 when a right font size made the link wrap). Each line's
    piece is a text of its own; a paragraph over several full lines stays one text."""
    html = SIZED_LINK.format(p="", a="").replace("width: 560px", "width: 450px")
    read = read_page(browser, html, WIDTH, HEIGHT)
    pieces = [run for run in read.texts if read.elements[run.element].tag == "a"]
    assert [run.text for run in pieces] == ["Will", "Wheaton"]
    assert all(run.lines == 1 for run in pieces) and pieces[0].box[1] < pieces[1].box[1]
    assert max(run.lines for run in read.texts) >= 2  # the paragraph's own text is not cut


TITLED = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 14px 'DejaVu Sans',
sans-serif; }} p {{ width: 320px; }}</style></head><body><p{p}><strong>Action Issues</strong> <font size="-2">
(launched Mar. 17, 2012)</font><br>Action Issues will provide information about the issues that are most
important to Americans, with news and ways to act on them.</p></body></html>"""


def test_a_small_note_after_a_title_keeps_its_own_size(browser):
    """A paragraph set too small whose first line is a bold title and a small date: the date sits
    between other elements' words, not amid the paragraph's own, so nothing says the design sets
    it in the paragraph's size (it was given the paragraph's 14 px, 11434)."""
    shot = browser.render_html(TITLED.format(p=""), WIDTH, HEIGHT).image
    _, found = measure_page(
        browser, TITLED.format(p=' style="font-size: 11.4px"'), design_text(shot, blocks_from_ocr(shot))
    )
    sizes = {f.selector.split(" > ")[-1].split(":")[0] for f in found if f.kind == "font_size"}
    assert "p" in sizes and "font" not in sizes


NOTE = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 16px 'DejaVu Sans',
sans-serif; color: #222222; }} .note {{ color: {note}; }} .tip {{ color: {tip}; }} p {{ margin: 0 0 16px; }}
</style></head><body><p>Orders ship within two working days</p><div class="note"><p>Showing 19 to
30 of 30 results</p><p>Prices include <strong>all taxes</strong> and duties</p><p class="tip">Ask
about discounts for schools</p></div></body></html>"""
NOTE_BOX = "body > div:nth-of-type(1)"


def test_a_colour_set_on_a_box_is_found_on_that_box_once(browser):
    """The box's colour is wrong; the texts inside it inherit it: one finding, on the box (where a
    developer would fix it), not one on each paragraph and on the bold words; the fix repairs all."""
    right = NOTE.format(note="#3a3a3a", tip="inherit")
    shot, blocks = page_blocks(browser, right, WIDTH, candidate=False)
    design = design_text(shot.image, blocks)
    wrong = NOTE.format(note="#4a6ab0", tip="inherit")
    _, found = measure_page(browser, wrong, design)
    assert [f.selector for f in found if f.kind == "text_colour"] == [NOTE_BOX]
    fixed = correct(browser, wrong, design)
    assert fixed.changed
    _, left = measure_page(browser, fixed.code, design)
    assert not [f for f in left if f.kind == "text_colour"]


def test_a_text_whose_neighbours_in_its_box_are_right_is_found_on_its_own(browser):
    """The design shows one paragraph of the box in red, the page draws it in the box's colour like
    the others: the finding (and the fix) stays on that paragraph, the box's right texts untouched."""
    shot, blocks = page_blocks(browser, NOTE.format(note="#3a3a3a", tip="#c0392b"), WIDTH, candidate=False)
    _, found = measure_page(
        browser, NOTE.format(note="#3a3a3a", tip="inherit"), design_text(shot.image, blocks)
    )
    assert [f.selector for f in found if f.kind == "text_colour"] == [f"{NOTE_BOX} > p:nth-of-type(3)"]


SIZED = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 16px 'DejaVu Sans',
sans-serif; color: #222222; }} .team {{ color: {colour}; font-size: {size}; }} .team a {{ display: block;
margin-top: 12px; font-size: 16px; }}</style></head><body><div class="team">Shamrock Rovers Football
Club<a>Ronan Finn, midfield</a></div></body></html>"""


def test_a_box_whose_own_text_is_off_in_size_still_gets_the_colour_its_links_show(browser):
    """The box's colour is wrong and so is the size of its own text; its link inherits the colour at
    the right size. The colour is measured on the link (the box's smaller letters draw lighter ink)
    and fixed on the box, where it was left alone as a text whose size is off."""
    shot, blocks = page_blocks(browser, SIZED.format(colour="#3a3a3a", size="16px"), WIDTH, candidate=False)
    design = design_text(shot.image, blocks)
    wrong = SIZED.format(colour="#1a7a80", size="12px")
    _, found = measure_page(browser, wrong, design)
    [colour] = [f for f in found if f.kind == "text_colour"]
    assert colour.selector == "body > div:nth-of-type(1)" and colour.text == "Ronan Finn, midfield"
    fixed = correct(browser, wrong, design)
    _, left = measure_page(browser, fixed.code, design)
    assert not [f for f in left if f.kind == "text_colour"]


LEAD = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 18px 'DejaVu Sans',
sans-serif; }} header {{ color: #111111; }} .lead {{ color: {lead}; }}</style></head><body><header>
<p class="lead">Resources for the job search</p></header></body></html>"""


def test_a_text_that_sets_its_own_colour_is_found_on_itself_even_in_its_box_s_colour(browser):
    """The paragraph's own rule sets the header's colour where the design shows grey: its colour is
    not the header's to fix (a rule on the header does not reach it; 13283 lost its fix so)."""
    shot, blocks = page_blocks(browser, LEAD.format(lead="#888888"), WIDTH, candidate=False)
    design = design_text(shot.image, blocks)
    wrong = LEAD.format(lead="#111111")
    _, found = measure_page(browser, wrong, design)
    assert [f.selector for f in found if f.kind == "text_colour"] == [
        "body > header:nth-of-type(1) > p:nth-of-type(1)"
    ]
    fixed = correct(browser, wrong, design)
    _, left = measure_page(browser, fixed.code, design)
    assert not [f for f in left if f.kind == "text_colour"]


STRONG = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 18px 'DejaVu Sans',
sans-serif; color: #222222; }}</style></head><body><p>Orders ship <strong{style}>within two days</strong>
of payment</p><p>Returns are free for <strong{style}>thirty days</strong></p></body></html>"""


def test_a_wrong_colour_that_only_a_style_attribute_sets_is_taken_out_of_it(browser):
    """Two strongs whose style attributes set a colour the design shows as their paragraph's: the
    declaration goes (the rest of the code as written, no rule instead), and the strongs' words are
    in Design2Code's colour-coded blocks again (a text coloured inline stays out of them)."""
    right = STRONG.format(style="")
    shot, blocks = page_blocks(browser, right, WIDTH, candidate=False)
    design = design_text(shot.image, blocks)
    wrong = STRONG.format(style=' style="font-style: italic; color: #b05a10"')
    assert len(candidate_blocks(browser, wrong, WIDTH).blocks) < len(blocks.blocks)
    fixed = correct(browser, wrong, design)
    assert fixed.code.count('<strong style="font-style: italic">') == 2
    assert "color: inherit" not in fixed.code and "#b05a10" not in fixed.code
    assert fixed.code.replace(' style="font-style: italic"', "") == right
    assert len(candidate_blocks(browser, fixed.code, WIDTH).blocks) == len(blocks.blocks)


CODE_LINE = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 16px 'DejaVu Sans',
sans-serif; color: #222222; }} code {{ font-size: {size}; }}</style></head><body><p><code>exec(ut)</code>
is an event organised by the students of the faculty</p></body></html>"""


@pytest.mark.parametrize("size", ["12px", "20px"])
def test_a_word_in_a_size_of_its_own_amid_right_sized_words_is_measured_by_what_the_rest_leaves(
    browser, size
):
    """A code set too small or too large in a line whose other words are right: the design's letters
    laid end to end, less what the page's other words take, are the code's (11979's font kind left
    it 25.7 px, and a width and a margin were fitted round it)."""
    shot, blocks = page_blocks(browser, CODE_LINE.format(size="16px"), WIDTH, candidate=False)
    design = design_text(shot.image, blocks)
    _, found = measure_page(browser, CODE_LINE.format(size=size), design)
    sizes = {f.selector: f for f in found if f.kind == "font_size"}
    code = sizes["body > p:nth-of-type(1) > code:nth-of-type(1)"]
    assert float(code.design) == pytest.approx(16, abs=1)
    assert list(sizes) == ["body > p:nth-of-type(1) > code:nth-of-type(1)"]


STACKED = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 14px 'DejaVu Sans',
sans-serif; }} h3 {{ font-size: {heading}; margin: 8px 0; }} li {{ margin: 4px 0; }}
.long {{ font-size: {line}; }}</style></head><body><h3>AN EXAMPLE OF A STUDENT</h3><ul>
<li>Research thesis</li><li class="long">Present the research at a knowledge conference</li>
<li>Two courses</li><li>One seminar</li></ul></body></html>"""


def test_a_long_line_that_others_sizes_moved_is_still_measured_by_its_width(browser):
    """A list line set too large: its right end (where a bulleted line is placed from) stands far
    from its neighbours', so nothing vouches for its pairing (10679's font kind), yet a long line
    of the same text is measured wherever it stands, by its width."""
    shot = browser.render_html(STACKED.format(heading="18px", line="14px"), WIDTH, HEIGHT).image
    design = design_text(shot, blocks_from_ocr(shot))
    _, found = measure_page(browser, STACKED.format(heading="20px", line="17px"), design)
    sizes = {f.selector: float(f.design) for f in found if f.kind == "font_size"}
    assert sizes["body > ul:nth-of-type(1) > li:nth-of-type(2)"] == pytest.approx(14, abs=1)


MARKED = """<!DOCTYPE html><html><head><style>body {{ margin: 0; padding: 24px; font: 13px/1.1 'DejaVu Sans',
sans-serif; }} p {{ margin: 0 0 {gap}px; }} .mark {{ display: inline-block; width: 9px; height: 9px;
background: #c03030; margin-right: 7px; }}</style></head><body>{lines}</body></html>"""


@pytest.mark.parametrize("marked", [False, True])
def test_a_right_page_in_tight_lines_or_with_marks_before_its_texts_gets_no_size(browser, marked):
    """Lines set 1 px apart (a table's cells): OCR's box of one takes in the descenders above and
    the ascenders below (12232: 'striker' read 1.24 times as wide, 2.9 times as tall); a square
    drawn before each text, which OCR does not read, widens the design's box (12650's headlines).
    Neither is a font size: the page is the design's own."""
    words = ["Tafuna Jets", "striker", "05.08.1994", "Venados FC", "defence", "23.01.1990"]
    mark = '<span class="mark"></span>' if marked else ""
    page = MARKED.format(gap=14 if marked else 1, lines="".join(f"<p>{mark}{word}</p>" for word in words))
    shot = browser.render_html(page, WIDTH, HEIGHT).image
    _, found = measure_page(browser, page, design_text(shot, blocks_from_ocr(shot)))
    assert not [f for f in found if f.kind == "font_size"]

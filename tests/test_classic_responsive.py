"""The classic backend's one responsive page: one flow DOM from the narrowest shot, adapted to the
wider shots by matching their texts and boxes (backends/classic_responsive.py).

The matching rules on hand-built layout trees; the grouping and the classes on the real OCR of
fixtures/responsive (one page rendered at 1280 and at 390 px: a header whose menu moves beside the
name, and three cards that stack on the phone and stand in a row on the desktop).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from lxml import html as lxml_html
from PIL import Image

from img2code.backends import classic_responsive
from img2code.backends.classic_flow import _Sheet, _Writer
from img2code.backends.classic_responsive import (
    Adaptation,
    _insert_missing,
    _matches,
    _missing,
    _painted_like,
    _texts,
    _twins,
    adapt,
    media_css,
)
from img2code.vision.fonts import FACES
from img2code.vision.geometry import Box
from img2code.vision.page import analyse
from img2code.vision.structure import BoxStyle, Flow, PageNode, TextStyle
from img2code.vision.style import Span

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "responsive"


def text(words: str, y: int) -> PageNode:
    style = TextStyle(FACES[0], 16.0, False, (0, 0, 0), line_height=20)
    return PageNode("text", "p", Box(0, y, 200, y + 20), text=words, text_style=style)


def column(*children: PageNode) -> PageNode:
    box = Box(0, 0, 400, max((c.box.y1 for c in children), default=0))
    return PageNode("column", "div", box, children=list(children), flow=Flow("column"))


def test_a_repeated_text_is_matched_where_it_stands() -> None:
    # "About us" is in the menu at the top and in the footer; the other shot folds the menu away
    page = column(text("About us", 0), text("Fresh coffee every day", 40), text("About us", 400))
    other = column(text("Fresh coffee every day", 0), text("About us", 900))
    found = _matches(_texts(page), _texts(other))
    menu, _, footer = page.children
    assert found[id(footer)] == [other.children[1]] and id(menu) not in found


def test_a_paragraph_one_shot_breaks_in_two_is_matched_to_both_pieces() -> None:
    page = column(text("Small batches from the harbour every morning brewed your way", 0))
    other = column(text("Small batches from the harbour", 0), text("every morning brewed your way", 20))
    found = _matches(_texts(page), _texts(other))
    assert found[id(page.children[0])] == other.children


def test_a_text_is_missing_only_where_the_other_shot_goes_on_past_it() -> None:
    page = column(
        text("Harbour Coffee", 0), text("Open menu", 30), text("Roasted by the sea", 60), text("Visit", 90)
    )
    other = column(text("Harbour Coffee", 0), text("Roasted by the sea", 40))
    texts = _texts(page)
    gone = _missing(texts, _texts(other), _matches(texts, _texts(other)))
    # "Open menu" sits between texts the other shot shows; "Visit" may be past the shot's end
    assert gone == {id(page.children[1])}


def test_the_fixture_is_one_dom_whose_cards_become_a_row_of_three_on_the_desktop() -> None:
    shots = [np.asarray(Image.open(FIXTURES / name).convert("RGB")) for name in ("desktop.png", "mobile.png")]
    code, _ = classic_responsive.to_html([analyse(shot) for shot in shots], shots, [1280, 390])

    tree = lxml_html.fromstring(code)
    body = " ".join(tree.body.text_content().split())
    for words in ("Harbour Coffee", "Espresso", "Filter", "Cold brew", "Quay Street 4"):
        assert body.count(words) == 1  # every text once: one DOM, not a page per width
    assert "@media (min-width: 836px)" in code  # mobile first: the desktop's rules from its breakpoint up
    # the three cards, one under the other on the phone, are wrapped in one element that the
    # desktop's rule makes a grid of three columns
    (cards,) = [
        element
        for element in tree.body.iter("div")
        if any(name.startswith("at1280-grid-3") for name in element.get("class", "").split())
    ]
    assert [" ".join(child.text_content().split()) for child in cards] == [
        "Espresso Dark and sweet, pulled short.",
        "Filter Light roast, bright and clean.",
        "Cold brew Steeped for eighteen hours.",
    ]
    # the header's menu moves beside the name: the header is a row there, the menu pushed right
    (header,) = tree.body.iter("header")
    assert "at1280-row" in header.get("class", "").split()
    (nav,) = header.iter("nav")
    assert "at1280-ml-auto" in nav.get("class", "").split()


def test_what_only_the_wider_shot_shows_goes_into_the_page_where_it_stands_there() -> None:
    page = column(text("Roasted by the sea", 0), text("Small batches every morning", 40))
    menu = column(text("Beans", 0), text("Visit", 20))
    other = column(menu, text("Roasted by the sea", 60), text("Small batches every morning", 100))
    matched = _matches(_texts(page), _texts(other))
    twins = _twins(page, other, matched)

    assert _insert_missing(page, other, matched, twins) == [menu]
    assert page.children[0] is menu and len(page.children) == 3  # first, as on the wider shot
    adaptation = Adaptation(1280, only=True)
    css = media_css([adaptation], [390, 1280])
    assert "@media (max-width: 835px) { .at1280-only { display: none; } }" in css


def test_a_text_repeated_beside_its_twin_is_no_piece_of_it() -> None:
    # the phone shows the name in a title bar and again as the heading; the desktop only as the
    # heading: the title bar's copy is matched to nothing (it is not a piece of the heading)
    page = column(text("David Robinson", 0), text("David Robinson", 40), text("Non-Executive Director", 70))
    other = column(
        text("Expert services", 0), text("David Robinson", 300), text("Non-Executive Director", 330)
    )
    found = _matches(_texts(page), _texts(other))
    title, heading, _ = page.children
    assert id(title) not in found and found[id(heading)] == [other.children[1]]


def test_what_only_the_wider_shot_shows_in_a_box_the_page_lacks_goes_before_its_neighbour() -> None:
    # the desktop's header holds a menu the phone does not show above the name's panel; the
    # header itself has no twin in the page (it holds the menu's texts), so the menu goes in
    # before the twin of the panel that follows it there
    name = column(text("David Robinson", 0))
    page = column(name, text("Your privacy", 60))
    menu = column(text("Commercial management", 0), text("Expert services", 20))
    named = column(text("David Robinson", 300))
    other = column(column(menu, named), text("Your privacy", 500))
    matched = _matches(_texts(page), _texts(other))
    twins = _twins(page, other, matched)

    assert _insert_missing(page, other, matched, twins) == [menu]
    assert page.children == [menu, name, page.children[2]]


def test_a_box_centred_on_the_desktop_keeps_its_width_there() -> None:
    # the desktop's footer band stands centred 15 px from each edge: centred, it must not shrink
    # to its texts' width (a flex item centred across its column does, unless it is given one)
    footer = column(text("About us", 0), text("Registered office", 30))
    page = column(footer)
    band = column(text("About us", 40), text("Registered office", 70))
    band.box, band.centred = Box(15, 40, 1265, 100), True
    other = column(band)
    other.box = Box(0, 0, 1280, 100)

    adaptation = adapt(page, other, 1280)
    names = adaptation.classes[id(footer)]
    assert "width: 100%" in " ".join(adaptation.rules[name] for name in names)
    assert "at1280-max-w-1250" in names


def test_a_text_read_with_its_letters_spaced_otherwise_is_one_text() -> None:
    # one shot's OCR reads the menu item as "ABOUTUS", the title as spaced letters
    page = column(text("About us", 0), text("True Tex-Mex Cuisine's Long Adios", 30))
    spaced = "T r u e  T e x - M e x  C u i s i n e ' s  L o n g  A d i o s"
    other = column(text("ABOUTUS", 0), text(spaced, 30))
    found = _matches(_texts(page), _texts(other))
    assert [found.get(id(node)) for node in page.children] == [[other.children[0]], [other.children[1]]]


def test_a_part_only_a_wider_shot_shows_moves_nothing_at_the_page_s_own_width() -> None:
    # the desktop's own menu is put between two texts of the phone's page; the phone's spacing is
    # rounded and carried down the page as if it were not there (it is hidden at the phone's width)
    first, last = text("Roasted by the sea", 0), text("Small batches every morning", 47)
    first.margin, last.margin = (0, 0), (27, 0)
    menu = text("Beans Visit", 500)
    menu.margin = (35, 0)  # drawn 36 px down: 1 px too far, which the next text must not give back
    page = column(first, menu, last)
    alone = column(text("Roasted by the sea", 0), text("Small batches every morning", 47))
    alone.children[1].margin = (27, 0)

    def tops(tree: PageNode, absent: frozenset[int]) -> list[int]:
        writer = _Writer(_Sheet((0, 0, 0), 16.0, "#fff"), np.zeros((1, 1, 3), np.uint8), False, absent=absent)
        writer.settle(tree)
        return writer.tops[id(tree)]

    drawn = tops(page, frozenset({id(menu)}))
    assert [drawn[0], drawn[2]] == tops(alone, frozenset()) == [0, 28]


def test_a_paragraph_the_page_holds_as_lines_is_not_put_in_again() -> None:
    # the phone's OCR keeps a centred paragraph's lines apart, each too short to pair with the
    # desktop's one paragraph: the paragraph is no part that only the desktop shows
    lines = [
        "Explore North Wales will offer a host of",
        "handpicked local information. Discover a wealth",
        "of things to see and do, local events, great",
        "places to eat and drink and so many places to visit.",
    ]
    page = column(*(text(line, 20 * k) for k, line in enumerate(lines)), text("Visit our website", 100))
    other = column(column(text(" ".join(lines), 0)), text("Visit our website", 60))
    matched = _matches(_texts(page), _texts(other))
    assert _insert_missing(page, other, matched, _twins(page, other, matched)) == []


def test_lines_the_wider_shot_shows_as_one_text_are_one_text() -> None:
    # the phone wraps a heading whose OCR read the first line bold and the second not: two texts
    # there, one on the desktop, read bold throughout; the page writes them as one bold heading
    # (where the desktop reads two weights in it, each line keeps its own), its lines one line
    # pitch apart and as wide as breaks them where the phone does
    lines = ("Advice and answers", "from the Socrative Team")
    for desktop_weights, page_weights in (((), []), ((True, False), [True, False])):
        first, second = text(lines[0], 0), text(lines[1], 34)
        first.role = second.role = "heading"
        first.text_style = TextStyle(FACES[0], 28.0, True, (255, 255, 255), line_height=20)
        second.text_style = TextStyle(FACES[0], 28.0, False, (255, 255, 255), line_height=20)
        page = column(first, second, text("Search for articles", 100))
        whole = text(" ".join(lines), 40)
        whole.text_style = TextStyle(FACES[0], 28.0, True, (255, 255, 255), line_height=34)
        whole.spans = tuple(Span(w, b, (255, 255, 255)) for w, b in zip(lines, desktop_weights, strict=False))
        other = column(whole, text("Search for articles", 100))

        adapt(page, other, 1280)
        heading, search = page.children
        assert (heading.text, search.text) == (" ".join(lines), "Search for articles")
        assert heading.role == "heading" and heading.text_style is not None
        assert heading.text_style.bold and heading.text_style.line_height == 34
        # its line boxes 34 px tall where the first line's was 20: it starts 7 px higher
        assert (heading.box.y0, heading.box.height) == (-7, 68) and heading.width is not None
        assert search.margin[0] == -7  # the heading ends 7 px lower than its second line did
        assert [span.bold for span in heading.spans] == page_weights


def test_lines_no_width_wraps_as_drawn_stay_apart() -> None:
    # "Megan Lindholm:" stands over a longer line whose first word would fit beside it: no width
    # breaks the text there (a break the page makes), so the two stay apart though the desktop
    # shows them as one text
    first, second = text("Megan Lindholm:", 0), text("A Dime, a novel of the Rain Wilds", 18)
    page = column(first, second)
    other = column(text("Megan Lindholm: A Dime, a novel of the Rain Wilds", 0))
    adapt(page, other, 1280)
    assert page.children == [first, second]


def test_texts_alike_by_letters_alone_are_not_paired_across_the_page() -> None:
    # the phone's header title, read as spaced letters, is alike by letters to the desktop's
    # footer line at the far end of the page and to no text near its place: it stays unpaired
    spaced = "S O U N D  S E N S A T I O N S  D J  S E R V I C E"
    page = column(text(spaced, 0), *(text(f"Weddings and parties {k}", 40 + 30 * k) for k in range(6)))
    words = [f"Weddings and parties {k}" for k in range(6)]
    other = column(*(text(w, 30 * k) for k, w in enumerate(words)), text("SOUND SENSATIONS DJ SERVICE", 400))
    found = _matches(_texts(page), _texts(other))
    assert id(page.children[0]) not in found


def test_a_line_the_page_holds_inside_a_text_read_otherwise_is_not_put_in_again() -> None:
    # the phone's title is one text read as spaced letters; the desktop's is two lines: the first
    # pairs with the phone's title by its letters, and the second is in the title too
    page = column(text("S O U N D  S E N S A T I O N S  D J  S E R V I C E", 0), text("Weddings", 40))
    other = column(column(text("SOUND SENSATIONS DJ", 0), text("SERVICE", 20)), text("Weddings", 60))
    matched = _matches(_texts(page), _texts(other))
    assert _insert_missing(page, other, matched, _twins(page, other, matched)) == []


def test_a_band_painted_otherwise_on_the_desktop_is_painted_so_there() -> None:
    # the phone's header is light with dark words; the desktop's is dark with white words
    light, dark = text("Harbour Coffee", 0), text("Harbour Coffee", 0)
    dark.text_style = TextStyle(FACES[0], 16.0, False, (255, 255, 255), line_height=20)
    band = column(light)
    band.box_style = BoxStyle(background=(250, 250, 250))
    twin = column(dark)
    twin.box_style = BoxStyle(background=(15, 76, 92))
    adaptation = Adaptation(1280)
    _painted_like(band, twin, adaptation)
    _painted_like(light, dark, adaptation)
    assert adaptation.rules == {
        "at1280-bg-0f4c5c": "background: #0f4c5c;",
        "at1280-text-ffffff": "color: #ffffff;",
    }


def test_a_text_whose_part_has_no_twin_is_placed_in_the_nearest_holder_that_has_one() -> None:
    # the phone stacks two parts at the screen's edge; the desktop holds all their texts in one
    # column centred 304 px in. Neither part matches that column (it holds the other's texts too),
    # so each text is placed in the page's column, whose twin is the desktop's page: 304 px in.
    words = ["Fresh coffee every day", "Roasted by the sea", "Open until late", "Small batches"]
    first, rest = column(text(words[0], 0)), column(*(text(w, 40 + 30 * i) for i, w in enumerate(words[1:])))
    page = column(first, rest)
    centred = [text(w, 30 * i) for i, w in enumerate(words)]
    for node in centred:
        node.box = Box(304, node.box.y0, 704, node.box.y1)
    inner = PageNode("column", "div", Box(304, 0, 704, 120), children=centred, flow=Flow("column"))
    desktop = PageNode("page", "body", Box(0, 0, 1280, 200), children=[inner], flow=Flow("column"))
    adaptation = classic_responsive.adapt(page, desktop, 1280)
    assert "at1280-ml-304" in adaptation.classes[id(first.children[0])]
    assert adaptation.rules["at1280-max-w-400"] == "max-width: 400px;"

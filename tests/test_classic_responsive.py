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
from img2code.backends.classic_responsive import (
    Adaptation,
    _insert_missing,
    _matches,
    _missing,
    _painted_like,
    _texts,
    _twins,
    media_css,
)
from img2code.vision.fonts import FACES
from img2code.vision.geometry import Box
from img2code.vision.page import analyse
from img2code.vision.structure import BoxStyle, Flow, PageNode, TextStyle

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

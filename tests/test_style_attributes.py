"""Edits of one element's style attribute in a page's source (style_attributes.py): pure text."""

from __future__ import annotations

from img2code.style_attributes import StyledElement, drop_declaration

PAGE = """<!DOCTYPE html>
<p>One <b style="color: red; font-weight: 700">bold</b> and <b style="color: red; font-weight: 700">two</b>
<span style='color:blue'>blue</span> <i style="color: green">green</i> &amp; more</p>
"""


def test_the_nth_equal_element_loses_the_declaration_and_nothing_else_changes():
    second = StyledElement("b", "color: red; font-weight: 700", 1, 2)
    edited = drop_declaration(PAGE, "color", [second])
    two = PAGE.replace('<b style="color: red; font-weight: 700">two', '<b style="font-weight: 700">two')
    assert edited == (two, [])


def test_equal_elements_are_edited_together():
    both = [StyledElement("b", "color: red; font-weight: 700", n, 2) for n in (0, 1)]
    edited, missed = drop_declaration(PAGE, "color", both)
    assert edited == PAGE.replace('<b style="color: red; font-weight: 700">', '<b style="font-weight: 700">')
    assert missed == []


def test_an_attribute_left_empty_goes_whatever_its_quotes():
    span, italic = StyledElement("span", "color:blue", 0, 1), StyledElement("i", "color: green", 0, 1)
    edited, _ = drop_declaration(PAGE, "color", [span, italic])
    assert edited == PAGE.replace(" style='color:blue'", "").replace(' style="color: green"', "")


def test_an_element_the_source_does_not_hold_as_the_page_counted_is_left_alone():
    miscounted = StyledElement("b", "color: red; font-weight: 700", 0, 3)
    absent = StyledElement("u", "color: green", 0, 1)
    assert drop_declaration(PAGE, "color", [miscounted, absent]) == (PAGE, [miscounted, absent])
    italic = StyledElement("i", "color: green", 0, 1)
    assert drop_declaration(PAGE, "background", [italic]) == (PAGE, [italic])


def test_line_breaks_the_tokenizer_does_not_count_do_not_move_the_edit():
    page = '<p>a\r\nb\u2028c\rd</p>\n<i style="color: green">green</i>'
    edited, missed = drop_declaration(page, "color", [StyledElement("i", "color: green", 0, 1)])
    assert (edited, missed) == (page.replace(' style="color: green"', ""), [])

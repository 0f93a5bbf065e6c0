"""Model answers to pages: each raw answer in fixtures/raw becomes one complete, parseable document."""

from __future__ import annotations

from pathlib import Path

import lxml.html
import pytest

from img2code.errors import ExtractionError
from img2code.targets.html import HtmlTarget, extract_html

RAW = Path(__file__).resolve().parent.parent / "fixtures" / "raw"

CASES = {
    # fixture: (cut at the token limit, texts kept, texts dropped, {xpath: count}, repairs expected)
    "fenced_page.txt": (
        False,
        ["Simple pricing", "$9 per month"],
        ["Sure! Here is", "side by side", "```"],
        {"//div[@class='plan']/h2": 1},
        [],
    ),
    "thinking.txt": (
        False,
        ["Welcome back", 'placeholder="Password"'],
        ["flexbox is simpler", "draft-form"],
        {"//form[@class='login']/input": 2},
        ["dropped thinking text"],
    ),
    "thinking_unopened.txt": (
        False,
        ["Acme Blog", "Copyright Acme"],
        ["chat template", "Draft banner", "</think>"],
        {"//header": 1, "//footer": 1},
        ["dropped thinking text"],
    ),
    "truncated_attribute.txt": (
        True,
        ["Active users", "1,284", "Revenue", "border-radius: 8px"],
        ["example.com/rev", "```"],
        {"//main/section[@class='card']": 2, "//a": 0},
        ["closed an unterminated code block", "removed a tag cut off mid-way", "closed the tags"],
    ),
    "truncated_tag.txt": (
        True,
        ["Meeting moved to Friday", "Invoice #42 is due"],
        ["<li\n"],
        {"//ul[@class='messages']/li": 2},
        ["removed a tag cut off mid-way", "closed the tags of a truncated answer"],
    ),
    "fragment.txt": (
        False,
        ["Quarterly report", "Revenue grew by 12%.", "Download PDF"],
        ["Here is the card", "dark theme"],
        {"//body/article[@class='card']/button": 1},
        ["dropped prose around the code", "wrapped an HTML fragment into a document"],
    ),
    "css_js.txt": (
        False,
        ["Clicks: 0", "#1a73e8", "addEventListener"],
        ["I split the page", "```"],
        {"//head/style[contains(., '#1a73e8')]": 1, "//body/script[contains(., 'click')]": 1},
        ["merged a separate CSS block into the page", "merged a separate JavaScript block into the page"],
    ),
    "two_fences.txt": (
        False,
        ["Getting started", "Install the package with pip."],
        ["The navigation bar alone", "complete page:"],
        {"//nav": 1, "//main/h1": 1},
        ["kept the last full page of 2 HTML blocks"],
    ),
    "revised_page.txt": (
        False,
        ["Spring sale"],
        ["Old heading", "First attempt", "Corrected page"],
        {"//h1": 1},
        ["kept the last full page of 2 HTML blocks"],
    ),
}


def _extract(name: str):
    truncated = CASES[name][0]
    return extract_html((RAW / name).read_text(encoding="utf-8"), truncated=truncated)


def test_every_raw_answer_in_the_fixtures_has_a_case() -> None:
    answers = {path.name for path in RAW.glob("*.txt")} - {"no_code.txt"}
    assert answers == set(CASES)


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_answer_becomes_a_complete_document(name: str) -> None:
    code = _extract(name).code
    assert code.lstrip().lower().startswith("<!doctype html>")
    document = lxml.html.document_fromstring(code)
    assert document.getroottree().docinfo.doctype.lower() == "<!doctype html>"
    assert len(document.xpath("//head/meta[@charset]")) == 1
    assert len(document.xpath("//head/meta[@name='viewport']")) == 1
    assert document.body is not None
    assert code.rstrip().lower().endswith("</html>")


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_content_is_kept_and_the_rest_dropped(name: str) -> None:
    _, kept, dropped, structure, _ = CASES[name]
    code = _extract(name).code
    for text in kept:
        assert text in code
    for text in dropped:
        assert text not in code
    document = lxml.html.document_fromstring(code)
    for xpath, count in structure.items():
        assert len(document.xpath(xpath)) == count, xpath


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_repairs_are_recorded(name: str) -> None:
    expected = CASES[name][4]
    repairs = _extract(name).repairs
    if not expected:
        assert repairs == []  # a clean page is reported as untouched
    for repair in expected:
        assert any(step.startswith(repair) for step in repairs), (repair, repairs)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_repaired_page_needs_no_further_repair(name: str) -> None:
    page = _extract(name).code
    again = extract_html(page)
    assert again.code == page
    assert again.repairs == []


@pytest.mark.parametrize(
    "answer",
    [
        (RAW / "no_code.txt").read_text(encoding="utf-8"),
        "<think>The page needs a <div class='grid'> and a <nav>, I will start wi",  # cut while thinking
        "<think>A <section> per card.</think>\nSorry, I cannot make out the screenshot.",
        "",
    ],
    ids=["prose", "thinking-cut-off", "thinking-then-prose", "empty"],
)
def test_an_answer_without_code_raises_extraction_error(answer: str) -> None:
    with pytest.raises(ExtractionError, match="no HTML"):
        extract_html(answer, truncated=True)


def test_the_target_passes_the_token_limit_on() -> None:
    """Text after the last tag is prose in a finished answer but content in a cut-off one."""
    answer = "<div class='total'><p>Total: 42 items and coun"
    target = HtmlTarget()
    assert (target.name, target.filename) == ("html", "index.html")
    cut = target.extract(answer, truncated=True)
    assert "Total: 42 items and coun" in cut.code
    assert "closed the tags of a truncated answer" in cut.repairs
    assert cut.code == extract_html(answer, truncated=True).code

"""The HTML target: pull a page out of a model's answer, repair it, and say how to render it."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import lxml.html
import lxml.html.defs

from ..errors import ExtractionError
from ..prompts import render_prompt

if TYPE_CHECKING:
    from ..render import Renderer
    from ..render.browser import Rendered

# Thinking text: up to the first </think> (Qwen3 thinking templates open the block in the prompt,
# so the answer often holds only its end), or a <think> block, closed or cut off.
THINKING = re.compile(r"\A.*?</think>|<think>.*?(?:</think>|\Z)", re.DOTALL | re.IGNORECASE)
FENCE = re.compile(r"```[ \t]*([\w+-]*)[^\n]*\n(.*?)(?:```|\Z)", re.DOTALL)
DOCUMENT_START = re.compile(r"<!doctype\s+html|<html[\s>]", re.IGNORECASE)
# Any element lxml knows (HTML 4 and 5), so a fragment opening with <article> or <img> is found whole.
ANY_TAG = re.compile(rf"<(?:{'|'.join(sorted(lxml.html.defs.tags))})[\s>/]", re.IGNORECASE)
HEAD_OPEN = re.compile(r"<head(?:\s[^>]*)?>", re.IGNORECASE)
DOCUMENT_END = re.compile(r"</html\s*>", re.IGNORECASE)
HTML_LANGS = {"html", "htm", "xhtml", ""}
CSS_LANGS = {"css"}
JS_LANGS = {"js", "javascript"}


@dataclass
class Extraction:
    """The code found in an answer, and every repair made on the way."""

    code: str
    repairs: list[str] = field(default_factory=list)


def extract_html(text: str, *, truncated: bool = False) -> Extraction:
    """Find the HTML page in a model's answer and repair it into a complete document.

    Accepts fenced blocks (with separate CSS/JS blocks merged in), bare documents, fragments and
    truncated answers (``truncated`` says the model hit its token limit). Of several HTML blocks the
    last full page wins (a later page revises an earlier one). Thinking text and prose are dropped.
    Raises ExtractionError when the answer holds no HTML at all.
    """
    repairs: list[str] = []
    answer = THINKING.sub("", text)
    if answer != text:
        repairs.append("dropped thinking text")
    code = _code_from_fences(answer, repairs)
    if code is None:
        code = _code_from_bare_answer(answer, truncated, repairs)
    code = code.strip()
    if not ANY_TAG.search(code) and not DOCUMENT_START.search(code):
        raise ExtractionError("the answer holds no HTML")
    return Extraction(code=_complete_document(code, truncated, repairs), repairs=repairs)


def _code_from_fences(answer: str, repairs: list[str]) -> str | None:
    """The HTML of the fenced blocks, with CSS and JS blocks folded in; None if there are none."""
    blocks: list[tuple[str, str]] = [(lang.lower(), body) for lang, body in FENCE.findall(answer)]
    html_blocks = [body for lang, body in blocks if lang in HTML_LANGS and "<" in body]
    if not html_blocks:
        return None
    if answer.count("```") % 2:
        repairs.append("closed an unterminated code block")
    documents = [body for body in html_blocks if DOCUMENT_START.search(body)]
    page = documents[-1] if documents else max(html_blocks, key=len)  # a later page revises an earlier one
    if len(html_blocks) > 1:
        kept = "the last full page" if documents else "the longest"
        repairs.append(f"kept {kept} of {len(html_blocks)} HTML blocks")
    css = "\n".join(body for lang, body in blocks if lang in CSS_LANGS)
    js = "\n".join(body for lang, body in blocks if lang in JS_LANGS)
    if css:
        page = _insert_before(page, "</head>", f"<style>\n{css}\n</style>\n")
        repairs.append("merged a separate CSS block into the page")
    if js:
        page = _insert_before(page, "</body>", f"<script>\n{js}\n</script>\n")
        repairs.append("merged a separate JavaScript block into the page")
    return page


def _code_from_bare_answer(answer: str, truncated: bool, repairs: list[str]) -> str:
    """The document or fragment in an unfenced answer, without the prose around it."""
    start = DOCUMENT_START.search(answer) or ANY_TAG.search(answer)
    if start is None:
        return answer
    end = DOCUMENT_END.search(answer, start.start())
    last_tag_end = answer.rfind(">") + 1
    if end:
        stop = end.end()
    elif truncated or last_tag_end <= start.start():
        stop = len(answer)  # a cut-off answer ends in content, not prose
    else:
        stop = last_tag_end  # what follows a fragment's last tag is prose
    if answer[: start.start()].strip() or answer[stop:].strip():
        repairs.append("dropped prose around the code")
    return answer[start.start() : stop]


def _insert_before(page: str, closing_tag: str, snippet: str) -> str:
    """Insert ``snippet`` before ``closing_tag`` (case-insensitive), or append it when absent."""
    match = re.search(re.escape(closing_tag), page, re.IGNORECASE)
    if match is None:
        return page + snippet
    return page[: match.start()] + snippet + page[match.start() :]


def _complete_document(code: str, truncated: bool, repairs: list[str]) -> str:
    """Close what a cut-off answer left open and ensure doctype, charset and viewport."""
    cut = re.search(r"<[^<>]*\Z", code)
    if cut:
        code = code[: cut.start()]
        repairs.append("removed a tag cut off mid-way")
    if code.count("<!--") > code.count("-->"):
        code += "-->"
        repairs.append("closed an unterminated comment")
    complete = DOCUMENT_END.search(code) and HEAD_OPEN.search(code)
    if truncated or not complete:
        was_document = DOCUMENT_START.search(code)
        code = _reserialise(code)
        repairs.append(
            "closed the tags of a truncated answer"
            if truncated or was_document
            else "wrapped an HTML fragment into a document"
        )
    if not re.match(r"\s*<!doctype html", code, re.IGNORECASE):
        code = "<!DOCTYPE html>\n" + re.sub(r"\A\s*<!doctype[^>]*>\s*", "", code, flags=re.IGNORECASE)
        repairs.append("added <!DOCTYPE html>")
    if not re.search(r"<meta[^>]+name=[\"']?viewport", code, re.IGNORECASE):
        code = _insert_after_head(
            code, '<meta name="viewport" content="width=device-width, initial-scale=1">'
        )
        repairs.append("added a viewport declaration")
    if not re.search(r"<meta[^>]+charset", code, re.IGNORECASE):  # inserted last so it comes first
        code = _insert_after_head(code, '<meta charset="utf-8">')
        repairs.append("added a charset declaration")
    return code if code.endswith("\n") else code + "\n"


def _reserialise(code: str) -> str:
    """Parse leniently with lxml and write back a complete document (every tag closed)."""
    document = lxml.html.document_fromstring(code, ensure_head_body=True)
    return str(lxml.html.tostring(document, encoding="unicode", method="html", doctype="<!DOCTYPE html>"))


def _insert_after_head(code: str, tag: str) -> str:
    """Insert ``tag`` as the first child of <head>."""
    head = HEAD_OPEN.search(code)  # always present: _complete_document made sure of it
    assert head is not None
    return code[: head.end()] + "\n" + tag + code[head.end() :]


class HtmlTarget:
    """Screenshots and mockups to a single-file HTML page."""

    name = "html"
    filename = "index.html"
    raw_suffix = ".txt"

    def prompts(self, mode: str, **values: object) -> tuple[str, str]:
        """The (system, user) prompt pair for ``mode`` "generate" or "refine"."""
        return render_prompt("html_system"), render_prompt(f"html_{mode}", **values)

    def extract(self, text: str, *, truncated: bool = False) -> Extraction:
        return extract_html(text, truncated=truncated)

    def render(self, renderer: Renderer, code: str, width: int, height: int) -> Rendered:
        return renderer.render_html(code, width, height)

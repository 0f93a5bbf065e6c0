"""Edits of one element's ``style`` attribute in a page's source, the rest of the code left as written.

The element is named as the browser saw it: its tag, its style attribute's value and how many
elements of that tag with that same value come before it in document order (the n-th). Start tags
are read from the source with the standard library's HTML tokenizer; where the source does not hold
as many such start tags as the browser counted (a script wrote some, the parser moved some), the
element cannot be told and nothing is edited.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html.parser import HTMLParser

STYLE_ATTRIBUTE = re.compile(r"""(\s)style\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""", re.IGNORECASE)


@dataclass(frozen=True)
class StyledElement:
    """An element by its tag, its style attribute's value (as the DOM holds it) and its place
    among the elements of that tag with that value (0: the first in document order)."""

    tag: str
    style: str
    nth: int
    count: int  # how many elements of that tag and style the page's DOM holds

    @property
    def key(self) -> tuple[str, str | None]:
        return self.tag, self.style


class _StartTags(HTMLParser):
    """The source's start tags: tag, style value (entities decoded) and the tag's span in the source."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, str | None, int, int]] = []
        self._source = source
        # the tokenizer counts lines by "\n" alone (not by every break str.splitlines knows)
        self._line_starts = [0] + [at + 1 for at, char in enumerate(source) if char == "\n"]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        line, column = self.getpos()
        start = self._line_starts[line - 1] + column
        text = self.get_starttag_text() or ""
        if self._source[start : start + len(text)] != text:
            return  # not where the tokenizer says: this tag cannot be edited
        style = next((value for name, value in attrs if name == "style"), None)
        self.tags.append((tag, style, start, start + len(text)))

    handle_startendtag = handle_starttag


def _without(declarations: str, name: str) -> str:
    """``declarations`` (a style attribute's text) without those of property ``name``."""
    kept = [
        d.strip()
        for d in declarations.split(";")
        if d.strip() and d.partition(":")[0].strip().lower() != name
    ]
    return "; ".join(kept) + (";" if kept and declarations.rstrip().endswith(";") else "")


def drop_declaration(
    source: str, name: str, elements: list[StyledElement]
) -> tuple[str, list[StyledElement]]:
    """``source`` with property ``name`` taken out of each element's style attribute (the attribute
    itself when nothing is left), and the elements that could not be told in the source or do not
    declare ``name`` there."""
    parser = _StartTags(source)
    parser.feed(source)
    parser.close()
    edits: list[tuple[int, int, str]] = []
    missed = []
    for element in elements:
        spans = [(start, end) for tag, style, start, end in parser.tags if (tag, style) == element.key]
        edited = None
        if len(spans) == element.count and 0 <= element.nth < len(spans):
            start, end = spans[element.nth]
            edited = _tag_without(source[start:end], name)
        if edited is None:
            missed.append(element)
        else:
            edits.append((start, end, edited))
    for start, end, edited in sorted(set(edits), reverse=True):
        source = source[:start] + edited + source[end:]
    return source, missed


def _tag_without(tag_text: str, name: str) -> str | None:
    """A start tag's text without property ``name`` in its style attribute; None when it has none."""
    found = STYLE_ATTRIBUTE.search(tag_text)
    if found is None:
        return None
    raw = next(group for group in found.groups()[1:] if group is not None)
    left = _without(raw, name)
    if left == raw.strip():
        return None
    quote = '"' if found.group(2) is not None or found.group(4) is not None else "'"
    attribute = f"{found.group(1)}style={quote}{left}{quote}" if left else ""
    return tag_text[: found.start()] + attribute + tag_text[found.end() :]

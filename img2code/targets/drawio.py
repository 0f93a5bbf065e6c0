"""The draw.io target: pull a diagram out of a model's answer, repair it, and say how to render it.

Answers come as an ``<mxfile>`` (its diagram plain or compressed), a bare ``<mxGraphModel>``, or
just ``<root>`` or cells; fenced or not, with prose around, or cut off at the token limit. The
result is always a plain, uncompressed ``<mxfile><diagram><mxGraphModel>`` that draw.io opens.
"""

from __future__ import annotations

import base64
import binascii
import html.entities
import io
import re
import zlib
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote

from lxml import etree

from ..errors import ExtractionError, InputError
from ..images import check_input_file
from ..prompts import render_prompt
from .drawio_repair import cells_of, repair_model
from .html import FENCE, THINKING, Extraction

if TYPE_CHECKING:
    from ..render import Renderer
    from ..render.drawio import DiagramRender

START = re.compile(r"<(mxfile|mxGraphModel|root|mxCell|UserObject|object)[\s>/]")
XML_PROLOGUE = re.compile(r"<\?xml[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>", re.DOTALL)
ENTITY = re.compile(r"&([A-Za-z][A-Za-z0-9]*);")
XML_ENTITIES = {"amp", "lt", "gt", "quot", "apos"}
ATTRIBUTE_VALUE = re.compile(r'(=\s*")([^"]*)(")')
TAG = re.compile(r"<([A-Za-z][\w:.-]*)([^<>]*?)(\s*/?)>")
ATTRIBUTE = re.compile(r"\s+([\w:.-]+)\s*=\s*(\"[^\"]*\"|'[^']*')")
STRAY_AMPERSAND = re.compile(r"&(?!#\d+;|#x[0-9A-Fa-f]+;|[A-Za-z][A-Za-z0-9]*;)")
PARSER = etree.XMLParser(recover=True, remove_blank_text=True, resolve_entities=False, no_network=True)
STRICT = etree.XMLParser(remove_blank_text=True, resolve_entities=False, no_network=True)
MAX_XML_BYTES = 64 * 2**20  # a .drawio file, or a compressed diagram once inflated (real ones: < 5 MB)


def extract_drawio(text: str, *, truncated: bool = False) -> Extraction:
    """Find the diagram in a model's answer and repair it into a plain ``.drawio`` file.

    Raises ExtractionError when the answer holds no diagram, or one with no shapes or edges left.
    """
    repairs: list[str] = []
    answer = THINKING.sub("", text)
    if answer != text:
        repairs.append("dropped thinking text")
    code = _code_from_fences(answer, repairs) or _code_from_bare_answer(answer, repairs)
    if code is None:
        raise ExtractionError("the answer holds no draw.io diagram (no <mxGraphModel>, <mxfile> or <mxCell>)")
    name, model = _parse_answer(_clean_text(code, repairs), truncated, repairs)
    repairs.extend(repair_model(model))
    if not any(cell.vertex or cell.edge for cell in cells_of(model.find("root"))):
        raise ExtractionError("the diagram holds no shapes or edges")
    return Extraction(code=to_drawio_file(model, name), repairs=repairs)


def _code_from_fences(answer: str, repairs: list[str]) -> str | None:
    """The fenced block holding the diagram: the last one with a whole model, else the longest with cells."""
    blocks = [body for _, body in FENCE.findall(answer) if START.search(body)]
    if not blocks:
        return None
    if answer.count("```") % 2:
        repairs.append("closed an unterminated code block")
    whole = [body for body in blocks if re.search(r"<(mxfile|mxGraphModel)[\s>]", body)]
    if len(blocks) > 1:
        repairs.append(f"kept {'the last whole diagram' if whole else 'the longest'} of {len(blocks)} blocks")
    return whole[-1] if whole else max(blocks, key=len)


def _code_from_bare_answer(answer: str, repairs: list[str]) -> str | None:
    """The XML in an unfenced answer, from its first diagram tag to the end of that element."""
    start = START.search(answer)
    if start is None:
        return None
    tag = start.group(1)
    end = answer.rfind(f"</{tag}>") if tag in ("mxfile", "mxGraphModel", "root") else -1
    stop = end + len(tag) + 3 if end > start.start() else answer.rfind(">") + 1
    if stop <= start.start():
        stop = len(answer)
    before = XML_PROLOGUE.sub("", answer[: start.start()])
    if before.strip() or answer[stop:].strip():
        repairs.append("dropped prose around the diagram")
    return answer[start.start() : stop]


def _clean_text(code: str, repairs: list[str]) -> str:
    """Fix what XML parsers refuse: HTML entities, raw ``<`` and ``&`` in attribute values, a cut tag."""
    code = code.strip()
    cut = re.search(r"<[^<>]*\Z", code)
    if cut:
        code = code[: cut.start()]
        repairs.append("removed a tag cut off mid-way")
    html_entities = 0

    def numeric(match: re.Match[str]) -> str:
        nonlocal html_entities
        name = match.group(1)
        if name in XML_ENTITIES or name not in html.entities.name2codepoint:
            return match.group(0)
        html_entities += 1
        return f"&#{html.entities.name2codepoint[name]};"

    code = ENTITY.sub(numeric, code)
    if html_entities:
        repairs.append("replaced HTML entities that XML does not know")
    escaped = 0

    def escape(match: re.Match[str]) -> str:
        nonlocal escaped
        value = STRAY_AMPERSAND.sub("&amp;", match.group(2)).replace("<", "&lt;")
        escaped += value != match.group(2)
        return match.group(1) + value.replace(">", "&gt;") + match.group(3)

    code = ATTRIBUTE_VALUE.sub(escape, code)
    if escaped:
        repairs.append("escaped markup inside attribute values")
    return _drop_repeated_attributes(code, repairs)


def _drop_repeated_attributes(code: str, repairs: list[str]) -> str:
    """Keep the first of repeated attributes in a tag (lenient parsing would keep both, and write
    a file no XML reader opens)."""
    dropped = 0

    def dedupe(tag: re.Match[str]) -> str:
        nonlocal dropped
        seen: set[str] = set()
        kept = []
        for attribute in ATTRIBUTE.finditer(tag.group(2)):
            if attribute.group(1) in seen:
                dropped += 1
            else:
                seen.add(attribute.group(1))
                kept.append(attribute.group(0))
        if len(kept) == len(ATTRIBUTE.findall(tag.group(2))):
            return tag.group(0)
        return f"<{tag.group(1)}{''.join(kept)}{tag.group(3)}>"

    code = TAG.sub(dedupe, code)
    if dropped:
        repairs.append("dropped repeated attributes")
    return code


def _parse_answer(code: str, truncated: bool, repairs: list[str]) -> tuple[str, etree._Element]:
    """Parse the diagram leniently; return its page name and its ``<mxGraphModel>``."""
    top = START.search(code)
    assert top is not None  # the code was cut to start at a diagram tag
    if top.group(1) not in ("mxfile", "mxGraphModel"):
        wrapped = code if top.group(1) == "root" else f"<root>{code}</root>"
        code = f"<mxGraphModel>{wrapped}</mxGraphModel>"
        repairs.append("wrapped bare cells in an <mxGraphModel>")
    elif truncated or not re.search(rf"</{top.group(1)}>\s*\Z", code):
        repairs.append("closed the tags of a truncated answer")
    element = etree.fromstring(code.encode(), PARSER)
    if element is None:
        raise ExtractionError("the diagram's XML cannot be read")
    try:
        return _model_of(element, repairs)
    except InputError as exc:
        raise ExtractionError(str(exc)) from exc


def _model_of(element: etree._Element, repairs: list[str] | None = None) -> tuple[str, etree._Element]:
    """The page name and ``<mxGraphModel>`` of a parsed ``<mxfile>`` (first page) or bare model.

    Raises InputError when there is no model, or its compressed text cannot be decoded.
    """
    if element.tag == "mxGraphModel":
        return "Page-1", element
    if element.tag != "mxfile":
        raise InputError(f"<{element.tag}> is not a draw.io diagram (expected <mxfile> or <mxGraphModel>)")
    pages = element.findall("diagram")
    if not pages:
        raise InputError("the <mxfile> holds no <diagram>")
    if len(pages) > 1 and repairs is not None:
        repairs.append(f"kept the first of {len(pages)} pages")
    page = pages[0]
    name = page.get("name") or "Page-1"
    model = page.find("mxGraphModel")
    if model is not None:
        return name, model
    if not (page.text or "").strip():
        raise InputError("the diagram page is empty")
    if repairs is not None:
        repairs.append("decompressed the diagram")
    try:
        return name, etree.fromstring(decompress(page.text).encode(), STRICT)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"the compressed diagram is not valid XML ({exc})") from exc


def decompress(text: str) -> str:
    """The XML of a compressed diagram: ``base64(deflateRaw(encodeURIComponent(xml)))``.

    Inflating stops at MAX_XML_BYTES: a few MB of deflated text could otherwise fill the memory.
    """
    inflater = zlib.decompressobj(-15)
    try:
        data = inflater.decompress(base64.b64decode(text.strip()), MAX_XML_BYTES)
        if inflater.unconsumed_tail:
            raise InputError(f"the compressed diagram inflates to over {MAX_XML_BYTES // 2**20} MB of XML")
        if not inflater.eof:
            raise InputError("the compressed diagram cannot be decoded (its data is cut short)")
        return unquote(data.decode("utf-8"))  # unquoting only shortens the text: the cap holds
    except (binascii.Error, zlib.error, UnicodeDecodeError) as exc:
        raise InputError(f"the compressed diagram cannot be decoded ({exc})") from exc


def to_drawio_file(model: etree._Element, name: str = "Page-1") -> str:
    """A plain, uncompressed ``.drawio`` file holding ``model`` as its one page."""
    mxfile = etree.Element("mxfile", host="img2code")
    page = etree.SubElement(mxfile, "diagram", id="page-1", name=name)
    page.append(model)
    return etree.tostring(mxfile, encoding="unicode", pretty_print=True)


def load_drawio(path: str | Path) -> str:
    """The ``<mxGraphModel>`` XML of a ``.drawio`` file (its first page, decompressed if need be).

    Raises InputError when the file is not a regular file, is too large, or holds no diagram.
    """
    path = Path(path)
    check_input_file(path)
    size = path.stat().st_size
    if size > MAX_XML_BYTES:
        raise InputError(f"{path}: {size / 2**20:.0f} MB is over the limit of {MAX_XML_BYTES // 2**20} MB")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read {path}: {exc.strerror or exc}") from exc
    try:
        element = etree.fromstring(data, STRICT)
        _, model = _model_of(element)
    except etree.XMLSyntaxError as exc:
        raise InputError(f"{path} is not valid XML: {exc}") from exc
    except InputError as exc:
        raise InputError(f"{path}: {exc}") from exc
    return etree.tostring(model, encoding="unicode")


def place(diagram: DiagramRender, width: int, height: int) -> DiagramRender:
    """The render on a ``width``-wide canvas in the diagram's own coordinates, as the source shows it.

    draw.io crops a diagram to its drawing; a model draws in the source image's pixels, so the
    render goes back where those coordinates say. The canvas is at least ``height`` tall and
    grows to show what lies below it (what lies right of or above it is cut off).
    """
    from PIL import Image

    from ..render.browser import MAX_PAGE_HEIGHT
    from ..render.drawio import DiagramRender, RenderedCell

    dx, dy = round(-diagram.origin[0]), round(-diagram.origin[1])
    bottom = min(max(height, dy + diagram.image.height), MAX_PAGE_HEIGHT)
    canvas = Image.new("RGB", (width, bottom), "white")
    canvas.paste(diagram.image, (dx, dy))
    buffer = io.BytesIO()
    canvas.save(buffer, format="PNG")
    cells = [RenderedCell(**{**vars(cell), "x": cell.x + dx, "y": cell.y + dy}) for cell in diagram.cells]
    return DiagramRender(buffer.getvalue(), canvas, diagram.seconds, cells)


class DrawioTarget:
    """Diagrams (flowcharts, architecture, UML) to an editable draw.io file."""

    name = "drawio"
    filename = "diagram.drawio"
    raw_suffix = ".txt"

    def prompts(self, mode: str, **values: object) -> tuple[str, str]:
        """The (system, user) prompt pair for ``mode`` "generate" or "refine"."""
        return render_prompt("drawio_system"), render_prompt(f"drawio_{mode}", **values)

    def extract(self, text: str, *, truncated: bool = False) -> Extraction:
        return extract_drawio(text, truncated=truncated)

    def render(self, browser: Renderer, code: str, width: int, height: int) -> DiagramRender:
        """Render with draw.io's export page, placed on a canvas the size of the source image."""
        from ..render.drawio import render_drawio

        return place(browser.call(render_drawio, code, border=0), width, height)

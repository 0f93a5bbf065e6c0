"""The draw.io target: diagrams pulled out of answers, and each repair of what draw.io would mangle."""

from __future__ import annotations

import base64
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from lxml import etree
from PIL import Image
from test_drawio_render import DIAGRAMS, compress, model_of

from img2code.errors import ExtractionError, InputError
from img2code.render.browser import Browser
from img2code.render.drawio import render_drawio
from img2code.targets import get_target
from img2code.targets.drawio import DrawioTarget, extract_drawio, load_drawio

LAYERS = '<mxCell id="0"/><mxCell id="1" parent="0"/>'


def box(cell_id: str, *, parent: str | None = "1", x: int = 0, extra: str = "", inner: str = "") -> str:
    """A 80x40 vertex at (x, 0)."""
    parent_attr = f' parent="{parent}"' if parent is not None else ""
    geometry = f'<mxGeometry x="{x}" y="0" width="80" height="40" as="geometry"/>'
    return (
        f'<mxCell id="{cell_id}" value="{cell_id}" vertex="1"{parent_attr}{extra}>{geometry}{inner}</mxCell>'
    )


def link(cell_id: str, source: str, target: str, inner: str = "") -> str:
    return (
        f'<mxCell id="{cell_id}" edge="1" parent="1" source="{source}" target="{target}">'
        f'<mxGeometry relative="1" as="geometry">{inner}</mxGeometry></mxCell>'
    )


def model(*cells: str, layers: str = LAYERS) -> str:
    return f"<mxGraphModel><root>{layers}{''.join(cells)}</root></mxGraphModel>"


def cells(code: str) -> dict[str, etree._Element]:
    """The mxCells of an extracted file by id; the file must be plain, strict XML."""
    document = etree.fromstring(code.encode())
    assert document.tag == "mxfile" and document.find("diagram/mxGraphModel/root") is not None
    return {cell.get("id"): cell for cell in document.iter("mxCell")}


def png_base64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


@pytest.fixture(scope="module")
def chromium() -> Iterator[Browser]:
    with Browser(timeout_s=20) as browser:
        yield browser


def test_a_good_file_passes_unchanged() -> None:
    source = (DIAGRAMS / "flowchart.drawio").read_text()
    extraction = extract_drawio(source)
    assert extraction.repairs == []
    before, after = cells(source), cells(extraction.code)
    assert list(after) == list(before)
    assert all(dict(after[i].attrib) == dict(before[i].attrib) for i in before)


def test_compressed_mxfile_is_written_back_plain() -> None:
    packed = compress(model_of(DIAGRAMS / "flowchart.drawio"))
    compressed = f'<mxfile><diagram id="x" name="Orders">{packed}</diagram></mxfile>'
    extraction = extract_drawio(compressed)
    assert extraction.repairs == ["decompressed the diagram"]
    assert '<diagram id="page-1" name="Orders">' in extraction.code
    assert cells(extraction.code)["e3"].get("source") == "check"


def test_fenced_answer_with_thinking_and_prose() -> None:
    answer = (
        "<think>Three boxes, maybe.</think>Here is the diagram:\n```xml\n"
        + model(box("a"), box("b", x=100), link("e", "a", "b"))
        + "\n```\nOpen it in draw.io."
    )
    extraction = extract_drawio(answer)
    assert extraction.repairs == ["dropped thinking text"]
    assert cells(extraction.code)["e"].get("target") == "b"


def test_bare_answer_keeps_only_the_diagram() -> None:
    answer = "Sure! " + model(box("a")) + " Let me know."
    extraction = extract_drawio(answer)
    assert extraction.repairs == ["dropped prose around the diagram"]
    assert list(cells(extraction.code)) == ["0", "1", "a"]


def test_truncated_answer_is_closed_and_keeps_what_was_complete() -> None:
    whole = model(box("a"), box("b", x=100), link("e", "a", "b"))
    cut = "```xml\n" + whole[: whole.index('<mxCell id="e"') + 30]  # mid-way through the edge's tag
    extraction = extract_drawio(cut, truncated=True)
    assert {"closed an unterminated code block", "removed a tag cut off mid-way"} <= set(extraction.repairs)
    assert "closed the tags of a truncated answer" in extraction.repairs
    assert list(cells(extraction.code)) == ["0", "1", "a", "b"]


def test_bare_cells_get_a_model_a_root_cell_and_a_layer() -> None:
    extraction = extract_drawio(box("a", parent=None) + box("b", parent=None, x=100))
    assert extraction.repairs == [
        "wrapped bare cells in an <mxGraphModel>",
        "added the root cell 0",
        "added the default layer 1",
        "moved 2 cells without a parent onto layer 1",
    ]
    found = cells(extraction.code)
    assert (found["0"].get("parent"), found["1"].get("parent"), found["a"].get("parent")) == (None, "0", "1")


@pytest.mark.parametrize(
    ("case", "diagram", "repair", "check"),
    [
        (
            "duplicate id",
            model(box("a"), box("a", x=100)),
            "renamed a duplicate id",
            lambda c: c["a-2"].find("mxGeometry").get("x") == "100",
        ),
        (
            "repeated copy",
            model(box("a"), box("a")),
            "dropped a repeated copy of a cell",
            lambda c: len(c) == 3,
        ),
        (
            "missing id",
            model('<mxCell value="x" vertex="1" parent="1"/>'),
            "gave a cell without an id one",
            None,
        ),
        (
            "unknown parent",
            model(box("a", parent="nowhere")),
            "moved a cell whose parent does not exist onto layer 1",
            lambda c: c["a"].get("parent") == "1",
        ),
        (
            "own parent",
            model(box("a", parent="a")),
            "moved a cell that named itself as parent onto layer 1",
            lambda c: c["a"].get("parent") == "1",
        ),
        (
            "parent cycle",
            model(box("a", parent="b"), box("b", parent="a")),
            "moved a cell caught in a parent cycle onto layer 1",
            lambda c: (c["a"].get("parent"), c["b"].get("parent")) == ("1", "a"),  # one move breaks it
        ),
        (
            "on the root",
            model(box("a", parent="0")),
            "moved a cell placed on the root cell onto layer 1",
            None,
        ),
        (
            "second root",
            model(box("a"), layers=LAYERS + '<mxCell id="stray"/>'),
            "made a second parentless cell a layer",
            lambda c: c["stray"].get("parent") == "0",
        ),
        (
            "edge to a missing cell",
            model(box("a"), link("e", "a", "ghost"), box("label", parent="e")),
            "dropped an edge with a loose end",
            lambda c: "e" not in c and "label" not in c,  # its label goes with it
        ),
        (
            "edge to a missing cell, with a fixed end point",
            model(box("a"), link("e", "a", "ghost", '<mxPoint x="300" y="20" as="targetPoint"/>')),
            "removed a link to a cell that does not exist",
            lambda c: "e" in c and c["e"].get("target") is None,
        ),
        (
            "missing geometry",
            model(box("a"), '<mxCell id="b" value="b" vertex="1" parent="1"/>'),
            "added a missing geometry",
            lambda c: (
                c["b"].find("mxGeometry").attrib
                == {"x": "20", "y": "80", "width": "120", "height": "60", "as": "geometry"}
            ),
        ),
        (
            "edge without geometry",
            model(box("a"), box("b"), '<mxCell id="e" edge="1" parent="1" source="a" target="b"/>'),
            "added a missing geometry",
            lambda c: c["e"].find("mxGeometry").attrib == {"relative": "1", "as": "geometry"},
        ),
        (
            "geometry without as",
            model('<mxCell id="a" vertex="1" parent="1"><mxGeometry width="80" height="40"/></mxCell>'),
            'added as="geometry" to a geometry',
            lambda c: c["a"].find("mxGeometry").get("as") == "geometry",
        ),
        (
            "sizes with units",
            model('<mxCell id="a" parent="1"><mxGeometry x="12px" width="80px" height="4O"/></mxCell>'),
            "fixed 3 non-numeric values",
            lambda c: (
                c["a"].find("mxGeometry").attrib
                == {"x": "12", "width": "80", "height": "4", "as": "geometry"}
            ),
        ),
        (
            "no size",
            model('<mxCell id="a" vertex="1" parent="1"><mxGeometry x="5" y="5" as="geometry"/></mxCell>'),
            "gave a shape without a size a default one",
            lambda c: c["a"].find("mxGeometry").get("width") == "120",
        ),
        (
            "no vertex flag",
            model('<mxCell id="a" parent="1"><mxGeometry width="80" height="40" as="geometry"/></mxCell>'),
            'marked a shape without vertex="1" as a vertex',
            lambda c: c["a"].get("vertex") == "1",
        ),
        (
            "no edge flag",
            model(box("a"), box("b"), '<mxCell id="e" parent="1" source="a" target="b"/>'),
            'marked a link without edge="1" as an edge',
            lambda c: c["e"].get("edge") == "1",
        ),
        (
            "image data URI with ;base64",
            model(box("a", extra=f' style="shape=image;image=data:image/png;base64,{png_base64()};"')),
            "rewrote an image data URI into draw.io's style form",
            lambda c: c["a"].get("style") == f"shape=image;image=data:image/png,{png_base64()};",
        ),
        (
            "broken image data URI",
            model(box("a", extra=' style="shape=image;image=data:image/png,bm9pc2U=;fillColor=#ff0000;"')),
            "removed an embedded image that is not valid",
            lambda c: c["a"].get("style") == "shape=image;fillColor=#ff0000;",
        ),
        (
            "HTML in a label",
            model(box("a", extra=' label="Tom &amp; Jerry&nbsp;<b>now</b>" style="html=1;"')),
            "escaped markup inside attribute values",
            lambda c: c["a"].get("label") == "Tom & Jerry\xa0<b>now</b>",
        ),
        (
            "repeated attribute",
            model(box("a", extra=' value="second" vertex="1"')),
            "dropped repeated attributes",
            lambda c: c["a"].get("value") == "a",
        ),
        (
            "nested cell",
            model(box("group", inner=box("child", parent=None))),
            "moved a cell nested in another up to <root>",
            lambda c: c["child"].get("parent") == "group" and c["child"].getparent().tag == "root",
        ),
        (
            "cell outside root",
            f"<mxGraphModel><root>{LAYERS}</root>{box('a')}</mxGraphModel>",
            "moved a cell outside <root> into it",
            lambda c: c["a"].getparent().tag == "root",
        ),
        (
            "non-cell under root",
            model(box("a"), "<div>hello</div>"),
            "dropped a <div> that is not a cell",
            None,
        ),
    ],
)
def test_repair(case: str, diagram: str, repair: str, check) -> None:
    extraction = extract_drawio(diagram)
    assert repair in extraction.repairs, (case, extraction.repairs)
    found = cells(extraction.code)
    assert check is None or check(found), (case, extraction.code)


def test_repaired_diagram_is_drawn_whole_where_draw_io_would_drop_parts(chromium: Browser) -> None:
    broken = model(
        box("a"),
        box("b", x=120, parent="missing-group"),  # draw.io re-roots on this and drops the layer
        link("e", "a", "ghost"),  # not drawn
        link("f", "a", "b"),
    )
    raw = render_drawio(chromium, broken)
    repaired = render_drawio(chromium, extract_drawio(broken).code)
    assert {c.id for c in repaired.cells} == {"a", "b", "f"}
    assert len(raw.cells) < len(repaired.cells)
    assert next(c for c in repaired.cells if c.id == "f").target == "b"


def test_answers_without_a_diagram_fail_extraction() -> None:
    with pytest.raises(ExtractionError, match=r"no draw\.io diagram"):
        extract_drawio("I cannot see any diagram in this image. <div>sorry</div>")
    with pytest.raises(ExtractionError, match="no shapes or edges"):
        extract_drawio(model())
    with pytest.raises(ExtractionError, match="cannot be decoded"):
        extract_drawio('<mxfile><diagram name="p">not really compressed</diagram></mxfile>')


def test_target_renders_in_the_source_images_coordinates(chromium: Browser) -> None:
    target = get_target("drawio")
    assert isinstance(target, DrawioTarget) and target.filename == "diagram.drawio"
    code = (DIAGRAMS / "flowchart.drawio").read_text()
    rendered = target.render(chromium, code, 600, 400)
    start = next(c for c in rendered.cells if c.id == "start")
    assert (start.x, start.y) == (160, 40)  # where the file puts it, not moved to the border
    assert rendered.image.size == (600, 531)  # the canvas grows to show the end shape at y 470-530
    assert rendered.image.getpixel((100, 20)) == (255, 255, 255)
    assert rendered.image.getpixel((220, 50)) != (255, 255, 255)  # inside the start ellipse
    assert Image.open(io.BytesIO(rendered.png)).size == rendered.image.size


def test_prompts_carry_the_size_and_the_current_diagram() -> None:
    target = DrawioTarget()
    system, prompt = target.prompts("generate", width=640, height=480)
    assert "draw.io" in system and "640 pixels wide and 480 pixels tall" in prompt
    assert all(style in prompt for style in ("rhombus", "ellipse", "cylinder3", "swimlane", "endArrow"))
    regions = [{"where": "top left", "x": 0, "y": 0, "width": 10, "height": 10, "dissimilarity": 0.5}]
    _, refine = target.prompts(
        "refine", width=640, height=480, ssim=0.42, code="<mxGraphModel/>", regions=regions, render_height=500
    )
    assert "0.420" in refine and "<mxGraphModel/>" in refine and "x 0-10, y 0-10" in refine


def test_load_drawio_reads_plain_and_compressed_files(tmp_path: Path) -> None:
    plain = load_drawio(DIAGRAMS / "architecture.drawio")
    assert plain.startswith("<mxGraphModel") and 'id="db"' in plain
    packed = tmp_path / "packed.drawio"
    packed.write_text(
        f"<mxfile><diagram>{compress(model_of(DIAGRAMS / 'architecture.drawio'))}</diagram></mxfile>"
    )
    assert etree.tostring(etree.fromstring(load_drawio(packed))) == etree.tostring(etree.fromstring(plain))
    (tmp_path / "bad.drawio").write_text("<mxfile><diagram>")
    with pytest.raises(InputError, match=r"bad\.drawio is not valid XML"):
        load_drawio(tmp_path / "bad.drawio")
    with pytest.raises(InputError, match=r"missing\.drawio: file not found"):
        load_drawio(tmp_path / "missing.drawio")

"""draw.io's own export page in the real Chromium: pictures, cell boxes and links, offline."""

from __future__ import annotations

import base64
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image
from test_browser import CountingServer
from test_browser import server as counting_server  # noqa: F401  (a fixture)

from img2code.errors import RenderError, RenderTimeout, SetupError
from img2code.render.browser import Browser
from img2code.render.drawio import DiagramRender, RenderedCell, render_drawio

DIAGRAMS = Path(__file__).resolve().parents[1] / "fixtures" / "diagrams"
WHITE = (255, 255, 255)


@pytest.fixture(scope="module")
def flowchart(browser: Browser) -> DiagramRender:
    return render_drawio(browser, (DIAGRAMS / "flowchart.drawio").read_text())


def by_id(render: DiagramRender) -> dict[str, RenderedCell]:
    return {cell.id: cell for cell in render.cells}


def inside(cell: RenderedCell) -> tuple[int, int]:
    """A point inside the shape but above its (centred) label."""
    return round(cell.x + cell.width / 2), round(cell.y + cell.height / 4)


def near(colour: tuple[int, ...], hex_colour: str, tolerance: int = 6) -> bool:
    wanted = bytes.fromhex(hex_colour.lstrip("#"))
    return all(abs(a - b) <= tolerance for a, b in zip(colour, wanted, strict=True))


def compress(model_xml: str) -> str:
    """draw.io's compressed diagram text: base64(deflateRaw(encodeURIComponent(xml)))."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    raw = packer.compress(quote(model_xml, safe="~()*!.'").encode()) + packer.flush()
    return base64.b64encode(raw).decode()


def model_of(path: Path) -> str:
    text = path.read_text()
    return text[text.index("<mxGraphModel") : text.index("</mxGraphModel>") + len("</mxGraphModel>")]


def test_flowchart_cells_come_back_with_boxes_labels_and_links(flowchart: DiagramRender) -> None:
    cells = by_id(flowchart)
    assert [c.id for c in flowchart.cells if c.vertex] == ["start", "read", "check", "ship", "reorder", "end"]
    assert cells["read"].label == "Read order"  # the HTML label comes back as plain text
    assert cells["e3"].label == "yes"
    assert {(c.source, c.target) for c in flowchart.cells if c.edge} == {
        ("start", "read"),
        ("read", "check"),
        ("check", "ship"),
        ("check", "reorder"),
        ("ship", "end"),
    }
    start, check, reorder = cells["start"], cells["check"], cells["reorder"]
    assert (start.width, start.height, check.height) == (120, 60, 80)
    # The drawing is moved to the border (10 px) and keeps its layout: reorder is 200 px right of check.
    assert min(c.x for c in flowchart.cells) == pytest.approx(10, abs=1.5)
    assert (reorder.x - check.x, reorder.y - check.y) == (200, 10)
    assert flowchart.origin == (start.x - 160, start.y - 40)  # start is at (160, 40) in the file
    assert all(c.parent == "1" for c in flowchart.cells)


def test_flowchart_picture_has_the_right_size_and_real_shapes(flowchart: DiagramRender) -> None:
    image = flowchart.image
    assert image.mode == "RGB" and image.size == (343, 512)
    assert flowchart.png.startswith(b"\x89PNG") and flowchart.seconds > 0
    cells = by_id(flowchart)
    # Ellipse and rhombus are drawn as such: filled inside, white in the corners of their boxes.
    for name, fill in (("start", "#d5e8d4"), ("check", "#fff2cc"), ("end", "#f8cecc")):
        cell = cells[name]
        assert near(image.getpixel(inside(cell)), fill), name
        assert image.getpixel((round(cell.x) + 4, round(cell.y) + 4)) == WHITE, name
    # The edge from start to read is drawn in dark pixels between them.
    edge = cells["e1"]
    assert max(image.getpixel((round(edge.x), y))[0] for y in range(round(edge.y) + 5, 105)) < 80


def test_architecture_children_of_a_swimlane_get_page_coordinates(browser: Browser) -> None:
    render = render_drawio(browser, (DIAGRAMS / "architecture.drawio").read_text())
    cells = by_id(render)
    backend, api, db = cells["backend"], cells["api"], cells["db"]
    assert (api.parent, api.x - backend.x, api.y - backend.y) == ("backend", 50, 50)
    assert cells["e-api-worker"].parent == "backend"
    link = cells["e-api-db"]
    assert (link.source, link.target, link.label) == ("api", "db", "SQL")
    assert cells["note"].label == "Runs nightly" and "text" in cells["note"].style
    assert near(render.image.getpixel(inside(db)), "#dae8fc")
    assert render.image.getpixel((round(db.x) + 2, round(db.y) + 2)) == WHITE  # a cylinder, not a box


def test_compressed_file_and_bare_model_render_like_the_plain_file(
    browser: Browser, flowchart: DiagramRender
) -> None:
    model = model_of(DIAGRAMS / "flowchart.drawio")
    compressed = f'<mxfile><diagram id="a" name="A">{compress(model)}</diagram></mxfile>'
    for xml in (compressed, model):
        render = render_drawio(browser, xml)
        assert render.cells == flowchart.cells
        assert render.png == flowchart.png


@pytest.mark.parametrize("before", ["architecture.drawio", "teal_page.drawio"])
def test_reused_page_leaves_nothing_behind(browser: Browser, flowchart: DiagramRender, before: str) -> None:
    # a diagram with a page colour (teal_page) must not leave it to the next one (drawn on none)
    render_drawio(browser, (DIAGRAMS / before).read_text())
    again = render_drawio(browser, (DIAGRAMS / "flowchart.drawio").read_text())
    assert again.png == flowchart.png and again.cells == flowchart.cells


def test_scale_and_border_change_the_picture(browser: Browser, flowchart: DiagramRender) -> None:
    xml = (DIAGRAMS / "flowchart.drawio").read_text()
    double = render_drawio(browser, xml, scale=2)
    assert by_id(double)["start"].width == 240
    assert double.image.width == pytest.approx(2 * flowchart.image.width - 10, abs=3)
    wide = render_drawio(browser, xml, border=40)
    assert wide.image.size == (flowchart.image.width + 60, flowchart.image.height + 60)


def test_remote_images_never_reach_the_network(
    browser: Browser,
    counting_server: CountingServer,  # noqa: F811  (pytest passes the imported fixture)
) -> None:
    image = f"{counting_server.url}/logo.png"
    xml = (
        '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
        f'<mxCell id="pic" value="" style="shape=image;image={image};" vertex="1" parent="1">'
        '<mxGeometry x="0" y="0" width="80" height="80" as="geometry"/></mxCell>'
        f'<mxCell id="label" value="&lt;img src=&quot;{image}?label&quot;&gt; logo" style="html=1;" '
        'vertex="1" parent="1"><mxGeometry x="100" y="0" width="80" height="80" as="geometry"/>'
        "</mxCell></root></mxGraphModel>"
    )
    render = render_drawio(browser, xml)
    assert [c.id for c in render.cells] == ["pic", "label"]
    assert counting_server.connections == 0 and counting_server.paths == []


def test_local_files_outside_draw_io_stay_unread(browser: Browser, tmp_path: Path) -> None:
    red = tmp_path / "red.png"
    Image.new("RGB", (8, 8), (255, 0, 0)).save(red)
    embedded = base64.b64encode(red.read_bytes()).decode()

    def picture(cell_id: str, x: int, image: str) -> str:
        return (
            f'<mxCell id="{cell_id}" style="shape=image;image={image};imageAspect=0;" vertex="1" parent="1">'
            f'<mxGeometry x="{x}" y="0" width="40" height="40" as="geometry"/></mxCell>'
        )

    xml = (
        '<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>'
        + picture("embedded", 0, f"data:image/png,{embedded}")
        + picture("local", 100, red.as_uri())
        + "</root></mxGraphModel>"
    )
    render = render_drawio(browser, xml)
    embedded_cell, local_cell = by_id(render)["embedded"], by_id(render)["local"]
    assert render.image.getpixel(inside(embedded_cell)) == (255, 0, 0)  # images do draw
    assert render.image.getpixel(inside(local_cell)) != (255, 0, 0)  # but not from the user's files


def test_broken_xml_fails_clearly_and_the_next_render_works(browser: Browser) -> None:
    with pytest.raises(RenderError, match="malformed"):
        render_drawio(browser, "<mxGraphModel><root><mxCell id='0'></root>")
    with pytest.raises(RenderError, match="no <mxGraphModel>"):
        render_drawio(browser, "<svg/>")
    assert len(render_drawio(browser, (DIAGRAMS / "flowchart.drawio").read_text()).cells) == 11


def test_a_diagram_too_big_to_draw_in_time_times_out_and_the_renderer_recovers(browser: Browser) -> None:
    cells = "".join(
        f'<mxCell id="c{i}" value="cell {i}" style="rounded=1;html=1;" vertex="1" parent="1">'
        f'<mxGeometry x="{i % 100 * 60}" y="{i // 100 * 40}" width="50" height="30" as="geometry"/></mxCell>'
        for i in range(10000)
    )
    huge = f'<mxGraphModel><root><mxCell id="0"/><mxCell id="1" parent="0"/>{cells}</root></mxGraphModel>'
    browser.timeout_s = 0.5
    try:
        with pytest.raises(RenderTimeout, match=r"drawing the diagram took longer than 0\.5 s"):
            render_drawio(browser, huge)
    finally:
        browser.timeout_s = 20
    assert len(render_drawio(browser, (DIAGRAMS / "flowchart.drawio").read_text()).cells) == 11


def test_missing_export_page_says_how_to_install_it(
    browser: Browser, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IMG2CODE_DRAWIO", str(tmp_path))
    with pytest.raises(SetupError, match=r"scripts/setup\.sh"):
        render_drawio(browser, "<mxGraphModel/>")

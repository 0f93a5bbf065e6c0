"""Front-end stacks (Tailwind, React, Vue, Bootstrap): CDN libraries answered offline from the
vendored copies, per-stack extraction and repair, runtime errors as render failures, and the classic
backend writing every stack. Browser tests use the real Chromium and the libraries set-up installs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fakes import FakeRenderer, ScriptedBackend, page, source_image, wrong
from PIL import Image

from img2code.backends.base import GenerationRequest
from img2code.backends.classic import ClassicBackend
from img2code.config import GenerationOptions, RunConfig
from img2code.errors import ExtractionError, InputError, RenderError
from img2code.images import SourceImage
from img2code.output import OutputFolder
from img2code.progress import Progress
from img2code.refine import RefineLoop
from img2code.render import vendor
from img2code.render.browser import Browser
from img2code.score.ssim import compare
from img2code.stacks import STACKS, StackTarget, inline_assets, react_module, vue_component
from img2code.targets import get_target

ROOT = Path(__file__).resolve().parents[1]
BLUE_600 = (37, 99, 235)  # Tailwind v3's bg-blue-600

needs_libraries = pytest.mark.skipif(
    len(vendor.installed()) < len(vendor.PACKAGES),
    reason="the vendored front-end libraries are missing: run scripts/setup.sh (make setup)",
)


@pytest.fixture(scope="module")
def browser():
    with Browser(timeout_s=60) as chromium:  # generous: CI machines may be busy
        yield chromium


# --- offline rendering of CDN links --------------------------------------------------------------------


def test_setup_installs_the_packages_the_renderer_serves() -> None:
    script = (ROOT / "scripts" / "setup.sh").read_text()
    pins = re.search(r"stack_pkgs=\(([^)]*)\)", script)
    assert pins is not None
    assert tuple(pins[1].split()) == vendor.PACKAGES


@needs_libraries
@pytest.mark.parametrize(
    ("url", "package"),
    [
        ("https://cdn.tailwindcss.com", "tailwindcss@3.4.10 (Play CDN)"),
        ("https://cdn.tailwindcss.com/3.4.1?plugins=forms", "tailwindcss@3.4.1 (Play CDN)"),
        ("https://unpkg.com/react@17.0.2/umd/react.development.js", "react@18.3.1"),
        ("https://unpkg.com/babel-standalone@6/babel.min.js", "@babel/standalone@7.29.15"),
        ("https://cdn.jsdelivr.net/npm/vue@3", "vue@3.5.47"),
        ("https://cdn.jsdelivr.net/npm/bootstrap@5.2.3/dist/css/bootstrap.min.css", "bootstrap@5.3.8"),
        (
            "https://cdnjs.cloudflare.com/ajax/libs/react-dom/18.2.0/umd/react-dom.production.min.js",
            "react-dom@18.3.1",
        ),
        ("https://cdn.jsdelivr.net/npm/tailwindcss@2.2.19/dist/tailwind.min.css", "tailwindcss@2.2.19"),
    ],
)
def test_cdn_urls_of_any_version_map_to_the_vendored_copies(url: str, package: str) -> None:
    answer = vendor.lookup(url)
    assert answer is not None and answer.package == package and answer.path.is_file()


@needs_libraries
@pytest.mark.parametrize(
    "url",
    [
        "https://unpkg.com/react@18/umd/../../../../../etc/passwd",
        "https://unpkg.com/lodash@4/lodash.js",
        "https://fonts.googleapis.com/css2?family=Inter",
        "https://example.com/react@18/umd/react.development.js",
        "file:///etc/passwd",
    ],
)
def test_other_urls_get_no_answer(url: str) -> None:
    assert vendor.lookup(url) is None


@needs_libraries
def test_a_tailwind_page_renders_with_tailwinds_styles_and_nothing_leaves(browser: Browser) -> None:
    page = """<!DOCTYPE html><html><head><script src="https://cdn.tailwindcss.com/3.4.5"></script>
    <link rel="stylesheet" href="https://fonts.googleapis.com/css2?family=Inter"></head>
    <body class="m-0"><button class="bg-blue-600 text-white w-40 h-20">Buy</button></body></html>"""
    rendered = StackTarget("tailwind").render(browser, page, 400, 200)

    assert rendered.image.getpixel((5, 5)) == BLUE_600
    assert rendered.vendored == ["https://cdn.tailwindcss.com/3.4.5"]
    assert rendered.blocked == ["https://fonts.googleapis.com/css2?family=Inter"]  # still blocked


REACT_PAGE = """<!DOCTYPE html><html><head>
<script src="https://unpkg.com/react@18.2.0/umd/react.development.js" crossorigin></script>
<script src="https://unpkg.com/react-dom@18.2.0/umd/react-dom.development.js" crossorigin></script>
<script src="https://unpkg.com/@babel/standalone@7.21.4/babel.min.js"></script>
</head><body style="margin:0"><div id="root"></div>
<script type="text/babel">
const { useState } = React;
function Swatch({ colour }) { return <div style={{ width: 100, height: 100, background: colour }} />; }
function App() { const [colour] = useState("rgb(200, 30, 60)"); BODY return <Swatch colour={colour} />; }
ReactDOM.createRoot(document.getElementById("root")).render(<App />);
</script></body></html>"""


@needs_libraries
def test_a_react_page_with_jsx_from_unpkg_renders_its_component(browser: Browser) -> None:
    rendered = StackTarget("react").render(browser, REACT_PAGE.replace("BODY", ""), 300, 200)

    assert rendered.image.getpixel((50, 50)) == (200, 30, 60)
    assert len(rendered.vendored) == 3 and not rendered.blocked and not rendered.errors


@needs_libraries
def test_code_metrics_read_a_stack_page_as_its_scripts_leave_it(browser: Browser) -> None:
    """React's markup and Tailwind's styles exist only once the page's scripts ran: the code
    metrics read the snapshot (scripts removed), not the bare page."""
    from img2code.score.code import score_code

    reference = "<h1>Plans and prices</h1><ul><li><a href='#'>Basic plan for one</a></li></ul>"
    body = "<><h1>Plans and prices</h1><ul><li><a href='#'>Basic plan for one</a></li></ul></>;"
    react = REACT_PAGE.replace("BODY", f"return {body}")
    snapshot = StackTarget("react").snapshot(browser, react, 400, 300)
    assert "<script" not in snapshot and "Plans and prices" in snapshot
    assert score_code(browser, reference, react).roles is None  # scripts off: nothing to read
    assert score_code(browser, reference, snapshot).roles == 1.0
    tailwind = (
        '<html><head><script src="https://cdn.tailwindcss.com/3.4.1"></script></head><body>'
        '<div class="relative h-40"><h1 class="absolute top-2">Plans and prices</h1>'
        '<p class="absolute top-20">Basic plan for one</p></div></body></html>'
    )
    assert score_code(browser, reference, tailwind).absolute == 0.0
    absolute = score_code(browser, reference, StackTarget("tailwind").snapshot(browser, tailwind, 400, 300))
    assert absolute.absolute is not None and absolute.absolute >= 0.5  # h1 and p of div, h1, p, body


@needs_libraries
def test_a_page_whose_script_throws_fails_its_render_with_the_message(browser: Browser) -> None:
    broken = REACT_PAGE.replace("BODY", "const price = plans.length;")
    with pytest.raises(RenderError, match="plans is not defined"):
        StackTarget("react").render(browser, broken, 300, 200)
    # the renderer recovers: the next page renders
    assert StackTarget("react").render(browser, REACT_PAGE.replace("BODY", ""), 300, 200).image


@needs_libraries
def test_a_vue_page_renders_its_template(browser: Browser) -> None:
    answer = """```vue
<template>
  <div :style="{ width: '100px', height: '100px', background: colour }"></div>
</template>
<script setup>
import { ref } from 'vue'
const colour = ref('rgb(20, 160, 90)')
</script>
<style>body { margin: 0 }</style>
```"""
    extraction = StackTarget("vue").extract(answer)
    rendered = StackTarget("vue").render(browser, extraction.code, 300, 200)

    assert rendered.image.getpixel((50, 50)) == (20, 160, 90)
    assert any("script setup" in repair for repair in extraction.repairs)


def test_a_render_error_is_shown_to_the_model_in_the_next_prompt(tmp_path: Path) -> None:
    source = SourceImage(tmp_path / "source.png", source_image(), "PNG", "RGB")
    config = RunConfig(backend="classic", stack="tailwind", max_iters=2, target_ssim=None)
    backend = ScriptedBackend(page("broken"), page("good"))
    renderer = FakeRenderer(
        {"broken": RenderError("the page's scripts threw: Error: boom"), "good": wrong(0.2)}
    )
    loop = RefineLoop(
        source,
        backend,
        get_target("html", "tailwind"),
        renderer,
        config,
        OutputFolder(tmp_path / "o"),
        Progress(),
    )
    outcome = loop.run()

    first, second = backend.requests
    assert outcome.iterations[0].error and outcome.iterations[1].ok
    assert "Error: boom" not in first.prompt and "Error: boom" in second.prompt
    assert "Tailwind" in second.system and second.stack == "tailwind"


# --- extraction and repair ----------------------------------------------------------------------------------


def test_a_bare_jsx_component_gets_a_page_with_its_imports_mapped() -> None:
    answer = """Here is the component:
```jsx
import React, { useState } from 'react';
import { Star } from 'lucide-react';
import './App.css';

export default function App() {
  const [n] = useState(3);
  return <main className="app">{n} stars</main>;
}
```
```css
.app { color: red }
```"""
    extraction = StackTarget("react").extract(answer)
    code = extraction.code

    assert "const { useState } = React;" in code and "import " not in code and "export " not in code
    assert '<div id="root"></div>' in code and "render(<App />)" in code
    assert "react@18.3.1/umd/react.production.min.js" in code and "@babel/standalone" in code
    assert ".app { color: red }" in code
    assert any("lucide-react" in repair for repair in extraction.repairs)
    module = react_module(code)
    assert module.startswith('import React, { useState } from "react";') and "export default App;" in module
    assert "createRoot" not in module


def test_a_react_page_lacking_libraries_and_root_is_repaired() -> None:
    answer = """```html
<html><head></head><body>
<script type="text/babel">function App() { return <p>hi</p>; }
ReactDOM.createRoot(document.getElementById('app')).render(<App />);</script>
</body></html>
```"""
    extraction = StackTarget("react").extract(answer)

    assert '<div id="app"></div>' in extraction.code
    assert extraction.code.index("react-dom") < extraction.code.index("text/babel")
    assert "added the root element #app" in extraction.repairs


def test_an_answer_without_components_is_an_extraction_error() -> None:
    with pytest.raises(ExtractionError):
        StackTarget("react").extract("I cannot do that.")


def test_tailwind_and_bootstrap_pages_get_their_library_when_missing() -> None:
    tailwind = StackTarget("tailwind").extract("```html\n<div class='p-4'>x</div>\n```")
    assert (
        "https://cdn.tailwindcss.com" in tailwind.code and "added the Tailwind CSS script" in tailwind.repairs
    )
    css = "https://cdn.jsdelivr.net/npm/bootstrap@5.1.0/dist/css/bootstrap.min.css"
    linked = f"```html\n<link href='{css}' rel=stylesheet><p>x</p>\n```"
    bootstrap = StackTarget("bootstrap").extract(linked)
    assert "bootstrap@5.3.8" not in bootstrap.code  # it had one: nothing added


def test_a_vue_page_gives_its_single_file_component() -> None:
    page_code = """<div id="app"><p class="t">{{ msg }}</p></div><style>.t{color:red}</style>
<script>Vue.createApp({ data() { return { msg: 'hi' } } }).mount('#app')</script>"""
    code = StackTarget("vue").extract(f"```html\n{page_code}\n```").code
    component = vue_component(code)

    assert "vue.global.prod.js" in code
    assert '<p class="t">{{ msg }}</p>' in component
    assert "export default { data() { return { msg: 'hi' } } };" in component and ".t{color:red}" in component


@needs_libraries
def test_inline_assets_embeds_the_libraries() -> None:
    page_code = '<head><script src="https://unpkg.com/vue@3/dist/vue.global.prod.js"></script></head><p>x</p>'
    embedded, urls = inline_assets(page_code)
    assert urls == ["https://unpkg.com/vue@3/dist/vue.global.prod.js"]
    assert "src=" not in embedded and "createApp" in embedded


def test_a_stack_needs_the_html_target() -> None:
    with pytest.raises(InputError):
        RunConfig(target="drawio", stack="react")
    with pytest.raises(InputError):
        RunConfig(stack="svelte")


# --- the classic backend in every stack -----------------------------------------------------------------


@pytest.mark.slow
@needs_libraries
def test_width_rules_and_compound_paddings_become_tailwind_utilities() -> None:
    from img2code.backends.classic_stacks import to_stack

    page = """<!DOCTYPE html><html><head><style>
    .band { padding: 20px min(296px, 23.1%) 20px min(296px, 23.1%); }
    @media (min-width: 1280px) { .one-line { white-space: nowrap; } }
    @media print { .band { display: none; } }
    </style></head><body><div class="band"><p class="one-line">Hello</p></div></body></html>"""
    code, _ = to_stack(page, "tailwind", {})
    assert 'class="pt-[20px] pr-[min(296px,_23.1%)] pb-[20px] pl-[min(296px,_23.1%)]"' in code
    assert 'class="min-[1280px]:whitespace-nowrap"' in code
    assert "@media print" in code and "one-line" not in code  # only the width rule became a variant
    assert "@media (min-width: 1280px) { .one-line" in to_stack(page, "bootstrap", {})[0]


def test_bootstrap_utilities_leave_what_a_style_attribute_sets_to_it() -> None:
    """Bootstrap's utilities are !important: a class's position: relative must not become
    position-relative on an element whose style attribute places it absolutely."""
    from img2code.backends.classic_stacks import to_stack

    placed = '<div class="panel" style="position: absolute; top: 4px; left: 8px;"></div>'
    page = f"""<!DOCTYPE html><html><head><style>
    .panel {{ position: relative; height: 40px; }}
    </style></head><body><div class="panel">{placed}</div></body></html>"""
    code, _ = to_stack(page, "bootstrap", {})
    outer, inner = re.findall(r'<div class="([^"]*)"', code)
    assert "position-relative" in outer.split() and "position-relative" not in inner.split()


def test_every_stack_of_the_classic_backend_renders_like_the_html_stack(
    browser: Browser, monkeypatch: pytest.MonkeyPatch
) -> None:
    from img2code.vision import page as vision_page

    mockup = Image.open(ROOT / "fixtures" / "mockups" / "login.png").convert("RGB")
    source = mockup.crop((0, 0, 640, 560))  # headings, a quote card, a form: half the OCR time of the whole
    layout = vision_page.analyse(__import__("numpy").asarray(source))  # OCR once, for every stack
    monkeypatch.setattr(vision_page, "analyse", lambda rgb: layout)
    backend = ClassicBackend()
    renders = {}
    for stack in STACKS:
        request = GenerationRequest("html", "generate", "", [source], GenerationOptions(), stack=stack)
        generation = backend.generate(request)
        target = StackTarget(stack)
        code = target.extract(generation.text).code
        rendered = target.render(browser, code, source.width, source.height)
        assert not rendered.blocked and not rendered.errors, stack
        renders[stack] = rendered.image
        if stack == "react":
            assert "function App()" in code and "className=" in code
        elif stack == "tailwind":
            assert (
                "cdn.tailwindcss.com" in code
                and "<style>" not in code.split("</head>")[0].split("tailwindcss.com")[1]
            )
        elif stack == "bootstrap":
            assert "d-flex" in code
    for stack, image in renders.items():
        assert image.size == renders["html"].size, stack
        assert compare(renders["html"], image).ssim >= 0.99, stack


@needs_libraries
@pytest.mark.parametrize("inline", [False, True])
def test_a_react_run_writes_the_page_as_deployed_and_its_component(tmp_path: Path, inline: bool) -> None:
    from img2code.session import Converter

    answer = """```jsx
import React from "react";
export default function App() { return <main className="app">Plans</main>; }
```
```css
.app { width: 100px; height: 100px; background: rgb(200, 30, 60); }
```"""
    Image.new("RGB", (200, 150), "white").save(tmp_path / "shot.png")
    config = RunConfig(stack="react", inline_assets=inline, max_iters=1)
    with (
        Browser(timeout_s=60) as chromium,
        Converter(config, backend=ScriptedBackend(answer), renderer=chromium) as c,
    ):
        result = c.convert(tmp_path / "shot.png", tmp_path / "out")

    out = tmp_path / "out"
    assert result.status == "ok" and result.outputs["component"] == "App.jsx"
    assert Image.open(out / "render.png").convert("RGB").getpixel((50, 50)) == (200, 30, 60)
    assert 'import "./App.css";' in (out / "App.jsx").read_text() and ".app" in (out / "App.css").read_text()
    page = (out / "index.html").read_text()
    assert ('src="https://unpkg.com/react@18.3.1' in page) is not inline
    assert ("createElement" in page) is inline  # React's own code, embedded

"""Front-end stacks: the same page written as plain HTML, Tailwind, React, Vue or Bootstrap.

A stack is a flavour of the ``html`` target: the output is still one ``index.html`` (the page as it
would be deployed, libraries loaded from their usual CDN URLs, which the renderer answers from
vendored copies, see ``render.vendor``), with per-stack prompts, extraction and repair:

- ``tailwind`` and ``bootstrap``: an HTML page; the library's tag is added when missing;
- ``react``: React 18 UMD + Babel standalone, the components in a ``text/babel`` script. A bare
  component (``function App``, imports, ``export default``) gets a page around it; imports of
  ``react``/``react-dom`` become the globals, others are dropped (nothing else is offline); a
  missing render call or root element is added. ``App.jsx`` holds the components as a module;
- ``vue``: Vue 3's global build. A single-file component (``<template>``, ``<script>``,
  ``<style>``) gets a page around it; ``App.vue`` holds the component.

React and Vue draw after the page's load event, so their renders wait for the root element to be
filled, and an uncaught error of such a page fails the render with its message (which the refine
prompt shows the model). On the other stacks an error is logged: the page is drawn all the same.
"""

from __future__ import annotations

import html as html_lib
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ExtractionError, RenderError
from .prompts import render_prompt
from .render import vendor
from .targets.html import FENCE, THINKING, Extraction, HtmlTarget, extract_html

if TYPE_CHECKING:
    from .render import Renderer
    from .render.browser import Rendered

log = logging.getLogger(__name__)

STACKS = ("html", "tailwind", "react", "vue", "bootstrap")

# What a page of each stack loads, as deployed (pinned to the vendored versions).
TAILWIND_SCRIPT = '<script src="https://cdn.tailwindcss.com"></script>'
REACT_SCRIPTS = (
    '<script src="https://unpkg.com/react@18.3.1/umd/react.production.min.js" crossorigin></script>\n'
    '<script src="https://unpkg.com/react-dom@18.3.1/umd/react-dom.production.min.js" crossorigin></script>\n'
    '<script src="https://unpkg.com/@babel/standalone@7.29.15/babel.min.js"></script>'
)
VUE_SCRIPT = '<script src="https://unpkg.com/vue@3.5.47/dist/vue.global.prod.js"></script>'
BOOTSTRAP_LINKS = (
    '<link href="https://cdn.jsdelivr.net/npm/bootstrap@5.3.8/dist/css/bootstrap.min.css" rel="stylesheet">\n'
    '<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.8/dist/js/bootstrap.bundle.min.js"></script>'
)

# Polled after the load until true: the root has been filled for three frames in a row (Tailwind's
# Play CDN restyles a page React or Vue has just drawn on the next frames).
FILLED = """() => {{
  const root = document.querySelector({selector});
  const filled = !!root && {condition};
  window.__img2codeFrames = filled ? (window.__img2codeFrames || 0) + 1 : 0;
  return window.__img2codeFrames >= 3;
}}"""

# The DOM as the scripts left it, scripts removed: a static page that renders the same.
SNAPSHOT = """() => {
  const copy = document.documentElement.cloneNode(true);
  copy.querySelectorAll("script").forEach((script) => script.remove());
  return "<!DOCTYPE html>\\n" + copy.outerHTML;
}"""
SRC_OR_HREF = re.compile(r"""<(?:script|link)\b[^>]*?\b(?:src|href)\s*=\s*["']([^"']+)["'][^>]*>""", re.I)
INTEGRITY = re.compile(r"""\s+integrity\s*=\s*(["'])[^"']*\1""", re.I)
SCRIPT_BLOCK = re.compile(r"(<script\b[^>]*>)(.*?)(</script\s*>)", re.I | re.S)
BODY_OPEN = re.compile(r"<body\b[^>]*>", re.I)
HEAD_CLOSE = re.compile(r"</head\s*>", re.I)
BODY_CLOSE = re.compile(r"</body\s*>", re.I)
DOCUMENT = re.compile(r"<!doctype\s+html|<html[\s>]", re.I)
JSX_LANGS = {"jsx", "tsx", "js", "javascript", "react", "typescript", "ts"}
IMPORT = re.compile(
    r"^[ \t]*import\s+(?:(?P<what>[\w*{}\s,$]+?)\s+from\s+)?[\"'](?P<source>[^\"']+)[\"'];?[ \t]*$", re.M
)
EXPORT_DEFAULT_NAME = re.compile(r"^[ \t]*export\s+default\s+(?P<name>[A-Z]\w*)\s*;?[ \t]*$", re.M)
EXPORT_PREFIX = re.compile(
    r"^([ \t]*)export\s+(?:default\s+)?(?=(?:async\s+)?function\b|class\b|const\b|let\b)", re.M
)
COMPONENT = re.compile(
    r"^[ \t]*(?:function\s+([A-Z]\w*)\s*\(|(?:const|let)\s+([A-Z]\w*)\s*=\s*(?:\([^)]*\)|\w+)\s*=>)", re.M
)
REACT_RENDER = re.compile(r"\b(?:createRoot|ReactDOM\.render|hydrateRoot)\s*\(")
ROOT_ID = re.compile(r"""getElementById\(\s*["']([\w-]+)["']\s*\)|querySelector\(\s*["']#([\w-]+)["']\s*\)""")
VUE_MOUNT = re.compile(r"""\.mount\(\s*["']#([\w-]+)["']\s*\)""")
SFC_BLOCK = re.compile(r"<(template|script|style)\b([^>]*)>(.*)</\1\s*>", re.I | re.S)
DECLARED = re.compile(r"^(?:const|let|var|function|async\s+function)\s+([A-Za-z_$][\w$]*)", re.M)


@dataclass(frozen=True)
class Stack:
    """One stack: its name, what it calls itself in prompts, how to tell its pages are ready."""

    name: str
    label: str
    packages: tuple[str, ...]  # vendored npm packages its pages need (names only)
    source_file: str | None = None  # the component file written beside index.html
    framework: bool = False  # the page is drawn by scripts: wait for them, fail on their errors


STACK_INFO = {
    "html": Stack("html", "HTML and CSS", ()),
    "tailwind": Stack("tailwind", "HTML with Tailwind CSS", ("tailwindcss", "@tailwindcss/browser")),
    "react": Stack("react", "React", ("react", "react-dom", "@babel/standalone"), "App.jsx", True),
    "vue": Stack("vue", "Vue 3", ("vue",), "App.vue", True),
    "bootstrap": Stack("bootstrap", "HTML with Bootstrap 5", ("bootstrap",)),
}
SOURCE_FILES = tuple(s.source_file for s in STACK_INFO.values() if s.source_file)


def _loads(page: str, packages: tuple[str, ...]) -> bool:
    """Whether ``page`` loads one of the vendored ``packages`` (by a CDN URL the renderer answers)."""
    for url in SRC_OR_HREF.findall(page):
        answer = vendor.lookup(html_lib.unescape(url))
        if answer is not None and answer.package.split(" ")[0].rsplit("@", 1)[0] in packages:
            return True
    return False


def _insert(page: str, where: re.Pattern[str], snippet: str, *, after: bool = False) -> str:
    """``snippet`` put before (or after) the first match of ``where``; at the end when none."""
    match = where.search(page)
    if match is None:
        return page + snippet + "\n"
    at = match.end() if after else match.start()
    return page[:at] + ("\n" if after else "") + snippet + ("" if after else "\n") + page[at:]


def _answer_code(text: str, langs: set[str]) -> str | None:
    """The longest fenced block of one of ``langs``, or None."""
    blocks = [body for lang, body in FENCE.findall(THINKING.sub("", text)) if lang.lower() in langs]
    return max(blocks, key=len) if blocks else None


def _styles_of(text: str) -> str:
    """The CSS of the answer's ```css blocks, as one <style> element ("" when none)."""
    css = "\n".join(body for lang, body in FENCE.findall(text) if lang.lower() == "css")
    return f"<style>\n{css}\n</style>\n" if css.strip() else ""


# --- React -------------------------------------------------------------------------------------------


def map_react_imports(code: str, repairs: list[str]) -> str:
    """ES imports as the UMD globals: ``import React, {useState} from 'react'`` becomes
    ``const {useState} = React;``; imports of other packages and files are dropped (and listed)."""

    def replace(match: re.Match[str]) -> str:
        source, what = match["source"], (match["what"] or "").strip()
        named = re.search(r"\{([^}]*)\}", what)
        if source in ("react", "react-dom", "react-dom/client"):
            if not named:
                return ""
            names = ", ".join(
                f"{a.strip()}: {b.strip()}" if " as " in part else part.strip()
                for part in named[1].split(",")
                if part.strip()
                for a, _, b in [part.partition(" as ")]
            )
            return f"const {{ {names} }} = {'React' if source == 'react' else 'ReactDOM'};"
        repairs.append(f"dropped the import of {source!r} (only React is available)")
        return ""

    mapped = IMPORT.sub(replace, code)
    if mapped != code:
        repairs.append("mapped imports of react and react-dom to the UMD globals")
    return mapped


def _strip_exports(code: str, repairs: list[str]) -> str:
    stripped = EXPORT_DEFAULT_NAME.sub("", code)
    stripped = EXPORT_PREFIX.sub(r"\1", stripped)
    if stripped != code:
        repairs.append("removed export statements (the components run in the page)")
    return stripped


def _main_component(code: str) -> str | None:
    """``App`` when the code defines it, else the last component defined."""
    names = [a or b for a, b in COMPONENT.findall(code)]
    return "App" if "App" in names else (names[-1] if names else None)


def _react_script(code: str, repairs: list[str], root_id: str = "root") -> str:
    """The body of a text/babel script: imports mapped, exports removed, a render call ensured."""
    code = map_react_imports(code, repairs)
    code = _strip_exports(code, repairs)
    if not REACT_RENDER.search(code):
        component = _main_component(code)
        if component is None:
            raise ExtractionError("the answer defines no React component (a function named with a capital)")
        code = (
            code.rstrip()
            + f"\n\nReactDOM.createRoot(document.getElementById({root_id!r})).render(<{component} />);\n"
        )
        repairs.append(f"added the call that renders <{component} /> into #{root_id}")
    return code


def _page(title: str, head: str, body: str) -> str:
    """A page of a script-drawn stack: ``head`` (library tags, styles) and ``body`` (root, scripts)."""
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html_lib.escape(title)}</title>
{head}</head>
<body>
{body}
</body>
</html>
"""


def react_page(component: str, css: str = "", title: str = "App") -> str:
    """A page that renders the components of ``component`` (a text/babel script body)."""
    body = f'<div id="root"></div>\n<script type="text/babel">\n{component.strip()}\n</script>'
    return _page(title, f"{REACT_SCRIPTS}\n{css}", body)


def extract_react(text: str, *, truncated: bool = False) -> Extraction:
    """A React page from an answer: a full page with a text/babel script, or bare components."""
    answer = THINKING.sub("", text)
    page_code = _answer_code(answer, {"html", "htm", ""})
    jsx_code = _answer_code(answer, JSX_LANGS)
    is_page = page_code is not None and bool(
        DOCUMENT.search(page_code) or re.search(r"<script\b", page_code, re.I)
    )
    if is_page or (page_code is None and jsx_code is None and DOCUMENT.search(answer)):
        extraction = extract_html(text, truncated=truncated)
        return Extraction(_repair_react_page(extraction.code, extraction.repairs), extraction.repairs)
    repairs: list[str] = ["dropped thinking text"] if answer != text else []
    code = jsx_code or (page_code if page_code is not None and COMPONENT.search(page_code) else None)
    if code is None:
        if not COMPONENT.search(answer):
            raise ExtractionError("the answer holds no React component and no page")
        code = answer
    script = _react_script(code, repairs)
    repairs.append("put the components into a page with React, ReactDOM and Babel")
    return Extraction(react_page(script, _styles_of(answer)), repairs)


def _repair_react_page(page: str, repairs: list[str]) -> str:
    """Make an HTML page with React code render: libraries, text/babel type, imports, root element."""
    scripts = [m for m in SCRIPT_BLOCK.finditer(page) if m[2].strip() and "src=" not in m[1].lower()]
    jsx = [m for m in scripts if "text/babel" in m[1].lower() or re.search(r"<[A-Za-z][^>]*/?>", m[2])]
    if jsx:
        pieces, last = [], 0
        for match in jsx:
            opening = match[1]
            if "text/babel" not in opening.lower():
                opening = re.sub(r"\s+type\s*=\s*([\"'])[^\"']*\1", "", opening, flags=re.I)
                opening = opening[:-1].rstrip() + ' type="text/babel">'
                repairs.append("marked the JSX script as text/babel")
            body = map_react_imports(match[2], repairs)
            body = _strip_exports(body, repairs)
            pieces += [page[last : match.start()], opening, body, match[3]]
            last = match.end()
        page = "".join(pieces) + page[last:]
        if not REACT_RENDER.search(page):
            main = _main_component(jsx[-1][2])
            if main:
                render = f'ReactDOM.createRoot(document.getElementById("root")).render(<{main} />);'
                call = f'<script type="text/babel">\n{render}\n</script>'
                page = _insert(page, BODY_CLOSE, call)
                repairs.append(f"added the call that renders <{main} /> into #root")
    missing = [
        tag
        for tag, package in zip(
            REACT_SCRIPTS.split("\n"), ("react", "react-dom", "@babel/standalone"), strict=True
        )
        if not _loads(page, (package,))
    ]
    if missing:
        # React and ReactDOM must come before the babel scripts that use them: put them first in <head>
        head = re.search(r"<head\b[^>]*>", page, re.I)
        at = head.end() if head else 0
        page = page[:at] + "\n" + "\n".join(missing) + page[at:]
        repairs.append("added the React, ReactDOM or Babel script it lacked")
    root = ROOT_ID.search(page)
    root_id = (root[1] or root[2]) if root else "root"
    if not re.search(rf"""\bid\s*=\s*["']{re.escape(root_id)}["']""", page):
        page = _insert(page, BODY_OPEN, f'<div id="{root_id}"></div>', after=True)
        repairs.append(f"added the root element #{root_id}")
    return page


def react_module(page: str) -> str:
    """App.jsx: the page's text/babel scripts as one module, with the imports and the export a
    bundler (Vite, Next) wants, without the render call (the project's entry point makes it)."""
    bodies = [m[2].strip() for m in SCRIPT_BLOCK.finditer(page) if "text/babel" in m[1].lower()]
    code = "\n\n".join(bodies)
    code = re.sub(
        r"^.*\b(?:ReactDOM\.createRoot|createRoot|ReactDOM\.render)\s*\(.*?\)\s*;?[ \t]*$",
        "",
        code,
        flags=re.M,
    )
    hooks = sorted(set(re.findall(r"\b(use[A-Z]\w*|Fragment)\b", code)) & _REACT_EXPORTS)
    code = re.sub(r"^\s*const\s*\{[^}]*\}\s*=\s*React(?:DOM)?;\s*$", "", code, flags=re.M)
    code = re.sub(r"\bReact\.(use[A-Z]\w*|Fragment)\b", r"\1", code)
    header = "import React" + (f", {{ {', '.join(hooks)} }}" if hooks else "") + ' from "react";\n'
    if page_styles(page):
        header += 'import "./App.css";\n'
    main = _main_component(code) or "App"
    return header + "\n" + code.strip() + f"\n\nexport default {main};\n"


def page_styles(page: str) -> str:
    """The CSS of the page's <style> elements (App.css beside App.jsx)."""
    return "\n\n".join(
        m[1].strip() for m in re.finditer(r"<style\b[^>]*>(.*?)</style>", page, re.I | re.S)
    ).strip()


_REACT_EXPORTS = {
    "useState", "useEffect", "useRef", "useMemo", "useCallback", "useContext", "useReducer",
    "useLayoutEffect", "useId", "useTransition", "useDeferredValue", "Fragment",
}  # fmt: skip


# --- Vue ---------------------------------------------------------------------------------------------


def map_vue_imports(code: str, repairs: list[str]) -> str:
    """``import { ref } from 'vue'`` as ``const { ref } = Vue;``; other imports dropped (and listed)."""

    def replace(match: re.Match[str]) -> str:
        source, what = match["source"], (match["what"] or "").strip()
        named = re.search(r"\{([^}]*)\}", what)
        if source == "vue" or source.split("?")[0].endswith(
            ("vue.esm-browser.js", "vue.esm-browser.prod.js")
        ):
            names = ", ".join(
                f"{a.strip()}: {b.strip()}" if sep else a.strip()
                for part in (named[1].split(",") if named else [])
                if part.strip()
                for a, sep, b in [part.partition(" as ")]
            )
            return f"const {{ {names} }} = Vue;" if names else ""
        repairs.append(f"dropped the import of {source!r} (only Vue is available)")
        return ""

    mapped = IMPORT.sub(replace, code)
    if mapped != code:
        repairs.append("mapped imports of vue to the global build")
    return mapped


def _sfc_options(script: str, setup: bool, repairs: list[str]) -> str:
    """A component's options object from an SFC's script: ``export default {...}``, or for
    ``<script setup>`` a ``setup()`` that returns every top-level name."""
    script = map_vue_imports(script, repairs)
    if setup:
        names = [n for n in DECLARED.findall(script) if n not in ("props", "emit")]
        repairs.append("turned <script setup> into a setup() that returns its bindings")
        return f"{{\n  setup() {{\n{script.strip()}\n    return {{ {', '.join(names)} }};\n  }}\n}}"
    match = re.search(r"export\s+default\s+(?:defineComponent\()?", script)
    if match is None:
        return "{}"
    body = script[match.end() :].strip().rstrip(";").strip()
    if script[match.start() : match.end()].endswith("("):
        body = body.removesuffix(")")
    before = script[: match.start()].strip()
    return f"(() => {{\n{before}\nreturn {body};\n}})()" if before else body


def vue_page(template: str, options: str, css: str = "", title: str = "App") -> str:
    """A page that mounts a component (``options`` with ``template``) on Vue's global build."""
    body = f"""<div id="app"></div>
<script type="text/x-template" id="app-template">
{template.strip()}
</script>
<script>
const App = Object.assign({options.strip()}, {{ template: "#app-template" }});
Vue.createApp(App).mount("#app");
</script>"""
    return _page(title, f"{VUE_SCRIPT}\n{css}", body)


def extract_vue(text: str, *, truncated: bool = False) -> Extraction:
    """A Vue page from an answer: a page on the global build, or a single-file component."""
    answer = THINKING.sub("", text)
    sfc = _answer_code(answer, {"vue"})
    if sfc is None and not DOCUMENT.search(answer) and re.search(r"^\s*<template\b", answer, re.M):
        sfc = answer
    if sfc is None:
        extraction = extract_html(text, truncated=truncated)
        return Extraction(_repair_vue_page(extraction.code, extraction.repairs), extraction.repairs)
    repairs: list[str] = ["dropped thinking text"] if answer != text else []
    blocks = {(tag.lower(), "setup" in attrs): body for tag, attrs, body in _sfc_blocks(sfc)}
    template = blocks.get(("template", False))
    if template is None:
        raise ExtractionError("the Vue component has no <template>")
    setup = ("script", True) in blocks
    options = _sfc_options(blocks.get(("script", setup), ""), setup, repairs)
    css = "".join(
        f"<style>\n{body.strip()}\n</style>\n" for (tag, _), body in blocks.items() if tag == "style"
    )
    repairs.append("put the single-file component into a page on Vue's global build")
    return Extraction(vue_page(template, options, css + _styles_of(answer)), repairs)


def _sfc_blocks(sfc: str) -> list[tuple[str, str, str]]:
    """The top-level blocks of a single-file component: (tag, attributes, content)."""
    blocks: list[tuple[str, str, str]] = []
    for tag in ("template", "script", "style"):
        # the outermost <template> holds nested ones: from its first opening to its last closing
        opens = [m for m in re.finditer(rf"<{tag}\b([^>]*)>", sfc, re.I)]
        closes = [m for m in re.finditer(rf"</{tag}\s*>", sfc, re.I)]
        if tag == "template" and opens and closes:
            blocks.append((tag, opens[0][1], sfc[opens[0].end() : closes[-1].start()]))
        else:
            for match in re.finditer(rf"<{tag}\b([^>]*)>(.*?)</{tag}\s*>", sfc, re.I | re.S):
                blocks.append((tag, match[1], match[2]))
    return blocks


def _repair_vue_page(page: str, repairs: list[str]) -> str:
    """Make an HTML page with Vue code render: the global build, imports mapped, mount element."""
    if not _loads(page, ("vue",)):
        page = _insert(page, HEAD_CLOSE, VUE_SCRIPT)
        repairs.append("added Vue's global build")
    pieces, last = [], 0
    for match in SCRIPT_BLOCK.finditer(page):
        if "src=" in match[1].lower() or not IMPORT.search(match[2]):
            continue
        opening = re.sub(r"""\s+type\s*=\s*(["'])module\1""", "", match[1], flags=re.I)
        pieces += [page[last : match.start()], opening, map_vue_imports(match[2], repairs), match[3]]
        last = match.end()
    page = "".join(pieces) + page[last:]
    mount = VUE_MOUNT.search(page)
    if mount and not re.search(rf"""\bid\s*=\s*["']{re.escape(mount[1])}["']""", page):
        page = _insert(page, BODY_OPEN, f'<div id="{mount[1]}"></div>', after=True)
        repairs.append(f"added the mount element #{mount[1]}")
    return page


def vue_component(page: str) -> str:
    """App.vue: the page's mounted template, component options and styles as a single-file component."""
    mount = VUE_MOUNT.search(page)
    mount_id = mount[1] if mount else "app"
    template = ""
    xtemplate = re.search(
        r"""<script[^>]*type=["']text/x-template["'][^>]*>(.*?)</script>""", page, re.I | re.S
    )
    if xtemplate:
        template = xtemplate[1]
    else:
        element = re.search(
            rf"""<(\w+)[^>]*\bid\s*=\s*["']{re.escape(mount_id)}["'][^>]*>(.*)</\1>""", page, re.I | re.S
        )
        if element:
            template = re.split(r"<script\b", element[2], maxsplit=1, flags=re.I)[0]
            template = (
                re.sub(r"</(?:div|main|section)>\s*$", "", template.strip())
                if "<script" in element[2]
                else template
            )
    options = "{}"
    for match in SCRIPT_BLOCK.finditer(page):
        found = re.search(r"(?:Vue\.)?createApp\(\s*", match[2])
        if found:
            options = _balanced(match[2], found.end()) or "{}"
            options = re.sub(
                r"^Object\.assign\((.*),\s*\{\s*template:[^}]*\}\s*\)$", r"\1", options, flags=re.S
            )
            break
    styles = "\n".join(m[1].strip() for m in re.finditer(r"<style\b[^>]*>(.*?)</style>", page, re.I | re.S))
    style_block = f"\n<style>\n{styles}\n</style>\n" if styles else ""
    script = f"<script>\nexport default {options};\n</script>\n"
    return f"<template>\n{template.strip()}\n</template>\n\n{script}{style_block}"


def _balanced(code: str, start: int) -> str | None:
    """The expression that starts at ``start`` and ends before the ``)`` that closes its call."""
    depth = 0
    for i in range(start, len(code)):
        char = code[i]
        if char in "([{":
            depth += 1
        elif char in ")]}":
            if depth == 0:
                return code[start:i].strip()
            depth -= 1
    return None


# --- Tailwind and Bootstrap ------------------------------------------------------------------------


def _ensure_library(page: str, stack: Stack, tag: str, repairs: list[str]) -> str:
    if not _loads(page, stack.packages):
        page = _insert(page, HEAD_CLOSE, tag)
        repairs.append(
            f"added the {stack.label.removeprefix('HTML with ')} {'script' if 'script' in tag else 'link'}"
        )
    return page


# --- the target ----------------------------------------------------------------------------------------


class StackTarget(HtmlTarget):
    """The html target written in one stack: per-stack prompts, extraction, repair and render."""

    def __init__(self, stack: str = "html") -> None:
        if stack not in STACK_INFO:
            raise ValueError(f"unknown stack {stack!r}")
        self.stack = STACK_INFO[stack]

    def prompts(self, mode: str, **values: object) -> tuple[str, str]:
        """The html prompts, with the stack's own part (its rules and how to answer) instead of
        the plain-HTML rules; a previous iteration's render error is shown when given."""
        if self.stack.name == "html":
            return super().prompts(mode, **values)
        values.setdefault("error", None)
        return (
            render_prompt("html_system") + "\n\n" + render_prompt(f"html_system_{self.stack.name}"),
            render_prompt(f"html_stack_{mode}", stack=self.stack.label, **values),
        )

    def extract(self, text: str, *, truncated: bool = False) -> Extraction:
        name = self.stack.name
        if name == "react":
            return extract_react(text, truncated=truncated)
        if name == "vue":
            return extract_vue(text, truncated=truncated)
        extraction = extract_html(text, truncated=truncated)
        if name == "tailwind":
            extraction.code = _ensure_library(
                extraction.code, self.stack, TAILWIND_SCRIPT, extraction.repairs
            )
        elif name == "bootstrap":
            extraction.code = _ensure_library(
                extraction.code, self.stack, BOOTSTRAP_LINKS, extraction.repairs
            )
        return extraction

    def render(self, renderer: Renderer, code: str, width: int, height: int) -> Rendered:
        """Render the page; a React or Vue page is waited for, and fails when its scripts throw."""
        page = INTEGRITY.sub("", code)  # another version than the hash's may answer the URL
        if not self.stack.framework:
            rendered = renderer.render_html(page, width, height)
            if rendered.errors:
                log.info("the %s page's scripts threw: %s", self.stack.name, "; ".join(rendered.errors))
        else:
            rendered = renderer.render_html(
                page, width, height, wait_for=ready_check(self.stack.name, page), script=SNAPSHOT
            )
            if rendered.errors:
                raise RenderError("the page's scripts threw: " + "; ".join(rendered.errors))
        if rendered.blocked:
            log.info("blocked requests of the page: %s", ", ".join(u[:120] for u in rendered.blocked[:5]))
        return rendered

    def snapshot(self, renderer: Renderer, code: str, width: int, height: int) -> str:
        """The page as its scripts leave it, without them: what the code metrics read (they read
        pages with scripts off) for a stack whose scripts make its styles (Tailwind's in-browser
        build) or its markup (React, Vue). The html stack's page is its own snapshot."""
        if self.stack.name == "html":
            return code
        page = INTEGRITY.sub("", code)
        wait = ready_check(self.stack.name, page) if self.stack.framework else None
        rendered = renderer.render_html(page, width, height, wait_for=wait, script=SNAPSHOT)
        if self.stack.framework and rendered.errors:
            raise RenderError("the page's scripts threw: " + "; ".join(rendered.errors))
        return str(rendered.value)

    def scored_page(self, code: str, rendered: Rendered) -> str:
        """The page Design2Code reads: for React and Vue the DOM their scripts drew, without scripts
        (their text is not in the page's markup); else the page itself."""
        value = getattr(rendered, "value", None)
        return value if self.stack.framework and isinstance(value, str) and value else code

    def sources(self, page: str) -> dict[str, str]:
        """The component files written beside index.html (App.jsx, App.vue)."""
        if self.stack.name == "react":
            css = page_styles(page)
            return {"App.jsx": react_module(page), **({"App.css": css + "\n"} if css else {})}
        if self.stack.name == "vue":
            return {"App.vue": vue_component(page)}
        return {}


def ready_check(stack: str, page: str) -> str:
    """The JavaScript condition that says a React or Vue page has been drawn."""
    if stack == "vue":
        mount = VUE_MOUNT.search(page)
        selector = f"#{mount[1]}" if mount else "[data-v-app]"
        return FILLED.format(selector=repr(selector), condition="root.hasAttribute('data-v-app')")
    root = ROOT_ID.search(page)
    selector = f"#{(root[1] or root[2])}" if root else "#root"
    return FILLED.format(selector=repr(selector), condition="root.childNodes.length > 0")


def stack_target(stack: str) -> HtmlTarget:
    """The html target for ``stack``."""
    return HtmlTarget() if stack == "html" else StackTarget(stack)


def inline_assets(page: str) -> tuple[str, list[str]]:
    """``page`` with each library it loads from a CDN embedded from the vendored copy (a file that
    opens offline), and the URLs embedded. Scripts become inline scripts, stylesheets <style>."""
    embedded: list[str] = []

    def embed(match: re.Match[str]) -> str:
        tag, url = match[0], match[1]
        answer = vendor.lookup(html_lib.unescape(url))
        if answer is None:
            return tag
        text = answer.path.read_text(encoding="utf-8")
        embedded.append(url)
        if tag.lower().startswith("<link"):
            return f"<style>/* {answer.package}: {url} */\n{text}\n</style>"
        body = text.replace("</script", "<\\/script").replace("<!--", "<\\!--")
        return f"<script>/* {answer.package}: {url} */\n{body}\n"

    out = re.sub(
        r"""<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["'][^>]*>(?=\s*</script>)""", embed, page, flags=re.I
    )
    out = re.sub(
        r"""<link\b(?=[^>]*\brel\s*=\s*["']?stylesheet)[^>]*\bhref\s*=\s*["']([^"']+)["'][^>]*>""",
        embed,
        out,
        flags=re.I,
    )
    return out, embedded

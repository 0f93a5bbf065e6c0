"""The classic backend's page in every stack: its HTML (``classic_flow`` or ``classic_page``, one
CSS class per role and style) rewritten as Tailwind utilities, a React component tree, a Vue
single-file app, or Bootstrap utilities with the rest in a stylesheet.

The element tree stays the same in every stack, and so does the render: each element gets the
declarations its classes had (resolved through ``:root`` tokens) in the stack's own terms, so a
stack's page differs from the html page in how it is written, not in how it looks.

- ``tailwind``: every declaration a utility (``flex``, ``mt-[24px]``, ``bg-[#1f2937]``, arbitrary
  properties for the rare rest); rules on ``html``/``body`` go on those elements; Tailwind's
  preflight does the reset the page's ``*``, ``img`` and ``a`` rules did.
- ``react``: one component per band of the page (Header, Main, Footer, sections), composed by
  ``App``; ``className`` and style objects; the stylesheet unchanged.
- ``vue``: the body as the app's template, the stylesheet unchanged.
- ``bootstrap``: Bootstrap's utilities where one says exactly the same (``d-flex``,
  ``flex-column``, ``ms-auto``, ``fw-bold``, ``text-center``, ``position-absolute``, ...), the
  remaining declarations in the role classes of the stylesheet.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Callable

import lxml.html
from lxml.html import HtmlElement

from ..stacks import BOOTSTRAP_LINKS, TAILWIND_SCRIPT, react_page, vue_page

RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
MEDIA = re.compile(r"@media[^{]*\{(?:[^{}]*\{[^{}]*\})*\s*\}")
STYLE_ELEMENT = re.compile(r"<style\b[^>]*>(.*?)</style>", re.I | re.S)
VAR = re.compile(r"var\((--[\w-]+)\)")
INLINE_TAGS = {
    "span",
    "b",
    "i",
    "em",
    "strong",
    "a",
    "small",
    "code",
    "br",
    "sub",
    "sup",
    "u",
    "mark",
    "label",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
# Declarations Tailwind's preflight already makes on every element these rules cover.
PREFLIGHT_SELECTORS = {"*", "img", "a"}


def to_stack(page: str, stack: str, assets: dict[str, bytes] | None = None) -> tuple[str, dict[str, bytes]]:
    """``page`` written in ``stack``, and the asset files it still links. React and Vue pages get
    their images as data URIs (their render waits for the scripts, which a page with asset files
    would skip)."""
    assets = dict(assets or {})
    if stack == "html":
        return page, assets
    if stack in ("react", "vue") and assets:
        for name, data in assets.items():
            uri = "data:image/png;base64," + base64.b64encode(data).decode("ascii")
            page = page.replace(f'src="assets/{name}"', f'src="{uri}"')
        assets = {}
    writers: dict[str, Callable[[str], str]] = {
        "tailwind": to_tailwind,
        "react": to_react,
        "vue": to_vue,
        "bootstrap": to_bootstrap,
    }
    return writers[stack](page), assets


# --- reading the page ------------------------------------------------------------------------------


class _Sheet:
    """The page's stylesheet: ``:root`` tokens, class rules (declarations by class) and other rules."""

    def __init__(self, css: str) -> None:
        self.tokens: dict[str, str] = {}
        self.classes: dict[str, list[tuple[str, str]]] = {}
        self.others: list[tuple[str, list[tuple[str, str]]]] = []  # (selector, declarations)
        for selector, body in RULE.findall(MEDIA.sub("", css)):
            selector = selector.strip()
            decls = _declarations(body)
            if selector == ":root":
                self.tokens.update(decls)
            elif re.fullmatch(r"\.[\w-]+", selector):
                self.classes.setdefault(selector[1:], []).extend(decls)
            else:
                self.others.append((selector, decls))
        self.media = [self.resolve(block) for block in MEDIA.findall(css)]  # kept as they are

    def resolve(self, value: str) -> str:
        """``value`` with every ``var(--token)`` replaced by the token's value."""
        for _ in range(3):
            value = VAR.sub(lambda m: self.tokens.get(m[1], m[0]), value)
        return value

    def tag_rules(self, tag: str) -> list[tuple[str, str]]:
        """The declarations of the rules whose selector is a list of tag names holding ``tag``."""
        return [
            decl
            for selector, decls in self.others
            if _tags(selector) and tag in _tags(selector)
            for decl in decls
        ]

    def merged(
        self, classes: list[str], style: str = "", tag: str = "", base: list[tuple[str, str]] | None = None
    ) -> dict[str, str]:
        """The declarations an element with ``classes`` (and a style attribute) gets, in cascade
        order: ``base`` (rules of element specificity, such as ``body > *``), rules on its ``tag``,
        class rules in stylesheet order (equal specificity), the style attribute last."""
        order = list(self.classes)
        decls: dict[str, str] = {}
        for prop, value in [*(base or []), *(self.tag_rules(tag) if tag else [])]:
            decls.pop(prop, None)
            decls[prop] = self.resolve(value)
        for name in sorted((c for c in classes if c in self.classes), key=order.index):
            for prop, value in self.classes[name]:
                decls.pop(prop, None)
                decls[prop] = self.resolve(value)
        for prop, value in _declarations(style):
            decls.pop(prop, None)
            decls[prop] = self.resolve(value)
        return decls


def _tags(selector: str) -> set[str]:
    """The tag names of a selector list made of tag names only (``div, p``); else empty."""
    names = {part.strip().lower() for part in selector.split(",")}
    return (
        names
        if all(re.fullmatch(r"[a-z][a-z0-9]*", name) for name in names) and not names & {"html", "body"}
        else set()
    )


def _declarations(body: str) -> list[tuple[str, str]]:
    out = []
    for part in body.split(";"):
        prop, sep, value = part.partition(":")
        if sep and prop.strip():
            out.append((prop.strip().lower(), value.strip()))
    return out


def _parse(page: str) -> tuple[HtmlElement, _Sheet, str]:
    """The page's document, its stylesheet and the stylesheet's text."""
    css = "\n".join(STYLE_ELEMENT.findall(page))
    document = lxml.html.document_fromstring(page)
    return document, _Sheet(css), css


def _serialise(document: HtmlElement) -> str:
    text = lxml.html.tostring(document, encoding="unicode", method="html", doctype="<!DOCTYPE html>")
    return str(text).rstrip() + "\n"


def _css(rules: list[tuple[str, list[tuple[str, str]]]]) -> str:
    return "\n".join(f"    {sel} {{ {' '.join(f'{p}: {v};' for p, v in decls)} }}" for sel, decls in rules)


# --- Tailwind ---------------------------------------------------------------------------------------

KEYWORDS = {
    ("display", "flex"): "flex",
    ("display", "grid"): "grid",
    ("display", "block"): "block",
    ("display", "inline-block"): "inline-block",
    ("display", "inline"): "inline",
    ("display", "none"): "hidden",
    ("flex-direction", "column"): "flex-col",
    ("flex-direction", "row"): "flex-row",
    ("flex-wrap", "wrap"): "flex-wrap",
    ("align-items", "flex-start"): "items-start",
    ("align-items", "center"): "items-center",
    ("align-items", "flex-end"): "items-end",
    ("align-items", "stretch"): "items-stretch",
    ("align-self", "center"): "self-center",
    ("align-self", "stretch"): "self-stretch",
    ("justify-content", "center"): "justify-center",
    ("justify-content", "space-between"): "justify-between",
    ("margin-left", "auto"): "ml-auto",
    ("margin-right", "auto"): "mr-auto",
    ("position", "relative"): "relative",
    ("position", "absolute"): "absolute",
    ("width", "100%"): "w-full",
    ("max-width", "100%"): "max-w-full",
    ("height", "auto"): "h-auto",
    ("font-weight", "700"): "font-bold",
    ("font-weight", "400"): "font-normal",
    ("text-decoration", "none"): "no-underline",
    ("text-decoration", "underline"): "underline",
    ("text-align", "center"): "text-center",
    ("text-align", "right"): "text-right",
    ("text-align", "left"): "text-left",
    ("white-space", "nowrap"): "whitespace-nowrap",
    ("white-space", "pre"): "whitespace-pre",
    ("list-style", "none"): "list-none",
    ("border", "0"): "border-0",
    ("overflow", "hidden"): "overflow-hidden",
    ("overflow-wrap", "anywhere"): "[overflow-wrap:anywhere]",
    ("box-sizing", "border-box"): "box-border",
}
PREFIXES = {  # properties whose value goes into an arbitrary value of one utility
    "margin-top": "mt",
    "margin-left": "ml",
    "margin-right": "mr",
    "margin-bottom": "mb",
    "top": "top",
    "left": "left",
    "right": "right",
    "bottom": "bottom",
    "width": "w",
    "max-width": "max-w",
    "min-width": "min-w",
    "height": "h",
    "min-height": "min-h",
    "max-height": "max-h",
    "flex": "flex",
    "border-radius": "rounded",
    "gap": "gap",
    "grid-template-columns": "grid-cols",
    "font-size": "text",
    "line-height": "leading",
    "letter-spacing": "tracking",
    "z-index": "z",
    "padding-top": "pt",
    "padding-right": "pr",
    "padding-bottom": "pb",
    "padding-left": "pl",
}
COLOURS = {"background": "bg", "background-color": "bg", "color": "text", "border-color": "border"}


def _arbitrary(value: str) -> str:
    """A CSS value as Tailwind's arbitrary value: spaces as underscores (underscores escaped)."""
    return value.replace("_", "\\_").replace(" ", "_")


def tailwind_classes(decls: dict[str, str]) -> list[str]:
    """Tailwind utilities that make exactly these declarations."""
    classes = []
    for prop, value in decls.items():
        if (prop, value) in KEYWORDS:
            classes.append(KEYWORDS[prop, value])
        elif prop == "padding":
            parts = re.findall(r"(?:[^\s(]+|\([^)]*\))+", value)  # min(a, b) is one part
            if len(parts) == 1:
                classes.append(f"p-[{_arbitrary(value)}]" if value != "0" else "p-0")
            else:
                top, right, bottom, left = (parts * 4)[:4] if len(parts) != 4 else parts
                if len(parts) == 2:
                    top, right, bottom, left = parts[0], parts[1], parts[0], parts[1]
                elif len(parts) == 3:
                    top, right, bottom, left = parts[0], parts[1], parts[2], parts[1]
                for side, amount in zip(("pt", "pr", "pb", "pl"), (top, right, bottom, left), strict=True):
                    classes.append(f"{side}-0" if amount == "0" else f"{side}-[{_arbitrary(amount)}]")
        elif prop == "margin" and value == "0":
            classes.append("m-0")
        elif prop in COLOURS and re.fullmatch(r"#[0-9a-fA-F]{3,8}|rgba?\([^)]*\)", value):
            classes.append(f"{COLOURS[prop]}-[{_arbitrary(value)}]")
        elif prop in PREFIXES and not value.startswith("-"):
            classes.append(f"{PREFIXES[prop]}-[{_arbitrary(value)}]")
        elif prop in PREFIXES and prop.startswith("margin"):
            classes.append(f"-{PREFIXES[prop]}-[{_arbitrary(value[1:])}]")
        else:
            classes.append(f"[{prop}:{_arbitrary(value)}]")
    return classes


def _width_variants(blocks: list[str]) -> tuple[dict[str, list[str]], list[str]]:
    """Media blocks of class rules from a width up (``@media (min-width: Npx) { .c { ... } }``) as
    Tailwind's ``min-[Npx]:`` utilities by class, and the blocks that are not of that form."""
    variants: dict[str, list[str]] = {}
    rest = []
    for block in blocks:
        width = re.match(r"@media\s*\(\s*min-width:\s*(\d+px)\s*\)", block)
        rules = RULE.findall(block[block.index("{") + 1 :])
        if width is None or not all(re.fullmatch(r"\s*\.[\w-]+\s*", sel) for sel, _ in rules):
            rest.append(block)
            continue
        for selector, body in rules:
            utilities = tailwind_classes(dict(_declarations(body)))
            variants.setdefault(selector.strip()[1:], []).extend(f"min-[{width[1]}]:{u}" for u in utilities)
    return variants, rest


def to_tailwind(page: str) -> str:
    """The page with Tailwind utilities instead of its class rules (Play CDN script in the head)."""
    document, sheet, _ = _parse(page)
    kept: list[tuple[str, list[tuple[str, str]]]] = []
    children_rule: list[tuple[str, str]] = []
    for selector, decls in sheet.others:
        if selector in ("html", "body"):
            element = document if selector == "html" else document.body
            resolved = {p: sheet.resolve(v) for p, v in decls}
            element.set("class", " ".join([*element.get("class", "").split(), *tailwind_classes(resolved)]))
        elif selector == "body > *":  # on each child (a *: variant would beat the children's own classes)
            children_rule += decls
        elif selector not in PREFLIGHT_SELECTORS and not _tags(selector):
            kept.append((selector, [(p, sheet.resolve(v)) for p, v in decls]))
    variants, media = _width_variants(sheet.media)
    for element in document.body.iter():
        if not isinstance(element.tag, str):
            continue
        classes = element.get("class", "").split()
        style = element.get("style", "")
        base = children_rule if element.getparent() is document.body else []
        responsive = [u for c in classes for u in variants.get(c, [])]
        classes = [c for c in classes if c not in variants]
        if not classes and not style and not base and not responsive and not sheet.tag_rules(element.tag):
            continue
        utilities = tailwind_classes(sheet.merged(classes, style, element.tag, base))
        unknown = [c for c in classes if c not in sheet.classes]
        element.attrib.pop("style", None)
        element.set("class", " ".join([*unknown, *utilities, *responsive]))
    head = document.head
    for style_element in head.findall("style"):
        head.remove(style_element)
    head.append(lxml.html.fragment_fromstring(TAILWIND_SCRIPT))
    if kept or media:
        css = "\n".join([_css(kept), *(f"    {block}" for block in media)]).strip("\n")
        head.append(lxml.html.fragment_fromstring(f"<style>\n{css}\n  </style>"))
    return _serialise(document)


# --- Bootstrap --------------------------------------------------------------------------------------

BOOTSTRAP = {
    ("display", "flex"): "d-flex",
    ("display", "grid"): "d-grid",
    ("display", "block"): "d-block",
    ("display", "inline-block"): "d-inline-block",
    ("display", "none"): "d-none",
    ("flex-direction", "column"): "flex-column",
    ("flex-direction", "row"): "flex-row",
    ("flex-wrap", "wrap"): "flex-wrap",
    ("align-items", "flex-start"): "align-items-start",
    ("align-items", "center"): "align-items-center",
    ("align-items", "flex-end"): "align-items-end",
    ("align-self", "center"): "align-self-center",
    ("align-self", "stretch"): "align-self-stretch",
    ("justify-content", "center"): "justify-content-center",
    ("justify-content", "space-between"): "justify-content-between",
    ("margin-left", "auto"): "ms-auto",
    ("position", "relative"): "position-relative",
    ("position", "absolute"): "position-absolute",
    ("width", "100%"): "w-100",
    ("font-weight", "700"): "fw-bold",
    ("font-weight", "400"): "fw-normal",
    ("text-decoration", "none"): "text-decoration-none",
    ("text-decoration", "underline"): "text-decoration-underline",
    ("text-align", "center"): "text-center",
    ("text-align", "right"): "text-end",
    ("white-space", "nowrap"): "text-nowrap",
    ("list-style", "none"): "list-unstyled",
    ("border", "0"): "border-0",
    ("overflow", "hidden"): "overflow-hidden",
    ("margin-top", "0"): "mt-0",
    ("padding", "0"): "p-0",
}
# Bootstrap's reboot draws rules at 25% opacity and gives links its blue: the page's own look wins.
BOOTSTRAP_COMPAT = [("hr", [("opacity", "1")]), ("a", [("color", "inherit")])]
# The page's ``*`` reset also covers the elements the reboot styles by tag (which beats ``*``).
REBOOT_TAGS = "p, h1, h2, h3, h4, h5, h6, ul, ol, li, hr, figure, blockquote, nav, header, footer"


def to_bootstrap(page: str) -> str:
    """The page with Bootstrap utilities where they say exactly what its rules said; the rest of each
    rule stays in the stylesheet, under the same class names."""
    document, sheet, _ = _parse(page)
    rules: dict[str, list[tuple[str, str]]] = {}
    names: dict[tuple[tuple[str, str], ...], str] = {}  # declarations -> the class that has them
    for element in document.body.iter():
        if not isinstance(element.tag, str):
            continue
        classes = element.get("class", "").split()
        if not classes:
            continue
        own = [c for c in classes if c in sheet.classes]
        # what the style attribute sets it keeps: Bootstrap's utilities are !important and would win
        styled = {prop for prop, _ in _declarations(element.get("style", ""))}
        decls = {prop: value for prop, value in sheet.merged(own).items() if prop not in styled}
        utilities = [BOOTSTRAP[p, v] for p, v in decls.items() if (p, v) in BOOTSTRAP]
        rest = [(p, v) for p, v in decls.items() if (p, v) not in BOOTSTRAP]
        name = ""
        if rest and own:  # one class per distinct rest, named by role (prefixed: Bootstrap has .h1, .card)
            key = tuple(rest)
            if key not in names:
                base = f"page-{own[0]}"
                name = base if base not in rules else f"{base}-{sum(n.startswith(base) for n in rules) + 1}"
                names[key], rules[name] = name, rest
            name = names[key]
        element.set(
            "class",
            " ".join(
                [*(c for c in classes if c not in sheet.classes), *utilities, *([name] if rest else [])]
            ),
        )
    head = document.head
    for style_element in head.findall("style"):
        head.remove(style_element)
    for fragment in BOOTSTRAP_LINKS.split("\n"):
        head.append(lxml.html.fragment_fromstring(fragment))
    others = [
        (f"*, {REBOOT_TAGS}" if sel == "*" else sel, [(p, sheet.resolve(v)) for p, v in decls])
        for sel, decls in sheet.others
    ]
    css = _css([*BOOTSTRAP_COMPAT, *others, *((f".{name}", decls) for name, decls in rules.items())])
    css = "\n".join([css, *(f"    {_important(block)}" for block in sheet.media)])
    head.append(lxml.html.fragment_fromstring(f"<style>\n{css}\n  </style>"))
    return _serialise(document)


def _important(block: str) -> str:
    """A media block with each declaration ``!important``: Bootstrap's utilities are, and a rule that
    holds from a width up (a row that was a column) must win over them there."""

    def rule(match: re.Match[str]) -> str:
        body = " ".join(f"{prop}: {value} !important;" for prop, value in _declarations(match.group(2)))
        return f"{match.group(1)}{{ {body} }}"

    head, _, rules = block.partition("{")
    return f"{head}{{{RULE.sub(rule, rules)}"


# --- React and Vue ------------------------------------------------------------------------------------

# The root element the framework fills takes no box of its own: the page's bands stay the body's
# flex items, as in the html page.
ROOT_CSS = (
    "    #root, #app {{ display: contents; }}\n    body :where(#root, #app) > * {{ max-width: 100%; }}\n"
)
COMPONENT_NAMES = {"header": "Header", "nav": "Nav", "main": "Main", "footer": "Footer", "section": "Section"}


def _camel(prop: str) -> str:
    if prop.startswith("--"):
        return json.dumps(prop)
    head, *rest = prop.lstrip("-").split("-")
    name = head + "".join(part.capitalize() for part in rest)
    return name[0].upper() + name[1:] if prop.startswith("-") else name


def _jsx_text(text: str) -> str:
    return html.escape(text, quote=False).replace("{", "{'{'}").replace("}", "{'}'}")


def jsx(element: HtmlElement, depth: int, components: dict[HtmlElement, str] | None = None) -> str:
    """``element`` as JSX (``className``, style objects, void elements closed), indented."""
    pad = "  " * depth
    if components and element in components:
        return f"{pad}<{components[element]} />"
    opening = opening_of(element)
    children = [c for c in element if isinstance(c.tag, str)]
    text = (element.text or "").strip()
    if element.tag in VOID or (not children and not text):
        return f"{pad}{opening} />"
    inline = all(c.tag in INLINE_TAGS for c in children) and any(c.tail for c in children)
    if text or inline or any((c.tail or "").strip() for c in children):  # text with markup: one line
        return pad + _jsx_inline(element, opening)
    inner = []
    if text:
        inner.append(f"{pad}  {_jsx_text(element.text or '')}")
    for child in element:
        if isinstance(child.tag, str):
            inner.append(jsx(child, depth + 1, components))
        if (child.tail or "").strip():
            inner.append(f"{pad}  {_jsx_text(child.tail or '')}")
    return f"{pad}{opening}>\n" + "\n".join(inner) + f"\n{pad}</{element.tag}>"


def _jsx_inline(element: HtmlElement, opening: str) -> str:
    """An element holding text as one line of JSX, its text and spaces exactly as in the page."""
    pieces = [_jsx_string(element.text or "")]
    for child in element:
        if isinstance(child.tag, str):
            attrs = opening_of(child)
            pieces.append(f"{attrs} />" if child.tag in VOID else _jsx_inline(child, attrs))
        pieces.append(_jsx_string(child.tail or ""))
    return f"{opening}>{''.join(pieces)}</{element.tag}>"


def _jsx_string(text: str) -> str:
    """Text as JSX: plain when JSX keeps it as it is, else a string expression (spaces at its ends,
    line breaks: JSX would trim or join them)."""
    if not text:
        return ""
    if text != text.strip() or "\n" in text:
        return "{" + json.dumps(text) + "}"
    return _jsx_text(text)


def opening_of(element: HtmlElement) -> str:
    """The opening of an element's JSX tag, without its closing ``>``."""
    attrs = []
    for name, value in element.attrib.items():
        if name == "style":
            decls = ", ".join(f"{_camel(p)}: {json.dumps(v)}" for p, v in _declarations(value))
            attrs.append(f"style={{{{ {decls} }}}}")
            continue
        key = {"class": "className", "for": "htmlFor", "tabindex": "tabIndex"}.get(name, name)
        attrs.append(f"{key}={json.dumps(value)}")
    return f"<{element.tag}{''.join(' ' + a for a in attrs)}"


def to_react(page: str) -> str:
    """The page as a React app: a component per band (header, main's sections, footer), ``App``
    composing them, the stylesheet unchanged."""
    document, _, css = _parse(page)
    bands = [c for c in document.body if isinstance(c.tag, str)]
    components: dict[HtmlElement, str] = {}
    definitions: list[str] = []
    used: dict[str, int] = {}

    def name_for(element: HtmlElement) -> str:
        base = COMPONENT_NAMES.get(element.tag, "Block")
        used[base] = used.get(base, 0) + 1
        return base if used[base] == 1 else f"{base}{used[base]}"

    for band in bands:
        inner = [c for c in band if isinstance(c.tag, str) and c.tag in ("section",)]
        for section in inner:
            components[section] = name_for(section)
        name = name_for(band)
        for section in inner:
            body = jsx(section, 2)
            definitions.append(f"function {components[section]}() {{\n  return (\n{body}\n  );\n}}")
        body = jsx(band, 2, components)
        definitions.append(f"function {name}() {{\n  return (\n{body}\n  );\n}}")
        components[band] = name
    children = "\n".join(f"      <{components[b]} />" for b in bands)
    app = f"function App() {{\n  return (\n    <>\n{children}\n    </>\n  );\n}}"
    script = "\n\n".join(
        [*definitions, app, 'ReactDOM.createRoot(document.getElementById("root")).render(<App />);']
    )
    title = document.findtext(".//title") or "App"
    return _with_body_attrs(react_page(script, _style(css + ROOT_CSS.format()), title), document)


def to_vue(page: str) -> str:
    """The page as a Vue app on the global build: the body as its template, the stylesheet unchanged."""
    document, _, css = _parse(page)
    template = "\n".join(
        str(lxml.html.tostring(child, encoding="unicode", method="html")).rstrip()
        for child in document.body
        if isinstance(child.tag, str)
    )
    title = document.findtext(".//title") or "App"
    return _with_body_attrs(vue_page(template, "{}", _style(css + ROOT_CSS.format()), title), document)


def _style(css: str) -> str:
    return f"<style>\n{css.strip()}\n</style>\n"


def _with_body_attrs(page: str, document: HtmlElement) -> str:
    """``page`` with the source's <body> attributes (classes, style) kept."""
    attrs = "".join(f' {k}="{html.escape(v)}"' for k, v in document.body.attrib.items())
    return page.replace("<body>", f"<body{attrs}>", 1) if attrs else page

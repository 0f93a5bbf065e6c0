"""The ``code`` metric set: is a candidate page code a front-end developer would keep, judged against
a reference HTML? Reflow, sideways scrolling, positioning, the roles texts sit in, and DOM structure.

Both pages are rendered ``WIDTHS`` wide (390 px, a phone; 768 px, a tablet), full page, and read:

- ``ssim@W``: SSIM (``ssim.compare``) between the two renders at width W; the reference's own reflow
  is the truth of how the page should behave. Pages of different heights are compared as a visitor
  scrolling past the end sees them: each render is extended downwards with its page's canvas
  background (the ``html`` element's background colour, else the ``body``'s, else white, which is
  where browsers paint it) to the taller one's height. Design2Code's authors likewise pad the
  shorter screenshot before their visual scores; they pad with white, which would make a dark page
  that ends early look unlike itself.
- ``overflow@W``: 1 when the candidate's document is wider than the viewport (``scrollWidth`` of
  the document element > its ``clientWidth``) and the reference's is not, else 0; its mean over an
  eval is the share of pages that scroll sideways where they should not.
- ``absolute``: the share of the candidate's visible elements (body and below: a box of non-zero
  size, ``visibility`` not hidden, not ``display: none``) whose computed ``position`` is
  ``absolute`` or ``fixed``; ``absolute_reference`` is the reference's, for context.
- ``roles``: of the texts both pages hold, the share whose holder has the same role in both. Each
  rendered text node's role is that of its nearest element with one (``ROLE_MAP``): an ARIA
  ``role`` first, else the tag: heading (``h1``-``h6``), paragraph (``p``), list item (``li``,
  ``dt``, ``dd``), link (``a``), button (``button``, ``summary``, and an ``a`` whose class is
  ``btn``/``button`` or starts with ``btn-``/``button-``, as CSS frameworks style links as buttons),
  table cell (``td``, ``th``), label (``label``, ``legend``); text with none of these above it is
  "other". Texts are matched by words, so a paragraph the candidate cut into lines still counts:
  both pages' words (lowercased, in document order) are aligned with ``difflib``'s matcher; a
  reference text whose words are at least half aligned is held by both, and the role of the
  candidate's aligned words (the most common one) is compared with its own.
- ``tree_bleu``: TreeBLEU as Gui et al. define it in "VISION2UI" (since renamed "WebCode2M", arXiv
  2404.06369): the share of the reference DOM's 1-height subtrees that the generated DOM holds too,
  ``|S(t) ∩ S(t')| / |S(t)|`` over the *sets* of subtrees of reference t and candidate t'; DCGen
  (Wan et al., arXiv 2406.16386) and LaTCoder (Gui et al.) report it so. A 1-height subtree is an
  element's tag with the ordered tags of its element children, for every element with children, from ``body``
  down; ``script``, ``style``, ``noscript``, ``template``, ``meta``, ``link`` are left out as they
  draw nothing. Published implementations parse the source with BeautifulSoup; here both pages are
  parsed by Chromium (the same parser for both, which also adds the implied ``tbody`` to either).

Both pages are read with their own scripts off: what is measured is the markup and CSS each page
serves, and the screenshots at 390 and 768 are of that same state, so a script cannot make the
measured DOM differ from the measured pixels, rewrite the page after it is read, or replace the
functions the reading script calls (no page script ever runs). A page that builds its DOM with
JavaScript is measured as served. Design2Code's references are static pages.

The DOM metrics (``absolute``, ``roles``, ``tree_bleu``) are read at ``DOM_WIDTH`` (768 px): media
queries may hide or move elements, and the tablet width is the nearer of the two to a desktop
design. Four renders a pair (two a page), each followed by one reading script on the same page.
"""

from __future__ import annotations

import difflib
import logging
import re
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PIL import Image

from .ssim import compare

if TYPE_CHECKING:
    from ..render import Renderer
    from ..render.browser import Rendered

log = logging.getLogger(__name__)

WIDTHS = (390, 768)
VIEWPORT_HEIGHTS = {390: 844, 768: 1024}  # a phone's and a tablet's screens, so 100vh sections look right
DOM_WIDTH = 768
MIN_HELD = 0.5  # a reference text is held by the candidate when at least this share of its words align
ROLES = ("heading", "paragraph", "list item", "link", "button", "table cell", "label", "other")
ROLE_MAP = {  # documentation of READ_PAGE's roleOf, which applies it in the page
    "role=heading, h1-h6": "heading",
    "role=paragraph, p": "paragraph",
    "role=listitem, li, dt, dd": "list item",
    "role=link, a": "link",
    "role=button, button, summary, a.btn, a.button, a.btn-*, a.button-*": "button",
    "role=cell|gridcell|columnheader|rowheader, td, th": "table cell",
    "label, legend": "label",
}
METRICS = (
    "ssim@390",
    "ssim@768",
    "overflow@390",
    "overflow@768",
    "absolute",
    "absolute_reference",
    "roles",
    "tree_bleu",
)

# Runs on a page whose own scripts are off: nothing it calls can have been replaced.
READ_PAGE = r"""() => {
  const SKIP = new Set(["script", "style", "noscript", "template", "meta", "link", "title", "head", "base"]);
  const ARIA = {heading: "heading", paragraph: "paragraph", listitem: "list item", link: "link",
    button: "button", cell: "table cell", gridcell: "table cell", columnheader: "table cell",
    rowheader: "table cell"};
  const BUTTON_CLASS = /(^|\s)(btn|button)([-_][\w-]*)?(?=\s|$)/i;
  const roleOf = (el) => {
    const aria = (el.getAttribute("role") || "").trim().toLowerCase().split(/\s+/)[0];
    if (ARIA[aria]) return ARIA[aria];
    const tag = el.localName;
    if (/^h[1-6]$/.test(tag)) return "heading";
    if (tag === "p") return "paragraph";
    if (tag === "li" || tag === "dt" || tag === "dd") return "list item";
    if (tag === "button" || tag === "summary") return "button";
    if (tag === "a") return BUTTON_CLASS.test(el.getAttribute("class") || "") ? "button" : "link";
    if (tag === "td" || tag === "th") return "table cell";
    if (tag === "label" || tag === "legend") return "label";
    return null;
  };
  let visible = 0, positioned = 0;
  const subtrees = new Set();
  const texts = [];
  const walk = (el, inherited) => {
    const role = roleOf(el) || inherited;
    const kids = [];
    for (const child of el.children) if (!SKIP.has(child.localName)) kids.push(child.localName);
    if (kids.length) subtrees.add(el.localName + ">" + kids.join(","));
    const style = getComputedStyle(el);
    const box = el.getBoundingClientRect();
    const shown = style.visibility !== "hidden" && style.display !== "none";
    if (shown && box.width > 0 && box.height > 0) {
      visible += 1;
      if (style.position === "absolute" || style.position === "fixed") positioned += 1;
    }
    const drawn = shown && el.getClientRects().length > 0;
    for (const node of el.childNodes) {
      if (node.nodeType === 3) {
        const text = node.data.replace(/\s+/g, " ").trim();
        if (text && drawn) texts.push([text, role]);
      } else if (node.nodeType === 1 && !SKIP.has(node.localName)) {
        walk(node, role);
      }
    }
  };
  if (document.body) walk(document.body, "other");
  const root = document.documentElement;
  const transparent = (c) => !c || c === "transparent" || /^rgba\(.*,\s*0\)$/.test(c);
  let canvas = getComputedStyle(root).backgroundColor;
  if (transparent(canvas) && document.body) canvas = getComputedStyle(document.body).backgroundColor;
  return {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth, visible, positioned,
    subtrees: [...subtrees], texts, canvas: transparent(canvas) ? "rgb(255, 255, 255)" : canvas};
}"""


@dataclass(frozen=True)
class PageReading:
    """One page rendered at one width: its screenshot and what READ_PAGE found."""

    width: int
    image: Image.Image
    scroll_width: int
    client_width: int
    visible: int
    positioned: int
    subtrees: frozenset[str]
    texts: tuple[tuple[str, str], ...]  # (text, role) in document order
    canvas: tuple[int, int, int]  # the canvas background, what a page is extended with
    seconds: float

    @property
    def overflows(self) -> bool:
        """The document is wider than the viewport: the page scrolls sideways."""
        return self.scroll_width > self.client_width

    @property
    def absolute_share(self) -> float | None:
        return self.positioned / self.visible if self.visible else None


@dataclass(frozen=True)
class CodeScores:
    """The code metrics of a candidate against a reference (see the module docstring)."""

    ssim: dict[int, float]
    overflow: dict[int, int]
    absolute: float | None
    absolute_reference: float | None
    roles: float | None
    texts_held: int  # reference texts the candidate holds too (what ``roles`` is a share of)
    tree_bleu: float | None
    seconds: float
    scrolls: dict[int, tuple[bool, bool]] | None = (
        None  # (candidate, reference) wider than the screen, by width
    )

    def as_dict(self) -> dict[str, float | None]:
        """Scores by the names they carry in scores.jsonl and the reports (METRICS), rounded."""

        def rounded(value: float | None) -> float | None:
            return None if value is None else round(value, 5)

        scores: dict[str, float | None] = {f"ssim@{w}": rounded(v) for w, v in self.ssim.items()}
        scores.update({f"overflow@{w}": float(v) for w, v in self.overflow.items()})
        scores.update(
            absolute=rounded(self.absolute),
            absolute_reference=rounded(self.absolute_reference),
            roles=rounded(self.roles),
            tree_bleu=rounded(self.tree_bleu),
        )
        return scores


def _colour(css: str) -> tuple[int, int, int]:
    """A computed ``rgb()``/``rgba()`` colour as RGB, a translucent one laid over white."""
    numbers = [float(n) for n in re.findall(r"[\d.]+", css)]
    if len(numbers) < 3:
        return 255, 255, 255
    alpha = numbers[3] if len(numbers) > 3 else 1.0
    r, g, b = (round(alpha * c + (1 - alpha) * 255) for c in numbers[:3])
    return r, g, b


def reading(rendered: Rendered, width: int) -> PageReading:
    """A PageReading from a render whose ``value`` is READ_PAGE's result."""
    value: dict[str, Any] = rendered.value
    return PageReading(
        width=width,
        image=rendered.image,
        scroll_width=int(value["scrollWidth"]),
        client_width=int(value["clientWidth"]),
        visible=int(value["visible"]),
        positioned=int(value["positioned"]),
        subtrees=frozenset(str(s) for s in value["subtrees"]),
        texts=tuple((str(text), str(role)) for text, role in value["texts"]),
        canvas=_colour(str(value["canvas"])),
        seconds=rendered.seconds,
    )


def read_page(
    renderer: Renderer, page: str | Path, width: int, *, assets: tuple[Path, ...] = ()
) -> PageReading:
    """Render ``page`` (HTML text, or an .html file that may read ``assets``) ``width`` wide, full
    page, with its scripts off, and read it."""
    height = VIEWPORT_HEIGHTS.get(width, 1024)
    if isinstance(page, Path):
        rendered = renderer.render_file(
            page, width, height, assets=assets, javascript=False, script=READ_PAGE
        )
    else:
        rendered = renderer.render_html(page, width, height, javascript=False, script=READ_PAGE)
    return reading(rendered, width)


def extend(image: Image.Image, height: int, colour: tuple[int, int, int]) -> Image.Image:
    """``image`` extended downwards to ``height`` rows of ``colour``."""
    if image.height >= height:
        return image
    canvas = Image.new("RGB", (image.width, height), colour)
    canvas.paste(image.convert("RGB"), (0, 0))
    return canvas


def reflow_ssim(reference: PageReading, candidate: PageReading) -> float:
    """SSIM of two renders of one width, the shorter extended with its own canvas colour."""
    height = max(reference.image.height, candidate.image.height)
    return compare(
        extend(reference.image, height, reference.canvas), extend(candidate.image, height, candidate.canvas)
    ).ssim


def tree_bleu(reference: frozenset[str], candidate: frozenset[str]) -> float | None:
    """TreeBLEU: the share of the reference's 1-height subtrees found in the candidate (None when
    the reference has none)."""
    if not reference:
        return None
    return len(reference & candidate) / len(reference)


def _words(texts: tuple[tuple[str, str], ...]) -> tuple[list[str], list[int]]:
    """Every word of ``texts`` (lowercased) and the index of the text it belongs to."""
    words: list[str] = []
    owners: list[int] = []
    for index, (text, _) in enumerate(texts):
        for word in text.lower().split():
            words.append(word)
            owners.append(index)
    return words, owners


def role_agreement(
    reference: tuple[tuple[str, str], ...], candidate: tuple[tuple[str, str], ...]
) -> tuple[float | None, int]:
    """The share of the texts both pages hold whose roles agree, and how many texts that is.

    Words are aligned in document order; a reference text with at least MIN_HELD of its words
    aligned is held, and takes the most common role among the candidate words aligned to it."""
    ref_words, ref_owner = _words(reference)
    cand_words, cand_owner = _words(candidate)
    aligned: dict[int, Counter[str]] = {}
    matcher = difflib.SequenceMatcher(None, ref_words, cand_words, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            text = ref_owner[block.a + offset]
            role = candidate[cand_owner[block.b + offset]][1]
            aligned.setdefault(text, Counter())[role] += 1
    held = agreed = 0
    sizes = Counter(ref_owner)
    for text, roles in aligned.items():
        if sum(roles.values()) < MIN_HELD * sizes[text]:
            continue
        held += 1
        agreed += roles.most_common(1)[0][0] == reference[text][1]
    return (agreed / held if held else None), held


def score_readings(reference: dict[int, PageReading], candidate: dict[int, PageReading]) -> CodeScores:
    """The code metrics from both pages' readings at WIDTHS (DOM metrics at DOM_WIDTH)."""
    ref_dom, cand_dom = reference[DOM_WIDTH], candidate[DOM_WIDTH]
    roles, held = role_agreement(ref_dom.texts, cand_dom.texts)
    seconds = sum(r.seconds for r in (*reference.values(), *candidate.values()))
    return CodeScores(
        ssim={w: reflow_ssim(reference[w], candidate[w]) for w in WIDTHS},
        overflow={w: int(candidate[w].overflows and not reference[w].overflows) for w in WIDTHS},
        absolute=cand_dom.absolute_share,
        absolute_reference=ref_dom.absolute_share,
        roles=roles,
        texts_held=held,
        tree_bleu=tree_bleu(ref_dom.subtrees, cand_dom.subtrees),
        seconds=seconds,
        scrolls={w: (candidate[w].overflows, reference[w].overflows) for w in WIDTHS},
    )


def score_code(
    renderer: Renderer,
    reference: str | Path,
    candidate: str | Path,
    *,
    assets: tuple[Path, ...] = (),
) -> CodeScores:
    """Render both pages at WIDTHS (each once a width) and score the candidate; a page is HTML text
    or an .html file (the candidate's file may read ``assets``, as a run's ``OUT/assets``)."""
    start = time.perf_counter()
    ref = {w: read_page(renderer, reference, w) for w in WIDTHS}
    cand = {w: read_page(renderer, candidate, w, assets=assets) for w in WIDTHS}
    scores = score_readings(ref, cand)
    total = time.perf_counter() - start
    log.debug("code metrics in %.2f s (%.2f s rendering)", total, scores.seconds)
    return CodeScores(**{**scores.__dict__, "seconds": total})


def describe_code(scores: dict[str, Any]) -> str:
    """The code metrics of a ``score`` result as one line for a person."""

    def pct(name: str) -> str:
        value = scores.get(name)
        return "–" if value is None else f"{100 * value:.1f}"

    ssims = "  ".join(f"SSIM@{w} {scores[f'ssim@{w}']:.4f}" for w in WIDTHS)
    overflow = ", ".join(f"{w}px" for w in WIDTHS if scores.get(f"overflow@{w}"))
    return (
        f"Code  {ssims}  absolute {pct('absolute')}% (reference {pct('absolute_reference')}%)  "
        f"roles {pct('roles')}  TreeBLEU {pct('tree_bleu')}  "
        f"scrolls sideways where the reference does not: {overflow or 'no'}"
    )

"""The model-free corrector: measured findings applied to a page as CSS, kept only where they help.

``correct`` reads a page against the design (``score.feedback``), turns one kind of finding at a
time into CSS patches (text and background colours set to the design's, font sizes scaled to the
design's text, widths of boxes whose text wraps differently, vertical then horizontal offsets
through the margins of the right element, top-down, so one shift is not counted twice), tries each
kind's patches all together and then in a few groups, costliest first, and keeps a group only when
the page scores better (SSIM plus the mean Design2Code score, with neither SSIM nor Color nor
Position falling by more than MAX_DROP). A group costs at most two renders: all its patches, then,
when that did not help, the costlier half. Rounds go on until one keeps nothing; the page returned
is better than the input by that same rule (groups are undone from the last while their small drops
add up to more), and the input comes back unchanged when nothing helps.

Pages are read with their own scripts off (a script cannot forge its findings). A page that its
scripts change is drawn otherwise in the loop, so a corrected page is drawn once more as the loop
draws it, beside the input, and the input comes back when the corrected page's SSIM is lower there.

Patches live in one ``<style id="img2code-corrections">`` at the end of the body, one rule per
selector, so the page's own code stays as it was written, with one exception: a wrong text colour
that only an element's style attribute sets, where the design shows its parent's colour, is taken
out of that attribute (``style_attributes``), and the element inherits. Nothing is positioned
absolutely: a page is never turned into a pixel trace.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from .score.feedback import (
    MIN_SHIFT_PX,
    Comparison,
    DesignText,
    Element,
    Finding,
    PageRead,
    ancestors,
    compare_page,
    design_text,
    findings,
    hex_colour,
    read_page,
)
from .score.ssim import compare
from .style_attributes import StyledElement, drop_declaration

if TYPE_CHECKING:
    from PIL import Image

    from .render import Renderer
    from .score.design2code import TextBlocks

log = logging.getLogger(__name__)

STYLE_ID = "img2code-corrections"
STYLE_RE = re.compile(rf"<style id=\"{STYLE_ID}\">(.*?)</style>\n?", re.DOTALL | re.IGNORECASE)
RULE_RE = re.compile(r"([^{}]+)\{([^{}]*)\}")
BODY_CLOSE = re.compile(r"</body\s*>", re.IGNORECASE)
LEADING_PX = 12  # a text "starts right under" a padding when no more than this lies between
FIXED_MARGIN = 24  # px: a wider left margin is written to shrink with the window
# sizes and places first: colours are measured where the texts and boxes are; a page's colours
# before its texts': letters blend their edges with what they are drawn on
KINDS = ("font_size", "box_width", "moved_y", "moved_x", "background", "text_colour")
MAX_ROUNDS = 4
MAX_GROUPS = 4  # a kind's patches are tried in at most this many groups a round
MIN_GAIN = 1e-4  # a group must raise the score by this much to be kept
MAX_DROP = 0.001  # ... and may lower SSIM, Color or Position by no more than this
PIXEL_SAME = 0.9999  # an SSIM this high is the design's render
INHERITED_RGB = 16  # a wanted text colour this near its parent's (per channel) is the parent's

Rules = dict[str, dict[str, str]]  # selector -> property -> value


@dataclass(frozen=True)
class Patch:
    """One CSS declaration for one selector, and the finding it answers (in words)."""

    selector: str
    property: str
    value: str
    reason: str
    # set: the declaration is taken out of this element's style attribute instead (``value`` is
    # what the element then has: ``inherit``); a rule says so where the element cannot be told
    inline: StyledElement | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "selector": self.selector,
            "property": self.property,
            "value": self.value,
            "reason": self.reason,
            **({"from_style_attribute": True} if self.inline else {}),
        }


@dataclass
class PatchGroup:
    """Patches of one kind tried together, the scores before and after, and whether they were kept."""

    kind: str
    patches: list[Patch]
    before: dict[str, float]
    after: dict[str, float]
    kept: bool
    round: int
    part: int = 0  # which of the kind's groups in that round
    undone: bool = False  # kept, then undone: with it the page was no longer better than the input

    def to_json(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "round": self.round,
            "part": self.part,
            "undone": self.undone,
            "kept": self.kept,
            "before": self.before,
            "after": self.after,
            "patches": [patch.to_json() for patch in self.patches],
        }


@dataclass
class Correction:
    """What ``correct`` did: the page it returns, its scores before and after, every group tried,
    the findings left on the returned page, renders made and seconds spent."""

    code: str
    before: dict[str, float]
    after: dict[str, float]
    groups: list[PatchGroup] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    renders: int = 0
    seconds: float = 0.0
    # groups were kept, but together they lowered a score (or the SSIM of the page as it is drawn,
    # its scripts run): the input is returned
    reverted: bool = False

    @property
    def changed(self) -> bool:
        return any(group.kept for group in self.groups) and not self.reverted

    def revert(self, code: str, left: list[Finding]) -> None:
        """Return the input ``code`` after all (``left``: its findings), every kept group undone."""
        self.code, self.after, self.findings, self.reverted = code, self.before, left, True
        for group in self.groups:
            group.undone, group.kept = group.undone or group.kept, False

    def to_json(self) -> dict[str, object]:
        return {
            "before": self.before,
            "after": self.after,
            "changed": self.changed,
            "reverted": self.reverted,
            "renders": self.renders,
            "seconds": round(self.seconds, 3),
            "groups": [group.to_json() for group in self.groups],
        }


def split_corrections(code: str) -> tuple[str, Rules]:
    """The page without its corrections style, and the rules that style held."""
    rules: Rules = {}
    match = STYLE_RE.search(code)
    if match is None:
        return code, rules
    body = re.sub(r"/\*.*?\*/", "", match.group(1), flags=re.DOTALL)
    for selector, declarations in RULE_RE.findall(body):
        rule = rules.setdefault(selector.strip(), {})
        for declaration in declarations.split(";"):
            name, _, value = declaration.partition(":")
            if name.strip() and value.strip():
                rule[name.strip()] = value.replace("!important", "").strip()
    return code[: match.start()] + code[match.end() :], rules


def with_corrections(code: str, rules: Rules) -> str:
    """``code`` with ``rules`` in one corrections style at the end of its body (none when empty)."""
    if not rules:
        return code
    lines = [f'<style id="{STYLE_ID}">', "/* img2code: measured corrections against the design */"]
    for selector, declarations in rules.items():
        body = " ".join(f"{name}: {value} !important;" for name, value in declarations.items())
        lines.append(f"{selector} {{ {body} }}")
    style = "\n".join(lines) + "\n</style>\n"
    closing = list(BODY_CLOSE.finditer(code))
    if closing:
        at = closing[-1].start()
        return code[:at] + style + code[at:]
    return code.rstrip() + "\n" + style


def _patched(base: str, rules: Rules, patches: list[Patch]) -> tuple[str, Rules]:
    """The page's own code and its corrections with ``patches`` applied: a declaration of a style
    attribute is taken out there (a rule says the same where the element cannot be told in the
    code), anything else is a rule."""
    as_rules = [patch for patch in patches if patch.inline is None]
    for name in sorted({patch.property for patch in patches if patch.inline}):
        dropping = [patch for patch in patches if patch.inline and patch.property == name]
        base, missed = drop_declaration(base, name, [patch.inline for patch in dropping if patch.inline])
        as_rules += [patch for patch in dropping if patch.inline in missed]
    merged = {selector: dict(values) for selector, values in rules.items()}
    for patch in as_rules:
        merged.setdefault(patch.selector, {})[patch.property] = patch.value
    return base, merged


def _px(value: float) -> str:
    return f"{round(value * 2) / 2:g}px"


def _clip(values: np.ndarray) -> tuple[int, int, int]:
    r, g, b = (int(v) for v in np.clip(np.round(values), 0, 255))
    return r, g, b


def _hex_rgb(value: str) -> np.ndarray:
    return np.array([int(value[i : i + 2], 16) for i in (1, 3, 5)], dtype=float)


def colour_patches(found: list[Finding], page: PageRead) -> list[Patch]:
    """Text colours: the element's CSS colour moved by what separates the page's ink from the
    design's (so the anti-aliasing of thin text is accounted for). Ink is comparable only between
    texts drawn at one size: a colour measured on a text whose size is still off is left as it is
    (smaller letters draw lighter ink, and "fixing" that would spoil a right colour)."""
    resized = {f.element for f in found if f.kind == "font_size"}
    patches = []
    for finding in found:
        if finding.kind != "text_colour" or finding.measured in resized:
            continue
        element = page.elements[finding.element]
        css = np.array(element.colour[:3], dtype=float)
        wanted = css + _hex_rgb(str(finding.design)) - _hex_rgb(str(finding.page))
        patch = Patch(finding.selector, "color", hex_colour(_clip(wanted)), finding.describe())
        patches.append(_inherited(element, wanted, page, finding) or patch)
    return patches


def _inherited(element: Element, wanted: np.ndarray, page: PageRead, finding: Finding) -> Patch | None:
    """A colour that only the element's style attribute sets, where the design's is its parent's:
    the declaration is taken out and the element inherits (what a developer would write, and a
    text whose colour is set inline stays out of Design2Code's colour-coded blocks)."""
    if element.inline_colour is None or element.parent < 0:
        return None
    inherited = np.array(page.elements[element.parent].colour[:3], dtype=float)
    if float(np.abs(inherited - wanted).max()) > INHERITED_RGB:
        return None
    reason = f"{finding.describe()}; its parent's colour, so its style attribute's is taken out"
    return Patch(finding.selector, "color", "inherit", reason, element.inline_colour)


def background_patches(found: list[Finding], page: PageRead) -> list[Patch]:
    return [
        Patch(f.selector, "background-color", str(f.design), f.describe())
        for f in found
        if f.kind == "background"
    ]


def font_patches(found: list[Finding], page: PageRead) -> list[Patch]:
    seen: set[str] = set()
    patches = []
    for finding in found:
        if finding.kind == "font_size" and finding.selector not in seen:
            seen.add(finding.selector)
            design = float(finding.design)  # type: ignore[arg-type]
            patches.append(Patch(finding.selector, "font-size", _px(design), finding.describe()))
    return patches


def width_patches(found: list[Finding], page: PageRead) -> list[Patch]:
    """Each box found too narrow or too wide takes one width: the widest that a text the design
    shows in one line needs (its box is at least that wide), else the costliest finding's (a
    wrapped text's width, told less surely by its ragged lines)."""
    chosen: dict[str, Finding] = {}
    for finding in found:
        if finding.kind == "box_width":
            now = chosen.setdefault(finding.selector, finding)
            if finding.detail.get("at_least") and (
                not now.detail.get("at_least") or float(finding.design) > float(now.design)  # type: ignore[arg-type]
            ):
                chosen[finding.selector] = finding
    patches = []
    for finding in chosen.values():
        element = page.elements[finding.element]
        if element.tag in ("html", "body"):
            continue
        design = float(finding.design)  # type: ignore[arg-type]
        if finding.detail.get("at_least") and design > element.box[2] and _capped(element):
            # a max-width holds the box narrower than its texts need: lift the cap
            patches.append(Patch(finding.selector, "max-width", "none", finding.describe()))
            continue
        content = element.width + design - element.box[2]  # computed width is the content box's
        if content <= 0:
            continue
        # as wide as the design's box where there is room, never wider than its parent (a
        # phone): a width in pixels alone would scroll a narrow screen sideways
        width = f"min({_px(content)}, 100%)"
        patches.append(Patch(finding.selector, "width", width, finding.describe()))
        patches.append(Patch(finding.selector, "max-width", _px(content), finding.describe()))
    return patches


def _capped(element: Element) -> bool:
    """Whether the element's max-width (in px) is what sets its width."""
    match = re.fullmatch(r"([\d.]+)px", element.max_width)
    return match is not None and abs(float(match.group(1)) - element.width) <= 1


def _cells(page: PageRead) -> set[int]:
    """The elements laid out beside a sibling that ends as low or lower (cells of a row that another
    cell gives its height, a sidebar beside a longer main column): a margin inside one moves
    nothing under the row."""
    by_parent: dict[int, list[Element]] = {}
    for element in page.elements:
        if element.box[2] > 0 and element.box[3] > 0 and element.position not in ("absolute", "fixed"):
            by_parent.setdefault(element.parent, []).append(element)
    cells = set()
    for siblings in by_parent.values():
        for a, b in combinations(siblings, 2):
            apart = a.box[0] + a.box[2] <= b.box[0] or b.box[0] + b.box[2] <= a.box[0]
            if not apart or a.box[1] >= b.bottom or b.box[1] >= a.bottom:
                continue
            if b.bottom >= a.bottom - 1:
                cells.add(a.index)
            if a.bottom >= b.bottom - 1:
                cells.add(b.index)
    return cells


def _moved_by(page: PageRead, index: int, target: int, axis: int, cells: set[int] | None = None) -> bool:
    """Whether a margin on ``target`` moves element ``index``: it is inside the target or,
    vertically, inside what is stacked below the target or below one of its ancestors (a later
    sibling starting under its bottom; a column beside it, as in a sidebar, does not move). With
    ``cells`` (``_cells``), a margin inside a cell of a row that another cell gives its height
    moves nothing under the row."""
    mine, theirs = ancestors(page, index), ancestors(page, target)
    shared = 0
    while shared < min(len(mine), len(theirs)) and mine[shared] == theirs[shared]:
        shared += 1
    if shared == len(theirs):
        return True  # inside the target
    if axis == 0 or shared == len(mine) or (cells is not None and cells.intersection(theirs[shared:])):
        return False
    above, below = page.elements[theirs[shared]], page.elements[mine[shared]]
    return below.index > above.index and below.box[1] >= above.bottom - 1


def _shift_target(page: PageRead, index: int, *, outer: bool) -> int:
    """The element whose margin moves a text: its block container, widened to the outermost
    ancestor that starts at the same top (so the box moves with its text); ``outer`` widens it also
    through every ancestor the element is the first child of (a padded box moves with its first text)."""
    element = page.elements[index]
    while element.display.startswith("inline") and element.parent >= 0:
        element = page.elements[element.parent]
    while element.parent >= 0:
        parent = page.elements[element.parent]
        first_child = element.index == parent.index + 1  # elements are listed in document order
        if parent.tag in ("html", "body") or not (
            abs(parent.box[1] - element.box[1]) <= 1.5 or (outer and first_child)
        ):
            break
        element = parent
    return element.index


def _padding_to_give(page: PageRead, index: int, target: int, need: float) -> tuple[int, str] | None:
    """A padding that lifts the text of element ``index`` by ``need`` px when taken back: the
    padding-top of a box the text starts right under, or the padding-bottom of a box that ends
    right above it (a box grown too tall pushes what follows down, and a negative margin on what
    follows would overlap it): the last such box before the ``target`` in the page's order, over
    the text's columns, a sibling's or one nested in an earlier part of the page (a list item's in
    the row above)."""
    runs = [run.box for run in page.texts if run.element == index]
    top, left, right = min(b[1] for b in runs), min(b[0] for b in runs), max(b[2] for b in runs)
    chain = ancestors(page, index)
    for at in reversed(chain):
        box = page.elements[at]
        if box.tag in ("html", "body"):
            break
        if box.padding_top >= need - 1 and top - box.box[1] <= box.padding_top + need + LEADING_PX:
            return at, "padding-top"
    for above in reversed(page.elements[:target]):
        ends = top - above.bottom
        if above.index in chain or not 0 <= ends + 1 <= need + LEADING_PX or above.padding_bottom < need - 1:
            continue
        if above.tag not in ("html", "body") and _over(page, above, left, right):
            return above.index, "padding-bottom"
    return None


def _over(page: PageRead, element: Element, left: float, right: float) -> bool:
    """Whether ``element`` pushes down what lies below it between ``left`` and ``right``: it spans
    some of those columns, or it is the cell that ends lowest in a row spanning them."""

    def spans(box: tuple[float, float, float, float]) -> bool:
        return box[0] < right and box[0] + box[2] > left

    if spans(element.box):
        return True
    if element.parent < 0 or not spans(page.elements[element.parent].box):
        return False
    return all(e.bottom <= element.bottom + 1 for e in page.elements if e.parent == element.parent)


def offset_patches(
    comparison: Comparison, page: PageRead, axis: int, *, outer: bool = True, paddings: bool = False
) -> list[Patch]:
    """Margins that move texts to the design's place, top-down: a margin on an element moves the
    element, what is inside it and (vertically) what follows below it, so each text is moved only by
    what the shifts above it have not moved already. With ``paddings``, a text too low is lifted by
    taking back a padding that pushes it down where there is one (``_padding_to_give``)."""
    steady = [pair for pair, kept in zip(comparison.pairs, comparison.steady, strict=True) if kept]
    pairs = sorted(steady, key=lambda pair: page.texts[pair.runs[0]].box[1::-1])
    cells = _cells(page) if axis == 1 else set()  # only vertical shifts move what lies under a row
    shifts: list[tuple[int, float, bool]] = []  # (element, px, whether a margin moves it)
    amounts: dict[tuple[int, str], float] = {}
    reasons: dict[tuple[int, str], str] = {}
    for pair in pairs:
        run = page.texts[pair.runs[0]]
        wanted = comparison.offset(pair)[axis]
        moved = 0.0
        for target, amount, margin in shifts:
            if _moved_by(page, run.element, target, axis, cells if margin else None):
                moved += amount
        residual = wanted - moved
        if abs(residual) < MIN_SHIFT_PX:
            continue
        target = _shift_target(page, run.element, outer=outer)
        if page.elements[target].position in ("absolute", "fixed"):
            continue
        prop = "margin-top" if axis == 1 else "margin-left"
        given = _padding_to_give(page, run.element, target, -residual) if paddings and residual < 0 else None
        if given is not None:
            target, prop = given
        shifts.append((target, residual, prop.startswith("margin")))
        amounts[target, prop] = amounts.get((target, prop), 0.0) + residual
        word = ("down" if residual > 0 else "up") if axis == 1 else ("right" if residual > 0 else "left")
        reasons.setdefault((target, prop), f'moves "{run.text[:40]}" {abs(residual):.0f} px {word}')
    patches = []
    for (target, prop), amount in amounts.items():
        element = page.elements[target]
        if prop == "margin-left":
            value = _left_margin(element.margin_left + amount, page.image.width)
        else:
            now = {
                "margin-top": element.margin_top,
                "padding-top": element.padding_top,
                "padding-bottom": element.padding_bottom,
            }
            value = _px(now[prop] + amount)
        patches.append(Patch(element.selector, prop, value, reasons[target, prop]))
    return patches


def _left_margin(px: float, width: int) -> str:
    """A left margin of ``px`` at the design's ``width``; a wide one gives its room back as the
    window narrows (a phone must not scroll sideways because a margin was fitted at 1280 px)."""
    if px <= FIXED_MARGIN:
        return _px(px)
    return f"clamp(0px, calc(100vw - {_px(width - px)}), {_px(px)})"


def _groups(kind: str, comparison: Comparison, found: list[Finding]) -> list[list[list[Patch]]]:
    """What to try for one kind, each group tried whole and then, when that did not help, its
    costlier half: all the kind's patches first (boxes squeezed together may need freeing together),
    then the same in at most MAX_GROUPS groups, costliest first (one wrong patch does not sink every
    right one of its kind). Offsets are one group, moving the outer boxes, then the inner ones (each
    text's shift counts the shifts above it, so they are not split)."""
    if kind in ("moved_y", "moved_x"):
        axis = 1 if kind == "moved_y" else 0
        tries = [offset_patches(comparison, comparison.page, axis, outer=outer) for outer in (True, False)]
        groups = [[patches for patches in tries if patches]]
        if axis == 1:
            groups.append([offset_patches(comparison, comparison.page, axis, paddings=True)])
        return [group for group in groups if group and group[0]]
    units: list[list[Patch]] = []  # one selector's patches (a width and its max-width) stay together
    for patch in _patches(kind, comparison, found):
        if units and units[-1][0].selector == patch.selector:
            units[-1].append(patch)
        else:
            units.append([patch])
    size = -(-len(units) // MAX_GROUPS) or 1
    chunks = [units] + (
        [units[at : at + size] for at in range(0, len(units), size)] if len(units) > 1 else []
    )
    groups = []
    for chunk in chunks:
        tries = [[patch for unit in chunk for patch in unit]]
        if len(chunk) > 1:
            tries.append([patch for unit in chunk[: (len(chunk) + 1) // 2] for patch in unit])
        groups.append(tries)
    return groups


def _patches(kind: str, comparison: Comparison, found: list[Finding]) -> list[Patch]:
    page = comparison.page
    if kind == "background":
        return background_patches(found, page)
    if kind == "text_colour":
        return colour_patches(found, page)
    if kind == "font_size":
        return font_patches(found, page)
    if kind == "box_width":
        return width_patches(found, page)
    return offset_patches(comparison, page, 1 if kind == "moved_y" else 0)


def better(new: Comparison, old: Comparison) -> bool:
    """The greedy rule: a higher score, with SSIM, Color and Position each kept (within MAX_DROP);
    or a render that is the design's pixels where the old one was not (what the text matching then
    reads otherwise is its own noise)."""
    if new.ssim >= PIXEL_SAME > old.ssim:
        return True
    return (
        new.score > old.score + MIN_GAIN
        and new.ssim >= old.ssim - MAX_DROP
        and new.color >= old.color - MAX_DROP
        and new.position >= old.position - MAX_DROP
    )


Measure = Callable[[str], Comparison]


def correct_with(code: str, measure: Measure, *, max_rounds: int = MAX_ROUNDS) -> Correction:
    """The greedy loop over any ``measure`` (a page's code -> its Comparison with the design)."""
    started = time.perf_counter()
    base, rules = split_corrections(code)
    current = first = measure(code)
    renders = 1
    result = Correction(code, current.scores(), current.scores())
    # after each kept group: the page's own code, the rules, their scores, groups tried
    states = [(base, rules, current, 0)]
    for round_ in range(max_rounds):
        kept_any = False
        seen: list[tuple[str, Rules]] = []
        for kind in KINDS:
            for part, tries in enumerate(_groups(kind, current, findings(current))):
                for attempt in tries:
                    trial_code = _patched(base, rules, attempt)
                    if trial_code == (base, rules) or trial_code in seen:
                        continue  # kept with a group before it, or tried already
                    seen.append(trial_code)
                    trial = measure(with_corrections(*trial_code))
                    renders += 1
                    kept = better(trial, current)
                    result.groups.append(
                        PatchGroup(kind, attempt, current.scores(), trial.scores(), kept, round_, part)
                    )
                    if kept:
                        (base, rules), current, kept_any = trial_code, trial, True
                        states.append((base, rules, current, len(result.groups)))
                        break
        if not kept_any:
            break
    # small drops of kept groups may add up: back to the last state that is still better than the
    # input by the greedy rule (the input itself when there is none)
    base, rules, current, tried = next(
        state for state in reversed(states) if better(state[2], first) or state[3] == 0
    )
    for group in result.groups[tried:]:
        group.undone, group.kept = group.kept, False
    result.reverted = any(group.undone for group in result.groups) and tried == 0
    if tried:
        result.code = with_corrections(base, rules)
    result.after = current.scores()
    result.findings = findings(current)
    result.renders = renders
    result.seconds = time.perf_counter() - started
    return result


def correct(renderer: Renderer, code: str, design: DesignText, *, max_rounds: int = MAX_ROUNDS) -> Correction:
    """Correct ``code`` against ``design`` (see the module's docstring), rendering with ``renderer``."""
    width, height = design.image.size

    def measure(page: str) -> Comparison:
        return compare_page(design, read_page(renderer, page, width, height))

    result = correct_with(code, measure, max_rounds=max_rounds)
    if result.changed:
        drawn_before, drawn_after = (_drawn_ssim(renderer, page, design) for page in (code, result.code))
        result.renders += 2
        if drawn_after < drawn_before:
            # better read with its scripts off, worse as it is drawn (what an eval scores, so by
            # any amount): the input comes back
            result.revert(code, findings(measure(code)))
            result.renders += 1
    return result


def _drawn_ssim(renderer: Renderer, code: str, design: DesignText) -> float:
    """SSIM of the page as the loop draws it (its scripts run) against the design."""
    width, height = design.image.size
    return compare(design.image, renderer.render_html(code, width, height).image).ssim


def design_from_image(image: Image.Image, blocks: TextBlocks | None = None) -> DesignText:
    """The design's texts: ``blocks`` (a reference page's) or OCR lines of ``image``, measured on it."""
    from .score.textblocks import blocks_from_ocr

    return design_text(image, blocks if blocks is not None else blocks_from_ocr(image))


def fix_file(page: Path, source: Path, out: Path, *, timeout_s: float = 15.0) -> Correction:
    """``img2code fix``: correct the HTML file ``page`` against the screenshot ``source``; writes
    OUT/index.html (the page, corrected where that scored better), OUT/render.png and OUT/result.json
    (scores before and after, every patch group tried, the findings left)."""
    from .errors import InputError
    from .images import load_image
    from .output import atomic_write
    from .render.browser import Browser

    try:
        code = page.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"cannot read {page}: {exc.strerror or exc}") from exc
    image = load_image(source).image
    design = design_from_image(image)
    with Browser(timeout_s=timeout_s) as browser:
        correction = correct(browser, code, design)
        render = browser.render_html(correction.code, image.width, image.height)
    out.mkdir(parents=True, exist_ok=True)
    atomic_write(out / "index.html", correction.code.encode())
    atomic_write(out / "render.png", render.png)
    record = {
        "page": str(page),
        "source": str(source),
        **correction.to_json(),
        "findings": [{**f.to_json(), "words": f.describe()} for f in correction.findings],
    }
    atomic_write(out / "result.json", (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode())
    return correction


class LoopCorrector:
    """The loop's step after each HTML generation: corrects the draft against the source (or, with
    ``apply`` off, only measures it), so the next prompt can carry the findings."""

    def __init__(
        self, renderer: Renderer, image: Image.Image, blocks: Callable[[], TextBlocks], *, apply: bool = True
    ) -> None:
        self.renderer = renderer
        self.image = image
        self.blocks = blocks
        self.apply = apply
        self._design: DesignText | None = None

    def __call__(self, code: str) -> Correction:
        if self._design is None:
            self._design = design_text(self.image, self.blocks())
        return correct(self.renderer, code, self._design, max_rounds=MAX_ROUNDS if self.apply else 0)

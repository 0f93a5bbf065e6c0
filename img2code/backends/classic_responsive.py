"""One flow page, one DOM, from several shots of a responsive page (``--responsive``, classic backend).

Mobile first: the narrowest shot's layout tree (``vision.structure``) is the page, its rows,
columns, grids and semantic tags written by ``classic_flow``. Each wider shot is read too, its
texts matched to the page's by their words (``_matches``; lines of the page that the wider shot
shows as one text are joined into one: ``_join_pieces``), and its boxes to the page's by the texts
they hold (``_twins``). Runs of the page's elements that the wider shot lays out side by side are
wrapped (``_group``), and what only the wider shot shows is put in (``_insert_missing``). What the
wider shot shows differently becomes utility classes that apply from its breakpoint up
(``@media (min-width: ...)``):

- ``atW-row`` / ``atW-grid-N-G``: a column that is a row, or a grid of N columns, there;
- ``atW-hidden`` / ``atW-only``: an element the shot at W does not show / that only it shows;
- ``atW-p-T-R-B-L``: a box's padding there; ``atW-bg-RRGGBB`` / ``atW-text-RRGGBB``: its colours;
- ``atW-ml-N`` / ``atW-mt-N`` / ``atW-mr-N`` / ``atW-center`` / ``atW-order-N``: its offsets
  there; ``atW-center-box``: a box centred there at its full width (up to its ``atW-max-w-N``);
  ``atW-w-N`` / ``atW-max-w-N`` / ``atW-cell``: its width in a row, a column, a grid.

Every text appears once in the page, and at the narrowest shot's width the page is the flow page
of that shot alone (the wrappers are columns in columns; joined lines wrap where they were drawn).
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..vision.colour import colour_distance, css_hex
from ..vision.geometry import Box
from ..vision.page import Layout
from ..vision.structure import PITCH_RANGE, SAME_SIZE, Flow, PageNode, build, snap, wrap_width
from ..vision.style import Span
from . import classic_flow

WORD = re.compile(r"[a-z0-9]+")
MATCH_DICE = 0.5  # words two texts must share (Dice) to be one text
LETTERS_DICE = 0.6  # pairs of letters two texts the words left apart must share (Dice) to be one
LETTERS_APART = 0.25  # how far apart (shares of their pages' orders) texts paired by letters may be
PART_SHARE = 0.8  # share of a text's words another must hold for it to be a part of that one
PRESENT_SHARE = 0.5  # share of a page's text's words among a shot's left-over texts: it is there
EDGE = 3  # px from a shot's right edge: a text there runs off it
SAME_COLOUR = 40.0  # RGB distance under which two shots paint a box or a text alike
TWIN_SHARE = 0.8  # share of a shot's node's texts that must be a page node's for the two to be one


def _words(text: str) -> Counter[str]:
    return Counter(WORD.findall(text.lower()))


def _texts(node: PageNode) -> list[PageNode]:
    """The nodes under ``node`` (itself included) that carry a text."""
    return [n for n in node.walk() if n.text_style is not None and _words(n.text)]


@dataclass
class Adaptation:
    """What one other shot changes, as utility classes: per page node (by id) and their CSS rules."""

    width: int
    classes: dict[int, list[str]] = field(default_factory=dict)
    rules: dict[str, str] = field(default_factory=dict)  # class name -> declarations
    only: bool = False  # some elements are the shot's own: shown in its width range only (``atW-only``)

    def add(self, node: PageNode, name: str, declarations: str) -> None:
        self.classes.setdefault(id(node), []).append(name)
        self.rules.setdefault(name, declarations)


def _share(part: Counter[str], whole: Counter[str]) -> float:
    """The share of ``part``'s words that ``whole`` holds."""
    return sum((part & whole).values()) / max(sum(part.values()), 1)


def _dice(one: Counter[str], other: Counter[str]) -> float:
    """How much two texts' words (or pairs of letters) overlap: Dice's coefficient."""
    return 2 * sum((one & other).values()) / max(sum(one.values()) + sum(other.values()), 1)


def _gain(one: Counter[str], other: Counter[str]) -> float:
    """What pairing two texts is worth: their words' Dice overlap, or -1 under ``MATCH_DICE``."""
    dice = _dice(one, other)
    return dice if dice >= MATCH_DICE else -1.0


def _take_best(ranked: list[tuple[float, float, int, int]], pairs: list[tuple[int, int]]) -> None:
    """Add to ``pairs`` (other index, base index) the ``ranked`` pairs (-worth, distance, other
    index, base index), best first, one to one with each other and with the pairs there already."""
    taken_other = {i for i, _ in pairs}
    taken_base = {j for _, j in pairs}
    for _, _, i, j in sorted(ranked):
        if i not in taken_other and j not in taken_base:
            pairs.append((i, j))
            taken_other.add(i)
            taken_base.add(j)


def _matches(base: list[PageNode], other: list[PageNode]) -> dict[int, list[PageNode]]:
    """The other shot's texts of each base text (by id). Texts are paired one to one, the pairs
    sharing most words first (``_gain``); between equal texts (a link in a menu and in a footer),
    the pair at the nearest places in the two pages' orders. Then a text left over that is part of
    the text its neighbour was paired with (a paragraph one shot breaks in two) joins it."""
    base_words = [_words(node.text) for node in base]
    other_words = [_words(node.text) for node in other]
    rows, cols = len(other), len(base)
    ranked = []
    for i in range(rows):
        for j in range(cols):
            gain = _gain(other_words[i], base_words[j])
            if gain > 0:
                ranked.append((-gain, abs(i / rows - j / cols), i, j))
    pairs: list[tuple[int, int]] = []  # (other index, base index)
    _take_best(ranked, pairs)
    _pair_by_letters(base, other, pairs)
    base_of = {i: j for i, j in pairs}
    other_of = {j: i for i, j in pairs}
    for i in set(range(rows)) - set(base_of):
        near = [(base_of.get(k), other_words[k]) for k in (i - 1, i + 1) if 0 <= k < rows]
        into = _container(other_words[i], base_words, near)
        if into is not None:
            pairs.append((i, into))
    for j in set(range(cols)) - set(other_of):
        near = [(other_of.get(k), base_words[k]) for k in (j - 1, j + 1) if 0 <= k < cols]
        into = _container(base_words[j], other_words, near)
        if into is not None:
            pairs.append((into, j))
    found: dict[int, list[PageNode]] = {}
    for i, j in sorted(pairs):
        found.setdefault(id(base[j]), []).append(other[i])
    return found


def _letters(text: str) -> Counter[str]:
    """The pairs of letters (and digits) that follow each other in ``text``, spaces and signs left
    out: what one OCR reads as "About us" and another as "ABOUTUS" or "A b o u t  u s" share."""
    run = "".join(WORD.findall(text.lower()))
    return Counter(run[k : k + 2] for k in range(len(run) - 1))


def _pair_by_letters(base: list[PageNode], other: list[PageNode], pairs: list[tuple[int, int]]) -> None:
    """Pair the texts left over by the words, one to one, where their letters agree (``_letters``,
    Dice at least ``LETTERS_DICE``) and they stand near the same place in their pages' orders
    (``LETTERS_APART``: a header's title is not the footer's): the same text read with its words
    spaced otherwise."""
    taken_other = {i for i, _ in pairs}
    taken_base = {j for _, j in pairs}
    base_letters = {j: _letters(base[j].text) for j in range(len(base)) if j not in taken_base}
    ranked = []
    for i in range(len(other)):
        if i in taken_other:
            continue
        mine = _letters(other[i].text)
        for j, theirs in base_letters.items():
            size = sum(mine.values()) + sum(theirs.values())
            dice = _dice(mine, theirs)
            apart = abs(i / len(other) - j / len(base))
            if dice >= LETTERS_DICE and size >= 8 and apart <= LETTERS_APART:
                ranked.append((-dice, apart, i, j))
    _take_best(ranked, pairs)


def _container(
    part: Counter[str], texts: list[Counter[str]], near: list[tuple[int | None, Counter[str]]]
) -> int | None:
    """Which of the texts its neighbours were matched to (``near``: an index into ``texts``, or
    None, with the neighbour's own words) holds at least ``PART_SHARE`` of ``part``'s words beside
    the neighbour's, a piece of two words or more (a text repeated beside its twin is no piece)."""
    size = sum(part.values())
    for k, neighbour in near:
        if k is not None and size >= 2 and sum((part & (texts[k] - neighbour)).values()) >= PART_SHARE * size:
            return k
    return None


def _missing(base: list[PageNode], other: list[PageNode], matched: dict[int, list[PageNode]]) -> set[int]:
    """The page's texts (by id) the other shot does not show: matched to nothing, with a matched text
    after them (the shot may end before the rest of the page), and not among the shot's words left
    over either (a line of the shot joining two of the page's; a text repeated elsewhere) nor what
    a text of the shot cut off at its edge starts with."""
    pool: Counter[str] = Counter()
    starts = []
    used = set()
    for node in base:
        for twin in matched.get(id(node), []):
            used.add(id(twin))
            pool += _words(twin.text) - _words(node.text)
    for twin in other:
        if id(twin) not in used:
            pool += _words(twin.text)
            starts.append(WORD.findall(twin.text.lower()))
    last = max((k for k, node in enumerate(base) if id(node) in matched), default=-1)
    gone = set()
    for node in base[:last]:
        if id(node) in matched:
            continue
        words = WORD.findall(node.text.lower())
        if _share(_words(node.text), pool) >= PRESENT_SHARE or any(_starts(w, words) for w in starts):
            continue
        gone.add(id(node))
    return gone


def _starts(piece: list[str], words: list[str]) -> bool:
    """Whether ``piece`` is how ``words`` begin, its last word possibly cut short (at least 4 letters
    in all)."""
    if not piece or len(piece) > len(words) or len("".join(piece)) < 4:
        return False
    return piece[:-1] == words[: len(piece) - 1] and words[len(piece) - 1].startswith(piece[-1])


def adapt(tree: PageNode, other_tree: PageNode, width: int) -> Adaptation:
    """The classes that make ``tree`` (the page) look like the other shot (read into ``other_tree``)
    at its ``width``."""
    adaptation = Adaptation(width)
    prefix = f"at{width}-"
    texts = _texts(tree)
    other_texts = _texts(other_tree)
    matched = _matches(texts, other_texts)
    if _join_pieces(tree, matched):
        texts = _texts(tree)
        matched = _matches(texts, other_texts)
    parents = {id(child): node for node in other_tree.walk() for child in node.children}
    _group(tree, _twins(tree, other_tree, matched), parents)
    twins = _twins(tree, other_tree, matched)
    for node in _insert_missing(tree, other_tree, matched, twins):
        twins[id(node)] = node  # placed as it is there
        adaptation.classes.setdefault(id(node), []).append(prefix + "only")
        adaptation.only = True
    # texts running off the shot's right edge: the page is wider than the shot, and what the shot
    # lacks may be past its edge (nothing is hidden)
    clipped = any(n.box.x1 >= other_tree.box.x1 - EDGE for n in other_texts)
    gone = set() if clipped else _missing(texts, other_texts, matched)

    def visit(node: PageNode, parent: PageNode | None, outer_twin: PageNode | None) -> None:
        """``outer_twin``: the twin of the nearest of ``node``'s holders that has one."""
        held = _texts(node)
        if parent is not None and held and all(id(t) in gone for t in held):
            adaptation.add(node, prefix + "hidden", "display: none;")
            return
        twin = twins.get(id(node))
        if twin is not None and parent is not None:
            parent_twin = twins.get(id(parent))
            _placed_like(node, parent, twin, parent_twin, parents.get(id(twin)), adaptation)
            if outer_twin is not None and outer_twin is not parents.get(id(twin)):
                _offset_in(node, twin, outer_twin, parents, adaptation)
        for child in node.children:
            visit(child, node, twin if twin is not None else outer_twin)

    visit(tree, None, None)
    return adaptation


def _join_pieces(tree: PageNode, matched: dict[int, list[PageNode]]) -> bool:
    """Join texts that stand one under the other in a column of the page and that the other shot
    shows as one text, where they are the lines of one wrapped text (a heading a phone wraps, its
    lines read as two texts where OCR read them in two weights): one element. Returns whether any
    were."""
    joined = False
    for node in tree.walk():
        if node.flow is None or node.flow.kind != "column":
            continue
        kept: list[PageNode] = []
        taller = 0  # how far the last text joined reaches below its second line's box
        for child in node.children:
            previous = kept[-1] if kept else None
            twin = _one_text(previous, child, matched) if previous is not None else None
            one = _joined(previous, child, twin) if previous is not None and twin is not None else None
            if one is not None:
                kept[-1], taller = one, one.box.y1 - child.box.y1
                joined = True
            else:
                child.margin = (child.margin[0] - taller, child.margin[1])  # where it was drawn
                kept.append(child)
                taller = 0
        node.children = kept
    return joined


def _one_text(first: PageNode, second: PageNode, matched: dict[int, list[PageNode]]) -> PageNode | None:
    """The other shot's text that ``first`` and ``second`` are both parts of, where they are plain
    texts of one size and colour."""
    a, b = first.text_style, second.text_style
    if a is None or b is None or first.children or second.children:
        return None
    if {first.role, second.role} - {"heading", "paragraph", "text"}:
        return None
    if abs(a.size - b.size) > SAME_SIZE * max(a.size, b.size):
        return None
    if colour_distance(a.colour, b.colour) > SAME_COLOUR:
        return None
    twins = {id(t) for t in matched.get(id(first), [])}
    return next((t for t in matched.get(id(second), []) if id(t) in twins), None)


def _joined(first: PageNode, second: PageNode, twin: PageNode) -> PageNode | None:
    """One text of ``first``'s followed by ``second``'s words, when they are two lines that a width
    wraps as they are drawn (``wrap_width``; not lines a page breaks on purpose): in ``first``'s
    style, in the weight the other shot reads the whole ``twin`` in where it reads one (two
    readings of one text: OCR took a line's weight wrong in one), else each line's words in their
    own; its lines as far apart as they are drawn (a line pitch), where they are drawn."""
    style = first.text_style
    assert style is not None and second.text_style is not None  # texts (``_one_text``)
    spans: tuple[Span, ...] = ()
    if twin.text_style is not None and not twin.spans:
        style = replace(style, bold=twin.text_style.bold)
    else:
        spans = (*_words_of(first), *_words_of(second))
    pitch = second.box.y0 - first.box.y0
    if not PITCH_RANGE[0] * style.size <= pitch <= PITCH_RANGE[1] * style.size:
        return None
    lines = [first.text, second.text]
    width = wrap_width(lines, style.face, style.bold, style.size, style.letter_spacing)
    if width is None:
        return None
    # a taller line box than the first line's: its top higher by half the difference (the leading
    # is shared above and below), so the words stay where they were drawn
    lift = round((pitch - style.line_height) / 2) if style.line_height else 0
    top = first.box.y0 - lift
    x0, x1 = min(first.box.x0, second.box.x0), max(first.box.x1, second.box.x1)
    return replace(
        first,
        role="paragraph" if first.role == "text" else first.role,
        box=Box(x0, top, max(x1, x0 + math.ceil(width)), top + 2 * pitch),
        margin=(first.margin[0] - lift, first.margin[1]),
        text=" ".join(lines),
        spans=spans,
        text_style=replace(style, line_height=pitch),
        width=width,
    )


def _words_of(node: PageNode) -> tuple[Span, ...]:
    """``node``'s words as spans of their weight and colour (its own, where it has none)."""
    assert node.text_style is not None
    return node.spans or (Span(node.text, node.text_style.bold, node.text_style.colour),)


def _insert_missing(
    tree: PageNode, other: PageNode, matched: dict[int, list[PageNode]], twins: dict[int, PageNode]
) -> list[PageNode]:
    """Put into the page what only the other shot shows (a desktop's menu that a phone folds into a
    button): each part of the other shot none of whose texts the page has (nor most of its words
    among the page's texts left unpaired: a paragraph the page breaks into lines; nor its letters in
    the text its neighbour pairs with, beyond the neighbour's: ``_read_into``), and no picture
    (its pixels are the other shot's), goes into a column of the page beside the twin of a part
    next to it there: after the twin of the nearest part before it, or else before the twin of the
    nearest part after it. Returns the parts put in."""
    shown = {id(n) for found in matched.values() for n in found}
    unmatched: Counter[str] = Counter()  # the page's words no text of the other shot was paired with
    for node in _texts(tree):
        if id(node) not in matched:
            unmatched += _words(node.text)
    page_of = {id(twins[id(node)]): node for node in tree.walk() if id(node) in twins}
    page_parents = {id(child): node for node in tree.walk() for child in node.children}
    added: list[PageNode] = []
    inside: set[int] = set()  # the nodes of the parts put in (by id)
    for holder in other.walk():
        if id(holder) in inside:
            continue
        for k, part in enumerate(holder.children):
            texts = _texts(part)
            if not texts or any(id(t) in shown for t in texts) or any(n.role == "image" for n in part.walk()):
                continue
            words = sum((_words(t.text) for t in texts), Counter[str]())
            if _share(words, unmatched) >= PRESENT_SHARE:  # the page has it, cut otherwise
                continue
            beside = holder.children[max(k - 1, 0) : k + 2]
            if any(_read_into(part, n, page_of) for n in beside if n is not part):
                continue
            spot = _spot(holder.children[:k][::-1], page_of, page_parents, after=True)
            spot = spot or _spot(holder.children[k + 1 :], page_of, page_parents, after=False)
            if spot is None:
                continue
            column, at = spot
            column.children.insert(at, part)
            added.append(part)
            inside.update(id(n) for n in part.walk())
    return added


def _read_into(part: PageNode, neighbour: PageNode, page_of: dict[int, PageNode]) -> bool:
    """Whether the page read ``part`` into the text that is ``neighbour``'s twin (a title's second
    line read into the first as one text): its letters are among what that text holds beyond
    ``neighbour``'s."""
    twin = page_of.get(id(neighbour))
    if twin is None or not twin.text:
        return False
    held = sum((_letters(t.text) for t in _texts(neighbour)), Counter[str]())
    letters = sum((_letters(t.text) for t in _texts(part)), Counter[str]())
    return _share(letters, _letters(twin.text) - held) >= PART_SHARE


def _spot(
    neighbours: list[PageNode],
    page_of: dict[int, PageNode],
    page_parents: dict[int, PageNode],
    *,
    after: bool,
) -> tuple[PageNode, int] | None:
    """Where in the page a part goes beside the first of ``neighbours`` (the other shot's parts
    beside it, nearest first) whose twin stands in a column of the page: that column and the index
    after the twin (``after``) or at it."""
    for neighbour in neighbours:
        twin = page_of.get(id(neighbour))
        column = page_parents.get(id(twin)) if twin is not None else None
        if column is not None and column.flow is not None and column.flow.kind == "column":
            place = next(i for i, child in enumerate(column.children) if child is twin)
            return column, place + 1 if after else place
    return None


def _twins(tree: PageNode, other: PageNode, matched: dict[int, list[PageNode]]) -> dict[int, PageNode]:
    """The other shot's node (by page node id) that holds the same texts as a page node: the
    smallest holding all the texts matched to the page node's (a box for a box), with few others.
    Where several page nodes (a wrapper and its only child) find one, the innermost keeps it."""
    texts_of = {id(node): {id(t) for t in _texts(node)} for node in other.walk()}
    owner: dict[int, PageNode] = {}
    found: dict[int, PageNode] = {id(tree): other}
    for node in tree.walk()[1:]:  # outer before inner: inner ones take over
        wanted = {id(n) for t in _texts(node) for n in matched.get(id(t), [])}
        if not wanted:
            continue
        holder = other
        while True:
            inner = next((c for c in holder.children if wanted <= texts_of[id(c)]), None)
            if inner is None or (node.flow is not None and inner.flow is None):
                break
            holder = inner
        if holder is not other and len(wanted) >= TWIN_SHARE * len(texts_of[id(holder)]):
            previous = owner.get(id(holder))
            if previous is not None:
                found.pop(id(previous), None)
            owner[id(holder)] = node
            found[id(node)] = holder
    return found


def _group(tree: PageNode, twins: dict[int, PageNode], parents: dict[int, PageNode]) -> None:
    """Wrap runs of a column's children that the other shot lays out side by side in columns of
    their own, which the other shot's width then turns into that row or grid: the wrapper a
    developer writes around cards that stack on a phone, or around a sidebar and the main column.
    Each wrapper looks the same at the page's own width (a column in a column)."""
    for node in tree.walk():
        if node.flow is not None and node.flow.kind == "column":
            node.children = _grouped(node, node.children, twins, parents)


def _ancestors(node: PageNode, parents: dict[int, PageNode]) -> list[PageNode]:
    """``node`` and the nodes holding it, innermost first (``parents``: the other shot's tree)."""
    chain = [node]
    while id(chain[-1]) in parents:
        chain.append(parents[id(chain[-1])])
    return chain


def _within(node: PageNode, holder: PageNode, parents: dict[int, PageNode]) -> bool:
    """Whether ``holder`` is ``node`` or holds it (in the other shot's tree)."""
    return any(a is holder for a in _ancestors(node, parents))


def _holder(run: list[PageNode], twins: dict[int, PageNode], parents: dict[int, PageNode]) -> PageNode | None:
    """The other shot's box that holds the twins of ``run`` (their lowest common holder), when it
    lays children out (a row, a grid or a column)."""
    twins_of_run = [twins[id(child)] for child in run]
    chain = _ancestors(twins_of_run[0], parents)
    holder = next((n for n in chain if all(_within(t, n, parents) for t in twins_of_run[1:])), None)
    return holder if holder is not None and holder.flow is not None else None


def _grouped(
    column: PageNode, children: list[PageNode], twins: dict[int, PageNode], parents: dict[int, PageNode]
) -> list[PageNode]:
    """``column``'s children with each longest run that one box of the other shot holds, inside the
    column's own twin there, wrapped (``_wrapper``); in a row or a grid, each part one cell holds
    is wrapped too. The wrappers are grouped the same way in turn."""
    outer = twins.get(id(column))
    out: list[PageNode] = []
    i = 0
    while i < len(children):
        end, holder = i + 1, None
        for j in range(i + 2, len(children) + 1):
            twinned = [child for child in children[i:j] if id(child) in twins]
            if id(children[i]) not in twins or len(twinned) < 2 or id(children[j - 1]) not in twins:
                continue  # a run starts and ends with children that have twins
            found = _holder(twinned, twins, parents)
            if found is None or found is outer or (outer is not None and not _within(found, outer, parents)):
                break  # a longer run's holder is this one or holds it
            end, holder = j, found
        run = children[i:end]
        if holder is None or len(run) == len(children):
            out.append(children[i])
            i += 1
            continue
        parts = run
        assert holder.flow is not None  # a holder lays its children out (``_holder``)
        if holder.flow.kind in ("row", "grid"):
            cells: list[tuple[PageNode, list[PageNode]]] = []
            for child in run:  # the parts: children whose twins one child of the holder holds
                if id(child) not in twins:  # goes with the child before it
                    cells[-1][1].append(child)
                    continue
                cell = next(c for c in holder.children if _within(twins[id(child)], c, parents))
                if cells and cells[-1][0] is cell:
                    cells[-1][1].append(child)
                else:
                    cells.append((cell, [child]))
            parts = [part[0] if len(part) == 1 else _wrapper(column, part) for _, part in cells]
        for part in parts:
            if part.flow is not None and part.flow.kind == "column" and all(part is not r for r in run):
                part.children = _grouped(part, part.children, twins, parents)
        wrapper = _wrapper(column, parts)
        if holder.flow.kind == "column":
            wrapper.children = _grouped(wrapper, wrapper.children, twins, parents)
        out.append(wrapper)
        i = end
    return out


def _wrapper(column: PageNode, run: list[PageNode]) -> PageNode:
    """A column holding ``run`` (children of ``column``), placed where its first child was."""
    pad = column.flow.padding if column.flow is not None else (0, 0, 0, 0)
    box = Box(column.box.x0 + pad[3], run[0].box.y0, column.box.x1 - pad[1], max(c.box.y1 for c in run))
    top = run[0].margin[0]
    run[0].margin = (0, run[0].margin[1])
    return PageNode("column", "div", box, children=run, flow=Flow("column"), margin=(top, 0))


def _placed_like(
    node: PageNode,
    parent: PageNode,
    twin: PageNode,
    parent_twin: PageNode | None,
    twin_parent: PageNode | None,
    adaptation: Adaptation,
) -> None:
    """Classes that lay ``node`` out as its ``twin`` in the other shot is: the twin's padding, and,
    where the twin sits in a column that is the twin of ``node``'s parent, its offsets in it, the
    width it keeps at most, and (a painted box) where it ends on the right."""
    prefix = f"at{adaptation.width}-"
    _painted_like(node, twin, adaptation)
    if node.flow is not None and twin.flow is not None:
        if node.flow.kind == "column" and twin.flow.kind == "row":
            align = "center" if twin.flow.align == "center" else "flex-start"
            adaptation.add(node, f"{prefix}row", f"flex-direction: row; align-items: {align};")
        elif node.flow.kind == "column" and twin.flow.kind == "grid":
            columns, gap = twin.flow.columns, snap(twin.flow.gap)
            declarations = f"display: grid; grid-template-columns: repeat({columns}, 1fr); gap: {gap}px;"
            adaptation.add(node, f"{prefix}grid-{columns}-{gap}", declarations)
        padding = tuple(snap(p) for p in twin.flow.padding)
        if padding != tuple(snap(p) for p in node.flow.padding):
            name = prefix + "p-" + "-".join(str(p) for p in padding)
            adaptation.add(node, name, f"padding: {' '.join(f'{p}px' if p else '0' for p in padding)};")
    if twin_parent is None or parent_twin is not twin_parent or twin_parent.flow is None:
        return
    top, left = (snap(v) for v in twin.margin)
    place = twin_parent.children.index(twin)
    if twin_parent.flow.kind in ("row", "grid") and place != parent.children.index(node):
        adaptation.add(node, f"{prefix}order-{place}", f"order: {place};")  # a sidebar on the left there
    if twin_parent.flow.kind == "grid":  # the grid's gap places it
        adaptation.add(node, f"{prefix}cell", "margin: 0; max-width: none;")
        return
    if twin_parent.flow.kind == "row":  # side by side: its gap to the one before, its width
        push = twin_parent.flow.push is not None and twin_parent.children.index(twin) == twin_parent.flow.push
        adaptation.add(
            node,
            f"{prefix}ml-auto" if push else f"{prefix}ml-{left}",
            f"margin-left: {'auto' if push else f'{left}px'};",
        )
        adaptation.add(node, f"{prefix}mt-{top}", f"margin-top: {top}px;")
        size = twin.box.width
        adaptation.add(node, f"{prefix}w-{size}", f"flex: 0 1 {size}px; max-width: {size}px; min-width: 0;")
        return
    if twin_parent.flow.kind != "column":
        return
    if twin.centred and node.flow is not None:  # a box: its whole width up to the twin's, as a page's own
        adaptation.add(node, prefix + "center-box", "align-self: center; margin-left: 0; width: 100%;")
    elif twin.centred:
        adaptation.add(node, prefix + "center", "align-self: center; text-align: center; margin-left: 0;")
    else:
        adaptation.add(node, f"{prefix}ml-{left}", f"margin-left: {left}px;")
    if top != snap(node.margin[0]):
        adaptation.add(node, f"{prefix}mt-{top}", f"margin-top: {top}px;")
    most = twin.width if twin.width is not None else twin.box.width
    adaptation.add(node, f"{prefix}max-w-{most:g}".replace(".", "_"), f"max-width: {most:g}px;")
    painted = twin.box_style.background is not None or twin.box_style.border is not None
    if node.flow is not None and painted and not twin.centred:
        right = snap(twin_parent.box.x1 - twin_parent.flow.padding[1] - twin.box.x1)
        if right > 0:
            adaptation.add(node, f"{prefix}mr-{right}", f"margin-right: {right}px;")


def _painted_like(node: PageNode, twin: PageNode, adaptation: Adaptation) -> None:
    """Classes that paint ``node`` as its twin is painted: a band dark on the desktop and light on
    the phone, and its texts' colour."""
    prefix = f"at{adaptation.width}-"
    fill, twin_fill = node.box_style.background, twin.box_style.background
    if twin_fill is not None and (fill is None or colour_distance(fill, twin_fill) > SAME_COLOUR):
        adaptation.add(node, f"{prefix}bg-{css_hex(twin_fill)[1:]}", f"background: {css_hex(twin_fill)};")
    ink, twin_ink = node.text_style, twin.text_style
    if (
        ink is not None
        and twin_ink is not None
        and colour_distance(ink.colour, twin_ink.colour) > SAME_COLOUR
    ):
        adaptation.add(
            node, f"{prefix}text-{css_hex(twin_ink.colour)[1:]}", f"color: {css_hex(twin_ink.colour)};"
        )


def _offset_in(
    node: PageNode, twin: PageNode, holder: PageNode, parents: dict[int, PageNode], adaptation: Adaptation
) -> None:
    """Where ``node`` sits, when ``holder`` (the twin of its nearest holder that has one) is a
    column that holds ``twin`` some levels down (levels the page does not have: beside a sidebar
    missing on a phone, a centred column holding several of the phone's parts): its left offset and
    width there."""
    if not _within(twin, holder, parents) or holder.flow is None or holder.flow.kind != "column":
        return
    prefix = f"at{adaptation.width}-"
    left = snap(twin.box.x0 - holder.box.x0 - holder.flow.padding[3])
    adaptation.add(node, f"{prefix}ml-{left}", f"margin-left: {left}px;")
    size = twin.box.width
    adaptation.add(node, f"{prefix}max-w-{size:g}", f"max-width: {size:g}px;")


def media_css(adaptations: Sequence[Adaptation], widths: Sequence[int]) -> str:
    """Each other shot's rules inside the ``@media`` range where that shot's layout holds: from half
    way to the next narrower shot up to half way to the next wider one (the widest: no limit)."""
    ordered = sorted(widths)
    blocks = []
    for adaptation in sorted(adaptations, key=lambda a: a.width):
        if not adaptation.rules and not adaptation.only:
            continue
        k = ordered.index(adaptation.width)
        bounds = []
        if k > 0:
            bounds.append(f"(min-width: {(ordered[k - 1] + ordered[k]) // 2 + 1}px)")
        if k < len(ordered) - 1:
            bounds.append(f"(max-width: {(ordered[k] + ordered[k + 1]) // 2}px)")
        query = " and ".join(bounds)
        body = "\n".join(f"      .{name} {{ {decl} }}" for name, decl in adaptation.rules.items())
        blocks.append(f"    /* the {adaptation.width} px shot */\n    @media {query} {{\n{body}\n    }}")
        if adaptation.only:  # its own elements, hidden at every other width
            hide = f"{{ .at{adaptation.width}-only {{ display: none; }} }}"
            if k > 0:
                blocks.append(f"    @media (max-width: {(ordered[k - 1] + ordered[k]) // 2}px) {hide}")
            if k < len(ordered) - 1:
                blocks.append(f"    @media (min-width: {(ordered[k] + ordered[k + 1]) // 2 + 1}px) {hide}")
    return "\n".join(blocks)


def to_html(
    layouts: Sequence[Layout],
    images: Sequence[np.ndarray],
    widths: Sequence[int],
    *,
    inline_assets: bool = False,
) -> tuple[str, dict[str, bytes]]:
    """One flow page for shots of one page (``images``, read into ``layouts``) at ``widths``, and the
    image files it links (cut from the narrowest shot)."""
    order = sorted(range(len(widths)), key=lambda k: widths[k])
    base = order[0]
    tree = build(layouts[base])
    adaptations = [adapt(tree, build(layouts[k]), widths[k]) for k in order[1:]]
    classes: dict[int, list[str]] = {}
    for adaptation in adaptations:
        for key, names in adaptation.classes.items():
            classes.setdefault(key, []).extend(names)
    others_own = frozenset(
        key for a in adaptations for key, names in a.classes.items() if f"at{a.width}-only" in names
    )
    return classic_flow.write(
        tree,
        layouts[base],
        images[base],
        inline_assets=inline_assets,
        extra_classes=classes,
        extra_css=media_css(adaptations, widths),
        absent=others_own,
    )

"""State coverage: does a generated page reach the states a screen recording shows?

``explore`` renders the page with JavaScript on and clicks through it breadth-first: every visible
interactive element (links, buttons, form fields, elements with an ``onclick`` or a pointer cursor)
of the start state, one at a time, then (depth 2) every element of each new state reached. Each
click's screen is captured at the viewport's size; a screen that looks like one already reached is
not explored again. Links and forms cannot navigate away (their default action is cancelled), and
the work stops at ``max_clicks`` or ``budget_s``.

``match_states`` scores the recording against what was reached: SSIM of the start state against
key frame 0, and for each later key frame the best SSIM over the reached states. ``state_coverage``
is their mean. A key frame is *reached* when its best state matches it at ``REACHED_SSIM`` or more
and no different-looking key frame matches that state better (SSIM barely moves when a small menu
opens, so the start state alone must not count as the menu's state); ``states_reached`` is the
share of key frames reached.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from PIL import Image

from ..errors import RenderError
from .ssim import WORKING_WIDTH, ssim

if TYPE_CHECKING:
    from ..render import Renderer
    from ..render.browser import Browser
    from ..video import KeyFrame

log = logging.getLogger(__name__)

REACHED_SSIM = 0.9  # a key frame matched at least this well counts as reached
DEFAULT_DEPTH = 2
DEFAULT_MAX_CLICKS = 48
DEFAULT_BUDGET_S = 30.0  # a safety net: max_clicks is the usual limit
SETTLE_MS = 60  # wait after a click for handlers, timers and transitions to draw
SAME_PIXELS = 0.002  # two screens differing on less than this share (pointer-sized areas aside) are one state
PREFILTER = 3  # SSIM is computed against the states closest to a key frame on a coarse thumbnail
COARSE_WIDTH = 96

# Visible, topmost, interactive elements of the viewport, in document order; ``i`` is the element's
# position among ``body *`` (stable across reloads of the same page), x/y the centre of its box.
ELEMENTS_JS = """() => {
  const selector = 'a[href],button,input,select,textarea,summary,label,[onclick],[role=button],'
    + '[role=tab],[role=link],[role=menuitem],[role=checkbox],[role=switch],[role=option],'
    + '[tabindex]:not([tabindex="-1"])';
  const found = [];
  const all = document.querySelectorAll('body *');
  for (let i = 0; i < all.length; i++) {
    const el = all[i];
    const style = getComputedStyle(el);
    const parent = el.parentElement;
    const pointer = style.cursor === 'pointer' && !(parent && getComputedStyle(parent).cursor === 'pointer');
    if (!(el.matches(selector) || el.onclick || pointer)) continue;
    if (style.visibility === 'hidden' || Number(style.opacity) === 0) continue;
    const box = el.getBoundingClientRect();
    if (box.width < 4 || box.height < 4) continue;
    const x = Math.min(Math.max(box.left + box.width / 2, 1), innerWidth - 1);
    const y = Math.min(Math.max(box.top + box.height / 2, 1), innerHeight - 1);
    if (box.right < 1 || box.bottom < 1 || box.left > innerWidth - 1 || box.top > innerHeight - 1) continue;
    const hit = document.elementFromPoint(x, y);
    if (!hit || !(hit === el || el.contains(hit) || hit.contains(el))) continue;
    const text = (el.innerText || el.value || el.getAttribute('aria-label') || el.placeholder
      || el.title || '').trim().replace(/\\s+/g, ' ').slice(0, 40);
    found.push({i, tag: el.tagName.toLowerCase(), text, x: Math.round(x), y: Math.round(y)});
  }
  return found;
}"""
# Clicks explore the page in place: no navigation, no form submission, no new windows.
STAY_JS = """() => {
  document.addEventListener('click', (e) => {
    const link = e.target.closest && e.target.closest('a[href]');
    if (link && !link.getAttribute('href').startsWith('#')) e.preventDefault();
  }, true);
  document.addEventListener('submit', (e) => e.preventDefault(), true);
  window.open = () => null;
}"""


@dataclass(frozen=True)
class Click:
    """One click of an exploration: the element's position in the page and how a person would name it."""

    element: int
    x: int
    y: int
    label: str

    def to_json(self) -> dict[str, Any]:
        return {"element": self.element, "x": self.x, "y": self.y, "label": self.label}


@dataclass
class State:
    """A screen the exploration reached and the clicks from the start state that reached it."""

    index: int
    path: tuple[Click, ...]
    image: Image.Image

    @property
    def how(self) -> str:
        """The clicks in words ("start" for the start state)."""
        return " → ".join(click.label for click in self.path) or "start"


@dataclass
class Exploration:
    """Every state reached, and what it cost."""

    states: list[State]
    clicks: int
    seconds: float
    stopped: str = ""  # why exploring ended early ("" when every element was tried)


@dataclass
class FrameMatch:
    """A key frame and the reached state most like it."""

    frame: int
    seconds: float
    ssim: float
    state: int
    how: str
    reached: bool  # ssim >= REACHED_SSIM, and no different-looking key frame matches that state better

    def to_json(self) -> dict[str, Any]:
        return {
            "frame": self.frame,
            "seconds": round(self.seconds, 3),
            "ssim": round(self.ssim, 4),
            "reached": self.reached,
            "state": self.state,
            "how": self.how,
        }


@dataclass
class Coverage:
    """How well a page's reachable states cover a recording's key frames."""

    state_coverage: float  # mean of the key frames' best SSIM (frame 0: against the start state)
    states_reached: float  # share of key frames reached (see FrameMatch.reached)
    matches: list[FrameMatch]
    exploration: Exploration
    seconds: float = 0.0
    matched_states: list[int] = field(default_factory=list)

    @property
    def missing(self) -> list[FrameMatch]:
        """The key frames no reached state matches well enough."""
        return [match for match in self.matches if not match.reached]

    def scores(self) -> dict[str, float | str | None]:
        return {
            "state_coverage": round(self.state_coverage, 4),
            "states_reached": round(self.states_reached, 4),
        }

    def to_json(self) -> dict[str, Any]:
        return {
            **self.scores(),
            "threshold": REACHED_SSIM,
            "frames": [match.to_json() for match in self.matches],
            "states": [
                {"index": s.index, "how": s.how, "clicks": [c.to_json() for c in s.path]}
                for s in self.exploration.states
            ],
            "clicks": self.exploration.clicks,
            "explore_seconds": round(self.exploration.seconds, 3),
            "stopped": self.exploration.stopped,
            "seconds": round(self.seconds, 3),
        }


def _coarse(image: Image.Image) -> np.ndarray:
    """A small grey copy for telling screens apart cheaply."""
    grey = np.asarray(image.convert("L"))
    width = min(COARSE_WIDTH * 4, grey.shape[1])
    height = max(8, round(grey.shape[0] * width / grey.shape[1]))
    return cv2.resize(grey, (width, height), interpolation=cv2.INTER_AREA)


def _differs(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two screens (coarse copies) show different states: more than SAME_PIXELS changed."""
    if a.shape != b.shape:
        return True
    changed = cv2.absdiff(a, b) > 24
    return float(changed.mean()) > SAME_PIXELS


def explore(
    renderer: Renderer,
    html: str,
    width: int,
    height: int,
    *,
    depth: int = DEFAULT_DEPTH,
    max_clicks: int = DEFAULT_MAX_CLICKS,
    budget_s: float | None = None,
) -> Exploration:
    """Render ``html`` in a ``width`` x ``height`` viewport and click through it (see the module's
    docstring); ``budget_s`` defaults to DEFAULT_BUDGET_S. Raises RenderError when the page cannot be
    loaded at all."""
    budget = DEFAULT_BUDGET_S if budget_s is None else budget_s
    result: Exploration = renderer.call(_explore, html, width, height, depth, max_clicks, budget)
    return result


def _explore(
    browser: Browser, html: str, width: int, height: int, depth: int, max_clicks: int, budget_s: float
) -> Exploration:
    """``explore`` on the Browser's own thread."""
    from playwright.sync_api import Error as PlaywrightError

    from ..render.browser import decode_rgb

    started = time.perf_counter()
    ms = browser.timeout_s * 1000
    tab = browser._tab(True)  # the reused JavaScript page, sandboxed as every render's
    tab.readable.page, tab.readable.assets = None, ()
    page = tab.page
    tab.dirty = True

    def load(path: tuple[Click, ...]) -> None:
        page.set_content(html, wait_until="load", timeout=ms)
        page.evaluate(STAY_JS)
        for click in path:
            page.mouse.click(click.x, click.y)
            page.wait_for_timeout(SETTLE_MS)

    def shot() -> Image.Image:
        return decode_rgb(page.screenshot(type="png", animations="disabled", timeout=ms))

    def elements() -> list[Click]:
        found = page.evaluate(ELEMENTS_JS)
        clicks = []
        for item in found:
            text = str(item.get("text") or "")
            label = f"{item['tag']} {text!r}" if text else f"{item['tag']} at ({item['x']}, {item['y']})"
            clicks.append(Click(int(item["i"]), int(item["x"]), int(item["y"]), label))
        return clicks

    try:
        page.set_viewport_size({"width": width, "height": height})
        load(())
        first = shot()
        states = [State(0, (), first)]
        coarse = [_coarse(first)]
        queue: list[tuple[tuple[Click, ...], list[Click]]] = [((), elements())]
    except PlaywrightError as exc:
        browser._discard(True)
        raise RenderError(f"exploring the page failed: {exc.message.splitlines()[0]}") from exc
    clicks = 0
    stopped = ""
    showing: tuple[Click, ...] | None = ()  # the path whose state the page shows now
    try:
        while queue and not stopped:
            path, candidates = queue.pop(0)
            for click in candidates:
                if clicks >= max_clicks:
                    stopped = f"reached {max_clicks} clicks"
                    break
                if time.perf_counter() - started > budget_s:
                    stopped = f"ran past {budget_s:g} s"
                    break
                if showing != path:
                    load(path)
                clicks += 1
                page.mouse.click(click.x, click.y)
                page.wait_for_timeout(SETTLE_MS)
                image = shot()
                small = _coarse(image)
                before = next(state for state in states if state.path == path)
                if not _differs(small, coarse[before.index]):
                    showing = path  # the click changed nothing visible: the page is still there
                    continue
                showing = (*path, click)
                if any(not _differs(small, seen) for seen in coarse):
                    continue
                state = State(len(states), (*path, click), image)
                states.append(state)
                coarse.append(small)
                if len(state.path) < depth:
                    queue.append((state.path, elements()))
    except PlaywrightError as exc:
        browser._discard(True)
        stopped = f"the page failed while exploring: {exc.message.splitlines()[0]}"
        log.info("%s", stopped)
    return Exploration(states, clicks, time.perf_counter() - started, stopped)


def _working(image: Image.Image, width: int, height: int) -> np.ndarray:
    """RGB pixels at ``width`` x ``height`` (the working scale of the SSIM)."""
    pixels = np.asarray(image.convert("RGB"))
    if (pixels.shape[1], pixels.shape[0]) != (width, height):
        pixels = cv2.resize(pixels, (width, height), interpolation=cv2.INTER_AREA)
    return pixels


def match_states(frames: list[KeyFrame], exploration: Exploration) -> Coverage:
    """Score the key frames of a recording against the states an exploration reached."""
    started = time.perf_counter()
    states = exploration.states
    if not frames or not states:
        raise ValueError("need key frames and at least the start state")
    base = frames[0].image
    factor = max(1, -(-base.width // WORKING_WIDTH))
    size = (max(8, base.width // factor), max(8, base.height // factor))
    state_pixels = [_working(state.image, *size) for state in states]
    state_coarse = [cv2.resize(cv2.cvtColor(p, cv2.COLOR_RGB2GRAY), (COARSE_WIDTH, 64)) for p in state_pixels]
    frame_pixels = [_working(frame.image, *size) for frame in frames]
    frame_coarse = [_coarse(frame.image) for frame in frames]
    scores: dict[tuple[int, int], float] = {}  # SSIM of (key frame, state), each pair computed once

    def score(frame: int, state: int) -> float:
        if (frame, state) not in scores:
            scores[frame, state] = ssim(frame_pixels[frame], state_pixels[state])[0]
        return scores[frame, state]

    matches = []
    for number, pixels in enumerate(frame_pixels):
        if number == 0:
            candidates = [0]  # the page must open in the recording's first state
        else:
            coarse = cv2.resize(cv2.cvtColor(pixels, cv2.COLOR_RGB2GRAY), (COARSE_WIDTH, 64)).astype(np.int16)
            distance = [float(np.abs(coarse - c.astype(np.int16)).mean()) for c in state_coarse]
            candidates = sorted(range(len(states)), key=distance.__getitem__)[:PREFILTER]
        best, index = max((score(number, index), index) for index in candidates)
        # Reached: matched well, and better than any key frame that looks different matches the same
        # state (a small menu barely moves SSIM; the start state must not count as the menu's state).
        closer = best >= REACHED_SSIM and all(
            score(other, index) <= best
            for other in range(len(frames))
            if other != number and _differs(frame_coarse[other], frame_coarse[number])
        )
        matches.append(FrameMatch(number, frames[number].seconds, best, index, states[index].how, closer))
    coverage = sum(match.ssim for match in matches) / len(matches)
    reached = sum(match.reached for match in matches) / len(matches)
    return Coverage(
        coverage,
        reached,
        matches,
        exploration,
        time.perf_counter() - started,
        sorted({match.state for match in matches}),
    )


def state_coverage(
    renderer: Renderer,
    html: str,
    frames: list[KeyFrame],
    *,
    depth: int = DEFAULT_DEPTH,
    max_clicks: int = DEFAULT_MAX_CLICKS,
    budget_s: float | None = None,
) -> Coverage:
    """Explore ``html`` at the recording's screen size and score its key frames against it."""
    width, height = frames[0].image.size
    exploration = explore(
        renderer, html, width, height, depth=depth, max_clicks=max_clicks, budget_s=budget_s
    )
    return match_states(frames, exploration)

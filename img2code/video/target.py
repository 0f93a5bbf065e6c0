"""A target for screen recordings: the HTML target's extraction and rendering, with prompts that ask
for the recorded interactions, and a state-coverage score for each candidate page.

The refine loop uses it as any target (``prompts``, ``extract``, ``render``); ``score_states``
explores a candidate page and scores the recording's key frames against what it reached, and the
refine prompt names the key frames not reached yet.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import TYPE_CHECKING, Any

from ..errors import RenderError
from ..prompts import render_prompt

if TYPE_CHECKING:
    from ..output import OutputFolder
    from ..render import Renderer
    from ..score.states import Coverage
    from ..targets import Extraction, Rendering, Target
    from .frames import Recording

log = logging.getLogger(__name__)
SHEET = "frames/sheet.png"


def _key(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8", "surrogatepass")).hexdigest()


class RecordingTarget:
    """Wraps an HTML target (plain or a stack) for a screen recording's key frames."""

    def __init__(self, inner: Target, recording: Recording) -> None:
        self.inner = inner
        self.recording = recording
        self.name = inner.name
        self.filename = inner.filename
        self.raw_suffix = inner.raw_suffix
        self._coverage: dict[str, Coverage] = {}
        self._lock = threading.Lock()

    def frames_info(self) -> list[dict[str, Any]]:
        """The key frames as the prompts list them."""
        return [{"index": f.index, "seconds": f.seconds} for f in self.recording.frames]

    def prompts(self, mode: str, **values: Any) -> tuple[str, str]:
        """The (system, user) prompts for ``mode``: the inner target's system prompt (its stack's
        rules), a user prompt about the recording; refining names the key frames not reached yet."""
        system, _ = self.inner.prompts(mode, **values)
        values = {**values, "frames": self.frames_info(), "error": values.get("error")}
        if mode == "refine":
            coverage = self.coverage(str(values.get("code", "")))
            values["coverage"] = None if coverage is None else coverage.state_coverage
            values["missing"] = (
                []
                if coverage is None
                else [{"index": m.frame, "seconds": m.seconds, "ssim": m.ssim} for m in coverage.missing]
            )
        return system, render_prompt(f"html_video_{mode}", **values)

    def extract(self, text: str, *, truncated: bool = False) -> Extraction:
        return self.inner.extract(text, truncated=truncated)

    def render(self, renderer: Renderer, code: str, width: int, height: int) -> Rendering:
        return self.inner.render(renderer, code, width, height)

    def score_states(self, renderer: Renderer, code: str) -> dict[str, float | str | None]:
        """Explore ``code`` and score the key frames against the states it reaches (cached)."""
        from ..score.states import state_coverage

        coverage = self.coverage(code)
        if coverage is None:
            try:
                coverage = state_coverage(renderer, code, self.recording.frames)
            except RenderError as exc:  # the page rendered once, but not again for exploring
                log.warning("could not explore the page: %s", exc)
                return {"state_coverage": 0.0, "states_reached": 0.0}
            with self._lock:
                self._coverage[_key(code)] = coverage
        return coverage.scores()

    def coverage(self, code: str) -> Coverage | None:
        """The coverage ``score_states`` measured for ``code``, if it did."""
        with self._lock:
            return self._coverage.get(_key(code))


CLASSIC_NOTE = (
    "the classic backend converts the recording's first state only, as a screenshot: "
    "reaching the later states needs a model (--backend transformers or openai)"
)


def write_recording(folder: OutputFolder, recording: Recording, backend: str) -> dict[str, Any]:
    """Write the key frames (``frames/NN.png``) and their contact sheet (``frames/sheet.png``);
    return what result.json says about the recording."""
    from ..score.ssim import encode_png
    from .frames import contact_sheet

    for frame in recording.frames:
        folder.write(frame.name, encode_png(frame.image))
    folder.write(SHEET, encode_png(contact_sheet(recording.frames)))
    return {
        **recording.to_json(),
        "sheet": SHEET,
        **({"note": CLASSIC_NOTE} if backend == "classic" else {}),
    }


def write_coverage(folder: OutputFolder, target: RecordingTarget, code: str) -> dict[str, Any] | None:
    """The best page's state coverage for result.json, with the reached state that matches each key
    frame best written as ``frames/NN-reached.png``; None when it was not measured."""
    from ..score.ssim import encode_png

    coverage = target.coverage(code)
    if coverage is None:
        return None
    document = coverage.to_json()
    states = coverage.exploration.states
    for match, entry in zip(coverage.matches, document["frames"], strict=True):
        name = f"frames/{match.frame:02d}-reached.png"
        folder.write(name, encode_png(states[match.state].image))
        entry["file"] = name
    return document

"""Screen recordings: key-frame precision/recall, state coverage, and what decoding, key frames and
exploration cost. Prints JSON.

    .venv/bin/python benchmarks/video.py            # the fixture recordings + a 30 s 1280x720 clip
    .venv/bin/python benchmarks/video.py --no-long  # the fixture recordings only

Recordings are made with the project's own renderer (fixtures/video/record.py): the fixture ones
are committed with their truth; the long clip clicks through the tabs page every 2.5 s at 30 fps
(900 frames, H.264) and is written to a temporary folder. A detected key frame is right when it
lies within ``TOLERANCE_S`` of a true state change (each change matched once).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "video"
sys.path.insert(0, str(FIXTURES))
sys.path.insert(0, str(ROOT))

from record import Step, encode, record_frames  # noqa: E402

from img2code.render.browser import Browser  # noqa: E402
from img2code.score.states import explore, match_states  # noqa: E402
from img2code.video import load_recording  # noqa: E402

TOLERANCE_S = 0.25
LONG_STEPS = [
    Step(2.5 * (n + 1), f"text={name}")
    for n, name in enumerate(["Pricing", "FAQ", "Overview"] * 4)
    if 2.5 * (n + 1) < 30
]


def precision_recall(found: list[float], truth: list[float]) -> dict[str, float]:
    """Key frames found against true change times: greedy one-to-one matching within TOLERANCE_S."""
    unmatched = list(truth)
    hits = 0
    for seconds in found:
        near = [t for t in unmatched if abs(t - seconds) <= TOLERANCE_S]
        if near:
            unmatched.remove(min(near, key=lambda t: abs(t - seconds)))
            hits += 1
    return {
        "precision": round(hits / len(found), 3) if found else 0.0,
        "recall": round(hits / len(truth), 3) if truth else 1.0,
    }


def static(html: str) -> str:
    return re.sub(r"<script>.*?</script>", "", html, flags=re.DOTALL)


def measure(browser: Browser, video: Path, page: str, truth: list[float]) -> dict[str, object]:
    started = time.perf_counter()
    recording = load_recording(video, max_frames=16)
    decoded = time.perf_counter() - started
    frames = recording.frames
    width, height = frames[0].image.size
    row: dict[str, object] = {
        "video": video.name,
        "size": [width, height],
        "duration_s": round(recording.duration, 2),
        "decoded_frames": recording.decoded_frames,
        "key_frames": [round(f.seconds, 2) for f in frames],
        "true_changes": truth,
        **precision_recall([f.seconds for f in frames], truth),
        "decode_and_key_frames_s": round(decoded, 2),
    }
    for name, html in (("original", page), ("static", static(page))):
        started = time.perf_counter()
        exploration = explore(browser, html, width, height, budget_s=120)
        explored = time.perf_counter() - started
        coverage = match_states(frames, exploration)
        row[name] = {
            "state_coverage": round(coverage.state_coverage, 3),
            "states_reached": round(coverage.states_reached, 3),
            "clicks": exploration.clicks,
            "states": len(exploration.states),
            "explore_s": round(explored, 2),
            "match_s": round(coverage.seconds, 2),
        }
    original = row["original"]
    assert isinstance(original, dict)
    row["decode_key_frames_explore_s"] = round(
        decoded + float(original["explore_s"]) + float(original["match_s"]), 2
    )
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-long", action="store_true", help="skip the 30 s 1280x720 clip")
    args = parser.parse_args()
    truth = json.loads((FIXTURES / "truth.json").read_text())
    rows = []
    with Browser(timeout_s=30) as browser:
        browser.render_html("<p>warm-up</p>", 320, 200)  # Chromium's launch is not the recording's cost
        for name, entry in truth.items():
            page = (FIXTURES / entry["page"]).read_text()
            rows.append(measure(browser, FIXTURES / name, page, entry["changes"]))
        if not args.no_long:
            page = (FIXTURES / "tabs.html").read_text()
            with tempfile.TemporaryDirectory() as folder:
                clip = Path(folder) / "tabs-30s-720p.mp4"
                started = time.perf_counter()
                frames, changes = record_frames(page, LONG_STEPS, width=1280, height=720, fps=30, duration=30)
                encode(frames, clip, 30)
                made = time.perf_counter() - started
                row = measure(browser, clip, page, changes)
                row["recording_made_in_s"] = round(made, 1)
                row["file_kb"] = round(clip.stat().st_size / 1024)
                rows.append(row)
    print(json.dumps({"tolerance_s": TOLERANCE_S, "recordings": rows}, indent=2))


if __name__ == "__main__":
    main()

"""Screen recordings: decoding, key frames, model input, state coverage, and the whole run.

The recordings in fixtures/video were made with the project's own renderer (fixtures/video/record.py):
a script clicks through tabs.html and menu.html while a drawn pointer moves, and truth.json says when
each state begins. The tiny model proves the video path, never quality.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from PIL import Image, ImageDraw

from img2code.backends.base import GenerationRequest, VideoFrames
from img2code.config import GenerationOptions, RunConfig
from img2code.errors import ImageError
from img2code.score.ssim import ssim
from img2code.video import is_recording, load_recording, recording_source

ROOT = Path(__file__).resolve().parents[1]
SLOW_MACHINE_S = 300.0  # exploring is bounded by clicks here: a shared 2-core machine can be very slow
FIXTURES = ROOT / "fixtures" / "video"
TRUTH = json.loads((FIXTURES / "truth.json").read_text())
TABS = (FIXTURES / "tabs.html").read_text()
MENU = (FIXTURES / "menu.html").read_text()


def static(html: str) -> str:
    """The page without its script: it shows the first state and reaches no other."""
    return re.sub(r"<script>.*?</script>", "", html, flags=re.DOTALL)


def write_video(path: Path, frames: list[Image.Image], fps: int = 10) -> Path:
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = frames[0].size
        stream.pix_fmt = "yuv420p"
        for image in frames:
            for packet in stream.encode(av.VideoFrame.from_image(image)):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


@pytest.mark.parametrize("name", ["tabs.mp4", "menu.webm", "tabs.gif"])
def test_key_frames_are_the_recorded_state_changes(name: str):
    truth = TRUTH[name]
    recording = load_recording(FIXTURES / name)
    assert [round(frame.seconds, 2) for frame in recording.frames] == truth["changes"]
    assert [frame.index for frame in recording.frames] == list(range(len(truth["changes"])))
    assert recording.frames[0].image.size == tuple(truth["size"])
    assert recording.duration == pytest.approx(4.0, abs=0.01)


def test_a_moving_pointer_and_a_blinking_caret_make_no_key_frame(tmp_path: Path):
    base = Image.new("RGB", (320, 200), (250, 250, 250))
    ImageDraw.Draw(base).rectangle((20, 20, 300, 60), fill=(30, 60, 150))
    frames = []
    for number in range(30):
        frame = base.copy()
        draw = ImageDraw.Draw(frame)
        x = 20 + (number // 5) * 45  # the pointer rests 0.5 s, then jumps: long enough to look settled
        draw.polygon([(x, 110), (x, 134), (x + 6, 128), (x + 16, 127)], fill=(0, 0, 0))
        if number % 6 < 3:  # a caret blinking
            draw.line((200, 160, 200, 176), fill=(0, 0, 0), width=2)
        frames.append(frame)
    changed = base.copy()
    ImageDraw.Draw(changed).rectangle((20, 80, 300, 190), fill=(200, 40, 40))
    frames += [changed] * 10  # a real change at 3.0 s
    recording = load_recording(write_video(tmp_path / "pointer.mp4", frames))
    assert [round(frame.seconds, 1) for frame in recording.frames] == [0.0, 3.0]


def test_max_frames_keeps_the_first_and_the_largest_changes(tmp_path: Path):
    frames = []
    for state in range(6):  # six states, each 0.5 s; the odd ones change much more of the screen
        image = Image.new("RGB", (320, 200), "white")
        height = 150 if state % 2 else 30
        ImageDraw.Draw(image).rectangle((10, 10, 10 + 40 * state, 10 + height), fill=(0, 0, 0))
        frames += [image] * 5
    everything = load_recording(write_video(tmp_path / "six.mp4", frames))
    assert len(everything.frames) == 6
    kept = load_recording(tmp_path / "six.mp4", max_frames=3)
    assert [frame.index for frame in kept.frames] == [0, 1, 2]
    assert kept.frames[0].seconds == 0.0
    assert kept.dropped == 3
    big = sorted(everything.frames[1:], key=lambda frame: -frame.change)[:2]
    assert [round(f.seconds, 1) for f in kept.frames[1:]] == sorted(round(f.seconds, 1) for f in big)


def test_recordings_are_told_from_images(tmp_path: Path):
    still = tmp_path / "still.gif"
    Image.new("RGB", (32, 32), "red").save(still)
    assert is_recording(FIXTURES / "tabs.gif") and is_recording(FIXTURES / "tabs.mp4")
    assert not is_recording(still)
    assert not is_recording(ROOT / "fixtures" / "mockups" / "dashboard.png")


@pytest.mark.parametrize(
    "content",
    [b"", b"not a video at all" * 50, (FIXTURES / "tabs.mp4").read_bytes()[:3000]],
    ids=["empty", "garbage", "truncated"],
)
def test_an_unreadable_video_is_bad_input_naming_the_file(tmp_path: Path, content: bytes):
    from img2code.cli import main

    broken = tmp_path / "broken recording.mp4"
    broken.write_bytes(content)
    with pytest.raises(ImageError, match=r"broken recording\.mp4"):
        load_recording(broken)
    args = ["html", str(broken), "-o", str(tmp_path / "out"), "--backend", "classic"]
    done = CliRunner().invoke(main, args)
    assert done.exit_code == 2, done.output
    assert "broken recording.mp4" in done.output
    assert not (tmp_path / "out").exists()


def test_exploring_the_menu_page_reaches_the_open_menu(browser):
    from img2code.score.states import explore

    exploration = explore(browser, MENU, 640, 400, budget_s=SLOW_MACHINE_S)
    ways = [state.how for state in exploration.states]
    assert ways[0] == "start"
    assert "button 'Menu'" in ways and "button 'Join the club'" in ways
    menu = exploration.states[ways.index("button 'Menu'")]
    opened = MENU.replace('<nav id="menu">', '<nav id="menu" class="open">')  # the menu opened by hand
    expected = browser.render_html(opened, 640, 400, full_page=False).image
    assert ssim(np.asarray(menu.image), np.asarray(expected))[0] > 0.99
    assert ssim(np.asarray(exploration.states[0].image), np.asarray(expected))[0] < 0.99
    assert exploration.clicks > 2  # depth 2: the open menu's items and the dialog's parts were clicked too
    assert not exploration.stopped


@pytest.mark.parametrize(("video", "page"), [("tabs.mp4", TABS), ("menu.webm", MENU)])
def test_the_recorded_page_reaches_every_state_and_a_static_copy_does_not(browser, video: str, page: str):
    from img2code.score.states import state_coverage

    frames = load_recording(FIXTURES / video).frames
    original = state_coverage(browser, page, frames, budget_s=SLOW_MACHINE_S)
    still = state_coverage(browser, static(page), frames, budget_s=SLOW_MACHINE_S)
    assert original.states_reached == 1.0 and original.state_coverage >= 0.95
    assert still.states_reached <= 0.5
    assert still.state_coverage < original.state_coverage - 0.05
    assert [match.frame for match in still.missing]  # named, for the refine prompt
    assert original.matches[1].how != "start" and original.matches[1].reached


def test_the_transformers_backend_gets_one_video_with_the_key_frame_times(tiny_model_dir: Path):
    from img2code.backends.transformers import TransformersBackend

    source = recording_source(load_recording(FIXTURES / "tabs.mp4"), tokens=400)
    assert source.video is not None
    backend = TransformersBackend(str(tiny_model_dir), device_map="cpu")
    try:
        request = GenerationRequest(
            target="html",
            mode="refine",
            prompt="make the page",
            images=[source.image, source.image],  # the source (the video's first frame) and a render
            options=GenerationOptions(temperature=0, max_new_tokens=4),
            max_image_tokens=64,
            video=source.video,
        )
        inputs = backend._inputs(request)
        grid = inputs["video_grid_thw"].tolist()
        assert len(grid) == 1 and grid[0][0] == 4  # one video: a temporal patch per key frame
        assert grid[0][0] * grid[0][1] * grid[0][2] // 4 <= 400  # within the token budget
        assert len(inputs["image_grid_thw"]) == 1  # the render only; the source is in the video
        text = backend._processor.tokenizer.decode(inputs["input_ids"][0])
        assert re.findall(r"<([\d.]+) seconds>", text) == ["0.0", "1.0", "2.0", "3.0"]
        assert backend.generate(request).usage.prompt_tokens == inputs["input_ids"].shape[1]
    finally:
        backend.close()


def _video_request(video: VideoFrames, image: Image.Image) -> GenerationRequest:
    return GenerationRequest(
        target="html",
        mode="generate",
        prompt="make the page",
        images=[image],
        options=GenerationOptions(temperature=0, max_new_tokens=8),
        max_image_tokens=64,
        video=video,
    )


def test_the_openai_backend_sends_vllm_a_video_and_other_servers_labelled_frames(tmp_path: Path):
    from img2code.backends.openai import OpenAIBackend

    source = recording_source(load_recording(FIXTURES / "tabs.mp4"))
    assert source.video is not None
    request = _video_request(source.video, source.image)
    parts = OpenAIBackend("http://localhost:8000/v1", "m", server="vllm")._messages(request)[-1]["content"]
    kinds = [part["type"] for part in parts]  # type: ignore[index]
    assert kinds == ["video_url", "text"]
    url = parts[0]["video_url"]["url"]  # type: ignore[index]
    assert url.startswith("data:video/mp4;base64,")
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(base64.b64decode(url.split(",", 1)[1]))
    assert [round(f.seconds, 1) for f in load_recording(clip).frames] == [0.0, 1.0, 2.0, 3.0]

    lmstudio = OpenAIBackend("http://localhost:1234/v1", "m", server="lmstudio")
    parts = lmstudio._messages(request)[-1]["content"]
    labels = [part["text"] for part in parts if part["type"] == "text"]  # type: ignore[index]
    assert labels[:4] == ["state 0 at 0.0 s:", "state 1 at 1.0 s:", "state 2 at 2.0 s:", "state 3 at 3.0 s:"]
    assert [part["type"] for part in parts].count("image_url") == 4  # type: ignore[index]


def test_the_real_server_answers_a_recording_sent_as_labelled_frames(openai_server):
    from img2code.backends.openai import OpenAIBackend

    source = recording_source(load_recording(FIXTURES / "tabs.mp4"))
    assert source.video is not None
    backend = OpenAIBackend(openai_server.url, openai_server.model, retry_s=10)
    try:
        one = backend.generate(_video_request(VideoFrames(source.video.images[:1], [0.0]), source.image))
        four = backend.generate(_video_request(source.video, source.image))
    finally:
        backend.close()
    assert four.text and four.usage.prompt_tokens > one.usage.prompt_tokens + 100  # the other frames came


def test_a_run_on_a_recording_measures_state_coverage(browser, tmp_path: Path, monkeypatch):
    from fakes import ScriptedBackend

    import img2code.score.states

    monkeypatch.setattr(img2code.score.states, "DEFAULT_BUDGET_S", SLOW_MACHINE_S)
    from img2code.session import Converter

    config = RunConfig(backend="classic", max_iters=2, target_ssim=0.99, correct=False, text_hints=False)
    backend = ScriptedBackend(f"```html\n{static(TABS)}\n```", f"```html\n{TABS}\n```")
    with Converter(config, backend=backend, renderer=browser) as converter:
        result = converter.convert(FIXTURES / "tabs.mp4", tmp_path / "out")
    out = tmp_path / "out"
    first, second = result.iterations
    assert first.scores["states_reached"] == 0.5 and second.scores["states_reached"] == 1.0
    assert result.best_iteration == 1  # ranked by state coverage
    refine = backend.requests[1]
    assert refine.video is not None and refine.video.seconds == [0.0, 1.0, 2.0, 3.0]
    assert "state 1 at 1.0 s" in refine.prompt and "No click sequence" in refine.prompt
    saved = json.loads((out / "result.json").read_text())
    video = saved["video"]
    assert [frame["seconds"] for frame in video["key_frames"]] == [0.0, 1.0, 2.0, 3.0]
    assert video["coverage"]["states_reached"] == 1.0
    assert saved["final"]["state_coverage"] >= 0.95
    for frame in video["coverage"]["frames"]:
        assert (out / frame["file"]).is_file()
    assert (out / "frames" / "00.png").is_file() and (out / "frames" / "sheet.png").is_file()
    report = (out / "report.html").read_text()
    assert "Screen recording" in report and "button &#39;Pricing&#39;" in report


@pytest.mark.slow
def test_the_tiny_model_runs_the_video_path_end_to_end(scripted_model_dir: Path, tmp_path: Path):
    out = tmp_path / "out"
    args = ["html", str(FIXTURES / "menu.webm"), "-o", str(out), "--backend", "transformers"]
    args += ["--model", str(scripted_model_dir), "--max-iters", "1", "--max-new-tokens", "40"]
    args += ["--max-image-tokens", "64"]
    done = subprocess.run(
        [sys.executable, "-m", "img2code", *args], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert "Traceback" not in done.stderr, done.stderr
    result = json.loads((out / "result.json").read_text())
    assert result["source"]["format"] == "VIDEO"
    assert len(result["video"]["key_frames"]) == 4
    iteration = result["iterations"][0]
    assert iteration["usage"]["prompt_tokens"] > 200  # the video's tokens went in
    assert iteration["status"] == "ok", iteration  # the scripted answer is a page
    coverage = result["video"]["coverage"]
    assert 0 <= coverage["state_coverage"] <= 1 and coverage["states_reached"] < 1  # noise, not quality

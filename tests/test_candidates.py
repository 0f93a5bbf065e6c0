"""``--candidates N``: each iteration asks for N answers, scores them all and keeps the best.

The loop's rules on a scripted backend and a renderer that draws no page (as tests/test_refine.py);
then the batching of each model backend: the tiny Qwen3-VL answers N sequences from one generate(),
and a real OpenAI-compatible server on 127.0.0.1 gets N requests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from fakes import FakeRenderer, ScriptedBackend, page, source_image, wrong
from test_refine import NO_STOP, run_loop

from img2code.backends.base import Generation, GenerationRequest
from img2code.config import PRESETS, RunConfig
from img2code.errors import GenerationError, RenderError
from img2code.session import Converter


def test_the_best_of_n_answers_is_kept_and_all_are_scored(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), page("b"), page("c"))
    pages = {"a": wrong(0.5), "b": wrong(0.1), "c": wrong(0.3)}
    outcome = run_loop(tmp_path, backend, pages, max_iters=1, candidates=3, **NO_STOP)

    (iteration,) = outcome.iterations
    assert len(backend.requests) == 3  # one round, three answers
    assert outcome.best is not None and 'data-page="b"' in outcome.best.code
    assert iteration.ssim == pytest.approx(0.9, abs=0.05)
    assert [c.ok for c in iteration.candidates] == [True, True, True]
    scores = [c.ssim for c in iteration.candidates]
    assert scores[1] == max(scores) and scores[0] == min(scores)  # type: ignore[type-var]
    # the winner's files are the iteration's own (what the output folder copies to the top)
    best_code = (tmp_path / "out" / ".img2code-new" / "iterations/00/index.html").read_text()
    assert 'data-page="b"' in best_code


def test_a_failing_candidate_leaves_the_others(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), GenerationError("server hiccup"), page("c"))
    pages = {"a": RenderError("page hung"), "c": wrong(0.4)}
    outcome = run_loop(tmp_path, backend, pages, max_iters=1, candidates=3, **NO_STOP)

    (iteration,) = outcome.iterations
    assert iteration.ok and iteration.error is None and outcome.fatal is None
    assert [c.ok for c in iteration.candidates] == [False, False, True]
    errors = [c.error or "" for c in iteration.candidates]
    assert errors[0].startswith("render:") and errors[1].startswith("generate:")
    assert outcome.best is not None and 'data-page="c"' in outcome.best.code


def test_a_round_whose_answers_all_fail_is_a_failed_iteration(tmp_path: Path) -> None:
    backend = ScriptedBackend(page("a"), page("b"), page("c"), page("d"))
    pages = {"a": RenderError("hung"), "b": RenderError("hung"), "c": wrong(0.3), "d": wrong(0.6)}
    outcome = run_loop(tmp_path, backend, pages, max_iters=2, candidates=2, **NO_STOP)

    first, second = outcome.iterations
    assert not first.ok and first.error is not None and first.error.stage == "render"
    assert second.ok and outcome.best is not None and 'data-page="c"' in outcome.best.code


def test_every_answer_failing_to_generate_ends_the_loop(tmp_path: Path) -> None:
    backend = ScriptedBackend(GenerationError("down"), GenerationError("down"))
    outcome = run_loop(tmp_path, backend, {}, max_iters=3, candidates=2, **NO_STOP)
    assert outcome.fatal is not None and len(outcome.iterations) == 1


def test_result_json_lists_every_candidate_with_its_score(tmp_path: Path) -> None:
    shot = tmp_path / "shot.png"
    source_image().save(shot)
    # a backend that takes no feedback: no findings or text hints to read off the noise by OCR
    backend = ScriptedBackend(page("a"), page("b"), follows_prompts=False)
    renderer = FakeRenderer({"a": wrong(0.2), "b": wrong(0.6)})
    config = RunConfig(backend="classic", max_iters=1, candidates=2, correct=False)
    with Converter(config, backend=backend, renderer=renderer) as converter:
        result = converter.convert(shot, tmp_path / "out")

    saved = json.loads((tmp_path / "out" / "result.json").read_text())
    listed = saved["iterations"][0]["candidates"]
    assert [c["index"] for c in listed] == [0, 1] and listed[0]["ssim"] > listed[1]["ssim"]
    assert saved["settings"]["candidates"] == 2
    assert 'data-page="a"' in (tmp_path / "out" / "index.html").read_text()
    report = (tmp_path / "out" / "report.html").read_text()
    assert "Candidates" in report and f"{listed[1]['ssim']:.4f}" in report
    assert result.best is not None and result.best.candidates[0].ok


@pytest.fixture(scope="module")
def tiny_backend(tiny_model_dir: Path) -> Iterator[object]:
    from img2code.backends.transformers import TransformersBackend

    with TransformersBackend(str(tiny_model_dir)) as loaded:
        yield loaded


def _request(n_tokens: int = 12) -> GenerationRequest:
    return GenerationRequest(
        target="html",
        mode="generate",
        prompt="Write the page.",
        images=[source_image()],
        options=PRESETS["qwen-vl"].with_overrides(max_new_tokens=n_tokens),
        max_image_tokens=16,
    )


def test_transformers_answers_n_candidates_from_one_batched_generate(tiny_backend) -> None:
    model = tiny_backend._model
    calls: list[dict] = []
    original = model.generate

    def counting(**kwargs):
        calls.append(kwargs)
        return original(**kwargs)

    model.generate = counting
    try:
        answers = tiny_backend.generate_candidates(_request(), 4)
    finally:
        del model.generate
    assert len(calls) == 1  # one generate for all four
    assert calls[0]["num_return_sequences"] == 4 and calls[0]["do_sample"] is True
    assert calls[0]["input_ids"].shape[0] == 1  # the prompt is prepared once; generate repeats it
    assert len(answers) == 4 and all(isinstance(a, Generation) for a in answers)
    assert all(0 < a.usage.completion_tokens <= 12 for a in answers)  # type: ignore[union-attr]


def test_openai_sends_n_requests_at_once(openai_server, monkeypatch: pytest.MonkeyPatch) -> None:
    from img2code.backends.openai import OpenAIBackend

    backend = OpenAIBackend(openai_server.url, openai_server.model, retry_s=5)
    threads: set[str] = set()
    original = backend.generate

    def recording(request: GenerationRequest) -> Generation:
        threads.add(threading.current_thread().name)
        return original(request)

    monkeypatch.setattr(backend, "generate", recording)
    try:
        answers = backend.generate_candidates(_request(), 3)
    finally:
        backend.close()
    assert len(answers) == 3 and all(isinstance(a, Generation) and a.text for a in answers)
    assert len(threads) == 3  # three requests, each on a thread of its own


class _StubChat(BaseHTTPRequestHandler):
    """A minimal OpenAI-compatible chat endpoint streaming one short answer after a pause; it counts
    the requests in flight at once."""

    lock = threading.Lock()
    in_flight = 0
    most = 0
    seen = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        cls = type(self)
        with cls.lock:
            cls.in_flight += 1
            cls.seen += 1
            cls.most = max(cls.most, cls.in_flight)
        time.sleep(0.5)  # long enough that requests sent together overlap
        with cls.lock:
            cls.in_flight -= 1
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.end_headers()
        for delta, finish in (({"role": "assistant", "content": "<p>hi</p>"}, None), ({}, "stop")):
            chunk = {
                "id": "x",
                "object": "chat.completion.chunk",
                "created": 0,
                "model": body["model"],
                "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
            }
            self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
        self.wfile.write(b"data: [DONE]\n\n")

    def log_message(self, *args: object) -> None:
        pass


def test_openai_requests_for_n_candidates_overlap() -> None:
    from img2code.backends.openai import OpenAIBackend

    server = ThreadingHTTPServer(("127.0.0.1", 0), _StubChat)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    backend = OpenAIBackend(f"http://127.0.0.1:{server.server_address[1]}/v1", "stub", retry_s=2)
    try:
        answers = backend.generate_candidates(_request(), 3)
    finally:
        backend.close()
        server.shutdown()
        server.server_close()
    assert [a.text for a in answers if isinstance(a, Generation)] == ["<p>hi</p>"] * 3
    assert _StubChat.seen == 3 and _StubChat.most == 3  # three requests, all in flight at once

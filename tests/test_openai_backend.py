"""The openai backend against a real OpenAI-compatible server: ``transformers serve`` on 127.0.0.1."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from click.testing import CliRunner
from local_server import LocalServer, free_port
from PIL import Image
from scripted_qwen3vl import ANSWER

from img2code import Progress, RunConfig, convert
from img2code.backends import choose_backend
from img2code.backends.base import GenerationRequest
from img2code.backends.openai import OpenAIBackend, classify_failure, sampling_fields
from img2code.cli import main
from img2code.config import PRESETS, GenerationOptions
from img2code.errors import GenerationError, InputError, ModelNotFoundError

ROOT = Path(__file__).resolve().parents[1]
MOCKUP = ROOT / "fixtures" / "mockups" / "login.png"
GREEDY = GenerationOptions(temperature=0, max_new_tokens=32)


@pytest.fixture(scope="module")
def small_image(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The top-left 512x384 of a mockup: 192 image tokens."""
    path = tmp_path_factory.mktemp("images") / "login.png"
    with Image.open(MOCKUP) as image:
        image.convert("RGB").crop((0, 0, 512, 384)).save(path)
    return path


def _request(image: Path, **kwargs) -> GenerationRequest:
    with Image.open(image) as opened:
        rgb = opened.convert("RGB")
    return GenerationRequest(
        target="html", mode="generate", prompt="Write the HTML.", images=[rgb], options=GREEDY, **kwargs
    )


class _Tokens(Progress):
    def __init__(self) -> None:
        self.pieces: list[str] = []

    def token(self, piece: str) -> None:
        self.pieces.append(piece)


def test_conversion_through_a_server_records_usage_and_latency(
    openai_server: LocalServer, small_image: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    tokens = _Tokens()
    with caplog.at_level(logging.WARNING, logger="img2code.backends.openai"):
        result = convert(
            small_image,
            tmp_path / "out",
            progress=tokens,
            backend="openai",
            base_url=openai_server.url,
            model=openai_server.model,
            max_iters=1,
        )

    assert result.status == "ok", result.errors
    assert "Build faster" in (tmp_path / "out" / "index.html").read_text()
    saved = json.loads((tmp_path / "out" / "result.json").read_text())
    assert saved["backend"]["name"] == "openai"
    assert saved["backend"]["model"] == openai_server.model
    iteration = saved["iterations"][0]
    assert iteration["usage"]["prompt_tokens"] > 192  # the image's tokens plus the prompt's
    assert iteration["usage"]["completion_tokens"] >= len(tokens.pieces) > 1  # streamed piece by piece
    assert "".join(tokens.pieces) == ANSWER
    assert iteration["finish_reason"] == "stop"
    assert 0 < iteration["first_token_seconds"] <= iteration["timings"]["generate"]
    assert saved["usage"]["completion_tokens"] == iteration["usage"]["completion_tokens"]
    assert saved["usage"]["first_token_seconds"] == pytest.approx(iteration["first_token_seconds"], abs=1e-3)
    usage = iteration["usage"]
    tokens_cell = f'<td class="num">{usage["prompt_tokens"]} / {usage["completion_tokens"]}</td>'
    assert tokens_cell in (tmp_path / "out" / "report.html").read_text()
    # transformers serve refuses top_k (the qwen-vl preset has it): the backend falls back, once
    assert "top_k" in caplog.text


def test_images_are_capped_before_sending(openai_server: LocalServer, small_image: Path):
    backend = OpenAIBackend(openai_server.url, openai_server.model)
    few = backend.generate(_request(small_image, max_image_tokens=16))
    many = backend.generate(_request(small_image, max_image_tokens=256))

    # 192 image tokens against 16 (which the server's processor enlarges to its minimum, 64)
    assert many.usage.prompt_tokens - few.usage.prompt_tokens >= 100
    assert few.text == many.text == ANSWER


def test_unknown_model_fails_at_once_and_says_so(openai_server: LocalServer, small_image: Path):
    backend = OpenAIBackend(openai_server.url, "no-such-model", retry_s=30)
    started = time.perf_counter()
    with pytest.raises(ModelNotFoundError, match="does not know model 'no-such-model'"):
        backend.generate(_request(small_image))
    assert time.perf_counter() - started < 5  # not retried


def test_no_server_is_retried_then_fails_clearly(small_image: Path):
    backend = OpenAIBackend(f"http://127.0.0.1:{free_port()}/v1", "any", retry_s=1.5)
    started = time.perf_counter()
    with pytest.raises(GenerationError, match="could not connect") as raised:
        backend.generate(_request(small_image))
    elapsed = time.perf_counter() - started

    tries = int(re.search(r"gave up after (\d+) tries", str(raised.value)).group(1))
    assert tries >= 2
    assert "Is the server running?" in str(raised.value)
    assert 0.4 < elapsed < 4


class _BusyThenForward(BaseHTTPRequestHandler):
    """Answers 429, then 503, then passes requests on to the real server."""

    upstream = ""
    answers: ClassVar[list[int]] = []
    seen: ClassVar[list[int]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.answers:
            status = self.answers.pop(0)
            self.seen.append(status)
            self.send_response(status)
            self.send_header("Retry-After", "0")
            self.end_headers()
            self.wfile.write(b'{"error": {"message": "busy, try again"}}')
            return
        self.seen.append(200)
        forwarded = urllib.request.Request(self.upstream + self.path, data=body, headers=dict(self.headers))
        with urllib.request.urlopen(forwarded) as answer:
            data = answer.read()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def busy_proxy(openai_server: LocalServer) -> Iterator[tuple[str, list[int]]]:
    """A proxy in front of the real server that is busy twice before it lets a request through."""
    handler = type("Handler", (_BusyThenForward,), {"upstream": f"http://127.0.0.1:{openai_server.port}"})
    handler.answers, handler.seen = [429, 503], []
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1", handler.seen
    server.shutdown()
    server.server_close()


def test_busy_server_is_retried_with_backoff(
    busy_proxy: tuple[str, list[int]], openai_server: LocalServer, small_image: Path
):
    url, seen = busy_proxy
    generation = OpenAIBackend(url, openai_server.model, retry_s=10).generate(_request(small_image))

    assert seen == [429, 503, 200]
    assert generation.text == ANSWER
    assert generation.seconds >= 0.5  # it waited before retrying


@pytest.mark.parametrize(
    ("status", "detail", "kind"),
    [
        (400, "Model does not support images. Please use a model that does.", "vision"),  # LM Studio
        (400, "qwen3:8b is not a multimodal model", "vision"),  # vLLM
        (
            500,
            "image input is not supported - hint: you may need to provide the mmproj",
            "vision",
        ),  # llama.cpp
        (404, 'model "qwen3-vl:8b" not found, try pulling it first', "model"),  # Ollama
        (404, "The model `qwen3-vl` does not exist.", "model"),  # vLLM
        (400, "Server is pinned to '/models/a'; requested 'qwen3-vl'.", "model"),  # transformers serve
        (422, "Unexpected fields in the request: {'top_k'}", "fields"),  # transformers serve
        (401, "Invalid API key", "auth"),
        (429, "Too many requests", "retry"),
        (503, "Service unavailable", "retry"),
        (400, "messages: field required", "other"),
    ],
)
def test_error_answers_are_told_apart(status: int, detail: str, kind: str):
    assert classify_failure(status, detail, "qwen3-vl", {"top_k", "min_p"}) == kind


def test_sampling_options_map_to_the_servers_fields():
    assert sampling_fields(PRESETS["qwen-vl"], None) == {
        "max_tokens": 16384,
        "temperature": 0.7,
        "top_p": 0.8,
        "presence_penalty": 1.5,
        "top_k": 20,
        "repetition_penalty": 1.0,
    }
    lmstudio = sampling_fields(PRESETS["lmstudio"], "lmstudio")
    assert lmstudio == {"max_tokens": 16384, "temperature": 0.15, "top_p": 0.95, "top_k": 20, "min_p": 0.0}
    penalised = PRESETS["lmstudio"].with_overrides(repetition_penalty=1.1)
    assert sampling_fields(penalised, "lmstudio")["repeat_penalty"] == 1.1
    assert set(sampling_fields(PRESETS["qwen-vl"], "vllm", extras=False)) == {
        "max_tokens",
        "temperature",
        "top_p",
        "presence_penalty",
    }


def test_auto_picks_a_configured_server(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("IMG2CODE_BASE_URL", raising=False)
    assert RunConfig(server="ollama").endpoint() == ("http://localhost:11434/v1", "--server ollama")
    assert RunConfig(server="lmstudio", base_url="http://gpu:8000/v1").endpoint()[0] == "http://gpu:8000/v1"
    with pytest.raises(InputError, match="--backend openai needs a server"):
        choose_backend(RunConfig(backend="openai"))

    monkeypatch.setenv("IMG2CODE_BASE_URL", "http://127.0.0.1:9/v1")
    choice = choose_backend(RunConfig())
    assert choice.name == "openai"
    assert "IMG2CODE_BASE_URL" in choice.why and "http://127.0.0.1:9/v1" in choice.why
    assert choose_backend(RunConfig(backend="classic")).name == "classic"


def test_cli_converts_one_image_through_a_server(
    openai_server: LocalServer, small_image: Path, tmp_path: Path
):
    out = tmp_path / "out"
    args = ["html", str(small_image), "-o", str(out), "--base-url", openai_server.url]
    result = CliRunner().invoke(main, [*args, "--model", openai_server.model, "--max-iters", "1"])

    assert result.exit_code == 0, result.output
    assert (out / "index.html").is_file()  # one image: OUT is the run folder, as before
    backend = json.loads((out / "result.json").read_text())["backend"]
    assert backend["name"] == "openai" and backend["why"].startswith("--base-url")

"""Any OpenAI-compatible server: LM Studio, Ollama, vLLM, llama.cpp, ``transformers serve``.

One streamed ``POST {base_url}/chat/completions`` per generation, standard library HTTP only, the
images sent as PNG data URLs. A busy or unreachable server (HTTP 408/429/5xx, a refused or dropped
connection) is retried with exponential backoff for at most ``retry_s`` seconds after the first
failure; what a retry cannot fix (an unknown model, a model without vision, a refused key) fails at
once with a message that says what to do.
"""

from __future__ import annotations

import base64
import http.client
import io
import json
import logging
import math
import random
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from PIL import Image

from ..config import GenerationOptions
from ..errors import BackendError, GenerationError, InputError, ModelNotFoundError
from .base import Backend, Generation, GenerationRequest, Usage

log = logging.getLogger(__name__)

PIXELS_PER_IMAGE_TOKEN = 32 * 32  # Qwen3-VL: one image token per 32x32 pixels
READ_TIMEOUT_S = 300.0  # longest silence allowed while waiting for the next byte (a slow prefill)
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 8.0
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
# Sampling fields outside the OpenAI schema, named as each server reads them; servers ignore or
# refuse what they do not know (a refusal is retried once without them).
EXTRA_FIELDS = {
    "default": {"top_k": "top_k", "min_p": "min_p", "repetition_penalty": "repetition_penalty"},
    "lmstudio": {"top_k": "top_k", "min_p": "min_p", "repetition_penalty": "repeat_penalty"},
}
START_HINT = (
    "Start it (LM Studio: Developer > Start Server; Ollama: `ollama serve`; vLLM: `vllm serve MODEL`; "
    "`transformers serve MODEL`), or point --base-url / --server / IMG2CODE_BASE_URL at a running one"
)
_VISION_WORDS = re.compile(r"image|vision|multi-?modal|mmproj", re.IGNORECASE)
_MODEL_WORDS = re.compile(r"model.*(not found|does not exist|unknown|not loaded|no such)", re.IGNORECASE)


def sampling_fields(options: GenerationOptions, server: str | None, *, extras: bool = True) -> dict[str, Any]:
    """The request fields for ``options``: OpenAI's own, plus (``extras``) top_k, min_p, repetition."""
    fields: dict[str, Any] = {"max_tokens": options.max_new_tokens}
    for name in ("temperature", "top_p", "presence_penalty"):
        value = getattr(options, name)
        if value is not None:
            fields[name] = value
    if extras:
        for name, field in EXTRA_FIELDS.get(server or "default", EXTRA_FIELDS["default"]).items():
            value = getattr(options, name)
            if value is not None:
                fields[field] = value
    return fields


def image_data_url(image: Image.Image, max_image_tokens: int) -> str:
    """A PNG data URL of ``image``, scaled down to at most ``max_image_tokens`` 32x32 patches."""
    limit = max_image_tokens * PIXELS_PER_IMAGE_TOKEN
    if image.width * image.height > limit:
        scale = math.sqrt(limit / (image.width * image.height))
        size = (max(1, int(image.width * scale)), max(1, int(image.height * scale)))
        image = image.resize(size, Image.Resampling.BICUBIC)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _backoff(tries: int) -> float:
    """Seconds to wait before try ``tries + 1``: doubling from FIRST_DELAY_S, capped, with jitter."""
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2 ** (tries - 1)) * random.uniform(0.8, 1.2)


def classify_failure(status: int, detail: str, model: str, extra_fields: set[str]) -> str:
    """What an error answer means: "auth", "vision", "model", "fields", "retry" or "other".

    Servers word these differently (LM Studio: "Model does not support images", vLLM: "... is not a
    multimodal model", llama.cpp: "image input is not supported" with HTTP 500), so the words count
    more than the status. ``extra_fields`` are the non-OpenAI fields the request carried.
    """
    if status in (401, 403):
        return "auth"
    if _VISION_WORDS.search(detail) and (400 <= status < 600):
        return "vision"
    if status in (400, 422) and any(name in detail for name in extra_fields):
        return "fields"
    if status == 404 or (400 <= status < 500 and (model in detail or _MODEL_WORDS.search(detail))):
        return "model"
    if status in RETRY_STATUSES:
        return "retry"
    return "other"


@dataclass
class _Failure(Exception):
    """One failed attempt: ``kind`` says whether it can be retried (see classify_failure)."""

    kind: str
    message: str
    retry_after: float | None = None


class OpenAIBackend(Backend):
    """A model behind an OpenAI-compatible chat completions endpoint (``base_url`` ends in /v1)."""

    name = "openai"
    concurrent = True  # the server queues or batches parallel requests itself

    def __init__(
        self,
        base_url: str,
        model: str,
        *,
        api_key: str | None = None,
        server: str | None = None,
        retry_s: float = 60.0,
        timeout_s: float = READ_TIMEOUT_S,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise InputError(
                f"--base-url {base_url!r} is not an http(s) URL such as http://localhost:1234/v1"
            )
        if parts.path in ("", "/"):
            base_url = base_url.rstrip("/") + "/v1"  # every server named above serves under /v1
        self.base_url = base_url.rstrip("/")
        self._model_name = model
        self.api_key = api_key
        self.server = server
        self.retry_s = retry_s
        self.timeout_s = timeout_s
        self._extras = True  # cleared once the server refuses the non-OpenAI sampling fields

    @property
    def model(self) -> str:
        """The model name sent to the server."""
        return self._model_name

    def generate(self, request: GenerationRequest) -> Generation:
        """Stream one answer for ``request``, retrying a busy or unreachable server within ``retry_s``."""
        started = time.perf_counter()
        messages = self._messages(request)
        deadline: float | None = None
        tries = 0
        while True:
            tries += 1
            fields = sampling_fields(request.options, self.server, extras=self._extras)
            extras = set(fields) - set(sampling_fields(request.options, self.server, extras=False))
            body = {"model": self._model_name, "messages": messages, "stream": True, **fields}
            body["stream_options"] = {"include_usage": True}
            try:
                return self._stream(body, extras, request, started)
            except _Failure as failure:
                if failure.kind == "fields" and extras:
                    self._drop_extras(failure)
                    continue
                if failure.kind != "retry":
                    raise self._error(failure) from None
                now = time.perf_counter()
                deadline = deadline or now + self.retry_s
                delay = max(_backoff(tries), failure.retry_after or 0.0)
                if now + delay > deadline:
                    hint = f". Is the server running? {START_HINT}" if "connect" in failure.message else ""
                    raise GenerationError(
                        f"{failure.message}; gave up after {tries} tries in {now - started:.1f} s{hint}"
                    ) from None
                log.info("%s; retry %d in %.1f s", failure.message, tries, delay)
                time.sleep(delay)

    def _drop_extras(self, failure: _Failure) -> None:
        """Send only OpenAI's own sampling fields from now on (``transformers serve`` refuses top_k)."""
        if self._extras:  # another thread may have dropped them already
            log.warning("%s; sending OpenAI's own sampling fields only", failure.message)
        self._extras = False

    def _messages(self, request: GenerationRequest) -> list[dict[str, Any]]:
        """The chat: an optional system message, then the images (capped) and the prompt."""
        content: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": image_data_url(image, request.max_image_tokens)}}
            for image in request.images
        ]
        content.append({"type": "text", "text": request.prompt})
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": content})
        return messages

    def _stream(
        self, body: dict[str, Any], extras: set[str], request: GenerationRequest, started: float
    ) -> Generation:
        """One attempt: POST, read the server-sent events, and return the whole answer."""
        pieces: list[str] = []
        first_token: float | None = None
        finish_reason: str | None = None
        usage: dict[str, Any] | None = None
        chunks = 0
        try:
            with self._open("chat/completions", body) as response:
                for event in _events(response):
                    if "error" in event:
                        raise self._failure(500, _detail(event), extras)
                    if event.get("usage"):
                        usage = event["usage"]
                    for choice in event.get("choices") or []:
                        delta = choice.get("delta") or {}
                        text = delta.get("content") or ""
                        if first_token is None and (text or delta.get("reasoning_content")):
                            first_token = time.perf_counter() - started
                        if text:
                            chunks += 1
                            pieces.append(text)
                            if request.on_token is not None:
                                request.on_token(text)
                        finish_reason = choice.get("finish_reason") or finish_reason
        except urllib.error.HTTPError as exc:
            raise self._failure(exc.code, _read_detail(exc), extras, exc.headers.get("Retry-After")) from None
        except urllib.error.URLError as exc:
            raise _Failure("retry", f"could not connect to {self.base_url} ({exc.reason})") from None
        except (http.client.HTTPException, OSError) as exc:
            raise _Failure("retry", f"the connection to {self.base_url} failed ({exc!r})") from None
        if finish_reason is None:
            raise _Failure("retry", f"{self.base_url} closed the stream before the answer ended")
        if usage is None:
            log.debug("%s sent no token usage; counting %d streamed pieces", self.base_url, chunks)
        return Generation(
            text="".join(pieces),
            finish_reason="length" if finish_reason == "length" else "stop",
            usage=Usage(
                prompt_tokens=int((usage or {}).get("prompt_tokens") or 0),
                completion_tokens=int((usage or {}).get("completion_tokens") or chunks),
            ),
            seconds=time.perf_counter() - started,
            first_token_seconds=first_token,
        )

    def _open(self, path: str, body: dict[str, Any] | None = None, timeout: float | None = None) -> Any:
        """Send a request (POST with a JSON ``body``, else GET); the caller reads the response."""
        headers = {"Accept": "text/event-stream" if body else "application/json"}
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body).encode("utf-8")
        if self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        request = urllib.request.Request(f"{self.base_url}/{path}", data=data, headers=headers)
        return urllib.request.urlopen(request, timeout=timeout or self.timeout_s)

    def _failure(
        self, status: int, detail: str, extras: set[str], retry_after: str | None = None
    ) -> _Failure:
        """An error answer as a _Failure that knows whether to retry."""
        kind = classify_failure(status, detail, self._model_name, extras)
        message = f"{self.base_url} answered HTTP {status}: {detail}"
        try:
            wait = float(retry_after) if retry_after else None
        except ValueError:  # an HTTP date; the backoff covers it
            wait = None
        return _Failure(kind, message, wait)

    def _error(self, failure: _Failure) -> BackendError:
        """The error a user sees for a failure that a retry cannot fix."""
        if failure.kind == "auth":
            return BackendError(
                f"{failure.message}. Pass the server's key with --api-key or IMG2CODE_API_KEY."
            )
        if failure.kind == "vision":
            return BackendError(
                f"model {self._model_name!r} cannot take images ({failure.message}). "
                "Load a vision model such as Qwen3-VL in the server and pass its name with --model."
            )
        if failure.kind == "model":
            served = self.served_models()
            listing = f"; it serves: {', '.join(served)}" if served else ""
            return ModelNotFoundError(
                f"the server does not know model {self._model_name!r} ({failure.message}){listing}. "
                "Pass the name the server uses with --model."
            )
        return GenerationError(failure.message)

    def served_models(self) -> list[str]:
        """The model names ``GET /models`` lists; empty when the server does not say."""
        try:
            with self._open("models", timeout=5.0) as response:
                listing = json.load(response)
            return [str(entry["id"]) for entry in listing.get("data", [])]
        except (OSError, ValueError, KeyError, TypeError, http.client.HTTPException):
            return []


def _events(response: Any) -> Iterator[dict[str, Any]]:
    """The JSON payloads of a server-sent event stream, until ``[DONE]`` or the end."""
    for raw in response:
        line = raw.decode("utf-8", "replace").strip()
        if not line.startswith("data:"):
            continue  # blank separators, ": keep-alive" comments, event names
        data = line[5:].strip()
        if data == "[DONE]":
            return
        try:
            yield json.loads(data)
        except ValueError:
            raise _Failure("other", f"the server sent a malformed event: {data[:200]!r}") from None


def _read_detail(exc: urllib.error.HTTPError) -> str:
    """The message inside an error answer (OpenAI, FastAPI and Ollama each nest it differently)."""
    try:
        raw = exc.read().decode("utf-8", "replace")
    except (OSError, http.client.HTTPException):
        return exc.reason or ""
    try:
        return _detail(json.loads(raw))
    except ValueError:
        return raw.strip()[:500] or str(exc.reason)


def _detail(payload: Any) -> str:
    """Dig the message out of ``{"error": {"message": ...}}``, ``{"detail": ...}`` and the like."""
    if isinstance(payload, dict):
        for key in ("error", "detail", "message"):
            if key in payload:
                return _detail(payload[key])
    return str(payload)[:500]

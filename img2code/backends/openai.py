"""Any OpenAI-compatible server: LM Studio, Ollama, vLLM, llama.cpp, ``transformers serve``.

One streamed chat completion per generation through the ``openai`` SDK, the images sent as PNG
data URLs. The SDK's HTTP client keeps connections open between requests and follows the usual
environment settings (``HTTPS_PROXY``/``HTTP_PROXY``/``NO_PROXY``, ``SSL_CERT_FILE``/``SSL_CERT_DIR``).
The SDK's own retries are off: a busy or unreachable server (HTTP 408/429/5xx, a refused or dropped
connection) is retried here with exponential backoff, honouring ``Retry-After`` (seconds or an
HTTP date), for at most ``retry_s`` seconds after the first failure. What a retry cannot fix (an
unknown model, a model without vision, a refused key) fails at once with a message that says what
to do. No OpenAI credentials from the environment (``OPENAI_API_KEY``, organisation, project) are
ever sent: only ``--api-key`` / ``IMG2CODE_API_KEY``.
"""

from __future__ import annotations

import base64
import io
import logging
import random
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Any, cast
from urllib.parse import urlsplit

import openai
from openai.types import CompletionUsage
from openai.types.chat import ChatCompletionContentPartParam, ChatCompletionMessageParam
from PIL import Image

from ..config import GenerationOptions
from ..errors import BackendError, GenerationError, InputError, ModelNotFoundError
from .base import Backend, Generation, GenerationRequest, Usage, VideoFrames, capped_copy, raise_if_all_failed

log = logging.getLogger(__name__)

READ_TIMEOUT_S = 300.0  # longest silence allowed while waiting for the next byte (a slow prefill)
CONNECT_TIMEOUT_S = 10.0
MODELS_TIMEOUT_S = 5.0
FIRST_DELAY_S = 0.5
MAX_DELAY_S = 8.0
RETRY_STATUSES = {408, 429, 500, 502, 503, 504}
VIDEO_SERVERS = ("vllm",)  # servers that take a video_url part (the others get the key frames as images)
STANDARD_FIELDS = ("max_tokens", "temperature", "top_p", "presence_penalty")
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
# Headers the SDK would fill from OPENAI_* environment variables: a local server gets none of them.
_NOT_FROM_ENVIRONMENT = ("OpenAI-Organization", "OpenAI-Project")


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
    buffer = io.BytesIO()
    capped_copy(image, max_image_tokens).convert("RGB").save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header as seconds to wait: a number of seconds, or an HTTP date (RFC 9110);
    None when absent or unreadable."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # an HTTP date is always GMT
        when = when.replace(tzinfo=timezone.utc)
    waited: float = (when - (now or datetime.now(timezone.utc))).total_seconds()
    return max(0.0, waited)


def _backoff(tries: int) -> float:
    """Seconds to wait before try ``tries + 1``: doubling from FIRST_DELAY_S, capped, with jitter."""
    return min(MAX_DELAY_S, FIRST_DELAY_S * 2.0 ** (tries - 1)) * random.uniform(0.8, 1.2)


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


def error_detail(payload: object) -> str:
    """The message inside an error body: OpenAI's ``{"error": {"message": ...}}`` (the SDK hands over
    the inner object), FastAPI's ``{"detail": ...}``, Ollama's ``{"error": "..."}``, or plain text."""
    if isinstance(payload, dict):
        for key in ("error", "detail", "message"):
            if key in payload:
                return error_detail(payload[key])
    return str(payload).strip()[:500]


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
        self.server = server
        self.retry_s = retry_s
        self._extras = True  # cleared once the server refuses the non-OpenAI sampling fields
        # With no key, the SDK gets a stand-in (it insists on one) and the header is left out.
        omitted = [*_NOT_FROM_ENVIRONMENT, *([] if api_key else ["Authorization"])]
        self._headers: dict[str, Any] = {name: openai.Omit() for name in omitted}
        self._client = openai.OpenAI(
            api_key=api_key or "unused",
            base_url=self.base_url,
            timeout=openai.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S)),
            max_retries=0,
        )

    @property
    def model(self) -> str:
        """The model name sent to the server."""
        return self._model_name

    def close(self) -> None:
        self._client.close()

    def generate(self, request: GenerationRequest) -> Generation:
        """Stream one answer for ``request``, retrying a busy or unreachable server within ``retry_s``."""
        started = time.perf_counter()
        messages = self._messages(request)
        deadline: float | None = None
        tries = 0
        while True:
            tries += 1
            fields = sampling_fields(request.options, self.server, extras=self._extras)
            extras = {name: value for name, value in fields.items() if name not in STANDARD_FIELDS}
            try:
                return self._stream(messages, fields, extras, request, started)
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

    def generate_candidates(self, request: GenerationRequest, n: int) -> list[Generation | BackendError]:
        """``n`` answers as ``n`` requests at once: a server batches them (vLLM, llama.cpp with
        parallel slots) or queues them; OpenAI's ``n`` field is not used, as few local servers honour
        it. Only the first answer streams to ``on_token``; each failure counts for its own answer."""
        if n <= 1:
            return [self.generate(request)]
        quiet = replace(request, on_token=None)
        with ThreadPoolExecutor(max_workers=n, thread_name_prefix="img2code-candidate") as pool:
            futures = [pool.submit(self.generate, request if k == 0 else quiet) for k in range(n)]
            answers: list[Generation | BackendError] = []
            for future in futures:
                try:
                    answers.append(future.result())
                except BackendError as exc:
                    answers.append(exc)
        return raise_if_all_failed(answers)

    def _drop_extras(self, failure: _Failure) -> None:
        """Send only OpenAI's own sampling fields from now on (``transformers serve`` refuses top_k)."""
        if self._extras:  # another thread may have dropped them already
            log.warning("%s; sending OpenAI's own sampling fields only", failure.message)
        self._extras = False

    def _messages(self, request: GenerationRequest) -> list[ChatCompletionMessageParam]:
        """The chat: an optional system message, then the video (a recording's key frames, if any),
        the images (capped) and the prompt."""
        images = request.images[1:] if request.video is not None else request.images  # [0]: the video's
        content: list[ChatCompletionContentPartParam] = [
            {"type": "image_url", "image_url": {"url": image_data_url(image, request.max_image_tokens)}}
            for image in images
        ]
        if request.video is not None:
            content[:0] = self._video_parts(request.video, request.max_image_tokens)
        content.append({"type": "text", "text": request.prompt})
        messages: list[ChatCompletionMessageParam] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": content})
        return messages

    def _video_parts(self, video: VideoFrames, max_image_tokens: int) -> list[ChatCompletionContentPartParam]:
        """A recording for the server: one ``video_url`` part (an MP4 of the key frames, each shown
        from its own time) where the server takes video (vLLM); elsewhere (LM Studio, Ollama and
        llama.cpp take no video) the key frames as images, each labelled "state k at t s"."""
        if self.server in VIDEO_SERVERS:
            from ..video import encode_clip

            url = "data:video/mp4;base64," + base64.b64encode(encode_clip(video)).decode("ascii")
            return [cast("ChatCompletionContentPartParam", {"type": "video_url", "video_url": {"url": url}})]
        per_frame = min(max_image_tokens, max(16, video.tokens // max(1, len(video.images))))
        parts: list[ChatCompletionContentPartParam] = []
        for index, (image, seconds) in enumerate(zip(video.images, video.seconds, strict=True)):
            parts.append({"type": "text", "text": f"state {index} at {seconds:.1f} s:"})
            parts.append({"type": "image_url", "image_url": {"url": image_data_url(image, per_frame)}})
        return parts

    def _stream(
        self,
        messages: list[ChatCompletionMessageParam],
        fields: dict[str, Any],
        extras: dict[str, Any],
        request: GenerationRequest,
        started: float,
    ) -> Generation:
        """One attempt: stream the answer and return it whole; a failure raises _Failure."""
        pieces: list[str] = []
        first_token: float | None = None
        finish_reason: str | None = None
        usage: CompletionUsage | None = None
        chunks = 0
        try:
            stream = self._client.chat.completions.create(
                model=self._model_name,
                messages=messages,
                stream=True,
                stream_options={"include_usage": True},
                extra_body=extras,
                extra_headers=self._headers,
                **{name: value for name, value in fields.items() if name in STANDARD_FIELDS},
            )
            with stream:
                for chunk in stream:
                    usage = chunk.usage or usage
                    for choice in chunk.choices:
                        text = choice.delta.content or ""
                        thinking = getattr(choice.delta, "reasoning_content", None)  # a server's own field
                        if first_token is None and (text or thinking):
                            first_token = time.perf_counter() - started
                        if text:
                            chunks += 1
                            pieces.append(text)
                            if request.on_token is not None:
                                request.on_token(text)
                        finish_reason = choice.finish_reason or finish_reason
        except openai.APIStatusError as exc:
            detail = (error_detail(exc.body) if exc.body is not None else "") or exc.response.reason_phrase
            retry_after = retry_after_seconds(exc.response.headers.get("retry-after"))
            raise self._failure(exc.status_code, detail, set(extras), retry_after) from None
        except openai.APIConnectionError as exc:
            cause = exc.__cause__ or exc
            if chunks or first_token is not None:
                raise _Failure("retry", f"the connection to {self.base_url} failed ({cause!r})") from None
            raise _Failure("retry", f"could not connect to {self.base_url} ({cause})") from None
        except openai.APIError as exc:  # an error event inside the stream
            detail = error_detail(exc.body) if exc.body is not None else exc.message
            raise self._failure(500, detail, set(extras)) from None
        except ValueError as exc:  # an event that is not JSON
            raise _Failure("other", f"the server sent a malformed event ({exc})") from None
        if finish_reason is None:
            raise _Failure("retry", f"{self.base_url} closed the stream before the answer ended")
        if usage is None:
            log.debug("%s sent no token usage; counting %d streamed pieces", self.base_url, chunks)
        return Generation(
            text="".join(pieces),
            finish_reason="length" if finish_reason == "length" else "stop",
            usage=Usage(
                prompt_tokens=usage.prompt_tokens if usage else 0,
                completion_tokens=usage.completion_tokens if usage and usage.completion_tokens else chunks,
            ),
            seconds=time.perf_counter() - started,
            first_token_seconds=first_token,
        )

    def _failure(
        self, status: int, detail: str, extras: set[str], retry_after: float | None = None
    ) -> _Failure:
        """An error answer as a _Failure that knows whether to retry."""
        kind = classify_failure(status, detail, self._model_name, extras)
        return _Failure(kind, f"{self.base_url} answered HTTP {status}: {detail}", retry_after)

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
            listing = self._client.models.list(timeout=MODELS_TIMEOUT_S, extra_headers=self._headers)
            return [str(entry.id) for entry in listing]
        except (openai.OpenAIError, ValueError):
            return []

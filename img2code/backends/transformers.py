"""Qwen3-VL in process with Hugging Face transformers.

torch and transformers are imported only inside functions here: importing them costs seconds,
and the CLI, the renderer and the scorer must start fast without them.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util
import json
import logging
import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import DEFAULT_MODEL, GenerationOptions
from ..errors import BackendError, GenerationError, InputError, ModelNotFoundError, SetupError
from .base import (
    PIXELS_PER_IMAGE_TOKEN,
    Backend,
    Generation,
    GenerationRequest,
    Usage,
    VideoFrames,
    capped_copy,
)

if TYPE_CHECKING:
    import torch

log = logging.getLogger(__name__)

DTYPES = ("auto", "bfloat16", "float16", "float32")
# What loading needs from a hub repo (not the .bin/.gguf duplicates some repos also hold).
_MODEL_FILES = ["*.json", "*.safetensors", "*.txt", "*.jinja", "*.model", "*.tiktoken"]
_INSTALL_HINT = "pip install 'img2code[model]'  (torch, torchvision, transformers, accelerate)"


def hf_hub_cache() -> Path:
    """The Hugging Face hub cache folder, resolved as huggingface_hub does (without importing it)."""
    for var in ("HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE"):
        if os.environ.get(var):
            return Path(os.path.expandvars(os.environ[var])).expanduser()
    if os.environ.get("HF_HOME"):
        return Path(os.path.expandvars(os.environ["HF_HOME"])).expanduser() / "hub"
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg).expanduser() / "huggingface" / "hub"


def _has_weights(folder: Path) -> bool:
    """Whether ``folder`` holds config.json and complete safetensors weights (every indexed shard)."""
    if not (folder / "config.json").is_file():
        return False
    index = folder / "model.safetensors.index.json"
    if index.is_file():
        try:
            shards = set(json.loads(index.read_text())["weight_map"].values())
        except (OSError, ValueError, KeyError):
            return False
        return all((folder / shard).is_file() for shard in shards)
    # is_file() is False for a broken symlink, i.e. a cache snapshot whose blob never arrived
    return any(path.is_file() for path in folder.glob("*.safetensors"))


def _looks_like_path(model: str) -> bool:
    """A model string meant as a folder rather than a hub id ("Org/Name")."""
    return os.path.isabs(model) or model.startswith((".", "~")) or model.count("/") > 1 or "\\" in model


def find_local_weights(model: str, cache_dir: Path | None = None) -> Path | None:
    """The folder holding usable weights for ``model`` (a local folder or a hub id), or None.

    Cheap and torch-free, so the ``auto`` backend choice and ``img2code doctor`` can ask it.
    For a hub id it looks in the HF cache (``cache_dir`` or the standard one) for a snapshot
    with config.json and complete weights, the one ``refs/main`` names first.
    """
    folder = Path(model).expanduser()
    if folder.is_dir():
        return folder if _has_weights(folder) else None
    if _looks_like_path(model):
        return None
    repo = (cache_dir or hf_hub_cache()) / ("models--" + model.replace("/", "--"))
    snapshots = repo / "snapshots"
    if not snapshots.is_dir():
        return None
    candidates = sorted(snapshots.iterdir(), key=lambda p: p.stat().st_mtime, reverse=True)
    ref = repo / "refs" / "main"
    if ref.is_file():
        main = snapshots / ref.read_text().strip()
        candidates = [main] + [c for c in candidates if c != main]
    return next((c for c in candidates if c.is_dir() and _has_weights(c)), None)


def _not_found_message(model: str, cache_dir: Path | None, reason: str) -> str:
    """Say which model is missing, why, and the ways to get going."""
    if _looks_like_path(model) or Path(model).expanduser().exists():
        where = f"model folder {model!r} is not usable: {reason}"
        download = f"huggingface-cli download {DEFAULT_MODEL} --local-dir {model}"
    else:
        where = (
            f"model {model!r} was not found locally (HF cache: {cache_dir or hf_hub_cache()}) "
            f"and could not be downloaded: {reason}"
        )
        download = f"huggingface-cli download {model}   (or: hf download {model})"
    return (
        f"{where}\n"
        "Get going with one of:\n"
        f"  {download}\n"
        "  --model /path/to/folder   a folder holding config.json and *.safetensors\n"
        "  --backend classic         no model needed\n"
        "  --backend openai          an OpenAI-compatible server (LM Studio, Ollama, vLLM)"
    )


def _download(model: str, cache_dir: Path | None) -> Path:
    """Fetch a hub model into the standard HF cache and return its snapshot folder.

    snapshot_download fails at once when the hub is unreachable (one API call), where
    from_pretrained retries file by file for minutes; it also fetches only what loading needs.
    """
    from huggingface_hub import snapshot_download
    from huggingface_hub.errors import HfHubHTTPError

    log.info("downloading %s into %s (Qwen3-VL-8B is about 17 GB)", model, cache_dir or hf_hub_cache())
    try:
        folder = snapshot_download(model, cache_dir=cache_dir, allow_patterns=_MODEL_FILES)
    except (OSError, ValueError, HfHubHTTPError) as exc:  # offline, unknown or gated repo, bad id
        raise ModelNotFoundError(_not_found_message(model, cache_dir, _first_line(exc))) from exc
    return Path(folder)


def _import_stack() -> None:
    """Import torch, torchvision and transformers, turning a missing or broken one into SetupError."""
    for module in ("torch", "torchvision", "transformers"):
        try:
            importlib.import_module(module)
        # a torchvision built for another torch fails with a RuntimeError, not an ImportError
        except (ImportError, RuntimeError) as exc:
            raise SetupError(
                f"the transformers backend needs {module}, which cannot be imported ({exc}).\n"
                f"Install it with: {_INSTALL_HINT}\n"
                "or use --backend classic / --backend openai."
            ) from exc


def _resolve_device_map(device_map: str) -> str | None:
    """``auto`` means: every GPU via accelerate when there is CUDA, Apple's mps, else the plain CPU.

    On a CPU-only machine accelerate's "auto" map adds nothing but dispatch hooks (and may
    offload to disk), so the model is loaded as a plain CPU module there.
    """
    import torch

    if device_map != "auto":
        return None if device_map in ("", "none", "cpu") else device_map
    if torch.cuda.is_available():
        return "auto" if importlib.util.find_spec("accelerate") else "cuda"
    if torch.backends.mps.is_available():
        return "mps"
    return None


def _resolve_dtype(dtype: str) -> Any:
    """``auto`` keeps the checkpoint's own dtype (bfloat16 for Qwen3-VL-8B, half the memory of float32)."""
    import torch

    if dtype not in DTYPES:
        raise InputError(f"unknown dtype {dtype!r}; choose one of {', '.join(DTYPES)}")
    return "auto" if dtype == "auto" else getattr(torch, dtype)


class PresencePenaltyLogitsProcessor:
    """Subtract ``penalty`` from the logits of every token already generated (not the prompt).

    The OpenAI/vLLM ``presence_penalty``: a flat penalty per token that has appeared at least
    once, whatever its count. generate() has no flag for it. ``prompt_length`` is the
    (left-padded) input length, so only generated tokens count.
    """

    def __init__(self, penalty: float, prompt_length: int) -> None:
        self.penalty = penalty
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.Tensor, scores: torch.Tensor) -> torch.Tensor:
        generated = input_ids[:, self.prompt_length :]
        if generated.shape[1] == 0:
            return scores
        present = scores.new_zeros(scores.shape).scatter_(1, generated, 1.0)
        return scores - self.penalty * present


class _CancelCriteria:
    """Stops generate() when ``event`` is set, so an interrupted caller does not leave it running."""

    def __init__(self, event: threading.Event) -> None:
        self.event = event

    def __call__(self, input_ids: torch.Tensor, scores: Any, **kwargs: Any) -> torch.Tensor:
        import torch

        return torch.full((input_ids.shape[0],), self.event.is_set(), device=input_ids.device)

    def __deepcopy__(
        self, memo: dict[int, Any]
    ) -> _CancelCriteria:  # generate() may deepcopy criteria; keep the event
        return self


def generation_kwargs(options: GenerationOptions) -> dict[str, Any]:
    """generate() arguments for ``options``; None leaves the model's generation_config value.

    temperature 0 means greedy decoding (sampling options are then left out, as generate()
    warns about them); presence_penalty is handled by a logits processor, not here.
    """
    kwargs: dict[str, Any] = {"max_new_tokens": options.max_new_tokens}
    if options.repetition_penalty is not None:
        kwargs["repetition_penalty"] = options.repetition_penalty
    if options.temperature is not None and options.temperature <= 0:
        kwargs["do_sample"] = False
        return kwargs
    if options.temperature is not None:
        kwargs.update(do_sample=True, temperature=options.temperature)
    for name in ("top_p", "top_k", "min_p"):
        value = getattr(options, name)
        if value is not None:
            kwargs[name] = value
    return kwargs


def candidate_kwargs(options: GenerationOptions, n: int) -> dict[str, Any]:
    """generate() arguments for ``n`` sampled answers to one prompt: sampling is always on (greedy
    decoding would give n copies of one answer); a temperature of 0 or less falls back to the model's."""
    kwargs = generation_kwargs(replace(options, temperature=None) if _greedy(options) else options)
    if _greedy(options):
        log.warning("--candidates needs sampling; temperature %s ignored", options.temperature)
    return {**kwargs, "do_sample": True, "num_return_sequences": n}


def _greedy(options: GenerationOptions) -> bool:
    return options.temperature is not None and options.temperature <= 0


def _strip_padding(row: list[int], pad: int | None, eos: int | list[int] | None) -> list[int]:
    """A generated row without the padding after its end: the row up to and with its first end token."""
    ends = set(eos if isinstance(eos, list) else [eos]) - {None}
    for at, token in enumerate(row):
        if token in ends:
            return row[: at + 1]
    while row and pad is not None and row[-1] == pad:
        row = row[:-1]
    return row


def qwen_video(video: VideoFrames) -> tuple[list[Any], dict[str, Any]]:
    """A recording's key frames as Qwen3-VL's video input, and the video processor's arguments.

    Qwen3-VL merges frames two by two (temporal patches) and writes the time of each pair before
    it, as frame index / fps. Each key frame is therefore sent twice, with the index of its own time
    in milliseconds at 1000 fps: every temporal patch is one key frame at its real time. The frames
    share ``video.tokens`` visual tokens (one per 32x32 pixels of a temporal patch).
    """
    from transformers.video_utils import VideoMetadata

    count = max(1, len(video.images))
    per_frame = max(16, video.tokens // count)
    frames = [capped_copy(image, per_frame) for image in video.images for _ in range(2)]
    indices = [round(seconds * 1000) for seconds in video.seconds for _ in range(2)]
    width, height = frames[0].size
    metadata = VideoMetadata(
        total_num_frames=indices[-1] + 1,
        fps=1000.0,
        width=width,
        height=height,
        duration=(indices[-1] + 1) / 1000,
        video_backend="img2code",
        frames_indices=indices,
    )
    budget = per_frame * count * 2 * PIXELS_PER_IMAGE_TOKEN  # pixels over every (doubled) frame
    size = {"shortest_edge": min(16 * PIXELS_PER_IMAGE_TOKEN, budget), "longest_edge": budget}
    # cap_pixels_per_frame: the budget above is the cap (and it silences a warning about the default)
    kwargs = {
        "video_metadata": [metadata],
        "do_sample_frames": False,
        "size": size,
        "cap_pixels_per_frame": False,
    }
    return frames, kwargs


class TransformersBackend(Backend):
    """Qwen3-VL (or another image-text-to-text model) loaded in this process.

    ``model`` is a hub id or a local folder. Weights already on disk (a folder, or a snapshot
    in the HF cache) are loaded without touching the network; otherwise they are downloaded
    into the standard HF cache first. Loading raises ModelNotFoundError or SetupError.
    """

    name = "transformers"

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        dtype: str = "auto",
        device_map: str = "auto",
        cache_dir: Path | None = None,
    ) -> None:
        self._model_name = model
        self._model: Any = None
        self._processor: Any = None
        _import_stack()
        from transformers import AutoModelForImageTextToText, AutoProcessor

        local = find_local_weights(model, cache_dir)
        if local is None:
            if _looks_like_path(model) or Path(model).expanduser().is_dir():
                reason = "no such folder, or it lacks config.json / *.safetensors"
                raise ModelNotFoundError(_not_found_message(model, cache_dir, reason))
            local = _download(model, cache_dir)
        resolved_map = _resolve_device_map(device_map)
        started = time.perf_counter()
        try:
            self._processor = AutoProcessor.from_pretrained(local, local_files_only=True)
            self._model = AutoModelForImageTextToText.from_pretrained(
                local, dtype=_resolve_dtype(dtype), device_map=resolved_map, local_files_only=True
            ).eval()
        except ImportError as exc:
            raise SetupError(f"loading {model!r} needs a missing package: {exc}\n{_INSTALL_HINT}") from exc
        except (OSError, ValueError) as exc:  # a damaged or foreign checkpoint
            raise BackendError(f"could not load model {model!r} from {local}: {exc}") from exc
        log.info(
            "loaded %s from %s on %s (%s, device_map=%s) in %.1f s",
            model,
            local,
            self._model.device,
            self._model.dtype,
            resolved_map,
            time.perf_counter() - started,
        )

    @property
    def model(self) -> str:
        """The hub id or folder the user asked for."""
        return self._model_name

    def _inputs(self, request: GenerationRequest) -> Any:
        """Chat-template the request: system, then the video (a recording's key frames, if any), the
        images (each capped), then the prompt."""
        video = request.video
        images = request.images[1:] if video is not None else request.images  # [0]: the video's first
        content: list[dict[str, Any]] = [{"type": "image", "image": image} for image in images]
        if video is not None:
            frames, video_kwargs = qwen_video(video)
            content.insert(0, {"type": "video", "video": frames})
        content.append({"type": "text", "text": request.prompt})
        messages: list[dict[str, Any]] = []
        if request.system:
            messages.append({"role": "system", "content": request.system})
        messages.append({"role": "user", "content": content})
        longest = request.max_image_tokens * PIXELS_PER_IMAGE_TOKEN
        shortest = min(self._processor.image_processor.size.get("shortest_edge", longest), longest)
        inputs = self._processor.apply_chat_template(
            messages,
            add_generation_prompt=True,
            tokenize=True,
            return_dict=True,
            return_tensors="pt",
            processor_kwargs={"size": {"shortest_edge": shortest, "longest_edge": longest}}
            if video is None
            else {
                "images_kwargs": {"size": {"shortest_edge": shortest, "longest_edge": longest}},
                "videos_kwargs": video_kwargs,
            },
        )
        return inputs.to(self._model.device)

    def _prepared(self, request: GenerationRequest) -> Any:
        """The model input for ``request``, on the model's device; an open model is required."""
        if self._model is None:
            raise BackendError("the transformers backend was closed")
        try:
            return self._inputs(request)
        except Exception as exc:
            raise GenerationError(f"could not prepare the model input: {exc}") from exc

    def generate(self, request: GenerationRequest) -> Generation:
        """Generate for ``request``, streaming text pieces to ``request.on_token`` as they come."""
        from transformers import LogitsProcessorList, StoppingCriteriaList, TextIteratorStreamer

        started = time.perf_counter()
        inputs = self._prepared(request)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        streamer = TextIteratorStreamer(self._processor.tokenizer, skip_prompt=True, skip_special_tokens=True)
        cancel = threading.Event()
        processors = LogitsProcessorList()
        if request.options.presence_penalty:
            processors.append(PresencePenaltyLogitsProcessor(request.options.presence_penalty, prompt_tokens))
        kwargs = {
            **inputs,
            **generation_kwargs(request.options),
            "streamer": streamer,
            "logits_processor": processors,
            "stopping_criteria": StoppingCriteriaList([_CancelCriteria(cancel)]),
        }
        result: dict[str, Any] = {}

        def run() -> None:
            try:
                result["sequences"] = self._model.generate(**kwargs)
            except BaseException as exc:  # reported to the caller's thread below
                result["error"] = exc
                streamer.end()  # unblock the consumer loop

        worker = threading.Thread(target=run, name="img2code-generate", daemon=True)
        worker.start()
        pieces: list[str] = []
        first_token_seconds: float | None = None
        try:
            for piece in streamer:
                if first_token_seconds is None:
                    first_token_seconds = time.perf_counter() - started
                if piece:
                    pieces.append(piece)
                    if request.on_token is not None:
                        request.on_token(piece)
        finally:
            cancel.set()  # a no-op after a normal end; stops the model if on_token raised
            worker.join()
        if "error" in result:
            error = result["error"]
            raise GenerationError(f"generation failed: {type(error).__name__}: {error}") from error
        completion = result["sequences"][0, prompt_tokens:].tolist()
        return Generation(
            text="".join(pieces),
            finish_reason=self._finish_reason(completion, request.options.max_new_tokens),
            usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=len(completion)),
            seconds=time.perf_counter() - started,
            first_token_seconds=first_token_seconds,
        )

    def generate_candidates(self, request: GenerationRequest, n: int) -> list[Generation | BackendError]:
        """``n`` answers from one batched ``generate`` (``num_return_sequences=n``, sampling on): the
        prompt is prepared once, generate repeats it n times and decodes the n sequences side by side.
        Nothing streams (a streamer takes one sequence); ``on_token`` hears each answer whole at the end."""
        if n <= 1:
            return [self.generate(request)]
        started = time.perf_counter()
        inputs = self._prepared(request)
        prompt_tokens = int(inputs["input_ids"].shape[1])
        kwargs = {**inputs, **candidate_kwargs(request.options, n)}
        if request.options.presence_penalty:
            from transformers import LogitsProcessorList

            kwargs["logits_processor"] = LogitsProcessorList(
                [PresencePenaltyLogitsProcessor(request.options.presence_penalty, prompt_tokens)]
            )
        try:
            sequences = self._model.generate(**kwargs)
        except Exception as exc:
            raise GenerationError(f"generation failed: {type(exc).__name__}: {exc}") from exc
        seconds = time.perf_counter() - started
        pad = self._processor.tokenizer.pad_token_id
        answers: list[Generation | BackendError] = []
        for row in sequences[:, prompt_tokens:].tolist():
            completion = _strip_padding(row, pad, self._model.generation_config.eos_token_id)
            text = self._processor.tokenizer.decode(completion, skip_special_tokens=True)
            if request.on_token is not None:
                request.on_token(text)
            answers.append(
                Generation(
                    text=text,
                    finish_reason=self._finish_reason(completion, request.options.max_new_tokens),
                    usage=Usage(prompt_tokens=prompt_tokens, completion_tokens=len(completion)),
                    seconds=seconds,
                )
            )
        return answers

    def _finish_reason(self, completion: list[int], max_new_tokens: int) -> str:
        """Say "length" when the token budget ran out before an end-of-sequence token, else "stop"."""
        eos = self._model.generation_config.eos_token_id
        eos_ids = set(eos if isinstance(eos, list) else [eos])
        ended = bool(completion) and completion[-1] in eos_ids
        return "length" if len(completion) >= max_new_tokens and not ended else "stop"

    def close(self) -> None:
        """Drop the model and processor and give the GPU memory back."""
        if self._model is None:
            return
        self._model = None
        self._processor = None
        gc.collect()
        import torch

        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def _first_line(exc: BaseException) -> str:
    """The first line of an exception's message (hub errors run to many lines)."""
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

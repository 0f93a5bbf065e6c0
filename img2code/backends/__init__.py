"""Registry and the ``auto`` choice: a configured server, else local Qwen3-VL weights, else classic."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

from ..config import RunConfig
from ..errors import InputError
from .base import Backend, Generation, GenerationRequest, Usage

__all__ = [
    "Backend",
    "BackendChoice",
    "Generation",
    "GenerationRequest",
    "Usage",
    "choose_backend",
    "create_backend",
]


@dataclass(frozen=True)
class BackendChoice:
    """Which backend a run uses and why (shown on stderr and kept in result.json)."""

    name: str
    why: str


def choose_backend(config: RunConfig) -> BackendChoice:
    """Resolve ``config.backend``; ``auto`` takes a configured OpenAI-compatible server, then local
    weights, then classic. ``openai`` without a base URL is refused here, before anything is written."""
    endpoint = config.endpoint()
    if config.backend == "openai" and endpoint is None:
        raise InputError(
            "--backend openai needs a server: --base-url URL, --server lmstudio|ollama|vllm, "
            "or IMG2CODE_BASE_URL"
        )
    if config.backend != "auto":
        return BackendChoice(config.backend, f"--backend {config.backend} was asked for")
    if endpoint is not None:
        url, source = endpoint
        return BackendChoice("openai", f"{source} points at an OpenAI-compatible server ({url})")
    from .transformers import find_local_weights  # no torch import: it only looks at files

    weights = find_local_weights(config.model, config.cache_dir)
    if weights is None:
        return BackendChoice(
            "classic",
            f"no local weights for {config.model} (download them, or pass --model PATH); "
            "using the model-free classic backend",
        )
    if importlib.util.find_spec("torch") is None or importlib.util.find_spec("transformers") is None:
        return BackendChoice(
            "classic",
            f"weights for {config.model} found at {weights}, but torch/transformers are not installed "
            "(pip install 'img2code[model]'); using the model-free classic backend",
        )
    return BackendChoice("transformers", f"local weights for {config.model} found at {weights}")


def create_backend(choice: BackendChoice, config: RunConfig) -> Backend:
    """Instantiate the chosen backend (a model backend loads its model here)."""
    if choice.name == "classic":
        from .classic import ClassicBackend

        return ClassicBackend(layout=config.layout, inline_assets=config.inline_assets)
    if choice.name == "transformers":
        from .transformers import TransformersBackend

        return TransformersBackend(
            config.model, dtype=config.dtype, device_map=config.device_map, cache_dir=config.cache_dir
        )
    if choice.name == "openai":
        from .openai import OpenAIBackend

        endpoint = config.endpoint()
        if endpoint is None:
            raise InputError("the openai backend needs --base-url, --server or IMG2CODE_BASE_URL")
        return OpenAIBackend(
            endpoint[0],
            config.model,
            api_key=config.resolved_api_key(),
            server=config.server,
            retry_s=config.retry_s,
        )
    raise InputError(f"unknown backend {choice.name!r}")

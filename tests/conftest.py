"""Shared fixtures. The whole session is offline: no test may reach the Hugging Face Hub."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from local_server import LocalServer

    from img2code.render.browser import Browser

# Set before anything imports huggingface_hub, which reads it once; subprocesses inherit it.
os.environ["HF_HUB_OFFLINE"] = "1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """The project's own sandboxed Chromium, one per test module (pages reused inside it)."""
    from img2code.render.browser import Browser

    with Browser(timeout_s=20) as shared:
        yield shared


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random Qwen3-VL (weights, tokenizer, processor) saved once per session, about 2 MB."""
    from tiny_qwen3vl import build_tiny_qwen3vl

    return build_tiny_qwen3vl(tmp_path_factory.mktemp("tiny-qwen3vl"))


@pytest.fixture(scope="session")
def scripted_model_dir(tiny_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tiny Qwen3-VL rewired to answer every prompt with one fixed HTML snippet (a run ends ok)."""
    from scripted_qwen3vl import build_scripted_qwen3vl

    return build_scripted_qwen3vl(tiny_model_dir, tmp_path_factory.mktemp("scripted-qwen3vl"))


@pytest.fixture(scope="session")
def openai_server(
    scripted_model_dir: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[LocalServer]:
    """A real OpenAI-compatible server (``transformers serve``) on 127.0.0.1 with the scripted model.

    Tests may stop and start it; it is running again when they end, and stopped after the session.
    """
    from local_server import LocalServer

    server = LocalServer(scripted_model_dir, tmp_path_factory.mktemp("server") / "serve.log")
    server.start()
    yield server
    server.stop()

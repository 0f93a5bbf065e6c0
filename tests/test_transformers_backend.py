"""The in-process Qwen3-VL backend, loaded through from_pretrained on the tiny offline model."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from img2code.backends.base import GenerationRequest
from img2code.backends.transformers import (
    PresencePenaltyLogitsProcessor,
    TransformersBackend,
    find_local_weights,
    generation_kwargs,
)
from img2code.config import PRESETS, GenerationOptions
from img2code.errors import BackendError, GenerationError, ModelNotFoundError

ROOT = Path(__file__).resolve().parents[1]
SCREENSHOT = ROOT.parent / "shared" / "data" / "design2code-dev" / "10582.png"
GREEDY = GenerationOptions(temperature=0, max_new_tokens=8)


@pytest.fixture(scope="module")
def screenshot() -> Image.Image:
    """A real 1280x800 web page screenshot: 1000 image tokens uncapped."""
    with Image.open(SCREENSHOT) as image:
        return image.convert("RGB").crop((0, 0, 1280, 800))


@pytest.fixture(scope="module")
def backend(tiny_model_dir: Path) -> Iterator[TransformersBackend]:
    with TransformersBackend(str(tiny_model_dir)) as loaded:
        assert loaded.model == str(tiny_model_dir)
        yield loaded


def _request(images: list[Image.Image], options: GenerationOptions = GREEDY, **kwargs) -> GenerationRequest:
    return GenerationRequest(
        target="html", mode="generate", prompt="Write the HTML.", images=images, options=options, **kwargs
    )


def test_generate_streams_text_and_reports_usage(backend: TransformersBackend, screenshot: Image.Image):
    pieces: list[str] = []
    result = backend.generate(_request([screenshot], system="You write HTML.", on_token=pieces.append))

    assert pieces, "on_token was never called"
    assert "".join(pieces) == result.text
    assert result.usage.prompt_tokens > 1000  # 1000 image tokens plus the chat text
    assert result.usage.completion_tokens == GREEDY.max_new_tokens
    assert result.finish_reason == "length"
    assert 0 < result.first_token_seconds <= result.seconds


def test_finish_reason_is_stop_when_the_model_ends_its_answer(backend: TransformersBackend):
    # The seeded tiny model ends its greedy answer to "x" by itself after a few dozen tokens.
    request = _request([], GREEDY.with_overrides(max_new_tokens=200))
    request.prompt = "x"
    result = backend.generate(request)

    assert result.finish_reason == "stop"
    assert 0 < result.usage.completion_tokens < 200


def test_qwen_preset_samples_with_presence_penalty(backend: TransformersBackend, screenshot: Image.Image):
    options = PRESETS["qwen-vl"].with_overrides(max_new_tokens=6)
    result = backend.generate(_request([screenshot], options, max_image_tokens=64))

    assert 0 < result.usage.completion_tokens <= 6


def test_image_cap_limits_image_tokens(backend: TransformersBackend, screenshot: Image.Image):
    text_only = backend.generate(_request([])).usage.prompt_tokens
    full = backend.generate(_request([screenshot], max_image_tokens=1280)).usage.prompt_tokens
    capped = backend.generate(_request([screenshot], max_image_tokens=64)).usage.prompt_tokens

    assert full - text_only == 1000 + 2  # 40x25 tokens of 32x32 px, plus vision start and end
    assert 16 <= capped - text_only - 2 <= 64


def test_every_image_is_capped(backend: TransformersBackend, screenshot: Image.Image):
    one = backend.generate(_request([screenshot], max_image_tokens=64)).usage.prompt_tokens
    two = backend.generate(_request([screenshot, screenshot], max_image_tokens=64)).usage.prompt_tokens

    assert two - one <= 64 + 2


class Stop(Exception):
    """What a caller's on_token raises to abandon a generation (as Ctrl-C would)."""


def test_on_token_error_stops_generation_and_backend_stays_usable(backend: TransformersBackend):
    def stop(piece: str) -> None:
        raise Stop

    started = time.perf_counter()
    with pytest.raises(Stop):
        backend.generate(_request([], GREEDY.with_overrides(max_new_tokens=3000), on_token=stop))

    assert time.perf_counter() - started < 2.0  # 3000 tokens take longer: the model was stopped
    assert backend.generate(_request([])).usage.completion_tokens == GREEDY.max_new_tokens


def test_errors_inside_generation_become_generation_error(backend: TransformersBackend):
    with pytest.raises(GenerationError, match="penalty"):
        backend.generate(_request([], GREEDY.with_overrides(repetition_penalty=-1.0)))


def test_presence_penalty_subtracts_once_per_generated_token():
    import torch

    prompt_length = 2
    input_ids = torch.tensor([[1, 2, 5, 5, 7], [3, 3, 4, 0, 0]])
    scores = torch.zeros(2, 8)
    penalised = PresencePenaltyLogitsProcessor(1.5, prompt_length)(input_ids, scores)

    expected = torch.zeros(2, 8)
    expected[0, [5, 7]] = -1.5  # 5 twice still costs 1.5 once; prompt tokens 1 and 2 are free
    expected[1, [4, 0]] = -1.5  # token 3 appears only in the prompt
    assert torch.equal(penalised, expected)
    assert torch.equal(PresencePenaltyLogitsProcessor(1.5, 5)(input_ids, scores), scores)


def test_generation_kwargs_follow_the_options():
    greedy = generation_kwargs(GenerationOptions(temperature=0, top_k=20, max_new_tokens=10))
    sampled = generation_kwargs(PRESETS["qwen-vl"])

    assert greedy == {"max_new_tokens": 10, "do_sample": False}
    assert sampled == {
        "max_new_tokens": 16384,
        "repetition_penalty": 1.0,
        "do_sample": True,
        "temperature": 0.7,
        "top_p": 0.8,
        "top_k": 20,
    }


def test_close_frees_the_model(tiny_model_dir: Path):
    loaded = TransformersBackend(str(tiny_model_dir))
    loaded.close()

    with pytest.raises(BackendError, match="closed"):
        loaded.generate(_request([]))


def test_missing_model_id_says_how_to_get_it(tmp_path: Path):
    with pytest.raises(ModelNotFoundError) as caught:
        TransformersBackend("img2code-tests/no-such-model", cache_dir=tmp_path)

    message = str(caught.value)
    assert "img2code-tests/no-such-model" in message
    assert "huggingface-cli download img2code-tests/no-such-model" in message
    assert "--backend classic" in message


def test_missing_model_folder_is_named(tmp_path: Path):
    folder = tmp_path / "no-weights-here"

    with pytest.raises(ModelNotFoundError, match="no-weights-here"):
        TransformersBackend(str(folder))


def _fake_cache(cache: Path, tiny_model_dir: Path, repo: str = "Org/Tiny") -> Path:
    """Lay out ``tiny_model_dir`` as the HF cache holds a downloaded repo."""
    repo_dir = cache / ("models--" + repo.replace("/", "--"))
    snapshot = repo_dir / "snapshots" / "abc"
    shutil.copytree(tiny_model_dir, snapshot)
    (repo_dir / "refs").mkdir()
    (repo_dir / "refs" / "main").write_text("abc")
    return snapshot


def test_find_local_weights_in_the_hf_cache(tmp_path: Path, tiny_model_dir: Path, monkeypatch):
    snapshot = _fake_cache(tmp_path, tiny_model_dir)

    assert find_local_weights("Org/Tiny", cache_dir=tmp_path) == snapshot
    assert find_local_weights("Org/Missing", cache_dir=tmp_path) is None
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path))
    assert find_local_weights("Org/Tiny") == snapshot


def test_find_local_weights_needs_config_and_weights(tmp_path: Path, tiny_model_dir: Path):
    snapshot = _fake_cache(tmp_path, tiny_model_dir)
    (snapshot / "model.safetensors").unlink()

    assert find_local_weights("Org/Tiny", cache_dir=tmp_path) is None
    assert find_local_weights(str(tiny_model_dir)) == tiny_model_dir
    # a sharded checkpoint counts only when every shard its index names has arrived
    (snapshot / "model-00001-of-00002.safetensors").write_bytes(b"")
    index = {"weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"}}
    (snapshot / "model.safetensors.index.json").write_text(json.dumps(index))
    assert find_local_weights("Org/Tiny", cache_dir=tmp_path) is None
    (snapshot / "model-00002-of-00002.safetensors").write_bytes(b"")
    assert find_local_weights("Org/Tiny", cache_dir=tmp_path) == snapshot
    assert find_local_weights(str(tmp_path / "nowhere")) is None


def test_hub_id_loads_from_the_hf_cache_offline(tmp_path: Path, tiny_model_dir: Path):
    _fake_cache(tmp_path, tiny_model_dir)

    with TransformersBackend("Org/Tiny", cache_dir=tmp_path) as cached:
        result = cached.generate(_request([]))

    assert cached.model == "Org/Tiny"
    assert result.usage.completion_tokens == GREEDY.max_new_tokens


def test_importing_the_backend_does_not_import_torch():
    code = (
        "import sys, img2code.backends.transformers; "
        "heavy = {'torch', 'transformers'} & set(sys.modules); "
        "sys.exit(f'imported {heavy}' if heavy else 0)"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)

    assert done.returncode == 0, done.stderr

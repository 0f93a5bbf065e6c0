"""The Converter session on a scripted backend and a fake renderer: lifetimes, statuses, result.json."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
from fakes import FakeRenderer, ScriptedBackend, page, source_image, wrong

import img2code
from img2code import session
from img2code.backends.base import Generation, GenerationRequest
from img2code.config import RunConfig
from img2code.errors import GenerationError, ModelNotFoundError
from img2code.results import RunResult
from img2code.session import Converter

CONFIG = RunConfig(backend="classic", max_iters=2, target_ssim=None, patience=9, min_gain=0.0)


@pytest.fixture
def shot(tmp_path: Path) -> Path:
    path = tmp_path / "shot.png"
    source_image().save(path)
    return path


def _saved(out: Path) -> dict:
    return json.loads((out / "result.json").read_text())


def test_one_session_serves_many_conversions_and_leaves_what_it_was_given_open(shot: Path, tmp_path: Path):
    backend = ScriptedBackend(page("a"), page("b"), page("c"), page("d"))
    renderer = FakeRenderer({"a": wrong(0.5), "b": wrong(0.2), "c": wrong(0.3), "d": wrong(0.4)})
    with Converter(CONFIG, backend=backend, renderer=renderer) as converter:
        first = converter.convert(shot, tmp_path / "one")
        second = converter.convert(shot, tmp_path / "two")

    assert (first.status, first.best_iteration, second.status, second.best_iteration) == ("ok", 1, "ok", 0)
    assert list(dict.fromkeys(renderer.rendered)) == ["a", "b", "c", "d"]  # the corrector renders again
    assert backend.closed == 0 and renderer.closed == 0  # the caller's to close
    assert _saved(tmp_path / "one")["backend"] == {
        "name": "scripted",
        "model": "scripted",
        "why": "given by the caller",
    }
    for result in (first, second):
        assert RunResult.read(result.out_dir).to_json() == result.to_json() == _saved(result.out_dir)


def test_a_backend_failure_after_a_success_is_partial_and_before_any_is_failed(shot: Path, tmp_path: Path):
    renderer = FakeRenderer({"a": wrong(0.5)})
    late = Converter(CONFIG, backend=ScriptedBackend(page("a"), GenerationError("gone")), renderer=renderer)
    early = Converter(CONFIG, backend=ScriptedBackend(GenerationError("gone")), renderer=renderer)

    partial = late.convert(shot, tmp_path / "late")
    failed = early.convert(shot, tmp_path / "early")

    assert partial.status == "partial" and partial.best_iteration == 0
    assert (tmp_path / "late" / "index.html").exists()
    assert failed.status == "failed" and failed.best_iteration is None
    saved = _saved(tmp_path / "early")
    assert saved["errors"] == [{"stage": "generate", "message": "gone", "iteration": 0}]
    assert saved["stopped_because"] == "the backend failed: gone"
    assert not (tmp_path / "early" / "index.html").exists()


def test_a_backend_the_session_makes_is_made_once_timed_once_and_closed(
    shot: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    made: list[ScriptedBackend] = []

    def create_backend(choice, config):  # stands in for loading a model
        made.append(ScriptedBackend(page("a"), page("a")))
        return made[-1]

    monkeypatch.setattr(session, "create_backend", create_backend)
    with Converter(
        RunConfig(backend="classic", max_iters=1), renderer=FakeRenderer({"a": wrong(0.5)})
    ) as converter:
        first = converter.convert(shot, tmp_path / "one")
        second = converter.convert(shot, tmp_path / "two")
        assert made[0].closed == 0

    assert len(made) == 1 and made[0].closed == 1
    assert "backend_load" in first.timings and "backend_load" not in second.timings
    assert first.backend.name == "classic"  # as config chose it, with the model the backend reports
    assert first.backend.model == "scripted"


def test_a_backend_that_cannot_load_fails_the_run_and_says_why(shot: Path, tmp_path: Path, monkeypatch):
    def create_backend(choice, config):
        raise ModelNotFoundError("no weights for qwen here")

    monkeypatch.setattr(session, "create_backend", create_backend)
    result = img2code.convert(shot, tmp_path / "out", backend="classic")

    assert result.status == "failed" and result.stopped_because == "no weights for qwen here"
    assert _saved(tmp_path / "out")["errors"] == [
        {"stage": "run", "message": "no weights for qwen here", "iteration": None}
    ]


def test_ctrl_c_writes_what_the_run_has_and_propagates(shot: Path, tmp_path: Path):
    backend = ScriptedBackend(page("a"), KeyboardInterrupt())
    converter = Converter(CONFIG, backend=backend, renderer=FakeRenderer({"a": wrong(0.5)}))
    with pytest.raises(KeyboardInterrupt):
        converter.convert(shot, tmp_path / "out")

    saved = _saved(tmp_path / "out")
    assert saved["status"] == "partial" and saved["stopped_because"] == "interrupted"
    assert (tmp_path / "out" / "index.html").exists() and (tmp_path / "out" / "report.html").exists()


class _Slow(ScriptedBackend):
    """Answers after a pause, counting how many generations run at once."""

    def __init__(self, answers: int) -> None:
        super().__init__(*(page("a") for _ in range(answers)))
        self.running = self.most = 0
        self.guard = threading.Lock()

    def generate(self, request: GenerationRequest) -> Generation:
        with self.guard:
            self.running += 1
            self.most = max(self.most, self.running)
        time.sleep(0.05)
        try:
            return super().generate(request)
        finally:
            with self.guard:
                self.running -= 1


@pytest.mark.parametrize(("workers", "concurrent", "most"), [(3, False, 1), (3, True, 3)])
def test_workers_share_a_backend_in_turn_unless_it_is_concurrent(
    shot: Path, tmp_path: Path, workers: int, concurrent: bool, most: int
):
    backend = _Slow(workers)
    backend.concurrent = concurrent  # type: ignore[misc]
    config = RunConfig(backend="classic", max_iters=1)
    barrier = threading.Barrier(workers)
    with Converter(config, backend=backend, renderer=FakeRenderer({"a": wrong(0.5)}), workers=workers) as c:

        def convert(number: int) -> None:
            barrier.wait()
            c.convert(shot, tmp_path / f"out{number}")

        threads = [threading.Thread(target=convert, args=(n,)) for n in range(workers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert backend.most == most
    assert all(_saved(tmp_path / f"out{n}")["status"] == "ok" for n in range(workers))

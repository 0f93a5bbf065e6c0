"""Many images at once through a real server: manifest, resume after a kill or Ctrl-C, failures alone."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

import pytest
from local_server import LocalServer
from PIL import Image
from terminal_signals import default_ctrl_c

from img2code.batch import MANIFEST, BatchItem, Manifest, _convert_one, run_batch
from img2code.config import RunConfig
from img2code.interrupt import CTRL_C
from img2code.progress import BatchProgress
from img2code.results import Record

ROOT = Path(__file__).resolve().parents[1]
MOCKUPS = sorted((ROOT / "fixtures" / "mockups").glob("*.png"))


def _crops(folder: Path, names: list[str]) -> list[Path]:
    """Small 384x256 crops of the mockups, saved under ``folder`` with the given names."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for number, name in enumerate(names):
        with Image.open(MOCKUPS[number % len(MOCKUPS)]) as image:
            left = 128 * (number // len(MOCKUPS))
            image.convert("RGB").crop((left, 0, left + 384, 256)).save(folder / name)
        paths.append(folder / name)
    return paths


def _lines(out: Path) -> list[dict]:
    path = out / MANIFEST
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip().endswith("}")]


def _ok_inputs(out: Path) -> set[str]:
    return {line["input"] for line in _lines(out) if line["status"] == "ok"}


def _finished_runs(out: Path) -> dict[str, int]:
    """The run folders of OUT whose result.json says ok, with that file's modification time."""
    runs = {}
    for result in out.glob("*/result.json"):
        if json.loads(result.read_text())["status"] == "ok":
            runs[result.parent.name] = result.stat().st_mtime_ns
    return runs


def _start_cli(inputs: list[Path], out: Path, server: LocalServer) -> subprocess.Popen:
    command = [sys.executable, "-m", "img2code", "html", *map(str, inputs), "-o", str(out)]
    command += ["--model", server.model, "--max-iters", "1", "--jobs", "2"]
    env = {**os.environ, "IMG2CODE_BASE_URL": server.url}  # and auto picks the openai backend
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_ctrl_c
    )


def _wait_for(condition, process: subprocess.Popen, timeout_s: float = 180.0) -> None:
    """Poll until ``condition()``; the deadline only guards against a hang, so a loaded machine passes."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert process.poll() is None, f"the batch ended early: {process.communicate()}"
        assert time.monotonic() < deadline, "the batch made no progress"
        time.sleep(0.01)


def test_interrupted_batch_resumes_and_converts_each_input_once(openai_server: LocalServer, tmp_path: Path):
    inputs = _crops(tmp_path / "a", ["login.png", "pricing.png", "dashboard.png"])
    inputs += _crops(tmp_path / "b", ["login.png", "menu.png", "signup.png"])  # a second login.png
    out = tmp_path / "out"

    killed = _start_cli([tmp_path / "a", tmp_path / "b"], out, openai_server)
    _wait_for(lambda: _ok_inputs(out), killed)
    killed.kill()  # as hard as it gets: no clean-up at all
    killed.wait()
    after_kill = _ok_inputs(out)
    assert 0 < len(after_kill) < len(inputs)

    interrupted = _start_cli([tmp_path / "a", tmp_path / "b"], out, openai_server)
    _wait_for(lambda: len(_ok_inputs(out)) > len(after_kill), interrupted)
    interrupted.send_signal(signal.SIGINT)  # Ctrl-C
    _, stderr = interrupted.communicate(timeout=60)
    assert interrupted.returncode == 130, stderr
    assert "run the same command again to resume" in stderr
    assert len(_ok_inputs(out)) > len(after_kill)
    stamps = _finished_runs(out)  # a run that ended as Ctrl-C came may have missed the manifest: kept too

    finished = _start_cli([tmp_path / "a", tmp_path / "b"], out, openai_server)
    stdout, stderr = finished.communicate(timeout=120)
    assert finished.returncode == 0, stderr
    assert f"{len(stamps)} of {len(inputs)} inputs already done" in stderr

    lines = _lines(out)
    assert sorted(line["input"] for line in lines) == sorted(
        str(p.resolve()) for p in inputs
    )  # one line each
    assert all(line["status"] == "ok" and line["scores"]["ssim"] > 0 for line in lines)
    names = {line["input"]: line["name"] for line in lines}
    assert names[str(inputs[0].resolve())] == "login" and names[str(inputs[3].resolve())] == "login-2"
    for line in lines:
        result = json.loads((out / line["name"] / "result.json").read_text())
        assert result["status"] == "ok" and Path(result["source"]["path"]).resolve() == Path(line["input"])
        if line["name"] in stamps:  # done before: never converted again
            assert (out / line["name"] / "result.json").stat().st_mtime_ns == stamps[line["name"]]
    report = (out / "report.html").read_text()
    assert all(f'href="{name}/report.html"' in report for name in names.values())
    assert report.count("data:image/jpeg;base64,") == 2 * len(inputs)  # source and render thumbnails
    assert stdout.strip() == f"report: {out / 'report.html'}"


class _StopServerAfter(BatchProgress):
    """Stops the server when ``stop_after`` ends and starts it again when the next input has failed."""

    def __init__(self, server: LocalServer, stop_after: str) -> None:
        self.server, self.stop_after, self.stopped = server, stop_after, False

    def input_done(self, record: Record) -> None:
        if record.name == self.stop_after:
            self.server.stop()
            self.stopped = True
        elif self.stopped:
            self.server.start()
            self.stopped = False


def test_stopped_server_fails_its_input_alone_and_a_rerun_retries_it(
    openai_server: LocalServer, tmp_path: Path
):
    images = _crops(tmp_path / "in", ["a.png", "b.png", "d.png"])
    (tmp_path / "in" / "c.png").write_bytes(b"not an image at all")
    config = RunConfig(
        backend="openai", base_url=openai_server.url, model=openai_server.model, max_iters=1, retry_s=1.0
    )
    out = tmp_path / "out"

    result = run_batch([tmp_path / "in"], out, config=config, progress=_StopServerAfter(openai_server, "a"))

    status = {record.name: record for record in result.records}
    assert [r.name for r in result.records] == ["a", "b", "c", "d"]
    assert status["a"].status == "ok" and status["d"].status == "ok"
    assert status["b"].status == "failed"
    assert "could not connect" in status["b"].error and "gave up after" in status["b"].error
    assert status["c"].status == "failed" and "not a readable image" in status["c"].error
    assert [line["name"] for line in _lines(out)] == ["a", "b", "c", "d"]
    assert not result.ok

    # a crash between a.png's result.json and its manifest line, and a line cut short
    lines = (out / MANIFEST).read_text().splitlines()
    (out / MANIFEST).write_text("\n".join(lines[1:]) + '\n{"input": "/cut/sho')
    rerun = run_batch([tmp_path / "in"], out, config=config)

    assert rerun.skipped == 2  # a (trusted from its folder) and d; b and c are tried again
    assert {r.name: r.status for r in rerun.records} == {"a": "ok", "b": "ok", "c": "failed", "d": "ok"}
    assert len(Manifest(out / MANIFEST).read()) == 4 and len(_lines(out)) == 4

    forced = run_batch([images[0]], out, config=replace(config, force=True))
    assert forced.skipped == 0 and forced.records[0].status == "ok"


@pytest.mark.parametrize("jobs", [0, -1])
def test_jobs_must_be_positive(jobs: int, tmp_path: Path):
    from img2code.errors import InputError

    with pytest.raises(InputError, match="--jobs"):
        run_batch([tmp_path], tmp_path / "out", jobs=jobs)


class _BrowserGone:
    """A converter whose run fails as one does when Chromium died of the same Ctrl-C."""

    def convert(self, *_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the shared browser is closed")


def test_a_run_that_fails_after_ctrl_c_is_interrupted_not_a_crash(tmp_path: Path, caplog) -> None:
    """A worker's run failing after Ctrl-C (the browser went with the process group) was logged as
    an internal error with its traceback; it is one interrupted input."""
    item = BatchItem(tmp_path / "a.png", "a")
    CTRL_C.set()
    try:
        record = _convert_one(item, tmp_path, _BrowserGone(), BatchProgress())  # type: ignore[arg-type]
    finally:
        CTRL_C.clear()
    assert record.error == "interrupted"
    assert "Traceback" not in caplog.text and "failed" not in caplog.text
    crashed = _convert_one(item, tmp_path, _BrowserGone(), BatchProgress())  # type: ignore[arg-type]
    assert "internal error" in (crashed.error or "") and "converting" in caplog.text

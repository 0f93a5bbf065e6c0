"""Ctrl-C on a real `img2code` process, at different moments: it exits 130 (never SIGABRT, which
native threads torn down while Python finalises caused), and every result.json says why it stopped."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from terminal_signals import default_ctrl_c

from img2code.output import STAGING

MOCKUPS = Path(__file__).resolve().parent.parent / "fixtures" / "mockups"
HANG_S = 120.0  # a deadline against hangs only: a loaded machine still passes


class Cli:
    """``img2code ARGS`` in a process group of its own (as a shell starts it), stderr gathered as it comes."""

    def __init__(self, *args: str) -> None:
        command = [sys.executable, "-m", "img2code", *args, "--backend", "classic"]
        self.process = subprocess.Popen(
            command,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
            preexec_fn=default_ctrl_c,
        )
        self.stderr: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self.stderr.append(line)

    def wait_for(self, condition: Callable[[], bool]) -> None:
        """Poll until ``condition()`` holds; the process must still be running then."""
        deadline = time.monotonic() + HANG_S
        while not condition():
            assert self.process.poll() is None, f"it ended first: {''.join(self.stderr)}"
            assert time.monotonic() < deadline, "it made no progress"
            time.sleep(0.01)

    def ctrl_c(self) -> int:
        """SIGINT to the whole process group, as a terminal sends Ctrl-C (Chromium and the Playwright
        driver get it too); the exit code, as subprocess reports it (-6: killed by SIGABRT)."""
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=HANG_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
            raise AssertionError("it did not stop on Ctrl-C") from None
        self._reader.join(HANG_S)  # the pipe closes when the process and its children have ended
        return self.process.returncode

    @property
    def output(self) -> str:
        return "".join(self.stderr)


def _result(run: Path) -> dict[str, Any]:
    """The run's result.json, or {} while there is none."""
    try:
        result: dict[str, Any] = json.loads((run / "result.json").read_text())
    except (FileNotFoundError, NotADirectoryError, json.JSONDecodeError):  # not there yet, or a file
        return {}
    return result


def _live(run: Path) -> dict[str, Any]:
    """The result.json of the run under way (written into the staging folder until it ends)."""
    return _result(run / STAGING) or _result(run)


def _seconds_later(seconds: float) -> Callable[[Path], bool]:
    """A moment: ``seconds`` after the run wrote its first result.json (deep in OCR by then)."""
    started: list[float] = []

    def reached(out: Path) -> bool:
        if not started and _live(out):
            started.append(time.monotonic())
        return bool(started) and time.monotonic() - started[0] >= seconds

    return reached


MOMENTS: dict[str, Callable[[Path], bool]] = {
    "started": lambda out: bool(_live(out)),  # result.json says "still running"
    "in OCR": _seconds_later(1.5),
    "rendering": lambda out: (out / STAGING / "iterations" / "00" / "raw.txt").exists(),  # render next
}


@pytest.mark.slow  # converts a real screenshot (OCR, Chromium): 1-8 s each
@pytest.mark.parametrize("moment", list(MOMENTS))
def test_ctrl_c_during_a_run_exits_130_and_result_json_says_interrupted(moment: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    cli = Cli("html", str(MOCKUPS / "login.png"), "-o", str(out))
    cli.wait_for(lambda: MOMENTS[moment](out))

    assert cli.ctrl_c() == 130, cli.output
    assert "terminate called" not in cli.output and "Traceback" not in cli.output, cli.output
    assert "interrupted" in cli.output
    result = _result(out)
    assert result["stopped_because"] == "interrupted", result
    assert result["status"] in ("partial", "failed")


@pytest.mark.slow  # converts three real screenshots, two at once: 10-20 s each
@pytest.mark.parametrize("command", ["html", "eval"])
def test_ctrl_c_with_inputs_in_flight_exits_130_and_marks_them_interrupted(
    command: str, tmp_path: Path
) -> None:
    """Two jobs at once over three screenshots, Ctrl-C once the first is done: the others are in OCR
    on worker threads, where it used to end in SIGABRT."""
    images = tmp_path / "in"
    images.mkdir()
    for number, mockup in enumerate(sorted(MOCKUPS.glob("*.png")), start=1):
        (images / f"{number}.png").write_bytes(mockup.read_bytes())
    out = tmp_path / "out"
    runs = out / "cases" if command == "eval" else out
    cli = Cli(command, str(images), "-o", str(out), "--jobs", "2", "--max-iters", "1")
    cli.wait_for(lambda: any(_result(run).get("status") == "ok" for run in runs.glob("*")))

    assert cli.ctrl_c() == 130, cli.output
    assert "terminate called" not in cli.output and "Traceback" not in cli.output, cli.output
    assert "run the same command again to resume" in cli.output
    results = {run.name: _live(run) for run in runs.iterdir() if run.is_dir() and _live(run)}
    assert any(result["status"] == "ok" for result in results.values())
    for name, result in results.items():  # each finished, or says it was interrupted
        errors = [i.get("error") for i in result.get("iterations", [])]
        assert result["status"] == "ok" or result["stopped_because"] == "interrupted", (name, errors)


SWALLOWED = '''
import os, signal, time, weakref
from img2code.cli import main

@main.command()
def swallow() -> None:
    """Ctrl-C lands in a weakref callback (as in the middle of an import), then the work goes on."""
    class Lock:
        pass

    def callback(ref: object) -> None:
        os.kill(os.getpid(), signal.SIGINT)
        for _ in range(100_000):  # KeyboardInterrupt is raised in here, where Python swallows it
            pass

    lock = Lock()
    ref = weakref.ref(lock, callback)
    del lock
    time.sleep(60)
    print("went on as if Ctrl-C had not been pressed")

main(["swallow"])
'''


def test_ctrl_c_that_python_swallows_still_stops_the_command() -> None:
    started = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", SWALLOWED],
        capture_output=True,
        text=True,
        timeout=HANG_S,
        preexec_fn=default_ctrl_c,
    )

    assert done.returncode == 130, done.stderr
    assert time.monotonic() - started < 30  # stopped at once, not after the minute of work
    assert "went on" not in done.stdout and "Exception ignored" not in done.stderr
    assert done.stderr.strip().endswith("interrupted")

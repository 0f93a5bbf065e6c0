"""The append-only JSON Lines log that a batch's manifest and an eval's scores are written to."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from img2code.jsonl import JsonLog
from img2code.results import Record


def test_an_append_after_a_torn_line_starts_a_line_of_its_own(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    path = tmp_path / "log.jsonl"
    log = JsonLog(path)
    log.append({"name": "1"})
    with path.open("a") as handle:
        handle.write('{"name": "2", "sco')  # the process was killed mid-write
    log.append({"name": "3"})

    with caplog.at_level(logging.WARNING, logger="img2code.jsonl"):
        assert log.read(dict) == [{"name": "1"}, {"name": "3"}]
    assert f"{path} line 2 is unreadable" in caplog.text


def test_lines_that_are_no_entry_are_skipped(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "manifest.jsonl"
    path.write_text('[1, 2]\n\n{"input": "/a.png"}\n{"input": "/b.png", "name": "b", "status": "ok"}\n')
    with caplog.at_level(logging.WARNING, logger="img2code.jsonl"):
        records = JsonLog(path).read(Record.from_json)
    assert [record.name for record in records] == ["b"]
    assert "line 1 is unreadable" in caplog.text and "line 3 is unreadable" in caplog.text


def test_a_rewrite_replaces_the_whole_file(tmp_path: Path):
    log = JsonLog(tmp_path / "log.jsonl")
    for number in range(3):
        log.append({"n": number})
    log.rewrite([{"n": 2}])
    assert log.read(dict) == [{"n": 2}]
    assert [p.name for p in tmp_path.iterdir()] == ["log.jsonl"]

"""The output folder's file writing."""

from __future__ import annotations

import stat

from img2code.output import atomic_write


def test_atomic_write_gives_the_permissions_open_would(tmp_path):
    """Reports are shared and served: they must not come out private, as a bare temp file does."""
    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    atomic = tmp_path / "atomic.txt"
    atomic_write(atomic, "x")
    assert stat.S_IMODE(atomic.stat().st_mode) == stat.S_IMODE(plain.stat().st_mode)
    assert atomic.read_text() == "x"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

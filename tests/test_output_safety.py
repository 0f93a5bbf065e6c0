"""Nothing of the user's is lost: img2code replaces or deletes only what it wrote in OUT, a crashed or
failed rerun leaves the earlier results whole, a full disk fails the run (and a batch redoes it),
one run at a time writes into a folder, and a bad OUT is a one-line error (exit 2).

Real runs of the classic backend on the fixture mockups, real folders; the full disk is a real
tmpfs where the machine lets tests mount one, else a write path that runs out of space.
"""

from __future__ import annotations

import errno
import fcntl
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from click.testing import CliRunner

from img2code import output
from img2code.cli import main

ROOT = Path(__file__).resolve().parents[1]
LOGIN = ROOT / "fixtures" / "mockups" / "login.png"
PRICING = ROOT / "fixtures" / "mockups" / "pricing.png"


def html(*args: str) -> tuple[int, str]:
    done = CliRunner().invoke(main, ["html", *args, "--backend", "classic"])
    return done.exit_code, done.output


def files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.fixture(scope="module")
def first_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished run of the login mockup (copied by each test that changes it)."""
    out = tmp_path_factory.mktemp("first") / "out"
    code, text = html(str(LOGIN), "-o", str(out))
    assert code == 0, text
    return out


def copy_of(run: Path, tmp_path: Path) -> Path:
    out = tmp_path / "out"
    shutil.copytree(run, out)
    return out


def test_force_replaces_and_deletes_only_what_img2code_wrote(first_run: Path, tmp_path: Path) -> None:
    out = copy_of(first_run, tmp_path)
    (out / "notes.md").write_text("mine")
    (out / "project").mkdir()
    (out / "project" / "app.css").write_text("body {}")
    shutil.copy(LOGIN, out / "login-shot.png")
    diagram = CliRunner().invoke(
        main, ["drawio", str(PRICING), "-o", str(out), "--force", "--backend", "classic"]
    )
    assert diagram.exit_code == 0, diagram.output
    assert (out / "notes.md").read_text() == "mine" and (out / "project" / "app.css").exists()
    assert (out / "login-shot.png").read_bytes() == LOGIN.read_bytes()
    assert (out / "diagram.drawio").exists()
    assert not (out / "index.html").exists()  # the earlier run's page: img2code's own, gone with it
    assert "notes.md" not in json.loads((out / output.OWNED_LIST).read_text())


def test_a_batch_redoing_a_subfolder_leaves_the_users_files_there(tmp_path: Path) -> None:
    inputs = tmp_path / "shots"
    inputs.mkdir()
    shutil.copy(LOGIN, inputs / "login.png")
    out = tmp_path / "out"
    assert (
        CliRunner().invoke(main, ["html", str(inputs), "-o", str(out), "--backend", "classic"]).exit_code == 0
    )
    result = out / "login" / "result.json"
    result.write_text(result.read_text().replace('"status": "ok"', '"status": "failed"'))  # to be redone
    (out / "login" / "todo.txt").write_text("mine")
    again = CliRunner().invoke(main, ["html", str(inputs), "-o", str(out), "--backend", "classic"])
    assert again.exit_code == 0, again.output
    assert "1 ok" in again.output and (out / "login" / "todo.txt").read_text() == "mine"


def test_a_force_rerun_that_crashes_keeps_the_earlier_results(
    first_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_of(first_run, tmp_path)
    before = files(out)

    def bug(*args: object, **kwargs: object) -> None:
        raise RuntimeError("a bug in the scorer")

    monkeypatch.setattr("img2code.refine.diff_heatmap", bug)
    crashed = CliRunner().invoke(
        main, ["html", str(PRICING), "-o", str(out), "--backend", "classic", "--force"]
    )
    assert crashed.exit_code != 0
    assert {name: data for name, data in files(out).items() if not name.startswith(output.STAGING)} == before
    staged = json.loads((out / output.STAGING / "result.json").read_text())
    assert staged["status"] == "failed" and "a bug in the scorer" in staged["stopped_because"]


def test_a_run_killed_before_it_is_in_place_leaves_only_its_own_files(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "notes.md").write_text("mine")
    killed = output.OutputFolder(out)
    killed.write("source.png", LOGIN.read_bytes())
    killed.close()  # kill -9 here: no finish, the lock goes with the process
    assert sorted(os.listdir(out)) == [output.STAGING, "notes.md"]

    code, text = html(str(LOGIN), "-o", str(out))  # no --force: nothing of a finished run is there
    assert code == 0, text
    assert (out / "notes.md").read_text() == "mine" and not (out / output.STAGING).exists()
    assert json.loads((out / "result.json").read_text())["status"] == "ok"


def test_a_run_stopped_before_it_marked_its_folder_does_not_block_the_next(tmp_path: Path) -> None:
    """A run stopped between making its staging folder and marking it as img2code's (Ctrl-C in a
    batch, seen in a full test run) left an empty unmarked folder, and every rerun was refused; an
    empty folder holds nothing to lose. Nor does one stopped while writing its mark (the mark's
    temporary file is all it holds). One holding a file of someone else's is still refused."""
    out = tmp_path / "out"
    (out / output.STAGING).mkdir(parents=True)
    code, text = html(str(LOGIN), "-o", str(out))
    assert code == 0, text
    assert json.loads((out / "result.json").read_text())["status"] == "ok"
    half_marked = tmp_path / "half-marked" / output.STAGING
    half_marked.mkdir(parents=True)
    (half_marked / f".{output.STAGING_MARK}.k3x9q1.tmp").write_text("")
    code, text = html(str(LOGIN), "-o", str(half_marked.parent))
    assert code == 0, text
    other = tmp_path / "other"
    (other / output.STAGING).mkdir(parents=True)
    (other / output.STAGING / "draft.txt").write_text("mine")
    code, text = html(str(LOGIN), "-o", str(other))
    assert code == 2 and "did not write" in text
    assert (other / output.STAGING / "draft.txt").read_text() == "mine"


def test_a_run_killed_while_put_in_place_leaves_no_result_json(
    first_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = copy_of(first_run, tmp_path)
    moves = 0
    replace = os.replace

    def dies_on_the_third_move(source: str | Path, target: str | Path) -> None:
        nonlocal moves
        moves += Path(source).parent.name == output.STAGING and Path(target).parent == out
        if moves == 3:
            raise OSError(errno.EIO, "killed")
        replace(source, target)

    monkeypatch.setattr(output.os, "replace", dies_on_the_third_move)
    html(str(PRICING), "-o", str(out), "--force")
    monkeypatch.undo()
    listed = set(json.loads((out / output.OWNED_LIST).read_text()))
    assert not (out / "result.json").exists()  # a batch sees no finished run here and redoes it
    assert set(os.listdir(out)) - {output.OWNED_LIST, output.STAGING} <= listed

    code, text = html(str(PRICING), "-o", str(out), "--force")
    assert code == 0, text
    assert json.loads((out / "result.json").read_text())["source"]["path"].endswith("pricing.png")


def test_an_input_inside_out_at_a_name_img2code_writes_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    shot = out / "diff.png"
    shutil.copy(LOGIN, shot)
    code, text = html(str(shot), "-o", str(out))
    assert code == 2 and "diff.png" in text and "did not write" in text
    assert shot.read_bytes() == LOGIN.read_bytes() and sorted(os.listdir(out)) == ["diff.png"]


def test_render_and_score_refuse_to_write_over_their_own_inputs(first_run: Path, tmp_path: Path) -> None:
    page = tmp_path / "p.html"
    shutil.copy(first_run / "index.html", page)
    rendered = CliRunner().invoke(main, ["render", str(page), "-o", str(page)])
    assert rendered.exit_code == 2 and "is also an input" in rendered.output
    assert page.read_bytes() == (first_run / "index.html").read_bytes()
    source = tmp_path / "source.png"
    shutil.copy(LOGIN, source)
    scored = CliRunner().invoke(main, ["score", str(source), str(page), "--diff", str(source)])
    assert scored.exit_code == 2 and "is also an input" in scored.output
    assert source.read_bytes() == LOGIN.read_bytes()


@contextmanager
def small_disk(folder: Path, free: int, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """``folder`` on a tmpfs with about ``free`` bytes left (a filler file takes the rest), or, where
    tests may not mount, a write path that fails with ENOSPC past ``free`` bytes. Yields the filler
    (deleting it frees the space)."""
    folder.mkdir()
    filler = folder / "filler"
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode == 0:
        filler.write_bytes(b"\0" * (4 * 1024 * 1024 - free))
        try:
            yield filler
        finally:
            subprocess.run(["umount", "-l", str(folder)], check=False)
        return
    print(f"no tmpfs ({mounted.stderr.decode().strip()}): simulating a full disk", file=sys.stderr)
    filler.write_bytes(b"")
    written = [0]
    real_write = output.atomic_write

    def write(path: Path, data: bytes | str) -> None:
        if filler.exists() and folder in path.parents:
            written[0] += len(data)
            if written[0] > free:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))
        real_write(path, data)

    monkeypatch.setattr(output, "atomic_write", write)
    yield filler


def test_a_full_disk_fails_the_run_and_a_batch_redoes_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = tmp_path / "shots"
    inputs.mkdir()
    shutil.copy(LOGIN, inputs / "login.png")
    disk = tmp_path / "disk"
    with small_disk(disk, 240_000, monkeypatch) as filler:  # room for the loop, not the outputs
        out = disk / "out"
        full = CliRunner().invoke(main, ["html", str(inputs), "-o", str(out), "--backend", "classic"])
        assert full.exit_code == 1 and "No space left" in full.output
        result = out / "login" / "result.json"
        assert not result.exists() or json.loads(result.read_text())["status"] != "ok"
        filler.unlink()
        again = CliRunner().invoke(main, ["html", str(inputs), "-o", str(out), "--backend", "classic"])
        assert again.exit_code == 0 and "[1/1] login: ok" in again.output, again.output  # redone
        assert json.loads(result.read_text())["status"] == "ok" and (out / "login" / "report.html").exists()


def test_a_second_run_into_the_same_out_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    held = os.open(out, os.O_RDONLY | os.O_DIRECTORY)  # another run holds the folder's lock
    try:
        fcntl.flock(held, fcntl.LOCK_EX)
        code, text = html(str(LOGIN), "-o", str(out))
        assert code == 2 and "another img2code run" in text and os.listdir(out) == []
    finally:
        os.close(held)
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "img2code", "html", str(LOGIN), "-o", str(out), "--backend", "classic"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    codes = sorted(run.wait(timeout=300) for run in runs)
    assert codes == [0, 2]


def test_a_bad_out_is_a_one_line_error(
    first_run: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(readonly)]).returncode != 0:
        readonly.chmod(0o555)  # not as root: root writes into read-only folders
    try:
        code, text = html(str(LOGIN), "-o", str(readonly / "out"))
        assert code == 2 and "cannot write there" in text and "Traceback" not in text
    finally:
        subprocess.run(["umount", "-l", str(readonly)], capture_output=True)
    a_file = tmp_path / "a-file"
    a_file.write_text("x")
    code, text = html(str(LOGIN), "-o", str(a_file / "out"))
    assert code == 2 and "cannot write there" in text and "Traceback" not in text
    out = copy_of(first_run, tmp_path)
    (out / "notes.md").write_text("mine")
    monkeypatch.chdir(out)
    code, text = html(str(PRICING), "-o", ".", "--force")
    assert code == 0, text
    assert (out / "notes.md").exists() and json.loads((out / "result.json").read_text())["status"] == "ok"

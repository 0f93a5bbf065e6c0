"""`img2code eval` over a tiny Design2Code-style folder with the classic backend: scores, summary,
report, resuming, and a run ranked by Design2Code that draws the matched blocks."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from img2code.cli import main
from img2code.config import RunConfig
from img2code.evaluate import read_rows, run_eval
from img2code.render.browser import Browser
from img2code.score.code import METRICS as CODE_METRICS

MOCKUPS = Path(__file__).resolve().parent.parent / "fixtures" / "mockups"
REFERENCE = """<!DOCTYPE html><html><body style="margin:0;font:22px 'DejaVu Sans';background:#f8fafc">
<h1 style="margin:40px;color:#0f172a">Team plans</h1>
<p style="margin:40px;color:#334155">Every plan includes unlimited projects and email support.</p>
<a style="margin:40px;color:#2563eb" href="#">Compare plans</a>
</body></html>"""
METRICS = ("ssim", "block", "text", "position", "color")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """1.png and 2.png (mockups, no reference HTML) and 3.png with its reference 3.html."""
    root = tmp_path_factory.mktemp("design2code")
    shutil.copy(MOCKUPS / "login.png", root / "1.png")
    shutil.copy(MOCKUPS / "pricing.png", root / "2.png")
    (root / "3.html").write_text(REFERENCE)
    with Browser() as browser:
        (root / "3.png").write_bytes(browser.render_html(REFERENCE, 1280, 720).png)
    return root


@pytest.fixture(scope="module")
def evaluated(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The CLI over the first two cases (two at once), then the library resuming to all three."""
    out = tmp_path_factory.mktemp("eval") / "out"
    result = CliRunner().invoke(
        main,
        ["eval", str(folder), "-o", str(out), "--backend", "classic", "--limit", "2", "--jobs", "2", "-q"],
    )
    assert result.exit_code == 0, result.output
    assert "2 cases: 2 scored, 0 failed" in result.output
    assert len(read_rows(out / "scores.jsonl")) == 2
    ran: list[str] = []
    run_eval(folder, out, RunConfig(backend="classic"), on_case=lambda i, n, row: ran.append(row["name"]))
    assert ran == ["3"]  # 1 and 2 were kept from the first run
    return out


def test_every_case_is_scored_by_every_metric(evaluated):
    rows = read_rows(evaluated / "scores.jsonl")
    assert sorted(rows) == ["1", "2", "3"]  # in the order they finished: 1 and 2 ran at once
    for row in rows.values():
        assert row["status"] == "ok" and row["seconds"] > 0
        assert all(0.0 <= row[name] <= 1.0 for name in METRICS), row
        assert row["clip"] is None
    assert [rows[name]["reference"] for name in ("1", "2", "3")] == ["image", "image", "html"]
    assert rows["3"]["reference_ssim"] > 0.999  # rendered here, with the same fonts


def test_summary_holds_the_means_failures_and_time(evaluated):
    summary = json.loads((evaluated / "summary.json").read_text())
    rows = read_rows(evaluated / "scores.jsonl").values()
    assert summary["cases"] == summary["scored"] == 3 and summary["failed"] == 0 and summary["failures"] == []
    for name in METRICS:
        assert summary["mean"][name] == pytest.approx(sum(row[name] for row in rows) / 3, abs=1e-5)
    assert summary["mean"]["clip"] is None and summary["counted"]["clip"] == 0
    assert summary["seconds_per_case"] > 0 and summary["backend"] == "classic"


def test_report_is_a_sortable_table_linking_each_run(evaluated):
    report = (evaluated / "report.html").read_text()
    for name in ("1", "2", "3"):
        assert f'href="cases/{name}/report.html"' in report
        assert (evaluated / "cases" / name / "report.html").exists()
    assert report.count("<th data-sort>") >= len(METRICS) + 3 and "addEventListener" in report
    assert "http://" not in report and "https://" not in report  # opens offline
    run_report = (evaluated / "cases" / "3" / "report.html").read_text()
    assert "<th>Block</th>" in run_report and "matched text blocks" in run_report


def test_a_torn_last_line_is_run_again(folder, evaluated, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(evaluated, out)
    lines = (out / "scores.jsonl").read_text().splitlines()
    (out / "scores.jsonl").write_text("\n".join(lines[:2]) + "\n" + lines[2][:20])  # killed mid-write
    ran: list[str] = []
    summary = run_eval(
        folder, out, RunConfig(backend="classic"), on_case=lambda i, n, row: ran.append(row["name"])
    )
    assert ran == ["3"] and summary["cases"] == 3
    # case 3's new line did not fuse with the torn one
    assert sorted(read_rows(out / "scores.jsonl")) == ["1", "2", "3"]


def test_a_run_ranked_by_design2code_draws_the_matched_blocks(tmp_path):
    out = tmp_path / "run"
    result = CliRunner().invoke(
        main,
        [
            "html",
            str(MOCKUPS / "login.png"),
            "-o",
            str(out),
            "--backend",
            "classic",
            "--select-by",
            "design2code",
        ],
    )
    assert result.exit_code == 0, result.output
    run = json.loads((out / "result.json").read_text())
    assert run["settings"]["select_by"] == "design2code"
    assert set(METRICS) <= set(run["final"]) and run["final"]["text"] > 0.9
    assert (out / "iterations" / "00" / "blocks.png").exists()


def test_a_case_with_a_reference_html_is_scored_by_the_code_metrics(evaluated):
    rows = read_rows(evaluated / "scores.jsonl")
    assert all("tree_bleu" not in rows[name] for name in ("1", "2"))  # no reference page to compare with
    code = rows["3"]
    assert all(0.0 <= code[name] <= 1.0 for name in CODE_METRICS), code
    assert code["absolute_reference"] == 0.0 and code["overflow@390"] in (0.0, 1.0)
    summary = json.loads((evaluated / "summary.json").read_text())
    assert summary["mean"]["tree_bleu"] == code["tree_bleu"] and summary["counted"]["tree_bleu"] == 1
    report = (evaluated / "report.html").read_text()
    assert "<th data-sort>TreeBLEU</th>" in report and "<th>Overflow@390 %</th>" in report

"""``img2code eval``: convert every case of a folder, score it, and write scores, a summary and a report.

The runner here is target-agnostic. Each target has a module in this package (``html.py``,
``drawio.py``) exposing two functions, the whole per-target interface:

```python
def find_cases(folder: Path) -> list[Case]: ...
    # the cases of a folder in that target's layout, sorted by name (``Case`` is defined below)

def run_config(config: RunConfig) -> RunConfig: ...
    # the settings the cases are converted with (the html target turns the Design2Code metrics on)

def evaluate_case(case: Case, out_dir: Path, converter: Converter) -> dict[str, float | str | None]: ...
    # convert ``case.image`` into ``out_dir`` with ``converter.convert`` (a run folder with its
    # report.html) and score it: numbers are metrics (averaged in the summary, None where a case
    # has no value), strings are shown as columns ("status": ok or partial); raise Img2CodeError
    # when the case failed. The converter's session (one backend, one renderer) serves the whole
    # eval; with --jobs, several cases call it at once.
```

The runner picks the module by target (``importlib.import_module(f"img2code.evaluate.{target}")``),
runs the cases on ``--jobs`` worker threads (a batch's queue, ``img2code.jobs``), appends one JSON
line per finished case to ``OUT/scores.jsonl`` (so an interrupted eval resumes where it stopped),
and writes ``OUT/summary.json`` (the mean and median of each metric, failures, seconds per case) and
``OUT/report.html`` (a sortable table, each row linking to ``OUT/cases/NAME/report.html``).
"""

from __future__ import annotations

import importlib
import json
import logging
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

from ..errors import Img2CodeError, InputError
from ..jsonl import JsonLog
from ..output import atomic_write

if TYPE_CHECKING:
    from ..config import RunConfig
    from ..session import Converter

log = logging.getLogger(__name__)

Row = dict[str, Any]
INFO_FIELDS = ("name", "status", "error", "seconds")  # not metrics, even when numeric


@dataclass(frozen=True)
class Case:
    """One input of an eval folder: its name, the image to convert, and any reference files."""

    name: str
    image: Path
    references: dict[str, Path] = field(default_factory=dict)  # e.g. {"html": N.html}


def target_module(target: str) -> ModuleType:
    """The per-target module (``find_cases``, ``evaluate_case``) for ``target``."""
    try:
        return importlib.import_module(f"{__name__}.{target}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{target}":
            raise
        raise InputError(f"img2code eval has no {target!r} target yet") from None


def _row(data: dict[str, Any]) -> Row:
    """A scores.jsonl line as a row: it must name its case."""
    if not isinstance(data.get("name"), str):
        raise ValueError("the line names no case")
    return data


def read_rows(path: Path) -> dict[str, Row]:
    """The cases already scored in a scores.jsonl, by name (a torn or unreadable line is skipped)."""
    return {row["name"]: row for row in JsonLog(path).read(_row)}


def metric_names(rows: list[Row]) -> list[str]:
    """The metrics the rows hold, in first-seen order: numeric or None fields other than INFO_FIELDS
    (a metric that is None everywhere, as CLIP without weights, still shows, as unavailable)."""
    names: dict[str, None] = {}
    for row in rows:
        for name, value in row.items():
            if name not in INFO_FIELDS and (value is None or isinstance(value, (int, float))):
                names.setdefault(name)
    return list(names)


def summarise(rows: list[Row], **about: Any) -> dict[str, Any]:
    """The mean and median of each metric over the cases that have it, the failures, and seconds per case."""
    scored = [row for row in rows if row.get("status") != "failed"]
    names = metric_names(scored)
    mean, median, counted = {}, {}, {}
    for name in names:
        values = [row[name] for row in scored if isinstance(row.get(name), (int, float))]
        mean[name] = round(statistics.fmean(values), 5) if values else None
        median[name] = round(statistics.median(values), 5) if values else None
        counted[name] = len(values)
    seconds = [row["seconds"] for row in rows if "seconds" in row]
    return {
        **about,
        "cases": len(rows),
        "scored": len(scored),
        "failed": len(rows) - len(scored),
        "mean": mean,
        "median": median,
        "counted": counted,
        "seconds_per_case": round(statistics.fmean(seconds), 3) if seconds else None,
        "seconds_total": round(sum(seconds), 3),
        "failures": [
            {"name": row["name"], "error": row.get("error", "")} for row in rows if row not in scored
        ],
    }


def format_value(name: str, value: Any) -> str:
    """A score as people read it: SSIM as 0.xxxx, the Design2Code scores x100."""
    if not isinstance(value, (int, float)):
        return "–" if value is None else str(value)
    return f"{value:.4f}" if "ssim" in name else f"{100 * value:.1f}"


def describe_row(index: int, total: int, row: Row) -> str:
    """One line per finished case, for the progress on stderr."""
    if row.get("status") == "failed":
        return f"[{index}/{total}] {row['name']}: failed: {row.get('error', '')} ({row['seconds']:.1f} s)"
    scores = " ".join(f"{name} {format_value(name, row.get(name))}" for name in metric_names([row]))
    return f"[{index}/{total}] {row['name']}: {row.get('status', 'ok')} {scores} ({row['seconds']:.1f} s)"


def describe_summary(summary: dict[str, Any]) -> list[str]:
    """The summary as lines for stdout."""
    lines = [
        f"{summary['cases']} cases: {summary['scored']} scored, {summary['failed']} failed, "
        f"{summary['seconds_per_case'] or 0:.1f} s per case ({summary['backend']} backend)",
    ]
    medians = summary.get("median", {})
    for name, value in summary["mean"].items():
        mean, middle = format_value(name, value), format_value(name, medians.get(name))
        lines.append(f"  {name:<16} {mean:>8}   median {middle:>8}   over {summary['counted'][name]} cases")
    for failure in summary["failures"]:
        lines.append(f"  failed {failure['name']}: {failure['error']}")
    return lines


def run_eval(
    folder: Path,
    out: Path,
    config: RunConfig,
    *,
    target: str = "html",
    limit: int | None = None,
    restart: bool = False,
    jobs: int = 1,
    on_case: Callable[[int, int, Row], None] | None = None,
) -> dict[str, Any]:
    """Convert and score every case of ``folder`` (the first ``limit``) into ``out``, ``jobs`` at once;
    resume from ``out/scores.jsonl`` unless ``restart``. Returns the summary, also written to
    summary.json. ``on_case(finished, total, row)`` runs as each case ends, one at a time."""
    from ..jobs import run_jobs
    from ..session import Converter
    from .report import render_eval_report

    if jobs < 1:
        raise InputError("--jobs must be at least 1")
    module = target_module(target)
    cases = module.find_cases(folder)
    if not cases:
        raise InputError(f"{folder}: no cases for the {target} target (expected N.png files)")
    cases = cases[:limit] if limit else cases
    out.mkdir(parents=True, exist_ok=True)
    scores = JsonLog(out / "scores.jsonl")
    if restart:
        scores.path.unlink(missing_ok=True)
    done = read_rows(scores.path)
    todo = [case for case in cases if case.name not in done]

    def finished(case: Case, row: Row) -> None:
        done[case.name] = row
        scores.append(row)
        if on_case:
            on_case(len(done), len(cases), row)

    run_config = module.run_config(replace(config, force=True))  # a case's folder is the eval's own
    with Converter(run_config, workers=jobs) as converter:
        choice = converter.choice
        log.info(
            "eval: %d cases, %d already scored; backend %s (%s)",
            len(cases),
            len(cases) - len(todo),
            choice.name,
            choice.why,
        )
        if todo:
            converter.load()
            run_jobs(todo, lambda case: _evaluate(module, case, out, converter), jobs=jobs, on_done=finished)
    rows = [done[case.name] for case in cases if case.name in done]
    summary = summarise(rows, folder=str(folder), target=target, backend=choice.name)
    atomic_write(out / "summary.json", json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    atomic_write(out / "report.html", render_eval_report(summary, rows, cases, out))
    return summary


def _evaluate(module: ModuleType, case: Case, out: Path, converter: Converter) -> Row:
    """One case's row: its scores, or why it failed (a case failing never ends the eval)."""
    started = time.perf_counter()
    try:
        row = module.evaluate_case(case, out / "cases" / case.name, converter)
    except Img2CodeError as exc:
        row = {"status": "failed", "error": str(exc)}
    except Exception as exc:  # one broken case must not cost the other pages their scores
        log.exception("eval: case %s failed unexpectedly", case.name)
        row = {"status": "failed", "error": f"{type(exc).__name__}: {exc}"}
    return {"name": case.name, **row, "seconds": round(time.perf_counter() - started, 3)}

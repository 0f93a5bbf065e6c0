"""``img2code eval``: convert every case of a folder, score it, and write scores, a summary and a report.

The runner here is target-agnostic. Each target has a module in this package (``html.py``,
``drawio.py``) exposing two functions, the whole per-target interface:

```python
def find_cases(folder: Path) -> list[Case]: ...
    # the cases of a folder in that target's layout, sorted by name (``Case`` is defined below)

def evaluate_case(case: Case, out_dir: Path, config: RunConfig, browser: Browser) -> dict[str, float | str | None]:
    # convert ``case.image`` into ``out_dir`` (a run folder with its report.html) and score it:
    # metric name -> value (None: the metric could not be computed for this case), plus any
    # string fields worth a column; raise Img2CodeError when the case failed.
```

The runner picks the module by target (``importlib.import_module(f"img2code.evaluate.{target}")``),
appends one JSON line per finished case to ``OUT/scores.jsonl`` (so an interrupted eval resumes
where it stopped), and writes ``OUT/summary.json`` (the mean of each metric, failures, seconds per
case) and ``OUT/report.html`` (a sortable table, each row linking to ``OUT/cases/NAME/report.html``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Case:
    """One input of an eval folder: its name, the image to convert, and any reference files."""

    name: str
    image: Path
    references: dict[str, Path] = field(default_factory=dict)  # e.g. {"html": N.html}

"""The eval report: one self-contained HTML table of every case, sortable, each row linking to its run."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import DIAGRAM_SUFFIXES
from ..report import environment, thumbnail
from . import metric_names

if TYPE_CHECKING:
    from . import Case, Row

log = logging.getLogger(__name__)

THUMB_WIDTH = 160
THUMB_HEIGHT = 120
UNREADABLE = "cannot read this image"  # said in place of a thumbnail that could not be made


def render_eval_report(summary: dict[str, Any], rows: list[Row], cases: list[Case], out: Path) -> str:
    """The report of an eval written under ``out`` (case runs in ``out/cases/NAME``)."""
    images = {case.name: case.image for case in cases}
    names = metric_names([row for row in rows if row.get("status") != "failed"])
    entries = []
    for row in rows:
        run = out / "cases" / row["name"]
        # What the run converted; a case given as a diagram (drawio target) has no image of its own.
        source = run / "source.png" if (run / "source.png").exists() else images[row["name"]]
        shown = source.suffix.lower() not in DIAGRAM_SUFFIXES
        entries.append(
            {
                "row": row,
                "source": _thumbnail(source) if shown else None,
                "render": _thumbnail(run / "render.png"),
                "report": f"cases/{row['name']}/report.html" if (run / "report.html").exists() else None,
            }
        )
    template = environment().get_template("eval.html.j2")
    return template.render(summary=summary, entries=entries, metrics=names, unreadable=UNREADABLE)


def _thumbnail(path: Path) -> str | None:
    """A thumbnail of the image at ``path`` (a data URL), None when there is no such file, or
    UNREADABLE when it cannot be read (a case's broken N.png): one bad image must not cost the report."""
    try:
        return thumbnail(path, THUMB_WIDTH, THUMB_HEIGHT)
    except Exception as exc:  # Pillow raises OSError, ValueError, SyntaxError, DecompressionBombError
        log.info("eval report: no thumbnail of %s (%s)", path, exc)
        return UNREADABLE

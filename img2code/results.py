"""Result types of a run, and their result.json form (the contract scripts rely on)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .backends.base import Usage
from .score.ssim import Region

RESULT_VERSION = 1


@dataclass
class StageError:
    """Something that went wrong, and in which stage ("generate", "extract", "render", "run", ...)."""

    stage: str
    message: str
    iteration: int | None = None


@dataclass
class Iteration:
    """One pass through generate → extract → render → score."""

    index: int
    mode: str  # "generate" or "refine"
    ok: bool = False
    accepted: bool = False  # became the best so far
    ssim: float | None = None
    scores: dict[str, float | str | None] = field(default_factory=dict)  # every metric asked for, by name
    regions: list[Region] = field(default_factory=list)
    render_size: tuple[int, int] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    first_token_seconds: float | None = None
    repairs: list[str] = field(default_factory=list)
    error: StageError | None = None

    @property
    def folder(self) -> str:
        return f"iterations/{self.index:02d}"

    def metrics(self) -> dict[str, float | str | None]:
        """Every score by name: ssim, plus block, text, position, color and clip when asked."""
        return {**({} if self.ssim is None else {"ssim": round(self.ssim, 5)}), **self.scores}

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "mode": self.mode,
            "status": "ok" if self.ok else "failed",
            "accepted": self.accepted,
            "ssim": None if self.ssim is None else round(self.ssim, 5),
            "metrics": self.metrics(),
            "regions": [asdict(region) for region in self.regions],
            "render_size": list(self.render_size) if self.render_size else None,
            "timings": {stage: round(seconds, 4) for stage, seconds in self.timings.items()},
            "usage": asdict(self.usage),
            "finish_reason": self.finish_reason,
            "first_token_seconds": self.first_token_seconds,
            "repairs": self.repairs,
            "error": asdict(self.error) if self.error else None,
            "folder": self.folder,
        }


@dataclass
class RunResult:
    """What a conversion produced: status, the best iteration, and where everything was written."""

    status: str  # "ok", "partial" or "failed"
    target: str
    out_dir: Path
    source: dict[str, Any]
    backend: dict[str, str]
    settings: dict[str, Any]
    iterations: list[Iteration] = field(default_factory=list)
    best_iteration: int | None = None
    stopped_because: str = ""
    errors: list[StageError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)

    @property
    def best(self) -> Iteration | None:
        return None if self.best_iteration is None else self.iterations[self.best_iteration]

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def to_json(self) -> dict[str, Any]:
        best = self.best
        return {
            "version": RESULT_VERSION,
            "status": self.status,
            "target": self.target,
            "source": self.source,
            "backend": self.backend,
            "settings": self.settings,
            "best_iteration": self.best_iteration,
            "stopped_because": self.stopped_because,
            "final": None if best is None else {**best.metrics(), "iteration": best.index},
            "iterations": [iteration.to_json() for iteration in self.iterations],
            "errors": [asdict(error) for error in self.errors],
            "timings": {stage: round(seconds, 4) for stage, seconds in self.timings.items()},
            "usage": self.usage(),
            "outputs": self.outputs,
        }

    def usage(self) -> dict[str, Any]:
        """What the model work cost over all iterations: tokens, generation seconds, the first TTFT."""
        latencies = [it.first_token_seconds for it in self.iterations if it.first_token_seconds is not None]
        return {
            "prompt_tokens": sum(it.usage.prompt_tokens for it in self.iterations),
            "completion_tokens": sum(it.usage.completion_tokens for it in self.iterations),
            "generate_seconds": round(sum(it.timings.get("generate", 0.0) for it in self.iterations), 4),
            "first_token_seconds": round(latencies[0], 4) if latencies else None,
        }

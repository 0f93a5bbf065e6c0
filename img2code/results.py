"""Every result img2code hands back, and its JSON form: the contract scripts rely on.

    RunResult      one conversion, as OUT/result.json holds it
    ├── SourceInfo     the input image as loaded
    ├── BackendInfo    which backend wrote the code, and why it was chosen
    ├── Iteration      one pass through generate → extract → render → score
    └── StageError     what went wrong, and in which stage
    Record         how one input of a batch ended: a line of OUT/manifest.jsonl
    BatchResult    a whole batch: a Record per input

Each type has ``to_json`` and ``from_json``; ``from_json`` raises ValueError for a document that
lacks what it needs, so a reader never digs through nested ``.get()`` calls.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Literal, TypeVar, get_args

from .backends.base import Usage
from .score.ssim import DiffRegion

RESULT_VERSION = 1
RESULT_FILE = "result.json"
REPORT_FILE = "report.html"

Status = Literal["ok", "partial", "failed"]
Mode = Literal["generate", "refine"]
Stage = Literal["generate", "extract", "correct", "render", "score", "write", "run"]
Scores = dict[str, "float | str | None"]  # every metric by name; see score/metrics.py
STATUSES: tuple[Status, ...] = get_args(Status)
MODES: tuple[Mode, ...] = get_args(Mode)
STAGES: tuple[Stage, ...] = get_args(Stage)

L = TypeVar("L", bound=str)


def _one_of(value: object, allowed: tuple[L, ...], what: str) -> L:
    """``value`` when it is one of ``allowed``; else ValueError naming ``what``."""
    if value not in allowed:
        raise ValueError(f"{what} is {value!r}, not one of {', '.join(allowed)}")
    return value


def _rounded(timings: Mapping[str, float]) -> dict[str, float]:
    return {stage: round(seconds, 4) for stage, seconds in timings.items()}


@dataclass
class StageError:
    """Something that went wrong, and in which stage ("generate", "extract", "render", "run", ...)."""

    stage: Stage
    message: str
    iteration: int | None = None

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> StageError:
        return cls(_one_of(data["stage"], STAGES, "stage"), str(data["message"]), data.get("iteration"))


@dataclass
class CandidateScore:
    """One of the N answers an iteration asked for (``--candidates N``): how it scored, or why it failed;
    its files are in ``folder``."""

    index: int
    ok: bool = False
    ssim: float | None = None
    scores: Scores = field(default_factory=dict)
    completion_tokens: int = 0
    error: str | None = None
    folder: str = ""

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "ssim": None if self.ssim is None else round(self.ssim, 5)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> CandidateScore:
        return cls(
            index=int(data["index"]),
            ok=bool(data.get("ok")),
            ssim=data.get("ssim"),
            scores=dict(data.get("scores") or {}),
            completion_tokens=int(data.get("completion_tokens") or 0),
            error=data.get("error"),
            folder=str(data.get("folder") or ""),
        )


@dataclass
class Iteration:
    """One pass through generate → extract → render → score."""

    index: int
    mode: Mode
    ok: bool = False
    accepted: bool = False  # became the best so far
    ssim: float | None = None
    scores: Scores = field(default_factory=dict)  # every metric asked for, by name
    regions: list[DiffRegion] = field(default_factory=list)
    render_size: tuple[int, int] | None = None
    timings: dict[str, float] = field(default_factory=dict)
    usage: Usage = field(default_factory=Usage)
    finish_reason: str | None = None
    first_token_seconds: float | None = None
    repairs: list[str] = field(default_factory=list)
    error: StageError | None = None
    candidates: list[CandidateScore] = field(default_factory=list)  # with --candidates N > 1: all N
    findings: list[dict[str, Any]] = field(default_factory=list)  # measured differences (score/feedback.py)
    corrections: dict[str, Any] | None = None  # what the corrector tried and kept (correct.py)

    @property
    def folder(self) -> str:
        return f"iterations/{self.index:02d}"

    def metrics(self) -> Scores:
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
            "timings": _rounded(self.timings),
            "usage": asdict(self.usage),
            "finish_reason": self.finish_reason,
            "first_token_seconds": self.first_token_seconds,
            "repairs": self.repairs,
            "error": self.error.to_json() if self.error else None,
            "folder": self.folder,
            **({"candidates": [c.to_json() for c in self.candidates]} if self.candidates else {}),
            **({"findings": self.findings} if self.findings else {}),
            **({"corrections": self.corrections} if self.corrections else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Iteration:
        size = data.get("render_size")
        error = data.get("error")
        return cls(
            index=int(data["index"]),
            mode=_one_of(data["mode"], MODES, "mode"),
            ok=data["status"] == "ok",
            accepted=bool(data.get("accepted")),
            ssim=data.get("ssim"),
            scores={name: value for name, value in (data.get("metrics") or {}).items() if name != "ssim"},
            regions=[DiffRegion(**region) for region in data.get("regions") or []],
            render_size=(int(size[0]), int(size[1])) if size else None,
            timings=dict(data.get("timings") or {}),
            usage=Usage(**(data.get("usage") or {})),
            finish_reason=data.get("finish_reason"),
            first_token_seconds=data.get("first_token_seconds"),
            repairs=list(data.get("repairs") or []),
            error=StageError.from_json(error) if error else None,
            candidates=[CandidateScore.from_json(item) for item in data.get("candidates") or []],
            findings=list(data.get("findings") or []),
            corrections=data.get("corrections") or None,
        )


@dataclass
class SourceInfo:
    """The input image: where it came from, its size and format, and what loading changed."""

    path: Path
    width: int
    height: int
    format: str
    mode: str  # the file's own pixel mode, before conversion to RGB
    conversions: list[str] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "path": str(self.path)}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> SourceInfo:
        return cls(
            Path(data["path"]),
            int(data["width"]),
            int(data["height"]),
            str(data["format"]),
            str(data["mode"]),
            list(data.get("conversions") or []),
        )


@dataclass
class BackendInfo:
    """The backend that wrote the code, the model it ran ("" for none), and why it was chosen."""

    name: str
    model: str
    why: str

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BackendInfo:
        return cls(str(data["name"]), str(data.get("model") or ""), str(data.get("why") or ""))


@dataclass
class RunResult:
    """What a conversion produced: status, the best iteration, and where everything was written."""

    status: Status
    target: str
    out_dir: Path
    source: SourceInfo
    backend: BackendInfo
    settings: dict[str, Any]
    iterations: list[Iteration] = field(default_factory=list)
    best_iteration: int | None = None
    stopped_because: str = ""
    errors: list[StageError] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    outputs: dict[str, str] = field(default_factory=dict)
    # A screen recording's key frames and the best page's state coverage (video/, score/states.py)
    video: dict[str, Any] | None = None

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
            "source": self.source.to_json(),
            "backend": self.backend.to_json(),
            "settings": self.settings,
            "best_iteration": self.best_iteration,
            "stopped_because": self.stopped_because,
            "final": None if best is None else {**best.metrics(), "iteration": best.index},
            "iterations": [iteration.to_json() for iteration in self.iterations],
            "errors": [error.to_json() for error in self.errors],
            "timings": _rounded(self.timings),
            "usage": self.usage(),
            "outputs": self.outputs,
            **({"video": self.video} if self.video is not None else {}),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any], out_dir: Path) -> RunResult:
        """The result a result.json document (found in ``out_dir``) describes."""
        try:
            version = data.get("version")
            if version != RESULT_VERSION:
                raise ValueError(f"version {version!r}; this img2code reads version {RESULT_VERSION}")
            iterations = [Iteration.from_json(item) for item in data["iterations"]]
            best = data.get("best_iteration")
            if best is not None and not 0 <= best < len(iterations):
                raise ValueError(f"best_iteration {best} is not one of its {len(iterations)} iterations")
            return cls(
                status=_one_of(data["status"], STATUSES, "status"),
                target=str(data["target"]),
                out_dir=out_dir,
                source=SourceInfo.from_json(data["source"]),
                backend=BackendInfo.from_json(data["backend"]),
                settings=dict(data.get("settings") or {}),
                iterations=iterations,
                best_iteration=best,
                stopped_because=str(data.get("stopped_because") or ""),
                errors=[StageError.from_json(error) for error in data.get("errors") or []],
                timings=dict(data.get("timings") or {}),
                outputs=dict(data.get("outputs") or {}),
                video=data.get("video"),
            )
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a result.json: {type(exc).__name__}: {exc}") from None

    @classmethod
    def read(cls, folder: str | Path) -> RunResult:
        """The result in ``folder/result.json``; OSError when it cannot be read, ValueError when it is
        not a result."""
        folder = Path(folder)
        return cls.from_json(json.loads((folder / RESULT_FILE).read_text(encoding="utf-8")), folder)

    def usage(self) -> dict[str, Any]:
        """What the model work cost over all iterations: tokens, generation seconds (the sum of the
        iterations' seconds as written), the first TTFT."""
        latencies = [it.first_token_seconds for it in self.iterations if it.first_token_seconds is not None]
        generating = sum(round(it.timings.get("generate", 0.0), 4) for it in self.iterations)
        return {
            "prompt_tokens": sum(it.usage.prompt_tokens for it in self.iterations),
            "completion_tokens": sum(it.usage.completion_tokens for it in self.iterations),
            "generate_seconds": round(generating, 4),
            "first_token_seconds": round(latencies[0], 4) if latencies else None,
        }


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class Record:
    """How one input of a batch ended: its line in OUT/manifest.jsonl."""

    input: str  # the image's absolute path: the manifest's key
    name: str  # its subfolder of OUT
    status: Status
    scores: Scores = field(default_factory=dict)
    seconds: float = 0.0
    error: str | None = None
    usage: dict[str, Any] = field(default_factory=dict)
    finished: str = ""

    @classmethod
    def from_result(cls, image: Path, name: str, result: RunResult, seconds: float) -> Record:
        """The line for a run of ``image`` (in subfolder ``name``) that ended as ``result``."""
        best = result.best
        error = None
        if result.status != "ok":
            last = result.errors[-1] if result.errors else None
            error = f"{last.stage}: {last.message}" if last else result.stopped_because
        return cls(
            input=str(image),
            name=name,
            status=result.status,
            scores=best.metrics() if best else {},
            seconds=round(seconds, 3),
            error=error,
            usage=result.usage(),
            finished=_now(),
        )

    @classmethod
    def failure(cls, image: Path, name: str, error: str, seconds: float) -> Record:
        """The line for an input that could not be converted at all (unreadable image, a bug)."""
        return cls(str(image), name, "failed", seconds=round(seconds, 3), error=error, finished=_now())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Record:
        try:
            return cls(
                input=str(data["input"]),
                name=str(data["name"]),
                status=_one_of(data["status"], STATUSES, "status"),
                scores=dict(data.get("scores") or {}),
                seconds=float(data.get("seconds") or 0.0),
                error=data.get("error"),
                usage=dict(data.get("usage") or {}),
                finished=str(data.get("finished") or ""),
            )
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not a manifest line: {type(exc).__name__}: {exc}") from None


@dataclass
class BatchResult:
    """What a batch did: a record per input (skipped ones included), and where the files are."""

    out: Path
    records: list[Record]
    skipped: int
    seconds: float
    renders: dict[str, float] = field(default_factory=dict)  # the shared renderer's renders, render_s, wait_s

    @property
    def counts(self) -> dict[Status, int]:
        counts: dict[Status, int] = dict.fromkeys(STATUSES, 0)
        for record in self.records:
            counts[record.status] += 1
        return counts

    @property
    def ok(self) -> bool:
        return all(record.status == "ok" for record in self.records)

    @property
    def report(self) -> Path:
        return self.out / REPORT_FILE

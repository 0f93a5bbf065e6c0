"""Screen recordings: key frames and timestamps (frames.py), and the target that asks a model for
the recorded interactions and scores their state coverage (target.py)."""

from __future__ import annotations

from .frames import (
    DEFAULT_MAX_FRAMES,
    KeyFrame,
    Recording,
    contact_sheet,
    encode_clip,
    is_recording,
    load_recording,
    recording_source,
)
from .target import CLASSIC_NOTE, RecordingTarget, write_coverage, write_recording

__all__ = [
    "CLASSIC_NOTE",
    "DEFAULT_MAX_FRAMES",
    "KeyFrame",
    "Recording",
    "RecordingTarget",
    "contact_sheet",
    "encode_clip",
    "is_recording",
    "load_recording",
    "recording_source",
    "write_coverage",
    "write_recording",
]

"""Screen recordings: decode them, find the key frames where the screen changes, draw a contact sheet.

A recording (mp4, webm, mov, mkv, avi, or an animated GIF/WebP) is decoded with PyAV, whose wheels
ship FFmpeg's libraries (no download at run time); animated GIF and WebP are read with Pillow,
which knows each frame's display time.

Key frames are found with a perceptual diff, cheap enough to run on every decoded frame: each frame
is shrunk to a grey thumbnail (``THUMB_WIDTH`` px wide) and compared with the first frame of the
current *stable run*. A pixel counts as changed when it moves by more than ``PIXEL_DELTA`` grey
levels (compression noise stays under it); changed pixels are grouped into connected areas, and
areas that fit inside a ``CURSOR_PX`` box (a mouse pointer, a blinking caret, a spinner) are
ignored, as is a change smaller than ``MIN_CHANGE`` of the screen. A significant change starts a
new run. A run that lasts ``MIN_STABLE_S`` or more is a settled screen (transitions and fades make
only short runs); it becomes a key frame when it differs significantly from the last key frame.
At most ``max_frames`` are kept: the first, then the largest changes, in time order.
"""

from __future__ import annotations

import io
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageSequence

from ..backends.base import VideoFrames, capped_copy
from ..errors import ImageError
from ..images import SourceImage, check_input_file, check_shape

if TYPE_CHECKING:
    from collections.abc import Iterator

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".m4v", ".webm", ".mov", ".mkv", ".avi")
ANIMATED_SUFFIXES = (".gif", ".webp")  # recordings only when they hold more than one frame
DEFAULT_MAX_FRAMES = 16
THUMB_WIDTH = 320  # px: the diff runs on grey thumbnails this wide
PIXEL_DELTA = 24  # grey levels: smaller moves are compression noise or anti-aliasing
CURSOR_PX = 40  # px at full size: a changed area inside a box this big is a pointer, caret or spinner
MIN_CHANGE = 0.002  # a change must cover at least this share of the screen
MIN_STABLE_S = 0.2  # s: a screen must hold this long to count as a state (not a transition frame)
MAX_DECODED_FRAMES = 20_000  # about 11 minutes at 30 fps; longer recordings are refused
DEFAULT_VIDEO_TOKENS = 5120  # visual tokens for all key frames together (Qwen3-VL: one per 32x32 px)
CLIP_FPS = 2  # frames per second of the clip sent to servers that take video
SHEET_COLUMNS = 4
SHEET_THUMB_WIDTH = 320


@dataclass
class KeyFrame:
    """One state of a recording: its number, when it appears (seconds from the start), its pixels,
    and how much of the screen changed since the previous key frame (0 for the first)."""

    index: int
    seconds: float
    image: Image.Image
    change: float = 0.0

    @property
    def name(self) -> str:
        """Its file under OUT/frames/."""
        return f"frames/{self.index:02d}.png"


@dataclass
class Recording:
    """A decoded screen recording: its key frames and what the file held."""

    path: Path
    format: str  # the container or image format ("mov,mp4,m4a,3gp,3g2,mj2", "GIF", ...)
    codec: str
    width: int
    height: int
    duration: float  # seconds
    decoded_frames: int
    frames: list[KeyFrame] = field(default_factory=list)
    dropped: int = 0  # key frames found beyond max_frames
    seconds: float = 0.0  # time spent decoding and detecting

    def to_json(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "format": self.format,
            "codec": self.codec,
            "size": [self.width, self.height],
            "duration": round(self.duration, 3),
            "decoded_frames": self.decoded_frames,
            "key_frames": [
                {
                    "index": f.index,
                    "seconds": round(f.seconds, 3),
                    "change": round(f.change, 4),
                    "file": f.name,
                }
                for f in self.frames
            ],
            "dropped_key_frames": self.dropped,
            "seconds": round(self.seconds, 3),
        }


def is_recording(path: str | Path) -> bool:
    """Whether ``path`` names a screen recording: a video file, or a GIF/WebP with several frames."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return True
    if suffix not in ANIMATED_SUFFIXES or not path.is_file():
        return False
    try:
        with Image.open(path) as image:
            return int(getattr(image, "n_frames", 1)) > 1
    except (OSError, SyntaxError, ValueError):
        return False  # not readable as an image: the image loader says why


class _Detector:
    """Finds key frames in a stream of (seconds, frame) pairs; see the module's docstring."""

    def __init__(self, width: int, height: int) -> None:
        self.scale = min(1.0, THUMB_WIDTH / width)
        self.size = (max(8, round(width * self.scale)), max(8, round(height * self.scale)))
        self.cursor = max(2, round(CURSOR_PX * self.scale))
        self.min_pixels = MIN_CHANGE * self.size[0] * self.size[1]
        self.runs: list[tuple[float, np.ndarray, Image.Image]] = []  # settled runs: start, thumb, image
        self._run: tuple[float, np.ndarray, Image.Image] | None = None
        self.last_seconds = 0.0

    def thumb(self, grey: np.ndarray) -> np.ndarray:
        """A frame's grey pixels at thumbnail size (already that size when decoded so)."""
        if (grey.shape[1], grey.shape[0]) == self.size:
            return grey
        return cv2.resize(grey, self.size, interpolation=cv2.INTER_AREA)

    def change(self, a: np.ndarray, b: np.ndarray) -> float:
        """The share of the screen that changed from ``a`` to ``b``, without pointer-sized areas."""
        mask = (cv2.absdiff(a, b) > PIXEL_DELTA).astype(np.uint8)
        changed = int(mask.sum())
        if changed < self.min_pixels:
            return 0.0
        count, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(mask, np.ones((3, 3), np.uint8)))
        small = stats[1:count]
        small = small[
            (small[:, cv2.CC_STAT_WIDTH] <= self.cursor) & (small[:, cv2.CC_STAT_HEIGHT] <= self.cursor)
        ]
        ignored = int(small[:, cv2.CC_STAT_AREA].sum()) if len(small) else 0
        kept = max(0, changed - ignored)
        return kept / mask.size if kept >= self.min_pixels else 0.0

    def add(self, seconds: float, grey: np.ndarray, image: Any) -> None:
        """Take the next frame; ``image`` is a callable giving its RGB pixels (made only when needed)."""
        thumb = self.thumb(grey)
        if self._run is None or self.change(self._run[1], thumb) > 0:
            self._close(seconds)
            self._run = (seconds, thumb, image())
        self.last_seconds = seconds

    def _close(self, end: float) -> None:
        """End the current run at ``end``: keep it when it held long enough (or opened the recording)."""
        if self._run is not None and (not self.runs or end - self._run[0] >= MIN_STABLE_S):
            self.runs.append(self._run)

    def finish(self, end: float, max_frames: int) -> tuple[list[KeyFrame], int]:
        """The key frames, at most ``max_frames``, and how many more were found."""
        self._close(end)
        keys: list[tuple[float, np.ndarray, Image.Image, float]] = []
        for start, thumb, image in self.runs:
            change = 1.0 if not keys else self.change(keys[-1][1], thumb)
            if not keys or change > 0:
                keys.append((start, thumb, image, 0.0 if not keys else change))
        dropped = max(0, len(keys) - max_frames)
        if dropped:
            first, rest = keys[0], keys[1:]
            biggest = sorted(rest, key=lambda key: -key[3])[: max_frames - 1]
            keys = [first, *sorted(biggest, key=lambda key: key[0])]
        frames = [KeyFrame(i, start, image, change) for i, (start, _, image, change) in enumerate(keys)]
        return frames, dropped


def load_recording(path: str | Path, *, max_frames: int = DEFAULT_MAX_FRAMES) -> Recording:
    """Decode ``path`` and find its key frames; raise ImageError naming the file when it cannot be
    read, holds no video frame, or is too large."""
    path = Path(path)
    check_input_file(path, ImageError)
    if path.stat().st_size == 0:
        raise ImageError(f"{path}: file is empty")
    if max_frames < 1:
        raise ImageError(f"{path}: --max-frames must be at least 1")
    started = time.perf_counter()
    if path.suffix.lower() in ANIMATED_SUFFIXES:
        recording = _load_animation(path, max_frames)
    else:
        recording = _load_video(path, max_frames)
    recording.seconds = time.perf_counter() - started
    log.info(
        "%s: %d frames decoded, %d key frames in %.2f s",
        path,
        recording.decoded_frames,
        len(recording.frames),
        recording.seconds,
    )
    return recording


def _load_video(path: Path, max_frames: int) -> Recording:
    """Decode a video file with PyAV."""
    import av

    try:
        container = av.open(str(path), metadata_errors="ignore")
    except (av.error.FFmpegError, OSError, ValueError, UnicodeDecodeError) as exc:
        raise ImageError(f"{path}: not a readable video ({_first_line(exc)})") from None
    with container:
        if not container.streams.video:
            raise ImageError(f"{path}: holds no video stream")
        stream = container.streams.video[0]
        stream.thread_type = "AUTO"
        width, height = stream.codec_context.width, stream.codec_context.height
        if not width or not height:
            raise ImageError(f"{path}: the video stream has no picture size (damaged file?)")
        check_shape(path, width, height)
        detector = _Detector(width, height)
        first: float | None = None
        count = 0
        step = 1 / float(stream.average_rate) if stream.average_rate else 1 / 30
        seconds = 0.0
        try:
            for frame in _decode(container, stream):
                count += 1
                if count > MAX_DECODED_FRAMES:
                    raise ImageError(f"{path}: more than {MAX_DECODED_FRAMES} frames; cut the recording")
                stamp = frame.time
                if stamp is None:
                    stamp = (count - 1) * step
                first = stamp if first is None else first
                seconds = max(0.0, stamp - first)
                detector.add(
                    seconds, _grey(frame, detector), lambda frame=frame: frame.to_image().convert("RGB")
                )
        except av.error.FFmpegError as exc:
            if count == 0:
                raise ImageError(f"{path}: video data is corrupt ({_first_line(exc)})") from None
            log.warning("%s: decoding stopped after %d frames: %s", path, count, _first_line(exc))
        if count == 0:
            raise ImageError(f"{path}: holds no decodable video frame (corrupt or truncated)")
        end = seconds + step
        frames, dropped = detector.finish(end, max_frames)
        return Recording(
            path=path,
            format=container.format.name,
            codec=stream.codec_context.name,
            width=width,
            height=height,
            duration=end,
            decoded_frames=count,
            frames=frames,
            dropped=dropped,
        )


LUMA_FORMATS = ("yuv420p", "yuvj420p", "yuv422p", "yuvj422p", "yuv444p", "yuvj444p", "nv12", "gray")


def _grey(frame: Any, detector: _Detector) -> np.ndarray:
    """A decoded frame's grey thumbnail. Most videos carry luma as a plane of their own: it is read
    in place and shrunk by striding (a few times cheaper than converting the frame); other pixel
    formats are converted by FFmpeg."""
    if frame.format.name in LUMA_FORMATS:
        plane = frame.planes[0]
        rows = np.frombuffer(plane, np.uint8).reshape(plane.height, plane.line_size)[:, : plane.width]
        step = max(1, int(1 / detector.scale))
        return detector.thumb(np.ascontiguousarray(rows[::step, ::step]))
    grey = frame.reformat(width=detector.size[0], height=detector.size[1], format="gray")
    return np.asarray(grey.to_ndarray())


def _decode(container: Any, stream: Any) -> Iterator[Any]:
    """The stream's frames in order (a generator, so a decoding error surfaces where it happens)."""
    yield from container.decode(stream)


def _load_animation(path: Path, max_frames: int) -> Recording:
    """Read an animated GIF or WebP with Pillow; each frame lasts its own ``duration``."""
    try:
        opened = Image.open(path)
    except (OSError, SyntaxError, ValueError) as exc:
        raise ImageError(f"{path}: not a readable animation ({exc})") from None
    with opened:
        check_shape(path, *opened.size)
        detector = _Detector(*opened.size)
        seconds = 0.0
        count = 0
        try:
            for frame in ImageSequence.Iterator(opened):
                rgb = _flatten(frame)
                count += 1
                detector.add(seconds, np.asarray(rgb.convert("L")), lambda rgb=rgb: rgb)
                seconds += max(int(frame.info.get("duration") or 100), 20) / 1000
        except (OSError, SyntaxError, ValueError) as exc:
            if count == 0:
                raise ImageError(f"{path}: animation data is corrupt ({exc})") from None
            log.warning("%s: reading stopped after %d frames: %s", path, count, exc)
        if count == 0:
            raise ImageError(f"{path}: holds no frame")
        frames, dropped = detector.finish(seconds, max_frames)
        return Recording(
            path=path,
            format=str(opened.format),
            codec=str(opened.format).lower(),
            width=opened.width,
            height=opened.height,
            duration=seconds,
            decoded_frames=count,
            frames=frames,
            dropped=dropped,
        )


def _flatten(frame: Image.Image) -> Image.Image:
    """An animation frame as RGB, transparency on white."""
    rgba = frame.convert("RGBA")
    flat = Image.new("RGB", rgba.size, (255, 255, 255))
    flat.paste(rgba, mask=rgba.getchannel("A"))
    return flat


def contact_sheet(frames: list[KeyFrame], *, columns: int = SHEET_COLUMNS) -> Image.Image:
    """The key frames in a grid, each labelled with its number and time."""
    if not frames:
        raise ValueError("no frames to draw")
    first = frames[0].image
    scale = min(1.0, SHEET_THUMB_WIDTH / first.width)
    cell = (max(1, round(first.width * scale)), max(1, round(first.height * scale)))
    label, gap = 18, 8
    columns = max(1, min(columns, len(frames)))
    rows = (len(frames) + columns - 1) // columns
    sheet = Image.new(
        "RGB", (columns * (cell[0] + gap) + gap, rows * (cell[1] + label + gap) + gap), (236, 238, 241)
    )
    draw = ImageDraw.Draw(sheet)
    for number, frame in enumerate(frames):
        x = gap + (number % columns) * (cell[0] + gap)
        y = gap + (number // columns) * (cell[1] + label + gap)
        draw.text((x, y + 2), f"state {frame.index} at {frame.seconds:.1f} s", fill=(30, 30, 30))
        sheet.paste(frame.image.resize(cell, Image.Resampling.BILINEAR), (x, y + label))
    return sheet


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def recording_source(recording: Recording, *, tokens: int = DEFAULT_VIDEO_TOKENS) -> SourceImage:
    """The run's source for a recording: key frame 0 as the image, every key frame as the video."""
    frames = recording.frames
    conversions = [
        f"decoded {recording.decoded_frames} frames ({recording.codec}, {recording.duration:.1f} s); "
        f"kept {len(frames)} key frames"
        + (f" of {len(frames) + recording.dropped}" if recording.dropped else "")
    ]
    return SourceImage(
        path=recording.path,
        image=frames[0].image,
        format="VIDEO",
        original_mode="RGB",
        conversions=conversions,
        video=VideoFrames([f.image for f in frames], [f.seconds for f in frames], tokens),
    )


def encode_clip(video: VideoFrames, *, fps: int = CLIP_FPS, max_tokens: int | None = None) -> bytes:
    """The key frames as a small MP4 (H.264) in which each frame shows from its own time until the
    next: what a server that samples a video at a fixed rate needs to see the states at their times."""
    import av

    count = max(1, len(video.images))
    per_frame = max(16, (max_tokens or video.tokens) // count)
    first = capped_copy(video.images[0], per_frame)
    size = (first.width // 2 * 2 or 2, first.height // 2 * 2 or 2)  # yuv420p wants even sides
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp4") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "23", "preset": "veryfast"}
        ends = [*video.seconds[1:], video.seconds[-1] + 1.0]
        ticks = 0
        for image, end in zip(video.images, ends, strict=True):
            frame = av.VideoFrame.from_image(image.convert("RGB").resize(size, Image.Resampling.BICUBIC))
            while ticks == 0 or ticks / fps < end:
                for packet in stream.encode(frame):
                    container.mux(packet)
                ticks += 1
        for packet in stream.encode():
            container.mux(packet)
    return buffer.getvalue()

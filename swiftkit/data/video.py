"""Decoding and frame sampling of videos (``videos`` column), for the families that read video.

:func:`load_video` turns one reference into the frames a model sees and the rate they were
sampled at: a video file (path, ``file://``, http(s) URL, base64 / ``data:`` URL, raw bytes) is
decoded with PyAV (``av``); a list of images (paths, bytes, PIL images ...) is a video whose
frames are already sampled. Sampling follows ms-swift's Qwen-VL defaults (its ``FPS`` /
``FPS_MIN_FRAMES`` / ``FPS_MAX_FRAMES`` options): ``fps`` frames per second of video, at least
``fps_min_frames`` and at most ``fps_max_frames``, an even number (two frames make one temporal
patch), spread evenly from the first frame to the last. Frames larger than
``video_max_pixels`` are scaled down on the way (aspect ratio kept), so that a long video never
holds full-size frames in memory; the family's processor does the exact resize.

Only the frames kept are converted to PIL images; the others are decoded and dropped.
"""

from __future__ import annotations

import io
import math
from collections.abc import Sequence
from typing import Any

from swiftkit.data.media import MediaError, MediaRef, make_ref, open_image, read_bytes, resize_max_pixels

__all__ = ["DEFAULT_FPS", "DEFAULT_MIN_FRAMES", "DEFAULT_MAX_FRAMES", "FRAME_FACTOR", "load_video", "sample_indices"]

#: frames sampled per second of video when ``--fps`` / ``FPS`` is not given (ms-swift's default)
DEFAULT_FPS = 2.0
#: ``FPS_MIN_FRAMES`` / ``FPS_MAX_FRAMES`` defaults (ms-swift's, for Qwen-VL)
DEFAULT_MIN_FRAMES = 4
DEFAULT_MAX_FRAMES = 768
#: the sampled count is a multiple of this (Qwen-VL groups frames in pairs)
FRAME_FACTOR = 2


def sample_indices(total: int, video_fps: float, *, fps: float | None = None, min_frames: int | None = None,
                   max_frames: int | None = None) -> list[int]:
    """Which of ``total`` frames (recorded at ``video_fps``) to keep: ``fps`` per second of video,
    clamped to ``[min_frames, max_frames]`` and to ``total``, rounded down to a multiple of
    :data:`FRAME_FACTOR` (never below it), evenly spaced from the first frame to the last."""
    if total <= 0:
        return []
    fps = fps or DEFAULT_FPS
    lo = _ceil_to(min_frames or DEFAULT_MIN_FRAMES, FRAME_FACTOR)
    hi = max(FRAME_FACTOR, (min(max_frames or DEFAULT_MAX_FRAMES, total) // FRAME_FACTOR) * FRAME_FACTOR)
    wanted = total / video_fps * fps if video_fps > 0 else lo
    count = min(max(wanted, lo), hi, total)
    count = max(FRAME_FACTOR, int(count // FRAME_FACTOR) * FRAME_FACTOR)
    if total < count:  # a clip shorter than two frames: repeat what there is
        return [min(i, total - 1) for i in range(count)]
    if count == 1:
        return [0]
    step = (total - 1) / (count - 1)
    return [int(round(i * step)) for i in range(count)]


def _ceil_to(n: int, factor: int) -> int:
    return int(math.ceil(n / factor) * factor)


def load_video(ref: Any, options: Any = None) -> tuple[list[Any], float]:
    """``(frames, fps)`` of one video: PIL RGB frames sampled with ``options`` (a
    :class:`~swiftkit.core.templates.media.MediaOptions`, or ``None`` for the defaults) and the
    rate they were sampled at (frames per second of video).

    ``ref``: a :class:`~swiftkit.data.media.MediaRef` of the ``videos`` column, anything
    :func:`~swiftkit.data.media.make_ref` accepts, or a list of image references (a video given
    as its frames, kept as they are; its rate is ``options.fps`` or :data:`DEFAULT_FPS`).
    Raises :class:`~swiftkit.data.media.MediaError` naming the video when it cannot be read or
    decoded, or has no video stream.
    """
    fps_opt = getattr(options, "fps", None)
    max_pixels = getattr(options, "video_max_pixels", None)
    if isinstance(ref, MediaRef) and isinstance(ref.value, list | tuple):
        ref = ref.value
    if isinstance(ref, Sequence) and not isinstance(ref, str | bytes | bytearray):
        if not ref:
            raise MediaError("bad value", "a video given as frames has no frames")
        frames = []
        for i, item in enumerate(ref):
            frame_ref = item if isinstance(item, MediaRef) else make_ref(item, "images", i)
            frames.append(resize_max_pixels(open_image(frame_ref).convert("RGB"), max_pixels))
        return frames, float(fps_opt or DEFAULT_FPS)
    if not isinstance(ref, MediaRef):
        ref = make_ref(ref, "videos", 0)
    return _decode(ref, fps=fps_opt, min_frames=getattr(options, "fps_min_frames", None),
                   max_frames=getattr(options, "fps_max_frames", None), max_pixels=max_pixels)


def _decode(ref: MediaRef, *, fps: float | None, min_frames: int | None, max_frames: int | None,
            max_pixels: int | None) -> tuple[list[Any], float]:
    import av

    if ref.kind == "pil":
        raise MediaError("bad value", "an image is not a video (give a list of frames)")
    source: Any = ref.value if ref.kind == "path" else io.BytesIO(read_bytes(ref))
    try:
        with av.open(source) as container:
            if not container.streams.video:
                raise MediaError("undecodable video", f"no video stream in {ref.describe()}")
            stream = container.streams.video[0]
            rate = float(stream.average_rate or stream.guessed_rate or 0) or DEFAULT_FPS
            total = int(stream.frames or 0)
            if total <= 0:  # the container does not say: count by decoding
                total = sum(1 for _ in container.decode(stream))
                container.seek(0)
            keep = sample_indices(total, rate, fps=fps, min_frames=min_frames, max_frames=max_frames)
            wanted = set(keep)
            decoded: dict[int, Any] = {}
            for i, frame in enumerate(container.decode(stream)):
                if i in wanted:
                    decoded[i] = resize_max_pixels(frame.to_image().convert("RGB"), max_pixels)
                if i >= keep[-1]:
                    break
    except MediaError:
        raise
    except FileNotFoundError:
        raise MediaError("missing file", f"file not found: {ref.value}") from None
    except Exception as exc:  # av.error.InvalidDataError and the like
        raise MediaError("undecodable video", f"not a decodable video ({ref.describe()}): {exc}") from None
    if not decoded:
        raise MediaError("undecodable video", f"no frame could be decoded from {ref.describe()}")
    # a container that over-reports its frame count: repeat the last frame decoded
    last = decoded[max(decoded)]
    frames = [decoded.get(i, last) for i in keep]
    sampled_fps = len(keep) / total * rate if total else rate
    return frames, float(sampled_fps)

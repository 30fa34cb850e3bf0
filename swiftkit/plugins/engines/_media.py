"""Decoding a chat request's media for the in-process engines (``pt``, ``vllm``).

A :class:`~swiftkit.core.engines.interface.ChatRequest` carries raw values (a path, URL, data
URL, bytes, a PIL image; a video may be a list of frames); :func:`request_media` turns them into
the :class:`~swiftkit.core.templates.media.Media` a template's processor reads, with
``swiftkit.data.media`` (references and image decoding), ``swiftkit.data.video.load_video`` and
``swiftkit.data.audio.load_audio`` (imported when a request has a video or an audio).

Until ``swiftkit.data.media.load_media`` (the training collator's loader) exists, this is the
engines' own small loader; it follows the same rules (paths as given, relative to the current
folder; images RGB). A medium that cannot be read is a :class:`ValueError` naming it
(``images[1]: file not found: ...``), which the server answers 400.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.templates.media import Media, MediaOptions

#: frames per second assumed for a video given as a list of frames, when --fps is unset
DEFAULT_FRAME_LIST_FPS = 2.0


def has_media(request: Any) -> bool:
    return bool(getattr(request, "images", None) or getattr(request, "videos", None) or getattr(request, "audios", None))


def _image(item: Any, column: str, index: int) -> Any:
    from swiftkit.data.media import MediaError, make_ref, open_image

    try:
        img = open_image(make_ref(item, column, index))
    except MediaError as exc:
        raise ValueError(f"{column}[{index}]: {exc.reason}") from None
    return img if img.mode == "RGB" else img.convert("RGB")


def _video(item: Any, index: int, options: MediaOptions) -> tuple[list[Any], float]:
    if isinstance(item, list | tuple):  # a video given as its frames
        frames = [_image(frame, f"videos[{index}]", k) for k, frame in enumerate(item)]
        if not frames:
            raise ValueError(f"videos[{index}]: a video has no frames")
        return frames, float(options.fps or DEFAULT_FRAME_LIST_FPS)
    from swiftkit.data.media import MediaError, make_ref

    try:
        from swiftkit.data.video import load_video
    except ImportError as exc:
        raise ValueError(f"videos[{index}]: video decoding is not available here ({exc})") from None
    try:
        frames, fps = load_video(make_ref(item, "videos", index), options)
    except MediaError as exc:
        raise ValueError(f"videos[{index}]: {exc.reason}") from None
    return list(frames), float(fps)


def _audio(item: Any, index: int, rate: int) -> Any:
    from swiftkit.data.media import MediaError, make_ref

    try:
        from swiftkit.data.audio import load_audio
    except ImportError as exc:
        raise ValueError(f"audios[{index}]: audio decoding is not available here ({exc})") from None
    try:
        return load_audio(make_ref(item, "audios", index), rate)
    except MediaError as exc:
        raise ValueError(f"audios[{index}]: {exc.reason}") from None


def request_media(request: Any, options: MediaOptions | None, sampling_rate: int | None = None) -> Media | None:
    """The decoded media of ``request`` (``None`` when it has none). ``sampling_rate``: the
    family processor's audio rate, used when ``options.sampling_rate`` is unset."""
    if not has_media(request):
        return None
    options = options or MediaOptions()
    media = Media()
    media.images = [_image(item, "images", i) for i, item in enumerate(request.images or [])]
    for i, item in enumerate(request.videos or []):
        frames, fps = _video(item, i, options)
        media.videos.append(frames)
        media.video_fps.append(fps)
    if request.audios:
        rate = int(options.sampling_rate or sampling_rate or 16000)
        media.audios = [_audio(item, i, rate) for i, item in enumerate(request.audios)]
        media.sampling_rate = rate
    return media


def media_options(options: dict[str, Any] | None, model_dir: str | None) -> MediaOptions:
    """The run's :class:`MediaOptions` (``--max_pixels`` ..., else ms-swift's environment
    variables) with the model folder as the processor's folder. A bad value is a ``ValueError``."""
    return MediaOptions.from_config(options or {}, processor_dir=model_dir)

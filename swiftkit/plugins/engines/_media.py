"""Decoding a chat request's media for the in-process engines (``pt``, ``vllm``).

A :class:`~swiftkit.core.engines.interface.ChatRequest` carries raw values (a path, URL, data
URL, bytes, a PIL image; a video may be a list of frames); :func:`request_media` decodes them
into the :class:`~swiftkit.core.templates.media.Media` a template's processor reads, with the
training collator's loader (:func:`swiftkit.data.media.load_media`: PIL for images,
``swiftkit.data.video.load_video`` and ``swiftkit.data.audio.load_audio`` on first use), so a
medium is read the same way in training and inference. A medium that cannot be read is a
:class:`ValueError` naming it (``images[1]: file not found: ...``), which the server answers 400.
"""

from __future__ import annotations

from typing import Any

from swiftkit.core.templates.media import Media, MediaOptions


def has_media(request: Any) -> bool:
    return bool(getattr(request, "images", None) or getattr(request, "videos", None) or getattr(request, "audios", None))


def request_media(request: Any, options: MediaOptions | None, sampling_rate: int | None = None) -> Media | None:
    """The decoded media of ``request`` (``None`` when it has none). ``sampling_rate``: the
    family processor's audio rate, used when ``options.sampling_rate`` is unset."""
    if not has_media(request):
        return None
    from swiftkit.core.data.errors import DatasetRowError
    from swiftkit.data.media import load_media

    stored = {"images": list(request.images or []), "videos": list(request.videos or []),
              "audios": list(request.audios or [])}
    rate = getattr(options, "sampling_rate", None) or sampling_rate
    try:
        return load_media(stored, options=options or MediaOptions(), sampling_rate=rate)
    except DatasetRowError as exc:
        raise ValueError(f"{exc.field}: {exc.reason}") from None


def media_options(options: dict[str, Any] | None, model_dir: str | None) -> MediaOptions:
    """The run's :class:`MediaOptions` (``--max_pixels`` ..., else ms-swift's environment
    variables) with the model folder as the processor's folder. A bad value is a ``ValueError``."""
    return MediaOptions.from_config(options or {}, processor_dir=model_dir)

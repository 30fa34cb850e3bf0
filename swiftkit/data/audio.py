"""Decoding audio media into what a family's feature extractor reads: mono float32 samples at
the model's rate.

:func:`load_audio` takes a :class:`~swiftkit.data.media.MediaRef` (or the raw value of an
``audios`` item: a path, ``file://`` / http(s) URL, data URL, base64 text or bytes). WAV, FLAC
and Ogg/Vorbis/Opus are decoded by ``soundfile`` (libsndfile); other containers (MP3, M4A/AAC,
WebM ...) by PyAV (FFmpeg). Channels are averaged into mono and the samples resampled with
:func:`resample`, a windowed-sinc interpolator in numpy (no scipy/librosa in the environment).
:func:`verify_audio` is the cheap check the data validation runs before training: it reads only
headers. Failures are :class:`~swiftkit.data.media.MediaError` with category
``"undecodable audio"`` (or ``missing file`` / ``unreachable url`` from reading the bytes).

numpy, soundfile and av are imported inside the functions.
"""

from __future__ import annotations

import io
import math
import os
import re
from typing import Any

from swiftkit.data.media import DEFAULT_TIMEOUT, MediaError, MediaRef, make_ref, read_bytes, url_reachable

__all__ = ["load_audio", "verify_audio", "resample", "decode_audio"]

#: :class:`~swiftkit.data.media.MediaError` category of a file that is no decodable audio
UNDECODABLE = "undecodable audio"
#: zero crossings of the sinc kernel on each side (at the lower of the two rates): the
#: transition band is about 1/16 of the band kept, the stop band below -80 dB
_ZERO_CROSSINGS = 16
#: Kaiser window shape for those zero crossings (~ -80 dB side lobes)
_KAISER_BETA = 8.6
#: the kept band as a fraction of the lower Nyquist frequency: what lies above is attenuated
#: before it could alias
_ROLLOFF = 0.95
#: output samples computed per block (bounds the kernel matrix to a few MB)
_BLOCK = 4096


def _as_ref(ref: MediaRef | Any) -> MediaRef:
    return ref if isinstance(ref, MediaRef) else make_ref(ref, "audios", 0)


def load_audio(ref: MediaRef | Any, sampling_rate: int, *, timeout: float = DEFAULT_TIMEOUT,
               max_bytes: int | None = None) -> Any:
    """The medium ``ref`` as a 1-D ``float32`` numpy array of mono samples at ``sampling_rate``
    Hz, in [-1, 1] as decoded. ``max_bytes`` refuses a larger encoded file. Raises
    :class:`~swiftkit.data.media.MediaError` naming the medium when it cannot be read or decoded."""
    if sampling_rate <= 0:
        raise ValueError(f"sampling_rate must be positive, got {sampling_rate}")
    ref = _as_ref(ref)
    if ref.kind == "pil":
        raise MediaError(UNDECODABLE, "an in-memory image is no audio")
    if ref.kind == "path" and max_bytes is None:
        if not os.path.isfile(ref.value):
            raise MediaError("missing file", f"file not found: {ref.value}")
        source: Any = ref.value  # let the decoders stream from disk
    else:
        source = read_bytes(ref, timeout=timeout, max_bytes=max_bytes)
    samples, rate = decode_audio(source, what=ref.describe())
    return resample(samples, rate, sampling_rate)


def decode_audio(source: str | bytes, *, what: str = "audio") -> tuple[Any, int]:
    """``(mono float32 samples, native rate)`` of a file path or encoded bytes: soundfile
    first, PyAV for what libsndfile does not read."""
    try:
        return _decode_soundfile(source)
    except Exception as first:  # libsndfile refuses the container: try FFmpeg
        try:
            return _decode_av(source)
        except Exception as exc:
            raise MediaError(UNDECODABLE, f"cannot decode audio ({what}): soundfile: {_short(first)}; "
                             f"PyAV: {_short(exc)}") from None


def _short(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    first = re.sub(r"<_io\.BytesIO object at 0x[0-9a-f]+>", "the data", text[0]) if text else type(exc).__name__
    return first[:200]


def _decode_soundfile(source: str | bytes) -> tuple[Any, int]:
    import numpy as np
    import soundfile

    data, rate = soundfile.read(source if isinstance(source, str) else io.BytesIO(source),
                                dtype="float32", always_2d=True)
    if data.size == 0:
        raise ValueError("no samples")
    return np.ascontiguousarray(data.mean(axis=1, dtype=np.float32)), int(rate)


def _decode_av(source: str | bytes) -> tuple[Any, int]:
    import av
    import numpy as np

    with av.open(source if isinstance(source, str) else io.BytesIO(source)) as container:
        if not container.streams.audio:
            raise ValueError("no audio stream")
        stream = container.streams.audio[0]
        rate = stream.codec_context.sample_rate or stream.rate
        # to planar float at the native rate and layout; channels are averaged below like
        # soundfile's, so both decoders give the same mono signal
        converter = av.AudioResampler(format="fltp", layout=stream.layout.name, rate=rate)
        chunks = []
        for frame in container.decode(stream):
            for out in converter.resample(frame):
                chunks.append(out.to_ndarray())
        for out in converter.resample(None):  # flush
            chunks.append(out.to_ndarray())
    if not chunks:
        raise ValueError("no samples")
    data = np.concatenate(chunks, axis=1)
    return np.ascontiguousarray(data.mean(axis=0, dtype=np.float32)), int(rate)


def resample(samples: Any, orig_rate: int, target_rate: int) -> Any:
    """``samples`` (1-D) from ``orig_rate`` to ``target_rate`` Hz as ``float32``, by band-limited
    (windowed-sinc, Kaiser window) interpolation: each output sample at time ``t`` (in input
    samples) is ``sum_k x[k] * fc * sinc(fc * (t - k)) * window(t - k)`` with ``fc`` the kept
    band, the lower Nyquist frequency times :data:`_ROLLOFF`. Downsampling thereby removes
    what would alias. The output has ``round(len * target / orig)`` samples."""
    import numpy as np

    x = np.asarray(samples, dtype=np.float64).reshape(-1)
    if orig_rate <= 0 or target_rate <= 0:
        raise ValueError(f"sampling rates must be positive, got {orig_rate} -> {target_rate}")
    if orig_rate == target_rate or x.size == 0:
        return x.astype(np.float32)
    n_out = max(1, int(round(x.size * target_rate / orig_rate)))
    step = orig_rate / target_rate  # input samples per output sample
    fc = min(1.0, target_rate / orig_rate) * _ROLLOFF  # cutoff in cycles per 2 input samples
    half = int(math.ceil(_ZERO_CROSSINGS / fc))  # kernel half-width in input samples
    offsets = np.arange(-half + 1, half + 1)
    padded = np.concatenate([np.zeros(half), x, np.zeros(half + 1)])
    out = np.empty(n_out, dtype=np.float64)
    norm = np.i0(_KAISER_BETA)
    for start in range(0, n_out, _BLOCK):
        t = np.arange(start, min(start + _BLOCK, n_out)) * step
        base = np.floor(t).astype(np.int64)
        idx = base[:, None] + offsets[None, :]  # input samples around each output time
        dist = t[:, None] - idx
        ratio = np.clip(dist / (half + 1), -1.0, 1.0)
        window = np.i0(_KAISER_BETA * np.sqrt(1.0 - ratio * ratio)) / norm
        kernel = fc * np.sinc(fc * dist) * window
        out[start:start + t.size] = (padded[idx + half] * kernel).sum(axis=1)
    return out.astype(np.float32)


def verify_audio(ref: MediaRef | Any, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Check cheaply that ``ref`` is decodable audio, reading headers only: libsndfile's
    ``info`` for WAV/FLAC/Ogg, else an audio stream in what FFmpeg opens. URLs are only
    checked to answer. Raises :class:`~swiftkit.data.media.MediaError`."""
    ref = _as_ref(ref)
    if ref.kind == "url":
        url_reachable(ref.value, timeout=timeout)
        return
    if ref.kind == "pil":
        raise MediaError(UNDECODABLE, "an in-memory image is no audio")
    if ref.kind == "path" and not os.path.isfile(ref.value):
        raise MediaError("missing file", f"file not found: {ref.value}")
    source = ref.value if ref.kind == "path" else read_bytes(ref, timeout=timeout)
    try:
        import soundfile

        info = soundfile.info(source if isinstance(source, str) else io.BytesIO(source))
        if info.frames > 0 and info.samplerate > 0:
            return
    except Exception:  # noqa: S110 - not a libsndfile format: FFmpeg decides
        pass
    try:
        import av

        with av.open(source if isinstance(source, str) else io.BytesIO(source)) as container:
            if container.streams.audio:
                return
            raise ValueError("no audio stream")
    except Exception as exc:
        raise MediaError(UNDECODABLE, f"cannot decode audio ({ref.describe()}): {_short(exc)}") from None

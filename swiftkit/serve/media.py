"""Media in ``POST /v1/chat/completions``: OpenAI content parts turned into ms-swift's tags plus
the request's media, under the server's limits.

A message's ``content`` may be a list of parts. ``{"type": "text", "text": ...}`` parts are joined
with newlines (as before media were read); a media part becomes its tag (``<image>``,
``<video>``, ``<audio>``) at its place in the text, and its medium joins the
:class:`~swiftkit.core.engines.interface.ChatRequest`'s ``images`` / ``videos`` / ``audios`` in
order. The parts read:

- ``{"type": "image_url", "image_url": {"url": URL}}`` (``detail`` is accepted and ignored);
- ``{"type": "video_url", "video_url": {"url": URL}}`` (vLLM's extension);
- ``{"type": "input_audio", "input_audio": {"data": BASE64, "format": "wav"}}`` and vLLM's
  ``{"type": "audio_url", "audio_url": {"url": URL}}``.

A URL is a ``data:`` URL (base64), an ``http(s)`` URL the server fetches, or -- only when the
server was started with ``--allow_local_media DIR`` -- a ``file://`` URL or a path inside ``DIR``
(relative paths are read from ``DIR``; symlinks are resolved before the check, so a link
pointing out of ``DIR`` is refused). The engine receives bytes only: it never opens a path or
a URL a client chose.

Limits (:class:`MediaLimits`, ``swift deploy``'s core run keys
:data:`swiftkit.core.run_keys.SERVE_MEDIA_PROPERTIES`, beside ``--max_request_bytes``): ``--max_media_bytes`` per medium (checked on the
decoded data, on an http ``Content-Length`` before the body is read, and while reading, so a
large download stops at the limit), ``--max_media_per_request``, ``--media_fetch_timeout`` (the
whole fetch of one URL, connection included). Every violation is a :class:`MediaRequestError`
(a 4xx for the server) naming the part, ``messages[i].content[j]``, and the limit.

Nothing here imports torch; PIL is imported to check that an image decodes (header only).
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.templates.media import COLUMNS, TAGS

DEFAULT_MAX_MEDIA_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_MEDIA_PER_REQUEST = 8
DEFAULT_MEDIA_FETCH_TIMEOUT = 10.0
#: content-part type -> (media kind, the key holding the part's data)
PART_TYPES: dict[str, tuple[str, str]] = {
    "image_url": ("image", "image_url"),
    "video_url": ("video", "video_url"),
    "audio_url": ("audio", "audio_url"),
    "input_audio": ("audio", "input_audio"),
}
_CHUNK = 64 * 1024
_DATA_URL = re.compile(r"^data:(?P<mime>[^;,]*)(?P<params>(;[^;,]*)*?)(?P<b64>;base64)?,(?P<data>.*)$", re.S)


class MediaRequestError(ValueError):
    """A media part the server refuses: ``status`` (4xx), ``param`` (``messages.0.content.1``),
    ``code`` and a message that names the part (``messages[0].content[1]``) and the limit."""

    def __init__(self, status: int, message: str, param: str | None, code: str):
        super().__init__(message)
        self.status, self.message, self.param, self.code = status, message, param, code


@dataclass(frozen=True)
class MediaLimits:
    """What a request's media may be (see the module docstring)."""

    max_bytes: int = DEFAULT_MAX_MEDIA_BYTES
    max_count: int = DEFAULT_MAX_MEDIA_PER_REQUEST
    fetch_timeout: float = DEFAULT_MEDIA_FETCH_TIMEOUT
    #: the folder local paths and file:// URLs may be read from (resolved), None: no local files
    local_dir: str | None = None

    @classmethod
    def from_config(cls, config: dict[str, Any] | None) -> MediaLimits:
        """The limits from ``swift deploy``'s options; raises ``ConfigError`` for a bad one."""
        from swiftkit.core.errors import ConfigError

        config = config or {}

        def pick(key: str, default: Any) -> Any:
            value = config.get(key)
            return default if value is None else value

        max_bytes = int(pick("max_media_bytes", DEFAULT_MAX_MEDIA_BYTES))
        max_count = int(pick("max_media_per_request", DEFAULT_MAX_MEDIA_PER_REQUEST))
        timeout = float(pick("media_fetch_timeout", DEFAULT_MEDIA_FETCH_TIMEOUT))
        if max_bytes < 1:
            raise ConfigError(f"--max_media_bytes must be at least 1, got {max_bytes}")
        if max_count < 0:
            raise ConfigError(f"--max_media_per_request must be 0 or more, got {max_count}")
        if timeout <= 0:
            raise ConfigError(f"--media_fetch_timeout must be positive, got {timeout}")
        local = config.get("allow_local_media")
        local_dir = None
        if local:
            local_dir = os.path.realpath(os.path.expanduser(str(local)))
            if not os.path.isdir(local_dir):
                raise ConfigError(f"--allow_local_media {local}: not a folder")
        return cls(max_bytes, max_count, timeout, local_dir)


@dataclass
class MediaPart:
    """One media part of a request, not read yet."""

    kind: str  #: image, video or audio
    where: str  #: messages[i].content[j]
    param: str  #: messages.i.content.j
    url: str | None = None
    data: bytes | None = None  #: input_audio's decoded base64
    fmt: str | None = None  #: input_audio's format


@dataclass
class ParsedMessages:
    """A request's messages with media parts replaced by tags, and the parts in order."""

    messages: list[dict[str, Any]]
    parts: list[MediaPart] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        out = dict.fromkeys(TAGS, 0)
        for part in self.parts:
            out[part.kind] += 1
        return out


def _error(part_where: str, param: str, message: str, code: str, status: int = 400) -> MediaRequestError:
    return MediaRequestError(status, f"{part_where}: {message}", param, code)


def _part(part: Any, where: str, param: str) -> MediaPart:
    """A media content part checked for shape (the URL itself is read later)."""
    kind, key = PART_TYPES[part["type"]]
    value = part.get(key)
    if part["type"] == "input_audio":
        if not isinstance(value, dict) or not isinstance(value.get("data"), str):
            raise _error(where, param, "input_audio must be {'data': <base64>, 'format': 'wav'|'mp3'|...}",
                         "invalid_media")
        try:
            data = base64.b64decode("".join(value["data"].split()), validate=True)
        except (binascii.Error, ValueError) as exc:
            raise _error(where, param, f"input_audio.data is not valid base64 ({exc})", "invalid_media") from None
        fmt = value.get("format")
        return MediaPart(kind, where, param, data=data, fmt=str(fmt) if fmt else None)
    url = value.get("url") if isinstance(value, dict) else value
    if not isinstance(url, str) or not url.strip():
        raise _error(where, param, f"{key} must be {{'url': <data URL or http(s) URL>}}", "invalid_media")
    return MediaPart(kind, where, param, url=url.strip())


def parse_messages(messages: list[dict[str, Any]], *, tags_are_text: bool = True) -> ParsedMessages:
    """``messages`` (dicts whose ``content`` is a string or a list of parts) with every content
    list made a string: text parts joined by newlines, a media part replaced by its tag.

    ``tags_are_text=False`` (a multimodal model): a literal ``<image>`` / ``<video>`` / ``<audio>``
    in a client's text is refused, since the template would read it as a medium's place. Raises
    :class:`MediaRequestError` for a malformed part."""
    out: list[dict[str, Any]] = []
    parts: list[MediaPart] = []
    tag_re = re.compile("|".join(re.escape(t) for t in TAGS.values()))
    for i, message in enumerate(messages):
        message = dict(message)
        content = message.get("content")
        if isinstance(content, str):
            texts: list[tuple[int | None, str]] = [(None, content)]
        elif isinstance(content, list):
            texts = []
        else:
            out.append(message)
            continue
        pieces: list[str] = []
        previous_text = False
        if isinstance(content, list):
            for j, part in enumerate(content):
                kind = part.get("type")
                if kind == "text":
                    texts.append((j, part["text"]))
                    pieces.append(("\n" if previous_text else "") + part["text"])
                    previous_text = True
                else:
                    media = _part(part, f"messages[{i}].content[{j}]", f"messages.{i}.content.{j}")
                    parts.append(media)
                    pieces.append(TAGS[media.kind])
                    previous_text = False
            message["content"] = "".join(pieces)
        if not tags_are_text:
            for j, text in texts:
                found = tag_re.search(text)
                if found:
                    where = f"messages[{i}].content" + (f"[{j}]" if j is not None else "")
                    param = f"messages.{i}.content" + (f".{j}" if j is not None else "")
                    raise _error(where, param, f"the text holds {found.group(0)!r}, which marks a medium's place for "
                                 "this model; send media as content parts (image_url, video_url, input_audio)",
                                 "media_tag_in_text")
        out.append(message)
    return ParsedMessages(out, parts)


def check_parts(parsed: ParsedMessages, limits: MediaLimits, *, model: str, kinds: tuple[str, ...]) -> None:
    """Refuse media the served model does not read (naming the model) and more media than
    ``limits.max_count``."""
    for part in parsed.parts:
        if not kinds:
            raise _error(part.where, part.param, f"the model {model!r} reads text only; it cannot take "
                         f"{'an' if part.kind in ('image', 'audio') else 'a'} {part.kind}", "media_not_supported")
        if part.kind not in kinds:
            raise _error(part.where, part.param, f"the model {model!r} reads {', '.join(kinds)}, not {part.kind}",
                         "media_not_supported")
    if len(parsed.parts) > limits.max_count:
        extra = parsed.parts[limits.max_count]
        raise _error(extra.where, extra.param, f"the request has {len(parsed.parts)} media; this server takes at most "
                     f"{limits.max_count} per request (--max_media_per_request)", "too_many_media")


# ----------------------------------------------------------------------------- reading


def _too_large(part: MediaPart, limits: MediaLimits, size: str) -> MediaRequestError:
    return _error(part.where, part.param, f"the {part.kind} is {size}, more than this server's limit of "
                  f"{limits.max_bytes} bytes per medium (--max_media_bytes)", "media_too_large", 413)


def _checked_size(part: MediaPart, data: bytes, limits: MediaLimits) -> bytes:
    if len(data) > limits.max_bytes:
        raise _too_large(part, limits, f"{len(data)} bytes")
    if not data:
        raise _error(part.where, part.param, f"the {part.kind} is empty (0 bytes)", "invalid_media")
    return data


def _data_url(part: MediaPart, url: str, limits: MediaLimits) -> bytes:
    m = _DATA_URL.match(url)
    if m is None or not m.group("b64"):
        raise _error(part.where, part.param, "a data URL must be base64: data:<mime>;base64,<data>", "invalid_media")
    encoded = "".join(m.group("data").split())
    if len(encoded) * 3 // 4 > limits.max_bytes + 2:  # refused before decoding
        raise _too_large(part, limits, f"about {len(encoded) * 3 // 4} bytes")
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise _error(part.where, part.param, f"the data URL is not valid base64 ({exc})", "invalid_media") from None
    return _checked_size(part, data, limits)


def _redirect_handler() -> Any:
    import urllib.request

    class HttpOnly(urllib.request.HTTPRedirectHandler):
        """Follow redirects to http(s) only (urllib's default also follows ftp)."""

        def redirect_request(self, req: Any, fp: Any, code: int, msg: str, headers: Any, newurl: str) -> Any:
            if urllib.parse.urlsplit(newurl).scheme.lower() not in ("http", "https"):
                raise OSError(f"redirected to {newurl[:100]!r}, which is not an http(s) URL")
            return super().redirect_request(req, fp, code, msg, headers, newurl)

    return HttpOnly()


def fetch_url(part: MediaPart, url: str, limits: MediaLimits) -> bytes:
    """The body of an http(s) URL: refused at once when ``Content-Length`` is over the limit,
    else read in chunks and stopped as soon as it passes the limit; the whole fetch must end
    within ``limits.fetch_timeout`` seconds."""
    import urllib.error
    import urllib.request

    deadline = time.monotonic() + limits.fetch_timeout
    opener = urllib.request.build_opener(_redirect_handler())
    request = urllib.request.Request(url, headers={"User-Agent": "swiftkit-server"})
    shown = url if len(url) <= 100 else url[:100] + "..."

    def failed(why: str, code: str = "media_fetch_failed") -> MediaRequestError:
        return _error(part.where, part.param, f"cannot fetch {shown!r}: {why}", code)

    try:
        with opener.open(request, timeout=limits.fetch_timeout) as response:
            declared = response.headers.get("Content-Length")
            if declared and declared.isdigit() and int(declared) > limits.max_bytes:
                raise _too_large(part, limits, f"{int(declared)} bytes (Content-Length)")
            chunks: list[bytes] = []
            size = 0
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise failed(f"not complete within {limits.fetch_timeout:g} s (--media_fetch_timeout)",
                                 "media_fetch_timeout")
                sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
                if sock is not None:
                    sock.settimeout(left)
                chunk = response.read(min(_CHUNK, limits.max_bytes + 1 - size))
                if not chunk:
                    break
                chunks.append(chunk)
                size += len(chunk)
                if size > limits.max_bytes:
                    raise _too_large(part, limits, f"over {limits.max_bytes} bytes")
    except MediaRequestError:
        raise
    except urllib.error.HTTPError as exc:
        raise failed(f"HTTP {exc.code} {exc.reason or ''}".strip()) from None
    except TimeoutError:
        raise failed(f"no answer within {limits.fetch_timeout:g} s (--media_fetch_timeout)", "media_fetch_timeout") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        if isinstance(reason, TimeoutError):
            raise failed(f"no answer within {limits.fetch_timeout:g} s (--media_fetch_timeout)",
                         "media_fetch_timeout") from None
        raise failed(str(reason) or type(exc).__name__) from None
    return _checked_size(part, b"".join(chunks), limits)


def _local_file(part: MediaPart, url: str, limits: MediaLimits) -> bytes:
    """A ``file://`` URL or a path, only inside ``limits.local_dir`` (symlinks resolved)."""
    if limits.local_dir is None:
        raise _error(part.where, part.param, f"{url[:100]!r} is a local file; this server reads none (start it with "
                     "--allow_local_media DIR to allow files inside DIR); send a data URL or an http(s) URL",
                     "local_media_not_allowed", 403)
    if url.lower().startswith("file:"):
        import urllib.request

        path = urllib.request.url2pathname(urllib.parse.urlsplit(url).path)
    else:
        path = url
    path = os.path.join(limits.local_dir, os.path.expanduser(path))
    real = os.path.realpath(path)
    if os.path.commonpath([real, limits.local_dir]) != limits.local_dir:
        raise _error(part.where, part.param, f"{url[:100]!r} is outside the folder --allow_local_media allows",
                     "local_media_not_allowed", 403)
    if not os.path.isfile(real):
        raise _error(part.where, part.param, f"{url[:100]!r}: no such file in the --allow_local_media folder",
                     "media_not_found", 404)
    size = os.path.getsize(real)
    if size > limits.max_bytes:
        raise _too_large(part, limits, f"{size} bytes")
    with open(real, "rb") as fh:
        return _checked_size(part, fh.read(limits.max_bytes + 1), limits)


def _check_image(part: MediaPart, data: bytes) -> None:
    """An image must decode (its header, without the pixels): else a 400 naming the part."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as img:
            img.verify()
    except Exception as exc:  # PIL's UnidentifiedImageError, DecompressionBombError, truncated data
        raise _error(part.where, part.param, f"not a decodable image: {exc}", "invalid_media") from None


def read_part(part: MediaPart, limits: MediaLimits) -> bytes:
    """The bytes of one media part within ``limits`` (blocking: the server calls it in a thread)."""
    if part.data is not None:
        data = _checked_size(part, part.data, limits)
    else:
        url = part.url or ""
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme == "data":
            data = _data_url(part, url, limits)
        elif scheme in ("http", "https"):
            data = fetch_url(part, url, limits)
        elif scheme == "file" or not scheme:
            data = _local_file(part, url, limits)
        else:
            raise _error(part.where, part.param, f"the URL scheme {scheme!r} is not read; send a data URL or an "
                         "http(s) URL", "invalid_media")
    if part.kind == "image":
        _check_image(part, data)
    return data


def read_media(parsed: ParsedMessages, limits: MediaLimits) -> dict[str, list[bytes]]:
    """Every part's bytes, by :data:`~swiftkit.core.templates.media.COLUMNS` column
    (``{"images": [...], "videos": [...], "audios": [...]}``), in order."""
    out: dict[str, list[bytes]] = {column: [] for column in COLUMNS.values()}
    for part in parsed.parts:
        out[COLUMNS[part.kind]].append(read_part(part, limits))
    return out


def model_media_kinds(engine: Any) -> tuple[str, ...]:
    """The media kinds the engine's template reads (its media processor's ``kinds``), ``()``
    for a text model."""
    template = getattr(engine, "template", None)
    ref = getattr(getattr(template, "spec", None), "media", None)
    if not ref:
        return ()
    from swiftkit.core.lazy import resolve

    try:
        return tuple(resolve(ref, "swiftkit.core.templates.media:MediaProcessor").kinds)
    except Exception:  # noqa: BLE001 - a processor that does not import: the engine will say why
        return tuple(TAGS)

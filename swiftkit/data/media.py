"""Multimodal rows as ms-swift writes them: ``images`` / ``videos`` / ``audios`` columns and the
``<image>`` / ``<video>`` / ``<audio>`` tags in the messages.

A column holds a string or a list; each item is a local path (relative to the dataset file's
folder), a ``file://`` URL, an http(s) URL, a base64 data URL or bare base64, raw bytes, a
``{"bytes": ..., "path": ...}`` dict (how ``datasets`` stores an ``Image`` feature) or a PIL image.
:func:`parse_row` turns a row into a :class:`MediaRow` (tags counted, missing tags prepended,
references classified, nothing decoded); :func:`check_media` opens each reference cheaply (a file
exists, an image ``verify()``s, a URL answers) so a bad row is named before training;
:class:`MediaCache` decodes on demand and keeps at most a byte budget of decoded images.

Errors are :class:`~swiftkit.core.data.errors.DatasetRowError`: file, row and field
(``images[2]``, ``messages[0].content``). PIL is imported inside the functions.
"""

from __future__ import annotations

import base64
import binascii
import io
import os
import re
import threading
import urllib.parse
import urllib.request
from collections import Counter, OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from swiftkit.core.data.errors import DatasetRowError
from swiftkit.data.report import SkippedRow

#: column -> (tag, kind)
MEDIA_COLUMNS: dict[str, str] = {"images": "<image>", "videos": "<video>", "audios": "<audio>"}
#: seconds to wait for an http(s) medium
DEFAULT_TIMEOUT = 20.0
#: the environment variable ms-swift reads for the pixel budget of an image
MAX_PIXELS_ENV = "MAX_PIXELS"

_DATA_URL = re.compile(r"^data:(?P<mime>[\w/+.-]*)?(?P<params>(;[^;,]*)*?);base64,(?P<data>.*)$", re.S)
_BASE64 = re.compile(r"^[A-Za-z0-9+/\s]+={0,2}$")
#: bare base64 is only guessed for long strings: a short one is far more likely a file name
_MIN_BARE_BASE64 = 64


class MediaError(Exception):
    """A medium cannot be used; ``category`` is what :class:`MediaCheck` counts skips by."""

    def __init__(self, category: str, reason: str, field: str | None = None):
        super().__init__(reason)
        self.category = category
        self.reason = reason
        self.field = field  #: the row's field at fault, when the medium alone does not say


# ---------------------------------------------------------------------- references


@dataclass(frozen=True)
class MediaRef:
    """One medium of a row, classified but not read.

    ``kind`` is ``path``, ``url`` (http/https), ``data`` (base64, decoded), ``bytes`` or ``pil``;
    ``value`` the absolute path, the URL, the bytes or the PIL image; ``key`` identifies the
    content for the cache (the path or URL, or a digest of the bytes; in-memory images are not
    cached).
    """

    column: str  #: "images", "videos" or "audios"
    index: int
    kind: str
    value: Any = field(compare=False, repr=False)
    key: str = ""

    @property
    def field(self) -> str:
        return f"{self.column}[{self.index}]"

    def describe(self) -> str:
        if self.kind in ("path", "url"):
            return str(self.value)
        if self.kind == "pil":
            return "an in-memory image"
        return f"{len(self.value)} bytes of {'base64 ' if self.kind == 'data' else ''}data"


def _digest(data: bytes) -> str:
    import hashlib

    return hashlib.sha1(data).hexdigest()


def make_ref(item: Any, column: str, index: int, base_dir: str | None = None) -> MediaRef:
    """Classify one item of a media column. Raises :class:`MediaError` for what is no medium."""
    if item is None:
        raise MediaError("bad value", "is empty (null)")
    if isinstance(item, Mapping):  # datasets' Image/Audio storage: {"bytes": ..., "path": ...}
        data, path = item.get("bytes"), item.get("path")
        if data:
            return make_ref(bytes(data), column, index, base_dir)
        if path:
            return make_ref(path, column, index, base_dir)
        raise MediaError("bad value", f"a dict without 'bytes' or 'path' (keys: {sorted(item)})")
    if isinstance(item, bytes | bytearray | memoryview):
        data = bytes(item)
        if not data:
            raise MediaError("bad value", "is empty (0 bytes)")
        return MediaRef(column, index, "bytes", data, "bytes:" + _digest(data))
    if _is_pil(item):
        return MediaRef(column, index, "pil", item, "")
    if not isinstance(item, str):
        raise MediaError("bad value", f"expected a path, URL, base64 text, bytes or image, got {type(item).__name__}")
    text = item.strip()
    if not text:
        raise MediaError("bad value", "is an empty string")
    m = _DATA_URL.match(text)
    if m:
        data = _b64(m.group("data"))
        return MediaRef(column, index, "data", data, "bytes:" + _digest(data))
    scheme = urllib.parse.urlsplit(text).scheme.lower()
    if scheme in ("http", "https"):
        return MediaRef(column, index, "url", text, text)
    if scheme == "file":
        path = urllib.request.url2pathname(urllib.parse.urlsplit(text).path)
        return MediaRef(column, index, "path", os.path.abspath(path), os.path.abspath(path))
    if len(text) >= _MIN_BARE_BASE64 and _BASE64.match(text) and not os.path.exists(_join(base_dir, text)):
        data = _b64(text)
        return MediaRef(column, index, "data", data, "bytes:" + _digest(data))
    path = _join(base_dir, os.path.expanduser(text))
    return MediaRef(column, index, "path", path, path)


def _join(base_dir: str | None, path: str) -> str:
    if os.path.isabs(path) or base_dir is None:
        return os.path.abspath(path)
    return os.path.abspath(os.path.join(base_dir, path))


def _b64(text: str) -> bytes:
    try:
        return base64.b64decode("".join(text.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MediaError("bad value", f"invalid base64 ({exc})") from None


def _is_pil(item: Any) -> bool:
    mod = type(item).__module__
    return mod.startswith("PIL.") and hasattr(item, "getdata")


def read_bytes(ref: MediaRef, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int | None = None) -> bytes:
    """The raw bytes of a reference (not for ``pil``). ``max_bytes`` refuses a larger medium
    (a download is stopped as soon as it passes the limit). Raises :class:`MediaError`."""
    data = _read_bytes(ref, timeout=timeout, max_bytes=max_bytes)
    if max_bytes is not None and len(data) > max_bytes:
        raise MediaError("too large", f"{ref.describe()} is larger than the limit of {max_bytes} bytes")
    return data


def _read_bytes(ref: MediaRef, *, timeout: float, max_bytes: int | None) -> bytes:
    if ref.kind in ("bytes", "data"):
        return ref.value
    if ref.kind == "path":
        if not os.path.exists(ref.value):
            raise MediaError("missing file", f"file not found: {ref.value}")
        try:
            with open(ref.value, "rb") as fh:
                return fh.read() if max_bytes is None else fh.read(max_bytes + 1)
        except OSError as exc:
            raise MediaError("missing file", f"cannot read {ref.value}: {exc.strerror or exc}") from None
    if ref.kind == "url":
        try:
            with urllib.request.urlopen(ref.value, timeout=timeout) as resp:  # noqa: S310 (http(s) only)
                return resp.read() if max_bytes is None else resp.read(max_bytes + 1)
        except Exception as exc:  # URLError, HTTPError, timeouts, resets
            raise MediaError("unreachable url", f"cannot fetch {ref.value}: {_why(exc)}") from None
    raise MediaError("bad value", f"{ref.kind} has no bytes")


def _why(exc: BaseException) -> str:
    reason = getattr(exc, "reason", None)
    code = getattr(exc, "code", None)
    if code is not None:
        return f"HTTP {code} {reason or ''}".strip()
    return str(reason or exc) or type(exc).__name__


def url_reachable(url: str, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Raise :class:`MediaError` unless ``url`` answers 2xx to HEAD (GET when HEAD is refused)."""
    import urllib.error

    for method in ("HEAD", "GET"):
        req = urllib.request.Request(url, method=method)
        try:
            with urllib.request.urlopen(req, timeout=timeout):  # noqa: S310 (http(s) only)
                return
        except urllib.error.HTTPError as exc:
            if method == "HEAD" and exc.code in (405, 501):
                continue
            raise MediaError("unreachable url", f"cannot fetch {url}: {_why(exc)}") from None
        except Exception as exc:
            raise MediaError("unreachable url", f"cannot fetch {url}: {_why(exc)}") from None


def open_image(ref: MediaRef, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int | None = None) -> Any:
    """Decode an image reference into a loaded PIL image (RGB unless it has alpha);
    ``max_bytes`` limits the encoded size read (see :func:`read_bytes`)."""
    from PIL import Image

    if ref.kind == "pil":
        img = ref.value
    else:
        data = read_bytes(ref, timeout=timeout, max_bytes=max_bytes)
        try:
            img = Image.open(io.BytesIO(data))
            img.load()
        except Exception as exc:
            raise MediaError("undecodable image", f"not a decodable image ({ref.describe()}): {exc}") from None
    if img.mode not in ("RGB", "RGBA"):
        img = img.convert("RGBA" if "A" in img.getbands() or "transparency" in img.info else "RGB")
    return img


def verify_image(ref: MediaRef, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Check that an image reference can be decoded, without decoding its pixels: local files
    and inline data go through PIL's ``verify()``; URLs are only checked to answer."""
    from PIL import Image

    if ref.kind == "pil":
        return
    if ref.kind == "url":
        url_reachable(ref.value, timeout=timeout)
        return
    try:
        if ref.kind == "path":
            if not os.path.isfile(ref.value):
                raise MediaError("missing file", f"file not found: {ref.value}")
            with Image.open(ref.value) as img:
                img.verify()
        else:
            with Image.open(io.BytesIO(ref.value)) as img:
                img.verify()
    except MediaError:
        raise
    except Exception as exc:
        raise MediaError("undecodable image", f"not a decodable image ({ref.describe()}): {exc}") from None


def verify_medium(ref: MediaRef, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Cheap check of one reference: images are verified; audio through
    ``swiftkit.data.audio.verify_audio`` (headers only) where that module is installed; videos
    (and audio without it) exist / answer."""
    if ref.column == "images":
        verify_image(ref, timeout=timeout)
        return
    if ref.column == "audios":
        verify_audio = _optional("swiftkit.data.audio", "verify_audio")  # the audio decoder's own check
        if verify_audio is not None:
            verify_audio(ref, timeout=timeout)
            return
    if ref.kind == "url":
        url_reachable(ref.value, timeout=timeout)
    elif ref.kind == "path" and not os.path.isfile(ref.value):
        raise MediaError("missing file", f"file not found: {ref.value}")


# ---------------------------------------------------------------------- rows


@dataclass
class MediaRow:
    """A row's conversation with its media, tags in place, nothing decoded."""

    messages: list[dict[str, Any]]
    images: list[MediaRef] = field(default_factory=list)
    videos: list[MediaRef] = field(default_factory=list)
    audios: list[MediaRef] = field(default_factory=list)
    objects: Any = None  #: :class:`swiftkit.data.grounding.Grounding` or ``None``
    source: str = ""
    row: int = 0
    tags_added: dict[str, int] = field(default_factory=dict)  #: column -> tags prepended

    def refs(self) -> list[MediaRef]:
        return [*self.images, *self.videos, *self.audios]


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str | bytes | bytearray | Mapping) or _is_pil(value):
        return [value]
    return list(value)


def count_tags(messages: list[Mapping[str, Any]], tag: str) -> list[int]:
    """How many times ``tag`` occurs in each message's content."""
    return [str(m.get("content") or "").count(tag) for m in messages]


def _first_user(messages: list[Mapping[str, Any]]) -> int:
    for i, m in enumerate(messages):
        if m.get("role") == "user":
            return i
    # pre-training rows are assistant-only: the first non-system message takes the tags
    for i, m in enumerate(messages):
        if m.get("role") != "system":
            return i
    return 0


def add_default_tags(messages: list[dict[str, Any]], counts: Mapping[str, int]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """Prepend the tags of a column that has media but no tag at all to the first user message
    (images, then videos, then audios). Returns the new messages and what was added.

    A column whose tags are present but do not match its media is left for
    :func:`check_tags` to refuse (which medium goes where would be a guess)."""
    added: dict[str, int] = {}
    prefix = ""
    for column, tag in MEDIA_COLUMNS.items():
        n = counts.get(column, 0)
        if n and not sum(count_tags(messages, tag)):
            prefix += tag * n
            added[column] = n
    if not prefix:
        return messages, added
    out = [dict(m) for m in messages]
    i = _first_user(out)
    out[i]["content"] = prefix + str(out[i].get("content") or "")
    return out, added


def check_tags(messages: list[Mapping[str, Any]], counts: Mapping[str, int]) -> None:
    """Raise :class:`MediaError` naming the field (the message holding a surplus tag, or the
    first medium without one) when a column's media and tags differ in number."""
    for column, tag in MEDIA_COLUMNS.items():
        per_message = count_tags(messages, tag)
        tags, media = sum(per_message), counts.get(column, 0)
        if tags == media:
            continue
        if tags > media:  # name the message where the surplus tag sits
            seen = 0
            for i, n in enumerate(per_message):
                seen += n
                if seen > media:
                    raise MediaError("tag mismatch", f"{tags} {tag} tag(s) in the messages but {media} item(s) "
                                     f"in {column!r}", field=f"messages[{i}].content")
        # name the first medium without a tag
        raise MediaError("tag mismatch", f"{media} item(s) in {column!r} but {tags} {tag} tag(s) in the messages",
                         field=f"{column}[{tags}]")


def parse_row(row: Mapping[str, Any], *, source: str = "", row_no: int = 0, base_dir: str | None = None,
              add_tags: bool = True) -> MediaRow:
    """A dataset row (canonical ``messages`` plus media columns, optional ``objects``) as a
    :class:`MediaRow`. Raises :class:`DatasetRowError` naming ``source``, ``row_no`` and the field."""
    from swiftkit.data import grounding

    messages = row.get("messages")
    if not isinstance(messages, list) or not messages:
        raise DatasetRowError(source, row_no, "messages", "expected a non-empty list of messages")
    refs: dict[str, list[MediaRef]] = {}
    for column in MEDIA_COLUMNS:
        items = _as_list(row.get(column))
        out = []
        for i, item in enumerate(items):
            try:
                out.append(make_ref(item, column, i, base_dir))
            except MediaError as exc:
                raise DatasetRowError(source, row_no, f"{column}[{i}]", exc.reason) from None
        refs[column] = out
    counts = {c: len(v) for c, v in refs.items()}
    added: dict[str, int] = {}
    if add_tags:
        messages, added = add_default_tags(messages, counts)
    try:
        check_tags(messages, counts)
    except MediaError as exc:
        raise DatasetRowError(source, row_no, exc.field or "messages", exc.reason) from None
    objects = None
    if row.get("objects") not in (None, {}, ""):
        try:
            objects = grounding.parse_objects(row["objects"], messages, n_images=counts["images"])
        except grounding.GroundingError as exc:
            raise DatasetRowError(source, row_no, exc.field, exc.reason) from None
    return MediaRow(messages=messages, images=refs["images"], videos=refs["videos"], audios=refs["audios"],
                    objects=objects, source=source, row=row_no, tags_added=added)


# ---------------------------------------------------------------------- validation


@dataclass
class MediaCheck:
    """What :func:`check_rows` kept and skipped; ``counts``: skipped rows by reason."""

    rows: list[MediaRow] = field(default_factory=list)
    skipped: list[SkippedRow] = field(default_factory=list)
    counts: Counter = field(default_factory=Counter)

    @property
    def skipped_count(self) -> int:
        return sum(self.counts.values())

    def add_to(self, report: Any) -> None:
        """Count the skips in a :class:`~swiftkit.data.report.DataReport`."""
        report.add_skipped(self.skipped, self.skipped_count, dict(self.counts))


def check_media(media_row: MediaRow, *, timeout: float = DEFAULT_TIMEOUT) -> None:
    """Verify each medium of a parsed row (no pixels decoded); raise :class:`DatasetRowError`."""
    for ref in media_row.refs():
        try:
            verify_medium(ref, timeout=timeout)
        except MediaError as exc:
            raise DatasetRowError(media_row.source, media_row.row, ref.field, exc.reason) from None
    if media_row.objects is not None and media_row.images:
        from swiftkit.data import grounding

        try:
            media_row.objects.check_bounds(lambda i: image_size(media_row.images[i], timeout=timeout))
        except grounding.GroundingError as exc:
            raise DatasetRowError(media_row.source, media_row.row, exc.field, exc.reason) from None


def image_size(ref: MediaRef, *, timeout: float = DEFAULT_TIMEOUT) -> tuple[int, int]:
    """``(width, height)`` of an image, reading only its header where possible."""
    from PIL import Image

    if ref.kind == "pil":
        return ref.value.size
    if ref.kind == "path":
        with Image.open(ref.value) as img:
            return img.size
    with Image.open(io.BytesIO(read_bytes(ref, timeout=timeout))) as img:
        return img.size


def iter_rows(rows: Iterable[Mapping[str, Any]], *, source: str, base_dir: str | None = None,
              strict: bool = True, verify: bool = True, timeout: float = DEFAULT_TIMEOUT,
              row_numbers: Callable[[int], int] | None = None, check: MediaCheck | None = None,
              ) -> Iterator[MediaRow]:
    """Parse (and with ``verify`` check) the rows one at a time, yielding the good ones, so a
    large dataset is never held. ``strict``: the first bad row raises its
    :class:`DatasetRowError`; otherwise it is skipped and recorded in ``check`` (counted by
    :func:`reason_category`, the first :data:`~swiftkit.data.report.MAX_REASONS` kept as
    :class:`SkippedRow`). ``row_numbers`` maps a 0-based index to the number users see
    (1-based by default; :func:`swiftkit.data.sources.line_numbers` gives a file's lines)."""
    from swiftkit.data.report import MAX_REASONS

    check = check if check is not None else MediaCheck()
    for i, row in enumerate(rows):
        row_no = row_numbers(i) if row_numbers else i + 1
        try:
            parsed = parse_row(row, source=source, row_no=row_no, base_dir=base_dir)
            if verify:
                check_media(parsed, timeout=timeout)
        except DatasetRowError as exc:
            if strict:
                raise
            check.counts[reason_category(exc.field, exc.reason)] += 1
            if len(check.skipped) < MAX_REASONS:
                check.skipped.append(SkippedRow(exc.source, exc.row, exc.field, exc.reason))
            continue
        yield parsed


def check_rows(rows: Iterable[Mapping[str, Any]], *, source: str, base_dir: str | None = None,
               strict: bool = True, verify: bool = True, timeout: float = DEFAULT_TIMEOUT,
               row_numbers: Callable[[int], int] | None = None) -> MediaCheck:
    """:func:`iter_rows` collected: the good rows in ``rows``, the skips counted."""
    out = MediaCheck()
    out.rows = list(iter_rows(rows, source=source, base_dir=base_dir, strict=strict, verify=verify,
                              timeout=timeout, row_numbers=row_numbers, check=out))
    return out


def media_folder(source: Any) -> str | None:
    """The folder relative media paths of a :class:`~swiftkit.data.sources.Source` are read
    from: the dataset file's folder (``None`` for hub datasets: paths stay as written)."""
    path = getattr(source, "path", None)
    if not path:
        return None
    return os.path.dirname(os.path.abspath(path)) if os.path.isfile(path) else os.path.abspath(path)


def reason_category(field: str, reason: str) -> str:
    """A short name for a skip, to count skips by: ``missing file``, ``undecodable image``,
    ``unreachable url``, ``too large``, ``tag mismatch``, ``grounding`` or ``bad value``
    (:func:`swiftkit.data.report.media_reason`)."""
    from swiftkit.data.report import media_reason

    return media_reason(field, reason)


# ---------------------------------------------------------------------- resize and cache


def max_pixels_from_env(default: int | None = None) -> int | None:
    """``MAX_PIXELS`` from the environment (ms-swift's name), else ``default``."""
    raw = os.environ.get(MAX_PIXELS_ENV)
    if raw is None or not raw.strip():
        return default
    try:
        value = int(float(raw))
    except ValueError:
        raise ValueError(f"{MAX_PIXELS_ENV}={raw!r} is not a number of pixels") from None
    if value < 1:
        raise ValueError(f"{MAX_PIXELS_ENV} must be at least 1, got {value}")
    return value


def fit_max_pixels(width: int, height: int, max_pixels: int | None) -> tuple[int, int]:
    """The largest ``(w, h)`` of the same aspect ratio (rounded down, at least 1x1) with
    ``w * h <= max_pixels``; the size itself when it already fits."""
    if max_pixels is None or width * height <= max_pixels:
        return width, height
    scale = (max_pixels / (width * height)) ** 0.5
    w, h = max(1, int(width * scale)), max(1, int(height * scale))
    while w * h > max_pixels and (w > 1 or h > 1):  # float rounding: step the longer side down
        if w >= h:
            w -= 1
        else:
            h -= 1
    return w, h


def resize_max_pixels(img: Any, max_pixels: int | None) -> Any:
    """``img`` shrunk (bicubic) so that width * height <= ``max_pixels``, aspect ratio kept;
    the image itself when it fits or ``max_pixels`` is ``None``."""
    from PIL import Image

    size = fit_max_pixels(img.width, img.height, max_pixels)
    if size == img.size:
        return img
    return img.resize(size, Image.Resampling.BICUBIC)


def image_nbytes(img: Any) -> int:
    return img.width * img.height * len(img.getbands())


class MediaCache:
    """An LRU of decoded images keyed by source (path, URL, content digest), holding at most
    ``max_bytes`` of pixels; an image larger than the budget is returned but not kept.

    ``max_pixels`` is applied on decode, so the cache holds what the processors will use.
    Thread-safe (a dataloader may call it from worker threads)."""

    def __init__(self, max_bytes: int = 512 * 2**20, *, max_pixels: int | None = None,
                 timeout: float = DEFAULT_TIMEOUT, max_file_bytes: int | None = None):
        if max_bytes < 0:
            raise ValueError(f"max_bytes must be >= 0, got {max_bytes}")
        self.max_bytes = max_bytes
        self.max_pixels = max_pixels
        self.timeout = timeout
        self.max_file_bytes = max_file_bytes  #: refuse an encoded medium larger than this
        self.nbytes = 0
        self.hits = 0
        self.misses = 0
        self._items: OrderedDict[str, Any] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, ref: MediaRef) -> bool:
        return self._key(ref) in self._items

    def _key(self, ref: MediaRef) -> str:
        return f"{ref.key}@{self.max_pixels}"

    def image(self, ref: MediaRef) -> Any:
        """The decoded (and resized) image of ``ref``; raises :class:`MediaError`."""
        if ref.kind == "pil":  # already in memory, and id() keys could be reused: not cached
            return resize_max_pixels(open_image(ref), self.max_pixels)
        key = self._key(ref)
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                self.hits += 1
                return self._items[key]
        img = resize_max_pixels(open_image(ref, timeout=self.timeout, max_bytes=self.max_file_bytes), self.max_pixels)
        size = image_nbytes(img)
        with self._lock:
            self.misses += 1
            if size > self.max_bytes or key in self._items:
                return img
            self._items[key] = img
            self.nbytes += size
            while self.nbytes > self.max_bytes:
                _, old = self._items.popitem(last=False)
                self.nbytes -= image_nbytes(old)
        return img

    def images(self, row: MediaRow) -> list[Any]:
        """The decoded images of a row, in order; an error names the row and the field."""
        out = []
        for ref in row.images:
            try:
                out.append(self.image(ref))
            except MediaError as exc:
                raise DatasetRowError(row.source, row.row, ref.field, exc.reason) from None
        return out

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.nbytes = 0


# ---------------------------------------------------------------------- decoding for templates


def _refs_of(stored: Mapping[str, Any], column: str) -> list[Any]:
    """The stored references of one column as :class:`MediaRef` (a video given as frames: a list)."""
    out: list[Any] = []
    for i, item in enumerate(stored.get(column) or []):
        if column == "videos" and isinstance(item, list | tuple):
            out.append([make_ref(f, "images", j) for j, f in enumerate(item)])
        else:
            out.append(make_ref(item, column, i))
    return out


def _optional(module: str, name: str) -> Callable[..., Any] | None:
    """``module.name`` when that module is installed, else ``None`` (the decoders of videos and
    audio live in modules of their own, which import this one)."""
    import importlib

    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _loader(module: str, name: str, what: str) -> Callable[..., Any]:
    found = _optional(module, name)
    if found is not None:
        return found
    raise MediaError("unsupported", f"{what} cannot be decoded here: {module}.{name} is not available "
                     "(install swiftkit's multimodal extra, or this build has no decoder for it)")


def load_media(stored: Mapping[str, Any] | MediaRow, *, options: Any = None, cache: MediaCache | None = None,
               sampling_rate: int | None = None, source: str = "", row: int = 0) -> Any:
    """Decode a row's media into a :class:`swiftkit.core.templates.media.Media` for a template.

    ``stored``: a ``media`` column value read back (:func:`swiftkit.data.media_column.read_column`)
    or a :class:`MediaRow`. Images are decoded with PIL (through ``cache`` when given, so a
    dataloader keeps at most its byte budget of pixels); videos through
    ``swiftkit.data.video.load_video(ref, options)`` (a :class:`MediaRef`, or a list of them for
    a video given as frames) and audios through ``swiftkit.data.audio.load_audio(ref,
    sampling_rate)``, both imported on first use. ``options``: the run's
    :class:`~swiftkit.core.templates.media.MediaOptions`; ``sampling_rate``: the audio rate
    (default ``options.sampling_rate``). An error is a :class:`DatasetRowError` naming
    ``source``, ``row`` and the field."""
    from swiftkit.core.templates.media import Media

    if isinstance(stored, MediaRow):
        columns = {"images": stored.images, "videos": stored.videos, "audios": stored.audios}
    else:
        try:
            columns = {c: _refs_of(stored, c) for c in MEDIA_COLUMNS}
        except MediaError as exc:
            raise DatasetRowError(source, row, "media", exc.reason) from None
    out = Media()
    field = "images"
    try:
        for i, ref in enumerate(columns["images"]):
            field = f"images[{i}]"
            out.images.append(cache.image(ref) if cache is not None else open_image(ref))
        if columns["videos"]:
            field = "videos[0]"
            load_video = _loader("swiftkit.data.video", "load_video", "video")
            for i, ref in enumerate(columns["videos"]):
                field = f"videos[{i}]"
                frames, fps = load_video(ref, options)
                out.videos.append(list(frames))
                out.video_fps.append(float(fps))
        if columns["audios"]:
            field = "audios[0]"
            load_audio = _loader("swiftkit.data.audio", "load_audio", "audio")
            rate = sampling_rate or getattr(options, "sampling_rate", None) or 16000
            out.sampling_rate = rate
            for i, ref in enumerate(columns["audios"]):
                field = f"audios[{i}]"
                out.audios.append(load_audio(ref, rate))
    except MediaError as exc:
        raise DatasetRowError(source, row, field, exc.reason) from None
    except DatasetRowError:
        raise
    except Exception as exc:  # a decoder's own error (PyAV, soundfile) still names the field
        raise DatasetRowError(source, row, field, f"cannot decode: {type(exc).__name__}: {exc}") from None
    return out

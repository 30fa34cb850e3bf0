"""The ``media`` column: how a converted row keeps its media references (never the pixels).

A row's ``images`` / ``videos`` / ``audios`` columns and its grounding ``objects`` are taken
out before the format's converter sees the row (:func:`split_media`), the tags are counted and
missing ones prepended as ms-swift does (:func:`attach_media`), and the convert step, which
knows the dataset file's folder, resolves and checks every reference (:func:`finish_media`).

The column is one ``string`` per row (schema-stable whatever the rows hold): ``""`` for a row
without media, else JSON ::

    {"images": [REF, ...], "videos": [REF | [REF, ...], ...], "audios": [REF, ...],
     "objects": {"ref": [...], "bbox": [[x1, y1, x2, y2], ...], ...}}     # optional

where each ``REF`` is a string :func:`swiftkit.data.media.make_ref` reads back unchanged: an
absolute path, an http(s) URL, or a ``data:`` URL holding the bytes (raw bytes, base64, the
``{"bytes": ...}`` dicts of ``datasets`` and in-memory PIL images, saved as PNG). A video may
be a list of frames. Grounding boxes are kept as given, plus ``bbox_1000``: each box in
thousandths of its image (ms-swift's ``norm1000``), computed from the image header here so
that encoding never reopens an image just for its size.
"""

from __future__ import annotations

import base64
import io
import json
from collections.abc import Mapping
from typing import Any

from swiftkit.core.errors import RowError

#: the converted column holding a row's media (see the module docstring)
MEDIA_COLUMN = "media"
#: raw columns the sft / pt layouts take out of a row before its converter sees it
RAW_COLUMNS = ("images", "videos", "audios", "objects")

__all__ = ["MEDIA_COLUMN", "RAW_COLUMNS", "attach_media", "finish_media", "ground_messages", "read_column", "split_media"]


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | tuple | dict) and len(value) == 0)


def _items(value: Any) -> list[Any]:
    from swiftkit.data.media import _as_list

    if isinstance(value, str) and value[:1] + value[-1:] in ('[]', '""'):
        # a column whose rows mix strings and lists: datasets' JSON loader keeps each value as JSON text
        try:
            parsed = json.loads(value)
        except ValueError:
            parsed = None
        if isinstance(parsed, list):
            return parsed
        if isinstance(parsed, str):
            return [parsed]
    return _as_list(value)


def split_media(row: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(row without the media columns, {column: value} of those holding something)``."""
    rest = {k: v for k, v in row.items() if k not in RAW_COLUMNS}
    media = {k: row[k] for k in RAW_COLUMNS if k in row and not _empty(row[k])}
    return rest, media


def attach_media(media: Mapping[str, Any], messages: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], Any]:
    """The messages with missing tags prepended (to the first user message) and the row's media
    as a dict for :func:`finish_media`, or ``""`` when it has none. Raises
    :class:`~swiftkit.core.errors.RowError` when tags and media disagree in number (naming the
    message with a surplus tag or the first medium without one)."""
    from swiftkit.data.media import MEDIA_COLUMNS, MediaError, add_default_tags, check_tags

    counts = {c: len(_items(media.get(c))) for c in MEDIA_COLUMNS}
    if not any(counts.values()):
        if media.get("objects") is not None:
            raise RowError("objects", "grounding objects need the images they refer to (no 'images' in the row)")
        return messages, ""
    messages, _ = add_default_tags(messages, counts)
    try:
        check_tags(messages, counts)
    except MediaError as exc:
        raise RowError(exc.field or "messages", exc.reason) from None
    return messages, {c: _items(media.get(c)) for c in MEDIA_COLUMNS if counts[c]} | (
        {"objects": media["objects"]} if media.get("objects") is not None else {})


def _ref_text(ref: Any) -> str:
    """A reference as the string stored in the column."""
    if ref.kind in ("path", "url"):
        return str(ref.value)
    if ref.kind == "pil":
        buf = io.BytesIO()
        ref.value.save(buf, format="PNG")
        data = buf.getvalue()
    else:
        data = ref.value
    return "data:;base64," + base64.b64encode(data).decode("ascii")


def finish_media(value: Any, messages: list[dict[str, Any]], *, base_dir: str | None, verify: bool = True,
                 timeout: float | None = None) -> str:
    """The column's JSON for ``value`` (what :func:`attach_media` returned): each reference
    resolved against ``base_dir`` and, with ``verify``, checked without decoding pixels (a file
    exists, an image verifies, a URL answers; grounding boxes inside their image). Raises
    :class:`~swiftkit.core.errors.RowError` naming the field (``images[1]``, ``objects.bbox[0]``)."""
    from swiftkit.data import grounding, media

    if not value:
        return ""
    if isinstance(value, str):  # already finished (a cached or re-read row)
        return value
    timeout = media.DEFAULT_TIMEOUT if timeout is None else timeout
    out: dict[str, Any] = {}
    images: list[Any] = []
    for column in media.MEDIA_COLUMNS:
        stored: list[Any] = []
        for i, item in enumerate(value.get(column) or []):
            where = f"{column}[{i}]"
            try:
                if column == "videos" and isinstance(item, list | tuple):  # a video given as its frames
                    frames = [media.make_ref(f, "images", j, base_dir) for j, f in enumerate(item)]
                    if not frames:
                        raise media.MediaError("bad value", "a video given as frames needs at least one frame")
                    if verify:
                        for j, f in enumerate(frames):
                            where = f"{column}[{i}][{j}]"
                            media.verify_image(f, timeout=timeout)
                    stored.append([_ref_text(f) for f in frames])
                    continue
                ref = media.make_ref(item, column, i, base_dir)
                if verify:
                    media.verify_medium(ref, timeout=timeout)
            except media.MediaError as exc:
                raise RowError(where, exc.reason) from None
            if column == "images":
                images.append(ref)
            stored.append(_ref_text(ref))
        if stored:
            out[column] = stored
    if value.get("objects") is not None:
        try:
            objects = grounding.parse_objects(value["objects"], messages, n_images=len(images))
            if objects.bboxes:
                sizes: dict[int, tuple[int, int]] = {}

                def size_of(i: int) -> tuple[int, int]:
                    if i not in sizes:
                        try:
                            sizes[i] = media.image_size(images[i], timeout=timeout)
                        except Exception as exc:  # noqa: BLE001 - an unreadable image named by its field
                            raise RowError(f"images[{i}]", f"cannot read the image size: {exc}") from None
                    return sizes[i]

                if verify:
                    objects.check_bounds(size_of)
                stored_objects = objects.to_dict()
                stored_objects["bbox_1000"] = [[round(v) for v in box] for box in objects.normalized(size_of, 1000)]
            else:
                stored_objects = objects.to_dict()
        except grounding.GroundingError as exc:
            raise RowError(exc.field, exc.reason) from None
        out["objects"] = stored_objects
    return json.dumps(out, ensure_ascii=False)


def read_column(text: str | None) -> dict[str, Any]:
    """The stored dict of a ``media`` column value (``{}`` for ``""``)."""
    return json.loads(text) if text else {}


def ground_messages(messages: list[dict[str, Any]], objects: Mapping[str, Any] | None, processor: Any = None,
                    ) -> list[dict[str, Any]]:
    """The messages with each ``<ref-object>`` / ``<bbox>`` tag replaced, in order, by the
    family's text for that object (:meth:`MediaProcessor.format_ref
    <swiftkit.core.templates.media.MediaProcessor.format_ref>` / ``format_bbox``; boxes in
    thousandths of their image). Messages without grounding come back unchanged."""
    import re

    from swiftkit.data.grounding import BBOX_TAG, REF_TAG

    if not objects or not (objects.get("ref") or objects.get("bbox")):
        return messages
    refs = list(objects.get("ref") or [])
    boxes = list(objects.get("bbox_1000") or objects.get("bbox") or [])
    fmt_ref = getattr(processor, "format_ref", None) or (lambda r: r)
    fmt_box = getattr(processor, "format_bbox", None) or (lambda b: "[" + ", ".join(str(int(v)) for v in b) + "]")
    pattern = re.compile(re.escape(REF_TAG) + "|" + re.escape(BBOX_TAG))
    seen = {"ref": 0, "bbox": 0}

    def sub(match: re.Match[str]) -> str:
        if match.group(0) == REF_TAG:
            seen["ref"] += 1
            return fmt_ref(refs[seen["ref"] - 1])
        seen["bbox"] += 1
        return fmt_box(boxes[seen["bbox"] - 1])

    out = []
    for m in messages:
        m = dict(m)
        if isinstance(m.get("content"), str):
            m["content"] = pattern.sub(sub, m["content"])
        out.append(m)
    return out

"""Grounding rows in ms-swift's format: ``objects = {"ref": [...], "bbox": [[...], ...]}`` whose
entries replace the ``<ref-object>`` and ``<bbox>`` tags of the messages, in order.

A box has 4 numbers (x1, y1, x2, y2) or 2 (a point x, y). ``bbox_type`` is ``real`` (pixels of
the image, the default) or ``norm1`` (fractions of its size); ``image_id`` (an int for all boxes,
or one per box; 0 by default) says which image a real box belongs to. :func:`parse_objects`
checks what can be checked without the pixels; :meth:`Grounding.check_bounds` checks real boxes
against the image sizes. The templates turn a :class:`Grounding` into the family's own syntax
(normalised to 0..1000 or absolute, as the family wants).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

REF_TAG = "<ref-object>"
BBOX_TAG = "<bbox>"
BBOX_TYPES = ("real", "norm1")


class GroundingError(Exception):
    """A malformed ``objects`` value; ``field`` names the part (``objects.bbox[1]``)."""

    def __init__(self, field: str, reason: str):
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass
class Grounding:
    """The parsed ``objects`` of a row."""

    refs: list[str]
    bboxes: list[list[float]]
    bbox_type: str = "real"
    image_ids: list[int] = field(default_factory=list)  #: one per box

    def to_dict(self) -> dict[str, Any]:
        return {"ref": list(self.refs), "bbox": [list(b) for b in self.bboxes], "bbox_type": self.bbox_type,
                "image_id": list(self.image_ids)}

    def check_bounds(self, size_of: Callable[[int], tuple[int, int]]) -> None:
        """Refuse a ``real`` box outside its image; ``size_of(i)`` is image i's (width, height)."""
        if self.bbox_type != "real":
            return
        sizes: dict[int, tuple[int, int]] = {}
        for i, (box, image_id) in enumerate(zip(self.bboxes, self.image_ids, strict=True)):
            if image_id not in sizes:
                sizes[image_id] = size_of(image_id)
            w, h = sizes[image_id]
            xs, ys = box[0::2], box[1::2]
            if max(xs) > w or max(ys) > h:
                raise GroundingError(f"objects.bbox[{i}]", f"box {box} lies outside image {image_id} ({w}x{h} pixels)")

    def normalized(self, size_of: Callable[[int], tuple[int, int]], scale: float = 1.0) -> list[list[float]]:
        """The boxes as fractions of their image's size times ``scale`` (1000 for the families
        that want thousandths)."""
        out = []
        for box, image_id in zip(self.bboxes, self.image_ids, strict=True):
            if self.bbox_type == "norm1":
                out.append([v * scale for v in box])
                continue
            w, h = size_of(image_id)
            out.append([v / (w if j % 2 == 0 else h) * scale for j, v in enumerate(box)])
        return out


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise GroundingError(where, f"expected a number, got {value!r}")
    if not math.isfinite(value):
        raise GroundingError(where, f"expected a finite number, got {value!r}")
    return float(value)


def parse_objects(objects: Any, messages: list[Mapping[str, Any]], *, n_images: int) -> Grounding:
    """Parse and check a row's ``objects`` against its messages' tags and its image count."""
    if isinstance(objects, str):  # a JSON column read as text
        try:
            objects = json.loads(objects)
        except json.JSONDecodeError as exc:
            raise GroundingError("objects", f"not valid JSON: {exc.msg}") from None
    if not isinstance(objects, Mapping):
        raise GroundingError("objects", f"expected an object with 'ref' and 'bbox', got {type(objects).__name__}")
    unknown = sorted(set(objects) - {"ref", "bbox", "bbox_type", "image_id"})
    if unknown:
        raise GroundingError("objects", f"unknown key(s) {unknown}; expected ref, bbox, bbox_type, image_id")
    refs = objects.get("ref") or []
    if isinstance(refs, str):
        refs = [refs]
    if not isinstance(refs, list) or not all(isinstance(r, str) for r in refs):
        raise GroundingError("objects.ref", "expected a list of strings")
    boxes = objects.get("bbox") or []
    if not isinstance(boxes, list):
        raise GroundingError("objects.bbox", "expected a list of boxes")
    if boxes and all(isinstance(v, int | float) for v in boxes):  # a single box written flat
        boxes = [boxes]
    bbox_type = objects.get("bbox_type") or "real"
    if bbox_type not in BBOX_TYPES:
        raise GroundingError("objects.bbox_type", f"expected one of {', '.join(BBOX_TYPES)}, got {bbox_type!r}")
    parsed: list[list[float]] = []
    for i, box in enumerate(boxes):
        where = f"objects.bbox[{i}]"
        if not isinstance(box, list | tuple) or len(box) not in (2, 4):
            raise GroundingError(where, f"expected 4 numbers (x1, y1, x2, y2) or 2 (x, y), got {box!r}")
        values = [_number(v, where) for v in box]
        if min(values) < 0:
            raise GroundingError(where, f"negative coordinate in {list(box)}")
        if bbox_type == "norm1" and max(values) > 1:
            raise GroundingError(where, f"bbox_type 'norm1' needs coordinates in [0, 1], got {list(box)}")
        if len(values) == 4 and (values[2] < values[0] or values[3] < values[1]):
            raise GroundingError(where, f"x2 < x1 or y2 < y1 in {list(box)}")
        parsed.append(values)
    ids = objects.get("image_id", 0)
    if ids is None:
        ids = 0
    if isinstance(ids, int) and not isinstance(ids, bool):
        ids = [ids] * len(parsed)
    if not isinstance(ids, list) or len(ids) != len(parsed) or not all(isinstance(v, int) and not isinstance(v, bool) for v in ids):
        raise GroundingError("objects.image_id", f"expected an image index or one per box ({len(parsed)}), got {ids!r}")
    if parsed and bbox_type == "real":  # a real box is scaled by its image's size
        for i, image_id in enumerate(ids):
            if not 0 <= image_id < n_images:
                raise GroundingError("objects.image_id" if n_images else "images",
                                     f"box {i} refers to image {image_id} but the row has {n_images} image(s)")
    n_refs = sum(str(m.get("content") or "").count(REF_TAG) for m in messages)
    n_boxes = sum(str(m.get("content") or "").count(BBOX_TAG) for m in messages)
    if n_refs != len(refs):
        raise GroundingError("objects.ref", f"{len(refs)} ref(s) but {n_refs} {REF_TAG} tag(s) in the messages")
    if n_boxes != len(parsed):
        raise GroundingError("objects.bbox", f"{len(parsed)} box(es) but {n_boxes} {BBOX_TAG} tag(s) in the messages")
    return Grounding(refs=list(refs), bboxes=parsed, bbox_type=bbox_type, image_ids=list(ids))

"""What the built-in image processors of this package share: reading the checkpoint's processor
configuration and batching tensors of unequal crop counts."""

from __future__ import annotations

import json
import os
from typing import Any


def read_json(folder: str | None, name: str) -> dict[str, Any]:
    """``folder/name`` as a dict (``{}`` without a folder or file)."""
    if not folder:
        return {}
    path = os.path.join(folder, name)
    if not os.path.isfile(path):
        return {}
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def image_processor_kwargs(folder: str | None, defaults: dict[str, Any]) -> dict[str, Any]:
    """The checkpoint's ``preprocessor_config.json`` over the family's ``defaults`` (bookkeeping
    keys that name classes are dropped: the caller picks the PIL class)."""
    config = read_json(folder, "preprocessor_config.json")
    config = {k: v for k, v in config.items() if k not in {"image_processor_type", "processor_class", "_processor_class"}}
    return {**defaults, **config}


def cat_padded(parts: list[Any], dim: int = 0) -> Any:
    """Tensors concatenated along ``dim``, every other dimension zero-padded to the largest (the
    crop axis of LLaVA-NeXT / Idefics3 pixel values differs from image to image; the models skip
    the padding crops by ``image_sizes`` / all-zero crops)."""
    import torch

    parts = [torch.as_tensor(p) for p in parts]
    shape = [max(p.shape[d] for p in parts) for d in range(parts[0].dim())]
    out = []
    for p in parts:
        pad: list[int] = []
        for d in reversed(range(p.dim())):
            pad += [0, 0 if d == dim else shape[d] - p.shape[d]]
        out.append(torch.nn.functional.pad(p, pad) if any(pad) else p)
    return torch.cat(out, dim=dim)

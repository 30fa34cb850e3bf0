"""Qwen model families (Alibaba Cloud): one data module per ms-swift model type.

``qwen`` (Qwen-1, remote code), ``qwen2`` (Qwen1.5 / Qwen2 / Qwen2.5 / QwQ and derivatives),
``qwen2_moe``, ``qwen3``, ``qwen3_moe``, ``qwen3_next``, and the task models ``qwen3_emb``,
``qwen3_reranker``, ``qwen2_gte``, ``qwen2_reward``, ``qwen2_5_prm``. Each module holds
``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES`` (see :func:`swiftkit.models.checkpoints.checkpoint_specs`);
this package gathers them. Light: nothing heavier than ``swiftkit.core`` is imported; the tiny-config
tweaks live in :mod:`swiftkit.plugins.models.qwen.loader`, imported only when used. Hub ids are
those of ms-swift's public model listing (ModelScope and Hugging Face).
"""

from __future__ import annotations

import importlib

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

SWIFTKIT_PLUGIN_API = "1.2"

#: context length from which a checkpoint is tagged ``long-context`` (128K)
LONG_CONTEXT = 131072

#: the family modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "qwen2",
    "qwen3",
    "qwen2_moe",
    "qwen3_moe",
    "qwen3_next",
    "qwen",
    "qwen3_emb",
    "qwen3_reranker",
    "qwen2_gte",
    "qwen2_reward",
    "qwen2_5_prm",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every module in :data:`MODULES`.

    Checkpoints of :data:`LONG_CONTEXT` tokens or more get the ``long-context`` tag. A hub
    repository name that is another checkpoint's id (``swift/Qwen3-32B-AWQ`` re-publishes
    ``Qwen/Qwen3-32B-AWQ`` under the same name) is not kept as an alias: names stay unique.
    """
    specs: list[ModelSpec] = []
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        specs.extend(builtin_checkpoint_specs(module.FAMILIES, module.CHECKPOINTS, getattr(module, "SHAPES", None)))
    ids = {spec.id for spec in specs}
    for spec in specs:
        spec.aliases = [alias for alias in spec.aliases if alias not in ids]
        if (spec.max_length or 0) >= LONG_CONTEXT and "long-context" not in spec.tags:
            spec.tags.append("long-context")
    return specs

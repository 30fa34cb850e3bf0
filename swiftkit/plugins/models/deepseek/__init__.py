"""DeepSeek model families: DeepSeek-MoE (``deepseek``), DeepSeek-V2, V3 (with the Moonshot
Moonlight / Kimi-K2 checkpoints of the same architecture), V3.2 and V4.

One data module per family (``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES``); this package gathers
them and is the only module with a hook. Light: it imports nothing but ``swiftkit.core`` and
``swiftkit.models.checkpoints``; the tiny-config tweaks of the native architectures live in
:mod:`swiftkit.plugins.models.deepseek.loader`, imported only when used. Hub ids are exactly
those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

from . import deepseek, deepseek_v2, deepseek_v3, deepseek_v4, deepseek_v32

SWIFTKIT_PLUGIN_API = "1.2"

#: the family modules of this package, in registration order
MODULES = (deepseek, deepseek_v2, deepseek_v3, deepseek_v32, deepseek_v4)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every module in :data:`MODULES`."""
    specs: list[ModelSpec] = []
    for module in MODULES:
        specs.extend(builtin_checkpoint_specs(module.FAMILIES, module.CHECKPOINTS, module.SHAPES))
    return specs

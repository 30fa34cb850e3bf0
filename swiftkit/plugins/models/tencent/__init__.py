"""Tencent (Hunyuan, Hy3, Youtu-LLM) model families.

Light registration module: the families' data lives in one module per family beside this one
(``hunyuan``, ``hunyuan_v1_dense``, ``hy_v3``, ``youtu_llm``), each holding ``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES`` and importing nothing
but ``swiftkit.core`` and ``swiftkit.models.checkpoints``. Hub ids are those of ms-swift's public model listing.
"""

from __future__ import annotations

import importlib

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

SWIFTKIT_PLUGIN_API = "1.2"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "hunyuan",
    "hunyuan_v1_dense",
    "hy_v3",
    "youtu_llm",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    specs: list[ModelSpec] = []
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        specs.extend(builtin_checkpoint_specs(module.FAMILIES, module.CHECKPOINTS, getattr(module, "SHAPES", None)))
    return specs

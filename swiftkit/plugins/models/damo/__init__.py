"""Alibaba DAMO Academy and ModelScope model families: SeqGPT, PolyLM, ModelScope-Agent.

One data module per ms-swift model type, each holding ``FAMILIES`` / ``CHECKPOINTS`` (and
``SHAPES`` where the sizes are known); this package gathers them. Light: it imports nothing but
``swiftkit.core`` and ``swiftkit.models.checkpoints``. Hub ids are those of ms-swift's public
model listing.
"""

from __future__ import annotations

import importlib

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

SWIFTKIT_PLUGIN_API = "1.2"

#: the family modules of this package, in registration order
MODULES: tuple[str, ...] = ("seggpt", "polylm", "modelscope_agent")


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every module in :data:`MODULES`."""
    specs: list[ModelSpec] = []
    for name in MODULES:
        module = importlib.import_module(f"{__name__}.{name}")
        specs.extend(builtin_checkpoint_specs(module.FAMILIES, module.CHECKPOINTS, getattr(module, "SHAPES", None)))
    return specs

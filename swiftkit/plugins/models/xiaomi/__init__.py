"""Xiaomi model families: MiMo-7B (``mimo``).

One data module per family (``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES``); this package gathers
them and is the only module with a hook. Light: it imports nothing but ``swiftkit.core`` and
``swiftkit.models.checkpoints``. Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

from . import mimo

SWIFTKIT_PLUGIN_API = "1.2"

#: the family modules of this package, in registration order
MODULES = (mimo,)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every module in :data:`MODULES`."""
    specs: list[ModelSpec] = []
    for module in MODULES:
        specs.extend(builtin_checkpoint_specs(module.FAMILIES, module.CHECKPOINTS, module.SHAPES))
    return specs

"""Allen AI model families: OLMoE (``olmoe``).

One data module per family; this package gathers them and is the only module with a hook.
Light: it imports nothing but ``swiftkit.core`` and ``swiftkit.models.checkpoints``.
Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

from . import olmoe

SWIFTKIT_PLUGIN_API = "1.2"

_MODULES = (olmoe,)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module of this vendor."""
    return [spec for m in _MODULES for spec in builtin_checkpoint_specs(m.FAMILIES, m.CHECKPOINTS, m.SHAPES)]

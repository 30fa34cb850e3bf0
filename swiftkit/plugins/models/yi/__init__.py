"""Yi (01.AI) model families: one data module per family (``yi``); this package gathers them.

Light registration module: data only, it imports nothing but ``swiftkit.core`` and
``swiftkit.models.checkpoints``. Hub ids are those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

from . import yi

SWIFTKIT_PLUGIN_API = "1.2"

_MODULES = (yi,)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every Yi family module."""
    return [spec for m in _MODULES for spec in builtin_checkpoint_specs(m.FAMILIES, m.CHECKPOINTS, m.SHAPES)]

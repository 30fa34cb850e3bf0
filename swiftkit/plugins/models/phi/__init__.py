"""Phi model families (Microsoft): one data module per family (``phi2``, ``phi3``,
``phi3_small``, ``phi3_moe``, ``phi4``); this package gathers them.

Light registration module: it imports nothing but ``swiftkit.core`` and
``swiftkit.models.checkpoints``. Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

from . import phi2, phi3, phi3_moe, phi3_small, phi4

SWIFTKIT_PLUGIN_API = "1.2"

_MODULES = (phi2, phi3, phi3_small, phi3_moe, phi4)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every Phi family module."""
    return [spec for m in _MODULES for spec in builtin_checkpoint_specs(m.FAMILIES, m.CHECKPOINTS, m.SHAPES)]

"""Mistral AI model families: one data module per family (``mistral``, ``devstral``,
``mixtral``, ``mistral_nemo``, ``mistral_2501``); this package gathers them.

Light registration module: it imports nothing but ``swiftkit.core`` and
``swiftkit.models.checkpoints``; tiny-config tweaks live in :mod:`.loader`, referenced lazily.
Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

from . import devstral, mistral, mistral_2501, mistral_nemo, mixtral

SWIFTKIT_PLUGIN_API = "1.2"

_MODULES = (mistral, devstral, mixtral, mistral_nemo, mistral_2501)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every Mistral AI family module."""
    return [spec for m in _MODULES for spec in builtin_checkpoint_specs(m.FAMILIES, m.CHECKPOINTS, m.SHAPES)]

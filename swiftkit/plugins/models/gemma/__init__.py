"""Gemma model families (Google): one data module per family (``gemma``, ``gemma2``,
``gemma3_text``, ``gemma_emb``, ``gemma_reward``); this package gathers them.

Light registration module: it imports nothing but ``swiftkit.core`` and
``swiftkit.models.checkpoints``; tiny-config tweaks live in :mod:`.loader`, referenced lazily.
Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

from . import gemma, gemma2, gemma3_text, gemma_emb, gemma_reward

SWIFTKIT_PLUGIN_API = "1.2"

_MODULES = (gemma, gemma2, gemma3_text, gemma_emb, gemma_reward)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every Gemma family module."""
    return [spec for m in _MODULES for spec in builtin_checkpoint_specs(m.FAMILIES, m.CHECKPOINTS, m.SHAPES)]

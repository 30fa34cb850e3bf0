"""Gemma model families (Google): one data module per family (``gemma``, ``gemma2``,
``gemma3_text``, ``gemma_emb``, ``gemma_reward``); this package gathers them.

Light registration module: it imports nothing but ``swiftkit.core`` and
``swiftkit.plugins.models._catalogue``; tiny-config tweaks live in :mod:`.loader`, referenced lazily.
Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "gemma",
    "gemma2",
    "gemma3_text",
    "gemma_emb",
    "gemma_reward",
    "gemma3_vision",
    "paligemma",
    # issue 14: multimodal families swiftkit registers without a media processor yet
    "gemma3n",
    "gemma4",
    "gemma4_unified",
    "diffusion_gemma",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

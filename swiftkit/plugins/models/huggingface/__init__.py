"""Hugging Face's own multimodal families (Idefics3, SmolVLM): one data module per family; this package gathers them.

Light registration module: it imports nothing but ``swiftkit.core`` and
``swiftkit.plugins.models._catalogue``; loaders live beside it, referenced lazily.
Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "idefics3",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

"""Mistral AI model families: one data module per family (``mistral``, ``devstral``,
``mixtral``, ``mistral_nemo``, ``mistral_2501``); this package gathers them.

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
    "mistral",
    "devstral",
    "mixtral",
    "mistral_nemo",
    "mistral_2501",
    "mistral3",
    "pixtral",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

"""Cohere model families: Command-R (``c4ai``) and Aya Expanse (``aya``).

One data module per family; this package gathers them and is the only module with a hook.
Light: it imports nothing but ``swiftkit.core`` and ``swiftkit.plugins.models._catalogue``.
Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "c4ai",
    "aya",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

"""Phi model families (Microsoft): one data module per family (``phi2``, ``phi3``,
``phi3_small``, ``phi3_moe``, ``phi4``); this package gathers them.

Light registration module: it imports nothing but ``swiftkit.core`` and
``swiftkit.plugins.models._catalogue``. Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "phi2",
    "phi3",
    "phi3_small",
    "phi3_moe",
    "phi4",
    # issue 14: multimodal families swiftkit registers without a media processor yet
    "phi3_vision",
    "phi4_multimodal",
    "florence",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

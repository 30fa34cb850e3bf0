"""Llama model families (Meta and the Llama-architecture community models).

One data module per family (``llama``, ``llama3_2_reward``); this package gathers them and is
the only module with a hook. Light: it imports nothing but ``swiftkit.core`` and
``swiftkit.plugins.models._catalogue``. Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "llama",
    "llama3_2_reward",
    "llama3_2_vision",
    # issue 14: multimodal families swiftkit registers without a media processor yet
    "llama4",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

"""Alibaba DAMO Academy and ModelScope model families: SeqGPT, PolyLM, ModelScope-Agent.

One data module per ms-swift model type, each holding ``FAMILIES`` / ``CHECKPOINTS`` (and
``SHAPES`` where the sizes are known); this package gathers them. Light: it imports nothing but
``swiftkit.core`` and ``swiftkit.plugins.models._catalogue``. Hub ids are those of ms-swift's public
model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "seggpt",
    "polylm",
    "modelscope_agent",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

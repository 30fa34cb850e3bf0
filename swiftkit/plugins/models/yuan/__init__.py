"""IEIT (Yuan2) model families.

Light registration module: the families' data lives in one module per family beside this one
(``yuan2``), each holding ``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES`` and importing nothing
but ``swiftkit.core`` and ``swiftkit.plugins.models._catalogue``. Hub ids are those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "yuan2",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

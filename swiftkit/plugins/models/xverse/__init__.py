"""XVERSE model families.

Light registration module: data only, it imports nothing but ``swiftkit.core`` and
``swiftkit.models.checkpoints``. Hub ids are those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl

SWIFTKIT_PLUGIN_API = "1.2"


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    return []

"""Baichuan model families: Baichuan (7B, 13B), Baichuan2 (7B, 13B, and their 4-bit releases)
and Baichuan-M1 (medical).

Every family here needs the checkpoints' own modeling code (transformers 5.19 has no Baichuan
class). One data module per family (``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES``); this package
gathers them and is the only module with a hook. Light: it imports nothing but ``swiftkit.core``
and ``swiftkit.plugins.models._catalogue``. Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "baichuan",
    "baichuan2",
    "baichuan_m1",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

"""Community fine-tunes with families of their own: OpenBuddy (Llama, Mistral and Mixtral
architectures), Zephyr and WizardLM-2 (dense and MoE). One data module per family; this package
gathers them.

Light registration module: it imports nothing but ``swiftkit.core`` and
``swiftkit.plugins.models._catalogue``. Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.4"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "openbuddy_llama",
    "openbuddy_mistral",
    "openbuddy_mixtral",
    "zephyr",
    "wizardlm2",
    "wizardlm2_moe",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

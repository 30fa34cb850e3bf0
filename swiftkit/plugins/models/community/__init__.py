"""Community fine-tunes with families of their own: OpenBuddy (Llama, Mistral and Mixtral
architectures), Zephyr and WizardLM-2 (dense and MoE). One data module per family; this package
gathers them.

Light registration module: it imports nothing but ``swiftkit.core`` and
``swiftkit.models.checkpoints``. Hub ids are exactly those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import builtin_checkpoint_specs

from . import openbuddy_llama, openbuddy_mistral, openbuddy_mixtral, wizardlm2, wizardlm2_moe, zephyr

SWIFTKIT_PLUGIN_API = "1.2"

_MODULES = (openbuddy_llama, openbuddy_mistral, openbuddy_mixtral, zephyr, wizardlm2, wizardlm2_moe)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every community family module."""
    return [spec for m in _MODULES for spec in builtin_checkpoint_specs(m.FAMILIES, m.CHECKPOINTS, m.SHAPES)]

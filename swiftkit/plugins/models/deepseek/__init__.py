"""DeepSeek model families: DeepSeek-MoE (``deepseek``), DeepSeek-V2, V3 (with the Moonshot
Moonlight / Kimi-K2 checkpoints of the same architecture), V3.2 and V4.

One data module per family (``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES``); this package gathers
them and is the only module with a hook. Light: it imports nothing but ``swiftkit.core`` and
``swiftkit.plugins.models._catalogue``; the tiny-config tweaks of the native architectures live in
:mod:`swiftkit.plugins.models.deepseek.loader`, imported only when used. Hub ids are exactly
those of ms-swift's public model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "deepseek",
    "deepseek_v2",
    "deepseek_v3",
    "deepseek_v32",
    "deepseek_v4",
    # issue 14: multimodal families swiftkit registers without a media processor yet
    "deepseek_vl",
    "deepseek_vl2",
    "deepseek_janus",
    "deepseek_janus_pro",
    "deepseek_ocr",
    "deepseek_ocr2",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

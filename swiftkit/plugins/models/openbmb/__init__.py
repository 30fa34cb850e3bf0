"""OpenBMB model families: MiniCPM (1B/2B), MiniCPM with ChatML (2B-128k, MiniCPM4),
MiniCPM3-4B and MiniCPM-MoE-8x2B.

One data module per family (``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES``); this package gathers
them and is the only module with a hook. Light: it imports nothing but ``swiftkit.core`` and
``swiftkit.plugins.models._catalogue``; MiniCPM3's tiny-config tweaks live in
:mod:`swiftkit.plugins.models.openbmb.loader`. Hub ids are exactly those of ms-swift's public
model listing.
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "minicpm",
    "minicpm_chatml",
    "minicpm3",
    "minicpm_moe",
    # issue 14: multimodal families swiftkit registers without a media processor yet
    "minicpmv",
    "minicpmv2_5",
    "minicpmv2_6",
    "minicpmv4",
    "minicpmv4_5",
    "minicpmv4_6",
    "minicpmo",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

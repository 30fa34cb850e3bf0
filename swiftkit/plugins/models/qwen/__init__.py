"""Qwen model families (Alibaba Cloud): one data module per ms-swift model type.

``qwen`` (Qwen-1, remote code), ``qwen2`` (Qwen1.5 / Qwen2 / Qwen2.5 / QwQ and derivatives),
``qwen2_moe``, ``qwen3``, ``qwen3_moe``, ``qwen3_next``, and the task models ``qwen3_emb``,
``qwen3_reranker``, ``qwen2_gte``, ``qwen2_reward``, ``qwen2_5_prm``. Each module holds
``FAMILIES`` / ``CHECKPOINTS`` / ``SHAPES`` (see :func:`swiftkit.plugins.models._catalogue.vendor_specs`);
this package gathers them. Light: nothing heavier than ``swiftkit.core`` is imported; the tiny-config
tweaks live in :mod:`swiftkit.plugins.models.qwen.loader`, imported only when used. Hub ids are
those of ms-swift's public model listing (ModelScope and Hugging Face).
"""

from __future__ import annotations

from swiftkit.core import ModelSpec, hookimpl
from swiftkit.plugins.models._catalogue import vendor_specs

SWIFTKIT_PLUGIN_API = "1.5"

#: the family data modules of this package, in registration order
MODULES: tuple[str, ...] = (
    "qwen2",
    "qwen3",
    "qwen2_moe",
    "qwen3_moe",
    "qwen3_next",
    "qwen",
    "qwen3_emb",
    "qwen3_reranker",
    "qwen2_gte",
    "qwen2_reward",
    "qwen2_5_prm",
    "qwen2_vl",
    "qwen2_5_vl",
    "qwen3_vl",
    "qwen3_vl_moe",
    "qwen2_audio",
    "qwen2_5_omni",
    # issue 14: multimodal families swiftkit registers without a media processor yet
    "qwen_vl",
    "qwen_audio",
    "qwen3_omni_moe",
    "qwen3_asr",
    "qwen3_tts",
    "qwen3_vl_emb",
    "qwen3_vl_reranker",
    "qwen3_5",
    "qwen3_5_moe",
    "qwen3_5_emb",
    "qwen2_gme",
)


@hookimpl
def swift_register_models() -> list[ModelSpec]:
    """Every checkpoint of every family module in :data:`MODULES`."""
    return vendor_specs(__name__, MODULES)

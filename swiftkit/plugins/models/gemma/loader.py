"""Loaders of the Gemma families (imported only when a Gemma model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class GemmaLoader(HFCausalLMLoader):
    """Gemma sets ``head_dim`` explicitly (256 by default), so a tiny model needs its own."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"head_dim": 16}


class Gemma2Loader(GemmaLoader):
    """Gemma 2 also scales queries by ``query_pre_attn_scalar ** -0.5``, which the real
    checkpoints tie to the head size; keep that relation at tiny size."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"query_pre_attn_scalar": 16}

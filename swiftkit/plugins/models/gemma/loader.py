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


class Gemma3TextLoader(Gemma2Loader):
    """Gemma 3 interleaves sliding-window and global layers (5:1); the two tiny layers are one of
    each, with a window shorter than the tiny context so that the sliding path is exercised."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "layer_types": ["sliding_attention", "full_attention"],
        "sliding_window": 64,
    }

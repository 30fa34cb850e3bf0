"""Loaders of the MiniMax families (imported only when one of their models is loaded or built):
what each architecture needs to be built at tiny size (hidden 64)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class MiniMaxLoader(HFCausalLMLoader):
    """MiniMax-Text-01: lightning (linear) attention in seven layers of eight, softmax attention
    in the eighth, and 32 experts (top-2). Tiny: one layer of each kind, in the real order, a
    lightning block of 16 tokens so that short training sequences span several blocks, and 4
    experts (top-2)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "head_dim": 16,
        "layer_types": ["linear_attention", "full_attention"],
        "block_size": 16,
        "num_local_experts": 4,
        "num_experts_per_tok": 2,
    }


class MiniMaxM2Loader(HFCausalLMLoader):
    """MiniMax-M2: 256 experts (top-8) and an explicit ``head_dim`` (128); tiny: 4 experts, top-2."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "head_dim": 16,
        "num_local_experts": 4,
        "num_experts_per_tok": 2,
    }

"""Loaders of the Qwen families (imported only when a Qwen model is loaded or built).

Each class only adds what its architecture needs at tiny size (hidden 64, 2 layers, 4 heads):
an explicit ``head_dim``, few small experts, and for Qwen3-Next both kinds of layer.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class Qwen3Loader(HFCausalLMLoader):
    """Qwen3 sets ``head_dim`` explicitly (128 by default), so a tiny model needs its own."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"head_dim": 16}


class Qwen2MoeLoader(HFCausalLMLoader):
    """4 routed experts (2 active) and a shared expert, small enough to train in milliseconds
    (the real models have 60 or 64 experts); every layer sparse."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 32,
        "shared_expert_intermediate_size": 64,
        "decoder_sparse_step": 1,
    }


class Qwen3MoeLoader(Qwen3Loader):
    """Qwen3's ``head_dim`` plus 4 routed experts (2 active); Qwen3-MoE has no shared expert."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 32,
        "decoder_sparse_step": 1,
    }


class Qwen3NextLoader(Qwen3Loader):
    """Qwen3-Next alternates gated-DeltaNet linear attention with full attention (3:1 in the real
    models): a tiny model keeps one layer of each kind, small linear-attention heads, and 4 experts
    (2 active) plus the shared expert."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 32,
        "shared_expert_intermediate_size": 32,
        "linear_num_key_heads": 2,
        "linear_num_value_heads": 4,
        "linear_key_head_dim": 16,
        "linear_value_head_dim": 16,
    }

    def tiny_config(self, vocab_size: int, **overrides: Any) -> Any:
        """``layer_types`` follows the layer count: linear attention everywhere but every fourth
        layer and the last one, so even 2 layers hold both kinds."""
        layers = overrides.get("num_hidden_layers", self.tiny_overrides()["num_hidden_layers"])
        if "layer_types" not in overrides:
            overrides["layer_types"] = [
                "full_attention" if (i + 1) % 4 == 0 or i == layers - 1 else "linear_attention"
                for i in range(layers)
            ]
        return super().tiny_config(vocab_size, **overrides)

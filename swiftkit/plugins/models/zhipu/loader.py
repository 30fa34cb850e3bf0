"""Loaders of the native Zhipu families (imported only when a GLM model is loaded or built).

At hidden size 64 each keeps its real structure: an explicit ``head_dim`` (GLM sets 128), MoE
layers of 4 small routed experts (2 per token) after a dense first layer, q/k norm, and for the
latent-attention families small ranks and the sparse attention indexer.
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader

_MOE: dict[str, Any] = {
    "first_k_dense_replace": 1,
    "moe_intermediate_size": 32,
    "n_routed_experts": 4,
    "num_experts_per_tok": 2,
    "n_shared_experts": 1,
    "n_group": 1,
    "topk_group": 1,
}
_MLA: dict[str, Any] = {
    "num_key_value_heads": 4,
    "q_lora_rank": 32,
    "kv_lora_rank": 16,
    "qk_nope_head_dim": 8,
    "qk_rope_head_dim": 8,
    "head_dim": 8,
    "v_head_dim": 16,
}


class Glm4Loader(HFCausalLMLoader):
    """GLM-4-0414 sets ``head_dim`` 128; a tiny model needs its own."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"head_dim": 16}


class GlmEdgeLoader(Glm4Loader):
    """GLM-Edge (``GlmForCausalLM``): GLM-4's attention without the extra norms."""


class Glm4MoeLoader(HFCausalLMLoader):
    """GLM-4.5: a dense first layer, then MoE; q/k norm on as in GLM-4.5's config."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {**_MOE, "head_dim": 16, "use_qk_norm": True}


class Glm4MoeLiteLoader(HFCausalLMLoader):
    """GLM-4.7-Flash: latent attention and MoE."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {**_MLA, **_MOE}


class GlmMoeDsaLoader(Glm4MoeLiteLoader):
    """GLM-5: GLM-4.7-Flash's structure plus the indexer, keeping 4 keys per query."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"index_n_heads": 2, "index_head_dim": 16, "index_topk": 4}

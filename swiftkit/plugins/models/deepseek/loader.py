"""Loaders of the DeepSeek families (imported only when a DeepSeek model is loaded or built).

The tiny models keep every structural feature of the real configs at hidden size 64: multi-head
latent attention with small ranks, a dense first layer then an MoE layer (4 routed experts,
2 per token, a shared expert), grouped routing where the family has it, and the sparse
attention indexer (V3.2) or the compressed attention kinds and hash routing (V4).
"""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader

#: multi-head latent attention at tiny size (head_dim is the rotary part, as transformers reads it)
_MLA: dict[str, Any] = {
    "num_key_value_heads": 4,
    "q_lora_rank": 32,
    "kv_lora_rank": 16,
    "qk_nope_head_dim": 8,
    "qk_rope_head_dim": 8,
    "head_dim": 8,
    "v_head_dim": 16,
}
#: one dense layer, then MoE layers of 4 small routed experts (2 per token) and a shared one
_MOE: dict[str, Any] = {
    "first_k_dense_replace": 1,
    "moe_intermediate_size": 32,
    "n_routed_experts": 4,
    "num_experts_per_tok": 2,
    "n_shared_experts": 1,
}


class DeepseekV2Loader(HFCausalLMLoader):
    """DeepSeek-V2: compressed queries as in the 236B models, greedy routing over all experts."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {**_MLA, **_MOE}


class DeepseekV3Loader(HFCausalLMLoader):
    """DeepSeek-V3: compressed queries and group-limited routing (2 groups of 2 experts, 1 kept)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {**_MLA, **_MOE, "n_group": 2, "topk_group": 1}


class DeepseekV32Loader(DeepseekV3Loader):
    """DeepSeek-V3.2: V3 plus the lightning indexer, which keeps 4 keys per query at tiny size
    (fewer than a training sequence, so the sparse path is exercised)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"index_n_heads": 2, "index_head_dim": 16, "index_topk": 4}


class DeepseekV4Loader(HFCausalLMLoader):
    """DeepSeek-V4: one layer of each compressed attention kind (compression 2 and 4 instead of
    4 and 128, so short sequences compress), one hash-routed and one learned-routed MoE layer,
    a small sliding window and two hyper-connection streams."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "num_key_value_heads": 1,
        "head_dim": 16,
        "qk_rope_head_dim": 8,
        "q_lora_rank": 32,
        "o_groups": 2,
        "o_lora_rank": 16,
        "moe_intermediate_size": 32,
        "n_routed_experts": 4,
        "num_experts_per_tok": 2,
        "index_n_heads": 2,
        "index_head_dim": 16,
        "index_topk": 4,
        "sliding_window": 4,
        "hc_mult": 2,
        # longer than any tiny depth: the config keeps the first num_hidden_layers entries
        "layer_types": ["compressed_sparse_attention", "heavily_compressed_attention"] * 4,
        "mlp_layer_types": ["hash_moe"] + ["moe"] * 7,
        "compress_rates": {"compressed_sparse_attention": 2, "heavily_compressed_attention": 4},
    }

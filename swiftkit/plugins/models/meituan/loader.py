"""Loader of the LongCat-Flash family (imported only when one of its models is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class LongcatFlashLoader(HFCausalLMLoader):
    """LongCat-Flash: multi-head latent attention (as many key/value heads as query heads, rotary
    part of each head = ``head_dim``) and 512 routed + 256 zero-computation experts (top-12).
    Tiny: MLA ranks and heads that fit hidden 64, 4 routed + 2 zero-computation experts of width
    32, top-2, so that the router can still pick an identity expert."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "num_key_value_heads": 4,
        "q_lora_rank": 32,
        "kv_lora_rank": 16,
        "qk_nope_head_dim": 16,
        "qk_rope_head_dim": 8,
        "head_dim": 8,
        "v_head_dim": 16,
        "n_routed_experts": 4,
        "zero_expert_num": 2,
        "moe_topk": 2,
        "expert_ffn_hidden_size": 32,
    }

"""Loaders of the Tencent families (imported only when one of their models is loaded or built):
what each architecture needs to be built at tiny size (hidden 64)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class HunyuanDenseLoader(HFCausalLMLoader):
    """Hunyuan sets ``head_dim`` explicitly (128), so a tiny model needs its own."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"head_dim": 16}


class HunyuanMoELoader(HunyuanDenseLoader):
    """Hunyuan-A13B routes each token to ``moe_topk`` of ``num_experts`` experts (64, top-8):
    four experts, two per token, keep the routing real at tiny size."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"num_experts": 4, "moe_topk": 2}


class HY3Loader(HFCausalLMLoader):
    """Hy3: 192 routed experts of width 1536 (top-8) behind a dense first layer; tiny: 4 experts
    of width 32, top-2, the dense layer and the shared expert kept."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "head_dim": 16,
        "num_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 32,
    }


class YoutuLoader(HFCausalLMLoader):
    """Youtu-LLM's multi-head latent attention: the low ranks and head sizes must fit hidden 64,
    and MLA has as many key/value heads as query heads."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "num_key_value_heads": 4,
        "q_lora_rank": 32,
        "kv_lora_rank": 16,
        "qk_nope_head_dim": 16,
        "qk_rope_head_dim": 8,
        "v_head_dim": 16,
    }

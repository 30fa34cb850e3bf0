"""Loaders of the native OpenBMB family (imported only when a MiniCPM3 model is built or loaded)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class MiniCPM3Loader(HFCausalLMLoader):
    """MiniCPM3: multi-head latent attention (every head its own key/value, low-rank q and kv)
    at tiny ranks; ``dim_model_base`` follows the hidden size so the logit scale stays 1."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "num_key_value_heads": 4,
        "q_lora_rank": 32,
        "kv_lora_rank": 16,
        "qk_nope_head_dim": 8,
        "qk_rope_head_dim": 8,
        "head_dim": 8,
        "v_head_dim": 16,
        "dim_model_base": 64,
    }

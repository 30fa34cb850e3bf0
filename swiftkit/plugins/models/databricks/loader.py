"""Loader of the DBRX family (imported only when a DBRX model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class DbrxLoader(HFCausalLMLoader):
    """DBRX's config speaks its own names: ``d_model``/``n_heads``/``n_layers``/``max_seq_len`` must
    be given as such (the experts' ``ffn_config.hidden_size`` is copied from ``d_model`` when the
    config is built), and ``attn_config`` carries ``rope_theta`` and ``clip_qkv`` as in the real
    checkpoints' config.json (the modeling code reads both). 4 experts, 2 per token."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "d_model": 64,
        "n_heads": 4,
        "n_layers": 2,
        "max_seq_len": 512,
        "attn_config": {"kv_n_heads": 2, "rope_theta": 500000.0, "clip_qkv": 8.0},
        "ffn_config": {"ffn_hidden_size": 128, "moe_num_experts": 4, "moe_top_k": 2},
    }

"""Loader of the gpt-oss family (imported only when a gpt-oss model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class GptOssLoader(HFCausalLMLoader):
    """gpt-oss alternates sliding-window and full attention and routes 4 of 32/128 experts; the
    tiny model has one layer of each kind, a window shorter than its context, and 4 experts (2 per
    token). Its ``head_dim`` (64 in the real models) is set apart from hidden/heads."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "head_dim": 16,
        "layer_types": ["sliding_attention", "full_attention"],
        "sliding_window": 64,
        "num_local_experts": 4,
        "num_experts_per_tok": 2,
    }

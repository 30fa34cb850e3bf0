"""Loaders of the Mistral AI families (imported only when such a model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class MistralLoader(HFCausalLMLoader):
    """Mistral-7B-v0.1 uses a 4096-token sliding window; a tiny model uses full attention so
    that its outputs do not depend on the attention backend's sliding-window support."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"sliding_window": None}


class MistralNemoLoader(MistralLoader):
    """Nemo, Small-2409/2501 and Devstral set ``head_dim`` (128) apart from ``hidden_size /
    num_attention_heads`` (160 for Nemo); the tiny model keeps them apart too (32 vs 16)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"head_dim": 32}


class MixtralLoader(MistralLoader):
    """Mixtral routes each token to 2 of 8 experts; 4 experts keep the routing real at tiny size."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"num_local_experts": 4, "num_experts_per_tok": 2}

"""Loaders of the Phi families (imported only when such a model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class PhimoeLoader(HFCausalLMLoader):
    """Phi-3.5-MoE routes each token to 2 of 16 experts; 4 keep the routing real at tiny size."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"num_local_experts": 4, "num_experts_per_tok": 2}

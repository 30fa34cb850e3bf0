"""Loader of the OLMoE family (imported only when an OLMoE model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class OlmoeLoader(HFCausalLMLoader):
    """OLMoE routes 8 of 64 experts per token; 4 experts, 2 per token, keep the routing real."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"num_experts": 4, "num_experts_per_tok": 2}

"""Loader of the dots.llm1 family (imported only when one of its models is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class Dots1Loader(HFCausalLMLoader):
    """dots.llm1: 128 routed experts (top-6) and 2 shared experts after a dense first layer; tiny:
    4 experts of width 32, top-2, one shared expert, the first layer dense."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "head_dim": 16,
        "n_routed_experts": 4,
        "num_experts_per_tok": 2,
        "n_shared_experts": 1,
        "moe_intermediate_size": 32,
        "first_k_dense_replace": 1,
    }

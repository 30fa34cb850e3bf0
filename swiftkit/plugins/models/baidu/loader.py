"""Loaders of the ERNIE 4.5 families (imported only when one of their models is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class Ernie45Loader(HFCausalLMLoader):
    """ERNIE 4.5 sets ``head_dim`` explicitly (128), so a tiny model needs its own."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"head_dim": 16}


class Ernie45MoeLoader(HFCausalLMLoader):
    """ERNIE 4.5 MoE: 64 experts of width 1536 (top-6 or top-8) after a dense first layer, plus
    shared experts; tiny: 4 experts of width 32, top-2, the dense layer and shared experts kept."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"moe_num_experts": 4, "moe_k": 2, "moe_intermediate_size": 32}

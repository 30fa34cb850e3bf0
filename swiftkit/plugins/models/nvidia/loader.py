"""Loader of the Nemotron-H family (imported only when such a model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class NemotronHLoader(HFCausalLMLoader):
    """One block of each kind (Mamba-2 mixer, routed experts, attention, dense MLP), Mamba-2 heads
    and groups sized to the tiny hidden size, 4 experts (2 per token). transformers picks the
    pure-torch Mamba-2 scan by itself where mamba-ssm / causal-conv1d are absent (a CPU), so no
    kernel switch is set (``use_mamba_kernels`` is deprecated and ignored in transformers 5)."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {
        "layers_block_type": ["mamba", "moe", "attention", "mlp"],
        "head_dim": 16,
        "mamba_num_heads": 8,
        "mamba_head_dim": 16,
        "n_groups": 2,
        "ssm_state_size": 16,
        "chunk_size": 16,
        "n_routed_experts": 4,
        "num_experts_per_tok": 2,
        "moe_intermediate_size": 64,
        "moe_shared_expert_intermediate_size": 64,
    }

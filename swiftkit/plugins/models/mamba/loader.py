"""Loader of the Mamba family (imported only when a Mamba model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class MambaLoader(HFCausalLMLoader):
    """Mamba's SSM state (16 per channel in the real models) shrinks with the rest at tiny size;
    the real checkpoints tie the LM head to the embeddings."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"state_size": 8, "expand": 2}

"""Loaders of the Qwen families (imported only when a Qwen model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class Qwen3Loader(HFCausalLMLoader):
    """Qwen3 sets ``head_dim`` explicitly (128 by default), so a tiny model needs its own."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"head_dim": 16}

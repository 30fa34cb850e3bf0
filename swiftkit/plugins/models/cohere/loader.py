"""Loaders of the Cohere families (imported only when such a model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class CommandRLoader(HFCausalLMLoader):
    """Command-R+ normalizes queries and keys per head (``use_qk_norm``); the tiny model does too."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"use_qk_norm": True}

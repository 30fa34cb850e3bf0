"""Loader of the Mistral family (imported only when a Mistral model is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class MistralLoader(HFCausalLMLoader):
    """Mistral-7B-v0.1 uses a 4096-token sliding window; a tiny model uses full attention so
    that its outputs do not depend on the attention backend's sliding-window support."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"sliding_window": None}

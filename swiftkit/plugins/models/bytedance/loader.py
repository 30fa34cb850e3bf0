"""Loader of the Seed-OSS family (imported only when one of its models is loaded or built)."""

from __future__ import annotations

from typing import Any, ClassVar

from swiftkit.models.hf import HFCausalLMLoader


class SeedOssLoader(HFCausalLMLoader):
    """Seed-OSS sets ``head_dim`` explicitly (128), so a tiny model needs its own; its q/k/v
    biases (``attention_bias``, on by default) are kept."""

    TINY_OVERRIDES: ClassVar[dict[str, Any]] = {"head_dim": 16}
